// The fs::FileSystem contract (src/traffic/fs/file_system.h), checked against the local disk and
// the in-memory file system alike, so a unit test on MakeMemFileSystem() means what it would mean
// on the disk. Where the two may differ (mtime resolution, path spelling) the test says so.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "traffic/fs/file_system.h"
#include "traffic/testing/mem_file_system.h"
#include "traffic/testing/status_matchers.h"
#include "traffic/testing/temp_dir.h"

namespace traffic::testing {
namespace {

using fs::FileInfo;
using fs::WriteMode;

enum class Kind { kLocal, kMem };

class FileSystemContractTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    fs_ = GetParam() == Kind::kLocal ? fs::MakeLocalFileSystem(temp_.string()) : MakeMemFileSystem();
  }
  std::vector<std::string> Names(const std::string& dir) {
    std::vector<std::string> names;
    auto entries = fs_->List(dir);
    EXPECT_OK(entries);
    if (entries.ok()) {
      for (const FileInfo& e : *entries) names.push_back(e.name);
    }
    return names;
  }
  TempDir temp_;
  std::unique_ptr<fs::FileSystem> fs_;
};

TEST_P(FileSystemContractTest, WritesAndReadsBack) {
  ASSERT_OK(fs_->WriteAll("a/b/c.txt", "hello world"));  // parents created
  ASSERT_OK_AND_ASSIGN(std::string all, fs_->ReadAll("a/b/c.txt"));
  EXPECT_EQ(all, "hello world");
  ASSERT_OK_AND_ASSIGN(auto file, fs_->OpenRead("a/b/c.txt"));
  ASSERT_OK_AND_ASSIGN(uint64_t size, file->Size());
  EXPECT_EQ(size, 11u);
  char buffer[16] = {};
  ASSERT_OK_AND_ASSIGN(size_t n, file->Read(buffer, 5));
  EXPECT_EQ(std::string(buffer, n), "hello");
  ASSERT_OK_AND_ASSIGN(n, file->ReadAt(6, buffer, 16));  // does not move the position
  EXPECT_EQ(std::string(buffer, n), "world");
  ASSERT_OK_AND_ASSIGN(n, file->Read(buffer, 16));
  EXPECT_EQ(std::string(buffer, n), " world");
  ASSERT_OK_AND_ASSIGN(n, file->Read(buffer, 16));
  EXPECT_EQ(n, 0u);
  ASSERT_OK_AND_ASSIGN(n, file->ReadAt(100, buffer, 16));
  EXPECT_EQ(n, 0u);
  ASSERT_OK_AND_ASSIGN(FileInfo info, fs_->Stat("a/b/c.txt"));
  EXPECT_EQ(info.name, "c.txt");
  EXPECT_FALSE(info.is_directory);
  EXPECT_EQ(info.size_bytes, 11u);
  ASSERT_OK_AND_ASSIGN(info, fs_->Stat("a/b"));
  EXPECT_TRUE(info.is_directory);
}

TEST_P(FileSystemContractTest, AtomicWriteIsVisibleOnlyAfterClose) {
  ASSERT_OK(fs_->WriteAll("out/part.bin", "old"));
  ASSERT_OK_AND_ASSIGN(auto writer, fs_->OpenWrite("out/part.bin", WriteMode::kAtomic));
  ASSERT_OK(writer->Append("new "));
  ASSERT_OK(writer->Append("bytes"));
  EXPECT_EQ(writer->bytes_written(), 9u);
  EXPECT_EQ(*fs_->ReadAll("out/part.bin"), "old");  // the old file until Close
  ASSERT_OK(writer->Close());
  EXPECT_EQ(*fs_->ReadAll("out/part.bin"), "new bytes");
  EXPECT_OK(writer->Close());                 // twice is fine
  EXPECT_FALSE(writer->Append("more").ok());  // after Close is not
  EXPECT_EQ(Names("out"), std::vector<std::string>{"part.bin"});
}

TEST_P(FileSystemContractTest, AnUnsyncedAtomicWriteIsAtomicToo) {
  ASSERT_OK(fs_->WriteAll("out/copy.csv", "old"));
  ASSERT_OK_AND_ASSIGN(auto writer, fs_->OpenWrite("out/copy.csv", WriteMode::kAtomicUnsynced));
  ASSERT_OK(writer->Append("new"));
  EXPECT_EQ(*fs_->ReadAll("out/copy.csv"), "old");
  ASSERT_OK(writer->Close());
  EXPECT_EQ(*fs_->ReadAll("out/copy.csv"), "new");
  EXPECT_EQ(Names("out"), std::vector<std::string>{"copy.csv"});
  ASSERT_OK_AND_ASSIGN(auto abandoned, fs_->OpenWrite("out/other.csv", WriteMode::kAtomicUnsynced));
  ASSERT_OK(abandoned->Append("half"));
  abandoned.reset();
  EXPECT_EQ(Names("out"), std::vector<std::string>{"copy.csv"});
}

