// clean -> features -> train -> Forecaster on a few generated days, in process, and the bad inputs
// of the forecast steps: too little history, missing/truncated/foreign models.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "traffic/generate/generator.h"
#include "traffic/pipeline/clean_step.h"
#include "traffic/pipeline/feature_table.h"
#include "traffic/pipeline/features_step.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/pipeline/train_step.h"
#include "traffic/testing/status_matchers.h"
#include "traffic/testing/temp_dir.h"

namespace traffic::pipeline {
namespace {

class ForecastPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_ = new testing::TempDir();
    fs_ = fs::MakeLocalFileSystem(temp_->string()).release();
    auto local = fs::MakeLocalFileSystem();
    auto reference = LoadReferenceData(*local, std::string(TRAFFIC_SHARED_DIR) + "/data/geo", Needs::kAlsoLand);
    ASSERT_OK(reference);
    reference_ = new std::shared_ptr<const ReferenceData>(*reference);
    WriteTrips("raw/trips.csv", 4, 4000);
    CleanOptions clean;
    clean.inputs = {"raw"};
    clean.output_dir = "processed";
    ASSERT_OK(RunClean(*fs_, *fs_, *fs_, **reference_, geo::Grid(), clean));
    FeaturesOptions features;
    features.processed_dir = "processed";
    features.features_dir = "features";
    features.test_days = 1;
    auto f = RunFeatures(*fs_, features);
    ASSERT_OK(f);
    features_ = new FeaturesSummary(*f);
    TrainOptions train;
    train.features_dir = "features";
    train.models_dir = "models";
    train.version = "v1";
    train.classifier.num_rounds = 8;
    train.classifier.nthread = 1;
    auto t = RunTrain(*fs_, train);
    ASSERT_OK(t);
  }
  static void TearDownTestSuite() {
    delete fs_;
    delete temp_;
    delete reference_;
    delete features_;
  }
  static void WriteTrips(const std::string& path, int days, int per_day) {
    generate::GeneratorOptions options;
    options.days = days;
    options.trips_per_day = per_day;
    generate::TripGenerator generator(options, &(*reference_)->land);
    std::string csv = std::string(generate::Yellow2015Header()) + "\n";
    trip::Trip t;
    while (generator.Next(&t)) generate::AppendYellow2015Row(t, &csv);
    ASSERT_OK(fs_->WriteAll(path, csv));
  }

  static testing::TempDir* temp_;
  static fs::FileSystem* fs_;
  static std::shared_ptr<const ReferenceData>* reference_;
  static FeaturesSummary* features_;
};
testing::TempDir* ForecastPipelineTest::temp_ = nullptr;
fs::FileSystem* ForecastPipelineTest::fs_ = nullptr;
std::shared_ptr<const ReferenceData>* ForecastPipelineTest::reference_ = nullptr;
FeaturesSummary* ForecastPipelineTest::features_ = nullptr;

TEST_F(ForecastPipelineTest, SplitIsByTimeAndTheProfileSeesOnlyTrainingDays) {
  EXPECT_EQ(features_->test_days, 1);
  EXPECT_GT(features_->rows_train, 0);
  EXPECT_GT(features_->rows_test, 0);
  auto profile = features::HistoricalProfile::Parse(*fs_->ReadAll("features/profile.txt"));
  ASSERT_OK(profile);
  EXPECT_EQ(profile->train_to(), features_->split);
  EXPECT_EQ(profile->train_from(), features_->train_from);
  // Every example is on its side of the split; training labels never reach past it.
  auto examples = ReadExamples(*fs_, {"features/part-00000.parquet"});
  ASSERT_OK(examples);
  int64_t split_ms = core::ToEpochSeconds(features_->split) * 1000;
  for (size_t i = 0; i < examples->rows(); ++i) {
    if (examples->is_test[i]) {
      ASSERT_GE(examples->t_ms[i], split_ms);
    } else {
      ASSERT_LE(examples->t_ms[i] + 60 * 60 * 1000, split_ms);
    }
  }
}

TEST_F(ForecastPipelineTest, TrainedModelLoadsAndPredictsEveryRow) {
  auto forecaster = Forecaster::Load(*fs_, "models");
  ASSERT_OK(forecaster);
  EXPECT_EQ((*forecaster)->version(), "v1");
  features::FeatureRow row;
  row.t = features_->split;
  row.cell = {28, 27};
  row.count_15m = 5;
  row.speed_15m = 7.5;
  auto forecasts = (*forecaster)->Predict({row, row});
  ASSERT_OK(forecasts);
  ASSERT_EQ(forecasts->size(), 2u);
  for (int h = 0; h < 3; ++h) {
    EXPECT_EQ((*forecasts)[0].level[h], (*forecasts)[1].level[h]);
    EXPECT_GT((*forecasts)[0].confidence[h], 1.0f / 3);
  }
  auto card = fs_->ReadAll("models/v1/card.json");
  ASSERT_OK(card);
  EXPECT_NE(card->find("\"persistence\""), std::string::npos);
  EXPECT_NE(card->find("\"historical_profile\""), std::string::npos);
}

