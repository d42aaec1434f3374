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

TEST(StreamState, EnvelopeGoldenBytes) {
  const std::string bytes = EncodeStreamState("ab", "xyz");
  EXPECT_EQ(bytes, std::string("TRSS1\x02\x00\x00\x00\x00\x00\x00\x00" "abxyz", 18));
  std::string_view w, b;
  ASSERT_TRUE(DecodeStreamState(bytes, &w, &b).ok());
  EXPECT_EQ(w, "ab");
  EXPECT_EQ(b, "xyz");
  ASSERT_TRUE(DecodeStreamState(EncodeStreamState("", ""), &w, &b).ok());
  EXPECT_EQ(w, "");
  EXPECT_EQ(b, "");
}

TEST(StreamState, RefusesWhatIsNotAState) {
  std::string_view w, b;
  EXPECT_EQ(DecodeStreamState("", &w, &b).code(), core::StatusCode::kCorrupt);
  EXPECT_EQ(DecodeStreamState("TRSS1\x02", &w, &b).code(), core::StatusCode::kCorrupt);
  EXPECT_EQ(DecodeStreamState(std::string("TRSS2\x00\x00\x00\x00\x00\x00\x00\x00", 13), &w, &b).code(),
            core::StatusCode::kCorrupt);
  // A windower length past the end.
  EXPECT_EQ(DecodeStreamState(std::string("TRSS1\x03\x00\x00\x00\x00\x00\x00\x00" "ab", 15), &w, &b).code(),
            core::StatusCode::kCorrupt);
  // A length near 2^64 must not wrap around the check.
  EXPECT_EQ(DecodeStreamState(std::string("TRSS1\xff\xff\xff\xff\xff\xff\xff\xff" "ab", 15), &w, &b).code(),
            core::StatusCode::kCorrupt);
}

}  // namespace
}  // namespace traffic::pipeline
