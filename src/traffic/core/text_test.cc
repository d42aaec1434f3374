#include "traffic/core/text.h"

#include <gtest/gtest.h>

#include "traffic/core/hash.h"
#include "traffic/core/status.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::core {
namespace {

TEST(ParseDouble, StrictWholeField) {
  EXPECT_EQ(*ParseDouble(".70"), 0.7);
  EXPECT_EQ(*ParseDouble("-73.99"), -73.99);
  EXPECT_FALSE(ParseDouble(""));
  EXPECT_FALSE(ParseDouble("1.5x"));
  EXPECT_FALSE(ParseDouble("abc"));
  EXPECT_FALSE(ParseDouble(" 1"));
}

TEST(WithThousands, GroupsDigits) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(1200), "1,200");
  EXPECT_EQ(WithThousands(-1234567), "-1,234,567");
}

TEST(StableHash64, StableAndSensitive) {
  EXPECT_EQ(StableHash64("abc"), StableHash64("abc"));
  EXPECT_NE(StableHash64("abc"), StableHash64("abd"));
  EXPECT_NE(StableHash64(""), StableHash64(std::string_view("\0", 1)));
  EXPECT_EQ(HashToHex(0xABCULL), "0000000000000abc");
}

TEST(Result, CarriesValueOrStatus) {
  Result<int> good = 3;
  Result<int> bad = Status::NotFound("x.csv: no such file");
  EXPECT_OK(good);
  EXPECT_EQ(*good, 3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().WithContext("clean").message(), "clean: x.csv: no such file");
}

}  // namespace
}  // namespace traffic::core

#include <cmath>

#include "traffic/core/json_writer.h"

namespace traffic::core {
namespace {

TEST(JsonWriter, EscapesAndSeparates) {
  JsonWriter j;
  j.BeginObject().Key("a").Int(1).Key("b\"").String("x\ny").Key("c").BeginArray().Double(0.5).Double(NAN).Bool(true).EndArray().EndObject();
  EXPECT_EQ(j.str(), R"({"a":1,"b\"":"x\ny","c":[0.5,null,true]})");
}

}  // namespace
}  // namespace traffic::core
