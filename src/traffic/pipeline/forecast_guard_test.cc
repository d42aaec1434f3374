#include "traffic/pipeline/forecast_guard.h"

#include <gtest/gtest.h>

namespace traffic::pipeline {
namespace {

using codec::ForecastSource;

model::HorizonLiveScores Scores(int64_t count, double model_f1, double persistence_f1) {
  model::HorizonLiveScores s;
  s.by_predictor[0] = {count, 0.5, model_f1};
  s.by_predictor[1] = {count, 0.5, persistence_f1};
  s.by_predictor[2] = {count, 0.5, 0.1};
  return s;
}

TEST(ForecastGuard, HandsOverToPersistenceAndBackWithHysteresis) {
  ForecastGuard guard({ForecastSource::kModel, ForecastSource::kModel, ForecastSource::kPersistence},
                      GuardOptions{100, 0.01});
  // Too few scored forecasts: no decision, whatever the figures.
  EXPECT_TRUE(guard.Update({Scores(99, 0.1, 0.9), Scores(99, 0.1, 0.9), Scores(99, 0.9, 0.1)}).empty());
  EXPECT_EQ(guard.source(0), ForecastSource::kModel);
  // The 15-minute model falls below persistence; the 60-minute one (persistence published since
  // the card said so) now beats it by more than the margin.
  auto switches = guard.Update({Scores(100, 0.70, 0.71), Scores(100, 0.75, 0.70), Scores(100, 0.80, 0.70)});
  ASSERT_EQ(switches.size(), 2u);
  EXPECT_EQ(switches[0].horizon_minutes, 15);
  EXPECT_EQ(switches[0].to, ForecastSource::kPersistence);
  EXPECT_EQ(switches[1].horizon_minutes, 60);
  EXPECT_EQ(switches[1].to, ForecastSource::kModel);
  EXPECT_EQ(switches[0].Describe(std::chrono::hours(6)),
            "15 min: the model (live macro-F1 0.700) fell below persistence (0.710) over the last 6 h (100 forecasts "
            "scored): publishing persistence");
  // Hysteresis: the 15-minute model edging back ahead by less than the margin does not switch.
  EXPECT_TRUE(guard.Update({Scores(100, 0.715, 0.71), Scores(100, 0.75, 0.70), Scores(100, 0.80, 0.70)}).empty());
  EXPECT_EQ(guard.source(0), ForecastSource::kPersistence);
  switches = guard.Update({Scores(100, 0.73, 0.71), Scores(100, 0.75, 0.70), Scores(100, 0.80, 0.70)});
  ASSERT_EQ(switches.size(), 1u);
  EXPECT_EQ(guard.source(0), ForecastSource::kModel);
  // A tie keeps the model (it must fall below, not equal).
  EXPECT_TRUE(guard.Update({Scores(100, 0.71, 0.71), Scores(100, 0.70, 0.70), Scores(100, 0.80, 0.70)}).empty());
}

TEST(ForecastGuard, WithoutSwitchingTheCardDecides) {
  ForecastGuard guard({ForecastSource::kModel, ForecastSource::kPersistence, ForecastSource::kModel},
                      GuardOptions{100, 0.01, false});
  EXPECT_TRUE(guard.Update({Scores(500, 0.1, 0.9), Scores(500, 0.9, 0.1), Scores(500, 0.1, 0.9)}).empty());
  EXPECT_EQ(guard.source(0), ForecastSource::kModel);
  EXPECT_EQ(guard.source(1), ForecastSource::kPersistence);
}

}  // namespace
}  // namespace traffic::pipeline
