// traffic all: clean -> features -> train, skipping a step whose output is newer than its input.
#include <fmt/format.h>

#include "commands.h"
#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"

namespace traffic::cli {
namespace {

// Modification time of a file, or -1 when it does not exist.
int64_t ModifiedNs(fs::FileSystem& fs, const std::string& path) {
  auto info = fs.Stat(path);
  return info.ok() ? info->modified_ns : -1;
}

core::Result<int64_t> NewestInput(fs::FileSystem& fs, const std::string& raw_dir) {
  TRAFFIC_ASSIGN_OR_RETURN(auto files, fs.ListFilesRecursive(raw_dir, {".csv"}));
  if (files.empty()) return core::Status::NotFound("no CSV files in folder " + raw_dir + ": run `traffic generate` or copy trip files there");
  int64_t newest = 0;
  for (const auto& f : files) newest = std::max(newest, f.modified_ns);
  return newest;
}

}  // namespace

Command AddAllCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("all", "Run clean -> features -> train on DIR/raw, skipping steps that are up to date");
  AddSharedOptions(c, &shared);
  auto clean = AddCleanOptions(c);
  auto features = AddFeaturesOptions(c);
  // Train options, minus the thresholds `features` already defines (both must agree).
  auto train = DefaultTrainOptions();
  c->add_option("--rounds", train->classifier.num_rounds, "boosting rounds (at most)")->capture_default_str();
  c->add_option("--train-stride", train->train_stride, "keep every n-th training example")->capture_default_str()
      ->check(CLI::PositiveNumber);
  auto force = std::make_shared<bool>(false);
  c->add_flag("--force", *force, "redo every step even when its output is up to date");

  return {c, [&shared, clean, features, train, force]() -> int {
            InitLogging(shared);
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(layout_fs.status(), "all");
            fs::FileSystem& fs = **layout_fs;
            const std::string processed_ok = fs::JoinPath(shared.Layout("processed"), "_SUCCESS");
            const std::string features_ok = fs::JoinPath(shared.Layout("features"), "_SUCCESS");
            core::JsonWriter j;
            j.BeginObject().Key("step").String("all").Key("steps").BeginObject();

            auto newest_raw = NewestInput(fs, shared.Layout("raw"));
            if (!newest_raw.ok()) return Fail(newest_raw.status(), "all");
            bool run_clean = *force || ModifiedNs(fs, processed_ok) <= *newest_raw;
            if (run_clean) {
              auto s = RunCleanStep(shared, fs, *clean.options, {}, *clean.memory_mb);
              if (!s.ok()) return Fail(s.status(), "all: clean");
              if (!shared.json) PrintCleanSummary(*s);
              j.Key("clean").Raw(s->ToJson());
            } else {
              if (!shared.json) fmt::print("clean: up to date ({} is newer than every raw file)\n", processed_ok);
              j.Key("clean").String("up to date");
            }

            bool run_features = run_clean || ModifiedNs(fs, features_ok) <= ModifiedNs(fs, processed_ok);
            if (run_features) {
              features->processed_dir = shared.Layout("processed");
              features->features_dir = shared.Layout("features");
              auto s = pipeline::RunFeatures(fs, *features);
              if (!s.ok()) return Fail(s.status(), "all: features");
              if (!shared.json) PrintFeaturesSummary(*s);
              j.Key("features").Raw(s->ToJson());
            } else {
              if (!shared.json) fmt::print("features: up to date ({} is newer than the clean trips)\n", features_ok);
              j.Key("features").String("up to date");
            }

            auto latest = fs.ReadAll(fs::JoinPath(shared.Layout("models"), "latest"));
            std::string latest_ok = latest.ok() ? fs::JoinPath(fs::JoinPath(shared.Layout("models"), std::string(core::Trim(*latest))), "_SUCCESS") : "";
            bool run_train = run_features || latest_ok.empty() || ModifiedNs(fs, latest_ok) <= ModifiedNs(fs, features_ok);
            if (run_train) {
              train->features_dir = shared.Layout("features");
              train->models_dir = shared.Layout("models");
              train->version = NowVersion();
              train->created_utc = train->version;
              train->thresholds = features->thresholds;
              auto s = pipeline::RunTrain(fs, *train);
              if (!s.ok()) return Fail(s.status(), "all: train");
              if (!shared.json) fmt::print("{}\nSaved: {} (models/latest -> {})\n", s->FormatReport(), s->model_dir, s->version);
              j.Key("train").Raw(s->card_json);
            } else {
              auto report = fs.ReadAll(fs::JoinPath(fs::JoinPath(shared.Layout("models"), std::string(core::Trim(*latest))), "report.txt"));
              if (!shared.json) fmt::print("train: up to date (model {})\n{}", core::Trim(*latest), report.ok() ? *report : "");
              j.Key("train").String("up to date");
            }
            j.EndObject().EndObject();
            if (shared.json) fmt::print("{}\n", j.str());
            return kExitOk;
          }};
}

}  // namespace traffic::cli
