#include "traffic/pipeline/generate_step.h"

#include <fmt/format.h>

#include <chrono>

#include "traffic/core/time.h"
#include "traffic/pipeline/reference_data.h"

namespace traffic::pipeline {
namespace {

constexpr const char* kFilePrefix = "synthetic_yellow_";

// The CSV files of one run: rolled by New York local month of pickup, or one file.
class MonthlyCsvWriter {
 public:
  MonthlyCsvWriter(fs::FileSystem& fs, const GenerateOptions& options, GenerateSummary* summary)
      : fs_(fs), options_(options), summary_(summary) {}

  core::Status Append(const trip::Trip& t) {
    core::LocalDateTime local = core::UtcToNewYork(t.pickup_time);
    std::string month = fmt::format("{:04d}-{:02d}", local.year, local.month);
    if (!file_ || (options_.out_path.empty() && month != month_)) {
      TRAFFIC_RETURN_IF_ERROR(Close());
      std::string path =
          options_.out_path.empty() ? fs::JoinPath(options_.raw_dir, kFilePrefix + month + ".csv") : options_.out_path;
      TRAFFIC_ASSIGN_OR_RETURN(file_, fs_.OpenWrite(path, fs::WriteMode::kAtomic));
      buffer_ = std::string(generate::Yellow2015Header()) + "\n";
      month_ = month;
      rows_ = 0;
    }
    generate::AppendYellow2015Row(t, &buffer_);
    ++rows_;
    return core::Status::Ok();
  }
  // True when the buffer was written out (a good moment to report progress).
  core::Result<bool> MaybeWrite() {
    if (buffer_.size() < (size_t{4} << 20)) return false;
    TRAFFIC_RETURN_IF_ERROR(file_->Append(buffer_));
    buffer_.clear();
    return true;
  }
  core::Status Close() {
    if (!file_) return core::Status::Ok();
    TRAFFIC_RETURN_IF_ERROR(file_->Append(buffer_));
    buffer_.clear();
    summary_->bytes += file_->bytes_written();
    summary_->files.emplace_back(file_->path(), rows_);
    TRAFFIC_RETURN_IF_ERROR(file_->Close());
    file_.reset();
    return core::Status::Ok();
  }

 private:
  fs::FileSystem& fs_;
  const GenerateOptions& options_;
  GenerateSummary* summary_;
  std::unique_ptr<fs::WritableFile> file_;
  std::string month_;
  std::string buffer_;
  int64_t rows_ = 0;
};

}  // namespace

core::Result<GenerateSummary> RunGenerate(fs::FileSystem& fs, const GenerateOptions& options,
                                          const std::function<void(const GenerateProgress&)>& on_progress) {
  auto local = fs::MakeLocalFileSystem();
  TRAFFIC_ASSIGN_OR_RETURN(auto reference, LoadReferenceData(*local, ResolveGeoDir(options.geo_dir), Needs::kAlsoLand));
  GenerateSummary summary;
  auto started = std::chrono::steady_clock::now();
  generate::GeneratorOptions generator_options = options.generator;
  std::unique_ptr<fs::WritableFile> incidents_file;
  std::string incidents_buffer;
  if (!options.incidents_path.empty()) {
    TRAFFIC_ASSIGN_OR_RETURN(incidents_file, fs.OpenWrite(options.incidents_path, fs::WriteMode::kAtomic));
    incidents_buffer = "cell_id,start_utc,build_up_min,hold_min,decay_min,severity\n";
    generator_options.on_incident = [&incidents_buffer](const generate::Incident& i) {
      incidents_buffer += fmt::format("{},{},{},{},{},{:.3f}\n", i.cell.ToString(), core::FormatIsoUtc(i.start),
                                      i.build_up_min, i.hold_min, i.decay_min, i.severity);
    };
  }
  if (options.out_path.empty()) {
    // A rerun replaces earlier synthetic files; other files in raw/ are left alone.
    auto existing = fs.List(options.raw_dir);
    if (existing.ok()) {
      for (const auto& f : *existing) {
        if (f.name.rfind(kFilePrefix, 0) == 0) TRAFFIC_RETURN_IF_ERROR(fs.RemoveAll(f.path));
      }
    }
  }
  GenerateProgress progress;
  progress.expected = options.generator.trips_per_day * options.generator.days;
  generate::TripGenerator generator(generator_options, &reference->land);
  MonthlyCsvWriter writer(fs, options, &summary);
  trip::Trip t;
  while (generator.Next(&t)) {
    TRAFFIC_RETURN_IF_ERROR(writer.Append(t));
    TRAFFIC_ASSIGN_OR_RETURN(bool written, writer.MaybeWrite());
    if (written && on_progress) {
      progress.generated = generator.generated();
      on_progress(progress);
    }
  }
  TRAFFIC_RETURN_IF_ERROR(writer.Close());
  if (incidents_file) {
    TRAFFIC_RETURN_IF_ERROR(incidents_file->Append(incidents_buffer));
    TRAFFIC_RETURN_IF_ERROR(incidents_file->Close());
  }
  summary.trips = generator.generated();
  summary.incidents = generator.incidents_started();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace traffic::pipeline
