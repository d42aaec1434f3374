// The streaming archive (DESIGN.md "Storage layout"): window results as Parquet under
// streaming/date=YYYY-MM-DD/hour=HH/ (UTC, so no hour repeats at the DST change), by the window's
// start. Files roll when the hour changes or a file reaches `roll_rows`, and on Close(): never a
// file per micro-batch. Each file is written atomically (visible complete or not at all).
//
// PredictionArchive archives from memory: `traffic stream --embedded` (whose run has no durable
// state to resume: a process that dies loses its open windows and buffered rows alike). On Kafka
// the archive follows the committed output topic instead, exactly once across kill -9
// (pipeline/archive_follower.h), with the helpers below.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "traffic/codec/prediction_message.h"
#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/parquet/table.h"

namespace traffic::pipeline {

parquet::Schema PredictionTableSchema();
// The archive's folder of a window: "date=YYYY-MM-DD/hour=HH" of its start, UTC.
std::string ArchiveHourOf(core::UtcTime window_start);
// Appends `record` as one row of the PredictionTableSchema() table.
void AppendPredictionRow(const codec::PredictionRecord& record, parquet::ColumnBatch* rows);
// Writes `rows` as the Parquet file `path`: visible complete or not at all.
core::Status WritePredictionFile(fs::FileSystem& fs, const std::string& path, const parquet::ColumnBatch& rows);

class PredictionArchive {
 public:
  // `writer_id` makes file names unique between workers and runs (e.g. host-pid-start time).
  PredictionArchive(fs::FileSystem& fs, std::string streaming_dir, std::string writer_id,
                    int64_t roll_rows = 1'000'000);
  ~PredictionArchive();
  core::Status Write(const std::vector<codec::PredictionRecord>& records);
  core::Status Close();
  int64_t files_written() const { return files_written_; }
  int64_t rows_written() const { return rows_written_; }

 private:
  core::Status Roll();
  fs::FileSystem& fs_;
  std::string dir_;
  std::string writer_id_;
  int64_t roll_rows_;
  std::string current_partition_;  // "date=.../hour=..."
  parquet::ColumnBatch batch_;
  int64_t sequence_ = 0;
  int64_t files_written_ = 0;
  int64_t rows_written_ = 0;
};

}  // namespace traffic::pipeline
