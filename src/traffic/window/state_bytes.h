// Internal to traffic::window and traffic::features: the framing and primitives of the partition
// state encodings (Windower::SnapshotPartition, FeatureBuilder::SnapshotCells).
//
// Frame:  magic (5 bytes) | version (u32 LE) | payload | checksum (u64 LE)
// checksum = core::StableHash64 of everything before it, so a flipped or missing byte is refused
// before any field is trusted. Payload integers are LEB128 varints (little-endian base-128),
// signed ones zigzag-coded, so small counts and sums take a byte or two; a varint longer than 10
// bytes is corrupt. A cell set is a bitmap of ceil(cells / 8) bytes, bit i of byte i / 8 for the
// row-major cell index i.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/hash.h"
#include "traffic/core/status.h"
#include "traffic/window/windower.h"

namespace traffic::window::state {

inline constexpr size_t kMagicSize = 5;
inline constexpr size_t kFrameOverhead = kMagicSize + 4 + 8;

class Writer {
 public:
  Writer(std::string_view magic, uint32_t version) {
    out_.reserve(256);
    out_.append(magic.substr(0, kMagicSize));
    Fixed(version, 4);
  }
  void U(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void S(int64_t v) { U((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Stats(const TripStats& s) {
    S(s.trip_count);
    S(s.speed_sum_mmph);
    S(s.speed_sq_sum_mmph2);
    S(s.distance_sum_mmi);
    S(s.duration_sum_s);
  }
  void Mask(const CellMask& mask) {
    std::string bits((mask.size() + 7) / 8, '\0');
    for (size_t i = 0; i < mask.size(); ++i) {
      if (mask[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
    }
    out_.append(bits);
  }
  // Appends the checksum and returns the frame.
  std::string Seal() {
    Fixed(core::StableHash64(out_), 8);
    return std::move(out_);
  }

 private:
  void Fixed(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view payload) : in_(payload) {}
  bool U(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (in_.empty()) return false;
      const auto b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      if (shift == 63 && b > 1) return false;  // overflows 64 bits
      r |= uint64_t{b & 0x7Fu} << shift;
      if ((b & 0x80) == 0) {
        *v = r;
        return true;
      }
    }
    return false;
  }
  bool S(int64_t* v) {
    uint64_t u;
    if (!U(&u)) return false;
    *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  // An unsigned value that must be <= max.
  bool Count(uint64_t max, uint64_t* v) { return U(v) && *v <= max; }
  bool Stats(TripStats* s) {
    return S(&s->trip_count) && S(&s->speed_sum_mmph) && S(&s->speed_sq_sum_mmph2) &&
           S(&s->distance_sum_mmi) && S(&s->duration_sum_s);
  }
  bool Mask(size_t cells, CellMask* mask) {
    const size_t n = (cells + 7) / 8;
    if (in_.size() < n) return false;
    mask->assign(cells, false);
    for (size_t i = 0; i < cells; ++i) (*mask)[i] = (static_cast<uint8_t>(in_[i / 8]) >> (i % 8)) & 1;
    // Bits past the last cell must be clear.
    if (cells % 8 != 0 && (static_cast<uint8_t>(in_[n - 1]) >> (cells % 8)) != 0) return false;
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// Checks the frame of `bytes` (magic, version, checksum) and returns the payload in *payload.
// `what` names the encoding in the error ("window partition state").
inline core::Status Open(std::string_view bytes, std::string_view magic, uint32_t version,
                         std::string_view what, std::string_view* payload) {
  const std::string prefix = std::string(what) + ": ";
  if (bytes.size() < kFrameOverhead || bytes.substr(0, kMagicSize) != magic) {
    return core::Status::Corrupt(prefix + "bad magic or too short (" + std::to_string(bytes.size()) +
                                 " bytes)");
  }
  auto fixed = [&](size_t at, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(bytes[at + i])} << (8 * i);
    return v;
  };
  const uint64_t got_version = fixed(kMagicSize, 4);
  if (got_version != version) {
    return core::Status::Corrupt(prefix + "unsupported version " + std::to_string(got_version));
  }
  const size_t body = bytes.size() - 8;
  if (fixed(body, 8) != core::StableHash64(bytes.substr(0, body))) {
    return core::Status::Corrupt(prefix + "checksum mismatch");
  }
  *payload = bytes.substr(kMagicSize + 4, body - kMagicSize - 4);
  return core::Status::Ok();
}

}  // namespace traffic::window::state
