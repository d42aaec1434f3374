// Endian-neutral encoding of integers and byte strings for serialized state (LevelDB's
// util/coding.h). Every stored or transmitted state uses these, never memcpy of host integers, so
// the bytes are the same on every machine.
//
// Formats (the contract; golden bytes in coding_test.cc):
//   - Fixed32 / Fixed64: 4 / 8 bytes, little-endian.
//   - Varint32 / Varint64: LEB128, 7 bits a byte, least significant group first, the high bit set
//     on every byte but the last. At most 5 / 10 bytes; a longer one, or one whose value does not
//     fit the width, is refused.
//   - VarintSigned64: the zigzag code of the value ((v << 1) ^ (v >> 63)) as a Varint64, so small
//     negative values are short too: 0 -> 00, -1 -> 01, 1 -> 02, -2 -> 03.
//   - LengthPrefixed: Varint64 byte count, then the bytes.
//   - Frame (a whole state message): magic | version (Fixed32) | payload | checksum (Fixed64),
//     checksum = core::StableHash64 of everything before it, so a flipped or missing byte is refused
//     before any field of the payload is trusted.
//
// Decoding goes through ByteReader: every read checks the bounds and returns false on truncated
// or malformed input, leaving the value unspecified; nothing reads past the view.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "traffic/core/status.h"

namespace traffic::core {

void PutFixed32(std::string* dst, uint32_t value);
void PutFixed64(std::string* dst, uint64_t value);
void PutVarint32(std::string* dst, uint32_t value);
void PutVarint64(std::string* dst, uint64_t value);
void PutVarintSigned64(std::string* dst, int64_t value);
void PutLengthPrefixed(std::string* dst, std::string_view value);

// Decodes 4 / 8 little-endian bytes at `p` (the caller checked there are that many).
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);

// Bytes the varint of `value` takes (1..10).
int VarintLength(uint64_t value);

// A bounds-checked cursor over encoded bytes. Each Get consumes what it decoded; on false the
// cursor position is unspecified (stop decoding and report the input as corrupt).
class ByteReader {
 public:
  explicit ByteReader(std::string_view input) : in_(input) {}

  bool GetFixed32(uint32_t* value);
  bool GetFixed64(uint64_t* value);
  bool GetVarint32(uint32_t* value);
  bool GetVarint64(uint64_t* value);
  bool GetVarintSigned64(int64_t* value);
  // A Varint64 that must also be <= max (counts and indexes read from untrusted bytes).
  bool GetVarint64AtMost(uint64_t max, uint64_t* value);
  // The next n bytes (a view into the input).
  bool GetBytes(size_t n, std::string_view* value);
  bool GetLengthPrefixed(std::string_view* value);

  bool empty() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

// ---- Frames ----

// Starts a frame: appends magic and version to an empty *dst; append the payload after it, then
// SealFrame.
void BeginFrame(std::string* dst, std::string_view magic, uint32_t version);
// Appends the checksum of everything in *dst.
void SealFrame(std::string* dst);
// Checks magic, version and checksum of `bytes` and returns the payload in *payload. Errors are
// kCorrupt and start with `what` ("window partition state: checksum mismatch").
Status OpenFrame(std::string_view bytes, std::string_view magic, uint32_t version, std::string_view what,
                 std::string_view* payload);
// Bytes a frame adds to its payload.
constexpr size_t FrameOverhead(std::string_view magic) { return magic.size() + 4 + 8; }

}  // namespace traffic::core
