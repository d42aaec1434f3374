#include "traffic/window/windower.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "traffic/testing/status_matchers.h"

namespace traffic::window {
namespace {

using std::chrono::seconds;

// 2016-01-04 13:00:00 UTC (08:00 in New York), a Monday.
constexpr int64_t kBase = 1451912400;

core::UtcTime At(int64_t offset_s) { return core::FromEpochSeconds(kBase + offset_s); }

Event Ev(int64_t offset_s, geo::CellId cell, double speed = 12.5, double dist = 1.2, int64_t dur = 300) {
  return Event{At(offset_s), cell, speed, dist, dur};
}

// The windows the events must produce when none is late: a plain group-by.
std::vector<WindowAggregate> Reference(const std::vector<Event>& events, int64_t window_s = 60) {
  std::map<std::tuple<int64_t, int16_t, int16_t>, TripStats> groups;
  for (const Event& e : events) {
    int64_t t = core::ToEpochSeconds(e.event_time);
    int64_t start = (t / window_s) * window_s;  // positive times only
    groups[{start, e.cell.row, e.cell.col}].Add(e);
  }
  std::vector<WindowAggregate> out;
  for (const auto& [key, stats] : groups) {
    auto [start, row, col] = key;
    out.push_back(
        {core::FromEpochSeconds(start), core::FromEpochSeconds(start + window_s), geo::CellId{row, col}, stats});
  }
  return out;
}

// ~3 hours of events over a handful of cells, sorted by event time, with odd speeds.
std::vector<Event> RandomEvents(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> cell_pick(0, 5);
  std::uniform_real_distribution<double> speed(1.0, 45.0);
  std::uniform_real_distribution<double> dist(0.1, 12.0);
  const geo::CellId cells[] = {{28, 27}, {28, 28}, {29, 27}, {0, 0}, {44, 55}, {10, 3}};
  std::vector<Event> events;
  int64_t t = 0;
  for (int i = 0; i < n; ++i) {
    t += std::uniform_int_distribution<int>(0, 4)(rng);
    events.push_back(Ev(t, cells[cell_pick(rng)], speed(rng), dist(rng), 60 + i % 900));
  }
  return events;
}

std::vector<WindowAggregate> RunChunked(const std::vector<Event>& events, size_t chunk, WindowOptions options = {}) {
  Windower w(options);
  std::vector<WindowAggregate> out;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_TRUE(w.Add(events[i]).ok()) << i;
    if ((i + 1) % chunk == 0) w.TakeClosed(&out);
  }
  w.Flush();
  w.TakeClosed(&out);
  return out;
}

TEST(Windower, MatchesAPlainGroupByInEventTimeOrder) {
  auto events = RandomEvents(5000, 1);
  auto out = RunChunked(events, 1);
  EXPECT_EQ(out, Reference(events));
  // Emitted in (window_start, cell) order.
  EXPECT_TRUE(std::is_sorted(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.window_start, a.cell) < std::tie(b.window_start, b.cell);
  }));
}

TEST(Windower, SameWindowsWhateverTheBatchSize) {
  auto events = RandomEvents(5000, 2);
  auto expected = Reference(events);
  for (size_t chunk : {1, 2, 7, 64, 1000, 100000}) {
    EXPECT_EQ(RunChunked(events, chunk), expected) << "chunk " << chunk;
  }
}

TEST(Windower, SameWindowsWhateverTheArrivalOrderWithinTheLateness) {
  auto events = RandomEvents(5000, 3);
  auto expected = Reference(events);
  for (uint32_t seed = 0; seed < 5; ++seed) {
    // Each event arrives at event_time + a delay in [0, lateness]: never late by construction.
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> delay(0, 120);
    std::vector<std::pair<int64_t, Event>> keyed;
    for (const Event& e : events) keyed.push_back({core::ToEpochSeconds(e.event_time) + delay(rng), e});
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Event> shuffled;
    for (auto& [key, e] : keyed) shuffled.push_back(e);
    ASSERT_NE(shuffled.front().event_time, shuffled.back().event_time);
    for (size_t chunk : {1, 13, 500}) {
      EXPECT_EQ(RunChunked(shuffled, chunk), expected) << "seed " << seed << " chunk " << chunk;
    }
  }
}

