// CongestionClassifier: a 3-class XGBoost model (0 = Low, 1 = Medium, 2 = High congestion) over a
// named feature layout. It knows nothing of trips or files: it learns from a FeatureMatrix and
// labels, predicts probabilities, and turns itself into XGBoost JSON bytes and back (the caller
// decides where the bytes live: local disk, HDFS).
//
// Contracts:
//  - The feature layout (names, in order) is saved inside the XGBoost JSON (its feature_names)
//    and checked on every Predict: data of another layout is an InvalidArgument naming the first
//    difference, never a silent wrong answer.
//  - Same data, options and seed (and nthread) => identical model and predictions.
//  - ToJson -> FromJson gives identical predictions.
//  - FromJson of truncated, corrupt or foreign bytes (not a 3-class multi:softprob model with
//    feature names) is a kCorrupt Status saying what is wrong.
//  - Predict is const and may run on several threads at once (XGBoost 1.7 prediction is
//    thread-safe for tree boosters). The object is move-only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/model/boosting_options.h"
#include "traffic/model/chunk_source.h"
#include "traffic/model/feature_matrix.h"
#include "traffic/model/xgboost_booster.h"

namespace traffic::model {

inline constexpr int kNumClasses = 3;
// Index = class label.
inline constexpr std::array<std::string_view, kNumClasses> kClassNames = {"Low", "Medium", "High"};

struct ClassifierOptions : BoostingOptions {
  // The validation metric (early stopping, best_iteration) is mlogloss.
  // Empty = every row weighs 1. Else kNumClasses weights (> 0); a row of class c weighs
  // class_weights[c] (passed to XGBoost as sample weights). See BalancedClassWeights.
  std::vector<double> class_weights;
};

// Rows with their labels (each in [0, kNumClasses)).
struct LabeledData {
  FeatureMatrix features;
  std::span<const int> labels;
};

using LabeledChunks = ChunkSource<LabeledData>;

// n / (kNumClasses * count(c)) per class, the usual "balanced" weights; 1 for absent classes.
std::vector<double> BalancedClassWeights(std::span<const int> labels);
// The same from the count of each class.
std::vector<double> BalancedClassWeights(const std::array<int64_t, kNumClasses>& counts);

// Class probabilities for num_rows rows, row-major, kNumClasses per row (each row sums to ~1).
struct ClassProbabilities {
  std::vector<float> values;
  std::size_t num_rows = 0;

  std::span<const float> Row(std::size_t i) const {
    return std::span<const float>(values).subspan(i * kNumClasses, kNumClasses);
  }
};

struct ClassPrediction {
  int label = 0;            // argmax class (the lowest index on ties)
  float confidence = 0.0f;  // its probability
};

// Argmax class and confidence of each row.
std::vector<ClassPrediction> ArgMax(const ClassProbabilities& proba);

struct LoadOptions {
  // Empty = accept the model's layout (Predict still checks every matrix). Else FromJson fails
  // unless the model has exactly this layout.
  std::vector<std::string> expected_feature_names;
  int nthread = 1;  // threads for prediction
};

class CongestionClassifier {
 public:
  // Trains on `train`; with `validation`, also records validation mlogloss per round and
  // (with early_stopping_rounds) stops early. InvalidArgument for inconsistent inputs (shape,
  // labels out of range, layouts of train and validation differ, bad options).
  static core::Result<CongestionClassifier> Train(const LabeledData& train, const ClassifierOptions& options,
                                                  const LabeledData* validation = nullptr);
  // The same from chunks (chunk_source.h), for sets too big to hold in memory whole.
  static core::Result<CongestionClassifier> Train(LabeledChunks& train, const ClassifierOptions& options,
                                                  LabeledChunks* validation = nullptr);

  // Loads XGBoost JSON bytes (as written by ToJson, or by XGBoost itself if the model is a
  // multi:softprob model with num_class 3 and feature names).
  static core::Result<CongestionClassifier> FromJson(std::string_view json, const LoadOptions& options = {});

  // The model as XGBoost JSON (loadable by XGBoost's Python/R/CLI too).
  core::Result<std::string> ToJson() const;

  core::Result<ClassProbabilities> PredictProba(const FeatureMatrix& x) const;
  core::Result<std::vector<ClassPrediction>> Predict(const FeatureMatrix& x) const;

  // OK if data with these feature names can be given to Predict; else the reason.
  core::Status CheckFeatureLayout(std::span<const std::string> feature_names) const;

  const std::vector<std::string>& feature_names() const { return booster_.feature_names(); }
  std::size_t num_features() const { return booster_.feature_names().size(); }
  int num_boosted_rounds() const { return booster_.num_boosted_rounds(); }
  // Set when trained with a validation set (and saved in the model): the round (0-based) with the
  // lowest validation mlogloss, and that mlogloss. With early stopping the model ends there.
  std::optional<int> best_iteration() const { return booster_.best_iteration(); }
  std::optional<double> best_validation_mlogloss() const { return booster_.best_score(); }
  // Validation mlogloss after each round; only after Train (not saved).
  const std::vector<double>& validation_history() const { return booster_.validation_history(); }

 private:
  explicit CongestionClassifier(internal::Booster booster) : booster_(std::move(booster)) {}
  internal::Booster booster_;
};

}  // namespace traffic::model
