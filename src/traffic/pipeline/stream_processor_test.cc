// The stream's operators against the batch: the same trips give the same feature rows whether
// they go through `traffic features` or through taxi-trips messages and the StreamProcessor; and
// bad messages become dead letters with their reason.
#include "traffic/pipeline/stream_processor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "traffic/codec/message_key.h"
#include "traffic/generate/generator.h"
#include "traffic/model/classifier.h"
#include "traffic/pipeline/clean_step.h"
#include "traffic/pipeline/feature_table.h"
#include "traffic/pipeline/features_step.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/pipeline/train_step.h"
#include "traffic/pipeline/trip_stream.h"
#include "traffic/testing/status_matchers.h"
#include "traffic/testing/temp_dir.h"

namespace traffic::pipeline {
namespace {

class StreamProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = fs::MakeLocalFileSystem(temp_.string());
    auto local = fs::MakeLocalFileSystem();
    auto reference = LoadReferenceData(*local, std::string(TRAFFIC_SHARED_DIR) + "/data/geo", Needs::kAlsoLand);
    ASSERT_OK(reference);
    reference_ = *reference;
  }
  testing::TempDir temp_;
  std::unique_ptr<fs::FileSystem> fs_;
  std::shared_ptr<const ReferenceData> reference_;
};

