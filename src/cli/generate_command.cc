// traffic generate: synthetic NYC trips as TLC CSV (2015 yellow layout), one file per New York
// local month in DIR/raw (or one file at --out), streamed to disk.
#include <fmt/format.h>

#include <chrono>

#include "commands.h"
#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"
#include "traffic/generate/generator.h"
#include "traffic/pipeline/reference_data.h"

namespace traffic::cli {
namespace {

constexpr const char* kFilePrefix = "synthetic_yellow_";

struct GenerateSummary {
  int64_t trips = 0;
  int64_t incidents = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  std::vector<std::pair<std::string, int64_t>> files;
};

core::Result<GenerateSummary> Generate(fs::FileSystem& fs, const std::string& raw_dir,
                                       const std::string& out_path, const std::string& incidents_path,
                                       generate::GeneratorOptions options,
                                       const geo::PolygonIndex& land, ProgressLine& progress) {
  GenerateSummary summary;
  auto started = std::chrono::steady_clock::now();
  std::unique_ptr<fs::WritableFile> incidents_file;
  std::string incidents_buffer;
  if (!incidents_path.empty()) {
    TRAFFIC_ASSIGN_OR_RETURN(incidents_file, fs.OpenWrite(incidents_path, fs::WriteMode::kAtomic));
    incidents_buffer = "cell_id,start_utc,build_up_min,hold_min,decay_min,severity\n";
    options.on_incident = [&incidents_buffer](const generate::Incident& i) {
      incidents_buffer += fmt::format("{},{},{},{},{},{:.3f}\n", i.cell.ToString(), core::FormatIsoUtc(i.start),
                                      i.build_up_min, i.hold_min, i.decay_min, i.severity);
    };
  }
  if (out_path.empty()) {
    // A rerun replaces earlier synthetic files; other files in raw/ are left alone.
    auto existing = fs.List(raw_dir);
    if (existing.ok()) {
      for (const auto& f : *existing) {
        if (f.name.rfind(kFilePrefix, 0) == 0) TRAFFIC_RETURN_IF_ERROR(fs.RemoveAll(f.path));
      }
    }
  }
  int64_t expected = options.trips_per_day * options.days;
  generate::TripGenerator generator(options, &land);
  std::unique_ptr<fs::WritableFile> file;
  std::string current_month;
  std::string buffer;
  int64_t file_rows = 0;
  auto close_file = [&]() -> core::Status {
    if (!file) return core::Status::Ok();
    TRAFFIC_RETURN_IF_ERROR(file->Append(buffer));
    buffer.clear();
    summary.bytes += file->bytes_written();
    summary.files.emplace_back(file->path(), file_rows);
    TRAFFIC_RETURN_IF_ERROR(file->Close());
    file.reset();
    return core::Status::Ok();
  };
  trip::Trip t;
  while (generator.Next(&t)) {
    core::LocalDateTime local = core::UtcToNewYork(t.pickup_time);
    std::string month = fmt::format("{:04d}-{:02d}", local.year, local.month);
    if (!file || (out_path.empty() && month != current_month)) {
      TRAFFIC_RETURN_IF_ERROR(close_file());
      std::string path = out_path.empty() ? fs::JoinPath(raw_dir, kFilePrefix + month + ".csv") : out_path;
      TRAFFIC_ASSIGN_OR_RETURN(file, fs.OpenWrite(path, fs::WriteMode::kAtomic));
      buffer = std::string(generate::Yellow2015Header()) + "\n";
      current_month = month;
      file_rows = 0;
    }
    generate::AppendYellow2015Row(t, &buffer);
    ++file_rows;
    if (buffer.size() >= (size_t{4} << 20)) {
      TRAFFIC_RETURN_IF_ERROR(file->Append(buffer));
      buffer.clear();
      progress.Update(fmt::format("generate: {} / ~{} trips", core::WithThousands(generator.generated()),
                                  core::WithThousands(expected)));
    }
  }
  TRAFFIC_RETURN_IF_ERROR(close_file());
  if (incidents_file) {
    TRAFFIC_RETURN_IF_ERROR(incidents_file->Append(incidents_buffer));
    TRAFFIC_RETURN_IF_ERROR(incidents_file->Close());
  }
  summary.trips = generator.generated();
  summary.incidents = generator.incidents_started();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace

Command AddGenerateCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("generate", "Write synthetic NYC taxi trips as TLC CSV (2015 yellow layout)");
  AddSharedOptions(c, &shared);
  struct Args {
    uint64_t seed = 42;
    int days = 7;
    int64_t trips_per_day = 50000;
    double incidents_per_day = generate::GeneratorOptions{}.incidents_per_day;
    std::string start = "2016-01-04";
    std::string out;
    std::string incidents;
  };
  auto args = std::make_shared<Args>();
  c->add_option("--seed", args->seed, "random seed: the same seed gives the same trips")->capture_default_str();
  c->add_option("--days", args->days, "number of New York local days")->capture_default_str()->check(CLI::Range(1, 3660));
  c->add_option("--start", args->start, "first day, YYYY-MM-DD (New York local)")->capture_default_str();
  c->add_option("--trips-per-day", args->trips_per_day, "expected trips per day")->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  c->add_option("--incidents-per-day", args->incidents_per_day, "expected traffic incidents per day")->capture_default_str();
  c->add_option("--out", args->out, "write one CSV file here instead of DIR/raw/synthetic_yellow_YYYY-MM.csv");
  c->add_option("--incidents", args->incidents, "also write the incidents (ground truth) to this CSV");

  return {c, [&shared, args]() -> int {
            InitLogging(shared);
            auto start = core::ParseLocalDateTime(args->start + " 00:00:00");
            if (!start) {
              std::fprintf(stderr, "traffic generate: error: --start '%s' is not a date YYYY-MM-DD\n", args->start.c_str());
              return kExitUsage;
            }
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(layout_fs.status(), "generate");
            auto local = fs::MakeLocalFileSystem();
            auto reference = pipeline::LoadReferenceData(*local, pipeline::ResolveGeoDir(shared.geo_dir),
                                                          pipeline::Needs::kAlsoLand);
            if (!reference.ok()) return Fail(reference.status(), "generate");
            generate::GeneratorOptions options;
            options.seed = args->seed;
            options.start = *start;
            options.days = args->days;
            options.trips_per_day = args->trips_per_day;
            options.incidents_per_day = args->incidents_per_day;
            ProgressLine progress;
            auto summary = Generate(**layout_fs, shared.Layout("raw"), args->out, args->incidents, options,
                                    (*reference)->land, progress);
            progress.Finish();
            if (!summary.ok()) return Fail(summary.status(), "generate");
            if (shared.json) {
              core::JsonWriter j;
              j.BeginObject().Key("step").String("generate").Key("trips").Int(summary->trips);
              j.Key("incidents").Int(summary->incidents).Key("bytes").Int(static_cast<int64_t>(summary->bytes));
              j.Key("seconds").Double(summary->seconds).Key("seed").Int(static_cast<int64_t>(args->seed));
              j.Key("files").BeginArray();
              for (const auto& [path, rows] : summary->files) j.BeginObject().Key("path").String(path).Key("rows").Int(rows).EndObject();
              j.EndArray().EndObject();
              fmt::print("{}\n", j.str());
            } else {
              fmt::print("Generated {} trips ({} incidents) in {:.2f} s, {}\n", core::WithThousands(summary->trips),
                         summary->incidents, summary->seconds, FormatBytes(summary->bytes));
              for (const auto& [path, rows] : summary->files) fmt::print("  {}  {} rows\n", path, core::WithThousands(rows));
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
