// Windower::SnapshotPartition / RestorePartition / DropPartition (stream restart and rebalance).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>

#include "traffic/core/coding.h"
#include "traffic/testing/status_matchers.h"
#include "traffic/window/windower.h"

namespace traffic::window {
namespace {

using std::chrono::seconds;

constexpr int64_t kBase = 1451912400;  // 2016-01-04 13:00:00 UTC
core::UtcTime At(int64_t offset_s) { return core::FromEpochSeconds(kBase + offset_s); }
Event Ev(int64_t offset_s, geo::CellId cell, double speed = 12.5) { return Event{At(offset_s), cell, speed, 1.2, 300}; }

// Partition p carries the cells of row p (rows 0..3), in this test.
CellMask Row(int p) {
  return SelectCells(geo::GridSpec{}, [p](geo::CellId c) { return c.row == p; });
}
geo::CellId C(int p, int col = 1) { return {static_cast<int16_t>(p), static_cast<int16_t>(col)}; }

// Everything a windower holds for partitions [0, partitions), as partition snapshots over every
// cell (what the removed whole-state Snapshot compared).
std::string WholeState(const Windower& w, int partitions) {
  const CellMask all = SelectCells(geo::GridSpec{}, [](geo::CellId) { return true; });
  std::string s;
  for (int p = 0; p < partitions; ++p) s += w.SnapshotPartition(p, all);
  return s;
}

std::vector<WindowAggregate> Take(Windower& w) {
  std::vector<WindowAggregate> out;
  w.TakeClosed(&out);
  return out;
}

TEST(WindowerPartitionState, DroppingAPartitionReleasesTheWatermarkAndItsCells) {
  Windower w;
  ASSERT_TRUE(w.Add(Ev(100, C(1)), 1).ok());  // partition 1 holds the watermark at -20
  ASSERT_TRUE(w.Add(Ev(600, C(0)), 0).ok());
  ASSERT_TRUE(w.Add(Ev(590, C(0, 2)), 0).ok());
  EXPECT_EQ(w.watermark(), At(-20));
  w.DropPartition(1, Row(1));
  EXPECT_FALSE(w.IsActive(1));
  EXPECT_EQ(w.watermark(), At(480));
  auto out = Take(w);
  EXPECT_TRUE(out.empty());  // partition 1's window is gone, partition 0's are still open
  w.Flush();
  out = Take(w);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& a : out) EXPECT_EQ(a.cell.row, 0);
}

TEST(WindowerPartitionState, ARestoredCellNeverEmitsAWindowTwice) {
  // Worker A is ahead: it closed [0, 480) for partition 0. Worker B is behind (closed until 60).
  Windower a, b;
  ASSERT_TRUE(a.Add(Ev(30, C(0)), 0).ok());
  ASSERT_TRUE(a.Add(Ev(600, C(0)), 0).ok());
  auto emitted = Take(a);
  ASSERT_EQ(emitted.size(), 1u);  // [0, 60) of 0_1
  ASSERT_TRUE(b.Add(Ev(100, C(1)), 1).ok());
  ASSERT_TRUE(b.Add(Ev(200, C(1)), 1).ok());
  Take(b);
  ASSERT_EQ(b.closed_until(), At(60));
  std::string bytes = a.SnapshotPartition(0, Row(0));
  a.DropPartition(0, Row(0));
  ASSERT_OK(b.RestorePartition(0, bytes));
  EXPECT_EQ(b.closed_until(), At(60));  // b's own closed_until is not moved
  // 0_1's window [0, 60) was emitted by A: an event in it is late in B, though B's closed_until
  // alone would accept [60, 120) and later.
  EXPECT_EQ(b.Add(Ev(45, C(0)), 0).status, AddStatus::kLate);
  EXPECT_EQ(b.Add(Ev(70, C(0)), 0).status, AddStatus::kLate);  // below A's 480
  EXPECT_EQ(b.Add(Ev(479, C(0)), 0).status, AddStatus::kLate);
  EXPECT_TRUE(b.Add(Ev(480, C(0)), 0).ok());
  EXPECT_TRUE(b.Add(Ev(130, C(1)), 1).ok());  // B's own cells are unaffected
  const std::string b0 = b.SnapshotPartition(0, Row(0)), b1 = b.SnapshotPartition(1, Row(1));
  b.Flush();
  auto out = Take(b);
  std::set<std::pair<core::UtcTime, geo::CellId>> keys = {{emitted[0].window_start, emitted[0].cell}};
  for (const auto& w : out) EXPECT_TRUE(keys.insert({w.window_start, w.cell}).second);
  // The floor travels on: B's snapshot of partition 0 carries it.
  Windower c;
  ASSERT_OK(c.RestorePartition(0, b0));
  ASSERT_OK(c.RestorePartition(1, b1));
  EXPECT_EQ(c.Add(Ev(470, C(0)), 0).status, AddStatus::kLate);
  EXPECT_EQ(c.closed_until(), At(60));
  EXPECT_TRUE(c.Add(Ev(480, C(0)), 0).ok());
  // And restoring every partition of b's state into a fresh windower gives the same state.
  Windower d;
  ASSERT_OK(d.RestorePartition(0, b.SnapshotPartition(0, Row(0))));
  ASSERT_OK(d.RestorePartition(1, b.SnapshotPartition(1, Row(1))));
  EXPECT_EQ(WholeState(d, 2), WholeState(b, 2));
}

TEST(WindowerPartitionState, ARestoredPartitionBehindUsClosesItsOldWindowsAtOnce) {
  Windower ahead, behind;
  ASSERT_TRUE(ahead.Add(Ev(1000, C(1)), 1).ok());
  ASSERT_TRUE(ahead.Add(Ev(2000, C(1)), 1).ok());
  Take(ahead);
  const auto closed = ahead.closed_until();
  ASSERT_EQ(closed, At(1860));
  ASSERT_TRUE(behind.Add(Ev(100, C(0)), 0).ok());
  ASSERT_TRUE(behind.Add(Ev(250, C(2)), 2).ok());  // partition 2 holds the watermark at 130
  ASSERT_TRUE(behind.Add(Ev(250, C(0)), 0).ok());
  ASSERT_TRUE(behind.Add(Ev(1900, C(0)), 0).ok());  // [60, 120) closed
  auto first = Take(behind);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_OK(ahead.RestorePartition(0, behind.SnapshotPartition(0, Row(0))));
  EXPECT_EQ(ahead.closed_until(), closed);  // never moves back
  auto out = Take(ahead);
  // [240, 300) of 0_1 was open in `behind`: closed now, not lost; [1860, 1920) stays open.
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].window_start, At(240));
  EXPECT_EQ(out[0].cell, C(0));
  EXPECT_EQ(ahead.Add(Ev(300, C(0)), 0).status, AddStatus::kLate);
  EXPECT_TRUE(ahead.Add(Ev(1870, C(0)), 0).ok());
  ahead.Flush();
  out = Take(ahead);
  int64_t trips = 0;
  for (const auto& a : out) trips += a.cell == C(0) ? a.trip_count() : 0;
  EXPECT_EQ(trips, 2);  // 1900 and 1870 in [1860, 1920)
}

