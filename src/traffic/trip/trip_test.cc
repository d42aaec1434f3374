#include "traffic/trip/trip.h"

#include <gtest/gtest.h>

namespace traffic::trip {
namespace {

TEST(Trip, SpeedIsMilesPerHour) {
  Trip t;
  t.pickup_time = core::NewYorkToUtc({2015, 1, 15, 19, 0, 0});
  t.dropoff_time = core::NewYorkToUtc({2015, 1, 15, 19, 30, 0});
  t.distance_mi = 5;
  EXPECT_EQ(t.duration_s(), 1800);
  EXPECT_DOUBLE_EQ(t.speed_mph(), 10.0);
  EXPECT_EQ(t.event_time(), t.dropoff_time);
}

TEST(CalendarAt, LocalHourAndIsoWeekday) {
  // Monday 2016-01-04 08:15 New York = 13:15 UTC.
  Calendar c = CalendarAt(core::NewYorkToUtc({2016, 1, 4, 8, 15, 0}));
  EXPECT_EQ(c.local_hour, 8);
  EXPECT_EQ(c.iso_weekday, 1);
  EXPECT_TRUE(c.is_rush_hour);
  EXPECT_FALSE(c.is_weekend);
  Calendar sunday = CalendarAt(core::NewYorkToUtc({2016, 1, 3, 8, 15, 0}));
  EXPECT_EQ(sunday.iso_weekday, 7);
  EXPECT_FALSE(sunday.is_rush_hour);
  EXPECT_TRUE(CalendarAt(core::NewYorkToUtc({2016, 1, 4, 23, 0, 0})).is_night);
}

TEST(RejectReasonName, EveryReasonHasAName) {
  for (int i = 0; i < kRejectReasonCount; ++i) {
    EXPECT_NE(RejectReasonName(static_cast<RejectReason>(i)), "unknown");
  }
}

}  // namespace
}  // namespace traffic::trip
