#include "traffic/features/labeler.h"

#include <gtest/gtest.h>

#include <cmath>

#include "traffic/features/test_pipeline.h"

namespace traffic::features {
namespace {

using testing::RunPipeline;
using window::Event;

constexpr int64_t kBase = 1451912400;  // Monday 2016-01-04 08:00 New York
core::UtcTime At(int64_t offset_s) { return core::FromEpochSeconds(kBase + offset_s); }
core::UtcTime Min(int64_t minutes) { return At(minutes * 60); }
Event Ev(int64_t minute, int64_t second, geo::CellId cell, double speed) {
  return Event{At(minute * 60 + second), cell, speed, 1.0, 600};
}
const geo::CellId kA{28, 27};

const FeatureRow* Find(const std::vector<FeatureRow>& rows, core::UtcTime t, geo::CellId cell) {
  for (const auto& r : rows) {
    if (r.t == t && r.cell == cell) return &r;
  }
  return nullptr;
}

// Row of interest: t = minute 10 for cell A (active thanks to a trip at minute 0).
std::vector<Event> HandBuilt() {
  return {
      Ev(0, 0, kA, 50.0),   // before t: never part of a target of t = 10
      Ev(9, 59, kA, 50.0),  // just before t
      Ev(10, 0, kA, 8.0),   // [t, t+15): 8, 9, 10 -> 9 mph, High
      Ev(12, 0, kA, 9.0),      Ev(24, 59, kA, 10.0),
      Ev(25, 0, kA, 30.0),                            // [t, t+30): + 30, 30 -> 87 / 5 = 17.4 mph, Medium
      Ev(39, 59, kA, 30.0),    Ev(40, 0, kA, 300.0),  // [t, t+60): + 300 -> 387 / 6 = 64.5 mph, Low
      Ev(70, 0, kA, 1.0),                             // at t + 60: outside every horizon of t
      Ev(200, 0, {1, 1}, 1.0),
  };
}

TEST(Labeler, TargetsAreTheObservedLevelOverEachHorizon) {
  auto rows = RunPipeline(HandBuilt(), 1);
  const FeatureRow* r = Find(rows, Min(10), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->target[0], static_cast<int8_t>(window::CongestionLevel::kHigh));
  EXPECT_EQ(r->target_count[0], 3);
  EXPECT_DOUBLE_EQ(r->target_speed[0], 9.0);
  EXPECT_EQ(r->target[1], static_cast<int8_t>(window::CongestionLevel::kMedium));
  EXPECT_EQ(r->target_count[1], 5);
  EXPECT_DOUBLE_EQ(r->target_speed[1], 17.4);
  EXPECT_EQ(r->target[2], static_cast<int8_t>(window::CongestionLevel::kLow));
  EXPECT_EQ(r->target_count[2], 6);
  EXPECT_DOUBLE_EQ(r->target_speed[2], 64.5);
  // Features of the same row still only see the past.
  EXPECT_EQ(r->count_15m, 2);
}

TEST(Labeler, TooFewTripsMeansNoTarget) {
  auto rows = RunPipeline(HandBuilt(), 1);
  // t = minute 13: [13, 28) holds 24:59 and 25:00 only -> 2 trips < 3.
  const FeatureRow* r = Find(rows, Min(13), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->target[0], kNoTarget);
  EXPECT_EQ(r->target_count[0], 2);
  EXPECT_NE(r->target[1], kNoTarget);
  // min_trips is configurable.
  LabelOptions lo;
  lo.min_trips = 2;
  rows = RunPipeline(HandBuilt(), 1, nullptr, true, lo);
  r = Find(rows, Min(13), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->target[0], static_cast<int8_t>(window::CongestionLevel::kMedium));  // (10 + 30) / 2 = 20
}

TEST(Labeler, ThresholdBoundariesInTargets) {
  // Exactly 10 mph and exactly 20 mph over [t, t+15) are Medium.
  for (double speed : {10.0, 20.0}) {
    std::vector<Event> ev = {Ev(0, 0, kA, 5.0), Ev(1, 0, kA, speed), Ev(2, 0, kA, speed), Ev(3, 0, kA, speed),
                             Ev(300, 0, {1, 1}, 1.0)};
    auto rows = RunPipeline(ev, 1);
    const FeatureRow* r = Find(rows, Min(1), kA);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->target[0], static_cast<int8_t>(window::CongestionLevel::kMedium)) << speed;
  }
}

TEST(Labeler, RowsWithUnobservedHorizonsAtEndOfInputHaveNoTarget) {
  std::vector<Event> ev = {Ev(0, 0, kA, 5.0), Ev(1, 0, kA, 5.0), Ev(2, 0, kA, 5.0), Ev(3, 0, kA, 5.0),
                           Ev(20, 0, kA, 5.0)};
  auto rows = RunPipeline(ev, 1);
  // Input ends with the window [20, 21): closed until minute 21.
  const FeatureRow* r = Find(rows, Min(1), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->target[0], static_cast<int8_t>(window::CongestionLevel::kHigh));
  EXPECT_EQ(r->target[1], kNoTarget);  // [1, 31) not observed to its end
  EXPECT_EQ(r->target[2], kNoTarget);
  // Every row comes out exactly once, in (t, cell) order.
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_TRUE(std::tie(rows[i - 1].t, rows[i - 1].cell) < std::tie(rows[i].t, rows[i].cell));
  }
  EXPECT_EQ(rows.size(), 21u);  // minutes 1..21: rows exist up to closed_until only
}

TEST(Labeler, HoldsRowsUntilTheLongestHorizonIsClosed) {
  Labeler labeler;
  std::vector<FeatureRow> out;
  FeatureRow row;
  row.t = Min(10);
  row.cell = kA;
  labeler.AddRow(row);
  window::WindowAggregate w;
  w.cell = kA;
  for (int m = 10; m < 70; ++m) {
    w.window_start = Min(m);
    w.window_end = Min(m + 1);
    w.stats = {};
    w.stats.Add(Event{Min(m), kA, 12.0, 1.0, 60});
    labeler.AddWindow(w, &out);
    ASSERT_TRUE(out.empty()) << m;
  }
  labeler.AdvanceTo(Min(69) + std::chrono::seconds(59), &out);
  EXPECT_TRUE(out.empty());
  labeler.AdvanceTo(Min(70), &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].target_count[2], 60);
  EXPECT_EQ(out[0].target[2], static_cast<int8_t>(window::CongestionLevel::kMedium));
  EXPECT_EQ(labeler.pending(), 0u);
}

}  // namespace
}  // namespace traffic::features
