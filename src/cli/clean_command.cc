// traffic clean [INPUT...]: raw CSVs -> clean trips as Parquet under DIR/processed.
#include <fmt/format.h>

#include <chrono>

#include "commands.h"
#include "traffic/core/text.h"
#include "traffic/core/time.h"
#include "traffic/pipeline/clean_step.h"

namespace traffic::cli {

void PrintCleanSummary(const pipeline::CleanSummary& s) {
  using core::WithThousands;
  double mb = static_cast<double>(s.bytes_read) / 1e6;
  fmt::print("Cleaned {} file(s), {} in {:.2f} s ({:.0f} MB/s, {} rows/s)\n", s.files,
             FormatBytes(s.bytes_read), s.seconds, s.seconds > 0 ? mb / s.seconds : 0.0,
             WithThousands(static_cast<int64_t>(s.seconds > 0 ? s.rows_read / s.seconds : 0)));
  auto pct = [&](int64_t n) { return s.rows_read > 0 ? 100.0 * n / s.rows_read : 0.0; };
  fmt::print("  {:<28} {:>12}\n", "rows read", WithThousands(s.rows_read));
  fmt::print("  {:<28} {:>12} {:>6.2f}%\n", "written", WithThousands(s.rows_written), pct(s.rows_written));
  fmt::print("  {:<28} {:>12} {:>6.2f}%\n", "rejected", WithThousands(s.rejects.Total()), pct(s.rejects.Total()));
  for (int i = 0; i < trip::kRejectReasonCount; ++i) {
    int64_t n = s.rejects.by_reason[static_cast<size_t>(i)];
    if (n == 0) continue;
    fmt::print("    {:<26} {:>12} {:>6.2f}%\n", trip::RejectReasonName(static_cast<trip::RejectReason>(i)),
               WithThousands(n), pct(n));
  }
  if (s.blank_lines > 0) fmt::print("  {:<28} {:>12}\n", "blank lines (not records)", WithThousands(s.blank_lines));
  for (const auto& f : s.file_summaries) {
    if (!f.error.empty()) fmt::print("  skipped {}: {}\n", f.path, f.error);
  }
  fmt::print("Output: {} ({} month partition(s))\n", s.output_dir, s.partitions.size());
  constexpr size_t kShown = 12;
  for (size_t i = 0; i < s.partitions.size() && i < kShown; ++i) {
    fmt::print("  {}  {} rows\n", s.partitions[i].path, WithThousands(s.partitions[i].rows));
  }
  if (s.partitions.size() > kShown) fmt::print("  ... {} more (--json lists all)\n", s.partitions.size() - kShown);
  if (!s.rejects_path.empty()) fmt::print("Rejected rows: {}\n", s.rejects_path);
}


core::Result<pipeline::CleanSummary> RunCleanStep(const SharedOptions& shared, fs::FileSystem& layout_fs,
                                                  pipeline::CleanOptions& options,
                                                  const std::vector<std::string>& inputs, size_t memory_mb) {
  auto local = fs::MakeLocalFileSystem();
  TRAFFIC_ASSIGN_OR_RETURN(auto reference, pipeline::LoadReferenceData(*local, pipeline::ResolveGeoDir(shared.geo_dir)));
  options.inputs = inputs.empty() ? std::vector<std::string>{shared.Layout("raw")} : inputs;
  options.output_dir = shared.Layout("processed");
  options.memory_budget_bytes = memory_mb << 20;
  ProgressLine progress;
  if (progress.enabled()) {
    options.progress = [&progress, started = std::chrono::steady_clock::now()](const pipeline::CleanProgress& p) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      double rate = secs > 0 ? static_cast<double>(p.bytes_done) / secs : 0;
      double eta = rate > 0 ? static_cast<double>(p.bytes_total - p.bytes_done) / rate : 0;
      progress.Update(fmt::format("clean: {} / {} | {} rows/s | ETA {:.0f} s | {}", FormatBytes(p.bytes_done),
                                  FormatBytes(p.bytes_total),
                                  core::WithThousands(static_cast<int64_t>(secs > 0 ? p.rows / secs : 0)), eta,
                                  p.current_file));
    };
  }
  auto summary = pipeline::RunClean(*local, layout_fs, *local, *reference, geo::Grid(), options);
  options.progress = nullptr;
  return summary;
}

