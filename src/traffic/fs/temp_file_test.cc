// Regression tests for issue 8 #5 (temporary files that cannot be hijacked) and the file-system
// operations #7 builds on (atomic exchange, unique folders, debris of dead runs).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "traffic/fs/file_system.h"

namespace traffic::fs {
namespace {

namespace stdfs = std::filesystem;

class TempFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("traffic_temp_file_test_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    stdfs::remove_all(root_);
    stdfs::create_directories(root_);
    fs_ = MakeLocalFileSystem(root_.string());
  }
  void TearDown() override { stdfs::remove_all(root_); }
  std::string Slurp(const stdfs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  stdfs::path root_;
  std::unique_ptr<FileSystem> fs_;
};

// A pid that is certainly not running: a child that has exited and been reaped.
int64_t DeadPid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST_F(TempFileTest, APlantedSymlinkAtAPredictableTempNameIsNotWrittenThrough) {
  ASSERT_TRUE(fs_->WriteAll("victim.txt", "precious").ok());
  ASSERT_TRUE(fs_->MakeDirs("out").ok());
  // The names earlier versions used: <target>.tmp-<pid>-<counter>.
  for (int n = 0; n < 200; ++n) {
    stdfs::create_symlink(root_ / "victim.txt",
                          root_ / "out" / ("part.bin.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(n)));
  }
  ASSERT_TRUE(fs_->WriteAll("out/part.bin", "new content").ok());
  EXPECT_EQ(Slurp(root_ / "victim.txt"), "precious");
  EXPECT_EQ(*fs_->ReadAll("out/part.bin"), "new content");
}

TEST_F(TempFileTest, TempFilesAreUniqueHiddenAndBesideTheirTarget) {
  auto a = fs_->OpenWrite("out/x.parquet", WriteMode::kAtomic);
  auto b = fs_->OpenWrite("out/x.parquet", WriteMode::kAtomic);
  ASSERT_TRUE(a.ok() && b.ok());
  auto entries = fs_->List("out");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  for (const auto& e : *entries) {
    EXPECT_EQ(e.name.rfind(".x.parquet.tmp-" + std::to_string(::getpid()) + "-", 0), 0u) << e.name;
    EXPECT_GE(e.name.size(), std::string(".x.parquet.tmp-").size() + std::to_string(::getpid()).size() + 13) << e.name;
  }
  EXPECT_NE((*entries)[0].name, (*entries)[1].name);
  ASSERT_TRUE((*a)->Close().ok());
  b->reset();
  entries = fs_->List("out");
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].name, "x.parquet");
}

TEST_F(TempFileTest, TruncatingWritesNeverFollowASymlink) {
  ASSERT_TRUE(fs_->WriteAll("victim.txt", "precious").ok());
  stdfs::create_symlink(root_ / "victim.txt", root_ / "spill.bin");
  auto file = fs_->OpenWrite("spill.bin", WriteMode::kTruncate);
  EXPECT_FALSE(file.ok());
  EXPECT_EQ(Slurp(root_ / "victim.txt"), "precious");
}

TEST_F(TempFileTest, MakeUniqueDirNeverReusesAnEntry) {
  auto a = fs_->MakeUniqueDir("out/processed.staging-");
  auto b = fs_->MakeUniqueDir("out/processed.staging-");
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().message();
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->rfind("out/processed.staging-" + std::to_string(::getpid()) + "-", 0), 0u) << *a;
  EXPECT_TRUE(fs_->Stat(*a)->is_directory);
}

TEST_F(TempFileTest, ExchangeSwapsTwoFoldersInOneStep) {
  ASSERT_TRUE(fs_->WriteAll("a/x", "from a").ok());
  ASSERT_TRUE(fs_->WriteAll("b/y", "from b").ok());
  ASSERT_TRUE(fs_->Exchange("a", "b").ok());
  EXPECT_EQ(*fs_->ReadAll("a/y"), "from b");
  EXPECT_EQ(*fs_->ReadAll("b/x"), "from a");
  EXPECT_FALSE(fs_->Exchange("a", "missing").ok());
  EXPECT_EQ(*fs_->ReadAll("a/y"), "from b");
  ASSERT_TRUE(fs_->SyncTree("a").ok());
}

TEST_F(TempFileTest, CanonicalPathSeesThroughSymlinksAndRoots) {
  ASSERT_TRUE(fs_->WriteAll("raw/x.csv", "x").ok());
  stdfs::create_symlink(root_ / "raw" / "x.csv", root_ / "link.csv");
  auto plain = MakeLocalFileSystem();
  EXPECT_EQ(fs_->CanonicalPath("raw/x.csv"), plain->CanonicalPath((root_ / "raw/./x.csv").string()));
  EXPECT_EQ(fs_->CanonicalPath("link.csv"), fs_->CanonicalPath("raw/x.csv"));
  EXPECT_EQ(fs_->CanonicalPath("raw/new.csv"), fs_->CanonicalPath("raw") + "/new.csv");
}

TEST(DebrisOfDeadRuns, OnlyMarkedNamesOfGoneProcesses) {
  const std::string dead = std::to_string(DeadPid());
  const std::string self = std::to_string(::getpid());
  int64_t pid = 0;
  EXPECT_TRUE(IsDebrisOfDeadRun("processed.staging-" + dead + "-0123456789ab", &pid));
  EXPECT_EQ(std::to_string(pid), dead);
  EXPECT_TRUE(IsDebrisOfDeadRun("processed.staging-" + dead));  // earlier versions' names
  EXPECT_TRUE(IsDebrisOfDeadRun("processed.old-" + dead));
  EXPECT_TRUE(IsDebrisOfDeadRun(".part-00000.parquet.tmp-" + dead + "-0123456789ab"));
  EXPECT_TRUE(IsDebrisOfDeadRun("traffic-replay-" + dead + "-AbC123"));
  EXPECT_FALSE(IsDebrisOfDeadRun("processed.staging-" + self + "-0123456789ab"));  // alive: ours
  EXPECT_FALSE(IsDebrisOfDeadRun("processed"));
  EXPECT_FALSE(IsDebrisOfDeadRun("trips.tmp-abc"));
  EXPECT_FALSE(IsDebrisOfDeadRun("trips.tmp-12x"));
  EXPECT_FALSE(ProcessIsAlive(std::stoll(dead)));
  EXPECT_TRUE(ProcessIsAlive(::getpid()));
}

}  // namespace
}  // namespace traffic::fs
