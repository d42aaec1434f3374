#include "traffic/window/level.h"

#include <gtest/gtest.h>

#include <cmath>

namespace traffic::window {
namespace {

TEST(LevelFor, BoundariesTenAndTwentyAreMedium) {
  EXPECT_EQ(LevelFor(9.999), CongestionLevel::kHigh);
  EXPECT_EQ(LevelFor(10.0), CongestionLevel::kMedium);
  EXPECT_EQ(LevelFor(15.0), CongestionLevel::kMedium);
  EXPECT_EQ(LevelFor(20.0), CongestionLevel::kMedium);
  EXPECT_EQ(LevelFor(20.001), CongestionLevel::kLow);
  EXPECT_EQ(LevelFor(0.0), CongestionLevel::kHigh);
  EXPECT_EQ(LevelFor(std::nextafter(10.0, 0.0)), CongestionLevel::kHigh);
  EXPECT_EQ(LevelFor(std::nextafter(20.0, 100.0)), CongestionLevel::kLow);
}

TEST(LevelFor, ThresholdsAreConfigurable) {
  LevelThresholds t{5.0, 8.0};
  EXPECT_EQ(LevelFor(4.9, t), CongestionLevel::kHigh);
  EXPECT_EQ(LevelFor(5.0, t), CongestionLevel::kMedium);
  EXPECT_EQ(LevelFor(8.0, t), CongestionLevel::kMedium);
  EXPECT_EQ(LevelFor(8.1, t), CongestionLevel::kLow);
}

TEST(LevelName, RoundTrips) {
  for (auto level : {CongestionLevel::kLow, CongestionLevel::kMedium, CongestionLevel::kHigh}) {
    EXPECT_EQ(ParseLevel(LevelName(level)), level);
  }
  EXPECT_EQ(LevelName(CongestionLevel::kHigh), "High");
  EXPECT_EQ(static_cast<int>(CongestionLevel::kLow), 0);
  EXPECT_EQ(static_cast<int>(CongestionLevel::kHigh), 2);
  EXPECT_FALSE(ParseLevel("high"));
}

}  // namespace
}  // namespace traffic::window
