#include "traffic/clean/rules.h"

#include <fmt/format.h>

namespace traffic::clean {

core::UtcTime CleaningRules::DefaultMinTime() { return core::NewYorkToUtc({2009, 1, 1, 0, 0, 0}); }

std::optional<core::UtcTime> CleaningRules::EffectiveMaxTime() const {
  if (max_time) return max_time;
  if (now) return *now + std::chrono::hours(24);
  return std::nullopt;
}

std::optional<trip::RejectReason> CheckTrip(const trip::Trip& t, const CleaningRules& r) {
  using trip::RejectReason;
  const std::optional<core::UtcTime> max_time = r.EffectiveMaxTime();
  auto in_range = [&](core::UtcTime time) { return time >= r.min_time && (!max_time || time <= *max_time); };
  if (!in_range(t.pickup_time) || !in_range(t.dropoff_time)) return RejectReason::kTimeOutOfRange;
  auto in_box = [&](double lat, double lon) {
    return lat >= r.min_lat && lat <= r.max_lat && lon >= r.min_lon && lon <= r.max_lon;
  };
  if (!in_box(t.pickup_lat, t.pickup_lon)) return RejectReason::kPickupOutOfBounds;
  if (!in_box(t.dropoff_lat, t.dropoff_lon)) return RejectReason::kDropoffOutOfBounds;
  int64_t duration = t.duration_s();
  if (duration <= 0) return RejectReason::kDropoffNotAfterPickup;
  if (duration < r.min_duration_s || duration > r.max_duration_s) return RejectReason::kDurationOutOfRange;
  if (!(t.distance_mi >= r.min_distance_mi && t.distance_mi <= r.max_distance_mi)) {
    return RejectReason::kDistanceOutOfRange;
  }
  double speed = t.speed_mph();
  if (!(speed >= r.min_speed_mph && speed <= r.max_speed_mph)) return RejectReason::kSpeedOutOfRange;
  return std::nullopt;
}

std::string DescribeRuleFailure(const trip::Trip& t, trip::RejectReason reason, const CleaningRules& r) {
  using trip::RejectReason;
  std::string name(trip::RejectReasonName(reason));
  auto box = [&](double lat, double lon) {
    return fmt::format("({}, {}) (allowed lat {}..{}, lon {}..{})", lat, lon, r.min_lat, r.max_lat, r.min_lon,
                       r.max_lon);
  };
  switch (reason) {
    case RejectReason::kPickupOutOfBounds:
      return name + ": pickup " + box(t.pickup_lat, t.pickup_lon);
    case RejectReason::kDropoffOutOfBounds:
      return name + ": dropoff " + box(t.dropoff_lat, t.dropoff_lon);
    case RejectReason::kDropoffNotAfterPickup:
      return fmt::format("{}: dropoff {} s after pickup", name, t.duration_s());
    case RejectReason::kDurationOutOfRange:
      return fmt::format("{}: {} s (allowed {}..{})", name, t.duration_s(), r.min_duration_s, r.max_duration_s);
    case RejectReason::kDistanceOutOfRange:
      return fmt::format("{}: {} mi (allowed {}..{})", name, t.distance_mi, r.min_distance_mi, r.max_distance_mi);
    case RejectReason::kSpeedOutOfRange:
      return fmt::format("{}: {} mph (allowed {}..{})", name, t.speed_mph(), r.min_speed_mph, r.max_speed_mph);
    default:
      return name;
  }
}

int64_t RejectCounts::Total() const {
  int64_t total = 0;
  for (int64_t n : by_reason) total += n;
  return total;
}

void RejectCounts::Merge(const RejectCounts& other) {
  for (size_t i = 0; i < by_reason.size(); ++i) by_reason[i] += other.by_reason[i];
}

MonthKey MonthOfPickup(const trip::Trip& t) {
  core::LocalDateTime local = core::UtcToNewYork(t.pickup_time);
  return {local.year, local.month};
}

}  // namespace traffic::clean
