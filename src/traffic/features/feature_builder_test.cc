#include "traffic/features/feature_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "traffic/features/test_pipeline.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::features {
namespace {

using testing::RunPipeline;
using window::Event;

// 2016-01-04 13:00:00 UTC = Monday 08:00 in New York.
constexpr int64_t kBase = 1451912400;
core::UtcTime At(int64_t offset_s) { return core::FromEpochSeconds(kBase + offset_s); }
core::UtcTime Min(int64_t minutes) { return At(minutes * 60); }
Event Ev(int64_t offset_s, geo::CellId cell, double speed) { return Event{At(offset_s), cell, speed, 1.0, 600}; }

const geo::CellId kA{28, 27};

const FeatureRow* Find(const std::vector<FeatureRow>& rows, core::UtcTime t, geo::CellId cell) {
  for (const auto& r : rows) {
    if (r.t == t && r.cell == cell) return &r;
  }
  return nullptr;
}

std::vector<Event> Sorted(std::vector<Event> events) {
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.event_time < b.event_time; });
  return events;
}

TEST(FeatureBuilder, OwnWindowsByClockTime) {
  std::vector<Event> events = {
      Ev(5, kA, 30.0),             // minute 0: in [t-60, t) for t = 60 only
      Ev(40 * 60 + 10, kA, 12.0),  // minute 40: [t-30, t-15) for t = 60
      Ev(44 * 60 + 59, kA, 14.0),  // minute 44
      Ev(50 * 60, kA, 6.0),        // minute 50: [t-15, t)
      Ev(56 * 60, kA, 9.0),        // minute 56: also [t-5, t)
      Ev(59 * 60 + 59, kA, 3.0),   // minute 59: the last window before t
      Ev(60 * 60, kA, 100.0),      // minute 60 = t: must not be seen by the row of t
  };
  auto rows = RunPipeline(events, 1, nullptr, /*label=*/false);
  const FeatureRow* r = Find(rows, Min(60), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->count_5m, 2);
  EXPECT_DOUBLE_EQ(r->speed_5m, 6.0);
  EXPECT_EQ(r->count_15m, 3);
  EXPECT_DOUBLE_EQ(r->speed_15m, 6.0);
  EXPECT_EQ(r->count_15_30m, 2);
  EXPECT_DOUBLE_EQ(r->speed_15_30m, 13.0);
  EXPECT_EQ(r->count_60m, 6);
  EXPECT_DOUBLE_EQ(r->speed_60m, 74.0 / 6);
  EXPECT_DOUBLE_EQ(r->distance_mi_60m, 1.0);
  EXPECT_DOUBLE_EQ(r->duration_min_60m, 10.0);
  EXPECT_FALSE(std::isnan(r->speed_std_60m));
  // One minute later the minute-0 trip has left [t-60, t) and the minute-60 one came in.
  const FeatureRow* next = Find(rows, Min(61), kA);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->count_60m, 6);
  EXPECT_DOUBLE_EQ(next->speed_60m, (74.0 - 30.0 + 100.0) / 6);
  // Row times are window boundaries, every minute, sorted.
  for (const auto& row : rows) EXPECT_EQ(core::ToEpochSeconds(row.t) % 60, 0);
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.t < b.t; }));
}

TEST(FeatureBuilder, MissingRangesAreZeroTripsAndNaNSpeed) {
  // The far event in another cell moves the watermark on; rows exist only up to closed_until.
  std::vector<Event> events = {Ev(10, kA, 15.0), Ev(5 * 3600, {1, 1}, 15.0)};
  auto rows = RunPipeline(events, 1, nullptr, false);
  const FeatureRow* r = Find(rows, Min(30), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->count_15m, 0);
  EXPECT_TRUE(std::isnan(r->speed_15m));
  EXPECT_EQ(r->count_15_30m, 1);
  EXPECT_DOUBLE_EQ(r->speed_15_30m, 15.0);
  EXPECT_TRUE(std::isnan(r->speed_std_60m));
  EXPECT_TRUE(std::isnan(r->nbr_speed_15m));
}

