// The messages of the stream's state topic (pipeline/kafka_worker.h): one per (consumer group,
// input topic, input partition), the newest of each key being the state of the last committed
// transaction of that partition.
//
// Key: "{input_topic}/{partition}/{group}". Topic names cannot contain '/', so the key names one
// triple; two groups (a test run and a deployment) or two input topics never share a state.
// (Until this key, state was keyed "p{partition}" and shared by every group: such messages are
// ignored, and a group that only has them starts from its committed offsets with empty windows.)
//
// Value "TRSS1": magic | windower length (Fixed64, little-endian) | Windower::SnapshotPartition
// bytes | FeatureBuilder::SnapshotCells bytes. Each part carries its own checksum.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "traffic/core/status.h"

namespace traffic::pipeline {

std::string StreamStateKey(std::string_view group, std::string_view input_topic, int32_t partition);

std::string EncodeStreamState(std::string_view windower, std::string_view builder);
// kCorrupt for bytes that are not a stream state (bad magic, truncated).
core::Status DecodeStreamState(std::string_view bytes, std::string_view* windower, std::string_view* builder);

}  // namespace traffic::pipeline
