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
#include "traffic/core/coding.h"
#include "traffic/csv/layout.h"
#include "traffic/csv/trip_parser.h"
#include "traffic/generate/generator.h"
#include "traffic/model/classifier.h"
#include "traffic/model/evaluation.h"
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

// A clean 20-minute, 2-mile trip picked up at Times Square (cell 28_27), ending `minute` minutes
// after 2016-01-04 11:00 New York.
trip::Trip TimesSquareTrip(uint64_t id, int minute = 20) {
  trip::Trip t;
  t.pickup_time = core::NewYorkToUtc({2016, 1, 4, 11, 0, 0}) + std::chrono::minutes(minute - 20);
  t.dropoff_time = t.pickup_time + std::chrono::minutes(20);
  t.pickup_lat = 40.7580;
  t.pickup_lon = -73.9855;
  t.dropoff_lat = 40.75;
  t.dropoff_lon = -73.99;
  t.distance_mi = 2;
  t.event_id = id;
  return t;
}

std::string Message(const trip::Trip& t) {
  std::string s;
  codec::AppendTripMessage(t, *geo::Grid().Locate(t.pickup_lat, t.pickup_lon), false, &s);
  return s;
}

std::string KeyOf(const trip::Trip& t) { return geo::Grid().Locate(t.pickup_lat, t.pickup_lon)->ToString(); }

window::CellMask AllCells() {
  return window::SelectCells(geo::GridSpec{}, [](geo::CellId) { return true; });
}

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
  fo.hold_out_own_hours = false;  // the stream never holds out; with it, training rows' profile differs
  ASSERT_OK_AND_ASSIGN(FeaturesSummary features, RunFeatures(*fs_, fo));
  TrainOptions train;
  train.features_dir = "features";
  train.models_dir = "models";
  train.version = "v1";
  train.classifier.num_rounds = 6;
  train.classifier.nthread = 1;
  train.promote = true;  // a small model may lose a horizon: persistence then stands in, compared too
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
    if (offset % 997 == 0) {
      ASSERT_OK(processor.Drain(&records));
    }
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

  // Forecasts: each record's equal the model's prediction on the batch row of its window end (its
  // decision rule on the probabilities), or persistence's where the record says persistence
  // published (the card's verdict or the live guard).
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
  const auto& names = features::FeatureNames();
  const size_t speed_15m = std::find(names.begin(), names.end(), "speed_15m") - names.begin();
  const size_t speed_60m = std::find(names.begin(), names.end(), "speed_60m") - names.begin();
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
      const auto& forecast = *r.forecasts[static_cast<size_t>(h)];
      if (forecast.source == codec::ForecastSource::kPersistence) {
        const float* b = batch->Row(it->second);
        EXPECT_EQ(static_cast<int>(forecast.level), model::PersistenceLevel(b[speed_15m], b[speed_60m], {}));
        continue;
      }
      auto p = proba[static_cast<size_t>(h)].Row(it->second);
      const int best = forecaster->rule(static_cast<size_t>(h)).Decide(p);
      EXPECT_EQ(static_cast<int>(forecast.level), best);
      EXPECT_FLOAT_EQ(static_cast<float>(forecast.confidence), p[best]);
    }
    ++compared;
  }
  EXPECT_GT(compared, records.size() * 9 / 10);  // a record per window with trips, nearly all compared

  // Live scores: what the stream scored equals scoring the batch's own targets and predictions
  // on the rows it forecast, with the same sliding period. The stream knows a forecast's truth
  // once its longest horizon has passed, so rows of the last hour are never scored live.
  const size_t profile_speed = std::find(names.begin(), names.end(), "profile_speed") - names.begin();
  std::vector<std::pair<int64_t, size_t>> forecast_rows;  // (t_ms, batch row)
  int64_t last_end_ms = 0;
  for (const auto& r : records) last_end_ms = std::max(last_end_ms, core::ToEpochSeconds(r.window_end) * 1000);
  for (const auto& r : records) {
    const int64_t t_ms = core::ToEpochSeconds(r.window_end) * 1000;
    auto it = batch_index.find({t_ms, grid.Index(r.cell)});
    if (it != batch_index.end() && t_ms + 60 * 60 * 1000 < last_end_ms) forecast_rows.emplace_back(t_ms, it->second);
  }
  std::sort(forecast_rows.begin(), forecast_rows.end());
  model::LiveScores expected(so.score_period);
  for (const auto& [t_ms, i] : forecast_rows) {
    const float* b = batch->Row(i);
    for (int h = 0; h < features::kHorizonCount; ++h) {
      const int actual = batch->targets[static_cast<size_t>(h)][i];
      if (actual < 0) continue;
      const int model_level = forecaster->rule(static_cast<size_t>(h)).Decide(proba[static_cast<size_t>(h)].Row(i));
      expected.Add(core::FromEpochSeconds(t_ms / 1000), h, actual,
                   {model_level, model::PersistenceLevel(b[speed_15m], b[speed_60m], {}),
                    model::ProfileLevel(b[profile_speed], {})});
    }
  }
  const auto live = processor.LiveScoresNow();
  const auto want = expected.Current();
  for (int h = 0; h < features::kHorizonCount; ++h) {
    for (int p = 0; p < model::kLivePredictors; ++p) {
      const auto& got = live[static_cast<size_t>(h)].by_predictor[static_cast<size_t>(p)];
      const auto& exp = want[static_cast<size_t>(h)].by_predictor[static_cast<size_t>(p)];
      EXPECT_GT(exp.count, 500) << "horizon " << h;
      EXPECT_EQ(got.count, exp.count) << "horizon " << h << " predictor " << p;
      EXPECT_DOUBLE_EQ(got.macro_f1, exp.macro_f1) << "horizon " << h << " predictor " << p;
      EXPECT_DOUBLE_EQ(got.accuracy, exp.accuracy) << "horizon " << h << " predictor " << p;
    }
  }
}

