#include "traffic/pipeline/stream_state.h"

#include "traffic/core/coding.h"

namespace traffic::pipeline {
namespace {

constexpr std::string_view kStateMagic = "TRSS1";

}  // namespace

std::string StreamStateKey(std::string_view group, std::string_view input_topic, int32_t partition) {
  std::string key(input_topic);
  key += '/';
  key += std::to_string(partition);
  key += '/';
  key += group;
  return key;
}

std::string EncodeStreamState(std::string_view windower, std::string_view builder) {
  std::string out(kStateMagic);
  out.reserve(kStateMagic.size() + 8 + windower.size() + builder.size());
  core::PutFixed64(&out, windower.size());
  out += windower;
  out += builder;
  return out;
}

core::Status DecodeStreamState(std::string_view bytes, std::string_view* windower, std::string_view* builder) {
  core::ByteReader r(bytes);
  std::string_view magic;
  uint64_t n;
  if (!r.GetBytes(kStateMagic.size(), &magic) || magic != kStateMagic || !r.GetFixed64(&n)) {
    return core::Status::Corrupt("state message is not a stream state (bad magic)");
  }
  if (n > r.remaining()) return core::Status::Corrupt("state message is truncated");
  *windower = r.rest().substr(0, n);
  *builder = r.rest().substr(n);
  return core::Status::Ok();
}

}  // namespace traffic::pipeline
