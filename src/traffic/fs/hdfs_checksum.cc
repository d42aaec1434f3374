#include "traffic/fs/hdfs_checksum.h"

#include <nmmintrin.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>

#include "traffic/core/text.h"

namespace traffic::fs {
namespace {

constexpr uint32_t kCastagnoli = 0x82F63B78;  // reflected polynomial

std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCastagnoli : c >> 1;
    t[i] = c;
  }
  return t;
}

// On the running (not inverted) register.
uint32_t Crc32cSoftware(uint32_t crc, const unsigned char* p, size_t n) {
  static const std::array<uint32_t, 256> table = MakeTable();
  while (n-- > 0) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t crc, const unsigned char* p, size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

uint32_t Update(uint32_t crc, const void* data, size_t n) {
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  const auto* p = static_cast<const unsigned char*>(data);
  return hardware ? Crc32cHardware(crc, p, n) : Crc32cSoftware(crc, p, n);
}

std::string Md5(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), n);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::optional<uint64_t> HexNumber(std::string_view hex) {
  uint64_t v = 0;
  for (char c : hex) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace

uint32_t Crc32c(uint32_t crc, const void* data, size_t n) { return ~Update(~crc, data, n); }

void ChunkCrcs::Update(std::string_view data) {
  bytes_ += data.size();
  while (!data.empty()) {
    size_t take = std::min<size_t>(data.size(), bytes_per_crc_ - in_chunk_);
    crc_ = fs::Update(crc_, data.data(), take);
    in_chunk_ += static_cast<uint32_t>(take);
    data.remove_prefix(take);
    if (in_chunk_ == bytes_per_crc_) {
      crcs_.push_back(~crc_);
      crc_ = ~0u;
      in_chunk_ = 0;
    }
  }
}

const std::vector<uint32_t>& ChunkCrcs::Finish() {
  if (in_chunk_ > 0) crcs_.push_back(~crc_);
  in_chunk_ = 0;
  crc_ = ~0u;
  return crcs_;
}

std::string ReportedMd5(const FileChecksum& reported) {
  // bytes: bytes per CRC (4), CRCs per block (8), the MD5 (16).
  return reported.bytes_hex.size() >= 56 ? core::ToLower(reported.bytes_hex.substr(24, 32)) : "";
}

std::optional<std::string> Md5Md5Crc32c(const FileChecksum& reported, const std::vector<uint32_t>& crcs,
                                        uint32_t bytes_per_crc) {
  if (reported.algorithm.find("MD5-of-") != 0 || reported.algorithm.size() < 9 ||
      reported.algorithm.compare(reported.algorithm.size() - 6, 6, "CRC32C") != 0 || reported.bytes_hex.size() < 56) {
    return std::nullopt;
  }
  auto per_crc = HexNumber(std::string_view(reported.bytes_hex).substr(0, 8));
  auto per_block = HexNumber(std::string_view(reported.bytes_hex).substr(8, 16));
  if (!per_crc || !per_block || *per_crc != bytes_per_crc || crcs.empty()) return std::nullopt;
  size_t group = *per_block == 0 ? crcs.size() : static_cast<size_t>(*per_block);
  std::string block_md5s;
  for (size_t at = 0; at < crcs.size(); at += group) {
    std::string be;
    for (size_t i = at; i < std::min(crcs.size(), at + group); ++i) {
      uint32_t c = crcs[i];
      const char b[4] = {static_cast<char>(c >> 24), static_cast<char>(c >> 16), static_cast<char>(c >> 8),
                         static_cast<char>(c)};
      be.append(b, 4);
    }
    block_md5s += Md5(be);
  }
  size_t buffer = 32;
  while (buffer < block_md5s.size()) buffer *= 2;
  block_md5s.resize(buffer, '\0');
  return Hex(Md5(block_md5s));
}

}  // namespace traffic::fs
