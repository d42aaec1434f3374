// Observed congestion level (DESIGN.md "Events, windows and watermarks"): the one definition of
// Low / Medium / High used by windows, features, targets, baselines, messages and the dashboard.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace traffic::window {

// Values are stable: they are the class labels of the model (0 = Low, 1 = Medium, 2 = High).
enum class CongestionLevel : uint8_t { kLow = 0, kMedium = 1, kHigh = 2 };
inline constexpr int kCongestionLevelCount = 3;

struct LevelThresholds {
  double high_below_mph = 10.0;  // avg speed <  this -> High
  double low_above_mph = 20.0;   // avg speed >  this -> Low; in between (inclusive) -> Medium
};

// High if avg_speed_mph < high_below_mph, Low if > low_above_mph, else Medium (both bounds
// inclusive in Medium: exactly 10 and exactly 20 mph are Medium with the defaults).
// Precondition: avg_speed_mph is not NaN (a window with no trips has no level).
inline CongestionLevel LevelFor(double avg_speed_mph, const LevelThresholds& t = {}) {
  if (avg_speed_mph < t.high_below_mph) return CongestionLevel::kHigh;
  if (avg_speed_mph > t.low_above_mph) return CongestionLevel::kLow;
  return CongestionLevel::kMedium;
}

// "Low", "Medium", "High".
std::string_view LevelName(CongestionLevel level);
// Inverse of LevelName (exact, case-sensitive); nullopt for anything else.
std::optional<CongestionLevel> ParseLevel(std::string_view name);

}  // namespace traffic::window
