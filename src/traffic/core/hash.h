// Stable 64-bit hashing of bytes: the same input gives the same hash on every machine and run,
// which is what event ids and duplicate detection need (std::hash promises neither).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace traffic::core {

// A fast non-cryptographic hash (8 bytes a step, multiply-xorshift mixing). Collisions among
// 10 million distinct records are expected with probability ~3e-6.
//
// Contract (frozen: event ids, Kafka partitions and state checksums depend on it, and other
// programs recompute it; golden values in text_test.cc). All arithmetic mod 2^64, n = byte count:
//   h = seed ^ (n * 0x94D049BB133111EB)
//   for each whole 8-byte word w, read little-endian (this code assumes a little-endian host):
//     h = (h ^ w) * 0xBF58476D1CE4E5B9; h ^= h >> 31
//   t = the 0..7 remaining bytes as a little-endian integer (0 if none), r = their count
//   h = (h ^ t ^ (r << 56)) * 0xBF58476D1CE4E5B9; h ^= h >> 29
//   h *= 0x94D049BB133111EB; h ^= h >> 32
inline uint64_t StableHash64(std::string_view bytes, uint64_t seed = 0x9E3779B97F4A7C15ULL) {
  constexpr uint64_t kMul = 0xBF58476D1CE4E5B9ULL;
  uint64_t h = seed ^ (bytes.size() * 0x94D049BB133111EBULL);
  const char* p = bytes.data();
  size_t n = bytes.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ tail ^ (uint64_t{n} << 56)) * kMul;
  h ^= h >> 29;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 32;
  return h;
}

// 16 lower-case hex digits.
std::string HashToHex(uint64_t h);

}  // namespace traffic::core
