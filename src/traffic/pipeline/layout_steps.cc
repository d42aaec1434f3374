#include "traffic/pipeline/layout_steps.h"

#include <algorithm>

#include "traffic/core/json_writer.h"
#include "traffic/pipeline/model_store.h"
#include "traffic/pipeline/reference_data.h"

namespace traffic::pipeline {
namespace {

// Modification time of a file, or -1 when it does not exist.
int64_t ModifiedNs(fs::FileSystem& fs, const std::string& path) {
  auto info = fs.Stat(path);
  return info.ok() ? info->modified_ns : -1;
}

// The raw CSV files (at least one) and the newest modification time among them.
core::Result<std::vector<fs::FileInfo>> RawInputs(fs::FileSystem& fs, const std::string& raw_dir, int64_t* newest) {
  TRAFFIC_ASSIGN_OR_RETURN(auto files, fs.ListFilesRecursive(raw_dir, {".csv"}));
  if (files.empty()) {
    return core::Status::NotFound("no CSV files in folder " + raw_dir +
                                  ": run `traffic generate` or copy trip files there");
  }
  *newest = 0;
  for (const auto& f : files) *newest = std::max(*newest, f.modified_ns);
  return files;
}

// Issue 8 item 13: what a step's output was built from, written by `all` beside it (kRecipeFile)
// once the step succeeded: the options that change the output and, for clean, every raw file
// (path, bytes, modification time). `all` reruns a step whose recipe is missing or differs. A
// standalone run of the step swaps its output folder as a whole, dropping the recipe, so the next
// `all` reruns it once: conservative, never stale.
constexpr char kRecipeFile[] = "_RECIPE";

void WriteThresholds(core::JsonWriter& j, const window::LevelThresholds& t) {
  j.Key("high_below_mph").Double(t.high_below_mph).Key("low_above_mph").Double(t.low_above_mph);
}

std::string CleanRecipe(const CleanOptions& o, const std::vector<fs::FileInfo>& raw) {
  const clean::CleaningRules& r = o.rules;
  core::JsonWriter j;
  j.BeginObject().Key("step").String("clean");
  j.Key("box").BeginArray().Double(r.min_lat).Double(r.max_lat).Double(r.min_lon).Double(r.max_lon).EndArray();
  j.Key("duration_s").BeginArray().Int(r.min_duration_s).Int(r.max_duration_s).EndArray();
  j.Key("distance_mi").BeginArray().Double(r.min_distance_mi).Double(r.max_distance_mi).EndArray();
  j.Key("speed_mph").BeginArray().Double(r.min_speed_mph).Double(r.max_speed_mph).EndArray();
  j.Key("min_time").String(core::FormatIsoUtc(r.min_time));
  // The default upper time limit follows the clock (a day after now): only a given one counts.
  j.Key("max_time");
  if (r.max_time)
    j.String(core::FormatIsoUtc(*r.max_time));
  else
    j.Null();
  j.Key("skip_bad_files").Bool(o.skip_bad_files).Key("max_record_bytes").Int(static_cast<int64_t>(o.max_record_bytes));
  j.Key("inputs").BeginArray();
  for (const auto& f : raw) {
    j.BeginObject().Key("path").String(f.path).Key("bytes").Int(static_cast<int64_t>(f.size_bytes));
    j.Key("modified_ns").Int(f.modified_ns).EndObject();
  }
  j.EndArray().EndObject();
  return j.str();
}

std::string FeaturesRecipe(const FeaturesOptions& o) {
  core::JsonWriter j;
  j.BeginObject().Key("step").String("features").Key("test_days").Int(o.test_days).Key("min_trips").Int(o.min_trips);
  j.Key("window_s").Int(o.window.window_size.count()).Key("lateness_s").Int(o.window.allowed_lateness.count());
  const geo::GridSpec& g = o.window.grid;
  j.Key("grid")
      .BeginArray()
      .Double(g.origin_lat)
      .Double(g.origin_lon)
      .Double(g.cell_deg)
      .Int(g.rows)
      .Int(g.cols)
      .EndArray();
  WriteThresholds(j, o.thresholds);
  j.EndObject();
  return j.str();
}

std::string TrainRecipe(const TrainOptions& o) {
  const model::ClassifierOptions& c = o.classifier;
  core::JsonWriter j;
  j.BeginObject().Key("step").String("train").Key("rounds").Int(c.num_rounds).Key("max_depth").Int(c.max_depth);
  j.Key("eta").Double(c.eta).Key("seed").Int(c.seed).Key("subsample").Double(c.subsample);
  j.Key("colsample_bytree").Double(c.colsample_bytree).Key("min_child_weight").Double(c.min_child_weight);
  j.Key("lambda").Double(c.lambda).Key("early_stopping_rounds").Int(c.early_stopping_rounds);
  j.Key("train_stride").Int(o.train_stride).Key("balanced_class_weights").Bool(o.balanced_class_weights);
  WriteThresholds(j, o.thresholds);
  j.EndObject();
  return j.str();
}

// True when `dir` holds the recipe `want` (a missing or unreadable one differs).
bool SameRecipe(fs::FileSystem& fs, const std::string& dir, const std::string& want) {
  auto have = fs.ReadAll(fs::JoinPath(dir, kRecipeFile));
  return have.ok() && *have == want + "\n";
}

core::Status WriteRecipe(fs::FileSystem& fs, const std::string& dir, const std::string& recipe) {
  return fs.WriteAll(fs::JoinPath(dir, kRecipeFile), recipe + "\n", fs::WriteMode::kAtomic);
}

}  // namespace

core::Result<CleanSummary> RunCleanInLayout(fs::FileSystem& layout_fs, const DataLayout& layout, CleanOptions options,
                                            const std::string& geo_dir) {
  auto local = fs::MakeLocalFileSystem();
  TRAFFIC_ASSIGN_OR_RETURN(auto reference, LoadReferenceData(*local, ResolveGeoDir(geo_dir)));
  if (options.inputs.empty()) options.inputs = {layout.Raw()};
  options.output_dir = layout.Processed();
  // Inputs are read where the layout is (HDFS with --hdfs: raw/ or the paths named there); the
  // geometry and the rejects file stay on the local disk.
  return RunClean(layout_fs, layout_fs, *local, *reference, geo::Grid(), options);
}

core::Result<FeaturesSummary> RunFeaturesInLayout(fs::FileSystem& layout_fs, const DataLayout& layout,
                                                  FeaturesOptions options) {
  options.processed_dir = layout.Processed();
  options.features_dir = layout.Features();
  return RunFeatures(layout_fs, options);
}

core::Result<TrainSummary> RunTrainInLayout(fs::FileSystem& layout_fs, const DataLayout& layout, TrainOptions options) {
  options.features_dir = layout.Features();
  options.models_dir = layout.Models();
  return RunTrain(layout_fs, options);
}

core::Status RunAll(fs::FileSystem& fs, const DataLayout& layout, const AllOptions& options, AllSummary* summary) {
  summary->processed_success = fs::JoinPath(layout.Processed(), "_SUCCESS");
  summary->features_success = fs::JoinPath(layout.Features(), "_SUCCESS");

  int64_t newest_raw = 0;
  TRAFFIC_ASSIGN_OR_RETURN(auto raw_files, RawInputs(fs, layout.Raw(), &newest_raw));
  const std::string clean_recipe = CleanRecipe(options.clean, raw_files);
  bool run_clean = options.force || ModifiedNs(fs, summary->processed_success) <= newest_raw ||
                   !SameRecipe(fs, layout.Processed(), clean_recipe);
  if (run_clean) {
    CleanOptions clean = options.clean;
    clean.inputs.clear();
    auto s = RunCleanInLayout(fs, layout, std::move(clean), options.geo_dir);
    if (!s.ok()) {
      summary->failed_step = "clean";
      return s.status();
    }
    summary->clean = std::move(*s);
    TRAFFIC_RETURN_IF_ERROR(WriteRecipe(fs, layout.Processed(), clean_recipe));
  }

  const std::string features_recipe = FeaturesRecipe(options.features);
  bool run_features = run_clean ||
                      ModifiedNs(fs, summary->features_success) <= ModifiedNs(fs, summary->processed_success) ||
                      !SameRecipe(fs, layout.Features(), features_recipe);
  if (run_features) {
    auto s = RunFeaturesInLayout(fs, layout, options.features);
    if (!s.ok()) {
      summary->failed_step = "features";
      return s.status();
    }
    summary->features = std::move(*s);
    TRAFFIC_RETURN_IF_ERROR(WriteRecipe(fs, layout.Features(), features_recipe));
  }

  ModelStore models(fs, layout.Models());
  // The newest model trained, promoted or not (a model that lost to a baseline is not
  // models/latest, but retraining on the same features would only lose again).
  auto versions = models.ListVersions();
  core::Result<std::string> latest = core::Status::NotFound("no model");
  int64_t newest_ns = 0;
  for (const auto& v : versions.ok() ? *versions : std::vector<std::string>{}) {
    int64_t ns = ModifiedNs(fs, fs::JoinPath(models.VersionDir(v), "_SUCCESS"));
    if (!latest.ok() || ns > newest_ns) {
      latest = v;
      newest_ns = ns;
    }
  }
  std::string latest_success = latest.ok() ? fs::JoinPath(models.VersionDir(*latest), "_SUCCESS") : "";
  TrainOptions train = options.train;
  train.thresholds = options.features.thresholds;
  const std::string train_recipe = TrainRecipe(train);
  bool run_train = run_features || latest_success.empty() ||
                   ModifiedNs(fs, latest_success) <= ModifiedNs(fs, summary->features_success) ||
                   !SameRecipe(fs, models.VersionDir(*latest), train_recipe);
  if (run_train) {
    // Two runs in one second would name the same version: the second takes a suffix.
    train.created_utc = NowVersion();
    train.version = train.created_utc;
    for (int n = 2; !models.CheckNewVersion(train.version).ok() && n < 100; ++n) {
      train.version = train.created_utc + "-" + std::to_string(n);
    }
    auto s = RunTrainInLayout(fs, layout, std::move(train));
    if (!s.ok()) {
      summary->failed_step = "train";
      return s.status();
    }
    TRAFFIC_RETURN_IF_ERROR(WriteRecipe(fs, models.VersionDir(s->version), train_recipe));
    summary->train = std::move(*s);
  } else {
    summary->latest_version = *latest;
    auto report = fs.ReadAll(fs::JoinPath(models.VersionDir(*latest), "report.txt"));
    summary->latest_report = report.ok() ? *report : "";
  }
  return core::Status::Ok();
}

}  // namespace traffic::pipeline
