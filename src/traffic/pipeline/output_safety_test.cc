// Regression tests for issue 8 on the clean step: #4 outputs never overwrite inputs, #5 replay
// scratch honours $TMPDIR and sweeps dead runs', #9 out-of-range times, #10 empty results never
// replace good ones, #12 bounded memory on over-long records.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "traffic/pipeline/clean_step.h"
#include "traffic/pipeline/trip_source.h"

namespace traffic::pipeline {
namespace {

namespace stdfs = std::filesystem;
using trip::RejectReason;

constexpr const char* kHeader =
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
    "pickup_longitude,pickup_latitude,RateCodeID,store_and_fwd_flag,dropoff_longitude,"
    "dropoff_latitude,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,"
    "improvement_surcharge,total_amount";

std::string Row(const std::string& pickup, const std::string& dropoff, const std::string& flag = "N") {
  return "2," + pickup + "," + dropoff + ",1,2.0,-73.9855,40.7580,1," + flag +
         ",-73.9866,40.7306,1,12,1,0.5,3.25,0,0.3,17.05";
}
std::string GoodRow(int minute) {
  char pickup[32], dropoff[32];
  std::snprintf(pickup, sizeof pickup, "2016-01-04 08:%02d:00", minute);
  std::snprintf(dropoff, sizeof dropoff, "2016-01-04 08:%02d:00", minute + 12);
  return Row(pickup, dropoff);
}

class OutputSafetyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("traffic_output_safety_test_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    stdfs::remove_all(root_);
    stdfs::create_directories(root_);
    fs_ = fs::MakeLocalFileSystem(root_.string());
    auto local = fs::MakeLocalFileSystem();
    auto reference = LoadReferenceData(*local, std::string(TRAFFIC_SHARED_DIR) + "/data/geo");
    ASSERT_TRUE(reference.ok()) << reference.status().message();
    reference_ = *reference;
    options_.output_dir = "processed";
    options_.now = core::NewYorkToUtc({2016, 6, 1, 0, 0, 0});
  }
  void TearDown() override { stdfs::remove_all(root_); }

  core::Result<CleanSummary> Clean(std::vector<std::string> inputs) {
    options_.inputs = std::move(inputs);
    return RunClean(*fs_, *fs_, *fs_, *reference_, geo::Grid(), options_);
  }
  std::string Good() { return std::string(kHeader) + "\n" + GoodRow(0) + "\n" + GoodRow(1) + "\n"; }

