// Internal: RAII over the XGBoost C API, shared by CongestionClassifier and SpeedRegressor.
// Not part of the module's public API; callers use classifier.h / regressor.h.
//
// Every XGBoost call is checked; a failure becomes a core::Status carrying XGBGetLastError().
// XGBoost reports errors as C++ exceptions caught inside its C API, so nothing escapes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/model/boosting_options.h"
#include "traffic/model/chunk_source.h"
#include "traffic/model/feature_matrix.h"

namespace traffic::model::internal {

struct BoosterParams : BoostingOptions {
  std::string objective;    // "multi:softprob", "reg:squarederror", ...
  int num_class = 0;        // > 0 only for multi-class objectives
  std::string eval_metric;  // metric watched on the validation set ("mlogloss", "mae"); lower = better
};

// The rows and targets XGBoost trains or validates on. weights is empty or one per row.
struct TrainingData {
  FeatureMatrix features;
  std::span<const float> labels;
  std::span<const float> weights;
};
using TrainingChunks = ChunkSource<TrainingData>;

struct BoosterDeleter {
  void operator()(void* handle) const;
};
using BoosterPtr = std::unique_ptr<void, BoosterDeleter>;

class Booster {
 public:
  // Trains num_rounds rounds (fewer with early stopping, in which case the model is cut back to
  // the best round and best_iteration()/best_score() are set and saved with it).
  static core::Result<Booster> Train(const TrainingData& train, const TrainingData* validation,
                                     const BoosterParams& params);
  // The same from chunks (chunk_source.h): the sets are never in memory whole, only XGBoost's
  // quantized matrices of them. Every chunk must have the first one's layout, and all or none
  // of them weights.
  static core::Result<Booster> Train(TrainingChunks& train, TrainingChunks* validation, const BoosterParams& params);

  // Loads an XGBoost JSON model from memory. Corrupt if XGBoost refuses the bytes or the model
  // has no feature names (we need them to check layouts).
  static core::Result<Booster> FromJson(std::string_view json, int nthread);

  core::Result<std::string> ToJson() const;

  // XGBoost's own configuration of the model (objective, num_class, ...), as JSON.
  core::Result<std::string> ConfigJson() const;

  // The objective ("multi:softprob") and num_class (0 for single-output models), read from
  // ConfigJson. Corrupt if they cannot be read.
  struct Kind {
    std::string objective;
    int num_class = 0;
  };
  core::Result<Kind> ReadKind() const;

  // Raw model output (probabilities for multi:softprob), row-major, outputs_per_row per row.
  // Checks the layout of x against the model's first; Internal if XGBoost's output shape
  // differs from rows x outputs_per_row.
  core::Result<std::vector<float>> Predict(const FeatureMatrix& x, std::size_t outputs_per_row) const;

  const std::vector<std::string>& feature_names() const { return feature_names_; }
  int num_boosted_rounds() const { return num_boosted_rounds_; }
  std::optional<int> best_iteration() const { return best_iteration_; }
  std::optional<double> best_score() const { return best_score_; }
  // The watched metric on the validation set after each round (not saved with the model).
  const std::vector<double>& validation_history() const { return validation_history_; }

 private:
  Booster() = default;
  core::Status ReadBack();  // fills the fields below from the handle

  BoosterPtr handle_;
  int nthread_ = 1;
  std::vector<std::string> feature_names_;
  int num_boosted_rounds_ = 0;
  std::optional<int> best_iteration_;
  std::optional<double> best_score_;
  std::vector<double> validation_history_;
};

// Status for a failed XGBoost call (rc != 0): "what: <XGBGetLastError, without the timestamp,
// source position and stack trace>". OK when rc == 0.
core::Status XgbStatus(int rc, core::StatusCode code, std::string_view what);

}  // namespace traffic::model::internal
