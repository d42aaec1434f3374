#include "traffic/model/classifier.h"

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <algorithm>

#include "traffic/model/metrics.h"
#include "traffic/model/xgboost_booster.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::model {
namespace {

const std::vector<std::string> kNames = {"speed_recent_mph", "trip_count", "hour_local"};

// A clearly separable 3-class problem: the class is the speed band of feature 0 (like the
// congestion levels: > 20 Low, 10..20 Medium, < 10 High); features 1 and 2 are noise, and
// feature 1 is missing (NaN) in about one row in ten.
struct Synthetic {
  std::vector<float> values;
  std::vector<int> labels;
  std::size_t rows = 0;

  FeatureMatrix Matrix(const std::vector<std::string>& names = kNames) const {
    return FeatureMatrix{values, rows, names};
  }
  LabeledData Labeled() const { return LabeledData{Matrix(), labels}; }
};

Synthetic MakeSynthetic(std::size_t rows, std::uint32_t seed) {
  std::mt19937 gen(seed);  // mt19937's sequence is fixed by the standard
  auto uniform = [&gen](double lo, double hi) { return lo + (hi - lo) * (static_cast<double>(gen()) / 4294967296.0); };
  Synthetic s;
  s.rows = rows;
  for (std::size_t i = 0; i < rows; ++i) {
    double speed = uniform(0, 30);
    int label = speed > 20 ? 0 : (speed >= 10 ? 1 : 2);
    s.values.push_back(static_cast<float>(speed));
    s.values.push_back(uniform(0, 1) < 0.1 ? std::numeric_limits<float>::quiet_NaN()
                                           : static_cast<float>(uniform(0, 50)));
    s.values.push_back(static_cast<float>(std::floor(uniform(0, 24))));
    s.labels.push_back(label);
  }
  return s;
}

ClassifierOptions SmallOptions() {
  ClassifierOptions o;
  o.num_rounds = 30;
  o.max_depth = 3;
  o.eta = 0.3;
  o.nthread = 2;
  o.seed = 7;
  return o;
}

std::vector<int> Labels(const std::vector<ClassPrediction>& p) {
  std::vector<int> out;
  for (const auto& x : p) out.push_back(x.label);
  return out;
}

TEST(ClassifierTest, LearnsASeparableProblem) {
  Synthetic train = MakeSynthetic(900, 1);
  Synthetic test = MakeSynthetic(300, 2);
  auto model = CongestionClassifier::Train(train.Labeled(), SmallOptions());
  ASSERT_OK(model);
  EXPECT_EQ(model->feature_names(), kNames);
  EXPECT_EQ(model->num_boosted_rounds(), 30);

  auto proba = model->PredictProba(test.Matrix());
  ASSERT_OK(proba);
  ASSERT_EQ(proba->num_rows, 300u);
  ASSERT_EQ(proba->values.size(), 900u);
  for (std::size_t i = 0; i < proba->num_rows; ++i) {
    auto row = proba->Row(i);
    EXPECT_NEAR(row[0] + row[1] + row[2], 1.0, 1e-5);
  }
  auto pred = model->Predict(test.Matrix());
  ASSERT_OK(pred);
  auto report = Evaluate(test.labels, Labels(*pred));
  ASSERT_OK(report);
  EXPECT_GT(report->accuracy, 0.97) << report->FormatTable();
  EXPECT_GT(report->macro_f1, 0.97) << report->FormatTable();
  // Each prediction is the row's most probable class (lowest on ties) and that probability.
  ASSERT_EQ(pred->size(), proba->num_rows);
  for (std::size_t i = 0; i < pred->size(); ++i) {
    auto row = proba->Row(i);
    const int best = static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());
    EXPECT_EQ((*pred)[i].label, best) << "row " << i;
    EXPECT_FLOAT_EQ((*pred)[i].confidence, row[best]) << "row " << i;
  }
}

