#include "traffic/parquet/table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "traffic/testing/status_matchers.h"
#include "traffic/testing/temp_dir.h"

namespace traffic::parquet {
namespace {

class ParquetTest : public ::testing::Test {
 protected:
  void SetUp() override { fs_ = fs::MakeLocalFileSystem(temp_.string()); }
  testing::TempDir temp_;
  std::unique_ptr<fs::FileSystem> fs_;
};

Schema TestSchema() {
  return {{"id", ColumnType::kUInt64},       {"t", ColumnType::kTimestampMs}, {"speed", ColumnType::kDouble},
          {"cell", ColumnType::kDictString}, {"flag", ColumnType::kBool},     {"zone", ColumnType::kInt16, true},
          {"name", ColumnType::kString},     {"f", ColumnType::kFloat}};
}

TEST_F(ParquetTest, RoundTripsEveryColumnType) {
  ColumnBatch batch(TestSchema());
  batch.Get<uint64_t>(0) = {1, 2, 3};
  batch.Get<int64_t>(1) = {1000, 2000, 3000};
  batch.Get<double>(2) = {1.5, 2.5, 3.5};
  batch.column(3).dictionary = {"28_27", "10_3"};
  batch.Get<int32_t>(3) = {0, 1, 0};
  batch.Get<uint8_t>(4) = {1, 0, 1};
  batch.Get<int16_t>(5) = {7, 0, 9};
  batch.column(5).valid = {1, 0, 1};
  batch.Get<std::string>(6) = {"a", "", "ccc"};
  batch.Get<float>(7) = {0.5f, 1.5f, 2.5f};
  auto writer = Writer::Open(*fs_, "out/x.parquet", TestSchema());
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->Write(batch));
  ASSERT_OK((*writer)->Write(batch));
  ASSERT_OK((*writer)->Close());

  auto reader = Reader::Open(*fs_, "out/x.parquet");
  ASSERT_OK(reader);
  EXPECT_EQ((*reader)->num_rows(), 6);
  auto back = (*reader)->ReadRowGroup(0);
  ASSERT_OK(back);
  ASSERT_EQ(back->num_rows(), 6u);
  EXPECT_EQ(back->Get<uint64_t>(0)[2], 3u);
  EXPECT_EQ(back->Get<int64_t>(1)[1], 2000);
  EXPECT_EQ(back->Get<double>(2)[0], 1.5);
  EXPECT_EQ(back->Get<std::string>(3)[1], "10_3");
  EXPECT_EQ(back->Get<uint8_t>(4)[1], 0);
  EXPECT_EQ(back->column(5).valid[1], 0);
  EXPECT_EQ(back->Get<int16_t>(5)[2], 9);
  EXPECT_EQ(back->Get<std::string>(6)[2], "ccc");
  EXPECT_EQ(back->Get<float>(7)[2], 2.5f);

  auto some = (*reader)->ReadRowGroup(0, {"speed", "id"});
  ASSERT_OK(some);
  EXPECT_EQ(some->column(0).spec.name, "speed");
  EXPECT_FALSE((*reader)->ReadRowGroup(0, {"nope"}).ok());
}

TEST_F(ParquetTest, UnclosedWriterLeavesNothing) {
  {
    auto writer = Writer::Open(*fs_, "out/y.parquet", TestSchema());
    ASSERT_OK(writer);
  }
  EXPECT_FALSE(fs_->Exists("out/y.parquet"));
  auto entries = fs_->List("out");
  ASSERT_OK(entries);
  EXPECT_TRUE(entries->empty());
}

TEST_F(ParquetTest, CorruptFileIsAClearError) {
  ASSERT_OK(fs_->WriteAll("bad.parquet", "PAR1 this is not parquet"));
  auto reader = Reader::Open(*fs_, "bad.parquet");
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("bad.parquet"), std::string::npos);
  EXPECT_FALSE(Reader::Open(*fs_, "missing.parquet").ok());
}

}  // namespace
}  // namespace traffic::parquet