// Parity, both directions: every batch example has the stream's feature row for the same
// (t, cell), and every stream row is a batch example (or a training row the batch embargoes);
// the stream's forecasts equal the model's predictions on the batch rows. Messages are placed as
// `traffic produce` places them, with the stream's partition check on.
TEST_F(StreamProcessorTest, StreamFeaturesAndForecastsEqualBatchOnes) {
  generate::GeneratorOptions g;
  g.days = 3;
  g.trips_per_day = 6000;
  generate::TripGenerator generator(g, &reference_->land);
  std::string csv = std::string(generate::Yellow2015Header()) + "\n";
  trip::Trip t;
  while (generator.Next(&t)) generate::AppendYellow2015Row(t, &csv);
  ASSERT_OK(fs_->WriteAll("raw/trips.csv", csv));
  CleanOptions clean;
  clean.inputs = {"raw"};
  clean.output_dir = "processed";
  ASSERT_OK(RunClean(*fs_, *fs_, *fs_, *reference_, geo::Grid(), clean));
  FeaturesOptions fo;
  fo.processed_dir = "processed";
  fo.features_dir = "features";
  fo.test_days = 1;
  ASSERT_OK_AND_ASSIGN(FeaturesSummary features, RunFeatures(*fs_, fo));
  TrainOptions train;
  train.features_dir = "features";
  train.models_dir = "models";
  train.version = "v1";
  train.classifier.num_rounds = 6;
  train.classifier.nthread = 1;
  ASSERT_OK(RunTrain(*fs_, train));
  ASSERT_OK_AND_ASSIGN(auto forecaster, Forecaster::Load(*fs_, "models"));
  auto batch = ReadExamples(*fs_, {"features/part-00000.parquet"});
  ASSERT_OK(batch);

  // The same clean trips as taxi-trips messages over 4 partitions (key = cell), interleaved.
  StreamOptions so;
  so.partition_count = 4;
  StreamProcessor processor(so, forecaster.get());
  std::map<std::pair<int64_t, int>, std::vector<float>> stream_rows;
  geo::Grid grid;
  processor.set_on_feature_row([&](const features::FeatureRow& row) {
    std::vector<float> v(features::kFeatureCount);
    features::ToVector(row, v.data());
    stream_rows[{core::ToEpochSeconds(row.t) * 1000, grid.Index(row.cell)}] = v;
  });
  for (int p = 0; p < 4; ++p) processor.RegisterPartition(p);
  auto partitions = ListTripPartitions(*fs_, "processed");
  ASSERT_OK(partitions);
  auto trips = TripStream::Open(*fs_, *partitions);
  ASSERT_OK(trips);
  std::vector<codec::DeadLetterRecord> dead;
  std::vector<codec::PredictionRecord> records;
  StoredTrip trip;
  std::string value, key;
  int64_t offset = 0;
  while (*(*trips)->Next(&trip)) {
    value.clear();
    key.clear();
    codec::AppendTripMessage(trip.trip, trip.cell, trip.is_manhattan, &value);
    codec::AppendCellKey(trip.cell, &key);
    processor.Process({codec::PartitionForCell(trip.cell, 4), offset++, key, value}, &dead);
    if (offset % 997 == 0) ASSERT_OK(processor.Drain(&records));
  }
  ASSERT_OK(processor.Finish(&records));
  EXPECT_TRUE(dead.empty()) << dead.front().reason;
  EXPECT_EQ(processor.counters().accepted, offset);
  EXPECT_GT(records.size(), 1000u);

  // Batch -> stream: the same features.
  std::map<std::pair<int64_t, int>, size_t> batch_index;
  for (size_t i = 0; i < batch->rows(); ++i) {
    const std::pair<int64_t, int> at{batch->t_ms[i], grid.Index(batch->cells[i])};
    batch_index[at] = i;
    auto it = stream_rows.find(at);
    ASSERT_NE(it, stream_rows.end()) << "no stream row for a batch row at " << batch->t_ms[i];
    const float* b = batch->Row(i);
    for (int f = 0; f < features::kFeatureCount; ++f) {
      float s = it->second[static_cast<size_t>(f)];
      ASSERT_TRUE((std::isnan(s) && std::isnan(b[f])) || s == b[f])
          << features::FeatureNames()[static_cast<size_t>(f)] << ": stream " << s << ", batch " << b[f];
    }
  }
  EXPECT_GT(batch->rows(), 10000u);
  // Stream -> batch: nothing the batch does not have, except the embargoed training rows.
  const int64_t split_ms = core::ToEpochSeconds(features.split) * 1000;
  int64_t extra = 0;
  for (const auto& [at, row] : stream_rows) {
    if (batch_index.count(at) != 0) continue;
    ++extra;
    EXPECT_LT(at.first, split_ms) << "a stream row the batch lacks at " << at.first;
    EXPECT_GT(at.first + 60 * 60 * 1000, split_ms) << "a stream row the batch lacks at " << at.first;
  }
  EXPECT_EQ(extra, features.rows_embargoed);
  EXPECT_EQ(stream_rows.size(), batch->rows() + static_cast<size_t>(features.rows_embargoed));

  // Forecasts: each record's equal the model's prediction on the batch row of its window end.
  std::vector<float> matrix(batch->rows() * features::kFeatureCount);
  std::copy(batch->Row(0), batch->Row(0) + matrix.size(), matrix.begin());
  model::FeatureMatrix input{matrix, batch->rows(), features::FeatureNames()};
  std::vector<model::ClassProbabilities> proba;
  for (int minutes : features::kHorizonsMin) {
    ASSERT_OK_AND_ASSIGN(std::string json, fs_->ReadAll("models/v1/model_" + std::to_string(minutes) + "m.json"));
    ASSERT_OK_AND_ASSIGN(auto classifier, model::CongestionClassifier::FromJson(json, {}));
    ASSERT_OK_AND_ASSIGN(auto p, classifier.PredictProba(input));
    proba.push_back(std::move(p));
  }
  size_t compared = 0;
  for (const auto& r : records) {
    const int64_t t_ms = core::ToEpochSeconds(r.window_end) * 1000;
    auto it = batch_index.find({t_ms, grid.Index(r.cell)});
    if (it == batch_index.end()) {  // only an embargoed training row has no batch example
      EXPECT_LT(t_ms, split_ms);
      EXPECT_GT(t_ms + 60 * 60 * 1000, split_ms);
      continue;
    }
    for (int h = 0; h < features::kHorizonCount; ++h) {
      ASSERT_TRUE(r.forecasts[static_cast<size_t>(h)].has_value());
      auto p = proba[static_cast<size_t>(h)].Row(it->second);
      const int best = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
      EXPECT_EQ(static_cast<int>(r.forecasts[static_cast<size_t>(h)]->level), best);
      EXPECT_FLOAT_EQ(static_cast<float>(r.forecasts[static_cast<size_t>(h)]->confidence), p[best]);
    }
    ++compared;
  }
  EXPECT_GT(compared, records.size() * 9 / 10);  // a record per window with trips, nearly all compared
}