TEST(ClassifierTest, SameSeedGivesIdenticalModelsAndPredictions) {
  Synthetic train = MakeSynthetic(600, 3);
  Synthetic test = MakeSynthetic(200, 4);
  ClassifierOptions o = SmallOptions();
  o.subsample = 0.7;  // make the seed matter
  o.colsample_bytree = 0.67;
  auto a = CongestionClassifier::Train(train.Labeled(), o);
  auto b = CongestionClassifier::Train(train.Labeled(), o);
  ASSERT_OK(a);
  ASSERT_OK(b);
  auto pa = a->PredictProba(test.Matrix());
  auto pb = b->PredictProba(test.Matrix());
  ASSERT_OK(pa);
  ASSERT_OK(pb);
  EXPECT_EQ(pa->values, pb->values);
  EXPECT_EQ(*a->ToJson(), *b->ToJson());

  // And the seed is really used: another seed, another model.
  o.seed = 8;
  auto c = CongestionClassifier::Train(train.Labeled(), o);
  ASSERT_OK(c);
  EXPECT_NE(c->PredictProba(test.Matrix())->values, pa->values);
}

TEST(ClassifierTest, JsonRoundTripGivesIdenticalPredictions) {
  Synthetic train = MakeSynthetic(600, 5);
  Synthetic test = MakeSynthetic(200, 6);
  auto model = CongestionClassifier::Train(train.Labeled(), SmallOptions());
  ASSERT_OK(model);
  auto json = model->ToJson();
  ASSERT_OK(json);
  EXPECT_EQ(json->front(), '{');
  EXPECT_NE(json->find("speed_recent_mph"), std::string::npos);  // the layout travels in the file

  auto loaded = CongestionClassifier::FromJson(*json, LoadOptions{kNames, 2});
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->feature_names(), kNames);
  EXPECT_EQ(loaded->num_features(), 3u);
  EXPECT_EQ(loaded->num_boosted_rounds(), model->num_boosted_rounds());
  EXPECT_EQ(loaded->PredictProba(test.Matrix())->values, model->PredictProba(test.Matrix())->values);
  EXPECT_EQ(*loaded->ToJson(), *json);
}

TEST(ClassifierTest, TruncatedOrCorruptJsonIsACorruptStatus) {
  Synthetic train = MakeSynthetic(300, 7);
  auto model = CongestionClassifier::Train(train.Labeled(), SmallOptions());
  ASSERT_OK(model);
  std::string json = *model->ToJson();
  for (std::size_t keep : {json.size() - 1, json.size() / 2, std::size_t{10}, std::size_t{1}}) {
    auto loaded = CongestionClassifier::FromJson(std::string_view(json).substr(0, keep));
    ASSERT_FALSE(loaded.ok()) << "kept " << keep << " bytes";
    EXPECT_EQ(loaded.status().code(), core::StatusCode::kCorrupt) << loaded.status().message();
    EXPECT_NE(loaded.status().message().find("model"), std::string::npos) << loaded.status().message();
  }
  for (std::string_view bad : {std::string_view(""), std::string_view("not json at all"), std::string_view("{}"),
                               std::string_view("[1,2,3]")}) {
    auto loaded = CongestionClassifier::FromJson(bad);
    ASSERT_FALSE(loaded.ok()) << bad;
    EXPECT_EQ(loaded.status().code(), core::StatusCode::kCorrupt) << loaded.status().message();
  }
}

