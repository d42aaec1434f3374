// clean -> features -> train -> Forecaster on a few generated days, in process, and the bad inputs
// of the forecast steps: too little history, missing/truncated/foreign models.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "traffic/codec/message_key.h"
#include "traffic/core/coding.h"
#include "traffic/core/hash.h"
#include "traffic/generate/generator.h"
#include "traffic/model/classifier.h"
#include "traffic/model/evaluation.h"
#include "traffic/parquet/table.h"
#include "traffic/pipeline/clean_step.h"
#include "traffic/pipeline/feature_table.h"
#include "traffic/pipeline/features_step.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/pipeline/stream_processor.h"
#include "traffic/pipeline/train_step.h"
#include "traffic/pipeline/trip_stream.h"
#include "traffic/testing/mem_file_system.h"
#include "traffic/testing/status_matchers.h"
#include "traffic/testing/temp_dir.h"

namespace traffic::pipeline {
namespace {

class ForecastPipelineTest : public ::testing::Test {
 protected:
  // The suite's set-up reports its failure to every test (SetUp) rather than failing in
  // SetUpTestSuite: googletest marks the tests of a suite whose SetUpTestSuite failed
  // "[  SKIPPED ]", and CTest counts those skipped, not failed, so the run would go green.
  static void SetUpTestSuite() { suite_status_ = new core::Status(BuildSuite()); }
  void SetUp() override { ASSERT_OK(*suite_status_) << "(the suite's shared set-up)"; }

  static core::Status BuildSuite() {
    temp_ = new testing::TempDir();
    fs_ = fs::MakeLocalFileSystem(temp_->string()).release();
    auto local = fs::MakeLocalFileSystem();
    TRAFFIC_ASSIGN_OR_RETURN(
        auto reference, LoadReferenceData(*local, std::string(TRAFFIC_SHARED_DIR) + "/data/geo", Needs::kAlsoLand));
    reference_ = new std::shared_ptr<const ReferenceData>(reference);
    TRAFFIC_RETURN_IF_ERROR(WriteTrips("raw/trips.csv", 4, 4000));
    CleanOptions clean;
    clean.inputs = {"raw"};
    clean.output_dir = "processed";
    TRAFFIC_RETURN_IF_ERROR(RunClean(*fs_, *fs_, *fs_, **reference_, geo::Grid(), clean).status());
    FeaturesOptions features;
    features.processed_dir = "processed";
    features.features_dir = "features";
    features.test_days = 1;
    TRAFFIC_ASSIGN_OR_RETURN(auto f, RunFeatures(*fs_, features));
    features_ = new FeaturesSummary(f);
    TrainOptions train;
    train.features_dir = "features";
    train.models_dir = "models";
    train.version = "v1";
    train.classifier.num_rounds = 8;
    train.classifier.nthread = 1;
    train.promote = true;  // 8 rounds on 4 days may lose a horizon; the tests need models/latest
    TRAFFIC_ASSIGN_OR_RETURN(auto t, RunTrain(*fs_, train));
    if (!t.promoted) return core::Status::Internal("v1 was not promoted despite --promote");
    return core::Status::Ok();
  }
  static void TearDownTestSuite() {
    delete suite_status_;
    delete fs_;
    delete temp_;
    delete reference_;
    delete features_;
  }
  static core::Status WriteTrips(const std::string& path, int days, int per_day) {
    generate::GeneratorOptions options;
    options.days = days;
    options.trips_per_day = per_day;
    generate::TripGenerator generator(options, &(*reference_)->land);
    std::string csv = std::string(generate::Yellow2015Header()) + "\n";
    trip::Trip t;
    while (generator.Next(&t)) generate::AppendYellow2015Row(t, &csv);
    return fs_->WriteAll(path, csv);
  }

