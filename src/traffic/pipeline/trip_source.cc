#include "traffic/pipeline/trip_source.h"

#include <algorithm>
#include <queue>

#include "traffic/clean/rules.h"
#include "traffic/csv/trip_parser.h"
#include "traffic/pipeline/trip_stream.h"

namespace traffic::pipeline {
namespace {

struct LaterDropoff {
  bool operator()(const StoredTrip& a, const StoredTrip& b) const {
    if (a.trip.dropoff_time != b.trip.dropoff_time) return a.trip.dropoff_time > b.trip.dropoff_time;
    return a.trip.event_id > b.trip.event_id;
  }
};

class SyntheticSource : public TripSource {
 public:
  SyntheticSource(generate::GeneratorOptions options, std::shared_ptr<const ReferenceData> reference)
      : reference_(std::move(reference)), generator_(std::move(options), &reference_->land) {}

  core::Result<bool> Next(StoredTrip* out) override {
    // Release the earliest-ending trip once the generator has passed its dropoff: every trip
    // still to come starts (and so ends) after that.
    while (true) {
      if (!pending_.empty() && (done_ || pending_.top().trip.dropoff_time <= last_pickup_)) {
        *out = pending_.top();
        pending_.pop();
        return true;
      }
      if (done_) return false;
      trip::Trip t;
      if (!generator_.Next(&t)) {
        done_ = true;
        continue;
      }
      last_pickup_ = t.pickup_time;
      StoredTrip s;
      s.trip = t;
      s.cell = grid_.Locate(t.pickup_lat, t.pickup_lon).value_or(geo::CellId{});
      s.is_manhattan = reference_->manhattan.Contains(t.pickup_lat, t.pickup_lon);
      pending_.push(s);
    }
  }
  std::string Describe() const override { return "synthetic trips"; }

 private:
  std::shared_ptr<const ReferenceData> reference_;
  generate::TripGenerator generator_;
  geo::Grid grid_;
  std::priority_queue<StoredTrip, std::vector<StoredTrip>, LaterDropoff> pending_;
  core::UtcTime last_pickup_{};
  bool done_ = false;
};

class ProcessedSource : public TripSource {
 public:
  ProcessedSource(std::unique_ptr<TripStream> stream, std::string dir) : stream_(std::move(stream)), dir_(std::move(dir)) {}
  core::Result<bool> Next(StoredTrip* out) override { return stream_->Next(out); }
  std::string Describe() const override { return "clean trips in " + dir_; }

 private:
  std::unique_ptr<TripStream> stream_;
  std::string dir_;
};

class SortedSource : public TripSource {
 public:
  SortedSource(std::vector<StoredTrip> trips, std::string what) : trips_(std::move(trips)), what_(std::move(what)) {}
  core::Result<bool> Next(StoredTrip* out) override {
    if (next_ >= trips_.size()) return false;
    *out = trips_[next_++];
    return true;
  }
  std::string Describe() const override { return what_; }

 private:
  std::vector<StoredTrip> trips_;
  size_t next_ = 0;
  std::string what_;
};

// Parses and cleans CSV files like `traffic clean` (rejected rows are skipped and counted).
core::Result<std::vector<StoredTrip>> ReadCsvTrips(fs::FileSystem& fs, const std::vector<fs::FileInfo>& files,
                                                   const ReferenceData& reference, int64_t* rejected) {
  std::vector<StoredTrip> trips;
  geo::Grid grid;
  clean::CleaningRules rules;
  for (const auto& file : files) {
    TRAFFIC_ASSIGN_OR_RETURN(std::string text, fs.ReadAll(file.path));
    std::optional<csv::TripRowParser> parser;
    size_t start = 0;
    uint64_t line_number = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      std::string_view line(text.data() + start, (nl == std::string::npos ? text.size() : nl) - start);
      start = nl == std::string::npos ? text.size() : nl + 1;
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      if (!parser) {
        auto layout = csv::DetectLayout(line);
        if (!layout.ok()) return layout.status().WithContext(file.path + ":" + std::to_string(line_number));
        parser.emplace(*layout, &reference.zones);
        continue;
      }
      StoredTrip s;
      if (parser->Parse(line, &s.trip) || clean::CheckTrip(s.trip, rules)) {
        ++*rejected;
        continue;
      }
      s.cell = grid.Locate(s.trip.pickup_lat, s.trip.pickup_lon).value_or(geo::CellId{});
      s.is_manhattan = reference.manhattan.Contains(s.trip.pickup_lat, s.trip.pickup_lon);
      trips.push_back(s);
    }
    if (!parser) return core::Status::InvalidArgument(file.path + ": empty file (no header line)");
  }
  std::sort(trips.begin(), trips.end(), [](const StoredTrip& a, const StoredTrip& b) {
    return LaterDropoff{}(b, a);
  });
  // Exact duplicates (same record) are one trip.
  trips.erase(std::unique(trips.begin(), trips.end(), [](const StoredTrip& a, const StoredTrip& b) {
                return a.trip.event_id == b.trip.event_id && a.trip.dropoff_time == b.trip.dropoff_time;
              }), trips.end());
  return trips;
}

}  // namespace

std::unique_ptr<TripSource> MakeSyntheticSource(generate::GeneratorOptions options,
                                                std::shared_ptr<const ReferenceData> reference) {
  return std::make_unique<SyntheticSource>(std::move(options), std::move(reference));
}

core::Result<std::unique_ptr<TripSource>> MakeFileSource(fs::FileSystem& fs, const std::vector<std::string>& paths,
                                                         std::shared_ptr<const ReferenceData> reference) {
  if (paths.size() == 1 && fs.Exists(fs::JoinPath(paths[0], "_SUCCESS"))) {
    TRAFFIC_ASSIGN_OR_RETURN(auto partitions, ListTripPartitions(fs, paths[0]));
    TRAFFIC_ASSIGN_OR_RETURN(auto stream, TripStream::Open(fs, std::move(partitions)));
    return std::unique_ptr<TripSource>(new ProcessedSource(std::move(stream), paths[0]));
  }
  std::vector<fs::FileInfo> files;
  for (const auto& path : paths) {
    TRAFFIC_ASSIGN_OR_RETURN(fs::FileInfo info, fs.Stat(path));
    if (!info.is_directory) {
      info.path = path;
      files.push_back(info);
      continue;
    }
    TRAFFIC_ASSIGN_OR_RETURN(auto found, fs.ListFilesRecursive(path, {".csv"}));
    if (found.empty()) return core::Status::NotFound("no CSV files in folder " + path);
    files.insert(files.end(), found.begin(), found.end());
  }
  int64_t rejected = 0;
  TRAFFIC_ASSIGN_OR_RETURN(auto trips, ReadCsvTrips(fs, files, *reference, &rejected));
  std::string what = std::to_string(trips.size()) + " clean trips from " + std::to_string(files.size()) +
                     " CSV file(s) (" + std::to_string(rejected) + " rows rejected by the cleaning rules)";
  return std::unique_ptr<TripSource>(new SortedSource(std::move(trips), what));
}

}  // namespace traffic::pipeline
