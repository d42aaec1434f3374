// Clean trips read back from processed/ in event-time order (dropoff, then event_id), across
// month partitions: a month holds trips by pickup month sorted by dropoff, so a trip picked up on
// the 31st and dropped off on the 1st interleaves with the next month's; we merge the open
// months, opening a month only when the merge reaches its first instant. Memory: one row group
// per open month (usually one or two), whatever the number of trips.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/pipeline/trip_table.h"

namespace traffic::pipeline {

struct TripPartition {
  int year = 0;
  int month = 0;
  core::UtcTime month_start;  // New York local midnight of the 1st, as UTC
  std::vector<std::string> files;
};

// The month partitions of a clean-trips folder, oldest first. NotFound (naming the folder and
// `traffic clean`) when it has no complete output.
core::Result<std::vector<TripPartition>> ListTripPartitions(fs::FileSystem& fs, const std::string& processed_dir);

// First and last event time over all partitions (reads only the dropoff_time column).
core::Result<std::pair<core::UtcTime, core::UtcTime>> EventTimeRange(fs::FileSystem& fs,
                                                                     const std::vector<TripPartition>& partitions);

class TripStream {
 public:
  static core::Result<std::unique_ptr<TripStream>> Open(fs::FileSystem& fs, std::vector<TripPartition> partitions);
  ~TripStream();
  // The next trip in event-time order; false at the end.
  core::Result<bool> Next(StoredTrip* out);
  int64_t trips_read() const { return trips_read_; }

 private:
  struct Cursor;
  TripStream(fs::FileSystem& fs, std::vector<TripPartition> partitions);
  core::Status OpenPartition(size_t index);

  fs::FileSystem& fs_;
  std::vector<TripPartition> partitions_;
  size_t next_partition_ = 0;
  std::vector<std::unique_ptr<Cursor>> open_;
  int64_t trips_read_ = 0;
};

}  // namespace traffic::pipeline
