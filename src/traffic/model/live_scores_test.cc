#include "traffic/model/live_scores.h"

#include <gtest/gtest.h>

#include "traffic/testing/status_matchers.h"

namespace traffic::model {
namespace {

constexpr int kLow = 0, kMedium = 1, kHigh = 2;
constexpr int64_t kT0 = 1451912400;  // 2016-01-04 13:00 UTC
core::UtcTime Min(int64_t m) { return core::FromEpochSeconds(kT0 + m * 60); }

TEST(LiveScores, ScoresEachPredictorPerHorizon) {
  LiveScores s;
  // Horizon 0: the model right twice, persistence right once, the profile never.
  s.Add(Min(0), 0, kHigh, {kHigh, kHigh, kLow});
  s.Add(Min(1), 0, kLow, {kLow, kMedium, kMedium});
  // Horizon 2: one forecast.
  s.Add(Min(1), 2, kMedium, {kLow, kMedium, kMedium});
  auto c = s.Current();
  EXPECT_EQ(c[0].model().count, 2);
  EXPECT_DOUBLE_EQ(c[0].model().accuracy, 1.0);
  EXPECT_DOUBLE_EQ(c[0].model().macro_f1, 1.0);
  EXPECT_DOUBLE_EQ(c[0].persistence().accuracy, 0.5);
  // Persistence: High right (F1 1), Low missed (F1 0), Medium predicted wrongly (F1 0): 1/3.
  EXPECT_NEAR(c[0].persistence().macro_f1, 1.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(c[0].profile().accuracy, 0.0);
  EXPECT_EQ(c[1].model().count, 0);
  EXPECT_EQ(c[2].model().count, 1);
  EXPECT_DOUBLE_EQ(c[2].model().accuracy, 0.0);
  EXPECT_DOUBLE_EQ(c[2].persistence().accuracy, 1.0);
  // Out-of-range input is ignored.
  s.Add(Min(2), 3, kLow, {kLow, kLow, kLow});
  s.Add(Min(2), 0, 5, {kLow, kLow, kLow});
  EXPECT_EQ(s.Current()[0].model().count, 2);
}

TEST(LiveScores, TheSlidingPeriodForgetsOldForecasts) {
  LiveScores s(std::chrono::hours(1), std::chrono::minutes(10));
  s.Add(Min(0), 0, kHigh, {kLow, kHigh, kHigh});    // bucket 0
  s.Add(Min(55), 0, kHigh, {kHigh, kHigh, kHigh});  // bucket 5: both in the hour
  EXPECT_EQ(s.Current()[0].model().count, 2);
  s.Add(Min(61), 0, kHigh, {kHigh, kHigh, kHigh});  // bucket 6: bucket 0 leaves
  auto c = s.Current();
  EXPECT_EQ(c[0].model().count, 2);
  EXPECT_DOUBLE_EQ(c[0].model().accuracy, 1.0);
}

TEST(LiveScores, EncodeDecodeMergeRoundTrip) {
  LiveScores a, b;
  a.Add(Min(0), 0, kHigh, {kHigh, kMedium, kHigh});
  a.Add(Min(30), 1, kLow, {kLow, kLow, kMedium});
  b.Add(Min(30), 1, kLow, {kMedium, kLow, kMedium});
  LiveScores restored;
  ASSERT_OK(restored.DecodeAndMerge(a.Encode()));
  ASSERT_OK(restored.DecodeAndMerge(b.Encode()));
  LiveScores merged;
  merged.Merge(a);
  merged.Merge(b);
  EXPECT_EQ(restored.Encode(), merged.Encode());
  auto c = restored.Current();
  EXPECT_EQ(c[1].model().count, 2);
  EXPECT_DOUBLE_EQ(c[1].model().accuracy, 0.5);
  EXPECT_DOUBLE_EQ(c[1].persistence().accuracy, 1.0);
  // A flipped byte, a truncation, another period.
  std::string bytes = a.Encode();
  bytes[bytes.size() / 2] ^= 1;
  EXPECT_EQ(LiveScores().DecodeAndMerge(bytes).code(), core::StatusCode::kCorrupt);
  EXPECT_EQ(LiveScores().DecodeAndMerge(a.Encode().substr(0, 10)).code(), core::StatusCode::kCorrupt);
  EXPECT_EQ(LiveScores(std::chrono::hours(1)).DecodeAndMerge(a.Encode()).code(), core::StatusCode::kInvalidArgument);
  EXPECT_TRUE(LiveScores().empty());
}

}  // namespace
}  // namespace traffic::model
