#include "traffic/fs/file_system.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace traffic::fs {
namespace {

class LocalFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("traffic_fs_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    fs_ = MakeLocalFileSystem(root_.string());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(LocalFileSystemTest, WritesReadsAndListsRecursively) {
  ASSERT_TRUE(fs_->WriteAll("raw/a.csv", "x,y\n1,2\n").ok());
  ASSERT_TRUE(fs_->WriteAll("raw/sub/b.CSV", "x\n").ok());
  ASSERT_TRUE(fs_->WriteAll("raw/notes.txt", "hi").ok());
  ASSERT_TRUE(fs_->WriteAll("raw/.hidden.csv", "x").ok());
  EXPECT_EQ(*fs_->ReadAll("raw/a.csv"), "x,y\n1,2\n");
  auto files = fs_->ListFilesRecursive("raw", {".csv"});
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "raw/a.csv");
  EXPECT_EQ((*files)[1].path, "raw/sub/b.CSV");
}

TEST_F(LocalFileSystemTest, AtomicWriteIsInvisibleUntilClosed) {
  auto file = fs_->OpenWrite("out/part.bin", WriteMode::kAtomic);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("half").ok());
  EXPECT_FALSE(fs_->Exists("out/part.bin"));
  file->reset();  // abandoned: nothing left behind under the final name
  EXPECT_FALSE(fs_->Exists("out/part.bin"));
  auto entries = fs_->List("out");
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty()) << (*entries)[0].name;
}

TEST_F(LocalFileSystemTest, ErrorsNameThePath) {
  auto missing = fs_->OpenRead("nope.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.csv"), std::string::npos);
  auto dir = fs_->List("no/such/dir");
  EXPECT_EQ(dir.status().code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(fs_->MakeDirs("d").ok());
  EXPECT_FALSE(fs_->OpenRead("d").ok());
}

TEST_F(LocalFileSystemTest, RenameAndRemoveAll) {
  ASSERT_TRUE(fs_->WriteAll("a/x", "1").ok());
  ASSERT_TRUE(fs_->Rename("a", "b/c").ok());
  EXPECT_EQ(*fs_->ReadAll("b/c/x"), "1");
  ASSERT_TRUE(fs_->RemoveAll("b").ok());
  EXPECT_FALSE(fs_->Exists("b"));
  EXPECT_TRUE(fs_->RemoveAll("b").ok());
}

}  // namespace
}  // namespace traffic::fs
