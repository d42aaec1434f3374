#include "traffic/model/regressor.h"

#include <cmath>

#include <fmt/format.h>

namespace traffic::model {
namespace {

using core::Result;
using core::Status;

Status CheckTargets(const RegressionData& d, std::string_view what) {
  if (d.targets.size() != d.features.num_rows) {
    return Status::InvalidArgument(
        fmt::format("{}: {} targets for {} rows", what, d.targets.size(), d.features.num_rows));
  }
  for (std::size_t i = 0; i < d.targets.size(); ++i) {
    if (!std::isfinite(d.targets[i])) {
      return Status::InvalidArgument(fmt::format("{}: row {} has target {}, must be finite", what, i, d.targets[i]));
    }
  }
  return Status::Ok();
}

// Checked regression chunks as XGBoost trains on them.
class TrainingChunksOf final : public internal::TrainingChunks {
 public:
  TrainingChunksOf(RegressionChunks& source, std::string_view what) : source_(source), what_(what) {}
  Status Reset() override { return source_.Reset(); }
  Result<const internal::TrainingData*> Next() override {
    TRAFFIC_ASSIGN_OR_RETURN(const RegressionData* chunk, source_.Next());
    if (chunk == nullptr) return static_cast<const internal::TrainingData*>(nullptr);
    TRAFFIC_RETURN_IF_ERROR(CheckTargets(*chunk, what_));
    data_ = internal::TrainingData{chunk->features, chunk->targets, {}};
    return &data_;
  }

 private:
  RegressionChunks& source_;
  std::string what_;
  internal::TrainingData data_;
};

}  // namespace

Result<SpeedRegressor> SpeedRegressor::Train(const RegressionData& train, const RegressorOptions& options,
                                             const RegressionData* validation) {
  SingleChunk<RegressionData> train_chunks(train);
  if (validation == nullptr) return Train(train_chunks, options, nullptr);
  SingleChunk<RegressionData> validation_chunks(*validation);
  return Train(train_chunks, options, &validation_chunks);
}

Result<SpeedRegressor> SpeedRegressor::Train(RegressionChunks& train, const RegressorOptions& options,
                                             RegressionChunks* validation) {
  if (!options.objective.starts_with("reg:")) {
    return Status::InvalidArgument(fmt::format("regressor objective '{}' is not a reg: objective", options.objective));
  }
  internal::BoosterParams p;
  static_cast<BoostingOptions&>(p) = options;
  p.objective = options.objective;
  p.eval_metric = "mae";
  TrainingChunksOf dtrain(train, "training");
  if (validation == nullptr) {
    TRAFFIC_ASSIGN_OR_RETURN(internal::Booster booster, internal::Booster::Train(dtrain, nullptr, p));
    return SpeedRegressor(std::move(booster));
  }
  TrainingChunksOf dvalid(*validation, "validation");
  TRAFFIC_ASSIGN_OR_RETURN(internal::Booster booster, internal::Booster::Train(dtrain, &dvalid, p));
  return SpeedRegressor(std::move(booster));
}

Result<SpeedRegressor> SpeedRegressor::FromJson(std::string_view json, const LoadOptions& options) {
  TRAFFIC_ASSIGN_OR_RETURN(internal::Booster booster, internal::Booster::FromJson(json, options.nthread));
  TRAFFIC_ASSIGN_OR_RETURN(internal::Booster::Kind kind, booster.ReadKind());
  if (!kind.objective.starts_with("reg:") || kind.num_class > 1) {
    return Status::Corrupt(
        fmt::format("not a speed regressor: objective '{}' with num_class {}, expected a 'reg:' objective",
                    kind.objective, kind.num_class));
  }
  if (!options.expected_feature_names.empty()) {
    TRAFFIC_RETURN_IF_ERROR(model::CheckFeatureLayout(booster.feature_names(), options.expected_feature_names)
                                .WithContext("loaded model does not match the expected feature layout"));
  }
  return SpeedRegressor(std::move(booster));
}

Result<std::string> SpeedRegressor::ToJson() const { return booster_.ToJson(); }

Result<std::vector<float>> SpeedRegressor::Predict(const FeatureMatrix& x) const { return booster_.Predict(x, 1); }

Status SpeedRegressor::CheckFeatureLayout(std::span<const std::string> feature_names) const {
  return model::CheckFeatureLayout(booster_.feature_names(), feature_names);
}

}  // namespace traffic::model
