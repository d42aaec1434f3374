#include "traffic/pipeline/stream_state.h"

#include "traffic/core/coding.h"

namespace traffic::pipeline {
namespace {

constexpr std::string_view kPositionedStateMagic = "TRSP1";

}  // namespace

std::string StreamStateKey(std::string_view group, std::string_view input_topic, int32_t partition) {
  std::string key(input_topic);
  key += '/';
  key += std::to_string(partition);
  key += '/';
  key += group;
  return key;
}

std::string EncodePositionedState(int64_t next_offset, std::string_view processor_state) {
  std::string out(kPositionedStateMagic);
  out.reserve(kPositionedStateMagic.size() + 8 + processor_state.size());
  core::PutFixed64(&out, static_cast<uint64_t>(next_offset));
  out.append(processor_state);
  return out;
}

PositionedState DecodePositionedState(std::string_view bytes) {
  const size_t header = kPositionedStateMagic.size() + 8;
  if (bytes.size() < header || bytes.substr(0, kPositionedStateMagic.size()) != kPositionedStateMagic) {
    return {-1, bytes};
  }
  auto offset = static_cast<int64_t>(core::DecodeFixed64(bytes.data() + kPositionedStateMagic.size()));
  return {offset >= 0 ? offset : -1, bytes.substr(header)};
}

}  // namespace traffic::pipeline