  stdfs::path root_;
  std::unique_ptr<fs::FileSystem> fs_;
  std::shared_ptr<const ReferenceData> reference_;
  CleanOptions options_;
};

// ---- #4 never write over an input ---------------------------------------------------------

TEST_F(OutputSafetyTest, RejectsFileThatIsTheInputIsRefusedAndTheInputKept) {
  ASSERT_TRUE(fs_->WriteAll("x.csv", Good()).ok());
  options_.rejects_path = "x.csv";
  auto summary = Clean({"x.csv"});
  ASSERT_FALSE(summary.ok()) << "clean x.csv --rejects x.csv was accepted";
  EXPECT_NE(summary.status().message().find("x.csv"), std::string::npos) << summary.status().message();
  EXPECT_EQ(*fs_->ReadAll("x.csv"), Good());
  EXPECT_FALSE(fs_->Exists("processed"));
}

TEST_F(OutputSafetyTest, OutputsResolvingToOrIntoAnInputAreRefused) {
  ASSERT_TRUE(fs_->WriteAll("raw/a.csv", Good()).ok());
  stdfs::create_symlink(root_ / "raw" / "a.csv", root_ / "link.csv");
  auto plain = fs::MakeLocalFileSystem();  // the same file named from another file system object

  options_.rejects_path = "link.csv";  // a symlink to the input
  EXPECT_FALSE(Clean({"raw/a.csv"}).ok());
  options_.rejects_path = "raw/rejects.csv";  // into the input folder
  EXPECT_FALSE(Clean({"raw"}).ok());
  options_.rejects_path = (root_ / "raw" / "." / "a.csv").string();
  EXPECT_FALSE(RunClean(*fs_, *fs_, *plain, *reference_, geo::Grid(), options_).ok());
  options_.rejects_path = "processed/rejects.csv";  // inside the output the run replaces
  EXPECT_FALSE(Clean({"raw"}).ok());
  options_.rejects_path = "";
  options_.output_dir = "raw/out";  // output into the input folder
  EXPECT_FALSE(Clean({"raw"}).ok());
  options_.output_dir = "raw";  // the input folder itself
  EXPECT_FALSE(Clean({"raw"}).ok());
  options_.output_dir = ".";  // an input inside the output that the swap would replace
  EXPECT_FALSE(Clean({"raw/a.csv"}).ok());
  EXPECT_EQ(*fs_->ReadAll("raw/a.csv"), Good());

  options_.output_dir = "processed";
  options_.rejects_path = "rejects.csv";
  auto fine = Clean({"raw"});
  ASSERT_TRUE(fine.ok()) << fine.status().message();
  EXPECT_EQ(fine->rows_written, 2);
}

// ---- #9 out-of-range times ----------------------------------------------------------------

TEST_F(OutputSafetyTest, TimesOutsideTheRangeAreRejectedWithTheirOwnReason) {
  std::string csv = std::string(kHeader) + "\n" + GoodRow(0) + "\n" +
                    Row("1900-01-04 08:00:00", "1900-01-04 08:12:00") + "\n" +
                    Row("2016-06-03 08:00:00", "2016-06-03 08:12:00") + "\n" +  // 2 days after `now`
                    Row("9999-01-04 08:00:00", "9999-01-04 08:12:00") + "\n";
  ASSERT_TRUE(fs_->WriteAll("raw/a.csv", csv).ok());
  options_.rejects_path = "rejects.csv";
  auto summary = Clean({"raw"});
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->rows_written, 1);
  EXPECT_EQ(summary->rejects.Get(RejectReason::kTimeOutOfRange), 3);
  EXPECT_EQ(summary->partitions.size(), 1u);  // no year=1900 or year=9999 partition
  EXPECT_NE(fs_->ReadAll("rejects.csv")->find(",time_out_of_range,"), std::string::npos);
  EXPECT_NE(summary->ToJson().find("\"time_out_of_range\":3"), std::string::npos) << summary->ToJson();
}

// ---- #10 empty results do not replace good ones -------------------------------------------

TEST_F(OutputSafetyTest, AnEmptyResultNeverReplacesAGoodOutput) {
  ASSERT_TRUE(fs_->WriteAll("good/a.csv", Good()).ok());
  auto good = Clean({"good"});
  ASSERT_TRUE(good.ok()) << good.status().message();
  const std::string success = *fs_->ReadAll("processed/_SUCCESS");

  ASSERT_TRUE(fs_->WriteAll("header_only.csv", std::string(kHeader) + "\n").ok());
  ASSERT_TRUE(fs_->WriteAll("carriage_returns.csv", std::string(kHeader) + "\r\n\r\r\r\n\r\n\r").ok());
  ASSERT_TRUE(fs_->WriteAll("all_rejected.csv",
                            std::string(kHeader) + "\n" + Row("2016-01-04 08:00:00", "2016-01-04 08:00:10") + "\n")
                  .ok());
  ASSERT_TRUE(fs_->WriteAll("only_crs.csv", "\r\r\r\r\r\r").ok());
  for (const char* input : {"header_only.csv", "carriage_returns.csv", "all_rejected.csv", "only_crs.csv"}) {
    auto empty = Clean({input});
    ASSERT_FALSE(empty.ok()) << input << " replaced a good output with an empty one";
    EXPECT_EQ(*fs_->ReadAll("processed/_SUCCESS"), success) << input;
    EXPECT_TRUE(fs_->Exists("processed/year=2016/month=01/part-00000.parquet")) << input;
  }
  options_.allow_empty = true;
  auto allowed = Clean({"all_rejected.csv"});
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_EQ(allowed->rows_written, 0);
  EXPECT_FALSE(fs_->Exists("processed/year=2016"));
}

