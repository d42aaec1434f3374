// BoostingOptions: the XGBoost training knobs shared by every model in traffic::model.
#pragma once

#include <cstdint>

namespace traffic::model {

struct BoostingOptions {
  int num_rounds = 200;
  int max_depth = 6;
  double eta = 0.1;
  int nthread = 2;         // XGBoost threads for training and prediction (>= 1)
  std::int64_t seed = 0;   // same data, options and seed => identical model
  double subsample = 1.0;  // row sampling per tree (the seed matters only when < 1)
  double colsample_bytree = 1.0;
  double min_child_weight = 1.0;
  double lambda = 1.0;  // L2 regularisation
  // Stop when the validation metric has not improved for this many rounds, and keep the model
  // of the best round. 0 = off. Needs a validation set.
  int early_stopping_rounds = 0;
};

}  // namespace traffic::model