TEST(Windower, EmitsAWindowAsSoonAsTheWatermarkPassesItsEnd) {
  Windower w;
  std::vector<WindowAggregate> out;
  ASSERT_TRUE(w.Add(Ev(30, {1, 1})).ok());   // window [0, 60)
  ASSERT_TRUE(w.Add(Ev(179, {1, 1})).ok());  // watermark 59: not yet
  w.TakeClosed(&out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.watermark(), At(59));
  ASSERT_TRUE(w.Add(Ev(180, {1, 1})).ok());  // watermark 60 == end: closed
  w.TakeClosed(&out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].window_start, At(0));
  EXPECT_EQ(out[0].window_end, At(60));
  EXPECT_EQ(out[0].trip_count(), 1);
  EXPECT_EQ(w.closed_until(), At(60));
  EXPECT_EQ(w.open_window_count(), 2u);  // [120, 180) and [180, 240)
}

TEST(Windower, LateEventsAreReturnedAndCountedNeverAdded) {
  Windower w;
  ASSERT_TRUE(w.Add(Ev(30, {1, 1})).ok());
  ASSERT_TRUE(w.Add(Ev(600, {1, 1})).ok());  // watermark 480, closed until 480
  // Older than the watermark but its window [420, 480)... is closed: late.
  AddResult r = w.Add(Ev(479, {1, 1}));
  EXPECT_EQ(r.status, AddStatus::kLate);
  EXPECT_EQ(r.window_start, At(420));
  EXPECT_EQ(r.closed_until, At(480));
  EXPECT_NE(DescribeReject(Ev(479, {1, 1}), r).find("late: event_time"), std::string::npos);
  // Older than the watermark (480) but in the still-open window [480, 540): accepted.
  EXPECT_TRUE(w.Add(Ev(481, {1, 1})).ok());
  EXPECT_EQ(w.Add(Ev(0, {2, 2})).status, AddStatus::kLate);
  EXPECT_EQ(w.counters().late, 2);
  EXPECT_EQ(w.counters().accepted, 3);
  w.Flush();
  std::vector<WindowAggregate> out;
  w.TakeClosed(&out);
  int64_t trips = 0;
  for (const auto& a : out) trips += a.trip_count();
  EXPECT_EQ(trips, 3);
  EXPECT_EQ(w.counters().windows_emitted, 3);
}

TEST(Windower, RejectsOutsideGridAndInvalidValues) {
  Windower w;
  EXPECT_EQ(w.Add(Ev(0, {45, 0})).status, AddStatus::kOutsideGrid);
  EXPECT_EQ(w.Add(Ev(0, {-1, 0})).status, AddStatus::kOutsideGrid);
  EXPECT_EQ(w.Add(Ev(0, {1, 1}, std::nan(""))).status, AddStatus::kInvalidValue);
  EXPECT_EQ(w.Add(Ev(0, {1, 1}, -1.0)).status, AddStatus::kInvalidValue);
  EXPECT_EQ(w.counters().outside_grid, 2);
  EXPECT_EQ(w.counters().invalid_value, 2);
  EXPECT_EQ(w.counters().accepted, 0);
  EXPECT_FALSE(w.watermark());
}

TEST(Windower, EmitsEachWindowOnce) {
  auto events = RandomEvents(2000, 4);
  Windower w;
  std::vector<WindowAggregate> out;
  for (const Event& e : events) {
    w.Add(e);
    w.TakeClosed(&out);
  }
  w.Flush();
  w.Flush();
  w.TakeClosed(&out);
  w.TakeClosed(&out);
  std::set<std::pair<core::UtcTime, geo::CellId>> seen;
  for (const auto& a : out) EXPECT_TRUE(seen.insert({a.window_start, a.cell}).second);
  EXPECT_EQ(out, Reference(events));
  // After a flush every event in a flushed window is late.
  EXPECT_EQ(w.Add(events.back()).status, AddStatus::kLate);
  EXPECT_EQ(w.open_window_count(), 0u);
}

TEST(Windower, WatermarkIsTheMinimumOverPartitions) {
  Windower w;
  ASSERT_TRUE(w.Add(Ev(600, {1, 1}), 0).ok());
  EXPECT_EQ(w.watermark(), At(480));
  ASSERT_TRUE(w.Add(Ev(500, {1, 2}), 1).ok());  // partition 1 is behind: holds the watermark
  EXPECT_EQ(w.watermark(), At(480));            // never moves back
  ASSERT_TRUE(w.Add(Ev(1200, {1, 1}), 0).ok());
  EXPECT_EQ(w.watermark(), At(480));  // min(1080, 380) < 480: unchanged
  ASSERT_TRUE(w.Add(Ev(900, {1, 2}), 1).ok());
  EXPECT_EQ(w.watermark(), At(780));  // min(1080, 780)
  EXPECT_EQ(w.closed_until(), At(780));
  // An event of partition 0 that partition 1 alone would allow: not late.
  EXPECT_TRUE(w.Add(Ev(790, {1, 1}), 0).ok());
}

