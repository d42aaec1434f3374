#include "traffic/model/decision_rule.h"

#include <gtest/gtest.h>

#include "traffic/testing/status_matchers.h"

namespace traffic::model {
namespace {

constexpr int kLow = 0, kMedium = 1, kHigh = 2;

ClassProbabilities Proba(std::vector<float> values) {
  ClassProbabilities p;
  p.num_rows = values.size() / kNumClasses;
  p.values = std::move(values);
  return p;
}

TEST(DecisionRule, PlainWeightsAreArgmaxAndWeightsMoveTheBoundary) {
  DecisionRule argmax;
  const std::vector<float> p = {0.35f, 0.45f, 0.20f};
  EXPECT_EQ(argmax.Decide(p), kMedium);
  DecisionRule favour_low;
  favour_low.weights = {1.5, 1, 1};  // 0.525 > 0.45
  EXPECT_EQ(favour_low.Decide(p), kLow);
  DecisionRule favour_high;
  favour_high.weights = {1, 1, 2.5};  // 0.5 > 0.45
  EXPECT_EQ(favour_high.Decide(p), kHigh);
  // Ties go to the lowest index.
  EXPECT_EQ(argmax.Decide(std::vector<float>{0.4f, 0.4f, 0.2f}), kLow);
  // Apply reports the chosen class's probability, not the weighted score.
  auto out = favour_low.Apply(Proba(p));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].label, kLow);
  EXPECT_FLOAT_EQ(out[0].confidence, 0.35f);
}

TEST(DecisionRule, TuningRecoversARareClassArgmaxNeverCalls) {
  // Low is never the argmax, but every row where it has 0.35 is Low: all rows right needs a Low
  // weight above 0.5 / 0.35 ~ 1.43 and below 0.45 / 0.2 = 2.25.
  std::vector<float> values;
  std::vector<int> labels;
  for (int i = 0; i < 10; ++i) {
    values.insert(values.end(), {0.35f, 0.5f, 0.15f});
    labels.push_back(kLow);
    values.insert(values.end(), {0.2f, 0.45f, 0.35f});
    labels.push_back(kMedium);
    values.insert(values.end(), {0.05f, 0.35f, 0.6f});
    labels.push_back(kHigh);
  }
  const ClassProbabilities proba = Proba(values);
  DecisionRule argmax;
  int argmax_low = 0;
  for (const auto& p : argmax.Apply(proba)) argmax_low += p.label == kLow;
  EXPECT_EQ(argmax_low, 0);

  auto tuned = TuneDecisionRule(proba, labels);
  ASSERT_OK(tuned);
  EXPECT_GT(tuned->weights[0], 0.5 / 0.35);
  EXPECT_LT(tuned->weights[0], 0.45 / 0.2);
  EXPECT_EQ(tuned->weights[1], 1.0);
  // The High row of a Medium example must stay Medium: High's weight below 0.45 / 0.35.
  EXPECT_LT(tuned->weights[2], 0.45 / 0.35);
  auto decided = tuned->Apply(proba);
  for (size_t i = 0; i < labels.size(); ++i) EXPECT_EQ(decided[i].label, labels[i]) << "row " << i;
}

TEST(DecisionRule, NoLabelsKeepArgmaxAndBadInputIsRefused) {
  auto none = TuneDecisionRule(Proba({}), {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->weights, (std::array<double, kNumClasses>{1, 1, 1}));
  std::vector<int> one = {kLow};
  EXPECT_EQ(TuneDecisionRule(Proba({0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f}), one).status().code(),
            core::StatusCode::kInvalidArgument);
  std::vector<int> out_of_range = {3};
  EXPECT_EQ(TuneDecisionRule(Proba({0.2f, 0.3f, 0.5f}), out_of_range).status().code(),
            core::StatusCode::kInvalidArgument);
  DecisionRule r;
  r.weights = {1.35, 1, 0.82};
  EXPECT_EQ(r.ToString(), "Low x1.35, Medium x1, High x0.82");
}

}  // namespace
}  // namespace traffic::model
