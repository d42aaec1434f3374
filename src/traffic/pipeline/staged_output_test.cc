// Regression tests for issue 8 #7: the output swap could lose the old output (two renames with
// nothing in between), left `processed.old-PID` that nothing restored, and kept dead runs' debris.
#include "traffic/pipeline/staged_output.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace traffic::pipeline {
namespace {

namespace stdfs = std::filesystem;

int64_t DeadPid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

// Forwards to the local disk and checks, after every operation that changes names, that the
// final folder is there with a _SUCCESS: a crash at any of those points must not lose it.
class WatchingFileSystem : public fs::FileSystem {
 public:
  WatchingFileSystem(std::unique_ptr<fs::FileSystem> inner, std::string watched)
      : inner_(std::move(inner)), watched_(std::move(watched)) {}
  std::string Describe() const override { return inner_->Describe(); }
  core::Result<std::unique_ptr<fs::ReadableFile>> OpenRead(const std::string& p) override {
    return inner_->OpenRead(p);
  }
  core::Result<std::unique_ptr<fs::WritableFile>> OpenWrite(const std::string& p, fs::WriteMode m) override {
    return inner_->OpenWrite(p, m);
  }
  core::Result<fs::FileInfo> Stat(const std::string& p) override { return inner_->Stat(p); }
  core::Result<std::vector<fs::FileInfo>> List(const std::string& d) override { return inner_->List(d); }
  core::Status MakeDirs(const std::string& p) override { return inner_->MakeDirs(p); }
  core::Status Rename(const std::string& a, const std::string& b) override {
    return Check("rename", inner_->Rename(a, b));
  }
  core::Status RemoveAll(const std::string& p) override { return Check("remove", inner_->RemoveAll(p)); }
  core::Status Exchange(const std::string& a, const std::string& b) override {
    return Check("exchange", inner_->Exchange(a, b));
  }
  core::Status SyncTree(const std::string& p) override {
    ops.push_back("sync " + p);
    return inner_->SyncTree(p);
  }
  core::Result<std::string> MakeUniqueDir(const std::string& prefix) override { return inner_->MakeUniqueDir(prefix); }
  std::string CanonicalPath(const std::string& p) override { return inner_->CanonicalPath(p); }

  std::vector<std::string> ops;
  int missing = 0;  // times the watched output was absent after an operation

 private:
  core::Status Check(const std::string& op, core::Status st) {
    ops.push_back(op);
    if (!inner_->Exists(fs::JoinPath(watched_, "_SUCCESS"))) ++missing;
    return st;
  }
  std::unique_ptr<fs::FileSystem> inner_;
  std::string watched_;
};

class StagedOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("traffic_staged_output_test_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    stdfs::remove_all(root_);
    stdfs::create_directories(root_);
    fs_ = fs::MakeLocalFileSystem(root_.string());
  }
  void TearDown() override { stdfs::remove_all(root_); }
  std::vector<std::string> Names(const std::string& dir) {
    std::vector<std::string> out;
    auto entries = fs_->List(dir);
    for (const auto& e : *entries) out.push_back(e.name);
    return out;
  }
  core::Status Produce(fs::FileSystem& fs, const std::string& content) {
    StagedOutput out(fs, "data/processed");
    TRAFFIC_RETURN_IF_ERROR(out.Begin());
    TRAFFIC_RETURN_IF_ERROR(fs.WriteAll(out.StagingPath("part.txt"), content));
    return out.Commit("{\"run\": \"" + content + "\"}");
  }
  stdfs::path root_;
  std::unique_ptr<fs::FileSystem> fs_;
};

TEST_F(StagedOutputTest, TheOldOutputIsNeverMissingDuringTheSwap) {
  ASSERT_TRUE(Produce(*fs_, "old").ok());
  WatchingFileSystem watching(fs::MakeLocalFileSystem(root_.string()), "data/processed");
  ASSERT_TRUE(Produce(watching, "new").ok());
  EXPECT_EQ(watching.missing, 0) << "a crash in the swap could have left no output";
  EXPECT_EQ(*fs_->ReadAll("data/processed/part.txt"), "new");
  EXPECT_EQ(Names("data"), std::vector<std::string>{"processed"});  // the old one removed, nothing parked
  // Everything was made durable before the exchange.
  auto sync = std::find_if(watching.ops.begin(), watching.ops.end(),
                           [](const std::string& op) { return op.rfind("sync data/processed.staging-", 0) == 0; });
  auto exchange = std::find(watching.ops.begin(), watching.ops.end(), "exchange");
  ASSERT_NE(sync, watching.ops.end());
  ASSERT_NE(exchange, watching.ops.end());
  EXPECT_LT(sync - watching.ops.begin(), exchange - watching.ops.begin());
}

TEST_F(StagedOutputTest, AnOutputParkedByACrashedSwapIsRestoredOnStart) {
  // What the two-rename swap left when killed between its renames: no processed/, only the old
  // output under processed.old-PID of a process that is gone.
  const std::string dead = std::to_string(DeadPid());
  ASSERT_TRUE(fs_->WriteAll("data/processed.old-" + dead + "/part.txt", "old").ok());
  ASSERT_TRUE(fs_->WriteAll("data/processed.old-" + dead + "/_SUCCESS", "{}").ok());
  {
    StagedOutput out(*fs_, "data/processed");
    ASSERT_TRUE(out.Begin().ok());
    // The run then fails: the previous output must be back in place.
  }
  EXPECT_EQ(*fs_->ReadAll("data/processed/part.txt"), "old");
  EXPECT_EQ(Names("data"), std::vector<std::string>{"processed"});
}

