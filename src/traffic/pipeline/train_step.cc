#include "traffic/pipeline/train_step.h"

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <type_traits>

#include "traffic/core/hash.h"
#include "traffic/core/json_writer.h"
#include "traffic/features/feature_row.h"
#include "traffic/model/decision_rule.h"
#include "traffic/model/evaluation.h"
#include "traffic/model/regressor.h"
#include "traffic/pipeline/feature_table.h"
#include "traffic/pipeline/features_step.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/pipeline/model_card_html.h"
#include "traffic/pipeline/model_store.h"
#include "traffic/pipeline/staged_output.h"

namespace traffic::pipeline {
namespace {

void ReportJson(core::JsonWriter& j, const model::ClassificationReport& r) { j.Raw(r.ToJson()); }

// One horizon's examples, split a row group at a time (ExampleChunks -> model::ExampleSplitter):
// training reads the features table chunk by chunk, never the whole of it.
class HorizonChunks {
 public:
  HorizonChunks(ExampleChunks& examples, int horizon, const model::SplitOptions& options)
      : examples_(examples), horizon_(static_cast<size_t>(horizon)), options_(options), splitter_(options) {}
  core::Status Reset() {
    splitter_ = model::ExampleSplitter(options_);
    return examples_.Reset();
  }
  core::Result<const model::HorizonSplit*> Next() {
    TRAFFIC_ASSIGN_OR_RETURN(const ExampleSet* chunk, examples_.Next());
    if (chunk == nullptr) return static_cast<const model::HorizonSplit*>(nullptr);
    const model::ExampleView view{chunk->features, features::kFeatureCount,  chunk->t_ms,
                                  chunk->is_test,  chunk->targets[horizon_], chunk->target_speeds[horizon_]};
    splitter_.Split(view, &split_);
    return &split_;
  }
  // Calls fn on every chunk's split, from the first.
  core::Status ForEach(const std::function<core::Status(const model::HorizonSplit&)>& fn) {
    TRAFFIC_RETURN_IF_ERROR(Reset());
    while (true) {
      TRAFFIC_ASSIGN_OR_RETURN(const model::HorizonSplit* split, Next());
      if (split == nullptr) return core::Status::Ok();
      TRAFFIC_RETURN_IF_ERROR(fn(*split));
    }
  }

 private:
  ExampleChunks& examples_;
  size_t horizon_;
  model::SplitOptions options_;
  model::ExampleSplitter splitter_;
  model::HorizonSplit split_;
};

enum class Part { kTrain, kValidation, kTrainAndValidation };

// The rows of one part of each chunk, as a model trains on them: the level (Data =
// LabeledData) or the mean speed (RegressionData) as the target.
template <typename Data>
class PartChunks final : public model::ChunkSource<Data> {
 public:
  PartChunks(HorizonChunks& chunks, Part part) : chunks_(chunks), part_(part) {}
  core::Status Reset() override { return chunks_.Reset(); }
  core::Result<const Data*> Next() override {
    TRAFFIC_ASSIGN_OR_RETURN(const model::HorizonSplit* split, chunks_.Next());
    if (split == nullptr) return static_cast<const Data*>(nullptr);
    if (part_ == Part::kTrainAndValidation) {  // the one part that needs a copy
      x_.assign(split->train_x.begin(), split->train_x.end());
      x_.insert(x_.end(), split->valid_x.begin(), split->valid_x.end());
      levels_.assign(split->train_y.begin(), split->train_y.end());
      levels_.insert(levels_.end(), split->valid_y.begin(), split->valid_y.end());
      speeds_.assign(split->train_speed.begin(), split->train_speed.end());
      speeds_.insert(speeds_.end(), split->valid_speed.begin(), split->valid_speed.end());
      Point(x_, levels_, speeds_);
    } else if (part_ == Part::kTrain) {
      Point(split->train_x, split->train_y, split->train_speed);
    } else {
      Point(split->valid_x, split->valid_y, split->valid_speed);
    }
    return &data_;
  }

 private:
  void Point(const std::vector<float>& x, const std::vector<int>& levels, const std::vector<float>& speeds) {
    const model::FeatureMatrix features{x, levels.size(), features::FeatureNames()};
    if constexpr (std::is_same_v<Data, model::LabeledData>) {
      data_ = Data{features, levels};
    } else {
      data_ = Data{features, speeds};
    }
  }

