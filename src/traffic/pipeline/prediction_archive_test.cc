// The streaming archive's rolling (prediction_archive.h), on the in-memory file system.
#include "traffic/pipeline/prediction_archive.h"

#include <gtest/gtest.h>

#include "traffic/testing/mem_file_system.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::pipeline {
namespace {

// 2016-01-04 13:00:00 UTC + minutes.
codec::PredictionRecord Record(int minute, int16_t col = 27) {
  codec::PredictionRecord r;
  r.window_start = core::FromEpochSeconds(1451912400 + 60 * minute);
  r.window_end = r.window_start + std::chrono::seconds(60);
  r.cell = {28, col};
  r.trip_count = 3;
  r.avg_speed_mph = 11.5;
  return r;
}

std::vector<std::string> Files(fs::FileSystem& fs) {
  std::vector<std::string> paths;
  if (!fs.Exists("streaming")) return paths;  // nothing rolled yet
  auto files = fs.ListFilesRecursive("streaming", {".parquet"});
  EXPECT_OK(files);
  if (files.ok()) {
    for (const auto& f : *files) paths.push_back(f.path);
  }
  return paths;
}

int64_t Rows(fs::FileSystem& fs, const std::string& path) {
  auto reader = parquet::Reader::Open(fs, path);
  EXPECT_OK(reader);
  return reader.ok() ? (*reader)->num_rows() : -1;
}

TEST(PredictionArchive, RollsWhenTheHourChangesAndOnClose) {
  auto fs = testing::MakeMemFileSystem();
  PredictionArchive archive(*fs, "streaming", "w1");
  ASSERT_OK(archive.Write({Record(0), Record(0, 28), Record(59)}));
  EXPECT_TRUE(Files(*fs).empty());                     // buffered: nothing visible before a roll
  ASSERT_OK(archive.Write({Record(60), Record(61)}));  // 14:00: the 13:00 file rolls
  EXPECT_EQ(Files(*fs), std::vector<std::string>{"streaming/date=2016-01-04/hour=13/part-w1-00000.parquet"});
  EXPECT_EQ(Rows(*fs, "streaming/date=2016-01-04/hour=13/part-w1-00000.parquet"), 3);
  EXPECT_EQ(archive.rows_written(), 3);
  ASSERT_OK(archive.Write({Record(11 * 60)}));  // 2016-01-05 00:00 UTC: another date
  ASSERT_OK(archive.Close());
  EXPECT_EQ(Files(*fs), (std::vector<std::string>{"streaming/date=2016-01-04/hour=13/part-w1-00000.parquet",
                                                  "streaming/date=2016-01-04/hour=14/part-w1-00001.parquet",
                                                  "streaming/date=2016-01-05/hour=00/part-w1-00002.parquet"}));
  EXPECT_EQ(Rows(*fs, "streaming/date=2016-01-04/hour=14/part-w1-00001.parquet"), 2);
  EXPECT_EQ(archive.files_written(), 3);
  EXPECT_EQ(archive.rows_written(), 6);
  ASSERT_OK(archive.Close());  // again: nothing more
  EXPECT_EQ(archive.files_written(), 3);
}

TEST(PredictionArchive, RollsAtRollRowsWithinAnHour) {
  auto fs = testing::MakeMemFileSystem();
  PredictionArchive archive(*fs, "streaming", "w2", /*roll_rows=*/2);
  std::vector<codec::PredictionRecord> five;
  for (int i = 0; i < 5; ++i) five.push_back(Record(i));
  ASSERT_OK(archive.Write(five));
  ASSERT_OK(archive.Close());
  auto files = Files(*fs);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(Rows(*fs, files[0]), 2);
  EXPECT_EQ(Rows(*fs, files[1]), 2);
  EXPECT_EQ(Rows(*fs, files[2]), 1);
  EXPECT_EQ(archive.rows_written(), 5);
}

TEST(PredictionArchive, RowsNotRolledAreNotWritten) {
  // The archive is at-most-once across a crash (prediction_archive.h): without Close, the
  // buffered rows never reach a file, and no partial file is left.
  auto fs = testing::MakeMemFileSystem();
  {
    PredictionArchive archive(*fs, "streaming", "w3");
    ASSERT_OK(archive.Write({Record(0), Record(1)}));
  }
  EXPECT_TRUE(Files(*fs).empty());
}

}  // namespace
}  // namespace traffic::pipeline