TEST(WindowerPartitionState, RestoreReplacesWhatWeHeldForThePartition) {
  Windower w;
  ASSERT_TRUE(w.Add(Ev(10, C(0)), 0).ok());
  ASSERT_TRUE(w.Add(Ev(20, C(1)), 1).ok());
  const std::string bytes = w.SnapshotPartition(0, Row(0));
  ASSERT_TRUE(w.Add(Ev(30, C(0)), 0).ok());  // after the snapshot: forgotten by the restore
  ASSERT_OK(w.RestorePartition(0, bytes));
  ASSERT_OK(w.RestorePartition(0, bytes));  // twice: the same
  w.Flush();
  auto out = Take(w);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].trip_count(), 1);
  EXPECT_EQ(out[1].trip_count(), 1);
}

TEST(WindowerPartitionState, IdleStatusTravelsAndTheIdleClockRestarts) {
  WindowOptions o;
  o.idle_timeout = seconds(30);
  Windower w(o);
  w.AdvanceProcessingTime(At(100000));
  ASSERT_TRUE(w.Add(Ev(300, C(1)), 1).ok());
  ASSERT_TRUE(w.Add(Ev(600, C(0)), 0).ok());
  w.AdvanceProcessingTime(At(100020));
  ASSERT_TRUE(w.Add(Ev(610, C(0)), 0).ok());
  w.AdvanceProcessingTime(At(100031));
  ASSERT_FALSE(w.IsActive(1));
  ASSERT_TRUE(w.IsActive(0));
  Windower fresh(o);
  ASSERT_OK(fresh.RestorePartition(1, w.SnapshotPartition(1, Row(1))));
  ASSERT_OK(fresh.RestorePartition(0, w.SnapshotPartition(0, Row(0))));
  EXPECT_FALSE(fresh.IsActive(1));
  EXPECT_TRUE(fresh.IsActive(0));
  EXPECT_EQ(fresh.watermark(), w.watermark());
  // Another process's clock, far later: partition 0 is not idle at once.
  fresh.AdvanceProcessingTime(At(900000));
  EXPECT_TRUE(fresh.IsActive(0));
  fresh.AdvanceProcessingTime(At(900031));
  EXPECT_FALSE(fresh.IsActive(0));
}

