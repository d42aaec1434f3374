#include "traffic/model/metrics.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "traffic/testing/status_matchers.h"

namespace traffic::model {
namespace {

// actual    0 0 0 1 1 2
// predicted 0 0 1 1 1 0
// Low:    tp 2, predicted 3, support 3 -> P 2/3, R 2/3, F1 2/3
// Medium: tp 2, predicted 3, support 2 -> P 2/3, R 1,   F1 4/5
// High:   tp 0, predicted 0, support 1 -> P 0,   R 0,   F1 0 (never predicted)
const std::vector<int> kActual = {0, 0, 0, 1, 1, 2};
const std::vector<int> kPredicted = {0, 0, 1, 1, 1, 0};

TEST(MetricsTest, ConfusionMatrixRowsAreActualColumnsPredicted) {
  auto m = ComputeConfusionMatrix(kActual, kPredicted);
  ASSERT_OK(m);
  ConfusionMatrix expected = {{{2, 1, 0}, {0, 2, 0}, {1, 0, 0}}};
  EXPECT_EQ(*m, expected);
  EXPECT_EQ(Total(*m), 6);
}

TEST(MetricsTest, HandComputedExampleWithAClassNeverPredicted) {
  auto r = Evaluate(kActual, kPredicted);
  ASSERT_OK(r);
  EXPECT_DOUBLE_EQ(r->accuracy, 4.0 / 6.0);
  EXPECT_EQ(r->total, 6);

  EXPECT_DOUBLE_EQ(r->per_class[0].precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r->per_class[0].recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r->per_class[0].f1, 2.0 / 3.0);
  EXPECT_EQ(r->per_class[0].support, 3);
  EXPECT_EQ(r->per_class[0].predicted, 3);

  EXPECT_DOUBLE_EQ(r->per_class[1].precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r->per_class[1].recall, 1.0);
  EXPECT_DOUBLE_EQ(r->per_class[1].f1, 0.8);
  EXPECT_EQ(r->per_class[1].support, 2);

  // Never predicted: zero, not NaN.
  EXPECT_EQ(r->per_class[2].precision, 0.0);
  EXPECT_EQ(r->per_class[2].recall, 0.0);
  EXPECT_EQ(r->per_class[2].f1, 0.0);
  EXPECT_EQ(r->per_class[2].support, 1);
  EXPECT_EQ(r->per_class[2].predicted, 0);

  // High is present in the actual labels, so it counts in the macro mean.
  EXPECT_NEAR(r->macro_f1, (2.0 / 3.0 + 0.8 + 0.0) / 3.0, 1e-12);
}

TEST(MetricsTest, MacroF1SkipsClassesAbsentFromBothActualAndPredicted) {
  // Low: P 1, R 1/2, F1 2/3. Medium: P 1/2, R 1, F1 2/3. High absent from both.
  auto r = Evaluate(std::vector<int>{0, 1, 0}, std::vector<int>{0, 1, 1});
  ASSERT_OK(r);
  EXPECT_NEAR(r->macro_f1, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(r->accuracy, 2.0 / 3.0, 1e-12);
}

TEST(MetricsTest, ClassPredictedButNeverActualHasZeroRecallAndCounts) {
  // Low: P 1/2 (one of two "Low" predictions right), R 1 -> F1 2/3. High: predicted once, never
  // actual: P 0, R 0 (no division by zero), F1 0, and it counts in the macro mean.
  auto r = Evaluate(std::vector<int>{0, 1}, std::vector<int>{0, 2});
  ASSERT_OK(r);
  EXPECT_EQ(r->per_class[2].recall, 0.0);
  EXPECT_EQ(r->per_class[2].precision, 0.0);
  EXPECT_EQ(r->per_class[2].support, 0);
  EXPECT_EQ(r->per_class[2].predicted, 1);
  // Low F1 1, Medium F1 0 (support 1, never predicted), High F1 0.
  EXPECT_NEAR(r->macro_f1, 1.0 / 3.0, 1e-12);
}

TEST(MetricsTest, EmptyInputGivesZerosNotNaN) {
  auto r = Evaluate(std::vector<int>{}, std::vector<int>{});
  ASSERT_OK(r);
  EXPECT_EQ(r->total, 0);
  EXPECT_EQ(r->accuracy, 0.0);
  EXPECT_EQ(r->macro_f1, 0.0);
  for (const auto& c : r->per_class) {
    EXPECT_FALSE(std::isnan(c.precision) || std::isnan(c.recall) || std::isnan(c.f1));
  }
}

TEST(MetricsTest, RejectsMismatchedLengthsAndUnknownLabels) {
  auto mismatch = ComputeConfusionMatrix(std::vector<int>{0, 1}, std::vector<int>{0});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(mismatch.status().message().find("2 actual labels but 1 predicted"), std::string::npos);

  auto bad = ComputeConfusionMatrix(std::vector<int>{0, 3}, std::vector<int>{0, 1});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("example 1"), std::string::npos) << bad.status().message();
}

TEST(MetricsTest, ReportJsonIsValidAndCarriesTheNumbers) {
  auto r = Evaluate(kActual, kPredicted);
  ASSERT_OK(r);
  std::string json = r->ToJson();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  EXPECT_EQ(int64_t(root["total"]), 6);
  EXPECT_DOUBLE_EQ(double(root["accuracy"]), 4.0 / 6.0);
  EXPECT_NEAR(double(root["macro_f1"]), r->macro_f1, 1e-15);
  simdjson::dom::array classes = root["classes"];
  ASSERT_EQ(classes.size(), 3u);
  EXPECT_EQ(std::string_view(classes.at(1)["name"]), "Medium");
  EXPECT_DOUBLE_EQ(double(classes.at(1)["f1"]), 0.8);
  EXPECT_EQ(int64_t(classes.at(2)["support"]), 1);
  EXPECT_EQ(int64_t(root["confusion_matrix"].at(2).at(0)), 1);  // actual High, predicted Low
  EXPECT_EQ(int64_t(root["confusion_matrix"].at(0).at(1)), 1);  // actual Low, predicted Medium
}

TEST(MetricsTest, TableShowsClassesSummaryAndConfusion) {
  auto r = Evaluate(kActual, kPredicted);
  ASSERT_OK(r);
  std::string table = r->FormatTable();
  EXPECT_NE(table.find("Medium       0.667   1.000   0.800        2         3"), std::string::npos) << table;
  EXPECT_NE(table.find("accuracy 0.667  macro-F1 0.489  examples 6"), std::string::npos) << table;
  EXPECT_NE(table.find("High            1        0        0"), std::string::npos) << table;
}

TEST(MetricsTest, MeanAbsoluteError) {
  auto mae = MeanAbsoluteError(std::vector<double>{10, 20, 30}, std::vector<double>{12, 17, 30});
  ASSERT_OK(mae);
  EXPECT_DOUBLE_EQ(*mae, 5.0 / 3.0);
  EXPECT_FALSE(MeanAbsoluteError(std::vector<double>{1}, std::vector<double>{}).ok());
  EXPECT_EQ(*MeanAbsoluteError(std::vector<double>{}, std::vector<double>{}), 0.0);
}

}  // namespace
}  // namespace traffic::model