TEST_P(FileSystemContractTest, AnAbandonedAtomicWriteLeavesNothing) {
  ASSERT_OK_AND_ASSIGN(auto writer, fs_->OpenWrite("out/part.bin", WriteMode::kAtomic));
  ASSERT_OK(writer->Append("half"));
  EXPECT_FALSE(fs_->Exists("out/part.bin"));
  writer.reset();
  EXPECT_FALSE(fs_->Exists("out/part.bin"));
  EXPECT_TRUE(Names("out").empty());
}

TEST_P(FileSystemContractTest, TruncateWritesAreVisibleAtOnce) {
  ASSERT_OK(fs_->WriteAll("log.txt", "a long old content"));
  ASSERT_OK_AND_ASSIGN(auto writer, fs_->OpenWrite("log.txt", WriteMode::kTruncate));
  EXPECT_EQ(*fs_->ReadAll("log.txt"), "");
  ASSERT_OK(writer->Append("line 1\n"));
  EXPECT_EQ(*fs_->ReadAll("log.txt"), "line 1\n");
  ASSERT_OK(writer->Close());
  EXPECT_EQ(*fs_->ReadAll("log.txt"), "line 1\n");
}

TEST_P(FileSystemContractTest, AnOpenReaderKeepsTheBytesItOpened) {
  ASSERT_OK(fs_->WriteAll("m.json", "version 1"));
  ASSERT_OK_AND_ASSIGN(auto reader, fs_->OpenRead("m.json"));
  ASSERT_OK(fs_->WriteAll("m.json", "version 2, longer"));  // atomic replace
  char buffer[32];
  ASSERT_OK_AND_ASSIGN(size_t n, reader->ReadAt(0, buffer, sizeof buffer));
  EXPECT_EQ(std::string(buffer, n), "version 1");
  ASSERT_OK(fs_->RemoveAll("m.json"));
  ASSERT_OK_AND_ASSIGN(n, reader->Read(buffer, sizeof buffer));
  EXPECT_EQ(std::string(buffer, n), "version 1");
}

TEST_P(FileSystemContractTest, ListIsSortedByNameAndNamesItsEntries) {
  ASSERT_OK(fs_->WriteAll("d/b", "12"));
  ASSERT_OK(fs_->WriteAll("d/a.txt", "1"));
  ASSERT_OK(fs_->WriteAll("d/a", "123"));
  ASSERT_OK(fs_->WriteAll("d/c/x", ""));
  ASSERT_OK(fs_->WriteAll("d/C", ""));
  ASSERT_OK_AND_ASSIGN(auto entries, fs_->List("d"));
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].name, "C");
  EXPECT_EQ(entries[1].name, "a");
  EXPECT_EQ(entries[1].path, "d/a");
  EXPECT_EQ(entries[1].size_bytes, 3u);
  EXPECT_EQ(entries[2].name, "a.txt");
  EXPECT_EQ(entries[3].name, "b");
  EXPECT_FALSE(entries[3].is_directory);
  EXPECT_EQ(entries[4].name, "c");
  EXPECT_EQ(entries[4].path, "d/c");
  EXPECT_TRUE(entries[4].is_directory);  // only direct children: not c/x
  ASSERT_OK_AND_ASSIGN(auto files, fs_->ListFilesRecursive("d", {".txt", "x"}));
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "d/a.txt");
  EXPECT_EQ(files[1].path, "d/c/x");
}

TEST_P(FileSystemContractTest, ErrorsNameThePathAndTheKind) {
  auto missing = fs_->OpenRead("nope.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.csv"), std::string::npos);
  EXPECT_EQ(fs_->Stat("nope").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(fs_->List("no/such/dir").status().code(), core::StatusCode::kNotFound);
  EXPECT_FALSE(fs_->Exists("nope"));
  ASSERT_OK(fs_->MakeDirs("d/e"));
  EXPECT_OK(fs_->MakeDirs("d/e"));  // again: fine
  EXPECT_FALSE(fs_->OpenRead("d").ok());
  ASSERT_OK(fs_->WriteAll("f", "x"));
  EXPECT_FALSE(fs_->List("f").ok());
  EXPECT_FALSE(fs_->WriteAll("f/under", "x").ok());  // a file is not a folder
  EXPECT_FALSE(fs_->MakeDirs("f/g").ok());
  EXPECT_FALSE(fs_->WriteAll("d", "x").ok());  // nor a folder a file
  EXPECT_TRUE(Names("d") == std::vector<std::string>{"e"});
}

