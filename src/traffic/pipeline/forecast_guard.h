// Never a forecast worse than persistence, live (DESIGN.md "Live scoring"): per horizon, who
// publishes, decided from the live scores of the sliding period (model/live_scores.h). It starts
// from the model card's verdict (Forecaster::source); once the period holds at least
// `min_examples` scored forecasts at a horizon, the model hands over to persistence when its
// macro-F1 there is below persistence's, and takes back over only when it beats persistence by
// more than `switch_back_margin` (hysteresis, so two close predictors do not flap minute by
// minute). Pure; the caller logs the switches.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "traffic/codec/prediction_message.h"
#include "traffic/model/live_scores.h"

namespace traffic::pipeline {

struct GuardOptions {
  int64_t min_examples = 200;
  double switch_back_margin = 0.01;
  // Off: the card's verdict decides, whatever the live scores say (they are still kept and
  // reported).
  bool switching = true;
};

struct GuardSwitch {
  int32_t partition = 0;  // the input partition whose guard switched (0 without Kafka)
  int horizon_minutes = 0;
  codec::ForecastSource to = codec::ForecastSource::kModel;
  model::HorizonLiveScores scores;
  // "30 min: the model (live macro-F1 0.702) fell below persistence (0.731) over the last 6 h
  // (412 forecasts): publishing persistence"
  std::string Describe(std::chrono::seconds period) const;
};

class ForecastGuard {
 public:
  explicit ForecastGuard(std::array<codec::ForecastSource, model::kLiveHorizons> initial = {},
                         GuardOptions options = {});

  // Applies the rule to the scores of each horizon; the switches made, in horizon order.
  std::vector<GuardSwitch> Update(const std::array<model::HorizonLiveScores, model::kLiveHorizons>& scores);
  codec::ForecastSource source(size_t h) const { return sources_[h]; }
  // Restoring a partition's state: who publishes, as it was.
  void set_sources(const std::array<codec::ForecastSource, model::kLiveHorizons>& sources) { sources_ = sources; }
  const std::array<codec::ForecastSource, model::kLiveHorizons>& sources() const { return sources_; }

 private:
  std::array<codec::ForecastSource, model::kLiveHorizons> sources_;
  GuardOptions options_;
};

}  // namespace traffic::pipeline
