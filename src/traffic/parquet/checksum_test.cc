// Regression test for issue 8 #11: one flipped bit in a Parquet data page silently changed what
// was read. Pages are now written with CRC-32 checksums and verified on read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "traffic/parquet/table.h"

namespace traffic::parquet {
namespace {

TEST(ParquetChecksum, AFlippedBitInADataPageIsCorruptionNotData) {
  const auto root = std::filesystem::temp_directory_path() / ("traffic_parquet_crc_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  auto fs = fs::MakeLocalFileSystem(root.string());
  // Random doubles do not compress: the page body is stored as is, so a flipped bit in it goes
  // through decompression unnoticed unless the page checksum catches it.
  ColumnBatch batch(Schema{{"speed", ColumnType::kDouble}});
  std::mt19937_64 random(42);
  std::uniform_real_distribution<double> speed(1, 60);
  for (int i = 0; i < 4000; ++i) batch.Get<double>(0).push_back(speed(random));
  {
    auto writer = Writer::Open(*fs, "t.parquet", batch.schema());
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    ASSERT_TRUE((*writer)->Write(batch).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  {
    auto reader = Reader::Open(*fs, "t.parquet");
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    auto intact = (*reader)->ReadRowGroup(0);
    ASSERT_TRUE(intact.ok()) << intact.status().message();
    ASSERT_EQ(intact->Get<double>(0), batch.Get<double>(0));
  }
  const auto path = root / "t.parquet";
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 30000u);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(size / 2));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x10);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.write(&c, 1);
  }
  auto reader = Reader::Open(*fs, "t.parquet");
  ASSERT_TRUE(reader.ok()) << reader.status().message();  // the footer is intact
  auto corrupted = (*reader)->ReadRowGroup(0);
  ASSERT_FALSE(corrupted.ok()) << "a flipped bit was read back as data";
  EXPECT_EQ(corrupted.status().code(), core::StatusCode::kCorrupt) << corrupted.status().message();
  EXPECT_NE(corrupted.status().message().find("t.parquet"), std::string::npos) << corrupted.status().message();
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace traffic::parquet