// Regression (issue 8): the stream accepted what `clean` rejects; a window was published at
// 817.5 mph as "Low". Every cleaning rule now dead-letters with the rule's reason.
TEST(StreamProcessorRules, TripsCleanRejectsAreDeadLettersWithTheRulesReason) {
  StreamProcessor processor(StreamOptions{}, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  struct Case {
    const char* reason;
    trip::RejectReason rule;
    std::function<void(trip::Trip&)> make;
  };
  std::vector<Case> cases = {
      {"speed_out_of_range: 3000 mph", trip::RejectReason::kSpeedOutOfRange,
       [](trip::Trip& t) {
         t.distance_mi = 100;
         t.pickup_time = t.dropoff_time - std::chrono::seconds(120);
       }},
      {"dropoff_not_after_pickup: dropoff 0 s", trip::RejectReason::kDropoffNotAfterPickup,
       [](trip::Trip& t) { t.pickup_time = t.dropoff_time; }},
      {"distance_out_of_range: 1000 mi", trip::RejectReason::kDistanceOutOfRange,
       [](trip::Trip& t) { t.distance_mi = 1000; }},
      {"dropoff_not_after_pickup: dropoff -600 s", trip::RejectReason::kDropoffNotAfterPickup,
       [](trip::Trip& t) { t.pickup_time = t.dropoff_time + std::chrono::minutes(10); }},
      {"duration_out_of_range: 30 s", trip::RejectReason::kDurationOutOfRange,
       [](trip::Trip& t) {
         t.pickup_time = t.dropoff_time - std::chrono::seconds(30);
         t.distance_mi = 0.2;
       }},
      {"duration_out_of_range: 10801 s", trip::RejectReason::kDurationOutOfRange,
       [](trip::Trip& t) {
         t.pickup_time = t.dropoff_time - std::chrono::seconds(10801);
         t.distance_mi = 30;
       }},
      {"distance_out_of_range: 0.05 mi", trip::RejectReason::kDistanceOutOfRange,
       [](trip::Trip& t) { t.distance_mi = 0.05; }},
      {"speed_out_of_range: 0.6 mph", trip::RejectReason::kSpeedOutOfRange, [](trip::Trip& t) { t.distance_mi = 0.2; }},
      // In the grid (it reaches 40.9274) but outside the cleaning box (40.9176).
      {"pickup_out_of_bounds: pickup (40.92, -73.9855)", trip::RejectReason::kPickupOutOfBounds,
       [](trip::Trip& t) { t.pickup_lat = 40.92; }},
      {"dropoff_out_of_bounds: dropoff (40.75, -73.6)", trip::RejectReason::kDropoffOutOfBounds,
       [](trip::Trip& t) { t.dropoff_lon = -73.6; }},
  };
  int64_t offset = 0;
  for (const Case& c : cases) {
    trip::Trip t = TimesSquareTrip(static_cast<uint64_t>(100 + offset));
    c.make(t);
    processor.Process({0, offset++, KeyOf(t), Message(t)}, &dead);
  }
  ASSERT_EQ(dead.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(dead[i].kind, codec::DeadLetterKind::kInvalid) << dead[i].reason;
    EXPECT_EQ(dead[i].reason.substr(0, std::string_view(cases[i].reason).size()), cases[i].reason) << dead[i].reason;
    EXPECT_EQ(dead[i].source_offset, static_cast<int64_t>(i));
    EXPECT_TRUE(dead[i].event_time.has_value());
  }
  const StreamCounters& k = processor.counters();
  EXPECT_EQ(k.accepted, 0);
  EXPECT_EQ(k.invalid, static_cast<int64_t>(cases.size()));
  EXPECT_EQ(k.rejects.Total(), static_cast<int64_t>(cases.size()));
  EXPECT_EQ(k.rejects.Get(trip::RejectReason::kSpeedOutOfRange), 2);
  EXPECT_EQ(k.rejects.Get(trip::RejectReason::kDropoffNotAfterPickup), 2);
  EXPECT_EQ(k.rejects.Get(trip::RejectReason::kDurationOutOfRange), 2);
  EXPECT_EQ(k.rejects.Get(trip::RejectReason::kPickupOutOfBounds), 1);
  std::vector<codec::PredictionRecord> records;
  ASSERT_TRUE(processor.Finish(&records).ok());
  EXPECT_TRUE(records.empty());  // nothing aggregated
}

TEST(StreamProcessorRules, TheRulesAreTheOptionsGiven) {
  StreamOptions options;
  options.rules.max_speed_mph = 5;  // as `clean --max-speed 5`
  StreamProcessor processor(options, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  trip::Trip t = TimesSquareTrip(1);  // 6 mph
  processor.Process({0, 0, KeyOf(t), Message(t)}, &dead);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].reason, "speed_out_of_range: 6 mph (allowed 1..5)");
}

