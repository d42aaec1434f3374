#include "traffic/fs/file_system.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "traffic/testing/status_matchers.h"
#include "traffic/testing/temp_dir.h"

namespace traffic::fs {
namespace {

class LocalFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override { fs_ = MakeLocalFileSystem(temp_.string()); }
  testing::TempDir temp_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(LocalFileSystemTest, WritesReadsAndListsRecursively) {
  ASSERT_OK(fs_->WriteAll("raw/a.csv", "x,y\n1,2\n"));
  ASSERT_OK(fs_->WriteAll("raw/sub/b.CSV", "x\n"));
  ASSERT_OK(fs_->WriteAll("raw/notes.txt", "hi"));
  ASSERT_OK(fs_->WriteAll("raw/.hidden.csv", "x"));
  EXPECT_EQ(*fs_->ReadAll("raw/a.csv"), "x,y\n1,2\n");
  auto files = fs_->ListFilesRecursive("raw", {".csv"});
  ASSERT_OK(files);
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "raw/a.csv");
  EXPECT_EQ((*files)[1].path, "raw/sub/b.CSV");
}

TEST_F(LocalFileSystemTest, AtomicWriteIsInvisibleUntilClosed) {
  auto file = fs_->OpenWrite("out/part.bin", WriteMode::kAtomic);
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("half"));
  EXPECT_FALSE(fs_->Exists("out/part.bin"));
  file->reset();  // abandoned: nothing left behind under the final name
  EXPECT_FALSE(fs_->Exists("out/part.bin"));
  auto entries = fs_->List("out");
  ASSERT_OK(entries);
  EXPECT_TRUE(entries->empty()) << (*entries)[0].name;
}

TEST_F(LocalFileSystemTest, ErrorsNameThePath) {
  auto missing = fs_->OpenRead("nope.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.csv"), std::string::npos);
  auto dir = fs_->List("no/such/dir");
  EXPECT_EQ(dir.status().code(), core::StatusCode::kNotFound);
  ASSERT_OK(fs_->MakeDirs("d"));
  EXPECT_FALSE(fs_->OpenRead("d").ok());
}

TEST_F(LocalFileSystemTest, RenameAndRemoveAll) {
  ASSERT_OK(fs_->WriteAll("a/x", "1"));
  ASSERT_OK(fs_->Rename("a", "b/c"));
  EXPECT_EQ(*fs_->ReadAll("b/c/x"), "1");
  ASSERT_OK(fs_->RemoveAll("b"));
  EXPECT_FALSE(fs_->Exists("b"));
  EXPECT_OK(fs_->RemoveAll("b"));
}

}  // namespace
}  // namespace traffic::fs
