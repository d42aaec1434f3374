// Regression tests for issue 8 #9: times that parse but are out of range (years 1900, 9999).
#include <gtest/gtest.h>

#include "traffic/clean/rules.h"

namespace traffic::clean {
namespace {

using trip::RejectReason;

trip::Trip TripAt(core::LocalDateTime pickup) {
  trip::Trip t;
  t.pickup_time = core::NewYorkToUtc(pickup);
  t.dropoff_time = t.pickup_time + std::chrono::minutes(12);
  t.pickup_lat = 40.7580;
  t.pickup_lon = -73.9855;
  t.dropoff_lat = 40.7306;
  t.dropoff_lon = -73.9866;
  t.distance_mi = 2.0;
  return t;
}

TEST(TimeRange, Year1900IsRejectedWithItsOwnReason) {
  EXPECT_EQ(CheckTrip(TripAt({1900, 1, 1, 8, 0, 0}), {}), RejectReason::kTimeOutOfRange);
  EXPECT_EQ(CheckTrip(TripAt({2008, 12, 31, 23, 0, 0}), {}), RejectReason::kTimeOutOfRange);
  EXPECT_FALSE(CheckTrip(TripAt({2009, 1, 1, 0, 0, 0}), {}));  // the first TLC month, inclusive
  EXPECT_EQ(trip::RejectReasonName(RejectReason::kTimeOutOfRange), "time_out_of_range");
}

TEST(TimeRange, DefaultUpperLimitIsADayAfterTheNowPassedIn) {
  CleaningRules rules;
  rules.now = core::NewYorkToUtc({2016, 1, 4, 12, 0, 0});
  EXPECT_FALSE(CheckTrip(TripAt({2016, 1, 5, 8, 0, 0}), rules));                              // < now + 1 day
  EXPECT_EQ(CheckTrip(TripAt({2016, 1, 6, 8, 0, 0}), rules), RejectReason::kTimeOutOfRange);  // > now + 1 day
  EXPECT_EQ(CheckTrip(TripAt({9999, 1, 6, 8, 0, 0}), rules), RejectReason::kTimeOutOfRange);
  // A dropoff past the limit is enough.
  auto t = TripAt({2016, 1, 5, 11, 55, 0});
  EXPECT_EQ(CheckTrip(t, rules), RejectReason::kTimeOutOfRange);
}

TEST(TimeRange, ExplicitRangeWins) {
  CleaningRules rules;
  rules.now = core::NewYorkToUtc({2016, 1, 4, 12, 0, 0});
  rules.min_time = core::NewYorkToUtc({2015, 1, 1, 0, 0, 0});
  rules.max_time = core::NewYorkToUtc({2030, 1, 1, 0, 0, 0});
  EXPECT_FALSE(CheckTrip(TripAt({2020, 1, 6, 8, 0, 0}), rules));
  EXPECT_EQ(CheckTrip(TripAt({2014, 12, 31, 8, 0, 0}), rules), RejectReason::kTimeOutOfRange);
}

}  // namespace
}  // namespace traffic::clean