// Regression (issue 8): the same event_id twice was counted twice.
TEST(StreamProcessorRules, ExactDuplicatesInAnOpenWindowAreDroppedAndCounted) {
  StreamProcessor processor(StreamOptions{}, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  trip::Trip t = TimesSquareTrip(0x9f86d081884c7d65);
  trip::Trip other = TimesSquareTrip(2);  // same window, another trip
  processor.Process({0, 0, KeyOf(t), Message(t)}, &dead);
  processor.Process({0, 1, KeyOf(other), Message(other)}, &dead);
  processor.Process({0, 2, KeyOf(t), Message(t)}, &dead);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].kind, codec::DeadLetterKind::kInvalid);
  EXPECT_EQ(dead[0].reason,
            "duplicate: event_id 9f86d081884c7d65 already counted in the window 2016-01-04T16:20:00Z of cell 28_27");
  EXPECT_EQ(dead[0].source_offset, 2);
  EXPECT_EQ(processor.counters().duplicates, 1);
  EXPECT_EQ(processor.counters().rejects.Get(trip::RejectReason::kDuplicate), 1);
  EXPECT_EQ(processor.counters().accepted, 2);
  std::vector<codec::PredictionRecord> records;
  ASSERT_TRUE(processor.Finish(&records).ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].trip_count, 2);
}

TEST(StreamProcessorRules, DuplicateIdsAreForgottenWhenTheirWindowCloses) {
  StreamProcessor processor(StreamOptions{}, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  // Ten events a minute for three hours: the ids held stay those of the open windows.
  size_t most = 0;
  for (int minute = 0; minute < 180; ++minute) {
    for (int i = 0; i < 10; ++i) {
      trip::Trip t = TimesSquareTrip(static_cast<uint64_t>(minute * 10 + i + 1), 20 + minute);
      processor.Process({0, minute * 10 + i, KeyOf(t), Message(t)}, &dead);
    }
    most = std::max(most, processor.duplicate_ids_held());
  }
  EXPECT_TRUE(dead.empty());
  EXPECT_LE(most, 40u);  // lateness 2 min: at most the current and 3 older windows
  // A copy of a closed window's event is late, not a duplicate.
  trip::Trip old = TimesSquareTrip(1, 20);
  processor.Process({0, 9999, KeyOf(old), Message(old)}, &dead);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].kind, codec::DeadLetterKind::kLate);
}

