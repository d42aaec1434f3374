#include "traffic/features/profile.h"

#include <gtest/gtest.h>

#include <cmath>

#include "traffic/testing/status_matchers.h"

namespace traffic::features {
namespace {

constexpr int64_t kBase = 1451912400;  // Monday 2016-01-04 08:00 New York (13:00 UTC)
core::UtcTime At(int64_t offset_s) { return core::FromEpochSeconds(kBase + offset_s); }
constexpr int64_t kDay = 24 * 3600;
constexpr int64_t kWeek = 7 * kDay;

window::WindowAggregate Win(int64_t offset_s, geo::CellId cell, std::initializer_list<double> speeds) {
  window::WindowAggregate w;
  w.window_start = At(offset_s);
  w.window_end = At(offset_s + 60);
  w.cell = cell;
  for (double s : speeds) w.stats.Add(window::Event{w.window_start, cell, s, 1.0, 60});
  return w;
}

TEST(HourOfWeek, IsoMondayMidnightLocalIsZero) {
  EXPECT_EQ(HourOfWeek(At(0)), 8);                // Monday 08:00 EST
  EXPECT_EQ(HourOfWeek(At(-8 * 3600)), 0);        // Monday 00:00 EST
  EXPECT_EQ(HourOfWeek(At(-8 * 3600 - 1)), 167);  // Sunday 23:59:59 EST
  // Summer: 2016-07-11 04:00 UTC = Monday 00:00 EDT.
  EXPECT_EQ(HourOfWeek(core::FromEpochSeconds(1468209600)), 0);
}

TEST(HistoricalProfile, MeansPerCellAndHourOfWeek) {
  const geo::CellId a{28, 27}, b{10, 10}, c{5, 5};
  std::vector<window::WindowAggregate> windows = {
      Win(60, a, {10.0, 20.0}),      // week 1, Monday 08:01
      Win(kWeek + 120, a, {30.0}),   // week 2, Monday 08:02
      Win(3600, a, {5.0}),           // Monday 09:01
      Win(600, b, {2.0, 4.0, 6.0}),  // Monday 08:10
  };
  auto p = FitProfile(windows, geo::GridSpec{}, At(-8 * 3600), At(-8 * 3600 + 2 * kWeek));
  EXPECT_EQ(p.Lookup(a, 8).fallback, false);
  EXPECT_DOUBLE_EQ(p.Lookup(a, 8).speed_mph, 20.0);      // (10 + 20 + 30) / 3
  EXPECT_DOUBLE_EQ(p.Lookup(a, 8).trips_per_hour, 1.5);  // 3 trips over 2 Monday 08:00 hours
  EXPECT_DOUBLE_EQ(p.Lookup(a, 9).speed_mph, 5.0);
  EXPECT_DOUBLE_EQ(p.Lookup(b, 8).speed_mph, 4.0);
  // No history for c: the city-wide values of that hour of week.
  ProfileValue v = p.Lookup(c, 8);
  EXPECT_TRUE(v.fallback);
  EXPECT_DOUBLE_EQ(v.speed_mph, 72.0 / 6);          // all 6 trips of hour 8
  EXPECT_DOUBLE_EQ(v.trips_per_hour, 6.0 / 2 / 2);  // per occurrence, per cell with history
  // b has no trip at 09:00: city-wide too.
  EXPECT_TRUE(p.Lookup(b, 9).fallback);
  EXPECT_DOUBLE_EQ(p.Lookup(b, 9).speed_mph, 5.0);
  // An hour of week with no trips anywhere: NaN speed.
  EXPECT_TRUE(std::isnan(p.Lookup(c, 100).speed_mph));
  EXPECT_DOUBLE_EQ(p.Lookup(c, 100).trips_per_hour, 0.0);
}

TEST(HistoricalProfile, IgnoresWindowsOutsideTheTrainingRange) {
  const geo::CellId a{28, 27};
  const core::UtcTime from = At(-8 * 3600), to = At(-8 * 3600 + kWeek);
  std::vector<window::WindowAggregate> train = {Win(60, a, {10.0}), Win(7200, a, {12.0})};
  auto expected = FitProfile(train, geo::GridSpec{}, from, to);
  std::vector<window::WindowAggregate> all = train;
  all.push_back(Win(kWeek + 60, a, {50.0}));              // after the range (same hour of week)
  all.push_back(Win(-8 * 3600 - 60, a, {50.0}));          // before it
  all.push_back(Win(-8 * 3600 + kWeek - 30, a, {50.0}));  // straddles its end
  ProfileFitter fitter(geo::GridSpec{}, from, to);
  for (const auto& w : all) fitter.Add(w);
  EXPECT_EQ(fitter.windows_used(), 2);
  auto fitted = fitter.Finish();
  EXPECT_EQ(fitted, expected);
  EXPECT_DOUBLE_EQ(fitted.Lookup(a, 8).speed_mph, 10.0);
  // The test can fail: a window inside the range does change it.
  all.push_back(Win(120, a, {50.0}));
  EXPECT_FALSE(FitProfile(all, geo::GridSpec{}, from, to) == expected);
}

TEST(HistoricalProfile, SerializeParseRoundTrip) {
  std::vector<window::WindowAggregate> windows = {Win(60, {28, 27}, {10.123, 20.0}), Win(3600 * 30, {0, 0}, {3.3}),
                                                  Win(600, {44, 55}, {7.0})};
  auto p = FitProfile(windows, geo::GridSpec{}, At(-3 * kDay), At(4 * kDay));
  std::string text = p.Serialize();
  EXPECT_EQ(text.rfind("traffic-profile 1\ngrid 45 56\n", 0), 0u);
  auto back = HistoricalProfile::Parse(text);
  ASSERT_OK(back);
  EXPECT_EQ(*back, p);
  EXPECT_EQ(back->Serialize(), text);
  EXPECT_EQ(back->train_from(), At(-3 * kDay));
  // Empty profile.
  HistoricalProfile empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(std::isnan(empty.Lookup({1, 1}, 3).speed_mph));
}

TEST(HistoricalProfile, ParseRejectsBadText) {
  auto p = FitProfile({}, geo::GridSpec{}, At(0), At(kDay));
  std::string good = p.Serialize();
  EXPECT_OK(HistoricalProfile::Parse(good));
  EXPECT_EQ(HistoricalProfile::Parse("").status().code(), core::StatusCode::kCorrupt);
  EXPECT_FALSE(HistoricalProfile::Parse("traffic-profile 2\n" + good.substr(good.find('\n') + 1)).ok());
  EXPECT_FALSE(HistoricalProfile::Parse(good + "cell 99_99 3 1 1000\n").ok());
  EXPECT_FALSE(HistoricalProfile::Parse(good + "cell 1_1 168 1 1000\n").ok());
  EXPECT_FALSE(HistoricalProfile::Parse(good + "cell 1_1 3 x 1000\n").ok());
  auto dup = HistoricalProfile::Parse(good + "cell 1_1 3 1 1000\ncell 1_1 3 1 1000\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("line 6"), std::string::npos) << dup.status().message();
}

}  // namespace
}  // namespace traffic::features

namespace traffic::features {
namespace {

TEST(HistoricalProfileFallback, AnHourOfWeekNeverTrainedOnUsesTheSameHourOnOtherDays) {
  // Train on Monday 2016-01-04 only; ask for Sunday 08:00: Monday 08:00's value, marked fallback.
  geo::GridSpec grid;
  core::UtcTime from = core::NewYorkToUtc({2016, 1, 4, 0, 0, 0});
  core::UtcTime to = core::NewYorkToUtc({2016, 1, 5, 0, 0, 0});
  ProfileFitter fitter(grid, from, to);
  window::WindowAggregate w;
  w.window_start = core::NewYorkToUtc({2016, 1, 4, 8, 10, 0});
  w.window_end = w.window_start + std::chrono::seconds(60);
  w.cell = {28, 27};
  window::Event e;
  e.event_time = w.window_start;
  e.cell = w.cell;
  e.speed_mph = 8;
  w.stats.Add(e);
  fitter.Add(w);
  HistoricalProfile profile = fitter.Finish();
  ProfileValue monday = profile.Lookup({28, 27}, HourOfWeek(core::NewYorkToUtc({2016, 1, 4, 8, 30, 0})));
  EXPECT_DOUBLE_EQ(monday.speed_mph, 8);
  EXPECT_FALSE(monday.fallback);
  ProfileValue sunday = profile.Lookup({28, 27}, HourOfWeek(core::NewYorkToUtc({2016, 1, 10, 8, 30, 0})));
  EXPECT_DOUBLE_EQ(sunday.speed_mph, 8);
  EXPECT_TRUE(sunday.fallback);
  ProfileValue other_cell = profile.Lookup({3, 3}, HourOfWeek(core::NewYorkToUtc({2016, 1, 10, 8, 30, 0})));
  EXPECT_DOUBLE_EQ(other_cell.speed_mph, 8);  // the city's Monday 08:00
  EXPECT_TRUE(other_cell.fallback);
}

}  // namespace
}  // namespace traffic::features

namespace traffic::features {
namespace {

TEST(HourBlend, PlacesAMomentBetweenTheCentresOfTwoHours) {
  HourBlend mid = HourBlendAt(At(30 * 60));  // Monday 08:30: the centre of hour 8
  EXPECT_EQ(mid.earlier, 8);
  EXPECT_EQ(mid.later, 9);
  EXPECT_DOUBLE_EQ(mid.later_weight, 0.0);
  HourBlend quarter = HourBlendAt(At(45 * 60));  // 08:45
  EXPECT_EQ(quarter.earlier, 8);
  EXPECT_DOUBLE_EQ(quarter.later_weight, 0.25);
  HourBlend early = HourBlendAt(At(10 * 60));  // 08:10: between 07:30 and 08:30
  EXPECT_EQ(early.earlier, 7);
  EXPECT_NEAR(early.later_weight, 40.0 / 60, 1e-12);
  HourBlend wrap = HourBlendAt(At(-8 * 3600 + 15 * 60));  // Monday 00:15: after Sunday 23:30
  EXPECT_EQ(wrap.earlier, 167);
  EXPECT_EQ(wrap.later, 0);
  EXPECT_DOUBLE_EQ(wrap.later_weight, 0.75);
}

TEST(HistoricalProfile, SmoothedSpeedBlendsHoursAndShrinksThinCellsTowardTheCity) {
  const geo::CellId a{28, 27}, b{10, 10};
  std::vector<window::WindowAggregate> windows;
  for (int i = 0; i < 10; ++i) {
    windows.push_back(Win(60 * i, a, {10.0}));         // hour 8: 10 trips at 10 mph
    windows.push_back(Win(3600 + 60 * i, a, {20.0}));  // hour 9: 10 trips at 20 mph
  }
  windows.push_back(Win(600, b, {30.0}));  // hour 8: one trip at 30 mph
  auto p = FitProfile(windows, geo::GridSpec{}, At(-8 * 3600), At(-8 * 3600 + kWeek));
  const double k = HistoricalProfile::kSmoothingTrips;
  // At the centre of hour 8, cell a: its 10 trips and 5 pseudo-trips at the city's 130/11 mph.
  const double city8 = 130.0 / 11;
  EXPECT_NEAR(p.SmoothedSpeed(a, HourBlendAt(At(30 * 60))), (100 + k * city8) / (10 + k), 1e-9);
  // A quarter of the way to hour 9: trips weigh 0.75 and 0.25 (the city's hour 9 is a alone).
  const double city = (0.75 * 130 + 0.25 * 200) / (0.75 * 11 + 0.25 * 10);
  EXPECT_NEAR(p.SmoothedSpeed(a, HourBlendAt(At(45 * 60))), (0.75 * 100 + 0.25 * 200 + k * city) / (10 + k), 1e-9);
  // Cell b saw one trip: mostly the city's value.
  EXPECT_NEAR(p.SmoothedSpeed(b, HourBlendAt(At(30 * 60))), (30 + k * city8) / (1 + k), 1e-9);
  // A cell with no history is the city's blend; an empty profile is NaN.
  EXPECT_NEAR(p.SmoothedSpeed({1, 1}, HourBlendAt(At(30 * 60))), city8, 1e-9);
  EXPECT_TRUE(std::isnan(HistoricalProfile().SmoothedSpeed(a, HourBlendAt(At(0)))));
}

}  // namespace
}  // namespace traffic::features