TEST(Windower, AnIdlePartitionStopsHoldingTheWatermark) {
  WindowOptions options;
  options.idle_timeout = seconds(30);
  Windower w(options);
  w.AdvanceProcessingTime(At(100000));
  ASSERT_TRUE(w.Add(Ev(300, {1, 1}), 1).ok());
  ASSERT_TRUE(w.Add(Ev(600, {1, 1}), 0).ok());
  EXPECT_EQ(w.watermark(), At(180));
  w.AdvanceProcessingTime(At(100020));
  ASSERT_TRUE(w.Add(Ev(610, {1, 1}), 0).ok());  // partition 0 stays active
  w.AdvanceProcessingTime(At(100030));          // partition 1: 30 s idle, not more
  EXPECT_TRUE(w.IsActive(1));
  EXPECT_EQ(w.watermark(), At(180));
  w.AdvanceProcessingTime(At(100031));  // 31 s > 30 s: idle
  EXPECT_FALSE(w.IsActive(1));
  EXPECT_TRUE(w.IsActive(0));
  EXPECT_EQ(w.watermark(), At(490));
  EXPECT_EQ(w.closed_until(), At(480));
  // Partition 1 comes back behind: its old events are late, the watermark does not regress.
  EXPECT_EQ(w.Add(Ev(400, {1, 1}), 1).status, AddStatus::kLate);
  EXPECT_TRUE(w.IsActive(1));
  EXPECT_EQ(w.watermark(), At(490));
  ASSERT_TRUE(w.Add(Ev(700, {1, 1}), 0).ok());  // partition 1 (max 400) holds it again
  EXPECT_EQ(w.watermark(), At(490));
  // Every partition idle: the watermark stays.
  w.AdvanceProcessingTime(At(200000));
  EXPECT_FALSE(w.IsActive(0));
  EXPECT_FALSE(w.IsActive(1));
  EXPECT_EQ(w.watermark(), At(490));
}

TEST(Windower, ARegisteredSilentPartitionHoldsTheWatermarkUntilIdle) {
  Windower w;  // idle timeout 60 s
  w.AdvanceProcessingTime(At(0));
  w.RegisterPartition(3);
  w.AdvanceProcessingTime(At(30));
  ASSERT_TRUE(w.Add(Ev(600, {1, 1}), 0).ok());
  EXPECT_FALSE(w.watermark());
  w.AdvanceProcessingTime(At(61));
  EXPECT_FALSE(w.IsActive(3));
  EXPECT_EQ(w.watermark(), At(480));
}

