#include "traffic/pipeline/clean_step.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "traffic/parquet/table.h"
#include "traffic/pipeline/trip_table.h"
#include "traffic/testing/status_matchers.h"
#include "traffic/testing/temp_dir.h"

namespace traffic::pipeline {
namespace {

constexpr const char* kHeader =
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
    "pickup_longitude,pickup_latitude,RateCodeID,store_and_fwd_flag,dropoff_longitude,"
    "dropoff_latitude,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,"
    "improvement_surcharge,total_amount";

std::string Row(const char* pickup, const char* dropoff, const char* distance, const char* lon = "-73.9855",
                const char* lat = "40.7580") {
  return std::string("2,") + pickup + "," + dropoff + ",1," + distance + "," + lon + "," + lat +
         ",1,N,-73.9866,40.7306,1,12,1,0.5,3.25,0,0.3,17.05";
}

class CleanStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = fs::MakeLocalFileSystem(temp_.string());
    auto local = fs::MakeLocalFileSystem();
    auto reference = LoadReferenceData(*local, std::string(TRAFFIC_SHARED_DIR) + "/data/geo");
    ASSERT_OK(reference);
    reference_ = *reference;
  }

  core::Result<CleanSummary> Clean(std::vector<std::string> inputs, bool skip = false) {
    CleanOptions options;
    options.inputs = std::move(inputs);
    options.output_dir = "processed";
    options.rejects_path = "rejects.csv";
    options.skip_bad_files = skip;
    return RunClean(*fs_, *fs_, *fs_, *reference_, grid_, options);
  }

  testing::TempDir temp_;
  std::unique_ptr<fs::FileSystem> fs_;
  std::shared_ptr<const ReferenceData> reference_;
  geo::Grid grid_;
};

TEST_F(CleanStepTest, CleansCountsRejectsAndPartitions) {
  std::string csv = std::string(kHeader) + "\r\n\r\n" + Row("2016-01-04 08:00:00", "2016-01-04 08:12:00", "2.0") +
                    "\r\n" + Row("2016-01-04 08:00:00", "2016-01-04 08:12:00", "2.0") + "\r\n" +  // duplicate
                    Row("2016-01-04 08:01:00", "2016-01-04 08:11:00", "abc") + "\r\n" +           // bad field
                    Row("2016-01-04 08:01:00", "2016-01-04 08:11:00", "1.0", "0", "0") + "\r\n" +
                    Row("2016-01-04 08:05:00", "2016-01-04 08:05:30", "0.2") + "\r\n" +  // 30 s
                    Row("2016-02-01 09:00:00", "2016-02-01 09:20:00", "3.0") + "\r\n" +
                    "2,2016-01-04 08:00:00,2016-01-04";  // truncated last line, no newline
  ASSERT_OK(fs_->WriteAll("raw/a.csv", csv));
  auto summary = Clean({"raw"});
  ASSERT_OK(summary);
  EXPECT_EQ(summary->rows_read, 7);
  EXPECT_EQ(summary->blank_lines, 1);
  EXPECT_EQ(summary->rows_written, 2);
  using trip::RejectReason;
  EXPECT_EQ(summary->rejects.Get(RejectReason::kDuplicate), 1);
  EXPECT_EQ(summary->rejects.Get(RejectReason::kBadField), 1);
  EXPECT_EQ(summary->rejects.Get(RejectReason::kPickupOutOfBounds), 1);
  EXPECT_EQ(summary->rejects.Get(RejectReason::kDurationOutOfRange), 1);
  EXPECT_EQ(summary->rejects.Get(RejectReason::kMalformedRow), 1);
  EXPECT_EQ(summary->rows_read, summary->rows_written + summary->rejects.Total());
  ASSERT_EQ(summary->partitions.size(), 2u);
  EXPECT_TRUE(fs_->Exists("processed/year=2016/month=01/part-00000.parquet"));
  EXPECT_TRUE(fs_->Exists("processed/year=2016/month=02/part-00000.parquet"));
  EXPECT_TRUE(fs_->Exists("processed/_SUCCESS"));

  auto reader = parquet::Reader::Open(*fs_, "processed/year=2016/month=01/part-00000.parquet");
  ASSERT_OK(reader);
  auto batch = (*reader)->ReadRowGroup(0);
  ASSERT_OK(batch);
  EXPECT_EQ(batch->Get<std::string>(batch->Find("cell_id"))[0], "28_27");
  EXPECT_EQ(batch->Get<uint8_t>(batch->Find("is_manhattan"))[0], 1);
  EXPECT_EQ(batch->Get<int8_t>(batch->Find("pickup_hour"))[0], 8);
  EXPECT_EQ(batch->Get<int8_t>(batch->Find("pickup_dow"))[0], 1);
  EXPECT_DOUBLE_EQ(batch->Get<double>(batch->Find("speed_mph"))[0], 10.0);
  auto trips = TripsFromBatch(*batch);
  ASSERT_OK(trips);
  EXPECT_EQ(core::FormatIsoUtc((*trips)[0].trip.pickup_time), "2016-01-04T13:00:00Z");

  auto rejects = fs_->ReadAll("rejects.csv");
  ASSERT_OK(rejects);
  EXPECT_NE(rejects->find("raw/a.csv\",5,bad_field"), std::string::npos) << *rejects;
  EXPECT_NE(rejects->find("duplicate,\"same record as raw/a.csv:3\""), std::string::npos) << *rejects;
  EXPECT_NE(rejects->find(",9,malformed_row"), std::string::npos) << *rejects;
}

