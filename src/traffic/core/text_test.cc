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
  EXPECT_EQ(StableHash64("abc"), 0xb586577cb20b77c1ULL);
  EXPECT_NE(StableHash64("abc"), StableHash64("abd"));
  EXPECT_NE(StableHash64(""), StableHash64(std::string_view("\0", 1)));
  EXPECT_EQ(HashToHex(0xABCULL), "0000000000000abc");
}

// Golden values: event ids, partitions and state checksums written by one build are read by
// another (and by producers in other languages), so the function may never change. Computed by
// an independent implementation of the steps documented in hash.h (Python), not by this code.
TEST(StableHash64, GoldenValues) {
  EXPECT_EQ(StableHash64(""), 0xd0bd7ff386ad0729ULL);
  EXPECT_EQ(StableHash64("abc"), 0xb586577cb20b77c1ULL);
  EXPECT_EQ(StableHash64("abd"), 0x8e53fe571ab267e8ULL);
  EXPECT_EQ(StableHash64(std::string_view("\0", 1)), 0xa08fa07d668223c3ULL);
  EXPECT_EQ(StableHash64("28_27"), 0xd34479bc23d73a9eULL);
  EXPECT_EQ(StableHash64("0123456789abcdef"), 0x68709f2b664e9b63ULL);           // two whole words
  EXPECT_EQ(StableHash64("The quick brown fox jumps"), 0xd431947e5b412d4bULL);  // 3 words + 1
  EXPECT_EQ(HashToHex(StableHash64("abc")), "b586577cb20b77c1");
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
  j.BeginObject()
      .Key("a")
      .Int(1)
      .Key("b\"")
      .String("x\ny")
      .Key("c")
      .BeginArray()
      .Double(0.5)
      .Double(NAN)
      .Bool(true)
      .EndArray()
      .EndObject();
  EXPECT_EQ(j.str(), R"({"a":1,"b\"":"x\ny","c":[0.5,null,true]})");
}

}  // namespace
}  // namespace traffic::core
