// traffic generate: synthetic NYC trips as TLC CSV (2015 yellow layout), one file per New York
// local month in DIR/raw (or one file at --out): pipeline::RunGenerate.
#include <fmt/format.h>

#include "commands.h"
#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"
#include "traffic/pipeline/generate_step.h"

namespace traffic::cli {

Command AddGenerateCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("generate", "Write synthetic NYC taxi trips as TLC CSV (2015 yellow layout)");
  AddSharedOptions(c, &shared);
  auto options = std::make_shared<pipeline::GenerateOptions>();
  auto& g = options->generator;
  c->add_option("--seed", g.seed, "random seed: the same seed gives the same trips")->capture_default_str();
  c->add_option("--days", g.days, "number of New York local days")->capture_default_str()->check(CLI::Range(1, 3660));
  c->add_option_function<std::string>(
       "--start",
       [&g](const std::string& text) {
         auto start = core::ParseLocalDateTime(text + " 00:00:00");
         if (!start) throw CLI::ValidationError("--start", "'" + text + "' is not a date YYYY-MM-DD");
         g.start = *start;
       },
       "first day, YYYY-MM-DD (New York local)")
      ->default_str(core::FormatLocal(g.start).substr(0, 10));
  c->add_option("--trips-per-day", g.trips_per_day, "expected trips per day")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  c->add_option("--incidents-per-day", g.incidents_per_day, "expected traffic incidents per day")
      ->capture_default_str()
      ->check(kNonNegative);
  c->add_option("--out", options->out_path, "write one CSV file here instead of DIR/raw/synthetic_yellow_YYYY-MM.csv");
  c->add_option("--incidents", options->incidents_path, "also write the incidents (ground truth) to this CSV");

  return {c, [&shared, options]() -> int {
            InitLogging(shared);
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(shared, layout_fs.status(), "generate");
            options->raw_dir = shared.Layout().Raw();
            options->geo_dir = shared.geo_dir;
            ProgressLine progress;
            auto summary = pipeline::RunGenerate(**layout_fs, *options, [&](const pipeline::GenerateProgress& p) {
              progress.Update(fmt::format("generate: {} / ~{} trips", core::WithThousands(p.generated),
                                          core::WithThousands(p.expected)));
            });
            progress.Finish();
            if (!summary.ok()) return Fail(shared, summary.status(), "generate");
            if (shared.json) {
              core::JsonWriter j;
              j.BeginObject().Key("step").String("generate").Key("trips").Int(summary->trips);
              j.Key("incidents").Int(summary->incidents).Key("bytes").Int(static_cast<int64_t>(summary->bytes));
              j.Key("seconds").Double(summary->seconds).Key("seed").Int(static_cast<int64_t>(options->generator.seed));
              j.Key("files").BeginArray();
              for (const auto& [path, rows] : summary->files)
                j.BeginObject().Key("path").String(path).Key("rows").Int(rows).EndObject();
              j.EndArray().EndObject();
              fmt::print("{}\n", j.str());
            } else {
              fmt::print("Generated {} trips ({} incidents) in {:.2f} s, {}\n", core::WithThousands(summary->trips),
                         summary->incidents, summary->seconds, FormatBytes(summary->bytes));
              for (const auto& [path, rows] : summary->files)
                fmt::print("  {}  {} rows\n", path, core::WithThousands(rows));
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
