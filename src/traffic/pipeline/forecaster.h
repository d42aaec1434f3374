// A trained model folder (models/<version>/: model_15m.json, model_30m.json, model_60m.json,
// profile.txt, card.json) loaded for forecasting: the stream and any batch scoring use it.
//
// Loading checks everything a wrong file could break, with errors naming the file: every file
// against the size and hash the card lists for it (a flipped bit, a truncated profile), the folder
// or a file missing, a truncated or corrupt model, a card or model trained on another feature
// layout than this build computes, a profile that does not parse.
//
// Never a forecast worse than persistence (DESIGN.md "Forecast"): at a horizon where the card says
// the model did not beat persistence on its test days (macro-F1), the forecaster publishes
// persistence's level instead, with source kPersistence and as confidence the precision of that
// level for persistence on the same test days. Live scoring over a sliding period (switching
// while streaming) is not built yet; this decision is the test days'.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "traffic/codec/prediction_message.h"
#include "traffic/core/status.h"
#include "traffic/features/feature_row.h"
#include "traffic/features/profile.h"
#include "traffic/fs/file_system.h"
#include "traffic/model/classifier.h"
#include "traffic/model/decision_rule.h"
#include "traffic/window/level.h"

namespace traffic::pipeline {

struct Forecast {
  // What is published: per horizon the card's choice (source()); the stream's live guard may
  // publish the other candidate instead (pipeline/forecast_guard.h).
  std::array<int8_t, features::kHorizonCount> level{};      // 0 Low, 1 Medium, 2 High
  std::array<float, features::kHorizonCount> confidence{};  // probability of that level
  std::array<codec::ForecastSource, features::kHorizonCount> source{};
  // Both candidates, always computed (live scoring scores both).
  std::array<int8_t, features::kHorizonCount> model_level{};
  std::array<float, features::kHorizonCount> model_confidence{};
  std::array<int8_t, features::kHorizonCount> persistence_level{};
  std::array<float, features::kHorizonCount> persistence_confidence{};

  // Publishes the given candidate at horizon h.
  void Choose(size_t h, codec::ForecastSource from);
};

class Forecaster {
 public:
  // `version` "latest" reads models/latest.
  static core::Result<std::unique_ptr<Forecaster>> Load(fs::FileSystem& fs, const std::string& models_dir,
                                                        const std::string& version = "latest");
  const std::string& version() const { return version_; }
  const features::HistoricalProfile& profile() const { return profile_; }
  // One forecast per row, in order.
  core::Result<std::vector<Forecast>> Predict(const std::vector<features::FeatureRow>& rows) const;
  // Who forecasts at horizon index h (features::kHorizonsMin): the model, or persistence where the
  // model lost to it on its test days.
  codec::ForecastSource source(size_t h) const { return sources_[h]; }
  // How the model's level is decided at horizon index h (the card's decision_rule).
  const model::DecisionRule& rule(size_t h) const { return rules_[h]; }

 private:
  Forecaster() = default;
  std::array<codec::ForecastSource, features::kHorizonCount> sources_{};
  // [horizon][level]: persistence's precision for that level on the test days (its confidence).
  std::array<std::array<float, window::kCongestionLevelCount>, features::kHorizonCount> persistence_confidence_{};
  std::array<model::DecisionRule, features::kHorizonCount> rules_;  // the card's decision_rule
  window::LevelThresholds thresholds_;
  std::string version_;
  features::HistoricalProfile profile_;
  std::vector<model::CongestionClassifier> models_;  // one per horizon
};

}  // namespace traffic::pipeline
