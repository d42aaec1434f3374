// Golden bytes and keys of the stream state topic (stored: they may never change silently).
#include "traffic/pipeline/stream_state.h"

#include <gtest/gtest.h>

namespace traffic::pipeline {
namespace {

TEST(StreamState, KeyNamesGroupTopicAndPartition) {
  EXPECT_EQ(StreamStateKey("traffic-stream", "taxi-trips", 3), "taxi-trips/3/traffic-stream");
  // Two groups, two topics, two partitions: six keys.
  EXPECT_NE(StreamStateKey("a", "t", 0), StreamStateKey("b", "t", 0));
  EXPECT_NE(StreamStateKey("a", "t", 0), StreamStateKey("a", "u", 0));
  EXPECT_NE(StreamStateKey("a", "t", 0), StreamStateKey("a", "t", 1));
  // A group name with '/' cannot collide with another triple: topics have no '/'.
  EXPECT_NE(StreamStateKey("x/1/y", "t", 0), StreamStateKey("y", "t", 1));
}

TEST(StreamState, PositionedEnvelopeGoldenBytes) {
  const std::string bytes = EncodePositionedState(0x0102, "TRSS2xyz");
  EXPECT_EQ(bytes, std::string("TRSP1\x02\x01\x00\x00\x00\x00\x00\x00"
                               "TRSS2xyz",
                               21));
  PositionedState s = DecodePositionedState(bytes);
  EXPECT_EQ(s.next_offset, 0x0102);
  EXPECT_EQ(s.processor_state, "TRSS2xyz");
  const std::string empty = EncodePositionedState(0, "");
  s = DecodePositionedState(empty);
  EXPECT_EQ(s.next_offset, 0);
  EXPECT_EQ(s.processor_state, "");
}

TEST(StreamState, AStateWithoutTheEnvelopeHasNoPosition) {
  // Written before the envelope: all of it is processor state.
  PositionedState s = DecodePositionedState("TRSS2abc");
  EXPECT_LT(s.next_offset, 0);
  EXPECT_EQ(s.processor_state, "TRSS2abc");
  // Too short to hold an offset.
  s = DecodePositionedState("TRSP1\x02");
  EXPECT_LT(s.next_offset, 0);
  EXPECT_EQ(s.processor_state, "TRSP1\x02");
  // A negative offset (no position) stays none.
  // (The decoded state views the bytes: keep them alive. ASan caught a view of a temporary here.)
  const std::string none = EncodePositionedState(-1001, "x");
  s = DecodePositionedState(none);
  EXPECT_LT(s.next_offset, 0);
  EXPECT_EQ(s.processor_state, "x");
}

}  // namespace
}  // namespace traffic::pipeline
