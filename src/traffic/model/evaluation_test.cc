#include "traffic/model/evaluation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace traffic::model {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr int kLow = 0, kMedium = 1, kHigh = 2;
constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = 1451606400;  // 2016-01-01T00:00:00Z

TEST(Evaluation, TheLastTrainingDayValidatesFromThreeDaysOn) {
  const auto from = core::FromEpochSeconds(kT0);
  EXPECT_EQ(ValidationFromMs(from, core::FromEpochSeconds(kT0 + 3 * kDay)), (kT0 + 2 * kDay) * 1000);
  EXPECT_EQ(ValidationFromMs(from, core::FromEpochSeconds(kT0 + 10 * kDay)), (kT0 + 9 * kDay) * 1000);
  // Fewer than 3 whole days: no validation set (it starts at the split).
  EXPECT_EQ(ValidationFromMs(from, core::FromEpochSeconds(kT0 + 3 * kDay - 1)), (kT0 + 3 * kDay - 1) * 1000);
  EXPECT_EQ(ValidationFromMs(from, core::FromEpochSeconds(kT0 + 2 * kDay)), (kT0 + 2 * kDay) * 1000);
}

TEST(Evaluation, ThreeWeeksOfTrainingValidateOnAWholeWeek) {
  const auto from = core::FromEpochSeconds(kT0);
  EXPECT_EQ(ValidationFromMs(from, core::FromEpochSeconds(kT0 + 20 * kDay)), (kT0 + 19 * kDay) * 1000);
  EXPECT_EQ(ValidationFromMs(from, core::FromEpochSeconds(kT0 + 21 * kDay)), (kT0 + 14 * kDay) * 1000);
  // Asked for: as many days, leaving at least 2 whole training days.
  EXPECT_EQ(ValidationFromMs(from, core::FromEpochSeconds(kT0 + 21 * kDay), 2), (kT0 + 19 * kDay) * 1000);
  EXPECT_EQ(ValidationFromMs(from, core::FromEpochSeconds(kT0 + 5 * kDay), 7), (kT0 + 2 * kDay) * 1000);
  EXPECT_EQ(ValidationFromMs(from, core::FromEpochSeconds(kT0 + 2 * kDay), 7), (kT0 + 2 * kDay) * 1000);
}

TEST(Evaluation, PersistenceIsTheLast15MinutesOrElseTheLastHour) {
  const window::LevelThresholds t;  // High < 10 <= Medium <= 20 < Low
  EXPECT_EQ(PersistenceLevel(8, 25, t), kHigh);
  EXPECT_EQ(PersistenceLevel(25, 8, t), kLow);
  EXPECT_EQ(PersistenceLevel(10, 8, t), kMedium);
  EXPECT_EQ(PersistenceLevel(kNaN, 8, t), kHigh);
  EXPECT_EQ(PersistenceLevel(kNaN, 21, t), kLow);
  window::LevelThresholds other{5, 30};
  EXPECT_EQ(PersistenceLevel(8, 8, other), kMedium);
}

TEST(Evaluation, ProfileIsTheLevelOfTheHourOfWeekSpeed) {
  const window::LevelThresholds t;
  EXPECT_EQ(ProfileLevel(9.99, t), kHigh);
  EXPECT_EQ(ProfileLevel(20, t), kMedium);
  EXPECT_EQ(ProfileLevel(20.01, t), kLow);
}

// Columns: 0 = speed_15m, 1 = speed_60m, 2 = profile_speed, 3 = a row id.
struct Examples {
  std::vector<float> features;
  std::vector<int64_t> t_ms;
  std::vector<uint8_t> is_test;
  std::vector<int8_t> targets;
  void Add(int64_t t_s, bool test, int8_t target, float s15, float s60, float profile) {
    features.insert(features.end(), {s15, s60, profile, static_cast<float>(t_ms.size())});
    t_ms.push_back(t_s * 1000);
    is_test.push_back(test ? 1 : 0);
    targets.push_back(target);
  }
  ExampleView View() const { return {features, 4, t_ms, is_test, targets, {}}; }
};

SplitOptions Options(int64_t validation_from_s, int stride = 1) {
  SplitOptions o;
  o.validation_from_ms = validation_from_s * 1000;
  o.train_stride = stride;
  o.columns = {0, 1, 2};
  return o;
}

