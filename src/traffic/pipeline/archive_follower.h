// The streaming archive of `traffic stream` on Kafka, exactly once (issue 8 item 8): written from
// the committed output topic (read_committed), not from the worker's memory, so what it holds is
// exactly what the topic holds, whatever was killed when.
//
// Each file holds one output partition's records of one UTC hour, a contiguous range of its
// offsets, and is named by them (the archive layout of prediction_archive.h otherwise):
//   streaming/date=YYYY-MM-DD/hour=HH/part-{topic}-p{partition}-{first offset}-{last offset}.parquet
// Files appear atomically, so the archive's position in a partition is the end of its newest file:
// whenever a follower is given a partition (at start, after a rebalance) it lists the archive and
// reads on from there. Rows buffered when a process dies are read again by the next follower; no
// offset is ever written to two files. The followers of one stream (one per worker) share the
// output partitions through their own consumer group.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "traffic/codec/prediction_message.h"
#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/kafka/client.h"
#include "traffic/kafka/consumer.h"
#include "traffic/parquet/table.h"

namespace traffic::pipeline {

struct ArchiveFollowerOptions {
  kafka::ClientConfig client;
  std::string topic;          // the output topic (traffic-predictions)
  std::string group;          // the followers' consumer group
  std::string streaming_dir;  // the archive's root (StorageLayout::Streaming)
  int64_t roll_rows = 1'000'000;
};

// The name of the archive file that holds [first, last] of `partition` of `topic`, and back.
std::string ArchiveFileName(const std::string& topic, int32_t partition, int64_t first, int64_t last);
// False for a name that is not one of `topic`'s archive files (other topics', `--embedded` runs').
bool ParseArchiveFileName(const std::string& name, const std::string& topic, int32_t* partition, int64_t* first,
                          int64_t* last);

class ArchiveFollower {
 public:
  static core::Result<std::unique_ptr<ArchiveFollower>> Open(fs::FileSystem& fs, const ArchiveFollowerOptions& options);
  ~ArchiveFollower();

  // Reads what is committed (up to `timeout`) and writes the files that are whole: an hour ended,
  // or roll_rows were reached.
  core::Status Poll(std::chrono::milliseconds timeout);
  // Waits for partitions, reads every partition it owns to the topic's current end and writes
  // every row buffered: the end of a run. Unavailable after `timeout`.
  core::Status Finish(std::chrono::milliseconds timeout);

  int64_t files_written() const { return files_written_; }
  int64_t rows_written() const { return rows_written_; }

 private:
  struct Pending {
    std::string hour;  // "date=.../hour=..." of the rows buffered
    int64_t first = -1;
    int64_t last = -1;
    parquet::ColumnBatch rows;
  };
  ArchiveFollower(fs::FileSystem& fs, ArchiveFollowerOptions options);
  core::Status Subscribe();
  core::Status Consume(const std::vector<kafka::Message>& messages);
  core::Status Roll(int32_t partition, Pending& pending);
  // partition -> the offset after the archive's newest file of it (kOffsetBeginning when none).
  core::Result<std::map<int32_t, int64_t>> ArchivedPositions();

  fs::FileSystem& fs_;
  ArchiveFollowerOptions options_;
  std::unique_ptr<kafka::Consumer> consumer_;
  codec::PredictionDecoder decoder_;
  // Rows taken in so far (buffered and written): Finish's sign that records still arrive.
  int64_t rows_buffered() const;

  std::map<int32_t, Pending> pending_;  // owned partitions
  std::map<int32_t, int64_t> next_;     // owned partition -> the next offset to archive
  core::Status error_;                  // from a rebalance callback
  int64_t files_written_ = 0;
  int64_t rows_written_ = 0;
};

}  // namespace traffic::pipeline
