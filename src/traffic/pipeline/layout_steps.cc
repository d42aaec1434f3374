#include "traffic/pipeline/layout_steps.h"

#include <algorithm>

#include "traffic/pipeline/model_store.h"
#include "traffic/pipeline/reference_data.h"

namespace traffic::pipeline {
namespace {

// Modification time of a file, or -1 when it does not exist.
int64_t ModifiedNs(fs::FileSystem& fs, const std::string& path) {
  auto info = fs.Stat(path);
  return info.ok() ? info->modified_ns : -1;
}

core::Result<int64_t> NewestInput(fs::FileSystem& fs, const std::string& raw_dir) {
  TRAFFIC_ASSIGN_OR_RETURN(auto files, fs.ListFilesRecursive(raw_dir, {".csv"}));
  if (files.empty()) {
    return core::Status::NotFound("no CSV files in folder " + raw_dir +
                                  ": run `traffic generate` or copy trip files there");
  }
  int64_t newest = 0;
  for (const auto& f : files) newest = std::max(newest, f.modified_ns);
  return newest;
}

}  // namespace

core::Result<CleanSummary> RunCleanInLayout(fs::FileSystem& layout_fs, const DataLayout& layout,
                                            CleanOptions options, const std::string& geo_dir) {
  auto local = fs::MakeLocalFileSystem();
  TRAFFIC_ASSIGN_OR_RETURN(auto reference, LoadReferenceData(*local, ResolveGeoDir(geo_dir)));
  if (options.inputs.empty()) options.inputs = {layout.Raw()};
  options.output_dir = layout.Processed();
  return RunClean(*local, layout_fs, *local, *reference, geo::Grid(), options);
}

core::Result<FeaturesSummary> RunFeaturesInLayout(fs::FileSystem& layout_fs, const DataLayout& layout,
                                                  FeaturesOptions options) {
  options.processed_dir = layout.Processed();
  options.features_dir = layout.Features();
  return RunFeatures(layout_fs, options);
}

core::Result<TrainSummary> RunTrainInLayout(fs::FileSystem& layout_fs, const DataLayout& layout,
                                            TrainOptions options) {
  options.features_dir = layout.Features();
  options.models_dir = layout.Models();
  return RunTrain(layout_fs, options);
}

core::Status RunAll(fs::FileSystem& fs, const DataLayout& layout, const AllOptions& options,
                    AllSummary* summary) {
  summary->processed_success = fs::JoinPath(layout.Processed(), "_SUCCESS");
  summary->features_success = fs::JoinPath(layout.Features(), "_SUCCESS");

  TRAFFIC_ASSIGN_OR_RETURN(int64_t newest_raw, NewestInput(fs, layout.Raw()));
  bool run_clean = options.force || ModifiedNs(fs, summary->processed_success) <= newest_raw;
  if (run_clean) {
    CleanOptions clean = options.clean;
    clean.inputs.clear();
    auto s = RunCleanInLayout(fs, layout, std::move(clean), options.geo_dir);
    if (!s.ok()) {
      summary->failed_step = "clean";
      return s.status();
    }
    summary->clean = std::move(*s);
  }

  bool run_features =
      run_clean || ModifiedNs(fs, summary->features_success) <= ModifiedNs(fs, summary->processed_success);
  if (run_features) {
    auto s = RunFeaturesInLayout(fs, layout, options.features);
    if (!s.ok()) {
      summary->failed_step = "features";
      return s.status();
    }
    summary->features = std::move(*s);
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
  bool run_train = run_features || latest_success.empty() ||
                   ModifiedNs(fs, latest_success) <= ModifiedNs(fs, summary->features_success);
  if (run_train) {
    TrainOptions train = options.train;
    train.version = NowVersion();
    train.created_utc = train.version;
    train.thresholds = options.features.thresholds;
    auto s = RunTrainInLayout(fs, layout, std::move(train));
    if (!s.ok()) {
      summary->failed_step = "train";
      return s.status();
    }
    summary->train = std::move(*s);
  } else {
    summary->latest_version = *latest;
    auto report = fs.ReadAll(fs::JoinPath(models.VersionDir(*latest), "report.txt"));
    summary->latest_report = report.ok() ? *report : "";
  }
  return core::Status::Ok();
}

}  // namespace traffic::pipeline