TEST(ClassifierTest, PredictNamesAFeatureCountMismatch) {
  Synthetic train = MakeSynthetic(300, 8);
  auto model = CongestionClassifier::Train(train.Labeled(), SmallOptions());
  ASSERT_OK(model);
  std::vector<std::string> two = {"speed_recent_mph", "trip_count"};
  std::vector<float> values(2 * 4, 1.0f);
  auto pred = model->Predict(FeatureMatrix{values, 4, two});
  ASSERT_FALSE(pred.ok());
  EXPECT_EQ(pred.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(pred.status().message(),
            "model expects 3 features [speed_recent_mph,trip_count,hour_local], data has 2 "
            "[speed_recent_mph,trip_count]");
}

TEST(ClassifierTest, PredictNamesAFeatureNameMismatch) {
  Synthetic train = MakeSynthetic(300, 9);
  auto model = CongestionClassifier::Train(train.Labeled(), SmallOptions());
  ASSERT_OK(model);
  std::vector<std::string> swapped = {"speed_recent_mph", "hour_local", "trip_count"};
  auto pred = model->Predict(train.Matrix(swapped));
  ASSERT_FALSE(pred.ok());
  EXPECT_NE(pred.status().message().find("feature 1 is 'trip_count' in the model, 'hour_local' in "
                                         "the data"),
            std::string::npos)
      << pred.status().message();
  EXPECT_FALSE(model->CheckFeatureLayout(swapped).ok());
  EXPECT_OK(model->CheckFeatureLayout(kNames));
}

TEST(ClassifierTest, LoadWithAnotherExpectedLayoutFailsNamingIt) {
  Synthetic train = MakeSynthetic(300, 10);
  auto model = CongestionClassifier::Train(train.Labeled(), SmallOptions());
  ASSERT_OK(model);
  std::string json = *model->ToJson();
  LoadOptions opts;
  opts.expected_feature_names = {"speed_recent_mph", "trip_count", "hour_local", "is_weekend"};
  auto loaded = CongestionClassifier::FromJson(json, opts);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("model expects 3 features"), std::string::npos) << loaded.status().message();
  EXPECT_NE(loaded.status().message().find("data has 4"), std::string::npos);
}

TEST(ClassifierTest, ShapeMismatchIsRejectedBeforeXGBoostSeesIt) {
  Synthetic train = MakeSynthetic(300, 11);
  auto model = CongestionClassifier::Train(train.Labeled(), SmallOptions());
  ASSERT_OK(model);
  std::vector<float> values(5, 1.0f);  // not rows * 3
  auto pred = model->Predict(FeatureMatrix{values, 2, kNames});
  ASSERT_FALSE(pred.ok());
  EXPECT_NE(pred.status().message().find("5 values, expected 2 rows x 3 features"), std::string::npos)
      << pred.status().message();
  auto empty = model->Predict(FeatureMatrix{{}, 0, kNames});
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(ClassifierTest, ForeignModelIsNotAcceptedAsAClassifier) {
  // A regression model over the same layout: valid XGBoost JSON, wrong kind of model.
  Synthetic train = MakeSynthetic(200, 12);
  std::vector<float> speeds;
  for (std::size_t i = 0; i < train.rows; ++i) speeds.push_back(train.values[i * 3]);
  internal::BoosterParams params;
  params.objective = "reg:squarederror";
  params.num_rounds = 3;
  auto reg = internal::Booster::Train({train.Matrix(), speeds, {}}, nullptr, params);
  ASSERT_OK(reg);
  auto loaded = CongestionClassifier::FromJson(*reg->ToJson());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), core::StatusCode::kCorrupt);
  EXPECT_NE(loaded.status().message().find("objective 'reg:squarederror'"), std::string::npos)
      << loaded.status().message();
}

TEST(ClassifierTest, EarlyStoppingKeepsTheBestRoundAndSavesIt) {
  Synthetic train = MakeSynthetic(600, 13);
  Synthetic valid = MakeSynthetic(200, 14);
  ClassifierOptions o = SmallOptions();
  o.num_rounds = 400;
  o.early_stopping_rounds = 5;
  auto validation = valid.Labeled();
  auto model = CongestionClassifier::Train(train.Labeled(), o, &validation);
  ASSERT_OK(model);
  ASSERT_TRUE(model->best_iteration().has_value());
  int best = *model->best_iteration();
  EXPECT_LT(best + 1, 400);
  EXPECT_EQ(model->num_boosted_rounds(), best + 1);
  EXPECT_EQ(model->validation_history().size(), static_cast<std::size_t>(best + 1 + 5));
  EXPECT_DOUBLE_EQ(*model->best_validation_mlogloss(), model->validation_history()[best]);

  auto loaded = CongestionClassifier::FromJson(*model->ToJson());
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->best_iteration(), best);
  EXPECT_EQ(loaded->num_boosted_rounds(), best + 1);
  EXPECT_EQ(loaded->feature_names(), kNames);
  EXPECT_EQ(loaded->PredictProba(valid.Matrix())->values, model->PredictProba(valid.Matrix())->values);
}

