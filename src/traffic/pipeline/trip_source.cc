#include "traffic/pipeline/trip_source.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <queue>

#include "traffic/pipeline/clean_step.h"
#include "traffic/pipeline/produce_resume.h"
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
  ProcessedSource(std::shared_ptr<fs::FileSystem> fs, std::unique_ptr<TripStream> stream, std::string dir)
      : fs_(std::move(fs)), stream_(std::move(stream)), dir_(std::move(dir)) {}
  core::Result<bool> Next(StoredTrip* out) override { return stream_->Next(out); }
  std::string Describe() const override { return "clean trips in " + dir_; }

 private:
  std::shared_ptr<fs::FileSystem> fs_;  // declared first: the stream reads through it
  std::unique_ptr<TripStream> stream_;
  std::string dir_;
};

// Clean trips in a scratch folder it removes when destroyed.
class ScratchSource : public TripSource {
 public:
  ScratchSource(std::unique_ptr<TripStream> stream, std::unique_ptr<fs::FileSystem> fs, std::string dir,
                std::string what)
      : fs_(std::move(fs)), stream_(std::move(stream)), dir_(std::move(dir)), what_(std::move(what)) {}
  ~ScratchSource() override {
    stream_.reset();
    (void)fs_->RemoveAll(dir_);
  }
  core::Result<bool> Next(StoredTrip* out) override { return stream_->Next(out); }
  std::string Describe() const override { return what_; }

 private:
  std::unique_ptr<fs::FileSystem> fs_;  // declared first: the stream reads through it
  std::unique_ptr<TripStream> stream_;
  std::string dir_;
  std::string what_;
};

}  // namespace

std::string ReplayScratchParent() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);  // $TMPDIR, else /tmp
  return ec ? std::string("/tmp") : dir.string();
}

int SweepDeadReplayScratch(fs::FileSystem& local, const std::string& parent) {
  auto entries = local.List(parent);
  if (!entries.ok()) return 0;
  int swept = 0;
  for (const auto& e : *entries) {
    if (!e.is_directory || e.name.rfind("traffic-replay-", 0) != 0 || !fs::IsDebrisOfDeadRun(e.name)) continue;
    if (local.RemoveAll(e.path).ok()) ++swept;  // another user's scratch: not ours to remove
  }
  return swept;
}

std::unique_ptr<TripSource> MakeSyntheticSource(generate::GeneratorOptions options,
                                                std::shared_ptr<const ReferenceData> reference) {
  return std::make_unique<SyntheticSource>(std::move(options), std::move(reference));
}

core::Result<std::unique_ptr<TripSource>> MakeFileSource(std::shared_ptr<fs::FileSystem> files,
                                                         const std::vector<std::string>& paths,
                                                         std::shared_ptr<const ReferenceData> reference) {
  fs::FileSystem& fs = *files;
  if (paths.size() == 1 && fs.Exists(fs::JoinPath(paths[0], "_SUCCESS"))) {
    TRAFFIC_ASSIGN_OR_RETURN(auto partitions, ListTripPartitions(fs, paths[0]));
    TRAFFIC_ASSIGN_OR_RETURN(auto stream, TripStream::Open(fs, std::move(partitions)));
    return std::unique_ptr<TripSource>(new ProcessedSource(std::move(files), std::move(stream), paths[0]));
  }
  // Raw CSV: cleaned exactly as `traffic clean` does (same rules, same de-duplication), into a
  // scratch folder that lives as long as the source, then read back in event-time order.
  // In $TMPDIR, named with our pid so a later run can sweep it if we die (mkdtemp: exclusive,
  // mode 0700, never an existing entry).
  auto local = fs::MakeLocalFileSystem();
  const std::string parent = ReplayScratchParent();
  SweepDeadReplayScratch(*local, parent);
  std::string scratch_template = fs::JoinPath(parent, "traffic-replay-" + std::to_string(::getpid()) + "-XXXXXX");
  if (::mkdtemp(scratch_template.data()) == nullptr) {
    return core::Status::IoError("create a scratch folder in " + parent + " (set $TMPDIR elsewhere)");
  }
  std::string scratch = scratch_template;
  CleanOptions clean;
  clean.inputs = paths;
  clean.output_dir = fs::JoinPath(scratch, "processed");
  auto cleaned = RunClean(fs, *local, *local, *reference, geo::Grid(), clean);
  if (!cleaned.ok()) {
    (void)local->RemoveAll(scratch);
    return cleaned.status();
  }
  auto partitions = ListTripPartitions(*local, clean.output_dir);
  if (!partitions.ok()) {
    (void)local->RemoveAll(scratch);
    return partitions.status();
  }
  TRAFFIC_ASSIGN_OR_RETURN(auto stream, TripStream::Open(*local, std::move(*partitions)));
  std::string what = std::to_string(cleaned->rows_written) + " clean trips from " + std::to_string(cleaned->files) +
                     " CSV file(s) (" + std::to_string(cleaned->rejects.Total()) + " rows rejected)";
  return std::unique_ptr<TripSource>(new ScratchSource(std::move(stream), std::move(local), scratch, what));
}

core::Result<std::unique_ptr<TripSource>> OpenTripSource(const TripSourceOptions& options) {
  if (options.synthetic == !options.inputs.empty()) {
    return core::Status::InvalidArgument("choose one source: --synthetic or --input FILES|DIR");
  }
  auto local = fs::MakeLocalFileSystem();
  TRAFFIC_ASSIGN_OR_RETURN(auto reference,
                           LoadReferenceData(*local, ResolveGeoDir(options.geo_dir),
                                             options.synthetic ? Needs::kAlsoLand : Needs::kZonesAndManhattan));
  if (options.synthetic) {
    auto start = core::ParseLocalDateTime(options.start + " 00:00:00");
    if (!start) return core::Status::InvalidArgument("--start '" + options.start + "' is not a date YYYY-MM-DD");
    generate::GeneratorOptions g;
    g.seed = options.seed;
    g.start = *start;
    g.days = options.days;
    g.trips_per_day = options.trips_per_day;
    if (!options.resume_after) return MakeSyntheticSource(g, reference);
    return std::unique_ptr<TripSource>(std::make_unique<ResumedSource>(
        MakeSyntheticSource(ResumeGenerator(g, *options.resume_after), reference), *options.resume_after));
  }
  std::shared_ptr<fs::FileSystem> input_fs = options.input_fs;
  if (input_fs == nullptr) input_fs = fs::MakeLocalFileSystem();
  TRAFFIC_ASSIGN_OR_RETURN(auto source, MakeFileSource(std::move(input_fs), options.inputs, reference));
  if (!options.resume_after) return source;
  return std::unique_ptr<TripSource>(std::make_unique<ResumedSource>(std::move(source), *options.resume_after));
}

}  // namespace traffic::pipeline
