#include "traffic/generate/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "traffic/core/text.h"
#include "traffic/geo/grid.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::generate {
namespace {

using core::LocalDateTime;

std::string ReadShared(const std::string& relative) {
  std::ifstream in(std::string(TRAFFIC_SHARED_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

GeneratorOptions Small(uint64_t seed, int64_t per_day = 20000, int days = 1) {
  GeneratorOptions o;
  o.seed = seed;
  o.days = days;
  o.trips_per_day = per_day;
  return o;
}

std::vector<trip::Trip> Take(TripGenerator* g, size_t n) {
  std::vector<trip::Trip> out;
  trip::Trip t;
  while (out.size() < n && g->Next(&t)) out.push_back(t);
  return out;
}

bool SameTrip(const trip::Trip& a, const trip::Trip& b) {
  return a.pickup_time == b.pickup_time && a.dropoff_time == b.dropoff_time && a.pickup_lat == b.pickup_lat &&
         a.pickup_lon == b.pickup_lon && a.dropoff_lat == b.dropoff_lat && a.dropoff_lon == b.dropoff_lon &&
         a.distance_mi == b.distance_mi && a.passenger_count == b.passenger_count && a.event_id == b.event_id;
}

// The cleaning rules of DESIGN.md "Trips" with their default parameters.
bool PassesCleaning(const trip::Trip& t) {
  auto in_box = [](double lat, double lon) {
    return lat >= 40.4774 && lat <= 40.9176 && lon >= -74.2591 && lon <= -73.7004;
  };
  double v = t.speed_mph();
  return in_box(t.pickup_lat, t.pickup_lon) && in_box(t.dropoff_lat, t.dropoff_lon) && t.dropoff_time > t.pickup_time &&
         t.duration_s() >= 60 && t.duration_s() <= 10800 && t.distance_mi >= 0.1 && t.distance_mi <= 100 && v >= 1 &&
         v <= 60;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

TEST(TripGenerator, IsDeterministicForASeed) {
  TripGenerator a(Small(7), nullptr), b(Small(7), nullptr), c(Small(8), nullptr);
  auto ta = Take(&a, 3000), tb = Take(&b, 3000), tc = Take(&c, 3000);
  ASSERT_EQ(ta.size(), 3000u);
  ASSERT_EQ(tb.size(), 3000u);
  for (size_t i = 0; i < ta.size(); ++i) ASSERT_TRUE(SameTrip(ta[i], tb[i])) << i;
  size_t same = 0;
  for (size_t i = 0; i < std::min(ta.size(), tc.size()); ++i) same += SameTrip(ta[i], tc[i]);
  EXPECT_LT(same, 10u);
}

TEST(TripGenerator, TripsComeInPickupOrderInsideTheSpanAndPassCleaning) {
  GeneratorOptions o = Small(11, 50000, 1);
  TripGenerator g(o, nullptr);
  trip::Trip t;
  core::UtcTime last = g.begin();
  int64_t n = 0;
  int levels[3] = {0, 0, 0};  // High, Medium, Low
  std::vector<double> miles;
  std::map<uint64_t, int> ids;
  while (g.Next(&t)) {
    ASSERT_GE(t.pickup_time, last) << n;
    ASSERT_LT(t.pickup_time, g.end());
    ASSERT_TRUE(PassesCleaning(t)) << n << " speed " << t.speed_mph() << " dist " << t.distance_mi << " dur "
                                   << t.duration_s();
    last = t.pickup_time;
    double v = t.speed_mph();
    ++levels[v < 10 ? 0 : v <= 20 ? 1 : 2];
    miles.push_back(t.distance_mi);
    ++ids[t.event_id];
    ++n;
  }
  EXPECT_EQ(n, g.generated());
  EXPECT_NEAR(static_cast<double>(n), 50000, 1500);
  EXPECT_EQ(ids.size(), static_cast<size_t>(n));  // event ids are unique
  for (int level : levels) EXPECT_GT(level, n / 20) << "every congestion level occurs";
  EXPECT_GT(Median(miles), 1.3);
  EXPECT_LT(Median(miles), 2.0);
  EXPECT_FALSE(g.Next(&t));  // stays at the end
}

TEST(TripGenerator, CountsPerLocalDayAreNearTheTargetAcrossDst) {
  GeneratorOptions o = Small(3, 20000, 3);
  o.start = LocalDateTime{2016, 3, 12, 0, 0, 0};  // 03-13 has 23 hours
  TripGenerator g(o, nullptr);
  std::map<int, int64_t> per_day;
  trip::Trip t;
  while (g.Next(&t)) ++per_day[core::UtcToNewYork(t.pickup_time).day];
  ASSERT_EQ(per_day.size(), 3u);
  for (auto [day, count] : per_day) EXPECT_NEAR(static_cast<double>(count), 20000, 600) << day;
  EXPECT_EQ(g.end() - g.begin(), std::chrono::hours(71));
}

TEST(TripGenerator, DemandFollowsTheHourOfWeek) {
  TripGenerator g(Small(5, 40000, 1), nullptr);  // Monday 2016-01-04
  int64_t by_hour[24] = {};
  trip::Trip t;
  while (g.Next(&t)) ++by_hour[core::UtcToNewYork(t.pickup_time).hour];
  EXPECT_GT(by_hour[18], 5 * by_hour[4]);  // evening peak vs small hours
  EXPECT_GT(by_hour[9], 3 * by_hour[4]);
}

// Midtown Manhattan, roughly 34th to 59th Street.
bool InMidtown(const trip::Trip& t) {
  return t.pickup_lat > 40.745 && t.pickup_lat < 40.77 && t.pickup_lon > -74.0 && t.pickup_lon < -73.965;
}

TEST(TripGenerator, ManhattanIsSlowerInRushHourThanAtNight) {
  GeneratorOptions o = Small(9, 100000, 1);
  o.start = LocalDateTime{2016, 1, 5, 0, 0, 0};  // a Tuesday
  TripGenerator g(o, nullptr);
  std::vector<double> rush, night, outer_rush;
  trip::Trip t;
  while (g.Next(&t)) {
    int hour = core::UtcToNewYork(t.pickup_time).hour;
    if (InMidtown(t)) {
      if (hour >= 8 && hour <= 9) rush.push_back(t.speed_mph());
      if (hour >= 2 && hour <= 4) night.push_back(t.speed_mph());
    } else if (t.pickup_lat < 40.70 && hour >= 8 && hour <= 9) {
      outer_rush.push_back(t.speed_mph());  // south of Manhattan: Brooklyn, Queens, Staten Island
    }
  }
  ASSERT_GT(rush.size(), 300u);
  ASSERT_GT(night.size(), 50u);
  EXPECT_LT(Median(rush), 11.0);
  EXPECT_GT(Median(night), 1.4 * Median(rush));
  EXPECT_GT(Median(outer_rush), Median(rush));
  size_t high = std::count_if(rush.begin(), rush.end(), [](double v) { return v < 10; });
  EXPECT_GT(high, rush.size() / 3) << "High congestion is common in Manhattan rush hours";
}

TEST(Incident, BuildsUpHoldsDecaysAndSpillsWithALag) {
  Incident inc;
  inc.build_up_min = 10;
  inc.hold_min = 20;
  inc.decay_min = 10;
  inc.severity = 0.4;
  EXPECT_DOUBLE_EQ(inc.SpeedFactor(0, -1), 1.0);
  EXPECT_NEAR(inc.SpeedFactor(0, 5), 0.7, 1e-12);
  EXPECT_NEAR(inc.SpeedFactor(0, 20), 0.4, 1e-12);
  EXPECT_NEAR(inc.SpeedFactor(0, 40), 1 - 0.6 * std::exp(-1.0), 1e-12);
  EXPECT_DOUBLE_EQ(inc.SpeedFactor(0, 61), 1.0);
  EXPECT_DOUBLE_EQ(inc.SpeedFactor(1, 4), 1.0);  // neighbours feel it 5 minutes later
  EXPECT_NEAR(inc.SpeedFactor(1, 25), 0.7, 1e-12);
  EXPECT_NEAR(inc.SpeedFactor(2, 30), 0.88, 1e-12);
  EXPECT_DOUBLE_EQ(inc.SpeedFactor(3, 20), 1.0);
  EXPECT_EQ(inc.end() - inc.start, std::chrono::minutes(10 + 20 + 30 + 10));
}

TEST(TripGenerator, AScheduledIncidentSlowsItsCellAndNeighboursOnly) {
  geo::Grid grid;
  const geo::CellId times_square{28, 27};
  Incident inc;
  inc.cell = times_square;
  inc.start = core::NewYorkToUtc(LocalDateTime{2016, 1, 4, 14, 0, 0});
  inc.build_up_min = 10;
  inc.hold_min = 30;
  inc.decay_min = 15;
  inc.severity = 0.3;
  GeneratorOptions plain = Small(21, 150000, 1);
  GeneratorOptions with = plain;
  with.scheduled_incidents = {inc};
  std::vector<Incident> reported;
  with.on_incident = [&](const Incident& i) { reported.push_back(i); };
  TripGenerator a(plain, nullptr), b(with, nullptr);
  trip::Trip ta, tb;
  int in_cell = 0, in_ring1 = 0, slower_far = 0, far_during = 0;
  double seen_factor = 1.0;
  while (a.Next(&ta)) {
    ASSERT_TRUE(b.Next(&tb));
    // Same random stream: same trips, only speeds (so dropoff times) may differ.
    ASSERT_EQ(ta.pickup_time, tb.pickup_time);
    ASSERT_EQ(ta.pickup_lat, tb.pickup_lat);
    ASSERT_EQ(ta.distance_mi, tb.distance_mi);
    geo::CellId cell = *grid.Locate(ta.pickup_lat, ta.pickup_lon);
    int ring = std::max(std::abs(cell.row - times_square.row), std::abs(cell.col - times_square.col));
    double minutes = std::chrono::duration<double>(ta.pickup_time - inc.start).count() / 60;
    if (minutes >= 16 && minutes <= 39) {  // peak for the cell and (5 min later) ring 1
      // Unless a clamp holds one of them, speeds differ by exactly the incident's factor.
      bool unclamped = tb.speed_mph() > 2.6 && ta.speed_mph() < 54 && ta.duration_s() > 60 && tb.duration_s() < 10800;
      double ratio = ta.speed_mph() / tb.speed_mph();
      if (ring == 0) {
        seen_factor = std::min(seen_factor, b.IncidentSpeedFactor(cell));
        ++in_cell;
        if (unclamped) {
          EXPECT_NEAR(ratio, 1 / 0.3, 0.2);
        }
      } else if (ring == 1) {
        ++in_ring1;
        if (unclamped) {
          EXPECT_NEAR(ratio, 1 / 0.65, 0.1);
        }
      } else if (ring > 2) {
        ++far_during;
        slower_far += ta.dropoff_time != tb.dropoff_time;
      }
    } else if (minutes < 0 || minutes > 95) {  // the incident's reach ends after 95 min
      ASSERT_TRUE(SameTrip(ta, tb));
    }
  }
  EXPECT_FALSE(b.Next(&tb));
  EXPECT_GT(in_cell, 20);
  EXPECT_GT(in_ring1, 50);
  EXPECT_GT(far_during, 1000);
  EXPECT_EQ(slower_far, 0);
  EXPECT_LE(seen_factor, 0.3 + 1e-6);  // times any random incident there
  ASSERT_FALSE(reported.empty());
  EXPECT_EQ(b.incidents_started(), a.incidents_started() + 1);
  EXPECT_TRUE(std::any_of(reported.begin(), reported.end(),
                          [&](const Incident& i) { return i.cell == times_square && i.start == inc.start; }));
}

TEST(TripGenerator, RandomIncidentsLowerSpeedsWhereTheyAre) {
  GeneratorOptions calm = Small(33, 60000, 2);
  calm.incidents_per_day = 0;
  GeneratorOptions busy = calm;
  busy.incidents_per_day = 100;
  TripGenerator a(calm, nullptr), b(busy, nullptr);
  geo::Grid grid;
  trip::Trip ta, tb;
  int affected = 0, slower = 0;
  size_t max_active = 0;
  while (a.Next(&ta)) {
    ASSERT_TRUE(b.Next(&tb));
    ASSERT_EQ(ta.pickup_lat, tb.pickup_lat);
    max_active = std::max(max_active, b.active_incidents().size());
    double f = b.IncidentSpeedFactor(*grid.Locate(tb.pickup_lat, tb.pickup_lon));
    if (f < 0.8 && ta.duration_s() > 61 && tb.duration_s() < 10800) {
      ++affected;
      slower += tb.speed_mph() < ta.speed_mph();
    } else if (f == 1.0) {
      ASSERT_EQ(ta.dropoff_time, tb.dropoff_time);
    }
  }
  EXPECT_EQ(a.incidents_started(), 0);
  EXPECT_NEAR(static_cast<double>(b.incidents_started()), 200, 50);
  EXPECT_GT(affected, 500);
  EXPECT_GT(slower, affected * 95 / 100);  // all but those the speed clamps hold
  EXPECT_LT(max_active, 40u);              // only the active ones are kept
}

TEST(Yellow2015Csv, RowRoundTripsTheTripsFields) {
  EXPECT_EQ(Yellow2015Header(),
            "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
            "pickup_longitude,pickup_latitude,RateCodeID,store_and_fwd_flag,dropoff_longitude,"
            "dropoff_latitude,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,"
            "improvement_surcharge,total_amount");
  GeneratorOptions o = Small(4, 20000, 2);
  o.start = LocalDateTime{2016, 11, 5, 0, 0, 0};  // 11-06 repeats 01:00-01:59
  TripGenerator g(o, nullptr);
  std::string text;
  std::vector<trip::Trip> trips;
  trip::Trip t;
  while (g.Next(&t)) {
    AppendYellow2015Row(t, &text);
    trips.push_back(t);
  }
  auto lines = core::SplitSimple(text, '\n');
  ASSERT_EQ(lines.size(), trips.size() + 1);  // the last '\n' ends the last row
  EXPECT_TRUE(lines.back().empty());
  for (size_t i = 0; i < trips.size(); ++i) {
    const trip::Trip& tr = trips[i];
    auto f = core::SplitSimple(lines[i], ',');
    ASSERT_EQ(f.size(), 19u) << lines[i];
    auto pickup = core::ParseLocalDateTime(f[1]);
    auto dropoff = core::ParseLocalDateTime(f[2]);
    ASSERT_TRUE(pickup && dropoff) << lines[i];
    EXPECT_EQ(*pickup, core::UtcToNewYork(tr.pickup_time));
    EXPECT_EQ(*dropoff, core::UtcToNewYork(tr.dropoff_time));
    if (pickup->month != 11 || pickup->day != 6 || pickup->hour != 1) {  // unambiguous local time
      EXPECT_EQ(core::NewYorkToUtc(*pickup), tr.pickup_time);
    }
    EXPECT_EQ(*core::ParseInt(f[3]), tr.passenger_count);
    EXPECT_EQ(*core::ParseDouble(f[4]), tr.distance_mi);
    EXPECT_EQ(*core::ParseDouble(f[5]), tr.pickup_lon) << f[5];
    EXPECT_EQ(*core::ParseDouble(f[6]), tr.pickup_lat);
    EXPECT_EQ(*core::ParseDouble(f[9]), tr.dropoff_lon);
    EXPECT_EQ(*core::ParseDouble(f[10]), tr.dropoff_lat);
    double fare = *core::ParseDouble(f[12]);
    EXPECT_GE(fare, 2.5 + 2.5 * tr.distance_mi - 0.26);
    double sum = 0;
    for (int k = 12; k <= 17; ++k) sum += *core::ParseDouble(f[k]);
    EXPECT_NEAR(*core::ParseDouble(f[18]), sum, 0.011);
    if (i < 3) {
      EXPECT_EQ(f[4].find('.'), f[4].size() - 3);
    }
  }
}

TEST(TripGenerator, PickupsAndDropoffsAreOnLandWithTheRealBoroughs) {
  auto shapes = geo::ParseGeoJsonShapes(ReadShared("data/geo/nyc_borough_boundaries.geojson"), "BoroName");
  ASSERT_OK(shapes);
  geo::MultiPolygon city = UnionOfShapes(*shapes);
  geo::PolygonIndex land(city);
  geo::PolygonIndex manhattan;
  for (const auto& s : *shapes) {
    if (s.name == "Manhattan") manhattan = geo::PolygonIndex(s.shape);
  }
  ASSERT_FALSE(manhattan.empty());
  EXPECT_TRUE(land.Contains(40.7580, -73.9855));   // Times Square
  EXPECT_FALSE(land.Contains(40.7440, -74.0324));  // Hoboken, NJ

  TripGenerator g(Small(12, 60000, 1), &land);
  trip::Trip t;
  int64_t n = 0, in_manhattan = 0, airport = 0;
  while (g.Next(&t) && n < 30000) {
    ASSERT_TRUE(land.Contains(t.pickup_lat, t.pickup_lon)) << t.pickup_lat << "," << t.pickup_lon;
    ASSERT_TRUE(land.Contains(t.dropoff_lat, t.dropoff_lon)) << t.dropoff_lat << "," << t.dropoff_lon;
    ASSERT_TRUE(PassesCleaning(t));
    if (n < 1000) {  // the raster index agrees with the exact (slow) test
      ASSERT_TRUE(city.Contains(t.pickup_lat, t.pickup_lon));
      ASSERT_TRUE(city.Contains(t.dropoff_lat, t.dropoff_lon));
    }
    in_manhattan += manhattan.Contains(t.pickup_lat, t.pickup_lon);
    // JFK and LaGuardia: long trips out of them
    airport += (t.pickup_lat > 40.64 && t.pickup_lat < 40.66 && t.pickup_lon > -73.80 && t.pickup_lon < -73.77 &&
                t.distance_mi > 5);
    ++n;
  }
  EXPECT_EQ(n, 30000);
  // Real yellow-taxi pickups: ~90% in Manhattan, a few percent at the airports.
  EXPECT_GT(in_manhattan, n * 80 / 100);
  EXPECT_LT(in_manhattan, n * 97 / 100);
  EXPECT_GT(airport, n / 200);
}

}  // namespace
}  // namespace traffic::generate
