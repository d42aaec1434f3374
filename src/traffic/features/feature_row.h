// One forecast example (DESIGN.md "Forecast"): what is known about a cell at time t, and, in
// batch, the observed level over the next 15/30/60 minutes. The feature layout is fixed and named
// so that a model can check that it was trained on the same layout it is fed.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "traffic/core/time.h"
#include "traffic/geo/grid.h"
#include "traffic/trip/trip.h"

namespace traffic::features {

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// Forecast horizons, minutes. Targets are indexed like this array.
inline constexpr std::array<int, 3> kHorizonsMin = {15, 30, 60};
inline constexpr int kHorizonCount = static_cast<int>(kHorizonsMin.size());
inline constexpr int8_t kNoTarget = -1;
inline constexpr double kSlowAnomaly = 0.8;

struct FeatureRow {
  core::UtcTime t;  // a window boundary; every feature uses only trips with event_time < t
  geo::CellId cell;

  // The cell's own recent windows (speeds are trip means; NaN when the range has no trips).
  int32_t count_5m = 0;  // [t-5, t)
  double speed_5m = kMissing;
  int32_t count_15m = 0;  // [t-15, t)
  double speed_15m = kMissing;
  int32_t count_15_30m = 0;  // [t-30, t-15)
  double speed_15_30m = kMissing;
  int32_t count_60m = 0;  // [t-60, t)
  double speed_60m = kMissing;
  double speed_std_60m = kMissing;     // population std of trip speeds; NaN under 2 trips
  double distance_mi_60m = kMissing;   // mean trip distance
  double duration_min_60m = kMissing;  // mean trip duration

  // The 8 neighbouring cells (inside the grid) over [t-15, t): total trips and trip-weighted
  // mean speed (NaN when they have no trips).
  int32_t nbr_count_15m = 0;
  double nbr_speed_15m = kMissing;

  trip::Calendar calendar;  // trip::CalendarAt(t)

  // HistoricalProfile::Lookup(cell, HourOfWeek(t)).
  double profile_speed = kMissing;
  double profile_trips_per_hour = kMissing;
  bool profile_fallback = true;

  // Against the profile (what the weekly profile misses: incidents, the city's drift). An
  // anomaly is a range's mean speed over the cell's HistoricalProfile::SmoothedSpeed at the
  // range's middle (1: as usual; 0.5: half as fast); NaN without trips or profile.
  double anomaly_5m = kMissing;      // [t-5, t)
  double anomaly_15m = kMissing;     // [t-15, t)
  double anomaly_15_30m = kMissing;  // [t-30, t-15)
  double anomaly_60m = kMissing;     // [t-60, t)
  double anomaly_trend = kMissing;   // the anomaly of [t-5, t) over that of [t-20, t-5)
  // How long the cell has been slow: the minutes back from t covered by whole 5-minute ranges
  // with anomaly below kSlowAnomaly, passing over ranges without trips; 0..60.
  int32_t slow_minutes = 0;
  // The 8 neighbours over [t-15, t): their trip-weighted speed over their trip-weighted profile.
  double nbr_anomaly_15m = kMissing;
  // The same over every cell the builder holds (the city; in the stream, the worker's cells):
  // the city-wide drift.
  double city_anomaly_15m = kMissing;
  double city_anomaly_60m = kMissing;
  // The profile of each target window: SmoothedSpeed at t + h/2.
  std::array<double, kHorizonCount> profile_ahead = {kMissing, kMissing, kMissing};
  // profile_ahead[i] x the cell's latest anomaly (anomaly_15m, else anomaly_60m): the speed of
  // the target window if the anomaly lasts.
  std::array<double, kHorizonCount> anomaly_speed_ahead = {kMissing, kMissing, kMissing};

  // Set by the Labeler (batch only). target[i]: the level (0 Low, 1 Medium, 2 High, as
  // window::CongestionLevel) of the cell's trips in [t, t + kHorizonsMin[i]), or kNoTarget when
  // they are fewer than the minimum or not observed; such an example is not used for horizon i.
  std::array<int8_t, kHorizonCount> target = {kNoTarget, kNoTarget, kNoTarget};
  std::array<int32_t, kHorizonCount> target_count = {0, 0, 0};
  std::array<double, kHorizonCount> target_speed = {kMissing, kMissing, kMissing};
};

// Compares every field, NaN equal to NaN (for tests and batch/stream equality checks).
bool SameRow(const FeatureRow& a, const FeatureRow& b);

// The model's input layout, in order. Stable: changing it changes FeatureLayoutId().
const std::vector<std::string>& FeatureNames();
inline constexpr int kFeatureCount = 36;
// "v1-" + 16 hex digits of a stable hash of the names: store it with the model, compare at load.
std::string FeatureLayoutId();
// Writes kFeatureCount floats in FeatureNames() order: counts as numbers, booleans as 0/1,
// missing values as NaN (XGBoost's missing).
void ToVector(const FeatureRow& row, float* out);

}  // namespace traffic::features
