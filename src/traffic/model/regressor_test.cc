#include "traffic/model/regressor.h"

#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "traffic/model/metrics.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::model {
namespace {

const std::vector<std::string> kNames = {"speed_recent_mph", "hour_local"};

// target = speed_recent + 2 (+ small noise); hour is noise.
struct Data {
  std::vector<float> values;
  std::vector<float> targets;
  std::size_t rows = 0;
  FeatureMatrix Matrix() const { return FeatureMatrix{values, rows, kNames}; }
  RegressionData Regression() const { return RegressionData{Matrix(), targets}; }
};

Data Make(std::size_t rows, std::uint32_t seed) {
  std::mt19937 gen(seed);
  auto u = [&gen](double lo, double hi) { return lo + (hi - lo) * (gen() / 4294967296.0); };
  Data d;
  d.rows = rows;
  for (std::size_t i = 0; i < rows; ++i) {
    double speed = u(2, 40);
    d.values.push_back(static_cast<float>(speed));
    d.values.push_back(static_cast<float>(static_cast<int>(u(0, 24))));
    d.targets.push_back(static_cast<float>(speed + 2 + u(-0.5, 0.5)));
  }
  return d;
}

RegressorOptions Options() {
  RegressorOptions o;
  o.num_rounds = 100;
  o.max_depth = 4;
  o.eta = 0.3;
  o.seed = 3;
  o.subsample = 0.8;
  return o;
}

TEST(RegressorTest, LearnsAndRoundTripsThroughJson) {
  Data train = Make(800, 1);
  Data test = Make(200, 2);
  auto model = SpeedRegressor::Train(train.Regression(), Options());
  ASSERT_OK(model);
  auto pred = model->Predict(test.Matrix());
  ASSERT_OK(pred);
  ASSERT_EQ(pred->size(), 200u);
  std::vector<double> actual(test.targets.begin(), test.targets.end());
  std::vector<double> predicted(pred->begin(), pred->end());
  EXPECT_LT(*MeanAbsoluteError(actual, predicted), 1.0);

  auto loaded = SpeedRegressor::FromJson(*model->ToJson());
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->feature_names(), kNames);
  EXPECT_EQ(*loaded->Predict(test.Matrix()), *pred);

  auto again = SpeedRegressor::Train(train.Regression(), Options());
  EXPECT_EQ(*again->Predict(test.Matrix()), *pred);  // deterministic for a seed
}

TEST(RegressorTest, ClassifierJsonIsNotARegressor) {
  Data train = Make(100, 3);
  std::vector<int> labels;
  for (float t : train.targets) labels.push_back(t > 20 ? 0 : (t >= 10 ? 1 : 2));
  ClassifierOptions o;
  o.num_rounds = 2;
  auto clf = CongestionClassifier::Train(LabeledData{train.Matrix(), labels}, o);
  ASSERT_OK(clf);
  auto loaded = SpeedRegressor::FromJson(*clf->ToJson());
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("not a speed regressor: objective 'multi:softprob'"), std::string::npos)
      << loaded.status().message();
}

TEST(RegressorTest, EarlyStoppingOnValidationMae) {
  Data train = Make(500, 4);
  Data valid = Make(200, 5);
  RegressorOptions o = Options();
  o.num_rounds = 500;
  o.early_stopping_rounds = 5;
  auto v = valid.Regression();
  auto model = SpeedRegressor::Train(train.Regression(), o, &v);
  ASSERT_OK(model);
  ASSERT_TRUE(model->best_iteration().has_value());
  EXPECT_EQ(model->num_boosted_rounds(), *model->best_iteration() + 1);
  EXPECT_LT(model->num_boosted_rounds(), 500);
  EXPECT_LT(*model->best_validation_mae(), 1.0);
}

TEST(RegressorTest, RejectsNonFiniteTargets) {
  Data train = Make(20, 6);
  train.targets[4] = std::numeric_limits<float>::quiet_NaN();
  auto model = SpeedRegressor::Train(train.Regression(), Options());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("row 4"), std::string::npos);
}

}  // namespace
}  // namespace traffic::model
