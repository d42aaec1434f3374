#include "traffic/features/labeler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "traffic/features/test_pipeline.h"
#include "traffic/testing/status_matchers.h"

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

// The stream keeps each partition's held rows and window history in its state: a labeler
// restored from two halves' snapshots (in either order) releases what the original does.
TEST(Labeler, CellStateRestoresHalvesInAnyOrder) {
  const geo::CellId kB{3, static_cast<int16_t>(geo::GridSpec{}.cols - 3)};
  window::CellMask left(static_cast<size_t>(geo::GridSpec{}.rows * geo::GridSpec{}.cols), false);
  for (int c = 0; c < geo::GridSpec{}.cols / 2; ++c) {
    for (int r = 0; r < geo::GridSpec{}.rows; ++r) left[static_cast<size_t>(r * geo::GridSpec{}.cols + c)] = true;
  }
  window::CellMask right(left.size());
  for (size_t i = 0; i < left.size(); ++i) right[i] = !left[i];
  ASSERT_NE(left[static_cast<size_t>(kA.row * geo::GridSpec{}.cols + kA.col)],
            left[static_cast<size_t>(kB.row * geo::GridSpec{}.cols + kB.col)]);
  // Minute m: a window per cell (speeds that move between levels), then the rows of t = m + 1.
  auto feed = [&](Labeler& labeler, int from, int to, std::vector<FeatureRow>* out) {
    for (int m = from; m < to; ++m) {
      for (geo::CellId cell : {kB, kA}) {  // (window_start, cell) order
        window::WindowAggregate w;
        w.cell = cell;
        w.window_start = Min(m);
        w.window_end = Min(m + 1);
        w.stats.Add(Event{Min(m), cell, 5.0 + (m * 7 + cell.col) % 30, 1.0, 60});
        if ((m + cell.col) % 4 != 0) labeler.AddWindow(w, out);
      }
      for (geo::CellId cell : {kB, kA}) {
        FeatureRow row;
        row.t = Min(m + 1);
        row.cell = cell;
        labeler.AddRow(row);
      }
    }
  };
  Labeler original;
  std::vector<FeatureRow> expected;
  feed(original, 0, 50, &expected);
  const std::string l = original.SnapshotCells(left), r = original.SnapshotCells(right);
  feed(original, 50, 200, &expected);
  original.Finish(&expected);
  for (bool left_first : {true, false}) {
    // What the original released before its snapshot, then what the restored one releases.
    std::vector<FeatureRow> got;
    Labeler before;
    feed(before, 0, 50, &got);
    Labeler restored;
    ASSERT_OK(restored.RestoreCells(left_first ? l : r));
    ASSERT_OK(restored.RestoreCells(left_first ? r : l));
    feed(restored, 50, 200, &got);
    restored.Finish(&got);
    // Rows of one t may come out in another cell order (a restored half follows those held).
    auto by_time_and_cell = [](const FeatureRow& a, const FeatureRow& b) {
      return std::tie(a.t, a.cell) < std::tie(b.t, b.cell);
    };
    std::stable_sort(got.begin(), got.end(), by_time_and_cell);
    std::stable_sort(expected.begin(), expected.end(), by_time_and_cell);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].t, expected[i].t) << i;
      ASSERT_EQ(got[i].cell, expected[i].cell) << i;
      for (int h = 0; h < kHorizonCount; ++h) {
        ASSERT_EQ(got[i].target[h], expected[i].target[h]) << i << " " << h;
        ASSERT_EQ(got[i].target_count[h], expected[i].target_count[h]) << i << " " << h;
      }
    }
  }
  // Bad bytes are a clear error, and change nothing.
  Labeler other;
  std::string bad = l;
  bad[bad.size() / 2] ^= 0x5a;
  auto status = other.RestoreCells(bad);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(other.pending(), 0u);
}

}  // namespace
}  // namespace traffic::features
