// The three phases of a partition restore with plain values (decode, validate, apply), and the
// golden bytes of the "TRWPS" version 1 encoding that stream state topics hold.
#include "traffic/window/partition_state.h"

#include <gtest/gtest.h>

#include <limits>

#include "traffic/core/coding.h"
#include "traffic/core/hash.h"

namespace traffic::window {
namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

WindowOptions SmallGrid() {
  WindowOptions o;
  o.grid.rows = 2;
  o.grid.cols = 3;
  return o;
}

Event Ev(int64_t t_s, geo::CellId cell, double speed, double distance, int64_t duration) {
  return Event{core::FromEpochSeconds(t_s), cell, speed, distance, duration};
}

// Partition 0 of a 2x3 grid: windows [240, 300) of 1_2 and [360, 420) of 0_1 open, [120, 180)
// of 0_1 closed and not taken; watermark 280, closed until index 4.
Windower Sample() {
  Windower w(SmallGrid());
  EXPECT_TRUE(w.Add(Ev(130, {0, 1}, 12.5, 1.2, 300), 0).ok());
  EXPECT_TRUE(w.Add(Ev(250, {1, 2}, 20, 2.0, 360), 0).ok());
  EXPECT_TRUE(w.Add(Ev(400, {0, 1}, 8, 0.5, 225), 0).ok());
  return w;
}

const CellMask kAllSix(6, true);

// Written by hand from the format in partition_state.h (not by this code).
const std::string kSampleV1Payload(
    "\x54\x52\x57\x50\x53\x01\x00\x00\x00"  // "TRWPS", version 1
    "\x3c\x78\x3c\x02\x03\x00"              // window 60, lateness 120, idle 60, 2x3, partition 0
    "\x01\xa0\x06\xb0\x04\x08"              // known, max event 400, watermark 280, closed 4
    "\x3f\x00"                              // cells 0..5, no floors
    "\x02"                                  // two open windows
    "\x08\x01\x06\x02\xc0\xb8\x02\x80\x90\xbc\xfd\x02\xa0\x1f\xd0\x05"   // index 4: cell 5
    "\x0c\x01\x02\x02\x80\x7d\x80\xc0\x84\x3d\xe8\x07\xc2\x03"           // index 6: cell 1
    "\x01\x04\x01\x02\xa8\xc3\x01\xa0\xbe\x81\x95\x01\xe0\x12\xd8\x04",  // closed: index 2, cell 1
    70);

PartitionState SampleState() {
  PartitionState st;
  st.window_s = 60;
  st.lateness_s = 120;
  st.idle_s = 60;
  st.rows = 2;
  st.cols = 3;
  st.partition = 0;
  st.known = true;
  st.max_event_s = 400;
  st.watermark_s = 280;
  st.closed_index = 4;
  st.cells = kAllSix;
  st.open = {{4, {{5, TripStats{1, 20000, 400000000, 2000, 360}}}}, {6, {{1, TripStats{1, 8000, 64000000, 500, 225}}}}};
  st.closed = {{2, 1, TripStats{1, 12500, 156250000, 1200, 300}}};
  return st;
}

TEST(PartitionState, CaptureGivesThePlainState) { EXPECT_EQ(Sample().CapturePartition(0, kAllSix), SampleState()); }

TEST(PartitionState, Version1GoldenBytes) {
  const std::string bytes = Sample().SnapshotPartition(0, kAllSix);
  ASSERT_EQ(bytes.size(), kSampleV1Payload.size() + 8);
  EXPECT_EQ(bytes.substr(0, kSampleV1Payload.size()), kSampleV1Payload);
  EXPECT_EQ(core::DecodeFixed64(bytes.data() + kSampleV1Payload.size()), core::StableHash64(kSampleV1Payload));
  EXPECT_EQ(EncodePartitionState(SampleState()), bytes);
}

TEST(PartitionState, DecodesTheStoredVersion1Bytes) {
  std::string stored = kSampleV1Payload;
  core::PutFixed64(&stored, core::StableHash64(kSampleV1Payload));
  auto st = DecodePartitionState(stored);
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_EQ(*st, SampleState());
  // And a restore of them continues like the original.
  Windower original = Sample(), restored(SmallGrid());
  ASSERT_TRUE(restored.RestorePartition(0, stored).ok());
  std::vector<WindowAggregate> a, b;
  original.Flush();
  restored.Flush();
  original.TakeClosed(&a);
  restored.TakeClosed(&b);
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 3u);
}