  static core::Status* suite_status_;
  static testing::TempDir* temp_;
  static fs::FileSystem* fs_;
  static std::shared_ptr<const ReferenceData>* reference_;
  static FeaturesSummary* features_;
};
core::Status* ForecastPipelineTest::suite_status_ = nullptr;
testing::TempDir* ForecastPipelineTest::temp_ = nullptr;
fs::FileSystem* ForecastPipelineTest::fs_ = nullptr;
std::shared_ptr<const ReferenceData>* ForecastPipelineTest::reference_ = nullptr;
FeaturesSummary* ForecastPipelineTest::features_ = nullptr;

TEST_F(ForecastPipelineTest, SplitIsByTimeAndTheProfileSeesOnlyTrainingDays) {
  // Four generated New York days (Monday 2016-01-04 to Thursday), the last one for testing.
  EXPECT_EQ(features_->days, 4);
  EXPECT_EQ(features_->train_from, core::NewYorkToUtc({2016, 1, 4, 0, 0, 0}));
  EXPECT_EQ(features_->split, core::NewYorkToUtc({2016, 1, 7, 0, 0, 0}));
  EXPECT_GT(features_->rows_train, 0);
  EXPECT_GT(features_->rows_test, 0);
  auto profile = features::HistoricalProfile::Parse(*fs_->ReadAll("features/profile.txt"));
  ASSERT_OK(profile);
  EXPECT_EQ(profile->train_to(), features_->split);
  EXPECT_EQ(profile->train_from(), features_->train_from);
  // Its values come from the training days only: Monday to Wednesday hours have the cell's own
  // values; the Thursday (test day) hours of week never occurred in training, so they are
  // fallbacks pooling the same local hour of Monday to Wednesday (profile.h).
  const geo::CellId midtown{28, 27};
  int monday_hours_with_history = 0, pooled_hours_checked = 0;
  for (int hour = 0; hour < 24; ++hour) {
    monday_hours_with_history += !profile->Lookup(midtown, hour).fallback;
    const features::ProfileValue thursday = profile->Lookup(midtown, 3 * 24 + hour);
    EXPECT_TRUE(thursday.fallback) << "Thursday hour " << hour;
    double trips = 0, speed_sum = 0;
    bool all_days = true;
    for (int day = 0; day < 3; ++day) {
      const features::ProfileValue v = profile->Lookup(midtown, day * 24 + hour);
      all_days = all_days && !v.fallback;
      trips += v.trips_per_hour;  // one occurrence of each of these hours in training
      speed_sum += v.speed_mph * v.trips_per_hour;
    }
    if (!all_days) continue;
    ++pooled_hours_checked;
    EXPECT_NEAR(thursday.speed_mph, speed_sum / trips, 1e-6) << "Thursday hour " << hour;
    EXPECT_NEAR(thursday.trips_per_hour, trips / 3, 1e-9) << "Thursday hour " << hour;
  }
  EXPECT_GT(monday_hours_with_history, 12);
  EXPECT_GT(pooled_hours_checked, 6);
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

TEST_F(ForecastPipelineTest, TrainedModelLoadsAndForecastsEachRowWithItsHorizonsModel) {
  ASSERT_OK_AND_ASSIGN(auto forecaster, Forecaster::Load(*fs_, "models"));
  EXPECT_EQ(forecaster->version(), "v1");
  std::vector<features::FeatureRow> rows;
  for (int i = 0; i < 40; ++i) {
    features::FeatureRow row;
    row.t = features_->split + std::chrono::minutes(7 * i);
    row.cell = {static_cast<int16_t>(20 + i % 9), static_cast<int16_t>(20 + i % 11)};
    row.count_15m = i % 9;
    row.speed_15m = i % 9 == 0 ? features::kMissing : 2.0 + 0.6 * i;
    row.count_60m = 3 * (i % 9);
    row.speed_60m = row.speed_15m;
    row.calendar = trip::CalendarAt(row.t);
    rows.push_back(row);
  }
  ASSERT_OK_AND_ASSIGN(auto forecasts, forecaster->Predict(rows));
  ASSERT_EQ(forecasts.size(), rows.size());
  // Forecast i, horizon h = the card's decision rule on model_<h>m.json's probabilities for row i
  // (the largest weight x probability), with that level's probability as confidence.
  auto card_text = fs_->ReadAll("models/v1/card.json");
  ASSERT_OK(card_text);
  simdjson::dom::parser parser;
  simdjson::dom::element card_doc;
  ASSERT_FALSE(parser.parse(*card_text).get(card_doc));
  std::vector<float> matrix(rows.size() * features::kFeatureCount);
  for (size_t i = 0; i < rows.size(); ++i) features::ToVector(rows[i], matrix.data() + i * features::kFeatureCount);
  model::FeatureMatrix input{matrix, rows.size(), features::FeatureNames()};
  std::set<std::pair<int, float>> distinct;
  for (int h = 0; h < features::kHorizonCount; ++h) {
    const std::string path = "models/v1/model_" + std::to_string(features::kHorizonsMin[h]) + "m.json";
    ASSERT_OK_AND_ASSIGN(std::string json, fs_->ReadAll(path));
    ASSERT_OK_AND_ASSIGN(auto classifier, model::CongestionClassifier::FromJson(json, {}));
    ASSERT_OK_AND_ASSIGN(auto proba, classifier.PredictProba(input));
    std::array<double, 3> weights{};
    size_t k = 0;
    simdjson::dom::array w;
    ASSERT_FALSE(card_doc["horizons"].at(static_cast<size_t>(h))["decision_rule"]["weights"].get_array().get(w));
    for (simdjson::dom::element x : w) weights[k++] = x.get_double().value();
    ASSERT_EQ(k, 3u);
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(forecasts[i].source[h], forecaster->source(static_cast<size_t>(h)));
      if (forecaster->source(static_cast<size_t>(h)) == codec::ForecastSource::kPersistence) {
        // The model lost this horizon on its test days: persistence stands in (tested below).
        EXPECT_EQ(forecasts[i].level[h], model::PersistenceLevel(rows[i].speed_15m, rows[i].speed_60m, {}));
        continue;
      }
      auto p = proba.Row(i);
      int best = 0;
      for (int c = 1; c < 3; ++c) {
        if (weights[c] * p[c] > weights[best] * p[best]) best = c;
      }
      EXPECT_EQ(forecasts[i].level[h], best) << "row " << i << " horizon " << h;
      EXPECT_FLOAT_EQ(forecasts[i].confidence[h], p[best]) << "row " << i << " horizon " << h;
      distinct.insert({forecasts[i].level[h], forecasts[i].confidence[h]});
    }
  }
  EXPECT_GT(distinct.size(), 3u);  // the rows differ, so a shuffled or repeated output would show
  auto card = fs_->ReadAll("models/v1/card.json");
  ASSERT_OK(card);
  EXPECT_NE(card->find("\"persistence\""), std::string::npos);
  EXPECT_NE(card->find("\"historical_profile\""), std::string::npos);
}

// Copies models/v1 to models/NAME with card.json's beats_persistence_macro_f1 set to `beats` at
// every horizon (the card is not among the checksummed files).
void CopyModelWithVerdict(fs::FileSystem& fs, const std::string& name, bool beats) {
  ASSERT_OK_AND_ASSIGN(auto files, fs.List("models/v1"));
  for (const auto& f : files) {
    ASSERT_OK_AND_ASSIGN(std::string content, fs.ReadAll(f.path));
    if (f.name == "card.json") {
      for (const char* from : {"\"beats_persistence_macro_f1\":true", "\"beats_persistence_macro_f1\":false"}) {
        for (size_t at; (at = content.find(from)) != std::string::npos;) {
          content.replace(at, std::string_view(from).size(),
                          std::string("\"beats_persistence_macro_f1\":") + (beats ? "TRUE" : "FALSE"));
        }
      }
      for (const char* from : {"TRUE", "FALSE"}) {
        for (size_t at; (at = content.find(from)) != std::string::npos;) {
          content.replace(at, std::string_view(from).size(), beats ? "true" : "false");
        }
      }
    }
    ASSERT_OK(fs.WriteAll("models/" + name + "/" + f.name, content));
  }
}

// Issue 10 item 6: where the card says the model lost to persistence, the forecaster publishes
// persistence's level (source "persistence", confidence = persistence's precision for that level
// on the test days); where it won, the model's.
TEST_F(ForecastPipelineTest, AHorizonTheModelLostIsForecastByPersistence) {
  CopyModelWithVerdict(*fs_, "lost", false);
  CopyModelWithVerdict(*fs_, "won", true);
  ASSERT_OK_AND_ASSIGN(auto lost, Forecaster::Load(*fs_, "models", "lost"));
  ASSERT_OK_AND_ASSIGN(auto won, Forecaster::Load(*fs_, "models", "won"));
  std::vector<features::FeatureRow> rows;
  const double speeds[] = {5, 15, 25, features::kMissing};
  for (int i = 0; i < 8; ++i) {
    features::FeatureRow row;
    row.t = features_->split + std::chrono::minutes(9 * i);
    row.cell = {static_cast<int16_t>(25 + i), 30};
    row.count_15m = i % 4 == 3 ? 0 : 4;
    row.speed_15m = speeds[i % 4];
    row.count_60m = 12;
    row.speed_60m = i < 4 ? 18.0 : 8.0;  // stands in for speed_15m when that is missing
    row.calendar = trip::CalendarAt(row.t);
    rows.push_back(row);
  }
  ASSERT_OK_AND_ASSIGN(auto by_persistence, lost->Predict(rows));
  ASSERT_OK_AND_ASSIGN(auto by_model, won->Predict(rows));
  const int want[] = {2, 1, 0, 1, 2, 1, 0, 2};  // High < 10 mph <= Medium <= 20 mph < Low
  for (size_t h = 0; h < features::kHorizonCount; ++h) {
    EXPECT_EQ(lost->source(h), codec::ForecastSource::kPersistence);
    EXPECT_EQ(won->source(h), codec::ForecastSource::kModel);
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(by_persistence[i].level[h], want[i]) << "row " << i << " horizon " << h;
      EXPECT_EQ(by_persistence[i].source[h], codec::ForecastSource::kPersistence);
      EXPECT_EQ(by_model[i].source[h], codec::ForecastSource::kModel);
      EXPECT_GE(by_persistence[i].confidence[h], 0.0f);
      EXPECT_LE(by_persistence[i].confidence[h], 1.0f);
      // One confidence per level: persistence's precision for it.
      if (i >= 4 && want[i] == want[i - 4]) {
        EXPECT_EQ(by_persistence[i].confidence[h], by_persistence[i - 4].confidence[h]);
      }
    }
  }
}

// Issue 10 item 6: a model that does not beat both baselines at every horizon, or had no
// validation examples, is not promoted by itself.
TEST(PromotionBlocker, NamesEveryHorizonAndBaselineTheModelLoses) {
  std::array<HorizonResult, 3> h;
  for (size_t i = 0; i < 3; ++i) {
    h[i].minutes = features::kHorizonsMin[i];
    h[i].validation_rows = 100;
    h[i].model.macro_f1 = 0.80;
    h[i].persistence.macro_f1 = 0.70;
    h[i].profile.macro_f1 = 0.60;
  }
  EXPECT_EQ(PromotionBlocker(h), "");
  h[0].persistence.macro_f1 = 0.81;
  h[2].profile.macro_f1 = 0.80;  // a tie is not a win
  h[1].validation_rows = 0;
  std::string why = PromotionBlocker(h);
  EXPECT_NE(why.find("at 15 min it does not beat persistence (macro-F1 0.800 vs 0.810)"), std::string::npos) << why;
  EXPECT_NE(why.find("at 30 min it had no validation examples"), std::string::npos) << why;
  EXPECT_NE(why.find("at 60 min it does not beat the historical profile"), std::string::npos) << why;
  EXPECT_EQ(why.find("60 min it does not beat persistence"), std::string::npos) << why;
  std::string verdicts = FormatVerdicts(h);
  EXPECT_NE(verdicts.find(" 15 min: LOSES to persistence by 0.010 macro-F1"), std::string::npos) << verdicts;
  EXPECT_NE(verdicts.find(" 30 min: beats persistence by 0.100 macro-F1"), std::string::npos) << verdicts;
}

// models/latest moves only to a promoted model; the card and the summary say which and why.
TEST_F(ForecastPipelineTest, LatestMovesOnlyToAPromotedModel) {
  ASSERT_OK_AND_ASSIGN(const std::string before, fs_->ReadAll("models/latest"));
  TrainOptions train;
  train.features_dir = "features";
  train.models_dir = "models";
  train.version = "unforced";
  train.classifier.num_rounds = 8;
  train.classifier.nthread = 1;
  ASSERT_OK_AND_ASSIGN(auto t, RunTrain(*fs_, train));
  EXPECT_EQ(t.promoted, t.not_promoted_because.empty());
  ASSERT_OK_AND_ASSIGN(const std::string after, fs_->ReadAll("models/latest"));
  ASSERT_OK_AND_ASSIGN(const std::string card, fs_->ReadAll("models/unforced/card.json"));
  ASSERT_OK_AND_ASSIGN(const std::string report, fs_->ReadAll("models/unforced/report.txt"));
  if (t.promoted) {
    EXPECT_NE(after, before);
    EXPECT_NE(card.find("\"promoted\":true"), std::string::npos);
    EXPECT_NE(report.find("Promoted to models/latest."), std::string::npos) << report;
  } else {
    EXPECT_EQ(after, before);
    EXPECT_NE(card.find("\"promoted\":false"), std::string::npos);
    EXPECT_NE(report.find("NOT promoted to models/latest: " + t.not_promoted_because), std::string::npos) << report;
  }
  ASSERT_OK(fs_->WriteAll("models/latest", before));  // the other tests use v1
}

// Training reads the features table a row group at a time (ExampleChunks): a table cut into
// many small row groups trains on the same examples, and to the same quality within the noise of
// XGBoost's quantile sketch, which merges chunk by chunk.
TEST_F(ForecastPipelineTest, TrainingReadsTheTableARowGroupAtATime) {
  ASSERT_OK_AND_ASSIGN(auto reader, parquet::Reader::Open(*fs_, "features/part-00000.parquet"));
  parquet::WriterOptions small_groups;
  small_groups.row_group_rows = 700;
  ASSERT_OK_AND_ASSIGN(auto writer,
                       parquet::Writer::Open(*fs_, "features_rg/part-00000.parquet", reader->schema(), small_groups));
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    ASSERT_OK_AND_ASSIGN(auto batch, reader->ReadRowGroup(g));
    ASSERT_OK(writer->Write(batch));
  }
  ASSERT_OK(writer->Close());
  for (const char* name : {"_SUCCESS", "profile.txt"}) {
    ASSERT_OK_AND_ASSIGN(std::string content, fs_->ReadAll(std::string("features/") + name));
    ASSERT_OK(fs_->WriteAll(std::string("features_rg/") + name, content));
  }
  ASSERT_OK_AND_ASSIGN(auto cut, parquet::Reader::Open(*fs_, "features_rg/part-00000.parquet"));
  ASSERT_GT(cut->num_row_groups(), 20);

