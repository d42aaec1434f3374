// models/ and its `latest` pointer: version names are names, never paths (issue 8 item 6).
#include "traffic/pipeline/model_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "traffic/pipeline/train_step.h"

namespace traffic::pipeline {
namespace {

class ModelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("traffic_model_store_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    fs_ = fs::MakeLocalFileSystem(root_.string());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
  std::unique_ptr<fs::FileSystem> fs_;
};

TEST(ModelVersionTest, DefaultNameIsTheUtcTime) {
  auto t = std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + std::chrono::hours(19) + std::chrono::minutes(30);
  EXPECT_EQ(VersionAt(t), "20261124T193000Z");
  EXPECT_TRUE(ValidateVersionName(NowVersion()).ok());
}

TEST(ModelVersionTest, NamesThatAreNotFolderNamesAreRefused) {
  for (const char* good : {"v1", "20261124T193000Z", "exp-2.a_b"}) {
    EXPECT_TRUE(ValidateVersionName(good).ok()) << good;
  }
  for (const char* bad : {"", "latest", "none", "../../escaped", "a/b", "..", ".hidden", "-x", "a b", "x\n"}) {
    auto st = ValidateVersionName(bad);
    EXPECT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.code(), core::StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(ValidateVersionName(std::string(65, 'a')).ok());
}

TEST_F(ModelStoreTest, LatestRoundTripsAndResolves) {
  ModelStore store(*fs_, "models");
  auto absent = store.Resolve("latest");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(absent.status().message().find("models/latest"), std::string::npos) << absent.status().message();
  EXPECT_NE(absent.status().message().find("traffic train"), std::string::npos);

  ASSERT_TRUE(store.WriteLatest("v2").ok());
  EXPECT_EQ(*fs_->ReadAll("models/latest"), "v2\n");
  EXPECT_EQ(*store.Resolve("latest"), "v2");
  EXPECT_EQ(*store.Resolve("v1"), "v1");
  EXPECT_FALSE(store.Resolve("../x").ok());
  EXPECT_FALSE(store.WriteLatest("../x").ok());
}

TEST_F(ModelStoreTest, ListsCommittedVersionsAndRefusesExistingOnes) {
  ModelStore store(*fs_, "models");
  EXPECT_TRUE(store.ListVersions()->empty());
  ASSERT_TRUE(fs_->WriteAll("models/v1/_SUCCESS", "{}").ok());
  ASSERT_TRUE(fs_->WriteAll("models/v2/_SUCCESS", "{}").ok());
  ASSERT_TRUE(fs_->MakeDirs("models/half-written").ok());
  ASSERT_TRUE(store.WriteLatest("v2").ok());
  EXPECT_EQ(*store.ListVersions(), (std::vector<std::string>{"v1", "v2"}));
  EXPECT_TRUE(store.CheckNewVersion("v3").ok());
  auto again = store.CheckNewVersion("v1");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.message().find("already exists"), std::string::npos) << again.message();
  EXPECT_FALSE(store.CheckNewVersion("half-written").ok());
  EXPECT_FALSE(store.CheckNewVersion("latest").ok());
}

// Regression (issue 8 item 6): `--model-version latest` turned the pointer into a folder, and
// `../../escaped` wrote a model outside models/.
TEST_F(ModelStoreTest, TrainRefusesVersionsThatAreNotNewNames) {
  ASSERT_TRUE(fs_->WriteAll("models/v1/_SUCCESS", "{}").ok());
  for (const char* version : {"latest", "../../escaped", "v1"}) {
    TrainOptions options;
    options.features_dir = "features";
    options.models_dir = "models";
    options.version = version;
    auto trained = RunTrain(*fs_, options);
    ASSERT_FALSE(trained.ok()) << version;
    EXPECT_EQ(trained.status().code(), core::StatusCode::kInvalidArgument) << trained.status().message();
    EXPECT_NE(trained.status().message().find(version), std::string::npos) << trained.status().message();
  }
  EXPECT_FALSE(fs_->Exists("models/latest"));
  EXPECT_FALSE(std::filesystem::exists(root_.parent_path() / "escaped"));
}

}  // namespace
}  // namespace traffic::pipeline
