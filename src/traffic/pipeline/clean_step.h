// `traffic clean`: raw trip CSVs of any supported layout -> clean trips as Parquet (zstd),
// partitioned processed/year=YYYY/month=MM/ by New York local pickup month and sorted by event
// time (dropoff) within a month, every rejected row counted under one reason.
//
// How memory stays bounded: parsed trips are buffered per month and spilled to scratch files
// past a memory budget; each month is then loaded alone, sorted, de-duplicated (exact duplicate
// records = identical raw rows, detected by their stable hash) and written. Peak memory is about
// the budget plus one month of trips, whatever the input volume.
//
// The output replaces `output_dir` as a whole, atomically: it is built in a staging folder and
// swapped in at the end with a _SUCCESS file (the run summary as JSON); a failed run leaves the
// previous output untouched.
//
// Refused before anything is written (issue 8): an output (output_dir or the rejects file) that
// resolves to an input file, lies inside an input folder, or holds an input (#4); a run that
// yields no clean trip at all (header-only files, blank lines, every row rejected) unless
// allow_empty (#10). A record longer than max_record_bytes is rejected as malformed_row and
// reading resumes at the next line, so memory stays bounded on any input (#12).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "traffic/clean/rules.h"
#include "traffic/core/status.h"
#include "traffic/csv/trip_parser.h"
#include "traffic/fs/file_system.h"
#include "traffic/geo/grid.h"
#include "traffic/pipeline/reference_data.h"

namespace traffic::pipeline {

struct CleanProgress {
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  int64_t rows = 0;
  std::string current_file;
};

struct CleanOptions {
  std::vector<std::string> inputs;  // files or folders of CSV (folders are searched recursively)
  std::string output_dir;           // e.g. "./data/processed"
  std::string rejects_path;         // CSV of every rejected row with reason, file, line; "" = none
  bool skip_bad_files = false;      // a file with no usable header: skip it (listed) instead of failing
  clean::CleaningRules rules;
  csv::ParseOptions parse;
  size_t memory_budget_bytes = size_t{512} << 20;  // parsed trips held before spilling
  size_t max_record_bytes = size_t{1} << 20;       // a longer line is a malformed_row reject
  bool allow_empty = false;                        // write (and swap in) an output with no trips instead of failing
  // The run's clock reading for the time rule's default upper limit (rules.now); unset: RunClean
  // reads the system clock.
  std::optional<core::UtcTime> now;
  std::function<void(const CleanProgress&)> progress;  // called every few MB
};

struct FileSummary {
  std::string path;
  std::string layout;    // "tlc-coordinates", "tlc-zones", "kaggle"; empty when skipped
  int64_t rows = 0;      // data rows read (blank lines excluded)
  int64_t accepted = 0;  // passed parsing and the rules (duplicates are found later, per month)
  std::string error;     // why the file was skipped
};

struct PartitionSummary {
  int year = 0;
  int month = 0;
  int64_t rows = 0;
  std::string path;
};

struct CleanSummary {
  int64_t files = 0;
  uint64_t bytes_read = 0;
  int64_t rows_read = 0;
  int64_t blank_lines = 0;
  int64_t rows_written = 0;
  clean::RejectCounts rejects;
  std::vector<FileSummary> file_summaries;
  std::vector<PartitionSummary> partitions;
  std::string output_dir;
  std::string rejects_path;
  double seconds = 0;
  std::string ToJson() const;
};

// `input` reads the CSVs, `output` holds output_dir (and the scratch files, in its staging
// folder); `rejects` writes the rejects file.
core::Result<CleanSummary> RunClean(fs::FileSystem& input, fs::FileSystem& output, fs::FileSystem& rejects,
                                    const ReferenceData& reference, const geo::Grid& grid, const CleanOptions& options);

}  // namespace traffic::pipeline