TEST(WindowerPartitionState, RefusesBadBytesAndKeepsItsState) {
  Windower w;
  std::mt19937 rng(7);
  for (int i = 0; i < 400; ++i) {
    int p = static_cast<int>(rng() % 4);
    ASSERT_TRUE(w.Add(Ev(i * 3, C(p, static_cast<int>(rng() % 5))), p).ok());
  }
  const std::string bytes = w.SnapshotPartition(2, Row(2));
  Windower other;
  ASSERT_TRUE(other.Add(Ev(100, C(2)), 2).ok());
  ASSERT_TRUE(other.Add(Ev(110, C(3)), 3).ok());
  const std::string before = WholeState(other, 4);
  const WindowCounters counters_before = other.counters();
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ (1 << (i % 8)));
    EXPECT_EQ(other.RestorePartition(2, bad).code(), core::StatusCode::kCorrupt) << i;
  }
  for (size_t n = 0; n < bytes.size(); n += 7) {
    EXPECT_EQ(other.RestorePartition(2, bytes.substr(0, n)).code(), core::StatusCode::kCorrupt) << n;
  }
  EXPECT_EQ(other.RestorePartition(2, bytes + "x").code(), core::StatusCode::kCorrupt);
  // A valid frame of another kind of state.
  std::string foreign_frame;
  core::BeginFrame(&foreign_frame, "TRWIN", 1);
  foreign_frame += bytes.substr(9, bytes.size() - 17);
  core::SealFrame(&foreign_frame);
  EXPECT_EQ(other.RestorePartition(2, foreign_frame).code(), core::StatusCode::kCorrupt);
  EXPECT_EQ(other.RestorePartition(3, bytes).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(other.RestorePartition(-1, bytes).code(), core::StatusCode::kInvalidArgument);
  WindowOptions lateness;
  lateness.allowed_lateness = seconds(60);
  Windower foreign(lateness);
  EXPECT_EQ(foreign.RestorePartition(2, bytes).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(WholeState(other, 4), before);
  EXPECT_EQ(other.counters(), counters_before);
  EXPECT_OK(other.RestorePartition(2, bytes));
}

// The hex fixture under testdata/: '#' lines are comments.
std::string ReadHexFixture(const std::string& name) {
  std::ifstream in(std::string(TRAFFIC_TESTDATA_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "missing fixture " << TRAFFIC_TESTDATA_DIR << "/" << name;
  std::string line, bytes;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    for (size_t i = 0; i + 1 < line.size(); i += 2) {
      bytes.push_back(static_cast<char>(std::stoi(line.substr(i, 2), nullptr, 16)));
    }
  }
  return bytes;
}

TripStats Stats(int64_t n, int64_t speed_mmph, int64_t speed_sq, int64_t distance_mmi, int64_t duration_s) {
  return TripStats{n, speed_mmph, speed_sq, distance_mmi, duration_s};
}

// Golden: a partition state written by the version-1 writer (see the fixture's header for how it
// was made) must restore, by any later reader, to exactly this state.
TEST(WindowerPartitionState, ReadsAStoredVersion1Snapshot) {
  const std::string bytes = ReadHexFixture("partition_state_v1.hex");
  ASSERT_EQ(bytes.size(), 707u);
  Windower r;
  // Partition 1, assigned without state, holds the watermark back, so below only the floor 480
  // that row 0 carries from the first worker can make its older events late.
  r.RegisterPartition(1);
  ASSERT_OK(r.RestorePartition(0, bytes));
  EXPECT_EQ(r.closed_until(), std::nullopt);  // held by partition 1 (merged, not restoring)
  EXPECT_TRUE(r.IsActive(0));
  // The two windows the first worker closed and nobody took come out first.
  auto pending = Take(r);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].window_start, At(0));
  EXPECT_EQ(pending[0].window_end, At(60));
  EXPECT_EQ(pending[0].cell, C(0, 1));
  EXPECT_EQ(pending[0].stats, Stats(1, 10000, 100000000, 1500, 540));
  EXPECT_EQ(pending[1].window_start, At(60));
  EXPECT_EQ(pending[1].cell, C(0, 2));
  EXPECT_EQ(pending[1].stats, Stats(1, 7250, 52562500, 800, 400));
  EXPECT_EQ(r.closed_until(), std::nullopt);
  EXPECT_EQ(r.Add(Ev(470, C(0, 3)), 0).status, AddStatus::kLate);
  EXPECT_EQ(r.Add(Ev(300, C(0, 1)), 0).status, AddStatus::kLate);
  EXPECT_TRUE(r.Add(Ev(250, C(1, 1)), 1).ok());  // row 1 has no floor
  EXPECT_TRUE(r.Add(Ev(480, C(0, 3)), 0).ok());
  EXPECT_EQ(r.watermark(), At(130));  // min(partition 0: 610 - 120, partition 1: 250 - 120)
  EXPECT_EQ(r.closed_until(), At(120));
  // The open windows, with their exact sums.
  r.Flush();
  auto open = Take(r);
  ASSERT_EQ(open.size(), 4u);
  EXPECT_EQ(open[0].window_start, At(240));
  EXPECT_EQ(open[0].cell, C(1, 1));
  EXPECT_EQ(open[1].window_start, At(480));
  EXPECT_EQ(open[1].cell, C(0, 2));
  EXPECT_EQ(open[1].stats, Stats(1, 30000, 900000000, 2000, 240));
  EXPECT_EQ(open[2].window_start, At(480));
  EXPECT_EQ(open[2].cell, C(0, 3));
  EXPECT_EQ(open[2].stats, Stats(1, 12500, 156250000, 1200, 300));
  EXPECT_EQ(open[3].window_start, At(600));
  EXPECT_EQ(open[3].cell, C(0, 1));
  EXPECT_EQ(open[3].stats, Stats(2, 32500, 556250000, 2200, 480));
  EXPECT_EQ(r.counters().late, 2);
}

TEST(WindowerPartitionState, SnapshotIsSmall) {
  // 400 cells of one partition with 3 open windows each.
  Windower w;
  for (int col = 0; col < 56; ++col) {
    for (int row = 0; row < 8; ++row) {
      for (int k = 0; k < 3; ++k)
        ASSERT_TRUE(w.Add(Ev(k * 60, {static_cast<int16_t>(row), static_cast<int16_t>(col)}), 0).ok());
    }
  }
  auto all = SelectCells(geo::GridSpec{}, [](geo::CellId) { return true; });
  const std::string bytes = w.SnapshotPartition(0, all);
  EXPECT_LT(bytes.size(), 448u * 3 * 16 + 400);
  Windower r;
  ASSERT_OK(r.RestorePartition(0, bytes));
  EXPECT_EQ(r.SnapshotPartition(0, all), bytes);
}

}  // namespace
}  // namespace traffic::window
