// HDFS's whole-file checksum, computed from the bytes on our side, so that a copy to or from HDFS
// can be checked end to end against what WebHDFS GETFILECHECKSUM reports.
//
// For a file written with HDFS's defaults (dfs.checksum.type CRC32C, 512 bytes per checksum) the
// NameNode reports "MD5-of-<N>MD5-of-512CRC32C": the CRC32C of every 512-byte chunk of a block
// (4 bytes, big-endian) are MD5'd per block, and the block MD5s MD5'd again. N is the number of
// CRCs per block when the file has more than one block, else 0. Two quirks of Hadoop's own code
// are reproduced: the outer MD5 is taken over its whole output buffer, the block MD5s padded with
// zeros to a power of two of at least 32 bytes (Java's ByteArrayOutputStream growth), and the
// "bytes" of the JSON are that buffer's hex with more than its "length" bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/fs/file_system.h"

namespace traffic::fs {

// CRC32C (Castagnoli), with SSE 4.2 when the CPU has it.
uint32_t Crc32c(uint32_t crc, const void* data, size_t n);

// The CRC32C of every `bytes_per_crc` chunk of a stream fed in pieces of any size (4 bytes per
// chunk kept: 8 MB per GB, as HDFS keeps them).
class ChunkCrcs {
 public:
  explicit ChunkCrcs(uint32_t bytes_per_crc = 512) : bytes_per_crc_(bytes_per_crc) {}
  void Update(std::string_view data);
  const std::vector<uint32_t>& Finish();  // closes the last, partial chunk
  uint64_t bytes() const { return bytes_; }

 private:
  uint32_t bytes_per_crc_;
  uint64_t bytes_ = 0;
  uint32_t in_chunk_ = 0;  // bytes of the open chunk
  uint32_t crc_ = ~0u;     // of the open chunk, before the final inversion
  std::vector<uint32_t> crcs_;
};

// The MD5 (hex) HDFS would report for a file of these chunk CRCs in the layout `reported` gives
// (bytes per CRC and CRCs per block read from its bytes). nullopt when `reported` is of another
// kind (CRC32, a composite CRC, an empty file's) or of another chunk size than `crcs` used.
std::optional<std::string> Md5Md5Crc32c(const FileChecksum& reported, const std::vector<uint32_t>& crcs,
                                        uint32_t bytes_per_crc = 512);
// The MD5 part (hex) of what WebHDFS reported, for comparing with the above.
std::string ReportedMd5(const FileChecksum& reported);

}  // namespace traffic::fs
