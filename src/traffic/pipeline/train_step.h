// `traffic train`: forecast examples -> one XGBoost model per horizon, evaluated on the test
// period against two baselines, saved with a model card.
//
// The time split, the baselines (persistence and the historical profile) and the metrics are
// model/evaluation.h's; this step reads the examples, trains, and writes the model folder.
#pragma once

#include <array>
#include <string>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/model/classifier.h"
#include "traffic/model/metrics.h"
#include "traffic/window/level.h"

namespace traffic::pipeline {

struct TrainOptions {
  std::string features_dir;
  std::string models_dir;
  std::string version;       // the model's folder name under models_dir (the CLI makes it from the clock)
  model::ClassifierOptions classifier;
  int train_stride = 1;      // keep every n-th training example (they are minute by minute, so
                             // neighbours are near-duplicates); the test set is never thinned
  bool balanced_class_weights = true;
  window::LevelThresholds thresholds;
  std::string created_utc;   // for the card
};

struct HorizonResult {
  int minutes = 0;
  int64_t train_rows = 0;
  int64_t validation_rows = 0;
  int64_t test_rows = 0;
  int rounds = 0;
  model::ClassificationReport model, persistence, profile;
  std::string model_file;
};

struct TrainSummary {
  std::string version;
  std::string model_dir;
  std::string train_from, split, test_to;
  std::array<HorizonResult, 3> horizons;
  double seconds = 0;
  std::string card_json;       // what card.json holds
  std::string FormatReport() const;  // the human report (also saved as report.txt)
};

core::Result<TrainSummary> RunTrain(fs::FileSystem& fs, const TrainOptions& options);

}  // namespace traffic::pipeline
