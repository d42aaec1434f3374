// How a congestion forecast is evaluated (DESIGN.md "Forecast"): split by time, never at random;
// the model is compared with two baselines on the same test examples. Pure functions of their
// inputs (no I/O, no clock), so each step tests with hand-made examples; `traffic train`
// (pipeline/train_step.cc) reads the examples, trains, and calls these.
//
//   - Time split: examples of the test period (is_test, decided by the features step at its split
//     day) test; the others train. When the training period has at least 3 days, its last day is
//     held out as the validation set for early stopping. Training examples may be thinned (every
//     n-th kept: they are minute by minute, so neighbours are near-duplicates); the validation and
//     test sets never are. Unlabelled examples (target < 0) are in no set.
//   - Persistence baseline: the level of the cell's last 15 minutes [t-15, t); when that range had
//     no trips (NaN speed), of the last 60 minutes, which an active cell always has.
//   - Historical profile baseline: the level of the cell's mean speed for the hour of week (the
//     city's when the cell has no history).
//   - Speed: the baselines' speeds are those same recent and profile speeds; a speed forecast
//     is scored by its mean absolute error (mph) against the mean speed over [t, t + h).
//   - Metrics: model::Evaluate (accuracy, macro-F1, per-class recall, confusion matrix) of each
//     predictor; the model "beats" a baseline when its macro-F1 is strictly higher.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/core/time.h"
#include "traffic/model/metrics.h"
#include "traffic/window/level.h"

namespace traffic::model {

// The first example time (ms since the epoch) of the validation set: split - `days` days. `days`
// 0 means automatic: a whole week (every hour of the week validated, not one weekday or one
// Sunday) when the training period [train_from, split) has at least 3 weeks, else 1 day when it
// has at least 3 days, else none (split: no validation set). An explicit `days` is capped so
// that at least 2 whole training days remain before it.
int64_t ValidationFromMs(core::UtcTime train_from, core::UtcTime split, int days = 0);

// The examples of one horizon, as stored by the features step.
struct ExampleView {
  std::span<const float> features;  // row-major, `width` values a row
  size_t width = 0;
  std::span<const int64_t> t_ms;         // the example's time t
  std::span<const uint8_t> is_test;      // nonzero: in the test period
  std::span<const int8_t> targets;       // the level over [t, t + h); negative: unlabelled
  std::span<const float> target_speeds;  // its mean speed (mph); may be empty (no speed sets then)
};

// Feature columns the baselines read.
struct BaselineColumns {
  int speed_15m = -1;
  int speed_60m = -1;
  int profile_speed = -1;
};

struct SplitOptions {
  int64_t validation_from_ms = 0;
  int train_stride = 1;  // >= 1
  BaselineColumns columns;
  window::LevelThresholds thresholds;
};

// The three sets of one horizon, and the baselines' predictions for the test set.
struct HorizonSplit {
  std::vector<float> train_x, valid_x, test_x;  // row-major, width values a row
  std::vector<int> train_y, valid_y, test_y;
  std::vector<int> persistence, profile;  // one per test example
  // The mean speed targets (when the view has them) and the baselines' speeds per test example:
  // for the speed regression and its MAE.
  std::vector<float> train_speed, valid_speed;
  std::vector<double> test_speed, persistence_speed, profile_speed;
};

// Precondition: the columns are < width, the spans have one entry per row.
HorizonSplit SplitExamples(const ExampleView& examples, const SplitOptions& options);

// SplitExamples a chunk at a time (the chunks in the examples' order): it counts the training
// examples across chunks, so the stride keeps the same ones whatever the chunks.
class ExampleSplitter {
 public:
  explicit ExampleSplitter(const SplitOptions& options) : options_(options) {}
  // Replaces *split's contents with this chunk's sets.
  void Split(const ExampleView& chunk, HorizonSplit* split);

 private:
  SplitOptions options_;
  int64_t train_seen_ = 0;
};

// Persistence's speed: the last 15 minutes', or the last hour's when those had no trips (NaN).
inline double PersistenceSpeed(double speed_15m, double speed_60m) {
  return std::isnan(speed_15m) ? speed_60m : speed_15m;
}
int PersistenceLevel(double speed_15m, double speed_60m, const window::LevelThresholds& thresholds);
int ProfileLevel(double profile_speed, const window::LevelThresholds& thresholds);

struct PredictorReports {
  ClassificationReport model, persistence, profile;
  bool beats_persistence() const { return model.macro_f1 > persistence.macro_f1; }
  bool beats_profile() const { return model.macro_f1 > profile.macro_f1; }
};

// InvalidArgument when the predictions are not one per actual label, or a label is out of range.
core::Result<PredictorReports> EvaluatePredictors(std::span<const int> actual, std::span<const int> model,
                                                  std::span<const int> persistence, std::span<const int> profile);

}  // namespace traffic::model
