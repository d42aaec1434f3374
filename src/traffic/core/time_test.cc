#include "traffic/core/time.h"

#include <gtest/gtest.h>

namespace traffic::core {
namespace {

LocalDateTime L(int y, int mo, int d, int h, int mi = 0, int s = 0) { return {y, mo, d, h, mi, s}; }

TEST(ParseLocalDateTime, AcceptsTlcFormats) {
  EXPECT_EQ(*ParseLocalDateTime("2015-01-15 19:05:39"), L(2015, 1, 15, 19, 5, 39));
  EXPECT_EQ(*ParseLocalDateTime("2015-01-15T19:05:39"), L(2015, 1, 15, 19, 5, 39));
  EXPECT_EQ(*ParseLocalDateTime("2015-01-15 19:05:39.250"), L(2015, 1, 15, 19, 5, 39));
}

TEST(ParseLocalDateTime, RejectsJunkAndImpossibleDates) {
  EXPECT_FALSE(ParseLocalDateTime(""));
  EXPECT_FALSE(ParseLocalDateTime("2015-01-15"));
  EXPECT_FALSE(ParseLocalDateTime("2015-13-01 00:00:00"));
  EXPECT_FALSE(ParseLocalDateTime("2015-02-29 00:00:00"));
  EXPECT_TRUE(ParseLocalDateTime("2016-02-29 00:00:00"));
  EXPECT_FALSE(ParseLocalDateTime("2015-01-15 24:00:00"));
  EXPECT_FALSE(ParseLocalDateTime("2015-01-15 19:05:3x"));
  EXPECT_FALSE(ParseLocalDateTime("2015-01-15 19:05:39xyz"));
}

TEST(NewYorkToUtc, StandardAndDaylightTime) {
  EXPECT_EQ(FormatIsoUtc(NewYorkToUtc(L(2016, 1, 1, 0))), "2016-01-01T05:00:00Z");
  EXPECT_EQ(FormatIsoUtc(NewYorkToUtc(L(2016, 7, 1, 12))), "2016-07-01T16:00:00Z");
  // 2009 (pre-2007 rules would say standard time on 2009-03-20).
  EXPECT_EQ(FormatIsoUtc(NewYorkToUtc(L(2009, 3, 20, 12))), "2009-03-20T16:00:00Z");
  // 2006 used the old rule: DST began 2006-04-02.
  EXPECT_EQ(FormatIsoUtc(NewYorkToUtc(L(2006, 3, 20, 12))), "2006-03-20T17:00:00Z");
}

TEST(NewYorkToUtc, SpringForwardGapMovesForward) {
  // 2016-03-13: 01:59 EST, then 03:00 EDT. 02:30 never happened; taken as EST (= 03:30 EDT).
  EXPECT_EQ(FormatIsoUtc(NewYorkToUtc(L(2016, 3, 13, 1, 59))), "2016-03-13T06:59:00Z");
  EXPECT_EQ(FormatIsoUtc(NewYorkToUtc(L(2016, 3, 13, 2, 30))), "2016-03-13T07:30:00Z");
  EXPECT_EQ(FormatIsoUtc(NewYorkToUtc(L(2016, 3, 13, 3, 0))), "2016-03-13T07:00:00Z");
}

TEST(NewYorkToUtc, FallBackRepeatTakesDaylightReading) {
  // 2016-11-06: 01:00-01:59 happened twice; we take the first (EDT).
  EXPECT_EQ(FormatIsoUtc(NewYorkToUtc(L(2016, 11, 6, 1, 30))), "2016-11-06T05:30:00Z");
  EXPECT_EQ(FormatIsoUtc(NewYorkToUtc(L(2016, 11, 6, 2, 0))), "2016-11-06T07:00:00Z");
}

TEST(UtcToNewYork, InverseOfNewYorkToUtcAcrossAYear) {
  for (int64_t s = ToEpochSeconds(NewYorkToUtc(L(2015, 12, 31, 0))); s < ToEpochSeconds(NewYorkToUtc(L(2017, 1, 2, 0)));
       s += 1799) {
    UtcTime t = FromEpochSeconds(s);
    LocalDateTime local = UtcToNewYork(t);
    // Every instant maps back, except the repeated hour's second (EST) occurrence.
    if (!(local.month == 11 && local.day == 6 && local.hour == 1 && local.year == 2016)) {
      ASSERT_EQ(NewYorkToUtc(local), t) << FormatIsoUtc(t);
    }
  }
  EXPECT_EQ(UtcToNewYork(FromEpochSeconds(ToEpochSeconds(NewYorkToUtc(L(2016, 11, 6, 1, 30))) + 3600)),
            L(2016, 11, 6, 1, 30));
}

TEST(IsoDayOfWeek, MondayIsOneSundayIsSeven) {
  EXPECT_EQ(IsoDayOfWeek(L(2016, 1, 4, 0)), 1);  // Monday
  EXPECT_EQ(IsoDayOfWeek(L(2016, 1, 3, 0)), 7);  // Sunday
  EXPECT_EQ(IsoDayOfWeek(L(1970, 1, 1, 0)), 4);  // Thursday
}

}  // namespace
}  // namespace traffic::core
