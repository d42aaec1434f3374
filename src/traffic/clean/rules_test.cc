#include "traffic/clean/rules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

namespace traffic::clean {
namespace {

using trip::RejectReason;

trip::Trip GoodTrip() {
  trip::Trip t;
  t.pickup_time = core::NewYorkToUtc({2016, 1, 4, 8, 0, 0});
  t.dropoff_time = core::NewYorkToUtc({2016, 1, 4, 8, 12, 0});
  t.pickup_lat = 40.7580;
  t.pickup_lon = -73.9855;
  t.dropoff_lat = 40.7306;
  t.dropoff_lon = -73.9866;
  t.distance_mi = 2.0;  // 10 mph
  return t;
}

TEST(CheckTrip, AGoodTripPasses) { EXPECT_FALSE(CheckTrip(GoodTrip(), {})); }

TEST(CheckTrip, EachRuleHasItsReason) {
  CleaningRules rules;
  auto t = GoodTrip();
  t.pickup_lat = 0;
  t.pickup_lon = 0;
  EXPECT_EQ(CheckTrip(t, rules), RejectReason::kPickupOutOfBounds);
  t = GoodTrip();
  t.dropoff_lon = -73.70;
  EXPECT_EQ(CheckTrip(t, rules), RejectReason::kDropoffOutOfBounds);
  t = GoodTrip();
  t.dropoff_time = t.pickup_time;
  EXPECT_EQ(CheckTrip(t, rules), RejectReason::kDropoffNotAfterPickup);
  t = GoodTrip();
  t.dropoff_time = t.pickup_time + std::chrono::seconds(59);
  t.distance_mi = 0.5;
  EXPECT_EQ(CheckTrip(t, rules), RejectReason::kDurationOutOfRange);
  t = GoodTrip();
  t.distance_mi = 0.05;
  EXPECT_EQ(CheckTrip(t, rules), RejectReason::kDistanceOutOfRange);
  t = GoodTrip();
  t.distance_mi = 13;  // 65 mph
  EXPECT_EQ(CheckTrip(t, rules), RejectReason::kSpeedOutOfRange);
}

TEST(CheckTrip, BoundsAreInclusiveAndRulesConfigurable) {
  CleaningRules rules;
  auto t = GoodTrip();
  t.pickup_lat = rules.max_lat;
  t.pickup_lon = rules.min_lon;
  t.dropoff_time = t.pickup_time + std::chrono::seconds(60);  // exactly the minimum
  t.distance_mi = 1.0;                                        // exactly 60 mph
  EXPECT_FALSE(CheckTrip(t, rules));
  rules.max_speed_mph = 50;
  EXPECT_EQ(CheckTrip(t, rules), RejectReason::kSpeedOutOfRange);
}

TEST(CheckTrip, FirstFailingRuleWins) {
  auto t = GoodTrip();
  t.pickup_lat = 0;                // out of bounds
  t.dropoff_time = t.pickup_time;  // and not after pickup
  EXPECT_EQ(CheckTrip(t, {}), RejectReason::kPickupOutOfBounds);
}

TEST(DescribeRuleFailure, NamesTheRuleTheValueAndTheRange) {
  CleaningRules rules;
  auto t = GoodTrip();
  t.distance_mi = 600;  // 3000 mph over 12 minutes
  EXPECT_EQ(DescribeRuleFailure(t, RejectReason::kDistanceOutOfRange, rules),
            "distance_out_of_range: 600 mi (allowed 0.1..100)");
  EXPECT_EQ(DescribeRuleFailure(t, RejectReason::kSpeedOutOfRange, rules),
            "speed_out_of_range: 3000 mph (allowed 1..60)");
  t = GoodTrip();
  t.dropoff_time = t.pickup_time;
  EXPECT_EQ(DescribeRuleFailure(t, *CheckTrip(t, rules), rules), "dropoff_not_after_pickup: dropoff 0 s after pickup");
  t.pickup_lat = 0;
  EXPECT_EQ(DescribeRuleFailure(t, *CheckTrip(t, rules), rules),
            "pickup_out_of_bounds: pickup (0, -73.9855) (allowed lat 40.4774..40.9176, lon -74.2591..-73.7004)");
}

// Every bound, both sides: the bound itself passes, just past it fails with the bound's reason.
TEST(CheckTrip, EveryBoundIsInclusiveAndJustPastItFails) {
  const CleaningRules rules;
  const double eps = 1e-6;
  struct Case {
    const char* what;
    std::function<void(trip::Trip&, double)> set;  // sets the bounded value to bound + delta
    double bound;
    double delta_out;  // the direction that leaves the range
    RejectReason reason;
  };
  auto at_lat = [](trip::Trip& t, double lat, bool pickup) { (pickup ? t.pickup_lat : t.dropoff_lat) = lat; };
  auto at_lon = [](trip::Trip& t, double lon, bool pickup) { (pickup ? t.pickup_lon : t.dropoff_lon) = lon; };
  std::vector<Case> cases = {
      {"pickup min_lat", [&](trip::Trip& t, double v) { at_lat(t, v, true); }, rules.min_lat, -eps,
       RejectReason::kPickupOutOfBounds},
      {"pickup max_lat", [&](trip::Trip& t, double v) { at_lat(t, v, true); }, rules.max_lat, +eps,
       RejectReason::kPickupOutOfBounds},
      {"pickup min_lon", [&](trip::Trip& t, double v) { at_lon(t, v, true); }, rules.min_lon, -eps,
       RejectReason::kPickupOutOfBounds},
      {"pickup max_lon", [&](trip::Trip& t, double v) { at_lon(t, v, true); }, rules.max_lon, +eps,
       RejectReason::kPickupOutOfBounds},
      {"dropoff min_lat", [&](trip::Trip& t, double v) { at_lat(t, v, false); }, rules.min_lat, -eps,
       RejectReason::kDropoffOutOfBounds},
      {"dropoff max_lat", [&](trip::Trip& t, double v) { at_lat(t, v, false); }, rules.max_lat, +eps,
       RejectReason::kDropoffOutOfBounds},
      {"dropoff min_lon", [&](trip::Trip& t, double v) { at_lon(t, v, false); }, rules.min_lon, -eps,
       RejectReason::kDropoffOutOfBounds},
      {"dropoff max_lon", [&](trip::Trip& t, double v) { at_lon(t, v, false); }, rules.max_lon, +eps,
       RejectReason::kDropoffOutOfBounds},
      // Durations, distances and speeds, each with the other two kept in range.
      {"min_duration_s",
       [](trip::Trip& t, double v) {
         t.dropoff_time = t.pickup_time + std::chrono::seconds(static_cast<int64_t>(v));
         t.distance_mi = 0.5;  // 30 mph at 60 s
       },
       60, -1, RejectReason::kDurationOutOfRange},
      {"max_duration_s",
       [](trip::Trip& t, double v) {
         t.dropoff_time = t.pickup_time + std::chrono::seconds(static_cast<int64_t>(v));
         t.distance_mi = 30;  // 10 mph at 3 hours
       },
       10800, +1, RejectReason::kDurationOutOfRange},
      {"min_distance_mi",
       [](trip::Trip& t, double v) {
         t.dropoff_time = t.pickup_time + std::chrono::seconds(60);
         t.distance_mi = v;  // 6 mph at 0.1 mi
       },
       0.1, -eps, RejectReason::kDistanceOutOfRange},
      {"max_distance_mi",
       [](trip::Trip& t, double v) {
         t.dropoff_time = t.pickup_time + std::chrono::seconds(10800);
         t.distance_mi = v;  // 33 mph at 100 mi
       },
       100, +eps, RejectReason::kDistanceOutOfRange},
      {"min_speed_mph",
       [](trip::Trip& t, double v) {
         t.dropoff_time = t.pickup_time + std::chrono::seconds(3600);
         t.distance_mi = v;  // mph = miles in one hour
       },
       1, -eps, RejectReason::kSpeedOutOfRange},
      {"max_speed_mph",
       [](trip::Trip& t, double v) {
         t.dropoff_time = t.pickup_time + std::chrono::seconds(3600);
         t.distance_mi = v;
       },
       60, +eps, RejectReason::kSpeedOutOfRange},
  };
  for (const Case& c : cases) {
    trip::Trip t = GoodTrip();
    c.set(t, c.bound);
    EXPECT_FALSE(CheckTrip(t, rules)) << c.what << " at the bound";
    t = GoodTrip();
    c.set(t, c.bound + c.delta_out);
    EXPECT_EQ(CheckTrip(t, rules), c.reason) << c.what << " just past the bound";
    t = GoodTrip();
    c.set(t, c.bound - c.delta_out);
    EXPECT_FALSE(CheckTrip(t, rules)) << c.what << " just inside";
  }
  trip::Trip nan_distance = GoodTrip();
  nan_distance.distance_mi = std::nan("");
  EXPECT_EQ(CheckTrip(nan_distance, rules), RejectReason::kDistanceOutOfRange);
}

// The order of rules.h: for every pair of broken rules, the earlier one is the reason.
TEST(CheckTrip, ForEveryPairOfBrokenRulesTheEarlierIsTheReason) {
  // Each breaks one rule of GoodTrip() (pickup 40.7580,-73.9855; dropoff 40.7306,-73.9866;
  // 12 minutes; 2 miles; 10 mph) and leaves the others passing; applied in any combination.
  struct Break {
    RejectReason reason;
    std::function<void(trip::Trip&, CleaningRules&)> apply;
  };
  const std::vector<Break> in_order = {
      {RejectReason::kPickupOutOfBounds, [](trip::Trip&, CleaningRules& r) { r.max_lat = 40.75; }},
      {RejectReason::kDropoffOutOfBounds, [](trip::Trip&, CleaningRules& r) { r.min_lon = -73.986; }},
      {RejectReason::kDropoffNotAfterPickup, [](trip::Trip& t, CleaningRules&) { t.dropoff_time = t.pickup_time; }},
      {RejectReason::kDurationOutOfRange, [](trip::Trip&, CleaningRules& r) { r.max_duration_s = 600; }},
      {RejectReason::kDistanceOutOfRange, [](trip::Trip&, CleaningRules& r) { r.max_distance_mi = 1.5; }},
      {RejectReason::kSpeedOutOfRange, [](trip::Trip&, CleaningRules& r) { r.max_speed_mph = 5; }},
  };
  for (size_t i = 0; i < in_order.size(); ++i) {
    trip::Trip t = GoodTrip();
    CleaningRules rules;
    in_order[i].apply(t, rules);
    EXPECT_EQ(CheckTrip(t, rules), in_order[i].reason) << "rule " << i << " alone";
    for (size_t j = i + 1; j < in_order.size(); ++j) {
      trip::Trip both = GoodTrip();
      CleaningRules r2;
      in_order[j].apply(both, r2);
      in_order[i].apply(both, r2);
      EXPECT_EQ(CheckTrip(both, r2), in_order[i].reason) << "rules " << i << " and " << j;
    }
  }
  // And the enum lists them in that order (names in summaries are printed in enum order).
  for (size_t i = 1; i < in_order.size(); ++i) EXPECT_LT(in_order[i - 1].reason, in_order[i].reason);
}

TEST(MonthOfPickup, UsesNewYorkLocalMonth) {
  trip::Trip t;
  t.pickup_time = core::NewYorkToUtc({2016, 1, 31, 23, 30, 0});  // 2016-02-01 04:30 UTC
  EXPECT_EQ(MonthOfPickup(t), (MonthKey{2016, 1}));
}

TEST(RejectCounts, AddsAndMerges) {
  RejectCounts a, b;
  a.Add(RejectReason::kDuplicate);
  b.Add(RejectReason::kDuplicate, 2);
  b.Add(RejectReason::kBadField);
  a.Merge(b);
  EXPECT_EQ(a.Get(RejectReason::kDuplicate), 3);
  EXPECT_EQ(a.Total(), 4);
}

}  // namespace
}  // namespace traffic::clean