  auto train = [&](const std::string& features_dir, const std::string& version, int64_t cache_mb) {
    TrainOptions options;
    options.features_dir = features_dir;
    options.models_dir = "models_rg";
    options.version = version;
    options.classifier.num_rounds = 12;
    options.classifier.nthread = 1;
    options.train_stride = 3;  // counted across row groups: the same examples are kept
    options.example_cache_mb = cache_mb;
    return RunTrain(*fs_, options);
  };
  // One held in memory after its first pass, the other read from Parquet on every pass.
  ASSERT_OK_AND_ASSIGN(auto whole, train("features", "whole", 64));
  ASSERT_OK_AND_ASSIGN(auto chunked, train("features_rg", "chunked", 0));
  EXPECT_TRUE(whole.examples_cached);
  EXPECT_FALSE(chunked.examples_cached);
  for (size_t h = 0; h < whole.horizons.size(); ++h) {
    const HorizonResult& a = whole.horizons[h];
    const HorizonResult& b = chunked.horizons[h];
    EXPECT_EQ(b.train_rows, a.train_rows) << a.minutes << " min";
    EXPECT_EQ(b.validation_rows, a.validation_rows) << a.minutes << " min";
    EXPECT_EQ(b.test_rows, a.test_rows) << a.minutes << " min";
    EXPECT_EQ(b.persistence.macro_f1, a.persistence.macro_f1) << a.minutes << " min";
    EXPECT_EQ(b.profile.macro_f1, a.profile.macro_f1) << a.minutes << " min";
    EXPECT_NEAR(b.model.macro_f1, a.model.macro_f1, 0.02) << a.minutes << " min";
    EXPECT_NEAR(b.speed.model_mae, a.speed.model_mae, 0.1) << a.minutes << " min";
  }
}

