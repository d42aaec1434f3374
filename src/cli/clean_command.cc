// traffic clean [INPUT...]: raw CSVs -> clean trips as Parquet under DIR/processed.
#include <fmt/format.h>

#include <chrono>

#include "commands.h"
#include "traffic/core/text.h"
#include "traffic/pipeline/layout_steps.h"

namespace traffic::cli {

void PrintCleanSummary(const pipeline::CleanSummary& s) {
  using core::WithThousands;
  double mb = static_cast<double>(s.bytes_read) / 1e6;
  fmt::print("Cleaned {} file(s), {} in {:.2f} s ({:.0f} MB/s, {} rows/s)\n", s.files, FormatBytes(s.bytes_read),
             s.seconds, s.seconds > 0 ? mb / s.seconds : 0.0,
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

void ShowCleanProgress(pipeline::CleanOptions* options, ProgressLine* progress) {
  if (!progress->enabled()) return;
  options->progress = [progress, started = std::chrono::steady_clock::now()](const pipeline::CleanProgress& p) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    double rate = secs > 0 ? static_cast<double>(p.bytes_done) / secs : 0;
    double eta = rate > 0 ? static_cast<double>(p.bytes_total - p.bytes_done) / rate : 0;
    progress->Update(fmt::format(
        "clean: {} / {} | {} rows/s | ETA {:.0f} s | {}", FormatBytes(p.bytes_done), FormatBytes(p.bytes_total),
        core::WithThousands(static_cast<int64_t>(secs > 0 ? p.rows / secs : 0)), eta, p.current_file));
  };
}

Command AddCleanCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("clean", "Clean raw trip CSVs (any TLC layout 2009-2019, Kaggle) into Parquet");
  AddSharedOptions(c, &shared);
  auto options = std::make_shared<pipeline::CleanOptions>();
  AddCleanOptions(c, options.get());
  c->add_option("INPUT", options->inputs, "CSV files or folders of CSV (default: DIR/raw)");

  return {c, [&shared, options]() -> int {
            InitLogging(shared);
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(shared, layout_fs.status(), "clean");
            ProgressLine progress;
            ShowCleanProgress(options.get(), &progress);
            auto summary = pipeline::RunCleanInLayout(**layout_fs, shared.Layout(), *options, shared.geo_dir);
            progress.Finish();
            if (!summary.ok()) return Fail(shared, summary.status(), "clean");
            if (shared.json) {
              fmt::print("{}\n", summary->ToJson());
            } else {
              PrintCleanSummary(*summary);
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
