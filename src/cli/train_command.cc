// traffic train: forecast examples (DIR/features) -> models (DIR/models/<version>, models/latest).
#include <fmt/format.h>

#include "commands.h"
#include "traffic/pipeline/layout_steps.h"
#include "traffic/pipeline/model_store.h"

namespace traffic::cli {
namespace {

// A --model-version is a folder name: validated when parsed (exit 2 naming the option).
const CLI::Validator kVersionName(
    [](std::string& input) -> std::string {
      auto st = pipeline::ValidateVersionName(input);
      return st.ok() ? std::string() : st.message();
    },
    "NAME");

}  // namespace

void PrintTrainSummary(const pipeline::TrainSummary& s) {
  if (s.promoted) {
    fmt::print("{}\nSaved: {} (models/latest -> {})\n", s.FormatReport(), s.model_dir, s.version);
  } else {
    fmt::print("{}\nSaved: {} (models/latest NOT moved: {}; --promote to use it anyway)\n", s.FormatReport(),
               s.model_dir, s.not_promoted_because);
  }
}

Command AddTrainCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("train", "Train the 15/30/60-minute forecast models and compare them with baselines");
  AddSharedOptions(c, &shared);
  auto o = std::make_shared<pipeline::TrainOptions>();
  c->add_option("--model-version", o->version,
                "name of the model folder, new, letters, digits, '.', '_', '-' (default: the UTC time, e.g. "
                "20261124T193000Z)")
      ->check(kVersionName);
  c->add_option("--rounds", o->classifier.num_rounds, "boosting rounds (at most)")
      ->capture_default_str()
      ->check(kPositive);
  c->add_option("--max-depth", o->classifier.max_depth)->capture_default_str()->check(kPositive);
  c->add_option("--eta", o->classifier.eta, "learning rate")->capture_default_str()->check(kPositive);
  c->add_option("--early-stopping", o->classifier.early_stopping_rounds,
                "stop after N rounds without improvement on the last training day (0: off)")
      ->capture_default_str()
      ->check(kNonNegative);
  c->add_option("--threads", o->classifier.nthread)->capture_default_str()->check(kPositive);
  c->add_option("--seed", o->classifier.seed)->capture_default_str();
  c->add_option("--validation-days", o->validation_days,
                "days before the test period held out to stop the boosting and tune the decision rule (0: automatic)")
      ->capture_default_str()
      ->check(kNonNegative);
  c->add_option("--example-cache-mb", o->example_cache_mb,
                "keep the features table in memory while it fits in this many MB; above, read it from Parquet a "
                "row group at a time on each pass (0: always)")
      ->capture_default_str()
      ->check(kNonNegative);
  c->add_option("--train-stride", o->train_stride, "keep every n-th training example")
      ->capture_default_str()
      ->check(kPositive);
  c->add_flag("--class-weights", o->balanced_class_weights,
              "weight classes by inverse frequency in training (off: the level is decided by a rule tuned on the "
              "validation days)");
  c->add_flag("--promote", o->promote,
              "point models/latest at the model even if it does not beat both baselines at every horizon (the "
              "stream then serves persistence where it lost)");
  c->add_option("--high-below", o->thresholds.high_below_mph, "congestion High below this mean speed (mph)")
      ->capture_default_str();
  c->add_option("--low-above", o->thresholds.low_above_mph, "congestion Low above this mean speed (mph)")
      ->capture_default_str();
  CheckThresholds(c, &o->thresholds);
  return {c, [&shared, o]() -> int {
            InitLogging(shared);
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(shared, layout_fs.status(), "train");
            auto summary = pipeline::RunTrainInLayout(**layout_fs, shared.Layout(), *o);
            if (!summary.ok()) return Fail(shared, summary.status(), "train");
            if (shared.json) {
              fmt::print("{}\n", summary->card_json);
            } else {
              PrintTrainSummary(*summary);
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
