#include "traffic/csv/layout.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "traffic/testing/status_matchers.h"

namespace traffic::csv {
namespace {

std::string FirstLine(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST(DetectLayout, EveryTlcSchemaVariant2009To2016Parses) {
  auto dir = std::filesystem::path(TRAFFIC_SHARED_DIR) / "data/nyc-taxi/tlc_schema_heads_2009_2016";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".csv") continue;
    ++files;
    auto layout = DetectLayout(FirstLine(entry.path()));
    ASSERT_OK(layout) << entry.path() << ": " << layout.status().message();
    EXPECT_EQ(layout->kind, LayoutKind::kCoordinates) << entry.path();
    EXPECT_GE(layout->passenger_count, 0) << entry.path();
  }
  EXPECT_EQ(files, 120);
}

TEST(DetectLayout, KaggleAndZones) {
  auto kaggle = DetectLayout(
      "id,vendor_id,pickup_datetime,dropoff_datetime,passenger_count,pickup_longitude,"
      "pickup_latitude,dropoff_longitude,dropoff_latitude,store_and_fwd_flag,trip_duration");
  ASSERT_OK(kaggle);
  EXPECT_EQ(kaggle->kind, LayoutKind::kKaggle);
  auto zones = DetectLayout(
      "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
      "RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type\r");
  ASSERT_OK(zones);
  EXPECT_EQ(zones->kind, LayoutKind::kZones);
  EXPECT_EQ(zones->pickup_zone, 7);
  EXPECT_EQ(zones->dropoff_zone, 8);
}

TEST(DetectLayout, NamesTheMissingColumns) {
  auto no_dropoff = DetectLayout(
      "tpep_pickup_datetime,trip_distance,pickup_longitude,"
      "pickup_latitude,dropoff_longitude,dropoff_latitude");
  ASSERT_FALSE(no_dropoff.ok());
  EXPECT_NE(no_dropoff.status().message().find("dropoff time"), std::string::npos);
  EXPECT_NE(no_dropoff.status().message().find("tpep_dropoff_datetime"), std::string::npos);
  auto junk = DetectLayout("a,b,c");
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.status().message().find("pickup time"), std::string::npos);
  EXPECT_NE(junk.status().message().find("trip distance"), std::string::npos);
  EXPECT_FALSE(DetectLayout("").ok());
}

}  // namespace
}  // namespace traffic::csv
