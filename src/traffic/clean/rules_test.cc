#include "traffic/clean/rules.h"

#include <gtest/gtest.h>

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
  t.distance_mi = 1.0;                                         // exactly 60 mph
  EXPECT_FALSE(CheckTrip(t, rules));
  rules.max_speed_mph = 50;
  EXPECT_EQ(CheckTrip(t, rules), RejectReason::kSpeedOutOfRange);
}

TEST(CheckTrip, FirstFailingRuleWins) {
  auto t = GoodTrip();
  t.pickup_lat = 0;                              // out of bounds
  t.dropoff_time = t.pickup_time;                // and not after pickup
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