TEST_P(FileSystemContractTest, RenameMovesFilesAndFolders) {
  ASSERT_OK(fs_->WriteAll("a/x", "1"));
  ASSERT_OK(fs_->WriteAll("a/sub/y", "2"));
  ASSERT_OK(fs_->WriteAll("a.txt", "sibling"));
  ASSERT_OK(fs_->WriteAll("a-1/z", "sibling"));
  ASSERT_OK(fs_->Rename("a", "b/c"));  // parents of `to` created
  EXPECT_FALSE(fs_->Exists("a"));
  EXPECT_EQ(*fs_->ReadAll("b/c/x"), "1");
  EXPECT_EQ(*fs_->ReadAll("b/c/sub/y"), "2");
  EXPECT_EQ(*fs_->ReadAll("a.txt"), "sibling");  // names that only start like "a" stay
  EXPECT_EQ(*fs_->ReadAll("a-1/z"), "sibling");
  // A file replaces a file.
  ASSERT_OK(fs_->WriteAll("new", "fresh"));
  ASSERT_OK(fs_->Rename("new", "b/c/x"));
  EXPECT_EQ(*fs_->ReadAll("b/c/x"), "fresh");
  EXPECT_FALSE(fs_->Exists("new"));
  // A folder never replaces a folder that holds something, nor a file.
  ASSERT_OK(fs_->WriteAll("other/w", "3"));
  EXPECT_FALSE(fs_->Rename("other", "b/c").ok());
  EXPECT_FALSE(fs_->Rename("other", "a.txt").ok());
  EXPECT_FALSE(fs_->Rename("a.txt", "other").ok());  // nor a file a folder
  EXPECT_EQ(*fs_->ReadAll("other/w"), "3");
  EXPECT_EQ(*fs_->ReadAll("b/c/sub/y"), "2");
  EXPECT_FALSE(fs_->Rename("b", "b/c/inside").ok());  // not into itself
  auto missing = fs_->Rename("nope", "x");
  EXPECT_EQ(missing.code(), core::StatusCode::kNotFound);
}

TEST_P(FileSystemContractTest, RemoveAllRemovesASubtreeAndIsOkWhenAbsent) {
  ASSERT_OK(fs_->WriteAll("r/x", "1"));
  ASSERT_OK(fs_->WriteAll("r/s/y", "2"));
  ASSERT_OK(fs_->WriteAll("r.keep", "3"));
  ASSERT_OK(fs_->WriteAll("rr/z", "4"));
  ASSERT_OK(fs_->RemoveAll("r"));
  EXPECT_FALSE(fs_->Exists("r"));
  EXPECT_FALSE(fs_->Exists("r/s/y"));
  EXPECT_TRUE(fs_->Exists("r.keep"));
  EXPECT_TRUE(fs_->Exists("rr/z"));
  EXPECT_OK(fs_->RemoveAll("r"));
  EXPECT_OK(fs_->RemoveAll("never/was"));
  ASSERT_OK(fs_->RemoveAll("r.keep"));  // a file too
  EXPECT_FALSE(fs_->Exists("r.keep"));
}

TEST_P(FileSystemContractTest, ALaterWriteIsNotOlder) {
  ASSERT_OK(fs_->WriteAll("input", "1"));
  ASSERT_OK(fs_->WriteAll("output", "2"));
  ASSERT_OK_AND_ASSIGN(FileInfo input, fs_->Stat("input"));
  ASSERT_OK_AND_ASSIGN(FileInfo output, fs_->Stat("output"));
  EXPECT_GE(output.modified_ns, input.modified_ns);
  EXPECT_GT(input.modified_ns, int64_t{1'500'000'000} * 1'000'000'000);  // since the epoch, not 0
  if (GetParam() == Kind::kMem) {
    EXPECT_GT(output.modified_ns, input.modified_ns);  // never a tie
  }
}

INSTANTIATE_TEST_SUITE_P(Both, FileSystemContractTest, ::testing::Values(Kind::kLocal, Kind::kMem),
                         [](const auto& info) { return info.param == Kind::kLocal ? "Local" : "Mem"; });

TEST(MemFileSystem, SpellingsOfAPathNameOneEntry) {
  auto fs = MakeMemFileSystem();
  EXPECT_EQ(fs->Describe(), "mem:/");
  ASSERT_OK(fs->WriteAll("/a//b/./c", "x"));
  EXPECT_EQ(*fs->ReadAll("a/b/c"), "x");
  EXPECT_EQ(*fs->ReadAll("a/b/d/../c"), "x");
  EXPECT_TRUE(fs->Exists("a/b/"));
  ASSERT_OK_AND_ASSIGN(auto root, fs->List(""));
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(root[0].name, "a");
  ASSERT_OK_AND_ASSIGN(auto slash, fs->List("/"));
  EXPECT_EQ(slash.size(), 1u);
}

TEST(MemFileSystem, AFolderTargetMustNotExistEvenWhenEmpty) {
  // The interface's rule; POSIX rename would accept an empty folder, the contract does not.
  auto fs = MakeMemFileSystem();
  ASSERT_OK(fs->WriteAll("from/x", "1"));
  ASSERT_OK(fs->MakeDirs("to"));
  EXPECT_FALSE(fs->Rename("from", "to").ok());
  EXPECT_TRUE(fs->Exists("from/x"));
}

TEST(MemFileSystem, FoldersGetNewerWhenTheirEntriesChange) {
  auto fs = MakeMemFileSystem();
  ASSERT_OK(fs->MakeDirs("d"));
  int64_t before = fs->Stat("d")->modified_ns;
  ASSERT_OK(fs->WriteAll("d/x", "1"));
  int64_t added = fs->Stat("d")->modified_ns;
  EXPECT_GT(added, before);
  ASSERT_OK(fs->RemoveAll("d/x"));
  EXPECT_GT(fs->Stat("d")->modified_ns, added);
}

}  // namespace
}  // namespace traffic::testing
