// `traffic features`: clean trips -> forecast examples (DESIGN.md "Forecast").
//
// Replays the clean trips in event-time order through the same window and feature code the
// stream uses (window::Windower -> features::FeatureBuilder -> features::Labeler) and writes the
// examples to features/ as Parquet, with the historical profile (profile.txt) and the split.
//
// The split is by time, never at random: the last `test_days` New York local days are the test
// period. The historical profile is fitted on the training period only (a first pass over the
// trips), so no test-period trip reaches any feature. Training rows whose label horizon (t + 60
// min) reaches into the test period are dropped (an embargo), so no test trip reaches a training
// label either.
#pragma once

#include <algorithm>
#include <string>

#include "traffic/core/status.h"
#include "traffic/features/labeler.h"
#include "traffic/fs/file_system.h"
#include "traffic/window/windower.h"

namespace traffic::pipeline {

// The test period a city would use: with three weeks or more, the last whole week, so that every
// hour of the week is tested and each has at least two training days; with less, about a fifth
// of the days (at least one).
inline int DefaultTestDays(int days) { return days >= 21 ? 7 : std::max(1, (days + 2) / 5); }

struct FeaturesOptions {
  std::string processed_dir;  // input: clean trips
  std::string features_dir;   // output
  int test_days = 0;          // 0: DefaultTestDays
  window::WindowOptions window;
  int min_trips = 3;  // a target needs at least this many trips in [t, t + h)
  window::LevelThresholds thresholds;
  // Training examples see the profile without their own clock hours (features::ProfileHoldout
  // says why). Off only to compare batch rows with the stream's, which never holds out.
  bool hold_out_own_hours = true;
};

struct FeaturesSummary {
  int64_t trips = 0;
  int64_t windows = 0;
  int64_t rows_train = 0;
  int64_t rows_test = 0;
  int64_t rows_embargoed = 0;               // training rows dropped because their horizon reaches the test period
  std::array<int64_t, 3> labelled_train{};  // rows with a target, per horizon
  std::array<int64_t, 3> labelled_test{};
  core::UtcTime first_event, last_event;
  core::UtcTime train_from, split, test_to;  // train [train_from, split), test [split, test_to)
  int days = 0, test_days = 0;
  int64_t late_events = 0;
  double seconds = 0;
  std::string features_dir;
  std::string ToJson() const;
};

core::Result<FeaturesSummary> RunFeatures(fs::FileSystem& fs, const FeaturesOptions& options);

// The split recorded by a features run (its _SUCCESS), for `traffic train`.
struct FeatureSplit {
  core::UtcTime train_from, split, test_to;
  std::string layout_id;
  std::string summary_json;  // the whole _SUCCESS (trips, windows, days, events: provenance)
};
core::Result<FeatureSplit> ReadFeatureSplit(fs::FileSystem& fs, const std::string& features_dir);

}  // namespace traffic::pipeline
