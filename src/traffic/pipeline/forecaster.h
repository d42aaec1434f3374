// A trained model folder (models/<version>/: model_15m.json, model_30m.json, model_60m.json,
// profile.txt, card.json) loaded for forecasting: the stream and any batch scoring use it.
//
// Loading checks everything a wrong file could break, with errors naming the file: every file
// against the size and hash the card lists for it (a flipped bit, a truncated profile), the folder
// or a file missing, a truncated or corrupt model, a card or model trained on another feature
// layout than this build computes, a profile that does not parse.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/features/feature_row.h"
#include "traffic/features/profile.h"
#include "traffic/fs/file_system.h"
#include "traffic/model/classifier.h"

namespace traffic::pipeline {

struct Forecast {
  std::array<int8_t, features::kHorizonCount> level{};        // 0 Low, 1 Medium, 2 High
  std::array<float, features::kHorizonCount> confidence{};    // probability of that level
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

 private:
  Forecaster() = default;
  std::string version_;
  features::HistoricalProfile profile_;
  std::vector<model::CongestionClassifier> models_;  // one per horizon
};

}  // namespace traffic::pipeline
