// Regression tests: XGBoost 1.7.4 segfaulted loading a model whose tree_info was one entry short
// (found by flipping bytes of a saved model); ValidateModelJson must refuse such files first.
#include "traffic/model/model_json.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "traffic/model/classifier.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::model {
namespace {

const std::vector<std::string> kNames = {"speed", "count"};

std::string TrainedModelJson() {
  std::vector<float> values;
  std::vector<int> labels;
  for (int i = 0; i < 90; ++i) {
    float speed = static_cast<float>(i % 30);
    values.push_back(speed);
    values.push_back(static_cast<float>(i % 7));
    labels.push_back(speed > 20 ? 0 : (speed >= 10 ? 1 : 2));
  }
  ClassifierOptions o;
  o.num_rounds = 2;
  o.max_depth = 3;
  o.nthread = 1;
  auto model = CongestionClassifier::Train(LabeledData{FeatureMatrix{values, 90, kNames}, labels}, o);
  EXPECT_OK(model);
  return *model->ToJson();
}

std::string ReplaceFirst(std::string s, std::string_view from, std::string_view to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

void ExpectCorrupt(const std::string& json, std::string_view expected) {
  core::Status st = internal::ValidateModelJson(json);
  ASSERT_FALSE(st.ok()) << "accepted, expected: " << expected;
  EXPECT_EQ(st.code(), core::StatusCode::kCorrupt);
  EXPECT_NE(st.message().find(expected), std::string::npos) << st.message();
  // And the public loader refuses it the same way instead of crashing.
  auto loaded = CongestionClassifier::FromJson(json);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), core::StatusCode::kCorrupt);
}

TEST(ModelJsonTest, AcceptsWhatXGBoostWrites) {
  std::string json = TrainedModelJson();
  core::Status st = internal::ValidateModelJson(json);
  EXPECT_OK(st);
}

TEST(ModelJsonTest, TreeInfoShorterThanNumTrees) {
  std::string json = ReplaceFirst(TrainedModelJson(), R"("tree_info":[0,1,2,)", R"("tree_info":[0,1,)");
  ExpectCorrupt(json, "num_trees is 6 but there are 6 trees and 5 tree_info entries");
}

TEST(ModelJsonTest, ChildIndexOutOfRange) {
  std::string json = ReplaceFirst(TrainedModelJson(), R"("left_children":[1,)", R"("left_children":[99,)");
  ExpectCorrupt(json, "tree 0: node 0 has child 99 outside");
}

TEST(ModelJsonTest, ArrayLengthDisagreesWithNumNodes) {
  std::string json = ReplaceFirst(TrainedModelJson(), R"("split_indices":[0,)", R"("split_indices":[)");
  ExpectCorrupt(json, "tree 0: split_indices has");
}

TEST(ModelJsonTest, SplitOnAFeatureTheModelDoesNotHave) {
  std::string json = ReplaceFirst(TrainedModelJson(), R"("split_indices":[0,)", R"("split_indices":[5,)");
  ExpectCorrupt(json, "tree 0: node 0 splits on feature 5, the model has 2");
}

TEST(ModelJsonTest, MissingSection) {
  std::string json = ReplaceFirst(TrainedModelJson(), R"("gradient_booster")", R"("gradient_boosterX")");
  ExpectCorrupt(json, "learner has no 'gradient_booster'");
}

}  // namespace
}  // namespace traffic::model
