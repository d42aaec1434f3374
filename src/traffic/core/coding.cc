#include "traffic/core/coding.h"

#include "traffic/core/hash.h"

namespace traffic::core {

void PutFixed32(std::string* dst, uint32_t value) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  dst->append(buf, 4);
}

void PutFixed64(std::string* dst, uint64_t value) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  dst->append(buf, 8);
}

void PutVarint64(std::string* dst, uint64_t value) {
  char buf[10];
  int n = 0;
  while (value >= 0x80) {
    buf[n++] = static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  buf[n++] = static_cast<char>(value);
  dst->append(buf, static_cast<size_t>(n));
}

void PutVarint32(std::string* dst, uint32_t value) { PutVarint64(dst, value); }

void PutVarintSigned64(std::string* dst, int64_t value) {
  PutVarint64(dst, (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
}

void PutLengthPrefixed(std::string* dst, std::string_view value) {
  PutVarint64(dst, value.size());
  dst->append(value);
}

uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

int VarintLength(uint64_t value) {
  int n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

bool ByteReader::GetFixed32(uint32_t* value) {
  if (in_.size() < 4) return false;
  *value = DecodeFixed32(in_.data());
  in_.remove_prefix(4);
  return true;
}

bool ByteReader::GetFixed64(uint64_t* value) {
  if (in_.size() < 8) return false;
  *value = DecodeFixed64(in_.data());
  in_.remove_prefix(8);
  return true;
}

bool ByteReader::GetVarint64(uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (in_.empty()) return false;
    const auto b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    if (shift == 63 && b > 1) return false;  // overflows 64 bits
    result |= uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

bool ByteReader::GetVarint32(uint32_t* value) {
  uint64_t v;
  // A Varint32 is at most 5 bytes; a longer encoding of a small value is refused too.
  const size_t before = in_.size();
  if (!GetVarint64(&v) || before - in_.size() > 5 || v > UINT32_MAX) return false;
  *value = static_cast<uint32_t>(v);
  return true;
}

bool ByteReader::GetVarintSigned64(int64_t* value) {
  uint64_t u;
  if (!GetVarint64(&u)) return false;
  *value = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool ByteReader::GetVarint64AtMost(uint64_t max, uint64_t* value) { return GetVarint64(value) && *value <= max; }

bool ByteReader::GetBytes(size_t n, std::string_view* value) {
  if (in_.size() < n) return false;
  *value = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

bool ByteReader::GetLengthPrefixed(std::string_view* value) {
  uint64_t n;
  return GetVarint64(&n) && n <= in_.size() && GetBytes(static_cast<size_t>(n), value);
}

void BeginFrame(std::string* dst, std::string_view magic, uint32_t version) {
  dst->append(magic);
  PutFixed32(dst, version);
}

void SealFrame(std::string* dst) { PutFixed64(dst, StableHash64(*dst)); }

Status OpenFrame(std::string_view bytes, std::string_view magic, uint32_t version, std::string_view what,
                 std::string_view* payload) {
  const std::string prefix = std::string(what) + ": ";
  if (bytes.size() < FrameOverhead(magic) || bytes.substr(0, magic.size()) != magic) {
    return Status::Corrupt(prefix + "bad magic or too short (" + std::to_string(bytes.size()) + " bytes)");
  }
  const uint32_t got_version = DecodeFixed32(bytes.data() + magic.size());
  if (got_version != version) {
    return Status::Corrupt(prefix + "unsupported version " + std::to_string(got_version));
  }
  const size_t body = bytes.size() - 8;
  if (DecodeFixed64(bytes.data() + body) != StableHash64(bytes.substr(0, body))) {
    return Status::Corrupt(prefix + "checksum mismatch");
  }
  *payload = bytes.substr(magic.size() + 4, body - magic.size() - 4);
  return Status::Ok();
}

}  // namespace traffic::core
