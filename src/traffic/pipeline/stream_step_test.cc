// The stream step's plain-value parts: which outputs an --output names, and how --duration
// bounds the Kafka worker's blocking calls (issue 8 item 17).
#include "traffic/pipeline/stream_step.h"

#include <gtest/gtest.h>

namespace traffic::pipeline {
namespace {

using namespace std::chrono_literals;

TEST(StreamStepTest, OutputNamesItsSinks) {
  StreamStepOptions o;
  EXPECT_TRUE(o.Console());
  EXPECT_FALSE(o.Archive());
  EXPECT_FALSE(o.Publish());
  o.output = "all";
  EXPECT_TRUE(o.Console() && o.Archive() && o.Publish());
  o.output = "parquet";
  EXPECT_TRUE(o.Archive());
  EXPECT_FALSE(o.Console() || o.Publish());
}

TEST(StreamStepTest, DurationBoundsEveryBlockingCall) {
  auto now = std::chrono::steady_clock::now();
  auto none = std::chrono::steady_clock::time_point::max();
  EXPECT_EQ(BoundedTimeout(60s, none, now), 60s);  // no --duration: as asked
  EXPECT_EQ(BoundedTimeout(60s, now + 30s, now), 30s + kDeadlineGrace);
  EXPECT_EQ(BoundedTimeout(2s, now + 30s, now), 2s);     // never longer than asked
  EXPECT_EQ(BoundedTimeout(60s, now - 1h, now), 100ms);  // past the deadline: a last try
}

}  // namespace
}  // namespace traffic::pipeline