TEST(Windower, WithoutProcessingTimeNothingGoesIdle) {
  Windower w;
  ASSERT_TRUE(w.Add(Ev(60, {1, 1}), 1).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(w.Add(Ev(600 + i * 60, {1, 1}), 0).ok());
  EXPECT_EQ(w.watermark(), At(-60));
  EXPECT_TRUE(w.IsActive(1));
}

TEST(Windower, SnapshotRestoreMidStreamGivesTheUninterruptedOutput) {
  auto events = RandomEvents(4000, 5);
  // Two partitions, to carry per-partition state across the snapshot. Partition 0's snapshot
  // carries every cell, partition 1's only its watermark entry.
  auto feed = [](Windower& w, const Event& e, size_t i) { return w.Add(e, static_cast<int>(i % 2)); };
  const CellMask all = SelectCells(geo::GridSpec{}, [](geo::CellId) { return true; });
  const CellMask none(all.size(), false);
  Windower whole;
  std::vector<WindowAggregate> expected;
  for (size_t i = 0; i < events.size(); ++i) ASSERT_TRUE(feed(whole, events[i], i).ok());
  whole.Flush();
  whole.TakeClosed(&expected);

  for (size_t cut : {size_t{0}, size_t{1}, size_t{1234}, size_t{3999}}) {
    Windower first;
    std::vector<WindowAggregate> out;
    for (size_t i = 0; i < cut; ++i) ASSERT_TRUE(feed(first, events[i], i).ok());
    if (cut == 1234) first.TakeClosed(&out);  // some taken before, some carried in the snapshot
    const std::string bytes0 = first.SnapshotPartition(0, all), bytes1 = first.SnapshotPartition(1, none);
    Windower second;
    ASSERT_OK(second.RestorePartition(0, bytes0));
    ASSERT_OK(second.RestorePartition(1, bytes1));
    EXPECT_EQ(second.SnapshotPartition(0, all), bytes0);
    EXPECT_EQ(second.SnapshotPartition(1, none), bytes1);
    EXPECT_EQ(second.watermark(), first.watermark());
    for (size_t i = cut; i < events.size(); ++i) ASSERT_TRUE(feed(second, events[i], i).ok());
    second.Flush();
    second.TakeClosed(&out);
    EXPECT_EQ(out, expected) << "cut " << cut;
    // Counters are per process (not part of the state): the two processes add up to one run.
    EXPECT_EQ(first.counters().accepted + second.counters().accepted, whole.counters().accepted);
    EXPECT_EQ(first.counters().windows_emitted + second.counters().windows_emitted, whole.counters().windows_emitted);
  }
}

TEST(Windower, RestoreRefusesBadOrForeignBytes) {
  Windower w;
  ASSERT_TRUE(w.Add(Ev(10, {1, 1})).ok());
  const CellMask all = SelectCells(geo::GridSpec{}, [](geo::CellId) { return true; });
  std::string bytes = w.SnapshotPartition(0, all);
  Windower other;
  EXPECT_EQ(other.RestorePartition(0, "nonsense").code(), core::StatusCode::kCorrupt);
  EXPECT_EQ(other.RestorePartition(0, bytes.substr(0, bytes.size() - 3)).code(), core::StatusCode::kCorrupt);
  EXPECT_EQ(other.RestorePartition(0, bytes + "x").code(), core::StatusCode::kCorrupt);
  WindowOptions five_min;
  five_min.window_size = seconds(300);
  Windower foreign(five_min);
  EXPECT_EQ(foreign.RestorePartition(0, bytes).code(), core::StatusCode::kInvalidArgument);
  // A failed restore leaves the state alone.
  EXPECT_EQ(other.counters().accepted, 0);
  EXPECT_FALSE(other.watermark());
}

TEST(Windower, ConfigurableWindowSize) {
  WindowOptions options;
  options.window_size = seconds(300);
  auto events = RandomEvents(3000, 6);
  EXPECT_EQ(RunChunked(events, 17, options), Reference(events, 300));
}

TEST(Windower, AggregatesAreExactSums) {
  Windower w;
  ASSERT_TRUE(w.Add(Ev(1, {5, 5}, 8.0, 1.0, 450)).ok());
  ASSERT_TRUE(w.Add(Ev(2, {5, 5}, 12.0, 2.5, 750)).ok());
  ASSERT_TRUE(w.Add(Ev(3, {5, 5}, 10.0, 0.5, 180)).ok());
  w.Flush();
  std::vector<WindowAggregate> out;
  w.TakeClosed(&out);
  ASSERT_EQ(out.size(), 1u);
  const auto& a = out[0];
  EXPECT_EQ(a.trip_count(), 3);
  EXPECT_DOUBLE_EQ(a.avg_speed_mph(), 10.0);
  EXPECT_EQ(a.level(), CongestionLevel::kMedium);
  EXPECT_NEAR(a.stats.speed_std_mph(), std::sqrt(8.0 / 3.0), 1e-9);
  EXPECT_DOUBLE_EQ(a.stats.avg_distance_mi(), 4.0 / 3.0);
  EXPECT_DOUBLE_EQ(a.stats.avg_duration_s(), 460.0);
}

TEST(EventFromTrip, UsesDropoffTimeAndPickupCell) {
  trip::Trip t;
  t.pickup_time = At(0);
  t.dropoff_time = At(600);
  t.pickup_lat = 40.7580;
  t.pickup_lon = -73.9855;
  t.dropoff_lat = 40.70;
  t.dropoff_lon = -74.0;
  t.distance_mi = 2.0;
  auto e = EventFromTrip(t, geo::Grid());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event_time, At(600));
  EXPECT_EQ(e->cell.ToString(), "28_27");
  EXPECT_DOUBLE_EQ(e->speed_mph, 12.0);
  EXPECT_EQ(e->duration_s, 600);
  t.pickup_lat = 0;
  EXPECT_FALSE(EventFromTrip(t, geo::Grid()));
}

}  // namespace
}  // namespace traffic::window
