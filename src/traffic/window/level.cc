#include "traffic/window/level.h"

namespace traffic::window {

std::string_view LevelName(CongestionLevel level) {
  switch (level) {
    case CongestionLevel::kLow:
      return "Low";
    case CongestionLevel::kMedium:
      return "Medium";
    case CongestionLevel::kHigh:
      return "High";
  }
  return "Unknown";
}

std::optional<CongestionLevel> ParseLevel(std::string_view name) {
  if (name == "Low") return CongestionLevel::kLow;
  if (name == "Medium") return CongestionLevel::kMedium;
  if (name == "High") return CongestionLevel::kHigh;
  return std::nullopt;
}

}  // namespace traffic::window
