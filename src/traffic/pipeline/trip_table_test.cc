#include "traffic/pipeline/trip_table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "traffic/core/time.h"
#include "traffic/parquet/table.h"

namespace traffic::pipeline {
namespace {

trip::Trip MakeTrip(int i, bool with_nulls) {
  trip::Trip t;
  t.pickup_time = core::NewYorkToUtc({2016, 1, 4, 8, i, 0});
  t.dropoff_time = t.pickup_time + std::chrono::minutes(10);
  t.pickup_lat = t.dropoff_lat = 40.7580;
  t.pickup_lon = t.dropoff_lon = -73.9855;
  t.distance_mi = 2;
  t.event_id = static_cast<uint64_t>(1000 + i);
  if (!with_nulls) {
    t.passenger_count = static_cast<int16_t>(1 + i);
    t.pickup_zone = static_cast<int16_t>(100 + i);
    t.dropoff_zone = static_cast<int16_t>(200 + i);
  }
  return t;
}

// Regression (issue 8 #14): the first null of a batch at row 0 was dropped, so row 0 read back
// as 0 instead of null. Every position of a null, in the first and in a reused (cleared) batch.
TEST(TripTableTest, NullsRoundTripAtEveryRowPosition) {
  const auto dir = std::filesystem::temp_directory_path() / ("traffic_trip_table_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto fs = fs::MakeLocalFileSystem(dir.string());
  geo::Grid grid;
  geo::PolygonIndex manhattan;
  TripTableBuilder builder(grid, manhattan);
  constexpr int kRows = 5;
  const char* columns[] = {"passenger_count", "pickup_zone", "dropoff_zone"};
  for (int null_at = -1; null_at < kRows; ++null_at) {              // -1: no null at all
    for (int batch_number = 0; batch_number < 2; ++batch_number) {  // the builder is reused after Clear()
      builder.Clear();
      for (int i = 0; i < kRows; ++i) builder.Append(MakeTrip(i, i == null_at || (null_at == kRows - 1 && i == 0)));
      const std::string path = "t" + std::to_string(null_at) + "_" + std::to_string(batch_number) + ".parquet";
      auto writer = parquet::Writer::Open(*fs, path, TripTableSchema());
      ASSERT_TRUE(writer.ok()) << writer.status().message();
      ASSERT_TRUE((*writer)->Write(builder.batch()).ok());
      ASSERT_TRUE((*writer)->Close().ok());
      auto reader = parquet::Reader::Open(*fs, path);
      ASSERT_TRUE(reader.ok()) << reader.status().message();
      auto batch = (*reader)->ReadRowGroup(0);
      ASSERT_TRUE(batch.ok()) << batch.status().message();
      ASSERT_EQ(batch->num_rows(), static_cast<size_t>(kRows));
      for (const char* name : columns) {
        int c = batch->Find(name);
        ASSERT_GE(c, 0) << name;
        const auto& valid = batch->column(c).valid;
        for (int i = 0; i < kRows; ++i) {
          bool expect_null = i == null_at || (null_at == kRows - 1 && i == 0);
          bool is_null = !valid.empty() && valid[static_cast<size_t>(i)] == 0;
          EXPECT_EQ(is_null, expect_null)
              << name << " row " << i << ", null at " << null_at << ", batch " << batch_number;
          if (!expect_null) {
            EXPECT_GT(batch->Get<int16_t>(c)[static_cast<size_t>(i)], 0) << name << " row " << i;
          }
        }
      }
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace traffic::pipeline