TEST_F(StreamProcessorTest, BadMessagesBecomeDeadLettersWithReasons) {
  StreamProcessor processor(StreamOptions{}, nullptr);
  processor.AdvanceProcessingTime(core::NewYorkToUtc({2016, 1, 4, 12, 0, 0}));
  std::vector<codec::DeadLetterRecord> dead;
  processor.Process({0, 1, "28_27", "{not json"}, &dead);
  processor.Process({0, 2, "28_27", R"({"event_id":"0123456789abcdef"})"}, &dead);
  trip::Trip t;
  t.pickup_time = core::NewYorkToUtc({2016, 1, 4, 11, 0, 0});
  t.dropoff_time = core::NewYorkToUtc({2016, 1, 4, 11, 20, 0});
  t.pickup_lat = 40.7580;
  t.pickup_lon = -73.9855;
  t.dropoff_lat = 40.75;
  t.dropoff_lon = -73.99;
  t.distance_mi = 2;
  t.event_id = 42;
  std::string good;
  codec::AppendTripMessage(t, {28, 27}, true, &good);
  processor.Process({0, 3, "28_27", good}, &dead);
  // Ten minutes later in event time: the first event's window closes; then a late one.
  trip::Trip later = t;
  later.dropoff_time += std::chrono::minutes(10);
  later.event_id = 43;
  std::string later_msg;
  codec::AppendTripMessage(later, {28, 27}, true, &later_msg);
  processor.Process({0, 4, "28_27", later_msg}, &dead);
  trip::Trip late = t;
  late.event_id = 44;
  late.dropoff_time -= std::chrono::minutes(1);
  std::string late_msg;
  codec::AppendTripMessage(late, {28, 27}, true, &late_msg);
  processor.Process({0, 5, "28_27", late_msg}, &dead);
  trip::Trip future = t;
  future.event_id = 45;
  future.pickup_time += std::chrono::hours(5);
  future.dropoff_time += std::chrono::hours(5);
  std::string future_msg;
  codec::AppendTripMessage(future, {28, 27}, true, &future_msg);
  processor.Process({0, 6, "28_27", future_msg}, &dead);

  ASSERT_EQ(dead.size(), 4u);
  EXPECT_EQ(dead[0].kind, codec::DeadLetterKind::kMalformed);
  EXPECT_NE(dead[0].reason.find("malformed"), std::string::npos) << dead[0].reason;
  EXPECT_EQ(dead[0].source_offset, 1);
  EXPECT_EQ(dead[1].kind, codec::DeadLetterKind::kMalformed);
  EXPECT_NE(dead[1].reason.find("missing"), std::string::npos) << dead[1].reason;
  EXPECT_EQ(dead[2].kind, codec::DeadLetterKind::kLate);
  EXPECT_TRUE(dead[2].watermark.has_value());
  EXPECT_EQ(dead[3].kind, codec::DeadLetterKind::kInvalid);
  EXPECT_NE(dead[3].reason.find("ahead of processing time"), std::string::npos) << dead[3].reason;
  EXPECT_EQ(processor.counters().malformed, 2);
  EXPECT_EQ(processor.counters().late, 1);
  EXPECT_EQ(processor.counters().invalid, 1);
  std::vector<codec::PredictionRecord> records;
  ASSERT_OK(processor.Finish(&records));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].trip_count, 1);
  EXPECT_EQ(records[0].congestion_level, window::CongestionLevel::kHigh);  // 6 mph
  EXPECT_FALSE(records[0].forecasts[0].has_value());  // forecasts off without a model
}

TEST(StreamProcessor, AMessageInTheWrongPartitionIsAnInvalidDeadLetter) {
  StreamOptions options;
  options.partition_count = 4;  // 28_27 belongs in partition 2 (message_key.h)
  StreamProcessor processor(options, nullptr);
  trip::Trip t;
  t.pickup_time = core::NewYorkToUtc({2016, 1, 4, 11, 0, 0});
  t.dropoff_time = core::NewYorkToUtc({2016, 1, 4, 11, 20, 0});
  t.pickup_lat = 40.7580;
  t.pickup_lon = -73.9855;
  t.dropoff_lat = 40.75;
  t.dropoff_lon = -73.99;
  t.distance_mi = 2;
  t.event_id = 42;
  std::string message;
  codec::AppendTripMessage(t, {28, 27}, true, &message);
  ASSERT_EQ(codec::PartitionForCell({28, 27}, 4), 2);
  std::vector<codec::DeadLetterRecord> dead;
  processor.Process({2, 10, "28_27", message}, &dead);
  EXPECT_TRUE(dead.empty());
  processor.Process({1, 11, "28_27", message}, &dead);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].kind, codec::DeadLetterKind::kInvalid);
  EXPECT_EQ(dead[0].source_partition, 1);
  EXPECT_EQ(dead[0].source_offset, 11);
  EXPECT_NE(dead[0].reason.find("belongs in partition 2"), std::string::npos) << dead[0].reason;
  EXPECT_EQ(processor.counters().invalid, 1);
  EXPECT_EQ(processor.counters().accepted, 1);
  // Without a partition count the placement is not checked.
  StreamProcessor unchecked(StreamOptions{}, nullptr);
  dead.clear();
  unchecked.Process({1, 11, "28_27", message}, &dead);
  EXPECT_TRUE(dead.empty());
  EXPECT_EQ(unchecked.counters().accepted, 1);
}

}  // namespace
}  // namespace traffic::pipeline
