#include "traffic/model/evaluation.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace traffic::model {

int64_t ValidationFromMs(core::UtcTime train_from, core::UtcTime split, int days) {
  const int64_t split_s = core::ToEpochSeconds(split);
  const int64_t train_days = (split_s - core::ToEpochSeconds(train_from)) / 86400;
  int64_t held = days > 0 ? days : (train_days >= 21 ? 7 : 1);
  held = std::min<int64_t>(held, train_days - 2);
  return held > 0 ? (split_s - held * 86400) * 1000 : split_s * 1000;
}

int PersistenceLevel(double speed_15m, double speed_60m, const window::LevelThresholds& thresholds) {
  return static_cast<int>(window::LevelFor(PersistenceSpeed(speed_15m, speed_60m), thresholds));
}

int ProfileLevel(double profile_speed, const window::LevelThresholds& thresholds) {
  return static_cast<int>(window::LevelFor(profile_speed, thresholds));
}

HorizonSplit SplitExamples(const ExampleView& examples, const SplitOptions& options) {
  HorizonSplit out;
  ExampleSplitter(options).Split(examples, &out);
  return out;
}

void ExampleSplitter::Split(const ExampleView& examples, HorizonSplit* split) {
  const SplitOptions& options = options_;
  assert(options.train_stride >= 1);
  const size_t width = examples.width;
  const size_t rows = examples.t_ms.size();
  assert(examples.features.size() == rows * width && examples.is_test.size() == rows &&
         examples.targets.size() == rows);
  const BaselineColumns& c = options.columns;
  assert(c.speed_15m >= 0 && static_cast<size_t>(c.speed_15m) < width && c.speed_60m >= 0 &&
         static_cast<size_t>(c.speed_60m) < width && c.profile_speed >= 0 &&
         static_cast<size_t>(c.profile_speed) < width);
  const bool speeds = !examples.target_speeds.empty();
  assert(!speeds || examples.target_speeds.size() == rows);
  HorizonSplit& out = *split;
  for (auto* v : {&out.train_x, &out.valid_x, &out.test_x}) v->clear();
  for (auto* v : {&out.train_y, &out.valid_y, &out.test_y, &out.persistence, &out.profile}) v->clear();
  for (auto* v : {&out.train_speed, &out.valid_speed}) v->clear();
  for (auto* v : {&out.test_speed, &out.persistence_speed, &out.profile_speed}) v->clear();
  int64_t& train_seen = train_seen_;
  for (size_t i = 0; i < rows; ++i) {
    const int target = examples.targets[i];
    if (target < 0) continue;
    const float* row = examples.features.data() + i * width;
    const float speed = speeds ? examples.target_speeds[i] : 0.0f;
    if (examples.is_test[i]) {
      out.test_x.insert(out.test_x.end(), row, row + width);
      out.test_y.push_back(target);
      out.persistence.push_back(PersistenceLevel(row[c.speed_15m], row[c.speed_60m], options.thresholds));
      out.profile.push_back(ProfileLevel(row[c.profile_speed], options.thresholds));
      if (speeds) {
        out.test_speed.push_back(speed);
        out.persistence_speed.push_back(PersistenceSpeed(row[c.speed_15m], row[c.speed_60m]));
        out.profile_speed.push_back(row[c.profile_speed]);
      }
    } else if (examples.t_ms[i] >= options.validation_from_ms) {
      out.valid_x.insert(out.valid_x.end(), row, row + width);
      out.valid_y.push_back(target);
      if (speeds) out.valid_speed.push_back(speed);
    } else if (train_seen++ % options.train_stride == 0) {
      out.train_x.insert(out.train_x.end(), row, row + width);
      out.train_y.push_back(target);
      if (speeds) out.train_speed.push_back(speed);
    }
  }
}

core::Result<PredictorReports> EvaluatePredictors(std::span<const int> actual, std::span<const int> model,
                                                  std::span<const int> persistence, std::span<const int> profile) {
  PredictorReports r;
  TRAFFIC_ASSIGN_OR_RETURN(r.model, Evaluate(actual, model));
  TRAFFIC_ASSIGN_OR_RETURN(r.persistence, Evaluate(actual, persistence));
  TRAFFIC_ASSIGN_OR_RETURN(r.profile, Evaluate(actual, profile));
  return r;
}

}  // namespace traffic::model