TEST(ClassifierTest, ClassWeightsChangeTheModel) {
  Synthetic train = MakeSynthetic(300, 15);
  ClassifierOptions o = SmallOptions();
  auto plain = CongestionClassifier::Train(train.Labeled(), o);
  o.class_weights = {1.0, 1.0, 5.0};
  auto weighted = CongestionClassifier::Train(train.Labeled(), o);
  ASSERT_OK(plain);
  ASSERT_OK(weighted);
  EXPECT_NE(plain->PredictProba(train.Matrix())->values, weighted->PredictProba(train.Matrix())->values);

  o.class_weights = {1.0, 2.0};
  auto bad = CongestionClassifier::Train(train.Labeled(), o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("class_weights has 2 values"), std::string::npos);
}

TEST(ClassifierTest, BalancedClassWeights) {
  std::vector<int> labels = {0, 0, 0, 0, 1, 1};  // no High
  auto w = BalancedClassWeights(labels);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w[0], 6.0 / (3 * 4));
  EXPECT_DOUBLE_EQ(w[1], 6.0 / (3 * 2));
  EXPECT_DOUBLE_EQ(w[2], 1.0);
}

TEST(ClassifierTest, RejectsBadTrainingInput) {
  Synthetic train = MakeSynthetic(50, 16);
  train.labels[7] = 3;
  auto bad_label = CongestionClassifier::Train(train.Labeled(), SmallOptions());
  ASSERT_FALSE(bad_label.ok());
  EXPECT_NE(bad_label.status().message().find("row 7 has label 3"), std::string::npos) << bad_label.status().message();

  train.labels[7] = 0;
  ClassifierOptions o = SmallOptions();
  o.early_stopping_rounds = 3;
  auto no_valid = CongestionClassifier::Train(train.Labeled(), o);
  ASSERT_FALSE(no_valid.ok());
  EXPECT_NE(no_valid.status().message().find("validation"), std::string::npos);

  std::vector<std::string> other = {"a", "b", "c"};
  LabeledData valid{train.Matrix(other), train.labels};
  auto mismatched = CongestionClassifier::Train(train.Labeled(), SmallOptions(), &valid);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("validation set: feature 0 is"), std::string::npos)
      << mismatched.status().message();

  std::vector<std::string> dup = {"a", "b", "a"};
  auto dup_names = CongestionClassifier::Train(LabeledData{train.Matrix(dup), train.labels}, SmallOptions());
  ASSERT_FALSE(dup_names.ok());
  EXPECT_NE(dup_names.status().message().find("'a' appears twice"), std::string::npos);
}

TEST(ClassifierTest, ArgMaxPicksTheLowestClassOnTies) {
  ClassProbabilities p{{0.2f, 0.5f, 0.3f, 0.4f, 0.4f, 0.2f}, 2};
  auto out = ArgMax(p);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].label, 1);
  EXPECT_FLOAT_EQ(out[0].confidence, 0.5f);
  EXPECT_EQ(out[1].label, 0);
}

}  // namespace
// The rows of a Synthetic in chunks of `size` rows (the last one shorter), as a features table
// read row group by row group hands them over. `fail_at` >= 0: that chunk is an I/O error.
class SyntheticChunks final : public LabeledChunks {
 public:
  SyntheticChunks(const Synthetic& data, std::size_t size, int fail_at = -1,
                  const std::vector<std::string>* names_of_last = nullptr)
      : data_(data), size_(size), fail_at_(fail_at), names_of_last_(names_of_last) {}
  core::Status Reset() override {
    next_ = 0;
    ++passes_;
    return core::Status::Ok();
  }
  core::Result<const LabeledData*> Next() override {
    const std::size_t first = next_ * size_;
    if (first >= data_.rows) return static_cast<const LabeledData*>(nullptr);
    if (static_cast<int>(next_) == fail_at_) return core::Status::IoError("part-00003.parquet: row group 1: truncated");
    const std::size_t rows = std::min(size_, data_.rows - first);
    const bool last = first + rows == data_.rows;
    const auto& names = last && names_of_last_ != nullptr ? *names_of_last_ : kNames;
    chunk_ = LabeledData{FeatureMatrix{std::span<const float>(data_.values).subspan(first * 3, rows * 3), rows, names},
                         std::span<const int>(data_.labels).subspan(first, rows)};
    ++next_;
    return &chunk_;
  }
  int passes() const { return passes_; }