// A file system that cannot exchange (HDFS) gets FileSystem::Exchange's three renames. They
// must park the FINAL output under `<final>.old-PID-...`, which recovery restores: they used to
// park the staging folder, so a crash between the renames left the old output under a
// `.staging-` name that recovery removes, and no output at all.
class RenamesOnlyFileSystem : public WatchingFileSystem {
 public:
  using WatchingFileSystem::WatchingFileSystem;
  core::Status Exchange(const std::string& a, const std::string& b) override { return fs::FileSystem::Exchange(a, b); }
  core::Status Rename(const std::string& a, const std::string& b) override {
    if (renames_left-- <= 0) return core::Status::IoError("killed before rename " + a);
    return WatchingFileSystem::Rename(a, b);
  }
  int renames_left = 1000;
};

TEST_F(StagedOutputTest, ASwapByRenamesThatDiesHalfWayIsRecoveredToTheOldOutput) {
  ASSERT_TRUE(Produce(*fs_, "old").ok());
  {
    RenamesOnlyFileSystem dying(fs::MakeLocalFileSystem(root_.string()), "data/processed");
    dying.renames_left = 1;  // the first rename of the swap happens, then the process "dies"
    StagedOutput out(dying, "data/processed");
    ASSERT_TRUE(out.Begin().ok());
    ASSERT_TRUE(dying.WriteAll(out.StagingPath("part.txt"), "new").ok());
    ASSERT_FALSE(out.Commit("{}").ok());
  }
  // What a kill -9 there leaves: no final name; the old output parked under processed.old-PID-*.
  // Our pid is alive: rename the parked folder to a dead one's, as the next run would find it.
  std::string parked;
  for (const auto& name : Names("data")) {
    if (name.rfind("processed.old-", 0) == 0) parked = name;
  }
  ASSERT_FALSE(parked.empty()) << "the final output, not the staging folder, is parked";
  EXPECT_FALSE(fs_->Exists("data/processed"));
  const std::string dead = std::to_string(DeadPid());
  ASSERT_TRUE(fs_->Rename("data/" + parked, "data/processed.old-" + dead + "-0123456789ab").ok());
  ASSERT_TRUE(RecoverAndSweep(*fs_, "data", "processed").ok());
  EXPECT_EQ(*fs_->ReadAll("data/processed/part.txt"), "old");

  RenamesOnlyFileSystem renames(fs::MakeLocalFileSystem(root_.string()), "data/processed");
  ASSERT_TRUE(Produce(renames, "new").ok());
  EXPECT_EQ(*fs_->ReadAll("data/processed/part.txt"), "new");
  EXPECT_EQ(Names("data"), std::vector<std::string>{"processed"});
}

// Regression: ReadSuccess turned every error into "run `traffic clean` first", so a NameNode that
// was down read as a missing output.
class UnreachableFileSystem : public WatchingFileSystem {
 public:
  using WatchingFileSystem::WatchingFileSystem;
  core::Result<std::unique_ptr<fs::ReadableFile>> OpenRead(const std::string& p) override {
    return core::Status::Unavailable("OPEN " + p + " (http://127.0.0.1:1): Couldn't connect to server");
  }
};

TEST_F(StagedOutputTest, ReadSuccessPassesOnAFileSystemErrorAndNamesTheStepOnlyWhenMissing) {
  auto missing = ReadSuccess(*fs_, "data/processed", "clean");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("run `traffic clean` first"), std::string::npos);
  UnreachableFileSystem down(fs::MakeLocalFileSystem(root_.string()), "data/processed");
  auto unreachable = ReadSuccess(down, "data/processed", "clean");
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(unreachable.status().message().find("Couldn't connect"), std::string::npos);
}

TEST_F(StagedOutputTest, DebrisOfDeadRunsIsSweptAndLiveRunsAreLeftAlone) {
  const std::string dead = std::to_string(DeadPid());
  const std::string live = std::to_string(::getpid());
  ASSERT_TRUE(Produce(*fs_, "old").ok());
  ASSERT_TRUE(fs_->WriteAll("data/processed.staging-" + dead + "/part.txt", "half").ok());
  ASSERT_TRUE(fs_->WriteAll("data/processed.staging-" + dead + "-0123456789ab/part.txt", "half").ok());
  ASSERT_TRUE(fs_->WriteAll("data/processed.old-" + dead + "/part.txt", "older").ok());
  ASSERT_TRUE(fs_->WriteAll("data/.processed.tmp-" + dead + "-0123456789ab", "x").ok());
  ASSERT_TRUE(fs_->WriteAll("data/processed.staging-" + live + "-0123456789ab/part.txt", "running").ok());
  ASSERT_TRUE(fs_->WriteAll("data/features.staging-" + dead + "/part.txt", "another output's").ok());
  ASSERT_TRUE(fs_->WriteAll("data/notes.tmp-" + dead + "-x", "a user's file").ok());
  ASSERT_TRUE(Produce(*fs_, "new").ok());
  EXPECT_EQ(Names("data"), (std::vector<std::string>{"features.staging-" + dead, "notes.tmp-" + dead + "-x",
                                                     "processed", "processed.staging-" + live + "-0123456789ab"}));
  EXPECT_EQ(*fs_->ReadAll("data/processed/part.txt"), "new");
}

TEST_F(StagedOutputTest, AFailedRunLeavesThePreviousOutputAndNoStaging) {
  ASSERT_TRUE(Produce(*fs_, "old").ok());
  {
    StagedOutput out(*fs_, "data/processed");
    ASSERT_TRUE(out.Begin().ok());
    ASSERT_TRUE(fs_->WriteAll(out.StagingPath("part.txt"), "half").ok());
  }
  EXPECT_EQ(*fs_->ReadAll("data/processed/part.txt"), "old");
  EXPECT_EQ(Names("data"), std::vector<std::string>{"processed"});
}

}  // namespace
}  // namespace traffic::pipeline