// Exactly once: the ids are part of the partition state, so a duplicate that arrives after a
// restart (the state restored from the last transaction) is still dropped.
TEST(StreamProcessorRules, DuplicateIdsSurviveASnapshotAndRestore) {
  StreamOptions options;
  StreamProcessor before(options, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  trip::Trip t = TimesSquareTrip(7);
  before.Process({0, 0, KeyOf(t), Message(t)}, &dead);
  std::string state = before.SnapshotPartition(0, AllCells());

  StreamProcessor after(options, nullptr);
  ASSERT_TRUE(after.RestorePartition(0, state).ok());
  after.Process({0, 1, KeyOf(t), Message(t)}, &dead);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].reason.substr(0, 10), "duplicate:");
  std::vector<codec::PredictionRecord> records;
  ASSERT_TRUE(after.Finish(&records).ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].trip_count, 1);

  // The ids of cells outside the snapshot's mask stay out of it.
  window::CellMask none(AllCells().size(), false);
  StreamProcessor elsewhere(options, nullptr);
  ASSERT_TRUE(elsewhere.RestorePartition(0, before.SnapshotPartition(0, none)).ok());
  elsewhere.Process({0, 1, KeyOf(t), Message(t)}, &dead);
  EXPECT_EQ(elsewhere.counters().accepted, 1);

  // Corrupt state is refused with the partition named, the processor unchanged.
  std::string bad = state;
  bad[bad.size() - 3] ^= 1;
  core::Status st = StreamProcessor(options, nullptr).RestorePartition(3, bad);
  EXPECT_EQ(st.code(), core::StatusCode::kCorrupt);
  EXPECT_NE(st.message().find("partition 3"), std::string::npos) << st.message();
}

// A state topic written before the ids were kept ("TRSS1") still restores, without ids.
TEST(StreamProcessorRules, RestoresTheStateWrittenBeforeTheIds) {
  StreamOptions options;
  StreamProcessor before(options, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  trip::Trip t = TimesSquareTrip(7);
  before.Process({0, 0, KeyOf(t), Message(t)}, &dead);
  std::string w = before.windower().SnapshotPartition(0, AllCells());
  std::string old = "TRSS1";
  core::PutFixed64(&old, w.size());
  old += w + before.feature_builder().SnapshotCells(AllCells());
  StreamProcessor after(options, nullptr);
  ASSERT_TRUE(after.RestorePartition(0, old).ok());
  trip::Trip next = TimesSquareTrip(8);
  after.Process({0, 1, KeyOf(next), Message(next)}, &dead);
  std::vector<codec::PredictionRecord> records;
  ASSERT_TRUE(after.Finish(&records).ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].trip_count, 2);  // the restored window and the new event
}

// Regression (issue 8): the key was not compared with the cell.
TEST(StreamProcessorRules, TheKeyMustBeTheCell) {
  StreamProcessor processor(StreamOptions{}, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  trip::Trip t = TimesSquareTrip(1);
  processor.Process({0, 0, "28_28", Message(t)}, &dead);
  processor.Process({0, 1, "", Message(t)}, &dead);
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].kind, codec::DeadLetterKind::kInvalid);
  EXPECT_EQ(dead[0].reason, "key: \"28_28\" is not the message's cell_id 28_27");
  EXPECT_EQ(dead[1].reason, "key: missing (expected the cell_id 28_27)");
  EXPECT_EQ(processor.counters().invalid, 2);
  EXPECT_EQ(processor.counters().accepted, 0);
}

