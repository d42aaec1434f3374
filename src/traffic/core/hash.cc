#include "traffic/core/hash.h"

namespace traffic::core {

std::string HashToHex(uint64_t h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kHex[h & 0xF];
  return out;
}

}  // namespace traffic::core
