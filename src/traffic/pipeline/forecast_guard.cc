#include "traffic/pipeline/forecast_guard.h"

#include <fmt/format.h>

#include "traffic/features/feature_row.h"

namespace traffic::pipeline {

std::string GuardSwitch::Describe(std::chrono::seconds period) const {
  const bool to_persistence = to == codec::ForecastSource::kPersistence;
  return fmt::format(
      "{} min: the model (live macro-F1 {:.3f}) {} persistence ({:.3f}) over the last {} h ({} forecasts "
      "scored): publishing {}",
      horizon_minutes, scores.model().macro_f1, to_persistence ? "fell below" : "beats again",
      scores.persistence().macro_f1, period.count() / 3600.0, scores.persistence().count,
      to_persistence ? "persistence" : "the model");
}

ForecastGuard::ForecastGuard(std::array<codec::ForecastSource, model::kLiveHorizons> initial, GuardOptions options)
    : sources_(initial), options_(options) {}

std::vector<GuardSwitch> ForecastGuard::Update(
    const std::array<model::HorizonLiveScores, model::kLiveHorizons>& scores) {
  std::vector<GuardSwitch> switches;
  for (size_t h = 0; options_.switching && h < sources_.size(); ++h) {
    const auto& s = scores[h];
    if (s.model().count < options_.min_examples || s.persistence().count < options_.min_examples) continue;
    codec::ForecastSource next = sources_[h];
    if (sources_[h] == codec::ForecastSource::kModel && s.model().macro_f1 < s.persistence().macro_f1) {
      next = codec::ForecastSource::kPersistence;
    } else if (sources_[h] == codec::ForecastSource::kPersistence &&
               s.model().macro_f1 > s.persistence().macro_f1 + options_.switch_back_margin) {
      next = codec::ForecastSource::kModel;
    }
    if (next != sources_[h]) {
      sources_[h] = next;
      switches.push_back({.horizon_minutes = features::kHorizonsMin[h], .to = next, .scores = s});
    }
  }
  return switches;
}

}  // namespace traffic::pipeline
