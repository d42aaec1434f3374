// The lake's housekeeping on two file systems (in memory here; on HDFS in
// tests/hdfs_lake_test.sh).
#include "traffic/pipeline/hdfs_admin.h"

#include <gtest/gtest.h>

#include "traffic/testing/mem_file_system.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::pipeline {
namespace {

TEST(HdfsAdmin, SetupCreatesTheMissingLayoutFoldersOnly) {
  auto fs = testing::MakeMemFileSystem();
  DataLayout layout{"/lake/data"};
  ASSERT_OK(fs->MakeDirs(layout.Raw()));
  ASSERT_OK_AND_ASSIGN(auto created, SetupLayout(*fs, layout));
  EXPECT_EQ(created.size(), 5u);
  EXPECT_TRUE(fs->Exists(layout.Checkpoints()));
  ASSERT_OK_AND_ASSIGN(auto again, SetupLayout(*fs, layout));
  EXPECT_TRUE(again.empty());
}

TEST(HdfsAdmin, SetupRefusesAFileWhereAFolderBelongs) {
  auto fs = testing::MakeMemFileSystem();
  DataLayout layout{"/lake"};
  ASSERT_OK(fs->WriteAll(layout.Models(), "not a folder"));
  auto created = SetupLayout(*fs, layout);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.status().message().find("is a file, not a folder"), std::string::npos);
}

TEST(HdfsAdmin, CopiesFilesAndFoldersKeepingTheirPathsAndVerifiesSizes) {
  auto local = testing::MakeMemFileSystem();
  auto lake = testing::MakeMemFileSystem();
  ASSERT_OK(local->WriteAll("/in/2016/a.csv", std::string(20'000, 'a')));
  ASSERT_OK(local->WriteAll("/in/2016/notes.txt", "skip me"));
  ASSERT_OK(local->WriteAll("/in/b.CSV", "b"));
  ASSERT_OK(local->WriteAll("/one.csv", "named one by one"));
  ASSERT_OK(local->WriteAll("/two.txt", "not a CSV"));
  TransferOptions options;
  options.suffixes = {".csv"};
  options.chunk_bytes = 4096;
  int calls = 0;
  ASSERT_OK_AND_ASSIGN(
      auto summary, CopyFiles(*local, {"/in", "/one.csv"}, *lake, "/lake/raw", options, [&](const TransferProgress& p) {
        ++calls;
        EXPECT_LE(p.done_bytes, p.total_bytes);
        EXPECT_EQ(p.files_total, 3);
      }));
  ASSERT_EQ(summary.files.size(), 3u);
  EXPECT_EQ(summary.bytes, 20'000u + 1 + 16);
  EXPECT_GE(calls, 5) << "progress during a file, not only after it";
  for (const auto& f : summary.files) EXPECT_TRUE(f.size_verified);
  ASSERT_OK_AND_ASSIGN(auto a, lake->ReadAll("/lake/raw/2016/a.csv"));
  EXPECT_EQ(a, std::string(20'000, 'a'));
  EXPECT_TRUE(lake->Exists("/lake/raw/b.CSV"));
  EXPECT_TRUE(lake->Exists("/lake/raw/one.csv"));
  EXPECT_FALSE(lake->Exists("/lake/raw/2016/notes.txt"));
  auto not_csv = CopyFiles(*local, {"/two.txt"}, *lake, "/lake/raw", options);
  ASSERT_FALSE(not_csv.ok());
  EXPECT_NE(not_csv.status().message().find("/two.txt: not a .csv file"), std::string::npos)
      << not_csv.status().message();
}

TEST(HdfsAdmin, AnExistingTargetIsRefusedBeforeAnythingIsCopiedUnlessOverwrite) {
  auto local = testing::MakeMemFileSystem();
  auto lake = testing::MakeMemFileSystem();
  ASSERT_OK(local->WriteAll("/in/a.csv", "new a"));
  ASSERT_OK(local->WriteAll("/in/b.csv", "new b"));
  ASSERT_OK(lake->WriteAll("/raw/b.csv", "old b"));
  auto refused = CopyFiles(*local, {"/in/a.csv", "/in/b.csv"}, *lake, "/raw", {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("already exists (--overwrite replaces it)"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(lake->Exists("/raw/a.csv")) << "nothing copied when one target is refused";
  TransferOptions overwrite;
  overwrite.overwrite = true;
  ASSERT_OK(CopyFiles(*local, {"/in/a.csv", "/in/b.csv"}, *lake, "/raw", overwrite));
  ASSERT_OK_AND_ASSIGN(auto b, lake->ReadAll("/raw/b.csv"));
  EXPECT_EQ(b, "new b");
}

TEST(HdfsAdmin, RefusesAMissingSourceAndTwoSourcesWithOneTarget) {
  auto local = testing::MakeMemFileSystem();
  auto lake = testing::MakeMemFileSystem();
  ASSERT_OK(local->WriteAll("/x/a.csv", "1"));
  ASSERT_OK(local->WriteAll("/y/a.csv", "2"));
  auto missing = CopyFiles(*local, {"/nope.csv"}, *lake, "/raw", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nope.csv"), std::string::npos);
  auto clash = CopyFiles(*local, {"/x/a.csv", "/y/a.csv"}, *lake, "/raw", {});
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("would both be /raw/a.csv"), std::string::npos) << clash.status().message();
  auto empty = CopyFiles(*local, {"/x"}, *lake, "/raw", TransferOptions{false, {".parquet"}});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("no file to copy"), std::string::npos);
}

TEST(HdfsAdmin, ListsATreeDepthFirst) {
  auto fs = testing::MakeMemFileSystem();
  ASSERT_OK(fs->WriteAll("/d/b/x.parquet", "xx"));
  ASSERT_OK(fs->WriteAll("/d/a.csv", "a"));
  ASSERT_OK_AND_ASSIGN(auto tree, ListTree(*fs, "/d"));
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree[0].info.name, "a.csv");
  EXPECT_EQ(tree[0].depth, 0);
  EXPECT_EQ(tree[1].info.name, "b");
  EXPECT_EQ(tree[2].info.name, "x.parquet");
  EXPECT_EQ(tree[2].depth, 1);
  ASSERT_OK_AND_ASSIGN(auto one, ListTree(*fs, "/d/a.csv"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_FALSE(ListTree(*fs, "/missing").ok());
}

TEST(HdfsAdmin, RemoveRefusesTheLayoutRootAndWhatIsAboveIt) {
  auto fs = testing::MakeMemFileSystem();
  DataLayout layout{"/smart-city-traffic/data"};
  ASSERT_OK(fs->WriteAll("/smart-city-traffic/data/raw/a.csv", "a"));
  for (std::string path : {"/", "/smart-city-traffic", "/smart-city-traffic/data", "/smart-city-traffic/data/"}) {
    core::Status st = RemoveFromLake(*fs, layout, path);
    ASSERT_FALSE(st.ok()) << path;
    EXPECT_NE(st.message().find("refusing"), std::string::npos) << st.message();
  }
  EXPECT_TRUE(fs->Exists("/smart-city-traffic/data/raw/a.csv"));
  ASSERT_OK(RemoveFromLake(*fs, layout, "/smart-city-traffic/data/raw"));
  EXPECT_FALSE(fs->Exists("/smart-city-traffic/data/raw"));
  EXPECT_EQ(RemoveFromLake(*fs, layout, "/smart-city-traffic/data/raw").code(), core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace traffic::pipeline
