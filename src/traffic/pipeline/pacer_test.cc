// The pacer's schedule (--rate, --speedup), computed without a clock: no timed tests.
#include "traffic/pipeline/pacer.h"

#include <gtest/gtest.h>

namespace traffic::pipeline {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const core::UtcTime kFirst = core::FromEpochSeconds(1451912400);

TEST(Pacer, RateSpacesEventsEvenlyByTheirIndex) {
  EXPECT_EQ(Pacer::DueAfterStart(1000, 0, 0, kFirst, kFirst), nanoseconds(0));
  EXPECT_EQ(Pacer::DueAfterStart(1000, 0, 1, kFirst, kFirst), milliseconds(1));
  EXPECT_EQ(Pacer::DueAfterStart(1000, 0, 2500, kFirst, kFirst), milliseconds(2500));
  EXPECT_EQ(Pacer::DueAfterStart(4, 0, 10, kFirst, kFirst), milliseconds(2500));
  // From the start, not from the previous send: the long-run rate holds; event times do not matter.
  EXPECT_EQ(Pacer::DueAfterStart(100, 0, 100, kFirst, kFirst + seconds(3600)), seconds(1));
  // A rate wins over a speedup.
  EXPECT_EQ(Pacer::DueAfterStart(10, 60, 5, kFirst, kFirst + seconds(600)), milliseconds(500));
}

TEST(Pacer, SpeedupScalesTheEventsOwnSpacing) {
  EXPECT_EQ(Pacer::DueAfterStart(0, 60, 0, kFirst, kFirst), nanoseconds(0));
  EXPECT_EQ(Pacer::DueAfterStart(0, 60, 1, kFirst, kFirst + seconds(60)), seconds(1));
  EXPECT_EQ(Pacer::DueAfterStart(0, 60, 7, kFirst, kFirst + seconds(3600)), seconds(60));
  EXPECT_EQ(Pacer::DueAfterStart(0, 1, 7, kFirst, kFirst + seconds(90)), seconds(90));  // real time
  EXPECT_EQ(Pacer::DueAfterStart(0, 0.5, 1, kFirst, kFirst + seconds(30)), seconds(60));
  // An event older than the first is due at once (a negative offset).
  EXPECT_LT(*Pacer::DueAfterStart(0, 60, 1, kFirst, kFirst - seconds(60)), nanoseconds(0));
}

TEST(Pacer, NeitherRateNorSpeedupMeansNoPacing) {
  EXPECT_FALSE(Pacer::DueAfterStart(0, 0, 5, kFirst, kFirst + seconds(60)));
  Pacer unpaced(0, 0);
  unpaced.Wait(0, kFirst);
  unpaced.Wait(1'000'000, kFirst + seconds(1'000'000));  // returns at once
  EXPECT_LT(unpaced.elapsed_s(), 60.0);
}

}  // namespace
}  // namespace traffic::pipeline
