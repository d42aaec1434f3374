#include "traffic/features/feature_row.h"

#include <cmath>

#include "traffic/core/hash.h"

namespace traffic::features {
namespace {

bool Same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace

bool SameRow(const FeatureRow& a, const FeatureRow& b) {
  bool same = a.t == b.t && a.cell == b.cell && a.count_5m == b.count_5m && Same(a.speed_5m, b.speed_5m) &&
              a.count_15m == b.count_15m && Same(a.speed_15m, b.speed_15m) && a.count_15_30m == b.count_15_30m &&
              Same(a.speed_15_30m, b.speed_15_30m) && a.count_60m == b.count_60m && Same(a.speed_60m, b.speed_60m) &&
              Same(a.speed_std_60m, b.speed_std_60m) && Same(a.distance_mi_60m, b.distance_mi_60m) &&
              Same(a.duration_min_60m, b.duration_min_60m) && a.nbr_count_15m == b.nbr_count_15m &&
              Same(a.nbr_speed_15m, b.nbr_speed_15m) && a.calendar.local_hour == b.calendar.local_hour &&
              a.calendar.iso_weekday == b.calendar.iso_weekday && a.calendar.is_weekend == b.calendar.is_weekend &&
              a.calendar.is_rush_hour == b.calendar.is_rush_hour && a.calendar.is_night == b.calendar.is_night &&
              Same(a.profile_speed, b.profile_speed) && Same(a.profile_trips_per_hour, b.profile_trips_per_hour) &&
              a.profile_fallback == b.profile_fallback && Same(a.anomaly_5m, b.anomaly_5m) &&
              Same(a.anomaly_15m, b.anomaly_15m) && Same(a.anomaly_15_30m, b.anomaly_15_30m) &&
              Same(a.anomaly_60m, b.anomaly_60m) && Same(a.anomaly_trend, b.anomaly_trend) &&
              a.slow_minutes == b.slow_minutes && Same(a.nbr_anomaly_15m, b.nbr_anomaly_15m) &&
              Same(a.city_anomaly_15m, b.city_anomaly_15m) && Same(a.city_anomaly_60m, b.city_anomaly_60m) &&
              a.target == b.target && a.target_count == b.target_count;
  for (int i = 0; i < kHorizonCount && same; ++i) {
    same = Same(a.target_speed[i], b.target_speed[i]) && Same(a.profile_ahead[i], b.profile_ahead[i]) &&
           Same(a.anomaly_speed_ahead[i], b.anomaly_speed_ahead[i]);
  }
  return same;
}

const std::vector<std::string>& FeatureNames() {
  static const std::vector<std::string> kNames = {
      "count_5m",          "speed_5m",          "count_15m",         "speed_15m",         "count_15_30m",
      "speed_15_30m",      "count_60m",         "speed_60m",         "speed_std_60m",     "distance_mi_60m",
      "duration_min_60m",  "nbr_count_15m",     "nbr_speed_15m",     "local_hour",        "iso_weekday",
      "is_rush_hour",      "is_weekend",        "is_night",          "profile_speed",     "profile_trips_per_hour",
      "profile_fallback",  "anomaly_5m",        "anomaly_15m",       "anomaly_15_30m",    "anomaly_60m",
      "anomaly_trend",     "slow_minutes",      "nbr_anomaly_15m",   "city_anomaly_15m",  "city_anomaly_60m",
      "profile_ahead_15m", "profile_ahead_30m", "profile_ahead_60m", "anomaly_speed_15m", "anomaly_speed_30m",
      "anomaly_speed_60m",
  };
  return kNames;
}

std::string FeatureLayoutId() {
  std::string joined;
  for (const auto& n : FeatureNames()) joined += n + ",";
  return "v1-" + core::HashToHex(core::StableHash64(joined));
}

void ToVector(const FeatureRow& r, float* out) {
  const double v[kFeatureCount] = {
      static_cast<double>(r.count_5m),
      r.speed_5m,
      static_cast<double>(r.count_15m),
      r.speed_15m,
      static_cast<double>(r.count_15_30m),
      r.speed_15_30m,
      static_cast<double>(r.count_60m),
      r.speed_60m,
      r.speed_std_60m,
      r.distance_mi_60m,
      r.duration_min_60m,
      static_cast<double>(r.nbr_count_15m),
      r.nbr_speed_15m,
      static_cast<double>(r.calendar.local_hour),
      static_cast<double>(r.calendar.iso_weekday),
      r.calendar.is_rush_hour ? 1.0 : 0.0,
      r.calendar.is_weekend ? 1.0 : 0.0,
      r.calendar.is_night ? 1.0 : 0.0,
      r.profile_speed,
      r.profile_trips_per_hour,
      r.profile_fallback ? 1.0 : 0.0,
      r.anomaly_5m,
      r.anomaly_15m,
      r.anomaly_15_30m,
      r.anomaly_60m,
      r.anomaly_trend,
      static_cast<double>(r.slow_minutes),
      r.nbr_anomaly_15m,
      r.city_anomaly_15m,
      r.city_anomaly_60m,
      r.profile_ahead[0],
      r.profile_ahead[1],
      r.profile_ahead[2],
      r.anomaly_speed_ahead[0],
      r.anomaly_speed_ahead[1],
      r.anomaly_speed_ahead[2],
  };
  for (int i = 0; i < kFeatureCount; ++i) out[i] = static_cast<float>(v[i]);
}

}  // namespace traffic::features
