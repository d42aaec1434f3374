// traffic train: forecast examples (DIR/features) -> models (DIR/models/<version>, models/latest).
#include <fmt/format.h>

#include <chrono>

#include "commands.h"
#include "traffic/pipeline/train_step.h"

namespace traffic::cli {

std::string NowVersion() {
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  core::LocalDateTime t = core::EpochSecondsToLocal(core::ToEpochSeconds(now));
  return fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z", t.year, t.month, t.day, t.hour, t.minute, t.second);
}

std::shared_ptr<pipeline::TrainOptions> DefaultTrainOptions() {
  auto o = std::make_shared<pipeline::TrainOptions>();
  o->classifier.num_rounds = 300;
  o->classifier.max_depth = 6;
  o->classifier.eta = 0.1;
  o->classifier.early_stopping_rounds = 20;
  o->classifier.nthread = 2;
  o->classifier.seed = 42;
  return o;
}

std::shared_ptr<pipeline::TrainOptions> AddTrainOptions(CLI::App* c) {
  auto o = DefaultTrainOptions();
  c->add_option("--model-version", o->version, "name of the model folder (default: the UTC time, e.g. 20261124T193000Z)");
  c->add_option("--rounds", o->classifier.num_rounds, "boosting rounds (at most)")->capture_default_str();
  c->add_option("--max-depth", o->classifier.max_depth)->capture_default_str();
  c->add_option("--eta", o->classifier.eta, "learning rate")->capture_default_str();
  c->add_option("--early-stopping", o->classifier.early_stopping_rounds,
                "stop after N rounds without improvement on the last training day (0: off)")->capture_default_str();
  c->add_option("--threads", o->classifier.nthread)->capture_default_str();
  c->add_option("--seed", o->classifier.seed)->capture_default_str();
  c->add_option("--train-stride", o->train_stride, "keep every n-th training example")->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_flag("!--no-class-weights", o->balanced_class_weights, "do not weight classes by inverse frequency");
  c->add_option("--high-below", o->thresholds.high_below_mph, "congestion High below this mean speed (mph)")->capture_default_str();
  c->add_option("--low-above", o->thresholds.low_above_mph, "congestion Low above this mean speed (mph)")->capture_default_str();
  return o;
}

Command AddTrainCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("train", "Train the 15/30/60-minute forecast models and compare them with baselines");
  AddSharedOptions(c, &shared);
  auto options = AddTrainOptions(c);
  return {c, [&shared, options]() -> int {
            InitLogging(shared);
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(layout_fs.status(), "train");
            options->features_dir = shared.Layout("features");
            options->models_dir = shared.Layout("models");
            if (options->version.empty()) options->version = NowVersion();
            options->created_utc = NowVersion();
            auto summary = pipeline::RunTrain(**layout_fs, *options);
            if (!summary.ok()) return Fail(summary.status(), "train");
            if (shared.json) {
              fmt::print("{}\n", summary->card_json);
            } else {
              fmt::print("{}\nSaved: {} (models/latest -> {})\n", summary->FormatReport(), summary->model_dir,
                         summary->version);
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