TEST(PartitionState, DecodeRefusesTruncationAndTrailingBytes) {
  const std::string good = EncodePartitionState(SampleState());
  auto reframe = [](std::string_view payload) {
    std::string f;
    core::BeginFrame(&f, kPartitionStateMagic, kPartitionStateVersion);
    f.append(payload);
    core::SealFrame(&f);
    return f;
  };
  const std::string_view payload = std::string_view(good).substr(9, good.size() - 17);
  ASSERT_TRUE(DecodePartitionState(reframe(payload)).ok());
  // Every shorter payload, even with a valid checksum, is refused.
  for (size_t n = 0; n < payload.size(); ++n) {
    EXPECT_EQ(DecodePartitionState(reframe(payload.substr(0, n))).status().code(), core::StatusCode::kCorrupt) << n;
  }
  EXPECT_EQ(DecodePartitionState(reframe(std::string(payload) + std::string(1, '\0'))).status().code(),
            core::StatusCode::kCorrupt);
  // A set bit past the last cell of the mask (byte 12 of the payload: 0x3f -> 0x7f).
  std::string high_bit(payload);
  ASSERT_EQ(high_bit[12], '\x3f');
  high_bit[12] = '\x7f';
  EXPECT_EQ(DecodePartitionState(reframe(high_bit)).status().code(), core::StatusCode::kCorrupt);
}

TEST(PartitionState, ValidateChecksOptionsAndPartition) {
  const PartitionState st = SampleState();
  EXPECT_TRUE(ValidatePartitionState(st, SmallGrid(), 0).ok());
  EXPECT_EQ(ValidatePartitionState(st, SmallGrid(), 1).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePartitionState(st, SmallGrid(), -1).code(), core::StatusCode::kInvalidArgument);
  WindowOptions other = SmallGrid();
  other.allowed_lateness = std::chrono::seconds(60);
  EXPECT_EQ(ValidatePartitionState(st, other, 0).code(), core::StatusCode::kInvalidArgument);
  other = SmallGrid();
  other.grid.cols = 4;
  EXPECT_EQ(ValidatePartitionState(st, other, 0).code(), core::StatusCode::kInvalidArgument);
  other = SmallGrid();
  other.max_partitions = 1;
  EXPECT_TRUE(ValidatePartitionState(st, other, 0).ok());
}

TEST(PartitionState, ValidateRefusesInconsistentStates) {
  auto check = [](const char* what, auto mutate) {
    PartitionState st = SampleState();
    mutate(st);
    EXPECT_EQ(ValidatePartitionState(st, SmallGrid(), 0).code(), core::StatusCode::kCorrupt) << what;
  };
  check("unknown partition with events", [](PartitionState& s) { s.known = false; });
  check("idle but unknown", [](PartitionState& s) {
    s.known = false;
    s.max_event_s = kNone;
    s.idle = true;
  });
  check("mask of another grid", [](PartitionState& s) { s.cells.push_back(true); });
  check("open window of a cell not owned", [](PartitionState& s) { s.cells[5] = false; });
  check("closed window of a cell not owned", [](PartitionState& s) { s.cells[1] = false; });
  check("floor not above closed_index", [](PartitionState& s) { s.floors = {{1, 4}}; });
  check("floors out of order", [](PartitionState& s) { s.floors = {{2, 9}, {1, 9}}; });
  check("open window below its cell's floor", [](PartitionState& s) { s.floors = {{1, 7}}; });
  check("closed window not below its floor", [](PartitionState& s) { s.closed[0].index = 4; });
  check("open windows out of order", [](PartitionState& s) { std::swap(s.open[0], s.open[1]); });
  check("open windows of one index twice", [](PartitionState& s) { s.open[1].index = 4; });
  check("open window without cells", [](PartitionState& s) { s.open[0].cells.clear(); });
  check("open window without trips", [](PartitionState& s) { s.open[0].cells[0].stats.trip_count = 0; });
  check("closed window without trips", [](PartitionState& s) { s.closed[0].stats = {}; });
  check("closed windows out of order", [](PartitionState& s) { s.closed.push_back(s.closed[0]); });
  check("cells of an open window out of order",
        [](PartitionState& s) { s.open[0].cells.push_back(s.open[0].cells[0]); });
  // A floor above closed_index on an owned cell with its windows at or above it is fine.
  PartitionState floored = SampleState();
  floored.floors = {{5, 5}};
  floored.open[0].index = 5;
  EXPECT_TRUE(ValidatePartitionState(floored, SmallGrid(), 0).ok());
}

TEST(PartitionState, ApplyMergesAValidatedState) {
  Windower w(SmallGrid());
  PartitionState st = SampleState();
  ASSERT_TRUE(w.RestorePartition(0, st).ok());
  EXPECT_EQ(w.CapturePartition(0, kAllSix), st);
  EXPECT_EQ(w.closed_until(), core::FromEpochSeconds(240));
  // The restored floor: the windows of cell 0_1 below index 4 are closed.
  EXPECT_EQ(w.Add(Ev(230, {0, 1}, 10, 1, 100), 0).status, AddStatus::kLate);
  EXPECT_TRUE(w.Add(Ev(245, {0, 1}, 10, 1, 100), 0).ok());
  // A state that does not validate changes nothing.
  st.known = false;
  const PartitionState before = w.CapturePartition(0, kAllSix);
  EXPECT_EQ(w.RestorePartition(0, st).code(), core::StatusCode::kCorrupt);
  EXPECT_EQ(w.CapturePartition(0, kAllSix), before);
}

}  // namespace
}  // namespace traffic::window