TEST(FeatureBuilder, ACellHasRowsWhileItHadATripInTheLastHour) {
  std::vector<Event> events = {Ev(10, kA, 15.0), Ev(3 * 3600, {1, 1}, 15.0)};
  auto rows = RunPipeline(events, 1, nullptr, false);
  std::set<int64_t> minutes;
  for (const auto& r : rows) {
    if (r.cell == kA) minutes.insert((core::ToEpochSeconds(r.t) - kBase) / 60);
  }
  // The trip's window [0, 1) is in [t-60, t) for t = 1 ... 60.
  ASSERT_EQ(minutes.size(), 60u);
  EXPECT_EQ(*minutes.begin(), 1);
  EXPECT_EQ(*minutes.rbegin(), 60);
  EXPECT_TRUE(Find(rows, Min(181), {1, 1}));
}

TEST(FeatureBuilder, NeighboursAreTheEightAdjacentCellsTripWeighted) {
  std::vector<Event> events = {
      Ev(50 * 60, kA, 20.0),       Ev(50 * 60, {27, 26}, 10.0),  // diagonal neighbour
      Ev(51 * 60, {27, 26}, 10.0), Ev(52 * 60, {29, 28}, 40.0),  // the opposite diagonal
      Ev(53 * 60, {28, 28}, 4.0),                                // right
      Ev(54 * 60, {30, 27}, 99.0),                               // two rows away: not a neighbour
      Ev(30 * 60, {28, 26}, 99.0),                               // neighbour, but before [t-15, t)
      Ev(55 * 60, {0, 0}, 10.0),    // a corner cell: neighbours outside the grid are skipped
      Ev(5 * 3600, {1, 20}, 10.0),  // moves the watermark past t
  };
  auto rows = RunPipeline(Sorted(events), 1, nullptr, false);
  const FeatureRow* r = Find(rows, Min(60), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->nbr_count_15m, 4);
  EXPECT_DOUBLE_EQ(r->nbr_speed_15m, (10.0 + 10.0 + 40.0 + 4.0) / 4);
  const FeatureRow* corner = Find(rows, Min(60), {0, 0});
  ASSERT_NE(corner, nullptr);
  EXPECT_EQ(corner->nbr_count_15m, 0);
}

TEST(FeatureBuilder, CalendarIsNewYorkLocalAtT) {
  // Monday 2016-01-04 08:00 EST.
  auto rows = RunPipeline({Ev(10, kA, 15.0)}, 1, nullptr, false);
  const FeatureRow* r = Find(rows, Min(1), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->calendar.local_hour, 8);
  EXPECT_EQ(r->calendar.iso_weekday, 1);
  EXPECT_TRUE(r->calendar.is_rush_hour);
  EXPECT_FALSE(r->calendar.is_weekend);
  EXPECT_FALSE(r->calendar.is_night);
  // Saturday 2016-07-09 02:59 UTC = Friday 22:59 EDT; the row at 03:00 UTC is Friday 23:00.
  const int64_t summer = 1468033140;
  Event e{core::FromEpochSeconds(summer), kA, 15.0, 1.0, 600};
  rows = RunPipeline({e}, 1, nullptr, false);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].t, core::FromEpochSeconds(summer + 60));
  EXPECT_EQ(rows[0].calendar.local_hour, 23);
  EXPECT_EQ(rows[0].calendar.iso_weekday, 5);
  EXPECT_TRUE(rows[0].calendar.is_night);
  EXPECT_FALSE(rows[0].calendar.is_weekend);
  EXPECT_FALSE(rows[0].calendar.is_rush_hour);
}