CleanArgs AddCleanOptions(CLI::App* c) {
  auto options = std::make_shared<pipeline::CleanOptions>();
  c->add_option("--rejects", options->rejects_path, "write every rejected row with its reason, file and line to this CSV");
  c->add_flag("--skip-bad-files", options->skip_bad_files,
              "skip (and list) files with no usable header instead of failing the run");
  auto& r = options->rules;
  c->add_option("--min-lat", r.min_lat, "cleaning box, inclusive")->capture_default_str();
  c->add_option("--max-lat", r.max_lat)->capture_default_str();
  c->add_option("--min-lon", r.min_lon)->capture_default_str();
  c->add_option("--max-lon", r.max_lon)->capture_default_str();
  c->add_option("--min-duration", r.min_duration_s, "seconds")->capture_default_str();
  c->add_option("--max-duration", r.max_duration_s, "seconds")->capture_default_str();
  c->add_option("--min-distance", r.min_distance_mi, "miles")->capture_default_str();
  c->add_option("--max-distance", r.max_distance_mi, "miles")->capture_default_str();
  c->add_option("--min-speed", r.min_speed_mph, "mph")->capture_default_str();
  c->add_option("--max-speed", r.max_speed_mph, "mph")->capture_default_str();
  // New York local times, "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS".
  auto local_time = [](const std::string& text) -> std::optional<core::UtcTime> {
    auto parsed = core::ParseLocalDateTime(text.size() == 10 ? text + " 00:00:00" : text);
    if (!parsed) return std::nullopt;
    return core::NewYorkToUtc(*parsed);
  };
  auto time_check = CLI::Validator(
      [local_time](std::string& text) -> std::string {
        return local_time(text) ? "" : "not a New York local time YYYY-MM-DD[ HH:MM:SS]: " + text;
      },
      "TIME");
  c->add_option_function<std::string>(
       "--min-time", [rules = &r, local_time](const std::string& text) { rules->min_time = *local_time(text); },
       "earliest accepted pickup/dropoff, New York local (default 2009-01-01; earlier: time_out_of_range)")
      ->check(time_check);
  c->add_option_function<std::string>(
       "--max-time", [rules = &r, local_time](const std::string& text) { rules->max_time = *local_time(text); },
       "latest accepted pickup/dropoff, New York local (default: a day after now)")
      ->check(time_check);
  c->add_option("--max-record-bytes", options->max_record_bytes,
                "a longer CSV record is rejected as malformed_row and reading resumes at the next line")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_flag("--allow-empty", options->allow_empty,
              "write the output even when no row survives cleaning (default: fail, keep the previous output)");
  c->add_option("--kaggle-route-factor", options->parse.kaggle_route_factor,
                "Kaggle rows have no distance: great-circle distance x this factor")->capture_default_str();
  auto budget_mb = std::make_shared<size_t>(options->memory_budget_bytes >> 20);
  c->add_option("--memory-mb", *budget_mb, "parsed trips held in memory before spilling to disk")->capture_default_str();

  return {options, budget_mb};
}

Command AddCleanCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("clean", "Clean raw trip CSVs (any TLC layout 2009-2019, Kaggle) into Parquet");
  AddSharedOptions(c, &shared);
  auto [options, budget_mb] = AddCleanOptions(c);
  auto inputs = std::make_shared<std::vector<std::string>>();
  c->add_option("INPUT", *inputs, "CSV files or folders of CSV (default: DIR/raw)");

  return {c, [&shared, options = options, inputs, budget_mb = budget_mb]() -> int {
            InitLogging(shared);
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(layout_fs.status(), "clean");
            auto summary = RunCleanStep(shared, **layout_fs, *options, *inputs, *budget_mb);
            if (!summary.ok()) return Fail(summary.status(), "clean");
            if (shared.json) {
              fmt::print("{}\n", summary->ToJson());
            } else {
              PrintCleanSummary(*summary);
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
