// traffic all: clean -> features -> train, skipping a step whose output is newer than its input
// (pipeline::RunAll decides; this prints).
#include <fmt/format.h>

#include "commands.h"
#include "traffic/core/json_writer.h"
#include "traffic/pipeline/layout_steps.h"

namespace traffic::cli {
namespace {

// Prints the steps that ran and those that were up to date, up to a failed step.
void PrintAll(const pipeline::AllSummary& s, bool json) {
  const int failed = s.failed_step == "clean" ? 0 : s.failed_step == "features" ? 1 : s.failed_step == "train" ? 2 : 3;
  core::JsonWriter j;
  j.BeginObject().Key("step").String("all").Key("steps").BeginObject();
  if (s.clean) {
    if (!json) PrintCleanSummary(*s.clean);
    j.Key("clean").Raw(s.clean->ToJson());
  } else if (failed > 0) {
    if (!json) fmt::print("clean: up to date ({} is newer than every raw file)\n", s.processed_success);
    j.Key("clean").String("up to date");
  }
  if (s.features) {
    if (!json) PrintFeaturesSummary(*s.features);
    j.Key("features").Raw(s.features->ToJson());
  } else if (failed > 1) {
    if (!json) fmt::print("features: up to date ({} is newer than the clean trips)\n", s.features_success);
    j.Key("features").String("up to date");
  }
  if (s.train) {
    if (!json) PrintTrainSummary(*s.train);
    j.Key("train").Raw(s.train->card_json);
  } else if (failed > 2) {
    if (!json) fmt::print("train: up to date (model {})\n{}", s.latest_version, s.latest_report);
    j.Key("train").String("up to date");
  }
  j.EndObject().EndObject();
  if (json && failed == 3) fmt::print("{}\n", j.str());
}

}  // namespace

Command AddAllCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("all", "Run clean -> features -> train on DIR/raw, skipping steps that are up to date");
  AddSharedOptions(c, &shared);
  auto options = std::make_shared<pipeline::AllOptions>();
  AddCleanOptions(c, &options->clean);
  AddFeaturesOptions(c, &options->features);
  // Train options, minus the thresholds `features` already defines (both must agree).
  auto& train = options->train;
  c->add_option("--rounds", train.classifier.num_rounds, "boosting rounds (at most)")
      ->capture_default_str()
      ->check(kPositive);
  c->add_option("--validation-days", train.validation_days,
                "days before the test period held out to stop the boosting and tune the decision rule (0: automatic)")
      ->capture_default_str()
      ->check(kNonNegative);
  c->add_option("--example-cache-mb", train.example_cache_mb,
                "keep the features table in memory while it fits in this many MB; above, read it from Parquet a "
                "row group at a time on each pass (0: always)")
      ->capture_default_str()
      ->check(kNonNegative);
  c->add_option("--train-stride", train.train_stride, "keep every n-th training example")
      ->capture_default_str()
      ->check(kPositive);
  c->add_flag("--promote", train.promote,
              "point models/latest at the new model even if it does not beat both baselines at every horizon");
  c->add_flag("--force", options->force, "redo every step even when its output is up to date");

  return {c, [&shared, options]() -> int {
            InitLogging(shared);
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(shared, layout_fs.status(), "all");
            options->geo_dir = shared.geo_dir;
            ProgressLine progress;
            ShowCleanProgress(&options->clean, &progress);
            pipeline::AllSummary summary;
            core::Status status = pipeline::RunAll(**layout_fs, shared.Layout(), *options, &summary);
            progress.Finish();
            if (!status.ok() && summary.failed_step.empty()) return Fail(shared, status, "all");
            PrintAll(summary, shared.json);
            if (!status.ok()) return Fail(shared, status, "all: " + summary.failed_step);
            return kExitOk;
          }};
}

}  // namespace traffic::cli