TEST(Evaluation, SplitsByTimeAndPredictsTheBaselinesForTheTestRows) {
  Examples e;
  e.Add(kT0, false, kLow, 25, 25, 25);                     // 0 train
  e.Add(kT0 + 60, false, -1, 25, 25, 25);                  // 1 unlabelled: nowhere
  e.Add(kT0 + 2 * kDay, false, kHigh, 5, 5, 5);            // 2 validation (the last training day)
  e.Add(kT0 + 3 * kDay, true, kHigh, 8, 25, 15);           // 3 test
  e.Add(kT0 + 3 * kDay + 60, true, kLow, kNaN, 21, kNaN);  // 4 test
  e.Add(kT0 + 3 * kDay + 120, true, -1, 8, 8, 8);          // 5 test, unlabelled: nowhere
  HorizonSplit s = SplitExamples(e.View(), Options(kT0 + 2 * kDay));
  EXPECT_EQ(s.train_y, (std::vector<int>{kLow}));
  EXPECT_EQ(s.valid_y, (std::vector<int>{kHigh}));
  EXPECT_EQ(s.test_y, (std::vector<int>{kHigh, kLow}));
  EXPECT_EQ(s.train_x, (std::vector<float>{25, 25, 25, 0}));
  EXPECT_EQ(s.valid_x, (std::vector<float>{5, 5, 5, 2}));
  ASSERT_EQ(s.test_x.size(), 8u);
  EXPECT_EQ(s.test_x[3], 3);
  EXPECT_EQ(s.test_x[7], 4);
  EXPECT_EQ(s.persistence, (std::vector<int>{kHigh, kLow}));
  // A NaN profile speed is neither below 10 nor above 20: Medium (today's behaviour).
  EXPECT_EQ(s.profile, (std::vector<int>{kMedium, kMedium}));
  EXPECT_TRUE(s.test_speed.empty());  // no speed targets in the view: no speed sets
}

TEST(Evaluation, SpeedTargetsFollowTheirRowsAndTheBaselinesSpeedsAreTheirInputs) {
  Examples e;
  e.Add(kT0, false, kLow, 25, 25, 25);
  e.Add(kT0 + 60, false, -1, 25, 25, 25);  // unlabelled: nowhere
  e.Add(kT0 + 2 * kDay, false, kHigh, 5, 5, 5);
  e.Add(kT0 + 3 * kDay, true, kHigh, 8, 25, 15);
  e.Add(kT0 + 3 * kDay + 60, true, kLow, kNaN, 21, 30);
  const std::vector<float> speeds = {24, 99, 6, 7, 22};
  ExampleView view = e.View();
  view.target_speeds = speeds;
  HorizonSplit s = SplitExamples(view, Options(kT0 + 2 * kDay));
  EXPECT_EQ(s.train_speed, (std::vector<float>{24}));
  EXPECT_EQ(s.valid_speed, (std::vector<float>{6}));
  EXPECT_EQ(s.test_speed, (std::vector<double>{7, 22}));
  EXPECT_EQ(s.persistence_speed, (std::vector<double>{8, 21}));  // the last 15 minutes, else the last hour
  EXPECT_EQ(s.profile_speed, (std::vector<double>{15, 30}));
}

TEST(Evaluation, StrideThinsOnlyTheTrainingSet) {
  Examples e;
  for (int i = 0; i < 7; ++i) e.Add(kT0 + i * 60, false, kLow, 25, 25, 25);
  e.Add(kT0 + 2 * kDay, false, kLow, 25, 25, 25);
  e.Add(kT0 + 2 * kDay + 60, false, kLow, 25, 25, 25);
  for (int i = 0; i < 5; ++i) e.Add(kT0 + 3 * kDay + i * 60, true, kLow, 25, 25, 25);
  e.Add(kT0 + 120, false, -1, 25, 25, 25);  // unlabelled rows do not count towards the stride
  e.Add(kT0 + 180, false, kMedium, 15, 15, 15);
  HorizonSplit s = SplitExamples(e.View(), Options(kT0 + 2 * kDay, 3));
  // Labelled training examples 0..7 (rows 0-6 and the last): kept 0, 3, 6 -> rows 0, 3, 6.
  ASSERT_EQ(s.train_y.size(), 3u);
  EXPECT_EQ(s.train_x[3], 0);
  EXPECT_EQ(s.train_x[7], 3);
  EXPECT_EQ(s.train_x[11], 6);
  EXPECT_EQ(s.valid_y.size(), 2u);
  EXPECT_EQ(s.test_y.size(), 5u);
  EXPECT_EQ(s.persistence.size(), 5u);
}