// ---- #12 memory stays bounded -------------------------------------------------------------

TEST_F(OutputSafetyTest, ARecordLongerThanTheLimitIsRejectedAndReadingContinues) {
  // Valid rows whose unneeded store_and_fwd_flag field is huge: accepted before the limit.
  std::string csv = std::string(kHeader) + "\n" + GoodRow(0) + "\n" +
                    Row("2016-01-04 08:05:00", "2016-01-04 08:15:00", std::string(5000, 'N')) + "\n" + GoodRow(1) +
                    "\n" + std::string(3000, 'x');  // and one without an end
  ASSERT_TRUE(fs_->WriteAll("raw/a.csv", csv).ok());
  options_.max_record_bytes = 1000;
  options_.rejects_path = "rejects.csv";
  auto summary = Clean({"raw"});
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->rows_read, 4);
  EXPECT_EQ(summary->rows_written, 2);
  EXPECT_EQ(summary->rejects.Get(RejectReason::kMalformedRow), 2);
  std::string rejects = *fs_->ReadAll("rejects.csv");
  EXPECT_NE(rejects.find("record longer than 1000 bytes"), std::string::npos) << rejects.substr(0, 500);
  EXPECT_LT(rejects.size(), 2000u) << "the rejects file holds only the head of a long record";
}

TEST_F(OutputSafetyTest, AnUnendingLineAcrossReadChunksIsSkippedToTheNextLine) {
  // 9 MiB without a newline spans more than one 8 MiB read: the default 1 MiB limit applies.
  std::string csv = std::string(kHeader) + "\n" + GoodRow(0) + "\n" +
                    Row("2016-01-04 08:05:00", "2016-01-04 08:15:00", std::string(9 << 20, 'N')) + "\n" + GoodRow(1) +
                    "\n";
  ASSERT_TRUE(fs_->WriteAll("raw/a.csv", csv).ok());
  auto summary = Clean({"raw"});
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->rows_read, 3);
  EXPECT_EQ(summary->rows_written, 2);
  EXPECT_EQ(summary->rejects.Get(RejectReason::kMalformedRow), 1);
}

// ---- #5 replay scratch in $TMPDIR, dead runs' scratch swept -------------------------------

TEST_F(OutputSafetyTest, ReplayScratchHonoursTmpdirAndSweepsDeadRuns) {
  ASSERT_TRUE(fs_->WriteAll("raw/a.csv", Good()).ok());
  const stdfs::path tmp = root_ / "tmp";
  stdfs::create_directories(tmp);
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  stdfs::create_directories(tmp / ("traffic-replay-" + std::to_string(child) + "-Ab12Cd") / "processed");
  const char* saved = std::getenv("TMPDIR");
  std::string saved_value = saved ? saved : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  {
    auto source = MakeFileSource(std::shared_ptr<fs::FileSystem>(fs::MakeLocalFileSystem(root_.string())),
                                 {"raw/a.csv"}, reference_);
    ASSERT_TRUE(source.ok()) << source.status().message();
    std::vector<std::string> names;
    for (const auto& e : stdfs::directory_iterator(tmp)) names.push_back(e.path().filename().string());
    ASSERT_EQ(names.size(), 1u) << "the dead run's scratch was not swept";
    EXPECT_EQ(names[0].rfind("traffic-replay-" + std::to_string(::getpid()) + "-", 0), 0u) << names[0];
    StoredTrip t;
    auto more = (*source)->Next(&t);
    ASSERT_TRUE(more.ok() && *more);
  }
  if (saved)
    ::setenv("TMPDIR", saved_value.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
  EXPECT_TRUE(stdfs::is_empty(tmp));
}

}  // namespace
}  // namespace traffic::pipeline