TEST_F(CleanStepTest, BadFilesAreClearErrorsAndLeaveNoOutput) {
  ASSERT_OK(fs_->WriteAll("raw/empty.csv", ""));
  auto empty = Clean({"raw/empty.csv"});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("raw/empty.csv: empty file"), std::string::npos);
  EXPECT_FALSE(fs_->Exists("processed"));

  ASSERT_OK(fs_->WriteAll(
      "raw2/nodrop.csv",
      "tpep_pickup_datetime,trip_distance,pickup_longitude,pickup_latitude,dropoff_longitude,dropoff_latitude\n"));
  auto no_dropoff = Clean({"raw2/nodrop.csv"});
  ASSERT_FALSE(no_dropoff.ok());
  EXPECT_NE(no_dropoff.status().message().find("raw2/nodrop.csv:1"), std::string::npos);
  EXPECT_NE(no_dropoff.status().message().find("dropoff time"), std::string::npos);

  ASSERT_OK(fs_->MakeDirs("nocsv"));
  ASSERT_OK(fs_->WriteAll("nocsv/readme.txt", "x"));
  auto no_csv = Clean({"nocsv"});
  ASSERT_FALSE(no_csv.ok());
  EXPECT_NE(no_csv.status().message().find("no CSV files in folder nocsv"), std::string::npos);

  EXPECT_FALSE(Clean({"does/not/exist.csv"}).ok());
  // Nothing half-written anywhere.
  auto entries = fs_->List("");
  ASSERT_OK(entries);
  for (const auto& e : *entries) EXPECT_EQ(e.name.find("processed"), std::string::npos) << e.name;
}

TEST_F(CleanStepTest, SkipBadFilesListsThemAndCleansTheRest) {
  ASSERT_OK(fs_->WriteAll("raw/empty.csv", ""));
  ASSERT_OK(fs_->WriteAll(
      "raw/good.csv", std::string(kHeader) + "\n" + Row("2016-01-04 08:00:00", "2016-01-04 08:12:00", "2.0") + "\n"));
  auto summary = Clean({"raw"}, /*skip=*/true);
  ASSERT_OK(summary);
  EXPECT_EQ(summary->rows_written, 1);
  ASSERT_EQ(summary->file_summaries.size(), 2u);
  EXPECT_NE(summary->file_summaries[0].error.find("empty file"), std::string::npos);
  EXPECT_NE(summary->ToJson().find("\"skipped\""), std::string::npos);
}

TEST_F(CleanStepTest, FailedRunKeepsThePreviousOutput) {
  ASSERT_OK(fs_->WriteAll(
      "raw/good.csv", std::string(kHeader) + "\n" + Row("2016-01-04 08:00:00", "2016-01-04 08:12:00", "2.0") + "\n"));
  ASSERT_OK(Clean({"raw/good.csv"}));
  ASSERT_OK(fs_->WriteAll("raw/bad.csv", "nonsense\n"));
  EXPECT_FALSE(Clean({"raw"}).ok());
  EXPECT_TRUE(fs_->Exists("processed/_SUCCESS"));
  EXPECT_TRUE(fs_->Exists("processed/year=2016/month=01/part-00000.parquet"));
}

}  // namespace
}  // namespace traffic::pipeline