TEST(StreamProcessorRules, EmptyNullAndTrailingMessagesAreMalformed) {
  StreamProcessor processor(StreamOptions{}, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  trip::Trip t = TimesSquareTrip(1);
  const std::string good = Message(t);
  for (std::string value : {std::string(), std::string("null"), good + " " + good, good + "}", good + "{}"}) {
    processor.Process({0, 0, "28_27", value}, &dead);
  }
  ASSERT_EQ(dead.size(), 5u);
  for (const auto& d : dead) {
    EXPECT_EQ(d.kind, codec::DeadLetterKind::kMalformed) << d.payload;
    EXPECT_EQ(d.reason.substr(0, 15), "malformed JSON:") << d.reason;
  }
  EXPECT_EQ(processor.counters().malformed, 5);
}

// Regression (issue 8): after a restart, a producer that replays its first day again had every
// event dead-lettered as late, silently. A mostly-late period now raises one alarm naming the
// restored watermark and the likely cause.
TEST(StreamProcessorLateAlarm, AReplayBehindTheRestoredWatermarkRaisesOneAlarm) {
  StreamOptions options;
  StreamProcessor first(options, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  // The first run went up to day 2, 11:20 New York.
  trip::Trip ahead = TimesSquareTrip(1, 20 + 24 * 60);
  first.Process({0, 0, KeyOf(ahead), Message(ahead)}, &dead);
  StreamProcessor restarted(options, nullptr);
  ASSERT_TRUE(restarted.RestorePartition(0, first.SnapshotPartition(0, AllCells())).ok());
  // The replay starts again at day 1: 3,500 events, every one late.
  for (int i = 0; i < 3500; ++i) {
    trip::Trip t = TimesSquareTrip(static_cast<uint64_t>(100 + i), 20 + i / 60);
    restarted.Process({0, 1 + i, KeyOf(t), Message(t)}, &dead);
  }
  restarted.CloseLatePeriod();
  std::vector<LateAlarm> alarms;
  restarted.TakeLateAlarms(&alarms);
  ASSERT_EQ(alarms.size(), 1u);  // once, not once per period
  EXPECT_EQ(restarted.counters().late, 3500);
  EXPECT_EQ(restarted.counters().late_periods, 4);  // 3 full periods and the closing 500
  EXPECT_EQ(alarms[0].late, 1000);
  ASSERT_TRUE(alarms[0].restored_watermark.has_value());
  EXPECT_EQ(core::FormatIsoUtc(*alarms[0].restored_watermark), "2016-01-05T16:18:00Z");
  const std::string text = alarms[0].Describe();
  EXPECT_NE(text.find("most events are late: 1000 of the last 1000 messages (100%)"), std::string::npos) << text;
  EXPECT_NE(text.find("event times 2016-01-04T16:20:00Z .. 2016-01-04T16:36:00Z"), std::string::npos) << text;
  EXPECT_NE(text.find("restored from the state topic at 2016-01-05T16:18:00Z"), std::string::npos) << text;
  EXPECT_NE(text.find("traffic produce --synthetic"), std::string::npos) << text;
  restarted.TakeLateAlarms(&alarms);
  EXPECT_EQ(alarms.size(), 1u);  // taken
}

TEST(StreamProcessorLateAlarm, AFewLateEventsRaiseNothing) {
  StreamProcessor processor(StreamOptions{}, nullptr);
  std::vector<codec::DeadLetterRecord> dead;
  for (int i = 0; i < 3000; ++i) {
    // Every tenth event is five minutes behind: late, but far from most.
    int minute = 20 + i / 20 - (i % 10 == 9 ? 5 : 0);
    trip::Trip t = TimesSquareTrip(static_cast<uint64_t>(1 + i), minute);
    processor.Process({0, i, KeyOf(t), Message(t)}, &dead);
  }
  processor.CloseLatePeriod();
  std::vector<LateAlarm> alarms;
  processor.TakeLateAlarms(&alarms);
  EXPECT_GT(processor.counters().late, 200);
  EXPECT_TRUE(alarms.empty());
  EXPECT_EQ(processor.counters().late_periods, 0);
}

// The parity of issue 8: raw trips, bad ones included, give the same windows, feature rows and
// reject counts through `clean` -> `features` as through raw taxi-trips messages -> the stream.
TEST_F(StreamProcessorTest, RawTripsWithBadOnesGiveTheSameWindowsAsCleanThenFeatures) {
  generate::GeneratorOptions g;
  g.days = 3;
  g.trips_per_day = 4000;
  generate::TripGenerator generator(g, &reference_->land);
  std::string csv = std::string(generate::Yellow2015Header()) + "\n";
  trip::Trip t;
  int n = 0;
  while (generator.Next(&t)) {
    switch (++n % 97) {
      case 1:
        t.distance_mi *= 300;
        break;  // thousands of mph
      case 2:
        t.dropoff_time = t.pickup_time;
        break;  // 0 seconds
      case 3:
        t.distance_mi = 1000;
        break;  // 1,000 miles
      case 4:
        std::swap(t.pickup_time, t.dropoff_time);
        break;  // dropoff before pickup
      case 5:
        t.pickup_lat = 40.92;
        break;  // outside the box, in the grid
      case 6:
        t.dropoff_time = t.pickup_time + std::chrono::seconds(30);
        break;
      case 7:
        generate::AppendYellow2015Row(t, &csv);
        break;  // an exact duplicate
      default:
        break;
    }
    generate::AppendYellow2015Row(t, &csv);
  }
  ASSERT_TRUE(fs_->WriteAll("raw/trips.csv", csv).ok());

  // Batch: clean -> features, and the windows of the clean trips (what `features` windows).
  CleanOptions clean;
  clean.inputs = {"raw"};
  clean.output_dir = "processed";
  auto cleaned = RunClean(*fs_, *fs_, *fs_, *reference_, geo::Grid(), clean);
  ASSERT_TRUE(cleaned.ok()) << cleaned.status().message();
  ASSERT_GT(cleaned->rejects.Total(), 500);
  FeaturesOptions fo;
  fo.processed_dir = "processed";
  fo.features_dir = "features";
  fo.test_days = 1;
  fo.hold_out_own_hours = false;  // the stream never holds out; with it, training rows' profile differs
  ASSERT_TRUE(RunFeatures(*fs_, fo).ok());
  auto batch = ReadExamples(*fs_, {"features/part-00000.parquet"});
  ASSERT_TRUE(batch.ok());
  auto profile = features::HistoricalProfile::Parse(*fs_->ReadAll("features/profile.txt"));
  ASSERT_TRUE(profile.ok());
  geo::Grid grid;
  std::map<std::pair<int64_t, int>, window::TripStats> batch_windows;
  {
    auto partitions = ListTripPartitions(*fs_, "processed");
    ASSERT_TRUE(partitions.ok());
    auto trips = TripStream::Open(*fs_, *partitions);
    ASSERT_TRUE(trips.ok());
    window::Windower windower;
    StoredTrip stored;
    while (*(*trips)->Next(&stored)) ASSERT_TRUE(windower.Add(window::EventFromTrip(stored.trip, stored.cell)).ok());
    windower.Flush();
    std::vector<window::WindowAggregate> closed;
    windower.TakeClosed(&closed);
    for (const auto& w : closed) batch_windows[{core::ToEpochSeconds(w.window_start), grid.Index(w.cell)}] = w.stats;
  }

  // Stream: every raw row (parsed, not cleaned) as a message, in event-time order, 4 partitions.
  auto layout = csv::DetectLayout(generate::Yellow2015Header());
  ASSERT_TRUE(layout.ok());
  csv::TripRowParser parser(*layout, &reference_->zones);
  std::vector<trip::Trip> raw;
  size_t at = csv.find('\n') + 1;
  while (at < csv.size()) {
    size_t end = csv.find('\n', at);
    trip::Trip parsed;
    ASSERT_FALSE(parser.Parse(std::string_view(csv).substr(at, end - at), &parsed).has_value());
    raw.push_back(parsed);
    at = end + 1;
  }
  std::stable_sort(raw.begin(), raw.end(),
                   [](const trip::Trip& a, const trip::Trip& b) { return a.dropoff_time < b.dropoff_time; });
  StreamOptions so;
  so.profile = &*profile;
  so.partition_count = 4;
  StreamProcessor processor(so, nullptr);
  std::map<std::pair<int64_t, int>, std::vector<float>> stream_rows;
  processor.set_on_feature_row([&](const features::FeatureRow& row) {
    std::vector<float> v(features::kFeatureCount);
    features::ToVector(row, v.data());
    stream_rows[{core::ToEpochSeconds(row.t) * 1000, grid.Index(row.cell)}] = v;
  });
  for (int p = 0; p < 4; ++p) processor.RegisterPartition(p);
  std::vector<codec::DeadLetterRecord> dead;
  std::vector<codec::PredictionRecord> records;
  std::string value, key;
  int64_t offset = 0;
  for (const trip::Trip& r : raw) {
    std::optional<geo::CellId> cell = grid.Locate(r.pickup_lat, r.pickup_lon);
    ASSERT_TRUE(cell.has_value());
    value.clear();
    key.clear();
    codec::AppendTripMessage(r, *cell, reference_->manhattan.Contains(r.pickup_lat, r.pickup_lon), &value);
    codec::AppendCellKey(*cell, &key);
    processor.Process({codec::PartitionForCell(*cell, 4), offset++, key, value}, &dead);
    if (offset % 997 == 0) {
      ASSERT_OK(processor.Drain(&records));
    }
  }
  ASSERT_TRUE(processor.Finish(&records).ok());

  // The same rejects, reason by reason, and nothing else refused.
  const StreamCounters& k = processor.counters();
  for (int i = 0; i < trip::kRejectReasonCount; ++i) {
    auto reason = static_cast<trip::RejectReason>(i);
    EXPECT_EQ(k.rejects.Get(reason), cleaned->rejects.Get(reason)) << trip::RejectReasonName(reason);
  }
  EXPECT_EQ(static_cast<int64_t>(dead.size()), cleaned->rejects.Total());
  EXPECT_EQ(k.late, 0);
  EXPECT_EQ(k.malformed, 0);
  EXPECT_EQ(k.accepted, cleaned->rows_written);

  // The same windows.
  ASSERT_EQ(records.size(), batch_windows.size());
  for (const auto& r : records) {
    auto it = batch_windows.find({core::ToEpochSeconds(r.window_start), grid.Index(r.cell)});
    ASSERT_NE(it, batch_windows.end()) << "stream window not in the batch: " << core::FormatIsoUtc(r.window_start);
    EXPECT_EQ(r.trip_count, it->second.trip_count);
    EXPECT_EQ(r.avg_speed_mph, it->second.avg_speed_mph());
  }
  // The same feature rows.
  for (size_t i = 0; i < batch->rows(); ++i) {
    auto it = stream_rows.find({batch->t_ms[i], grid.Index(batch->cells[i])});
    ASSERT_NE(it, stream_rows.end()) << "no stream row for a batch row at " << batch->t_ms[i];
    const float* b = batch->Row(i);
    for (int f = 0; f < features::kFeatureCount; ++f) {
      float s = it->second[static_cast<size_t>(f)];
      ASSERT_TRUE((std::isnan(s) && std::isnan(b[f])) || s == b[f])
          << features::FeatureNames()[static_cast<size_t>(f)] << ": stream " << s << ", batch " << b[f];
    }
  }
  EXPECT_GT(batch->rows(), 5000u);
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
  EXPECT_FALSE(records[0].forecasts[0].has_value());                       // forecasts off without a model
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

// Regression: Merge left late_periods out, so a Kafka worker's summary (the counters of each
// assignment, merged) said "late_periods": 0 beside its late warning.
TEST(StreamCountersTest, MergeAddsEveryField) {
  StreamCounters a, b;
  b.messages = 1;
  b.accepted = 2;
  b.malformed = 3;
  b.invalid = 4;
  b.duplicates = 5;
  b.late = 6;
  b.windows = 7;
  b.forecasts = 8;
  b.late_periods = 9;
  b.rejects.Add(trip::RejectReason::kSpeedOutOfRange);
  a.Merge(b);
  a.Merge(b);
  EXPECT_EQ(a.messages, 2);
  EXPECT_EQ(a.accepted, 4);
  EXPECT_EQ(a.malformed, 6);
  EXPECT_EQ(a.invalid, 8);
  EXPECT_EQ(a.duplicates, 10);
  EXPECT_EQ(a.late, 12);
  EXPECT_EQ(a.windows, 14);
  EXPECT_EQ(a.forecasts, 16);
  EXPECT_EQ(a.late_periods, 18);
  EXPECT_EQ(a.rejects.Get(trip::RejectReason::kSpeedOutOfRange), 2);
}

}  // namespace
}  // namespace traffic::pipeline
