// The Kafka stream's archive (archive_follower.h) on librdkafka's mock cluster and the in-memory
// file system: it holds exactly the committed records, also when a follower dies with rows
// buffered. kill -9 of a whole `traffic stream` against the real broker: tests/stream_kafka_test.sh.
#include "traffic/pipeline/archive_follower.h"

#include <gtest/gtest.h>

#include <set>

#include "traffic/codec/message_key.h"
#include "traffic/kafka/mock_cluster.h"
#include "traffic/kafka/producer.h"
#include "traffic/testing/mem_file_system.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::pipeline {
namespace {

using namespace std::chrono_literals;

TEST(ArchiveFileName, NamesTopicPartitionAndOffsetsAndParsesBack) {
  EXPECT_EQ(ArchiveFileName("traffic-predictions", 3, 7, 1234),
            "part-traffic-predictions-p3-000000000007-000000001234.parquet");
  int32_t p;
  int64_t first, last;
  ASSERT_TRUE(ParseArchiveFileName(ArchiveFileName("out-f-1", 12, 0, 99), "out-f-1", &p, &first, &last));
  EXPECT_EQ(p, 12);
  EXPECT_EQ(first, 0);
  EXPECT_EQ(last, 99);
  // Another topic's file, an `--embedded` run's file, and malformed names are not this topic's.
  EXPECT_FALSE(ParseArchiveFileName(ArchiveFileName("out", 1, 0, 9), "out-f-1", &p, &first, &last));
  EXPECT_FALSE(ParseArchiveFileName("part-host-1-2-00000.parquet", "out", &p, &first, &last));
  EXPECT_FALSE(ParseArchiveFileName("part-out-p1-9-3.parquet", "out", &p, &first, &last));  // last < first
  EXPECT_FALSE(ParseArchiveFileName("part-out-p1-0-3-4.parquet", "out", &p, &first, &last));
  EXPECT_FALSE(ParseArchiveFileName("part-out-px-0-3.parquet", "out", &p, &first, &last));
  EXPECT_FALSE(ParseArchiveFileName("part-out-p1-0-3.csv", "out", &p, &first, &last));
}

constexpr int kPartitions = 2;
constexpr int kRecords = 300;  // 150 minutes: three UTC hours

// Record i: a window of minute i (from 2016-01-04 13:00 UTC) in one of three cells.
codec::PredictionRecord Record(int i) {
  codec::PredictionRecord r;
  r.window_start = core::FromEpochSeconds(1451912400 + 60 * (i / 2));
  r.window_end = r.window_start + 60s;
  r.cell = {28, static_cast<int16_t>(27 + i % 3)};
  r.trip_count = 1 + i % 5;
  r.avg_speed_mph = 12.5;
  return r;
}

class ArchiveFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mock_.CreateTopic("out", kPartitions);
    kafka::ProducerOptions po;
    po.transactional_id = "archive-test";
    auto producer = kafka::Producer::Open(mock_.Config(), po);
    ASSERT_OK(producer);
    ASSERT_TRUE((*producer)->InitTransactions(30s).ok());
    ASSERT_TRUE((*producer)->BeginTransaction().ok());
    for (int i = 0; i < kRecords; ++i) {
      codec::PredictionRecord r = Record(i);
      std::string key, value;
      codec::AppendCellKey(r.cell, &key);
      codec::AppendPredictionMessage(r, &value);
      ASSERT_OK((*producer)->Produce("out", key, value, codec::PartitionForCell(r.cell, kPartitions)));
    }
    ASSERT_TRUE((*producer)->CommitTransaction(30s).ok());
  }

  ArchiveFollowerOptions Options() const {
    ArchiveFollowerOptions o;
    o.client = mock_.Config();
    o.topic = "out";
    o.group = "archivers";
    o.streaming_dir = "streaming";
    o.roll_rows = 40;
    return o;
  }

  // Every archived row as "cell window_start", and the rows' count.
  std::multiset<std::string> Archived() {
    std::multiset<std::string> rows;
    auto files = fs_->ListFilesRecursive("streaming", {".parquet"});
    EXPECT_OK(files);
    if (!files.ok()) return rows;
    for (const auto& f : *files) {
      auto reader = parquet::Reader::Open(*fs_, f.path);
      EXPECT_OK(reader);
      if (!reader.ok()) continue;
      for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
        auto batch = (*reader)->ReadRowGroup(g, {"window_start", "cell_id"});
        EXPECT_OK(batch);
        if (!batch.ok()) continue;
        const auto& starts = batch->Get<int64_t>(0);
        const auto& cells = batch->Get<std::string>(1);
        for (size_t i = 0; i < batch->num_rows(); ++i) rows.insert(cells[i] + " " + std::to_string(starts[i]));
      }
    }
    return rows;
  }

  std::multiset<std::string> Expected() const {
    std::multiset<std::string> rows;
    for (int i = 0; i < kRecords; ++i) {
      codec::PredictionRecord r = Record(i);
      rows.insert(r.cell.ToString() + " " + std::to_string(core::ToEpochSeconds(r.window_start) * 1000));
    }
    return rows;
  }

  kafka::MockCluster mock_;
  std::unique_ptr<fs::FileSystem> fs_ = testing::MakeMemFileSystem();
};

TEST_F(ArchiveFollowerTest, FinishArchivesEveryCommittedRecordOnceInOffsetNamedFiles) {
  ASSERT_OK_AND_ASSIGN(auto follower, ArchiveFollower::Open(*fs_, Options()));
  ASSERT_OK(follower->Finish(60s));
  EXPECT_EQ(follower->rows_written(), kRecords);
  EXPECT_EQ(Archived(), Expected());
  ASSERT_OK_AND_ASSIGN(auto files, fs_->ListFilesRecursive("streaming", {".parquet"}));
  for (const auto& f : files) {
    int32_t p;
    int64_t first, last;
    EXPECT_TRUE(ParseArchiveFileName(f.name, "out", &p, &first, &last)) << f.path;
  }
  EXPECT_GE(follower->files_written(), 3 * kPartitions);  // at least an hour per file and partition
}

// Regression (issue 8 item 8): rows not yet rolled into a file were lost when the process died.
TEST_F(ArchiveFollowerTest, RowsBufferedByAFollowerThatDiesAreArchivedByTheNext) {
  {
    ASSERT_OK_AND_ASSIGN(auto first, ArchiveFollower::Open(*fs_, Options()));
    // Poll until some files rolled while rows stay buffered, then die without Finish.
    for (int i = 0; i < 300 && first->files_written() == 0; ++i) ASSERT_OK(first->Poll(100ms));
    ASSERT_GT(first->files_written(), 0);
    ASSERT_LT(first->rows_written(), kRecords);
  }
  ASSERT_OK_AND_ASSIGN(auto second, ArchiveFollower::Open(*fs_, Options()));
  ASSERT_OK(second->Finish(60s));
  EXPECT_GT(second->rows_written(), 0);
  EXPECT_EQ(Archived(), Expected());  // every record once: none lost, none twice
  second.reset();                     // leaves the group (a member that no longer polls would hold the next join)
  // A third run finds everything archived and writes nothing.
  ASSERT_OK_AND_ASSIGN(auto third, ArchiveFollower::Open(*fs_, Options()));
  ASSERT_OK(third->Finish(60s));
  EXPECT_EQ(third->rows_written(), 0);
  EXPECT_EQ(Archived(), Expected());
}

}  // namespace
}  // namespace traffic::pipeline