// The first pass keeps the row groups when they fit the cache; every later pass then gives
// what a read of the files gives, and a cache too small for the table is dropped, not overrun.
TEST_F(ForecastPipelineTest, ExampleChunksGiveTheSameRowsFromTheCacheAsFromTheFiles) {
  ASSERT_OK_AND_ASSIGN(auto reader, parquet::Reader::Open(*fs_, "features/part-00000.parquet"));
  parquet::WriterOptions small_groups;
  small_groups.row_group_rows = 2000;
  ASSERT_OK_AND_ASSIGN(
      auto writer, parquet::Writer::Open(*fs_, "features_cache/part-00000.parquet", reader->schema(), small_groups));
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    ASSERT_OK_AND_ASSIGN(auto batch, reader->ReadRowGroup(g));
    ASSERT_OK(writer->Write(batch));
  }
  ASSERT_OK(writer->Close());
  const std::vector<std::string> files = {"features_cache/part-00000.parquet"};
  ASSERT_OK_AND_ASSIGN(ExampleSet expected, ReadExamples(*fs_, files));
  for (size_t cache_bytes : {size_t{0}, size_t{100'000}, size_t{64} << 20}) {
    ExampleChunks chunks(*fs_, files, cache_bytes);
    for (int pass = 0; pass < 3; ++pass) {
      ASSERT_OK(chunks.Reset());
      std::vector<float> features;
      std::vector<int64_t> t_ms;
      std::vector<int8_t> targets_60m;
      int groups = 0;
      while (true) {
        ASSERT_OK_AND_ASSIGN(const ExampleSet* chunk, chunks.Next());
        if (chunk == nullptr) break;
        ++groups;
        features.insert(features.end(), chunk->features.begin(), chunk->features.end());
        t_ms.insert(t_ms.end(), chunk->t_ms.begin(), chunk->t_ms.end());
        targets_60m.insert(targets_60m.end(), chunk->targets[2].begin(), chunk->targets[2].end());
      }
      EXPECT_GT(groups, 3);
      EXPECT_EQ(t_ms, expected.t_ms) << "cache " << cache_bytes << " pass " << pass;
      EXPECT_EQ(targets_60m, expected.targets[2]) << "cache " << cache_bytes << " pass " << pass;
      ASSERT_EQ(features.size(), expected.features.size());
      EXPECT_EQ(std::memcmp(features.data(), expected.features.data(), features.size() * sizeof(float)), 0)
          << "cache " << cache_bytes << " pass " << pass;  // bitwise: NaN features compare unequal
      EXPECT_EQ(chunks.cached(), cache_bytes == (size_t{64} << 20)) << "cache " << cache_bytes;
    }
  }
}

// Early stopping uses the last training day (train_step.cc: with 3 or more training days): here
// Wednesday 2016-01-06, whose labelled examples are the validation rows of every horizon.
TEST_F(ForecastPipelineTest, EarlyStoppingValidatesOnTheLastTrainingDay) {
  ASSERT_OK_AND_ASSIGN(std::string card, fs_->ReadAll("models/v1/card.json"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(card).get(doc), simdjson::SUCCESS) << card;
  const core::UtcTime validation_from = core::NewYorkToUtc({2016, 1, 6, 0, 0, 0});
  EXPECT_EQ(std::string_view(doc["training"]["validation_from"]), core::FormatIsoUtc(validation_from));
  ASSERT_OK_AND_ASSIGN(auto examples, ReadExamples(*fs_, {"features/part-00000.parquet"}));
  const int64_t from_ms = core::ToEpochSeconds(validation_from) * 1000;
  int h = 0;
  for (auto horizon : doc["horizons"].get_array()) {
    int64_t expected = 0;
    for (size_t i = 0; i < examples.rows(); ++i) {
      expected += !examples.is_test[i] && examples.t_ms[i] >= from_ms &&
                  examples.targets[static_cast<size_t>(h)][i] != features::kNoTarget;
    }
    EXPECT_GT(expected, 0);
    EXPECT_EQ(int64_t(horizon["validation_rows"]), expected) << "horizon " << h;
    ++h;
  }
  EXPECT_EQ(h, features::kHorizonCount);
}

// With a week of validation days the served model is trained again on them too (forced here on
// the fixture's one validation day): the card says so, the rounds stay within the options, and
// the model is not the one trained without them.
TEST_F(ForecastPipelineTest, TheRefitModelLearnsFromTheValidationDaysToo) {
  TrainOptions train;
  train.features_dir = "features";
  train.models_dir = "models";
  train.version = "refit";
  train.classifier.num_rounds = 8;
  train.classifier.nthread = 1;
  train.refit = true;
  ASSERT_OK_AND_ASSIGN(TrainSummary refit, RunTrain(*fs_, train));
  EXPECT_TRUE(refit.refit);
  EXPECT_NE(refit.card_json.find("\"refit_on_validation_days\":true"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(std::string v1_card, fs_->ReadAll("models/v1/card.json"));
  EXPECT_NE(v1_card.find("\"refit_on_validation_days\":false"), std::string::npos);
  for (const char* file : {"model_15m.json", "model_30m.json", "model_60m.json"}) {
    ASSERT_OK_AND_ASSIGN(std::string a, fs_->ReadAll(std::string("models/v1/") + file));
    ASSERT_OK_AND_ASSIGN(std::string b, fs_->ReadAll(std::string("models/refit/") + file));
    EXPECT_NE(a, b) << file;
  }
  for (const auto& h : refit.horizons) {
    EXPECT_GT(h.validation_rows, 0);
    EXPECT_GT(h.rounds, 0);
    EXPECT_LE(h.rounds, 8);
  }
}

// A failed run leaves the previous output as it was: features/ and models/latest.
TEST_F(ForecastPipelineTest, FailedFeaturesAndTrainRunsKeepThePreviousOutput) {
  auto snapshot = [&](const std::string& dir) {
    std::map<std::string, std::string> files;
    auto listed = fs_->ListFilesRecursive(dir, {""});
    EXPECT_OK(listed);
    if (listed.ok()) {
      for (const auto& f : *listed) files[f.path] = *fs_->ReadAll(f.path);
    }
    auto success = fs_->ReadAll(dir + "/_SUCCESS");  // hidden from the listing
    files["_SUCCESS"] = success.ok() ? *success : "(none)";
    return files;
  };
  const auto features_before = snapshot("features");
  const auto models_before = snapshot("models");
  ASSERT_GT(features_before.size(), 2u);
  ASSERT_OK_AND_ASSIGN(const std::string latest, fs_->ReadAll("models/latest"));

  // Train on features whose examples file is cut in half: an error, and models/ is unchanged.
  ASSERT_OK_AND_ASSIGN(std::string part, fs_->ReadAll("features/part-00000.parquet"));
  ASSERT_OK(fs_->WriteAll("features/part-00000.parquet", part.substr(0, part.size() / 2)));
  TrainOptions train;
  train.features_dir = "features";
  train.models_dir = "models";
  train.version = "v2";
  train.classifier.num_rounds = 4;
  train.classifier.nthread = 1;
  EXPECT_FALSE(RunTrain(*fs_, train).ok());
  EXPECT_EQ(*fs_->ReadAll("models/latest"), latest);
  EXPECT_FALSE(fs_->Exists("models/v2"));
  EXPECT_EQ(snapshot("models"), models_before);
  ASSERT_OK(fs_->WriteAll("features/part-00000.parquet", part));
  // And a run that fails late, after it began writing (a horizon it cannot label).
  FeaturesOptions unlabelled;
  unlabelled.processed_dir = "processed";
  unlabelled.features_dir = "unlabelled";
  unlabelled.test_days = 1;
  unlabelled.min_trips = 100000;
  ASSERT_OK(RunFeatures(*fs_, unlabelled));
  train.features_dir = "unlabelled";
  EXPECT_FALSE(RunTrain(*fs_, train).ok());
  EXPECT_EQ(*fs_->ReadAll("models/latest"), latest);
  EXPECT_FALSE(fs_->Exists("models/v2"));
  EXPECT_EQ(snapshot("models"), models_before);

  // Features on clean trips of which one file is cut in half: an error, features/ unchanged.
  ASSERT_OK_AND_ASSIGN(auto processed, fs_->ListFilesRecursive("processed", {".parquet"}));
  ASSERT_FALSE(processed.empty());
  const std::string victim = processed.back().path;
  ASSERT_OK_AND_ASSIGN(std::string trips, fs_->ReadAll(victim));
  ASSERT_OK(fs_->WriteAll(victim, trips.substr(0, trips.size() / 2)));
  FeaturesOptions features;
  features.processed_dir = "processed";
  features.features_dir = "features";
  features.test_days = 1;
  EXPECT_FALSE(RunFeatures(*fs_, features).ok());
  EXPECT_EQ(snapshot("features"), features_before);
  ASSERT_OK(fs_->WriteAll(victim, trips));  // the suite's other tests read it
}

// The default split (features_step.h): the last max(1, (days + 2) / 5) New York days are the
// test period. Eight days: two test days. Runs on the in-memory file system.
TEST_F(ForecastPipelineTest, DefaultSplitTestsTheLastWeekOrAboutAFifthOfTheDays) {
  // Three weeks or more: the last whole week (every hour of the week tested).
  EXPECT_EQ(DefaultTestDays(28), 7);
  EXPECT_EQ(DefaultTestDays(21), 7);
  EXPECT_EQ(DefaultTestDays(20), 4);
  EXPECT_EQ(DefaultTestDays(14), 3);
  EXPECT_EQ(DefaultTestDays(2), 1);
  auto mem = testing::MakeMemFileSystem();
  generate::GeneratorOptions options;
  options.days = 8;
  options.trips_per_day = 400;
  generate::TripGenerator generator(options, &(*reference_)->land);
  std::string csv = std::string(generate::Yellow2015Header()) + "\n";
  trip::Trip t;
  while (generator.Next(&t)) generate::AppendYellow2015Row(t, &csv);
  ASSERT_OK(mem->WriteAll("raw/trips.csv", csv));
  CleanOptions clean;
  clean.inputs = {"raw"};
  clean.output_dir = "processed";
  ASSERT_OK(RunClean(*mem, *mem, *mem, **reference_, geo::Grid(), clean));
  FeaturesOptions features;
  features.processed_dir = "processed";
  features.features_dir = "features";
  ASSERT_EQ(features.test_days, 0);  // the default
  ASSERT_OK_AND_ASSIGN(FeaturesSummary f, RunFeatures(*mem, features));
  EXPECT_EQ(f.days, 8);
  EXPECT_EQ(f.test_days, 2);
  EXPECT_EQ(f.train_from, core::NewYorkToUtc({2016, 1, 4, 0, 0, 0}));
  EXPECT_EQ(f.split, core::NewYorkToUtc({2016, 1, 10, 0, 0, 0}));
  EXPECT_EQ(f.test_to, core::NewYorkToUtc({2016, 1, 12, 0, 0, 0}));
  ASSERT_OK_AND_ASSIGN(FeatureSplit recorded, ReadFeatureSplit(*mem, "features"));
  EXPECT_EQ(recorded.split, f.split);
}

// Issue 10 items 5-6: a model made worse than persistence (its decision rule calls nearly every
// cell Low) is scored live as the forecasts' horizons pass; once the period holds enough scored
// forecasts the guard publishes persistence at every horizon, marks the records, reports the
// switch; the scores survive a snapshot and restore of the partition state.
// models/v1 with a decision rule that calls nearly every cell Low, and a card that says it beats
// persistence everywhere (so the stream starts on the model).
std::unique_ptr<Forecaster> WorseModel(fs::FileSystem& fs) {
  auto files = fs.List("models/v1");
  EXPECT_TRUE(files.ok());
  for (const auto& f : *files) {
    std::string content = *fs.ReadAll(f.path);
    if (f.name == "card.json") {
      for (size_t at = 0; (at = content.find("\"weights\":[", at)) != std::string::npos; ++at) {
        content.replace(at, content.find(']', at) + 1 - at, "\"weights\":[1000,1,0.001]");
      }
      for (size_t at; (at = content.find("\"beats_persistence_macro_f1\":false")) != std::string::npos;) {
        content.replace(at, 34, "\"beats_persistence_macro_f1\":true");
      }
    }
    EXPECT_OK(fs.WriteAll("models/worse/" + f.name, content));
  }
  auto worse = Forecaster::Load(fs, "models", "worse");
  EXPECT_TRUE(worse.ok()) << worse.status().message();
  if (!worse.ok()) return nullptr;
  for (size_t h = 0; h < features::kHorizonCount; ++h) EXPECT_EQ((*worse)->source(h), codec::ForecastSource::kModel);
  return std::move(*worse);
}

TEST_F(ForecastPipelineTest, TheLiveGuardSwitchesAWorseModelToPersistence) {
  std::unique_ptr<Forecaster> worse = WorseModel(*fs_);
  ASSERT_NE(worse, nullptr);

  StreamOptions options;
  options.guard.min_examples = 100;
  StreamProcessor processor(options, worse.get());
  processor.RegisterPartition(0);
  ASSERT_OK_AND_ASSIGN(auto partitions, ListTripPartitions(*fs_, "processed"));
  ASSERT_OK_AND_ASSIGN(auto trips, TripStream::Open(*fs_, partitions));
  std::vector<codec::DeadLetterRecord> dead;
  std::vector<codec::PredictionRecord> records;
  std::vector<GuardSwitch> switches;
  StoredTrip trip;
  std::string value, key;
  int64_t offset = 0;
  while (*trips->Next(&trip)) {
    value.clear();
    key.clear();
    codec::AppendTripMessage(trip.trip, trip.cell, trip.is_manhattan, &value);
    codec::AppendCellKey(trip.cell, &key);
    processor.Process({0, offset++, key, value}, &dead);
    if (offset % 500 == 0) {
      ASSERT_OK(processor.Drain(&records));
    }
  }
  ASSERT_OK(processor.Finish(&records));
  processor.TakeGuardSwitches(&switches);

  ASSERT_EQ(switches.size(), 3u);  // one per horizon, to persistence, none back
  const LiveScoreReport live = processor.LiveReport();
  for (size_t h = 0; h < features::kHorizonCount; ++h) {
    EXPECT_EQ(switches[h].to, codec::ForecastSource::kPersistence);
    EXPECT_EQ(live.sources[h], codec::ForecastSource::kPersistence);
    EXPECT_GE(live.scores[h].model().count, 100);
    EXPECT_LT(live.scores[h].model().macro_f1, live.scores[h].persistence().macro_f1) << h;
    EXPECT_EQ(processor.counters().scored[h] >= live.scores[h].model().count, true);
  }
  EXPECT_NE(switches[0].Describe(options.score_period).find("publishing persistence"), std::string::npos);
  // The records say who forecast: the model first, persistence once the guard switched.
  ASSERT_GT(records.size(), 1000u);
  for (size_t h = 0; h < features::kHorizonCount; ++h) {
    size_t first_persistence = records.size();
    for (size_t i = 0; i < records.size(); ++i) {
      if (records[i].forecasts[h] && records[i].forecasts[h]->source == codec::ForecastSource::kPersistence) {
        first_persistence = i;
        break;
      }
    }
    ASSERT_LT(first_persistence, records.size() * 3 / 4) << "horizon " << h;
    EXPECT_EQ(records.front().forecasts[h]->source, codec::ForecastSource::kModel);
    for (size_t i = first_persistence; i < records.size(); ++i) {
      if (!records[i].forecasts[h]) continue;
      ASSERT_EQ(records[i].forecasts[h]->source, codec::ForecastSource::kPersistence) << "record " << i;
    }
  }
  // The scores are in the partition state.
  StreamProcessor restored(options, worse.get());
  window::CellMask all(static_cast<size_t>(geo::Grid().cell_count()), true);
  ASSERT_OK(restored.RestorePartition(0, processor.SnapshotPartition(0, all)));
  const LiveScoreReport again = restored.LiveReport();
  for (size_t h = 0; h < features::kHorizonCount; ++h) {
    for (size_t p = 0; p < model::kLivePredictors; ++p) {
      EXPECT_EQ(again.scores[h].by_predictor[p].count, live.scores[h].by_predictor[p].count);
      EXPECT_EQ(again.scores[h].by_predictor[p].macro_f1, live.scores[h].by_predictor[p].macro_f1);
    }
    EXPECT_EQ(again.sources[h], codec::ForecastSource::kPersistence);  // the guard's choice too
  }
  // What `traffic serve` reads of the state topic: the same scores and sources.
  const std::string state = processor.SnapshotPartition(0, all);
  ASSERT_OK_AND_ASSIGN(PartitionLive decoded, DecodePartitionLive(state, options.score_period));
  const LiveScoreReport merged = MergeLive({&decoded}, options.score_period, {});
  EXPECT_EQ(merged.partitions, 1);
  for (size_t h = 0; h < features::kHorizonCount; ++h) {
    EXPECT_EQ(merged.sources[h], live.sources[h]);
    EXPECT_EQ(std::string(merged.SourceName(h)), "persistence");
    for (size_t p = 0; p < model::kLivePredictors; ++p) {
      EXPECT_EQ(merged.scores[h].by_predictor[p].count, live.scores[h].by_predictor[p].count);
      EXPECT_EQ(merged.scores[h].by_predictor[p].macro_f1, live.scores[h].by_predictor[p].macro_f1);
    }
  }
  EXPECT_EQ(DecodePartitionLive("TRSS9", options.score_period).status().code(), core::StatusCode::kCorrupt);
  // A state written before the guard was kept ("TRSS3": four parts) restores, on the card's verdict.
  core::ByteReader reader(std::string_view(state).substr(5));
  std::string v3 = "TRSS3";
  std::string_view part;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(reader.GetLengthPrefixed(&part));
    core::PutLengthPrefixed(&v3, part);
  }
  StreamProcessor from_v3(options, worse.get());
  ASSERT_OK(from_v3.RestorePartition(0, v3));
  EXPECT_EQ(from_v3.LiveReport().scores[0].model().count, live.scores[0].model().count);
  EXPECT_EQ(from_v3.LiveReport().sources[0], codec::ForecastSource::kModel);
  // A damaged guard part is a clear error naming the partition.
  ASSERT_TRUE(reader.GetLengthPrefixed(&part));
  std::string damaged(part);
  damaged[damaged.size() / 2] ^= 0x5a;
  std::string bad = v3;
  bad.replace(0, 5, "TRSS4");
  core::PutLengthPrefixed(&bad, damaged);
  auto status = StreamProcessor(options, worse.get()).RestorePartition(0, bad);
  EXPECT_EQ(status.code(), core::StatusCode::kCorrupt) << status.message();
  EXPECT_NE(status.message().find("partition 0"), std::string::npos) << status.message();
}

// Issue 10 item 6 on Kafka: each input partition has its own guard, and what it publishes depends
// on its own input only. A run over 4 partitions drained every 500 messages equals, record for
// record (levels, confidences, sources), one drained every 137 messages that restarts twice from
// its partition states (as a worker does after kill -9: a new processor restored from the last
// commit) while forecasts are still waiting for their truth, and the guard has switched.
TEST_F(ForecastPipelineTest, TheGuardPublishesTheSameWhateverTheDrainsAndRestarts) {
  std::unique_ptr<Forecaster> worse = WorseModel(*fs_);
  ASSERT_NE(worse, nullptr);
  constexpr int32_t kPartitions = 4;
  StreamOptions options;
  options.guard.min_examples = 50;
  options.partition_count = kPartitions;
  struct Message {
    int32_t partition;
    std::string key, value;
  };
  std::vector<Message> messages;
  ASSERT_OK_AND_ASSIGN(auto partitions, ListTripPartitions(*fs_, "processed"));
  ASSERT_OK_AND_ASSIGN(auto trips, TripStream::Open(*fs_, partitions));
  StoredTrip trip;
  while (*trips->Next(&trip)) {
    Message m{codec::PartitionForCell(trip.cell, kPartitions), {}, {}};
    codec::AppendTripMessage(trip.trip, trip.cell, trip.is_manhattan, &m.value);
    codec::AppendCellKey(trip.cell, &m.key);
    messages.push_back(std::move(m));
  }
  auto run = [&](size_t drain_every, std::vector<size_t> restarts, std::vector<GuardSwitch>* switches) {
    std::vector<std::string> published;
    std::vector<codec::PredictionRecord> records;
    auto processor = std::make_unique<StreamProcessor>(options, worse.get());
    for (int32_t p = 0; p < kPartitions; ++p) processor->RegisterPartition(p);
    std::vector<codec::DeadLetterRecord> dead;
    for (size_t i = 0; i < messages.size(); ++i) {
      processor->Process({messages[i].partition, static_cast<int64_t>(i), messages[i].key, messages[i].value}, &dead);
      if ((i + 1) % drain_every != 0) continue;
      EXPECT_OK(processor->Drain(&records));
      if (!restarts.empty() && i + 1 >= restarts.front()) {
        restarts.erase(restarts.begin());
        processor->TakeGuardSwitches(switches);
        std::vector<std::string> states;
        for (int32_t p = 0; p < kPartitions; ++p) {
          states.push_back(processor->SnapshotPartition(p, window::SelectCells(options.window.grid, [&](geo::CellId c) {
                                                          return codec::PartitionForCell(c, kPartitions) == p;
                                                        })));
        }
        processor = std::make_unique<StreamProcessor>(options, worse.get());
        for (int32_t p : {2, 0, 3, 1}) EXPECT_OK(processor->RestorePartition(p, states[static_cast<size_t>(p)]));
      }
    }
    EXPECT_OK(processor->Finish(&records));
    processor->TakeGuardSwitches(switches);
    for (const auto& r : records) {
      std::string m;
      codec::AppendPredictionMessage(r, &m);
      published.push_back(std::move(m));
    }
    return published;
  };
  std::vector<GuardSwitch> switches_a, switches_b;
  const std::vector<std::string> a = run(500, {}, &switches_a);
  const std::vector<std::string> b = run(137, {messages.size() / 3, messages.size() * 2 / 3}, &switches_b);
  ASSERT_GT(a.size(), 1000u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "record " << i;
  // The guard did switch, partition by partition, and the same switches in both runs.
  ASSERT_GE(switches_a.size(), 4u);
  ASSERT_EQ(switches_a.size(), switches_b.size());
  std::set<int32_t> switched;
  for (size_t i = 0; i < switches_a.size(); ++i) {
    EXPECT_EQ(switches_a[i].partition, switches_b[i].partition);
    EXPECT_EQ(switches_a[i].horizon_minutes, switches_b[i].horizon_minutes);
    EXPECT_EQ(switches_a[i].to, switches_b[i].to);
    switched.insert(switches_a[i].partition);
  }
  EXPECT_GE(switched.size(), 2u);
  size_t persistence = 0;
  for (const auto& m : a) persistence += m.find("\"persistence\"") != std::string::npos;
  EXPECT_GT(persistence, a.size() / 4);
}

TEST_F(ForecastPipelineTest, BrokenModelFoldersAreClearErrors) {
  ASSERT_OK(fs_->MakeDirs("broken"));
  auto none = Forecaster::Load(*fs_, "broken");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("broken/latest"), std::string::npos) << none.status().message();
  EXPECT_NE(none.status().message().find("traffic train"), std::string::npos);

  auto copy = [&](const std::string& version) {
    for (const char* f : {"card.json", "model_15m.json", "model_30m.json", "model_60m.json", "profile.txt",
                          "report.txt", "card.html"}) {
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
  // The same length: only the hash in the card must follow for the file to pass its checksum.
  std::string names_card = *fs_->ReadAll("broken/names/card.json");
  std::string old_hash = core::HashToHex(core::StableHash64(*fs_->ReadAll("models/v1/model_60m.json")));
  ASSERT_NE(names_card.find(old_hash), std::string::npos);
  names_card.replace(names_card.find(old_hash), old_hash.size(), core::HashToHex(core::StableHash64(model)));
  ASSERT_OK(fs_->WriteAll("broken/names/card.json", names_card));
  auto names = Forecaster::Load(*fs_, "broken", "names");
  ASSERT_FALSE(names.ok());
  EXPECT_NE(names.status().message().find("speed_16m"), std::string::npos) << names.status().message();
  EXPECT_NE(names.status().message().find("model_60m.json"), std::string::npos);
}

// Regression (issue 8 #11): a flipped digit in a model and a profile truncated mid-line were
// accepted; every file of a model folder is now checked against the card's size and hash.
TEST_F(ForecastPipelineTest, ModelFilesAreVerifiedAgainstTheCardChecksums) {
  auto copy = [&](const std::string& version) {
    for (const char* f : {"card.json", "model_15m.json", "model_30m.json", "model_60m.json", "profile.txt",
                          "report.txt", "card.html"}) {
      ASSERT_TRUE(fs_->WriteAll("crc/" + version + "/" + f, *fs_->ReadAll(std::string("models/v1/") + f)).ok());
    }
  };
  copy("intact");
  ASSERT_TRUE(Forecaster::Load(*fs_, "crc", "intact").ok());

  copy("flipped");
  std::string model = *fs_->ReadAll("crc/flipped/model_30m.json");
  size_t digit = model.find_first_of("123456789", model.size() / 2);
  ASSERT_NE(digit, std::string::npos);
  model[digit] = model[digit] == '9' ? '8' : static_cast<char>(model[digit] + 1);  // still valid JSON
  ASSERT_TRUE(fs_->WriteAll("crc/flipped/model_30m.json", model).ok());
  auto flipped = Forecaster::Load(*fs_, "crc", "flipped");
  ASSERT_FALSE(flipped.ok()) << "a changed model file was loaded";
  EXPECT_EQ(flipped.status().code(), core::StatusCode::kCorrupt);
  EXPECT_NE(flipped.status().message().find("crc/flipped/model_30m.json"), std::string::npos)
      << flipped.status().message();

  copy("truncated");
  std::string profile = *fs_->ReadAll("crc/truncated/profile.txt");
  size_t cut = profile.rfind('\n', profile.size() - 2);
  ASSERT_NE(cut, std::string::npos);
  ASSERT_TRUE(fs_->WriteAll("crc/truncated/profile.txt", profile.substr(0, cut + 4)).ok());  // mid-line
  auto truncated = Forecaster::Load(*fs_, "crc", "truncated");
  ASSERT_FALSE(truncated.ok()) << "a truncated profile was loaded";
  EXPECT_NE(truncated.status().message().find("crc/truncated/profile.txt"), std::string::npos)
      << truncated.status().message();

  copy("unlisted");  // a card without checksums is not trusted either
  std::string card = *fs_->ReadAll("crc/unlisted/card.json");
  size_t files = card.find(",\"files\":");
  ASSERT_NE(files, std::string::npos);
  card = card.substr(0, files) + "}\n";
  ASSERT_TRUE(fs_->WriteAll("crc/unlisted/card.json", card).ok());
  auto unlisted = Forecaster::Load(*fs_, "crc", "unlisted");
  ASSERT_FALSE(unlisted.ok());
  EXPECT_NE(unlisted.status().message().find("checksum"), std::string::npos) << unlisted.status().message();
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

// Issue 10 bad input: training examples of a single level would make a degenerate model.
TEST_F(ForecastPipelineTest, ASingleLevelInTrainingIsAClearError) {
  FeaturesOptions features;
  features.processed_dir = "processed";
  features.features_dir = "one-level/features";
  features.test_days = 1;
  features.thresholds = {100, 200};  // every speed is below 100 mph: everything is High
  ASSERT_OK(RunFeatures(*fs_, features));
  TrainOptions train;
  train.features_dir = "one-level/features";
  train.models_dir = "one-level/models";
  train.version = "x";
  train.thresholds = features.thresholds;
  auto t = RunTrain(*fs_, train);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("all of one level (Low 0, Medium 0, High "), std::string::npos)
      << t.status().message();
  EXPECT_FALSE(fs_->Exists("one-level/models/x"));
}

TEST_F(ForecastPipelineTest, OneDayIsNotEnoughHistory) {
  auto local = fs::MakeLocalFileSystem();
  ASSERT_OK(fs_->RemoveAll("one"));
  ASSERT_OK(WriteTrips("one/raw/trips.csv", 1, 500));
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