 private:
  const Synthetic& data_;
  std::size_t size_;
  int fail_at_;
  const std::vector<std::string>* names_of_last_;
  std::size_t next_ = 0;
  int passes_ = 0;
  LabeledData chunk_;
};

TEST(ClassifierTest, TrainsFromChunksAsFromTheWholeSet) {
  Synthetic train = MakeSynthetic(3000, 1);
  Synthetic valid = MakeSynthetic(600, 3);
  Synthetic test = MakeSynthetic(1000, 2);
  ClassifierOptions options = SmallOptions();
  options.early_stopping_rounds = 5;
  options.class_weights = {1.0, 0.5, 2.0};
  const LabeledData valid_whole = valid.Labeled();
  ASSERT_OK_AND_ASSIGN(auto whole, CongestionClassifier::Train(train.Labeled(), options, &valid_whole));
  SyntheticChunks train_chunks(train, 700), valid_chunks(valid, 250);
  ASSERT_OK_AND_ASSIGN(auto chunked, CongestionClassifier::Train(train_chunks, options, &valid_chunks));
  EXPECT_GE(train_chunks.passes(), 2) << "XGBoost reads the set more than once: Reset must rewind it";
  ASSERT_TRUE(chunked.best_iteration().has_value());
  ASSERT_OK_AND_ASSIGN(auto a, whole.Predict(test.Matrix()));
  ASSERT_OK_AND_ASSIGN(auto b, chunked.Predict(test.Matrix()));
  // The quantile sketch merges chunk by chunk, so the bins (and the trees) may differ a little;
  // the models must still agree almost everywhere and both learn the problem.
  int agree = 0;
  for (std::size_t i = 0; i < a.size(); ++i) agree += a[i].label == b[i].label;
  EXPECT_GE(agree, 980) << "of 1000";
  ASSERT_OK_AND_ASSIGN(auto report, Evaluate(test.labels, Labels(b)));
  EXPECT_GT(report.accuracy, 0.95);
}

TEST(ClassifierTest, AChunkThatFailsFailsTheTrainingNamingIt) {
  Synthetic train = MakeSynthetic(2000, 1);
  SyntheticChunks failing(train, 500, /*fail_at=*/2);
  auto model = CongestionClassifier::Train(failing, SmallOptions());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), core::StatusCode::kIoError);
  EXPECT_NE(model.status().message().find("part-00003.parquet: row group 1: truncated"), std::string::npos)
      << model.status().message();
}

TEST(ClassifierTest, AChunkOfAnotherLayoutIsRejected) {
  Synthetic train = MakeSynthetic(2000, 1);
  const std::vector<std::string> other = {"speed_recent_mph", "hour_local", "trip_count"};
  SyntheticChunks mixed(train, 500, -1, &other);
  auto model = CongestionClassifier::Train(mixed, SmallOptions());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find("training chunk"), std::string::npos) << model.status().message();
  EXPECT_NE(model.status().message().find("trip_count"), std::string::npos) << model.status().message();
}

TEST(ClassifierTest, NoChunksIsNoRows) {
  Synthetic empty;
  SyntheticChunks none(empty, 100);
  auto model = CongestionClassifier::Train(none, SmallOptions());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find("training: no rows"), std::string::npos) << model.status().message();
}

}  // namespace traffic::model
