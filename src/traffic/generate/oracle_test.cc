// The oracle (the ceiling of issue 10) with plain values: it knows what was under way at t and
// nothing drawn later, and its expected speed is the generator's own mean.
#include "traffic/generate/oracle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace traffic::generate {
namespace {

GeneratorOptions Quiet(int days = 1) {  // no random incidents: only the scheduled ones act
  GeneratorOptions o;
  o.seed = 5;
  o.days = days;
  o.incidents_per_day = 0;
  return o;
}

core::UtcTime At(int hour, int minute) { return core::NewYorkToUtc({2016, 1, 4, hour, minute, 0}); }

const geo::CellId kTimesSquare{28, 27};

TEST(RecordTruth, IsTheGeneratorsOwnCityFactorAndIncidents) {
  GeneratorOptions o;
  o.seed = 9;
  o.days = 1;
  o.trips_per_day = 3000;
  std::vector<Incident> seen;
  std::vector<double> city;
  o.on_incident = [&](const Incident& i) { seen.push_back(i); };
  o.on_minute = [&](core::UtcTime, double c, double) { city.push_back(c); };
  TripGenerator generator(o, nullptr);
  trip::Trip t;
  while (generator.Next(&t)) {
  }
  GeneratorTruth truth = RecordTruth(o);
  EXPECT_EQ(truth.begin_s, core::ToEpochSeconds(generator.begin()));
  EXPECT_EQ(truth.city_log, city);  // the trips' stream plays no part in the city's
  ASSERT_EQ(truth.incidents.size(), seen.size());
  ASSERT_GT(seen.size(), 5u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(truth.incidents[i].cell, seen[i].cell);
    EXPECT_EQ(truth.incidents[i].start, seen[i].start);
    EXPECT_EQ(truth.incidents[i].severity, seen[i].severity);
  }
  EXPECT_EQ(truth.city_log.size(), 24u * 60u);
}

TEST(Oracle, KnowsAnIncidentOnlyOnceItHasStarted) {
  GeneratorOptions with = Quiet();
  Incident crash;
  crash.cell = kTimesSquare;
  crash.start = At(9, 0);
  crash.build_up_min = 10;
  crash.hold_min = 40;
  crash.severity = 0.4;
  with.scheduled_incidents = {crash};
  Oracle calm(RecordTruth(Quiet()));
  Oracle oracle(RecordTruth(with));
  // Before it starts, the oracle cannot know it: the same forecast as without it.
  EXPECT_DOUBLE_EQ(oracle.ExpectedSpeed(kTimesSquare, At(8, 50), 30), calm.ExpectedSpeed(kTimesSquare, At(8, 50), 30));
  EXPECT_DOUBLE_EQ(oracle.ExpectedSpeed(kTimesSquare, At(9, 0), 15), calm.ExpectedSpeed(kTimesSquare, At(9, 0), 15));
  // At its peak (10..50 min after the start) the cell's trips run at `severity` times normal
  // (nearly all trips ending in [09:40, 09:55) were picked up during the peak).
  const double peak =
      oracle.ExpectedSpeed(kTimesSquare, At(9, 40), 15) / calm.ExpectedSpeed(kTimesSquare, At(9, 40), 15);
  EXPECT_NEAR(peak, 0.4, 0.04);
  // The first ring feels half the loss, 5 minutes later; three rings out, nothing.
  const geo::CellId next{29, 27}, far{31, 27};
  EXPECT_NEAR(oracle.ExpectedSpeed(next, At(9, 45), 15) / calm.ExpectedSpeed(next, At(9, 45), 15), 0.7, 0.04);
  EXPECT_DOUBLE_EQ(oracle.ExpectedSpeed(far, At(9, 45), 15), calm.ExpectedSpeed(far, At(9, 45), 15));
  // It knows the recovery to come: over the next hour the cell gets back towards normal.
  const double h60 =
      oracle.ExpectedSpeed(kTimesSquare, At(9, 40), 60) / calm.ExpectedSpeed(kTimesSquare, At(9, 40), 60);
  EXPECT_GT(h60, peak + 0.1);
  EXPECT_LT(h60, 0.9);
}

TEST(Oracle, TheCityFactorFadesTowardsItsMeanOverTheHorizon) {
  GeneratorTruth truth = RecordTruth(Quiet());
  const size_t minute = 9 * 60 + 5 * 60;  // 09:00 New York = 14:00 UTC in January
  for (size_t m = 0; m < truth.city_log.size(); ++m) truth.city_log[m] = m < minute ? std::log(0.8) : 0;
  Oracle slow(truth);  // the city has run 20% slow all morning
  for (double& c : truth.city_log) c = 0;
  Oracle neutral(truth);
  const core::UtcTime t = core::FromEpochSeconds(truth.begin_s + static_cast<int64_t>(minute) * 60);
  const double r15 = slow.ExpectedSpeed(kTimesSquare, t, 15) / neutral.ExpectedSpeed(kTimesSquare, t, 15);
  const double r60 = slow.ExpectedSpeed(kTimesSquare, t, 60) / neutral.ExpectedSpeed(kTimesSquare, t, 60);
  EXPECT_GT(r15, 0.79);  // ~0.8: most of these trips were picked up before t or just after
  EXPECT_LT(r15, 0.83);
  EXPECT_GT(r60, r15);  // two hours' time constant: still slow an hour on, less so
  EXPECT_LT(r60, 0.86);
}

TEST(Oracle, OutsideWhatTheDataCanEndIsNaN) {
  Oracle oracle(RecordTruth(Quiet()));
  EXPECT_TRUE(std::isnan(oracle.ExpectedSpeed(kTimesSquare, At(0, 0), 15)));  // no minute before t
  EXPECT_TRUE(std::isnan(oracle.ExpectedSpeed(kTimesSquare, At(9, 0) + std::chrono::seconds(30), 15)));
  EXPECT_TRUE(std::isnan(oracle.ExpectedSpeed({-1, 3}, At(9, 0), 15)));
  EXPECT_TRUE(std::isnan(oracle.ExpectedSpeed(kTimesSquare, At(23, 0) + std::chrono::hours(4), 15)));
  // Trips picked up before midnight still end after the last generated minute.
  EXPECT_FALSE(std::isnan(oracle.ExpectedSpeed(kTimesSquare, At(23, 55), 15)));
  EXPECT_FALSE(std::isnan(oracle.ExpectedSpeed(kTimesSquare, At(23, 59) + std::chrono::minutes(5), 15)));
}

// The expected speed is the generator's own mean: over many cell-quarter-hours of event time
// (the dropoff), the mean trip speed observed (as `clean` computes it, miles over the rounded
// duration) is on average within 2% of the oracle's.
TEST(Oracle, ItsExpectedSpeedIsTheMeanOfTheTripsGenerated) {
  GeneratorOptions o;
  o.seed = 11;
  o.days = 1;
  o.trips_per_day = 60000;
  Oracle oracle(RecordTruth(o));
  TripGenerator generator(o, nullptr);
  geo::Grid grid;
  std::map<std::pair<int64_t, int>, std::pair<double, int>> by_block;  // (quarter hour, cell) -> sum, n
  trip::Trip t;
  while (generator.Next(&t)) {
    auto cell = grid.Locate(t.pickup_lat, t.pickup_lon);
    if (!cell) continue;
    auto& b = by_block[{core::ToEpochSeconds(t.event_time()) / 900, grid.Index(*cell)}];
    b.first += t.speed_mph();
    ++b.second;
  }
  double log_ratio = 0;
  int blocks = 0;
  for (const auto& [key, b] : by_block) {
    if (b.second < 20) continue;
    const double expected =
        oracle.ExpectedSpeed(grid.FromIndex(key.second), core::FromEpochSeconds(key.first * 900), 15);
    if (std::isnan(expected)) continue;
    log_ratio += std::log(b.first / b.second / expected);
    ++blocks;
  }
  ASSERT_GT(blocks, 200);
  EXPECT_NEAR(std::exp(log_ratio / blocks), 1.0, 0.02) << blocks << " blocks";
}

}  // namespace
}  // namespace traffic::generate