// ~4 hours over a 4x4 block of cells with rush-like speed swings.
std::vector<Event> RandomEvents(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(0, 3);
  std::uniform_real_distribution<double> speed(2.0, 35.0);
  std::vector<Event> events;
  int64_t t = 0;
  for (int i = 0; i < n; ++i) {
    t += std::uniform_int_distribution<int>(0, 5)(rng);
    geo::CellId cell{static_cast<int16_t>(27 + d(rng)), static_cast<int16_t>(26 + d(rng))};
    events.push_back(Event{At(t), cell, speed(rng), 0.5 + d(rng), 120 + 60 * d(rng)});
  }
  return events;
}

void ExpectSameRows(const std::vector<FeatureRow>& a, const std::vector<FeatureRow>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(SameRow(a[i], b[i])) << "row " << i << " t " << core::FormatIsoUtc(a[i].t) << " cell "
                                     << a[i].cell.ToString();
  }
}

TEST(FeatureBuilder, SameRowsWhateverTheBatchSizeAndArrivalOrder) {
  auto events = RandomEvents(4000, 7);
  auto expected = RunPipeline(events, 1);
  ASSERT_GT(expected.size(), 1000u);
  for (size_t chunk : {3, 100, 100000}) ExpectSameRows(RunPipeline(events, chunk), expected);
  // Shuffled within the allowed lateness (2 minutes): no event late, same rows and labels.
  std::mt19937 rng(11);
  std::vector<std::pair<int64_t, Event>> keyed;
  for (const Event& e : events) {
    keyed.push_back({core::ToEpochSeconds(e.event_time) + std::uniform_int_distribution<int>(0, 120)(rng), e});
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<Event> shuffled;
  for (auto& [k, e] : keyed) shuffled.push_back(e);
  for (size_t chunk : {1, 50}) ExpectSameRows(RunPipeline(shuffled, chunk), expected);
}

// The no-leakage test: the features of time t must not change when anything at or after t does.
TEST(FeatureBuilder, NoLeakageFeaturesOfTIgnoreEverythingAtOrAfterT) {
  auto events = RandomEvents(4000, 8);
  const HistoricalProfile profile = [&] {
    window::Windower w;
    for (const auto& e : events) w.Add(e);
    w.Flush();
    std::vector<window::WindowAggregate> closed;
    w.TakeClosed(&closed);
    return FitProfile(closed, geo::GridSpec{}, At(0), At(3600));
  }();
  const auto base = RunPipeline(events, 1, &profile, /*label=*/false);
  const int64_t span_s = core::ToEpochSeconds(events.back().event_time) - kBase;
  for (int64_t cut_min : {int64_t{61}, int64_t{90}, int64_t{137}, span_s / 60 - 5}) {
    const core::UtcTime cut = Min(cut_min);
    // Perturb every event at or after the cut: other speeds and distances, half dropped, new
    // cells, new events exactly at the cut.
    std::vector<Event> perturbed;
    std::mt19937 rng(static_cast<uint32_t>(cut_min));
    for (const Event& e : events) {
      if (e.event_time < cut) {
        perturbed.push_back(e);
        continue;
      }
      if (rng() % 2) continue;
      Event p = e;
      p.speed_mph = 1.0 + (rng() % 5000) / 100.0;
      p.distance_mi *= 3;
      p.cell.col = static_cast<int16_t>(p.cell.col + rng() % 2);
      perturbed.push_back(p);
    }
    perturbed.push_back(Event{cut, {27, 26}, 59.0, 9.0, 60});
    perturbed.push_back(Event{cut, {40, 40}, 59.0, 9.0, 60});
    perturbed = Sorted(perturbed);
    const auto changed = RunPipeline(perturbed, 7, &profile, false);
    std::vector<FeatureRow> before_a, before_b;
    for (const auto& r : base)
      if (r.t <= cut) before_a.push_back(r);
    for (const auto& r : changed)
      if (r.t <= cut) before_b.push_back(r);
    ASSERT_GT(before_a.size(), 100u);
    ExpectSameRows(before_a, before_b);
    // And the perturbation is visible after the cut (the test can fail).
    bool differs = false;
    std::vector<FeatureRow> after_a, after_b;
    for (const auto& r : base)
      if (r.t > cut) after_a.push_back(r);
    for (const auto& r : changed)
      if (r.t > cut) after_b.push_back(r);
    if (after_a.size() != after_b.size()) differs = true;
    for (size_t i = 0; !differs && i < after_a.size(); ++i) differs = !SameRow(after_a[i], after_b[i]);
    EXPECT_TRUE(differs);
  }
}

TEST(FeatureBuilder, UsesTheProfileOfTheHourOfWeekAtT) {
  // Profile fitted from hand-made windows: cell A at Monday 08:xx local -> 12 mph.
  std::vector<window::WindowAggregate> train;
  window::WindowAggregate w;
  w.window_start = At(-7 * 24 * 3600 + 600);  // the Monday before, 08:10
  w.window_end = w.window_start + std::chrono::seconds(60);
  w.cell = kA;
  w.stats.Add(Event{w.window_start, kA, 12.0, 1.0, 60});
  train.push_back(w);
  auto profile = FitProfile(train, geo::GridSpec{}, At(-7 * 24 * 3600), At(-6 * 24 * 3600));
  auto rows = RunPipeline({Ev(10, kA, 30.0), Ev(20, {1, 1}, 30.0)}, 1, &profile, false);
  const FeatureRow* r = Find(rows, Min(1), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_DOUBLE_EQ(r->profile_speed, 12.0);
  EXPECT_DOUBLE_EQ(r->profile_trips_per_hour, 1.0);
  EXPECT_FALSE(r->profile_fallback);
  const FeatureRow* other = Find(rows, Min(1), {1, 1});
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(other->profile_fallback);
  EXPECT_DOUBLE_EQ(other->profile_speed, 12.0);  // the city-wide value
  // Without a profile: NaN and flagged.
  rows = RunPipeline({Ev(10, kA, 30.0)}, 1, nullptr, false);
  EXPECT_TRUE(std::isnan(rows.at(0).profile_speed));
  EXPECT_TRUE(rows.at(0).profile_fallback);
}

TEST(FeatureBuilder, AnomaliesAreSpeedsAgainstTheSmoothedProfile) {
  // A flat profile: cells A and B (its neighbour) at 20 mph at every hour of the week before.
  const geo::CellId kB{28, 28};
  std::vector<window::WindowAggregate> train;
  for (int64_t h = 0; h < 168; ++h) {
    for (geo::CellId cell : {kA, kB}) {
      window::WindowAggregate w;
      w.window_start = At(-7 * 24 * 3600 + h * 3600);
      w.window_end = w.window_start + std::chrono::seconds(60);
      w.cell = cell;
      for (int i = 0; i < 10; ++i) w.stats.Add(Event{w.window_start, cell, 20.0, 1.0, 60});
      train.push_back(w);
    }
  }
  auto profile = FitProfile(train, geo::GridSpec{}, At(-7 * 24 * 3600), At(0));
  // The hour after: A at 10 mph every minute (half its profile), B at 30 for the last 15 minutes.
  std::vector<Event> events;
  for (int m = 0; m < 60; ++m) {
    events.push_back(Ev(m * 60 + 1, kA, 10.0));
    if (m >= 45) events.push_back(Ev(m * 60 + 2, kB, 30.0));
  }
  auto rows = RunPipeline(Sorted(events), 1, &profile, false);
  const FeatureRow* r = Find(rows, Min(60), kA);
  ASSERT_NE(r, nullptr);
  EXPECT_DOUBLE_EQ(r->anomaly_5m, 0.5);
  EXPECT_DOUBLE_EQ(r->anomaly_15m, 0.5);
  EXPECT_DOUBLE_EQ(r->anomaly_15_30m, 0.5);
  EXPECT_DOUBLE_EQ(r->anomaly_60m, 0.5);
  EXPECT_DOUBLE_EQ(r->anomaly_trend, 1.0);
  EXPECT_EQ(r->slow_minutes, 60);
  EXPECT_DOUBLE_EQ(r->nbr_anomaly_15m, 1.5);
  // The city over [t-15, t): 15 trips at 10 and 15 at 30 against 30 trips at 20.
  EXPECT_DOUBLE_EQ(r->city_anomaly_15m, 1.0);
  // Over [t-60, t): 60 trips at 10 and 15 at 30 against 75 at 20.
  EXPECT_DOUBLE_EQ(r->city_anomaly_60m, (600.0 + 450.0) / (75 * 20.0));
  for (int i = 0; i < kHorizonCount; ++i) {
    EXPECT_DOUBLE_EQ(r->profile_ahead[i], 20.0);
    EXPECT_DOUBLE_EQ(r->anomaly_speed_ahead[i], 10.0);
  }
  // B has been fast, not slow; A at minute 20 has had 20 slow minutes.
  const FeatureRow* b = Find(rows, Min(60), kB);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->slow_minutes, 0);
  EXPECT_DOUBLE_EQ(b->anomaly_15m, 1.5);
  EXPECT_TRUE(std::isnan(b->anomaly_15_30m));  // no trips then
  EXPECT_DOUBLE_EQ(b->nbr_anomaly_15m, 0.5);
  const FeatureRow* early = Find(rows, Min(20), kA);
  ASSERT_NE(early, nullptr);
  EXPECT_EQ(early->slow_minutes, 20);
  // Without a profile there is nothing to compare with.
  auto bare = RunPipeline(Sorted(events), 1, nullptr, false);
  const FeatureRow* n = Find(bare, Min(60), kA);
  ASSERT_NE(n, nullptr);
  EXPECT_TRUE(std::isnan(n->anomaly_15m));
  EXPECT_TRUE(std::isnan(n->city_anomaly_15m));
  EXPECT_TRUE(std::isnan(n->profile_ahead[0]));
  EXPECT_EQ(n->slow_minutes, 0);
}

TEST(FeatureLayout, NamesMatchTheVector) {
  const auto& names = FeatureNames();
  ASSERT_EQ(static_cast<int>(names.size()), kFeatureCount);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  EXPECT_EQ(names.front(), "count_5m");
  EXPECT_EQ(names.back(), "anomaly_speed_60m");
  FeatureRow r;
  r.count_5m = 4;
  r.speed_15m = 7.5;
  r.calendar.local_hour = 17;
  r.calendar.is_rush_hour = true;
  r.profile_fallback = false;
  std::vector<float> v(kFeatureCount + 1, -99.0f);
  ToVector(r, v.data());
  auto at = [&](const std::string& name) { return v[std::find(names.begin(), names.end(), name) - names.begin()]; };
  EXPECT_EQ(at("count_5m"), 4.0f);
  EXPECT_EQ(at("speed_15m"), 7.5f);
  EXPECT_TRUE(std::isnan(at("speed_5m")));
  EXPECT_EQ(at("local_hour"), 17.0f);
  EXPECT_EQ(at("is_rush_hour"), 1.0f);
  EXPECT_EQ(at("profile_fallback"), 0.0f);
  EXPECT_EQ(v[kFeatureCount], -99.0f);  // writes exactly kFeatureCount values
  EXPECT_EQ(FeatureLayoutId().substr(0, 3), "v1-");
  EXPECT_EQ(FeatureLayoutId().size(), 19u);
}

TEST(FeatureOptions, WindowSizeMustDivideFiveMinutes) {
  FeatureOptions o;
  EXPECT_OK(o.Validate());
  o.window_size = std::chrono::seconds(7 * 60);
  EXPECT_FALSE(o.Validate().ok());
}

}  // namespace
}  // namespace traffic::features
