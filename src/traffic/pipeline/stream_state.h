// The messages of the stream's state topic (pipeline/kafka_worker.h): one per (consumer group,
// input topic, input partition), the newest of each key being the state of the last committed
// transaction of that partition.
//
// Key: "{input_topic}/{partition}/{group}". Topic names cannot contain '/', so the key names one
// triple; two groups (a test run and a deployment) or two input topics never share a state.
// (Until this key, state was keyed "p{partition}" and shared by every group: such messages are
// ignored, and a group that only has them starts from its committed offsets with empty windows.)
//
// Value "TRSP1": magic | next input offset (Fixed64, little-endian) | StreamProcessor::
// SnapshotPartition bytes (which carry their own magic and checksums). The state carries the
// input position it covers, committed in the same transaction, and a restore seeks there: the
// group's committed offsets are committed too (for lag tools), but a fetch of them can be stale
// around a broker restart, and a state newer than its offsets dead-letters the replayed events as
// late (seen in tests/stream_kafka_test.sh). A value without the envelope (written before it)
// restores at the committed offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace traffic::pipeline {

std::string StreamStateKey(std::string_view group, std::string_view input_topic, int32_t partition);

struct PositionedState {
  int64_t next_offset = -1;  // negative: the message has no position (restore at the committed offset)
  std::string_view processor_state;
};

std::string EncodePositionedState(int64_t next_offset, std::string_view processor_state);
// Never fails: bytes without the envelope are all processor state, with no position.
PositionedState DecodePositionedState(std::string_view bytes);

}  // namespace traffic::pipeline
