// The generator's speed model (generator.h) as pure functions, shared by the generator and its
// oracle (oracle.h), so the ceiling is computed from the very model that drew the trips.
#pragma once

#include <cstdint>
#include <vector>

#include "traffic/geo/grid.h"

namespace traffic::generate::speed_model {

inline constexpr double kTripLogSpeedSigma = 0.28;  // per-trip noise of log speed
inline constexpr double kCityLogSigma = 0.06;       // stationary sd of the city factor's log
inline constexpr double kCityTimeConstantMin = 120.0;
inline constexpr double kCityPhi = 0.99170129;  // the city factor's AR(1) step per minute: exp(-1 / 120)

// What the calibration knows of one cell's speed.
struct CellSpeed {
  float log_factor = 0;  // log speed against the hourly profile
  bool manhattan = false;
  bool airport = false;  // trips from here are longer, hence faster
};
// By dense cell index of `grid`; cells the calibration never saw: {0, false, false}.
std::vector<CellSpeed> CellSpeeds(const geo::Grid& grid);

// Relative pickup demand of the minute starting at `minute_start` (UTC epoch seconds), from its
// centre's New York hour of week; mean 1 over a week.
double DemandWeight(int64_t minute_start);
// Log of the median trip speed (mph) of the hourly profile at the minute's centre.
double LogProfileMph(bool manhattan, int64_t minute_start);
// A trip's speed: median speed x (miles / kReference miles)^elasticity x exp(noise), clamped to
// kMinMph..kMaxMph; its duration miles / speed, clamped to kMinDurationS..kMaxDurationS.
inline constexpr double kMinMph = 2.5, kMaxMph = 55.0;
inline constexpr int64_t kMinDurationS = 60, kMaxDurationS = 10800;
struct TripLength {
  double log_median, log_sigma;  // lognormal road miles, truncated to 0.15..40
};
TripLength TripLengthFrom(bool airport);
double SpeedDistanceElasticity();
double ReferenceLogMiles();  // the log median length of trips not from an airport

}  // namespace traffic::generate::speed_model
