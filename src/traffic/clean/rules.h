// The cleaning rules of DESIGN.md "Trips", each configurable, applied in one fixed order so that
// every rejected trip is counted under exactly one reason: the first rule it fails.
//   times in range -> pickup in box -> dropoff in box -> dropoff after pickup -> duration ->
//   distance -> speed
// (Parse failures and duplicates are decided elsewhere, before and after these rules.)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "traffic/core/time.h"
#include "traffic/trip/trip.h"

namespace traffic::clean {

struct CleaningRules {
  // Bounds inclusive, for pickup and dropoff alike.
  double min_lat = 40.4774;
  double max_lat = 40.9176;
  double min_lon = -74.2591;
  double max_lon = -73.7004;
  int64_t min_duration_s = 60;
  int64_t max_duration_s = 10800;
  double min_distance_mi = 0.1;
  double max_distance_mi = 100;
  double min_speed_mph = 1;
  double max_speed_mph = 60;
  // Pickup and dropoff must lie in [min_time, max_time] (years like 1900 or 9999 parse but are
  // wrong). Default: from 2009-01-01 00:00 New York (the first TLC month) to a day after `now`.
  core::UtcTime min_time = DefaultMinTime();
  std::optional<core::UtcTime> max_time;  // nullopt: `now` + 1 day
  // The run's clock reading, passed in as data: this module never reads the clock. Without it
  // (and without max_time) there is no upper limit.
  std::optional<core::UtcTime> now;

  static core::UtcTime DefaultMinTime();
  // The upper limit in force: max_time, else now + 1 day, else none.
  std::optional<core::UtcTime> EffectiveMaxTime() const;
};

// nullopt when the trip passes every rule. The one code path for `traffic clean` and the stream.
std::optional<trip::RejectReason> CheckTrip(const trip::Trip& t, const CleaningRules& rules);

// One line for a rejects file or a dead letter: the reason's name, then the value and the
// allowed range, e.g. "speed_out_of_range: 3000 mph (allowed 1..60)". `reason` is what
// CheckTrip returned for `t`.
std::string DescribeRuleFailure(const trip::Trip& t, trip::RejectReason reason, const CleaningRules& rules);

// A count per reject reason.
struct RejectCounts {
  std::array<int64_t, trip::kRejectReasonCount> by_reason{};
  void Add(trip::RejectReason reason, int64_t n = 1) { by_reason[static_cast<size_t>(reason)] += n; }
  int64_t Get(trip::RejectReason reason) const { return by_reason[static_cast<size_t>(reason)]; }
  int64_t Total() const;
  void Merge(const RejectCounts& other);
};

// The partition a trip is stored in: the New York local year and month of its pickup, as the TLC
// publishes its monthly files.
struct MonthKey {
  int year = 0;
  int month = 0;
  auto operator<=>(const MonthKey&) const = default;
};
MonthKey MonthOfPickup(const trip::Trip& t);

}  // namespace traffic::clean