TEST_F(ForecastPipelineTest, BrokenModelFoldersAreClearErrors) {
  ASSERT_OK(fs_->MakeDirs("broken"));
  auto none = Forecaster::Load(*fs_, "broken");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("broken/latest"), std::string::npos) << none.status().message();
  EXPECT_NE(none.status().message().find("traffic train"), std::string::npos);

  auto copy = [&](const std::string& version) {
    for (const char* f : {"card.json", "model_15m.json", "model_30m.json", "model_60m.json", "profile.txt"}) {
      ASSERT_OK(fs_->WriteAll("broken/" + version + "/" + f, *fs_->ReadAll(std::string("models/v1/") + f)));
    }
  };
  copy("missing");
  ASSERT_OK(fs_->RemoveAll("broken/missing/model_30m.json"));
  auto missing = Forecaster::Load(*fs_, "broken", "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("model_30m.json"), std::string::npos) << missing.status().message();

  copy("truncated");
  std::string json = *fs_->ReadAll("broken/truncated/model_15m.json");
  ASSERT_OK(fs_->WriteAll("broken/truncated/model_15m.json", json.substr(0, json.size() / 2)));
  auto truncated = Forecaster::Load(*fs_, "broken", "truncated");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("broken/truncated/model_15m.json"), std::string::npos)
      << truncated.status().message();

  copy("layout");
  std::string card = *fs_->ReadAll("broken/layout/card.json");
  card.replace(card.find(features::FeatureLayoutId()), features::FeatureLayoutId().size(), "v0-0000000000000000");
  ASSERT_OK(fs_->WriteAll("broken/layout/card.json", card));
  auto layout = Forecaster::Load(*fs_, "broken", "layout");
  ASSERT_FALSE(layout.ok());
  EXPECT_NE(layout.status().message().find("v0-0000000000000000"), std::string::npos) << layout.status().message();
  EXPECT_NE(layout.status().message().find(features::FeatureLayoutId()), std::string::npos);

  copy("names");  // a model whose own feature names differ from this build's
  std::string model = *fs_->ReadAll("broken/names/model_60m.json");
  size_t at = model.find("\"speed_15m\"");
  ASSERT_NE(at, std::string::npos);
  model.replace(at, 11, "\"speed_16m\"");
  ASSERT_OK(fs_->WriteAll("broken/names/model_60m.json", model));
  auto names = Forecaster::Load(*fs_, "broken", "names");
  ASSERT_FALSE(names.ok());
  EXPECT_NE(names.status().message().find("speed_16m"), std::string::npos) << names.status().message();
  EXPECT_NE(names.status().message().find("model_60m.json"), std::string::npos);
}

TEST_F(ForecastPipelineTest, AHorizonTheDataCannotLabelIsAClearError) {
  FeaturesOptions features;
  features.processed_dir = "processed";
  features.features_dir = "unlabelled/features";
  features.test_days = 1;
  features.min_trips = 100000;  // no cell ever has that many trips in an hour
  auto f = RunFeatures(*fs_, features);
  ASSERT_OK(f);
  EXPECT_EQ(f->labelled_test[0], 0);
  TrainOptions train;
  train.features_dir = "unlabelled/features";
  train.models_dir = "unlabelled/models";
  train.version = "x";
  auto t = RunTrain(*fs_, train);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("15 min horizon"), std::string::npos) << t.status().message();
  EXPECT_NE(t.status().message().find("cannot label"), std::string::npos) << t.status().message();
  EXPECT_FALSE(fs_->Exists("unlabelled/models/x"));
  EXPECT_FALSE(fs_->Exists("unlabelled/models/latest"));
}

TEST_F(ForecastPipelineTest, OneDayIsNotEnoughHistory) {
  auto local = fs::MakeLocalFileSystem();
  ASSERT_OK(fs_->RemoveAll("one"));
  WriteTrips("one/raw/trips.csv", 1, 500);
  CleanOptions clean;
  clean.inputs = {"one/raw"};
  clean.output_dir = "one/processed";
  ASSERT_OK(RunClean(*fs_, *fs_, *fs_, **reference_, geo::Grid(), clean));
  FeaturesOptions features;
  features.processed_dir = "one/processed";
  features.features_dir = "one/features";
  auto result = RunFeatures(*fs_, features);
  // A day of pickups ends with a few dropoffs after midnight: still one day, refused.
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("not enough history"), std::string::npos) << result.status().message();
  EXPECT_FALSE(fs_->Exists("one/features"));
  FeaturesOptions nothing;
  nothing.processed_dir = "one/nothing";
  nothing.features_dir = "one/features2";
  auto missing = RunFeatures(*fs_, nothing);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("traffic clean"), std::string::npos);
  TrainOptions train;
  train.features_dir = "one/features2";
  train.models_dir = "one/models";
  train.version = "x";
  auto no_features = RunTrain(*fs_, train);
  ASSERT_FALSE(no_features.ok());
  EXPECT_NE(no_features.status().message().find("traffic features"), std::string::npos);
}

}  // namespace
}  // namespace traffic::pipeline
