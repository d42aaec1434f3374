#include "traffic/pipeline/trip_stream.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "traffic/core/text.h"
#include "traffic/parquet/table.h"
#include "traffic/pipeline/staged_output.h"

namespace traffic::pipeline {
namespace {

const std::vector<std::string> kTripColumns = {"event_id",   "pickup_time", "dropoff_time", "pickup_lat",
                                               "pickup_lon", "dropoff_lat", "dropoff_lon",  "trip_distance",
                                               "cell_row",   "cell_col",    "is_manhattan"};

std::optional<int> ValueAfter(const std::string& name, const char* prefix) {
  size_t n = std::strlen(prefix);
  if (name.compare(0, n, prefix) != 0) return std::nullopt;
  auto v = core::ParseInt(std::string_view(name).substr(n));
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

}  // namespace

core::Result<std::vector<TripPartition>> ListTripPartitions(fs::FileSystem& fs, const std::string& processed_dir) {
  TRAFFIC_RETURN_IF_ERROR(ReadSuccess(fs, processed_dir, "clean").status());
  std::vector<TripPartition> out;
  TRAFFIC_ASSIGN_OR_RETURN(auto years, fs.List(processed_dir));
  for (const auto& y : years) {
    auto year = ValueAfter(y.name, "year=");
    if (!y.is_directory || !year) continue;
    TRAFFIC_ASSIGN_OR_RETURN(auto months, fs.List(y.path));
    for (const auto& m : months) {
      auto month = ValueAfter(m.name, "month=");
      if (!m.is_directory || !month || *month < 1 || *month > 12) continue;
      TripPartition p;
      p.year = *year;
      p.month = *month;
      p.month_start = core::NewYorkToUtc({*year, *month, 1, 0, 0, 0});
      TRAFFIC_ASSIGN_OR_RETURN(auto files, fs.List(m.path));
      for (const auto& f : files) {
        if (!f.is_directory && f.name.size() > 8 && f.name.substr(f.name.size() - 8) == ".parquet") {
          p.files.push_back(f.path);
        }
      }
      if (!p.files.empty()) out.push_back(std::move(p));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const TripPartition& a, const TripPartition& b) { return a.month_start < b.month_start; });
  if (out.empty()) return core::Status::NotFound(processed_dir + " holds no trips");
  return out;
}

core::Result<std::pair<core::UtcTime, core::UtcTime>> EventTimeRange(fs::FileSystem& fs,
                                                                     const std::vector<TripPartition>& partitions) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& p : partitions) {
    for (const auto& file : p.files) {
      TRAFFIC_ASSIGN_OR_RETURN(auto reader, parquet::Reader::Open(fs, file));
      for (int g = 0; g < reader->num_row_groups(); ++g) {
        TRAFFIC_ASSIGN_OR_RETURN(auto batch, reader->ReadRowGroup(g, {"dropoff_time"}));
        for (int64_t ms : batch.Get<int64_t>(0)) {
          lo = std::min(lo, ms);
          hi = std::max(hi, ms);
        }
      }
    }
  }
  if (lo > hi) return core::Status::NotFound("the clean trips are empty");
  return std::make_pair(core::FromEpochSeconds(lo / 1000), core::FromEpochSeconds(hi / 1000));
}

struct TripStream::Cursor {
  std::vector<std::string> files;
  size_t file = 0;
  std::unique_ptr<parquet::Reader> reader;
  int group = 0;
  std::vector<StoredTrip> trips;
  size_t pos = 0;

  // Loads the next row group when the current one is used up; false at the end.
  core::Result<bool> Fill(fs::FileSystem& fs) {
    while (pos >= trips.size()) {
      if (reader && group < reader->num_row_groups()) {
        TRAFFIC_ASSIGN_OR_RETURN(auto batch, reader->ReadRowGroup(group++, kTripColumns));
        TRAFFIC_ASSIGN_OR_RETURN(trips, TripsFromBatch(batch));
        pos = 0;
        continue;
      }
      if (file >= files.size()) return false;
      TRAFFIC_ASSIGN_OR_RETURN(reader, parquet::Reader::Open(fs, files[file++]));
      group = 0;
    }
    return true;
  }
  const StoredTrip& head() const { return trips[pos]; }
};

TripStream::TripStream(fs::FileSystem& fs, std::vector<TripPartition> partitions)
    : fs_(fs), partitions_(std::move(partitions)) {}
TripStream::~TripStream() = default;

core::Result<std::unique_ptr<TripStream>> TripStream::Open(fs::FileSystem& fs, std::vector<TripPartition> partitions) {
  return std::unique_ptr<TripStream>(new TripStream(fs, std::move(partitions)));
}

core::Status TripStream::OpenPartition(size_t index) {
  auto cursor = std::make_unique<Cursor>();
  cursor->files = partitions_[index].files;
  TRAFFIC_ASSIGN_OR_RETURN(bool has, cursor->Fill(fs_));
  if (has) open_.push_back(std::move(cursor));
  return core::Status::Ok();
}

core::Result<bool> TripStream::Next(StoredTrip* out) {
  while (true) {
    // The earliest head among open months.
    Cursor* best = nullptr;
    for (auto& c : open_) {
      if (best == nullptr) {
        best = c.get();
        continue;
      }
      const trip::Trip& a = c->head().trip;
      const trip::Trip& b = best->head().trip;
      if (a.dropoff_time < b.dropoff_time || (a.dropoff_time == b.dropoff_time && a.event_id < b.event_id)) {
        best = c.get();
      }
    }
    // A month not yet open can only hold trips after its first instant: open it once the merge
    // reaches that instant (or when nothing else is open).
    if (next_partition_ < partitions_.size() &&
        (best == nullptr || partitions_[next_partition_].month_start <= best->head().trip.dropoff_time)) {
      TRAFFIC_RETURN_IF_ERROR(OpenPartition(next_partition_++));
      continue;
    }
    if (best == nullptr) return false;
    *out = best->head();
    ++best->pos;
    ++trips_read_;
    TRAFFIC_ASSIGN_OR_RETURN(bool more, best->Fill(fs_));
    if (!more) {
      open_.erase(std::find_if(open_.begin(), open_.end(), [&](const auto& c) { return c.get() == best; }));
    }
    return true;
  }
}

}  // namespace traffic::pipeline
