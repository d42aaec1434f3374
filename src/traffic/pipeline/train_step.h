// `traffic train`: forecast examples -> one XGBoost model per horizon, evaluated on the test
// period against two baselines, saved with a model card.
//
// The time split, the baselines (persistence and the historical profile) and the metrics are
// model/evaluation.h's; this step reads the examples, trains, and writes the model folder.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/model/classifier.h"
#include "traffic/model/decision_rule.h"
#include "traffic/model/metrics.h"
#include "traffic/window/level.h"

namespace traffic::pipeline {

// The classifier settings `traffic train` and `traffic all` start from.
inline model::ClassifierOptions TrainClassifierDefaults() {
  model::ClassifierOptions o;
  o.num_rounds = 300;
  o.max_depth = 6;
  o.eta = 0.1;
  o.early_stopping_rounds = 20;
  o.nthread = 2;
  o.seed = 42;
  return o;
}

struct TrainOptions {
  std::string features_dir;
  std::string models_dir;
  std::string version;  // the model's folder name under models_dir: a new, valid name
                        // (model_store.h); empty: NowVersion()
  model::ClassifierOptions classifier = TrainClassifierDefaults();
  int train_stride = 1;  // keep every n-th training example (they are minute by minute, so
                         // neighbours are near-duplicates); the test set is never thinned
  // Weight classes by inverse frequency in training. Off by default: the decision rule tuned on
  // the validation days does that job for macro-F1 and keeps the probabilities calibrated.
  bool balanced_class_weights = false;
  // Days before the test period held out for early stopping, the decision rule and the choice
  // between classifier and regression (model::ValidationFromMs); 0: automatic. With a week or
  // more held out, the served model is trained again on the training and validation days
  // together, with the rounds the validation chose (a week is too much recent history to leave
  // out); that refit model is the one evaluated and saved.
  int validation_days = 0;
  // Training reads the features table a row group at a time, many times over (each model,
  // its validation and test predictions). While the decoded table fits in this many MB it is kept
  // from the first pass; above, every pass reads Parquet again and memory stays that of a row
  // group plus XGBoost's quantized matrices and gradients (the measured peaks grow by about 100
  // bytes an example of the table: README, Performance).
  int64_t example_cache_mb = 2048;
  std::optional<bool> refit;  // nullopt: as above; else refit (with validation days) or not
  window::LevelThresholds thresholds;
  std::string created_utc;  // for the card; empty: now
  // Point models/latest at the model even when PromotionBlocker finds a reason not to (the stream
  // then publishes persistence at each horizon the model lost, see forecaster.h).
  bool promote = false;
};

struct HorizonResult {
  int minutes = 0;
  int64_t train_rows = 0;
  int64_t validation_rows = 0;
  int64_t test_rows = 0;
  int rounds = 0;
  model::ClassificationReport model, persistence, profile;
  model::DecisionRule rule;        // how the model's level is decided (tuned on validation)
  model::Calibration calibration;  // of its published confidence on the test days
  struct DayTypeScores {
    int64_t examples = 0;
    double model_macro_f1 = 0, persistence_macro_f1 = 0, profile_macro_f1 = 0;
  };
  std::array<DayTypeScores, 2> by_day_type;  // test days: [0] weekdays, [1] weekends
  std::array<DayTypeScores, 24> by_hour;     // test examples by New York hour of day of t
  // The speed regression (an XGBoost model of the mean speed over the horizon, with the
  // classifier's boosting options): its test MAE beside the baselines', and on the validation
  // days the macro-F1 of the level of its speed against the classifier's, which decides the level
  // only when it is higher there. Absent (rounds 0) without validation days.
  struct SpeedScores {
    int rounds = 0;
    double model_mae = 0, persistence_mae = 0, profile_mae = 0;  // mph, test days
    double classifier_validation_macro_f1 = 0, regression_validation_macro_f1 = 0;
  } speed;
  std::string model_file;
};

struct TrainSummary {
  std::string version;
  std::string model_dir;
  std::string train_from, split, test_to;  // ISO UTC
  std::string period_local;                // the same in New York local time, for people
  window::LevelThresholds thresholds;
  bool refit = false;            // the served models were trained again on the validation days too
  bool examples_cached = false;  // the features table was held in memory (TrainOptions::example_cache_mb)
  std::array<HorizonResult, 3> horizons;
  double seconds = 0;
  std::string card_json;             // what card.json holds
  bool promoted = false;             // models/latest points at this model
  std::string not_promoted_because;  // PromotionBlocker's reason ("" when there is none)
  std::string FormatReport() const;  // the human report (also saved as report.txt)
};

// Why a trained model must not become models/latest by itself: a horizon where it does not beat
// persistence or the historical profile in macro-F1 on the test days, or had no validation
// examples. "" when there is none.
std::string PromotionBlocker(const std::array<HorizonResult, 3>& horizons);

// One line per horizon for people: "15 min: beats persistence by 0.031 macro-F1 (0.786 vs 0.755)"
// or "30 min: LOSES to persistence by 0.004 macro-F1 (...): persistence is served at 30 min".
std::string FormatVerdicts(const std::array<HorizonResult, 3>& horizons);

// Writes models_dir/<version> (atomically) and, unless PromotionBlocker finds a reason and
// options.promote is off, points models_dir/latest at it. Refuses a version name that is not
// valid or already exists (InvalidArgument naming it).
core::Result<TrainSummary> RunTrain(fs::FileSystem& fs, const TrainOptions& options);

}  // namespace traffic::pipeline
