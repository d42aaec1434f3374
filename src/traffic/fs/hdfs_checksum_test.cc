// HDFS's file checksum computed from the bytes, against values the real HDFS (Hadoop 3.4.2,
// scripts/hdfs.sh) reported by GETFILECHECKSUM for the same bytes.
#include "traffic/fs/hdfs_checksum.h"

#include <gtest/gtest.h>

namespace traffic::fs {
namespace {

// The bytes of the two reference files: (i * mul + i / div) mod 256.
std::string Pattern(size_t n, size_t mul, size_t div) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * mul + i / div) % 256);
  return out;
}

std::vector<uint32_t> CrcsInPieces(const std::string& data, size_t piece) {
  ChunkCrcs crcs;
  for (size_t at = 0; at < data.size(); at += piece) crcs.Update(std::string_view(data).substr(at, piece));
  return crcs.Finish();
}

TEST(HdfsChecksum, Crc32cIsCastagnoli) {
  EXPECT_EQ(Crc32c(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(Crc32c(Crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
  std::string long_text(1000, 'x');
  EXPECT_EQ(Crc32c(0, long_text.data(), 1000), Crc32c(Crc32c(0, long_text.data(), 3), long_text.data() + 3, 997));
}

TEST(HdfsChecksum, ChunkCrcsAreTheSameWhateverThePieces) {
  std::string data = Pattern(5000, 7, 251);
  auto whole = CrcsInPieces(data, data.size());
  ASSERT_EQ(whole.size(), 10u);  // 9 full chunks of 512 and one of 392
  EXPECT_EQ(whole[9], Crc32c(0, data.data() + 4608, 392));
  EXPECT_EQ(CrcsInPieces(data, 1), whole);
  EXPECT_EQ(CrcsInPieces(data, 700), whole);
}

TEST(HdfsChecksum, OneBlockAsTheRealHdfsReportsIt) {
  FileChecksum reported{"MD5-of-0MD5-of-512CRC32C", "0000020000000000000000007ead2be368459f3b4d7b0642462ee54900000000",
                        28};
  auto computed = Md5Md5Crc32c(reported, CrcsInPieces(Pattern(1000, 7, 251), 333));
  ASSERT_TRUE(computed.has_value());
  EXPECT_EQ(*computed, "7ead2be368459f3b4d7b0642462ee549");
  EXPECT_EQ(ReportedMd5(reported), *computed);
}

TEST(HdfsChecksum, ThreeBlocksAsTheRealHdfsReportsThem) {
  // 2.5 MB written with blocksize=1048576: 2048 CRCs per block.
  FileChecksum reported{"MD5-of-2048MD5-of-512CRC32C",
                        "000002000000000000000800bb05105dce9059edf2289f29866de17c00000000", 28};
  auto computed = Md5Md5Crc32c(reported, CrcsInPieces(Pattern(2'500'000, 13, 977), 1 << 16));
  ASSERT_TRUE(computed.has_value());
  EXPECT_EQ(*computed, "bb05105dce9059edf2289f29866de17c");
  EXPECT_NE(*Md5Md5Crc32c(reported, CrcsInPieces(Pattern(2'500'001, 13, 977), 1 << 16)), *computed);
}

TEST(HdfsChecksum, OtherKindsAreNotCompared) {
  std::vector<uint32_t> crcs = {1, 2};
  EXPECT_FALSE(
      Md5Md5Crc32c({"MD5-of-0MD5-of-0CRC32", "00000000000000000000000000000000000000000000000000000000", 28}, crcs));
  EXPECT_FALSE(Md5Md5Crc32c({"COMPOSITE-CRC32C", "abcd", 4}, crcs));
  // 1024 bytes per CRC: not what we computed.
  EXPECT_FALSE(Md5Md5Crc32c(
      {"MD5-of-0MD5-of-1024CRC32C", "0000040000000000000000007ead2be368459f3b4d7b0642462ee54900000000", 28}, crcs));
  EXPECT_FALSE(Md5Md5Crc32c({"MD5-of-0MD5-of-512CRC32C", "0000020000000000000000007ead2be3", 28}, {}));
}

}  // namespace
}  // namespace traffic::fs
