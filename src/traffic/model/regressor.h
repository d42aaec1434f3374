// SpeedRegressor: an XGBoost regression model (e.g. a cell's average speed in mph over the next
// horizon) over a named feature layout. Same contracts as CongestionClassifier (classifier.h):
// layout saved in the XGBoost JSON and checked on Predict, deterministic for a seed, JSON round
// trip exact, corrupt or foreign bytes -> kCorrupt. Move-only.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/model/boosting_options.h"
#include "traffic/model/chunk_source.h"
#include "traffic/model/classifier.h"  // LoadOptions
#include "traffic/model/feature_matrix.h"
#include "traffic/model/xgboost_booster.h"

namespace traffic::model {

struct RegressorOptions : BoostingOptions {
  // XGBoost objective: "reg:squarederror" (mean) or "reg:absoluteerror" (median). The validation
  // metric (early stopping, best_iteration) is MAE either way.
  std::string objective = "reg:squarederror";
};

// Rows with their targets (finite).
struct RegressionData {
  FeatureMatrix features;
  std::span<const float> targets;
};

using RegressionChunks = ChunkSource<RegressionData>;

class SpeedRegressor {
 public:
  static core::Result<SpeedRegressor> Train(const RegressionData& train, const RegressorOptions& options,
                                            const RegressionData* validation = nullptr);
  // The same from chunks (chunk_source.h), for sets too big to hold in memory whole.
  static core::Result<SpeedRegressor> Train(RegressionChunks& train, const RegressorOptions& options,
                                            RegressionChunks* validation = nullptr);
  // Accepts XGBoost JSON of a single-output "reg:*" model with feature names.
  static core::Result<SpeedRegressor> FromJson(std::string_view json, const LoadOptions& options = {});
  core::Result<std::string> ToJson() const;

  // One value per row.
  core::Result<std::vector<float>> Predict(const FeatureMatrix& x) const;
  core::Status CheckFeatureLayout(std::span<const std::string> feature_names) const;

  const std::vector<std::string>& feature_names() const { return booster_.feature_names(); }
  int num_boosted_rounds() const { return booster_.num_boosted_rounds(); }
  std::optional<int> best_iteration() const { return booster_.best_iteration(); }
  std::optional<double> best_validation_mae() const { return booster_.best_score(); }
  const std::vector<double>& validation_history() const { return booster_.validation_history(); }

 private:
  explicit SpeedRegressor(internal::Booster booster) : booster_(std::move(booster)) {}
  internal::Booster booster_;
};

}  // namespace traffic::model