TEST(Evaluation, ChunksSplitAsTheWholeWithTheStrideCountedAcrossThem) {
  Examples e;
  for (int i = 0; i < 11; ++i) e.Add(kT0 + i * 60, false, i % 4 == 3 ? -1 : kLow, 25, 25, 25);
  for (int i = 0; i < 4; ++i) e.Add(kT0 + 2 * kDay + i * 60, false, kHigh, 5, 5, 5);
  for (int i = 0; i < 5; ++i) e.Add(kT0 + 3 * kDay + i * 60, true, kMedium, 8, 25, 15);
  const std::vector<float> speeds(e.t_ms.size(), 12.0f);
  ExampleView whole = e.View();
  whole.target_speeds = speeds;
  const SplitOptions options = Options(kT0 + 2 * kDay, 3);
  const HorizonSplit expected = SplitExamples(whole, options);
  ASSERT_EQ(expected.train_y.size(), 3u);  // 8 labelled training rows, every third kept
  for (size_t size : {1u, 2u, 5u, 7u}) {
    ExampleSplitter splitter(options);
    HorizonSplit all, chunk;
    for (size_t first = 0; first < e.t_ms.size(); first += size) {
      const size_t n = std::min(size, e.t_ms.size() - first);
      ExampleView part{whole.features.subspan(first * 4, n * 4),
                       4,
                       whole.t_ms.subspan(first, n),
                       whole.is_test.subspan(first, n),
                       whole.targets.subspan(first, n),
                       whole.target_speeds.subspan(first, n)};
      splitter.Split(part, &chunk);
      auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
      append(all.train_x, chunk.train_x);
      append(all.train_y, chunk.train_y);
      append(all.valid_x, chunk.valid_x);
      append(all.valid_y, chunk.valid_y);
      append(all.test_x, chunk.test_x);
      append(all.test_y, chunk.test_y);
      append(all.persistence, chunk.persistence);
      append(all.train_speed, chunk.train_speed);
      append(all.test_speed, chunk.test_speed);
    }
    EXPECT_EQ(all.train_x, expected.train_x) << "chunks of " << size;
    EXPECT_EQ(all.train_y, expected.train_y) << "chunks of " << size;
    EXPECT_EQ(all.valid_x, expected.valid_x) << "chunks of " << size;
    EXPECT_EQ(all.valid_y, expected.valid_y) << "chunks of " << size;
    EXPECT_EQ(all.test_x, expected.test_x) << "chunks of " << size;
    EXPECT_EQ(all.test_y, expected.test_y) << "chunks of " << size;
    EXPECT_EQ(all.persistence, expected.persistence) << "chunks of " << size;
    EXPECT_EQ(all.train_speed, expected.train_speed) << "chunks of " << size;
    EXPECT_EQ(all.test_speed, expected.test_speed) << "chunks of " << size;
  }
}

TEST(Evaluation, ReportsTheModelAgainstBothBaselines) {
  // Actual High, High, Low, Medium. The model gets all four; persistence the first three;
  // the profile says Medium throughout.
  const std::vector<int> actual = {kHigh, kHigh, kLow, kMedium};
  const std::vector<int> model = actual;
  const std::vector<int> persistence = {kHigh, kHigh, kLow, kLow};
  const std::vector<int> profile = {kMedium, kMedium, kMedium, kMedium};
  auto r = EvaluatePredictors(actual, model, persistence, profile);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DOUBLE_EQ(r->model.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r->model.macro_f1, 1.0);
  EXPECT_DOUBLE_EQ(r->persistence.accuracy, 0.75);
  // Persistence: Low P=1/2 R=1 F1=2/3; Medium P=0 R=0 F1=0; High F1=1 -> macro 5/9.
  EXPECT_NEAR(r->persistence.macro_f1, 5.0 / 9.0, 1e-12);
  EXPECT_EQ(r->persistence.confusion[kMedium][kLow], 1);
  EXPECT_DOUBLE_EQ(r->profile.accuracy, 0.25);
  EXPECT_DOUBLE_EQ(r->profile.per_class[kMedium].recall, 1.0);
  EXPECT_DOUBLE_EQ(r->profile.per_class[kHigh].recall, 0.0);
  EXPECT_TRUE(r->beats_persistence());
  EXPECT_TRUE(r->beats_profile());
  auto tie = EvaluatePredictors(actual, persistence, persistence, profile);
  ASSERT_TRUE(tie.ok());
  EXPECT_FALSE(tie->beats_persistence());  // equal is not better
  EXPECT_TRUE(tie->beats_profile());
}

TEST(Evaluation, RefusesPredictionsOfTheWrongLength) {
  const std::vector<int> actual = {kHigh, kLow};
  const std::vector<int> one = {kHigh};
  EXPECT_EQ(EvaluatePredictors(actual, actual, one, actual).status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(EvaluatePredictors(actual, actual, actual, one).status().code(), core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace traffic::model