  HorizonChunks& chunks_;
  Part part_;
  std::vector<float> x_;
  std::vector<int> levels_;
  std::vector<float> speeds_;
  Data data_;
};

// What one pass over a horizon's chunks keeps of its validation and test sets: the labels, the
// baselines, and the columns the report splits by. A few bytes an example, not the features.
struct HeldOutSets {
  std::array<int64_t, model::kNumClasses> train_per_class{};
  int64_t train_rows = 0;
  std::vector<int> valid_y;
  std::vector<int> test_y, persistence, profile;
  std::vector<double> test_speed, persistence_speed, profile_speed;
  std::vector<uint8_t> test_weekend, test_hour;
};

core::Result<HeldOutSets> SurveyHorizon(HorizonChunks& chunks) {
  HeldOutSets sets;
  const size_t weekend_column = static_cast<size_t>(FeatureIndex("is_weekend"));
  const size_t hour_column = static_cast<size_t>(FeatureIndex("local_hour"));
  auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  TRAFFIC_RETURN_IF_ERROR(chunks.ForEach([&](const model::HorizonSplit& split) {
    for (int y : split.train_y) ++sets.train_per_class[static_cast<size_t>(y)];
    sets.train_rows += static_cast<int64_t>(split.train_y.size());
    append(sets.valid_y, split.valid_y);
    append(sets.test_y, split.test_y);
    append(sets.persistence, split.persistence);
    append(sets.profile, split.profile);
    append(sets.test_speed, split.test_speed);
    append(sets.persistence_speed, split.persistence_speed);
    append(sets.profile_speed, split.profile_speed);
    for (size_t i = 0; i < split.test_y.size(); ++i) {
      const float* row = split.test_x.data() + i * features::kFeatureCount;
      sets.test_weekend.push_back(row[weekend_column] > 0.5f ? 1 : 0);
      sets.test_hour.push_back(static_cast<uint8_t>(row[hour_column]));
    }
    return core::Status::Ok();
  }));
  return sets;
}

// Predictions for the validation and test sets, chunk by chunk: `predict(x, rows)` appends its
// output for those rows to the set's vector.
template <typename Output, typename Predict>
core::Status PredictHeldOut(HorizonChunks& chunks, Predict predict, std::vector<Output>* valid,
                            std::vector<Output>* test) {
  return chunks.ForEach([&](const model::HorizonSplit& split) -> core::Status {
    const auto& names = features::FeatureNames();
    if (valid != nullptr && !split.valid_y.empty()) {
      TRAFFIC_RETURN_IF_ERROR(predict(model::FeatureMatrix{split.valid_x, split.valid_y.size(), names}, valid));
    }
    if (test != nullptr && !split.test_y.empty()) {
      TRAFFIC_RETURN_IF_ERROR(predict(model::FeatureMatrix{split.test_x, split.test_y.size(), names}, test));
    }
    return core::Status::Ok();
  });
}

// The speed regression of one horizon (HorizonResult::SpeedScores): trained with the
// classifier's boosting options and early stopping on the validation days' MAE.
core::Status ScoreSpeedRegression(HorizonChunks& chunks, const HeldOutSets& sets, const TrainOptions& options,
                                  HorizonResult* result) {
  model::RegressorOptions regressor;
  static_cast<model::BoostingOptions&>(regressor) = options.classifier;
  PartChunks<model::RegressionData> train(chunks, Part::kTrain), valid(chunks, Part::kValidation);
  auto trained = model::SpeedRegressor::Train(train, regressor, &valid);
  if (!trained.ok()) return trained.status().WithContext(fmt::format("train the {} min speed model", result->minutes));
  result->speed.rounds = trained->num_boosted_rounds();
  std::vector<float> valid_speed, test_speed;
  TRAFFIC_RETURN_IF_ERROR(PredictHeldOut<float>(
      chunks,
      [&](const model::FeatureMatrix& x, std::vector<float>* out) -> core::Status {
        TRAFFIC_ASSIGN_OR_RETURN(auto speed, trained->Predict(x));
        out->insert(out->end(), speed.begin(), speed.end());
        return core::Status::Ok();
      },
      &valid_speed, &test_speed));
  std::vector<int> valid_levels;
  for (float v : valid_speed) valid_levels.push_back(static_cast<int>(window::LevelFor(v, options.thresholds)));
  TRAFFIC_ASSIGN_OR_RETURN(auto valid_report, model::Evaluate(sets.valid_y, valid_levels));
  result->speed.regression_validation_macro_f1 = valid_report.macro_f1;
  const std::vector<double> predicted(test_speed.begin(), test_speed.end());
  TRAFFIC_ASSIGN_OR_RETURN(result->speed.model_mae, model::MeanAbsoluteError(sets.test_speed, predicted));
  TRAFFIC_ASSIGN_OR_RETURN(result->speed.persistence_mae,
                           model::MeanAbsoluteError(sets.test_speed, sets.persistence_speed));
  TRAFFIC_ASSIGN_OR_RETURN(result->speed.profile_mae, model::MeanAbsoluteError(sets.test_speed, sets.profile_speed));
  return core::Status::Ok();
}

// Class probabilities of the validation and test sets, chunk by chunk.
core::Status PredictProbaHeldOut(HorizonChunks& chunks, const model::CongestionClassifier& classifier,
                                 model::ClassProbabilities* valid, model::ClassProbabilities* test) {
  std::vector<float> valid_values, test_values;
  TRAFFIC_RETURN_IF_ERROR(PredictHeldOut<float>(
      chunks,
      [&](const model::FeatureMatrix& x, std::vector<float>* out) -> core::Status {
        TRAFFIC_ASSIGN_OR_RETURN(auto proba, classifier.PredictProba(x));
        out->insert(out->end(), proba.values.begin(), proba.values.end());
        return core::Status::Ok();
      },
      valid ? &valid_values : nullptr, test ? &test_values : nullptr));
  auto to_proba = [](std::vector<float> values) {
    const size_t rows = values.size() / model::kNumClasses;
    return model::ClassProbabilities{std::move(values), rows};
  };
  if (valid != nullptr) *valid = to_proba(std::move(valid_values));
  if (test != nullptr) *test = to_proba(std::move(test_values));
  return core::Status::Ok();
}

// Trains one horizon's model on its chunks and evaluates it and the baselines on the test set;
// returns the model as XGBoost JSON.
core::Result<std::string> TrainHorizon(HorizonChunks& chunks, const TrainOptions& options, bool refit,
                                       HorizonResult* result) {
  TRAFFIC_ASSIGN_OR_RETURN(HeldOutSets sets, SurveyHorizon(chunks));
  result->train_rows = sets.train_rows;
  result->validation_rows = static_cast<int64_t>(sets.valid_y.size());
  result->test_rows = static_cast<int64_t>(sets.test_y.size());
  if (sets.train_rows == 0 || sets.test_y.empty()) {
    return core::Status::InvalidArgument(
        fmt::format("the {} min horizon has {} labelled training and {} labelled test examples: "
                    "the data cannot label it (too few trips per cell, or too short a period)",
                    result->minutes, sets.train_rows, sets.test_y.size()));
  }
  const auto& per_class = sets.train_per_class;
  int classes_seen = 0;
  for (int64_t n : per_class) classes_seen += n > 0;
  if (classes_seen < 2) {
    return core::Status::InvalidArgument(fmt::format(
        "the {} min horizon's {} training examples are all of one level (Low {}, Medium {}, High {}): a model "
        "cannot learn to tell levels apart; use more days, or thresholds (--high-below, --low-above) the data spans",
        result->minutes, sets.train_rows, per_class[0], per_class[1], per_class[2]));
  }
  model::ClassifierOptions classifier = options.classifier;
  if (options.balanced_class_weights) classifier.class_weights = model::BalancedClassWeights(per_class);
  PartChunks<model::LabeledData> train(chunks, Part::kTrain), valid(chunks, Part::kValidation);
  bool use_validation = !sets.valid_y.empty() && classifier.early_stopping_rounds > 0;
  if (!use_validation) classifier.early_stopping_rounds = 0;
  auto trained = model::CongestionClassifier::Train(train, classifier, use_validation ? &valid : nullptr);
  if (!trained.ok()) return trained.status().WithContext(fmt::format("train the {} min model", result->minutes));
  result->rounds = trained->num_boosted_rounds();
  // The decision rule, tuned for macro-F1 on the validation days (decision_rule.h); plain argmax
  // without them (and then the model is not promoted).
  model::ClassProbabilities test_proba;
  if (!sets.valid_y.empty()) {
    model::ClassProbabilities valid_proba;
    // The test set's probabilities come in the same pass unless a refit model will replace this one.
    const bool refitting = refit && use_validation;
    TRAFFIC_RETURN_IF_ERROR(PredictProbaHeldOut(chunks, *trained, &valid_proba, refitting ? nullptr : &test_proba));
    TRAFFIC_ASSIGN_OR_RETURN(result->rule, model::TuneDecisionRule(valid_proba, sets.valid_y));
    std::vector<int> valid_levels;
    for (const auto& p : result->rule.Apply(valid_proba)) valid_levels.push_back(p.label);
    TRAFFIC_ASSIGN_OR_RETURN(auto valid_report, model::Evaluate(sets.valid_y, valid_levels));
    result->speed.classifier_validation_macro_f1 = valid_report.macro_f1;
    TRAFFIC_RETURN_IF_ERROR(ScoreSpeedRegression(chunks, sets, options, result));
    if (refitting) {
      // The validation days chose the rounds and the rule; the model served learns from them too
      // (the latest days are the ones most like tomorrow).
      model::ClassifierOptions refit_options = classifier;
      refit_options.num_rounds = result->rounds;
      refit_options.early_stopping_rounds = 0;
      PartChunks<model::LabeledData> all(chunks, Part::kTrainAndValidation);
      trained = model::CongestionClassifier::Train(all, refit_options, nullptr);
      if (!trained.ok()) return trained.status().WithContext(fmt::format("refit the {} min model", result->minutes));
      TRAFFIC_RETURN_IF_ERROR(PredictProbaHeldOut(chunks, *trained, nullptr, &test_proba));
    }
  } else {
    TRAFFIC_RETURN_IF_ERROR(PredictProbaHeldOut(chunks, *trained, nullptr, &test_proba));
  }
  const auto predictions = result->rule.Apply(test_proba);
  std::vector<int> predicted(predictions.size());
  for (size_t i = 0; i < predictions.size(); ++i) predicted[i] = predictions[i].label;
  TRAFFIC_ASSIGN_OR_RETURN(model::PredictorReports reports,
                           model::EvaluatePredictors(sets.test_y, predicted, sets.persistence, sets.profile));
  result->model = reports.model;
  result->persistence = reports.persistence;
  result->profile = reports.profile;
  result->calibration = model::CalibrationOf(test_proba, predictions, sets.test_y);
  // Weekday and weekend test days apart: a weekend hour of the week has few training days, so
  // one figure over both hides where the model earns its keep.
  // And by hour of day (the card's picture): where in the day the model earns its keep.
  auto scores_where = [&](const std::function<bool(size_t i)>& keep) -> core::Result<HorizonResult::DayTypeScores> {
    std::vector<int> actual, model_level, persistence, profile;
    for (size_t i = 0; i < sets.test_y.size(); ++i) {
      if (!keep(i)) continue;
      actual.push_back(sets.test_y[i]);
      model_level.push_back(predicted[i]);
      persistence.push_back(sets.persistence[i]);
      profile.push_back(sets.profile[i]);
    }
    TRAFFIC_ASSIGN_OR_RETURN(model::PredictorReports part,
                             model::EvaluatePredictors(actual, model_level, persistence, profile));
    return HorizonResult::DayTypeScores{static_cast<int64_t>(actual.size()), part.model.macro_f1,
                                        part.persistence.macro_f1, part.profile.macro_f1};
  };
  for (int weekend = 0; weekend < 2; ++weekend) {
    TRAFFIC_ASSIGN_OR_RETURN(result->by_day_type[static_cast<size_t>(weekend)],
                             scores_where([&](size_t i) { return sets.test_weekend[i] == weekend; }));
  }
  for (int hour = 0; hour < 24; ++hour) {
    TRAFFIC_ASSIGN_OR_RETURN(result->by_hour[static_cast<size_t>(hour)],
                             scores_where([&](size_t i) { return sets.test_hour[i] == hour; }));
  }
  return trained->ToJson();
}

// The model card (card.json); `written` is every file of the model folder with its content.
std::string CardJson(const TrainSummary& summary, const TrainOptions& options, int64_t validation_from_ms,
                     const std::string& features_summary_json,
                     const std::vector<std::pair<std::string, std::string>>& written) {
  core::JsonWriter j;
  j.BeginObject();
  j.Key("version").String(summary.version);
  j.Key("created_utc").String(options.created_utc);
  j.Key("kind").String(
      "XGBoost multi:softprob, one model per horizon; the level: the largest weight x probability (decision_rule, "
      "tuned on the validation days for macro-F1); the confidence: that level's probability");
  j.Key("classes").BeginArray().String("Low").String("Medium").String("High").EndArray();
  j.Key("thresholds_mph").BeginObject();
  j.Key("high_below").Double(options.thresholds.high_below_mph);
  j.Key("low_above").Double(options.thresholds.low_above_mph);
  j.EndObject();
  j.Key("feature_layout").String(features::FeatureLayoutId());
  j.Key("features").BeginArray();
  for (const auto& name : features::FeatureNames()) j.String(name);
  j.EndArray();
  j.Key("training").BeginObject();
  j.Key("train_from").String(summary.train_from);
  j.Key("split").String(summary.split);
  j.Key("test_to").String(summary.test_to);
  j.Key("validation_from").String(core::FormatIsoUtc(core::FromEpochSeconds(validation_from_ms / 1000)));
  j.Key("refit_on_validation_days").Bool(summary.refit);
  j.Key("examples_in_memory").Bool(summary.examples_cached);
  j.Key("train_stride").Int(options.train_stride);
  j.Key("balanced_class_weights").Bool(options.balanced_class_weights);
  j.Key("num_rounds").Int(options.classifier.num_rounds);
  j.Key("max_depth").Int(options.classifier.max_depth);
  j.Key("eta").Double(options.classifier.eta);
  j.Key("early_stopping_rounds").Int(options.classifier.early_stopping_rounds);
  j.Key("seed").Int(options.classifier.seed);
  j.Key("seconds").Double(summary.seconds);
  j.EndObject();
  j.Key("provenance").BeginObject();
  j.Key("features_dir").String(options.features_dir);
  j.Key("features_run").Raw(features_summary_json.empty() ? "null" : features_summary_json);
  j.EndObject();
  j.Key("horizons").BeginArray();
  for (const auto& r : summary.horizons) {
    j.BeginObject();
    j.Key("minutes").Int(r.minutes);
    j.Key("model_file").String(r.model_file);
    j.Key("rounds").Int(r.rounds);
    j.Key("train_rows").Int(r.train_rows);
    j.Key("validation_rows").Int(r.validation_rows);
    j.Key("test_rows").Int(r.test_rows);
    j.Key("decision_rule").BeginObject();
    j.Key("weights").BeginArray();
    for (double w : r.rule.weights) j.Double(w);
    j.EndArray();
    j.Key("tuned_on")
        .String(r.validation_rows > 0 ? "validation days, for macro-F1" : "none (no validation days): argmax");
    j.EndObject();
    j.Key("model");
    ReportJson(j, r.model);
    j.Key("calibration");
    j.Raw(r.calibration.ToJson());
    j.Key("baselines").BeginObject();
    j.Key("persistence");
    ReportJson(j, r.persistence);
    j.Key("historical_profile");
    ReportJson(j, r.profile);
    j.EndObject();
    j.Key("by_day_type").BeginObject();
    for (size_t d = 0; d < 2; ++d) {
      const auto& part = r.by_day_type[d];
      j.Key(d == 0 ? "weekday" : "weekend").BeginObject();
      j.Key("examples").Int(part.examples);
      j.Key("model_macro_f1").Double(part.model_macro_f1);
      j.Key("persistence_macro_f1").Double(part.persistence_macro_f1);
      j.Key("profile_macro_f1").Double(part.profile_macro_f1);
      j.EndObject();
    }
    j.EndObject();
    j.Key("speed").BeginObject();
    j.Key("rounds").Int(r.speed.rounds);
    j.Key("mae_mph").BeginObject();
    j.Key("model").Double(r.speed.model_mae);
    j.Key("persistence").Double(r.speed.persistence_mae);
    j.Key("historical_profile").Double(r.speed.profile_mae);
    j.EndObject();
    j.Key("validation_macro_f1").BeginObject();
    j.Key("classifier").Double(r.speed.classifier_validation_macro_f1);
    j.Key("regression").Double(r.speed.regression_validation_macro_f1);
    j.EndObject();
    j.Key("level_from").String("classifier");
    // One validation day is noisy: the regression's level would have to win by a margin.
    constexpr double kMargin = 0.005;
    const double by_classifier = r.speed.classifier_validation_macro_f1;
    const double by_speed = r.speed.regression_validation_macro_f1;
    j.Key("why").String(
        r.speed.rounds == 0 ? std::string("no validation days: no speed model, the classifier decides")
        : by_speed <= by_classifier + kMargin
            ? fmt::format("the level of the speed model's speed does not score a macro-F1 higher by more than {:g} on "
                          "the validation days ({:.4f} vs the classifier's {:.4f})",
                          kMargin, by_speed, by_classifier)
            : fmt::format("UNEXPECTED: the level of the speed model's speed scores higher on the validation days "
                          "({:.4f} vs {:.4f}), but deciding the level from it is not built: the classifier decides",
                          by_speed, by_classifier));
    j.EndObject();
    j.Key("beats_persistence_macro_f1").Bool(r.model.macro_f1 > r.persistence.macro_f1);
    j.Key("beats_profile_macro_f1").Bool(r.model.macro_f1 > r.profile.macro_f1);
    j.EndObject();
  }
  j.EndArray();
  j.Key("promotion").BeginObject();
  j.Key("promoted").Bool(summary.promoted);
  j.Key("blocker").String(summary.not_promoted_because);
  j.Key("forced").Bool(options.promote && !summary.not_promoted_because.empty());
  j.EndObject();
  j.Key("files").BeginArray();  // what Forecaster::Load verifies before trusting a file
  for (const auto& [name, content] : written) {
    j.BeginObject();
    j.Key("name").String(name);
    j.Key("bytes").Int(static_cast<int64_t>(content.size()));
    j.Key("stable_hash64").String(core::HashToHex(core::StableHash64(content)));
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
  return j.str();
}

}  // namespace

core::Result<TrainSummary> RunTrain(fs::FileSystem& fs, const TrainOptions& given) {
  auto started = std::chrono::steady_clock::now();
  TrainOptions options = given;
  if (options.version.empty()) options.version = NowVersion();
  if (options.created_utc.empty()) options.created_utc = NowVersion();
  ModelStore store(fs, options.models_dir);
  TRAFFIC_RETURN_IF_ERROR(store.CheckNewVersion(options.version));
  TRAFFIC_ASSIGN_OR_RETURN(FeatureSplit split, ReadFeatureSplit(fs, options.features_dir));
  if (split.layout_id != features::FeatureLayoutId()) {
    return core::Status::InvalidArgument(
        fs::JoinPath(options.features_dir, "_SUCCESS") + ": features were built with layout " + split.layout_id +
        ", this build trains on " + features::FeatureLayoutId() + "; rerun `traffic features`");
  }
  TRAFFIC_ASSIGN_OR_RETURN(auto files, FeatureFiles(fs, options.features_dir));
  // Read a row group at a time, as often as training needs: memory does not grow with the
  // table, only XGBoost's quantized matrices and the held-out labels do.
  if (options.example_cache_mb < 0) return core::Status::InvalidArgument("example_cache_mb must not be negative");
  ExampleChunks examples(fs, files, static_cast<size_t>(options.example_cache_mb) << 20);
  TRAFFIC_ASSIGN_OR_RETURN(std::string profile_text, fs.ReadAll(fs::JoinPath(options.features_dir, "profile.txt")));

  TrainSummary summary;
  summary.version = options.version;
  summary.model_dir = store.VersionDir(options.version);
  summary.train_from = core::FormatIsoUtc(split.train_from);
  summary.split = core::FormatIsoUtc(split.split);
  summary.test_to = core::FormatIsoUtc(split.test_to);
  auto local = [](core::UtcTime t) { return core::FormatLocal(core::UtcToNewYork(t)).substr(0, 16); };
  summary.period_local = fmt::format("train {} .. {}, test {} .. {} New York time", local(split.train_from),
                                     local(split.split), local(split.split), local(split.test_to));
  summary.thresholds = options.thresholds;

  model::SplitOptions split_options;
  split_options.columns = {FeatureIndex("speed_15m"), FeatureIndex("speed_60m"), FeatureIndex("profile_speed")};
  if (split_options.columns.speed_15m < 0 || split_options.columns.speed_60m < 0 ||
      split_options.columns.profile_speed < 0) {
    return core::Status::Internal("feature layout lacks speed_15m, speed_60m or profile_speed");
  }
  // Early stopping on the last training day, when there are enough days to spare one.
  split_options.validation_from_ms = model::ValidationFromMs(split.train_from, split.split, options.validation_days);
  // A week or more held out is too much recent history to leave out of the served model.
  const bool refit = options.refit.value_or(
      core::ToEpochSeconds(split.split) * 1000 - split_options.validation_from_ms >= 7 * 86400 * 1000LL);
  split_options.train_stride = options.train_stride;
  split_options.thresholds = options.thresholds;

  StagedOutput out(fs, summary.model_dir);
  TRAFFIC_RETURN_IF_ERROR(out.Begin());
  // Every file of the folder, with its size and hash, for the card (issue 8 #11: verified on load).
  std::vector<std::pair<std::string, std::string>> written;
  auto write_file = [&](const std::string& name, std::string content) -> core::Status {
    TRAFFIC_RETURN_IF_ERROR(fs.WriteAll(out.StagingPath(name), content));
    written.emplace_back(name, std::move(content));
    return core::Status::Ok();
  };
  TRAFFIC_RETURN_IF_ERROR(write_file("profile.txt", profile_text));
  for (int h = 0; h < features::kHorizonCount; ++h) {
    HorizonResult& result = summary.horizons[static_cast<size_t>(h)];
    result.minutes = features::kHorizonsMin[static_cast<size_t>(h)];
    HorizonChunks chunks(examples, h, split_options);
    TRAFFIC_ASSIGN_OR_RETURN(std::string json, TrainHorizon(chunks, options, refit, &result));
    result.model_file = fmt::format("model_{}m.json", result.minutes);
    TRAFFIC_RETURN_IF_ERROR(write_file(result.model_file, std::move(json)));
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.not_promoted_because = PromotionBlocker(summary.horizons);
  summary.promoted = summary.not_promoted_because.empty() || options.promote;
  TRAFFIC_RETURN_IF_ERROR(write_file("report.txt", summary.FormatReport()));
  TRAFFIC_RETURN_IF_ERROR(write_file("card.html", RenderCardHtml(summary)));

  summary.refit = refit;
  summary.examples_cached = examples.cached();
  summary.card_json = CardJson(summary, options, split_options.validation_from_ms, split.summary_json, written);
  TRAFFIC_RETURN_IF_ERROR(fs.WriteAll(out.StagingPath("card.json"), summary.card_json + "\n"));
  TRAFFIC_RETURN_IF_ERROR(out.Commit(summary.card_json));
  if (summary.promoted) TRAFFIC_RETURN_IF_ERROR(store.WriteLatest(summary.version));
  return summary;
}

std::string PromotionBlocker(const std::array<HorizonResult, 3>& horizons) {
  std::string why;
  auto add = [&why](std::string reason) { why += (why.empty() ? "" : "; ") + reason; };
  for (const auto& r : horizons) {
    if (r.model.macro_f1 <= r.persistence.macro_f1) {
      add(fmt::format("at {} min it does not beat persistence (macro-F1 {:.3f} vs {:.3f})", r.minutes, r.model.macro_f1,
                      r.persistence.macro_f1));
    }
    if (r.model.macro_f1 <= r.profile.macro_f1) {
      add(fmt::format("at {} min it does not beat the historical profile (macro-F1 {:.3f} vs {:.3f})", r.minutes,
                      r.model.macro_f1, r.profile.macro_f1));
    }
    if (r.validation_rows == 0) add(fmt::format("at {} min it had no validation examples", r.minutes));
  }
  return why;
}

std::string FormatVerdicts(const std::array<HorizonResult, 3>& horizons) {
  std::string s;
  for (const auto& r : horizons) {
    double gap = r.model.macro_f1 - r.persistence.macro_f1;
    if (gap > 0) {
      s += fmt::format("{:>3} min: beats persistence by {:.3f} macro-F1 ({:.3f} vs {:.3f})\n", r.minutes, gap,
                       r.model.macro_f1, r.persistence.macro_f1);
    } else {
      s += fmt::format(
          "{:>3} min: LOSES to persistence by {:.3f} macro-F1 ({:.3f} vs {:.3f}): the stream serves "
          "persistence at {} min\n",
          r.minutes, -gap, r.model.macro_f1, r.persistence.macro_f1, r.minutes);
    }
  }
  return s;
}

std::string TrainSummary::FormatReport() const {
  std::string s = fmt::format("Model {} ({})\n\n", version, period_local);
  s += FormatVerdicts(horizons);
  s += promoted ? (not_promoted_because.empty()
                       ? "Promoted to models/latest.\n\n"
                       : "Promoted to models/latest by --promote although " + not_promoted_because + ".\n\n")
                : "NOT promoted to models/latest: " + not_promoted_because + " (--promote to use it anyway).\n\n";
  s += fmt::format(
      "Levels (mean trip speed of the cell over the horizon): High below {:g} mph, Medium {:g}-{:g} mph, Low above "
      "{:g} mph. UTC: train {} .. {}, test {} .. {}.\n\n",
      thresholds.high_below_mph, thresholds.high_below_mph, thresholds.low_above_mph, thresholds.low_above_mph,
      train_from, split, split, test_to);
  s += fmt::format("{:>7}  {:<20} {:>9} {:>9} {:>8} {:>8} {:>8}   {}\n", "horizon", "predictor", "accuracy", "macro-F1",
                   "rec Low", "rec Med", "rec High", "vs model");
  for (const auto& r : horizons) {
    auto line = [&](const char* name, const model::ClassificationReport& m, const char* verdict) {
      s += fmt::format("{:>5} m  {:<20} {:>9.3f} {:>9.3f} {:>8.3f} {:>8.3f} {:>8.3f}   {}\n", r.minutes, name,
                       m.accuracy, m.macro_f1, m.per_class[0].recall, m.per_class[1].recall, m.per_class[2].recall,
                       verdict);
    };
    line("XGBoost", r.model, "");
    line("persistence", r.persistence, r.model.macro_f1 > r.persistence.macro_f1 ? "model better" : "MODEL NOT BETTER");
    line("historical profile", r.profile, r.model.macro_f1 > r.profile.macro_f1 ? "model better" : "MODEL NOT BETTER");
    s += fmt::format(
        "         test examples {}, train {}, validation {}, rounds {}{}; decision rule {}; Brier score {:.3f}\n",
        r.test_rows, r.train_rows, r.validation_rows, r.rounds,
        refit ? " (then trained again on train + validation)" : "", r.rule.ToString(), r.calibration.brier);
  }
  s += "\nMacro-F1 on weekday and weekend test days (model / persistence / profile, examples):\n";
  for (const auto& r : horizons) {
    s += fmt::format("  {:>2} min:", r.minutes);
    for (size_t d = 0; d < 2; ++d) {
      const auto& part = r.by_day_type[d];
      s += fmt::format("  {} {:.3f} / {:.3f} / {:.3f} ({})", d == 0 ? "weekday" : "weekend", part.model_macro_f1,
                       part.persistence_macro_f1, part.profile_macro_f1, part.examples);
    }
    s += "\n";
  }
  s += "\nSpeed over the horizon, mean absolute error on the test days (mph): speed model / persistence / profile; "
       "validation macro-F1 of the level from the classifier / from the speed model's speed:\n";
  for (const auto& r : horizons) {
    s += fmt::format("  {:>2} min: MAE {:.2f} / {:.2f} / {:.2f}; validation {:.3f} / {:.3f}\n", r.minutes,
                     r.speed.model_mae, r.speed.persistence_mae, r.speed.profile_mae,
                     r.speed.classifier_validation_macro_f1, r.speed.regression_validation_macro_f1);
  }
  s += "\nReliability of the published confidence on the test days (bins of confidence: mean confidence, share "
       "right, examples):\n";
  for (const auto& r : horizons) s += fmt::format("  {} min: {}\n", r.minutes, r.calibration.FormatBins());
  s += "\nConfusion matrices (rows = actual Low/Medium/High, columns = predicted):\n";
  for (const auto& r : horizons) {
    s += fmt::format("  {} min, XGBoost:\n{}", r.minutes, r.model.FormatTable());
  }
  return s;
}

}  // namespace traffic::pipeline
