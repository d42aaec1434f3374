#include "traffic/pipeline/train_step.h"

#include <fmt/format.h>

#include <chrono>
#include <functional>

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

// The speed regression of one horizon (HorizonResult::SpeedScores): trained with the
// classifier's boosting options and early stopping on the validation days' MAE.
core::Status ScoreSpeedRegression(const model::HorizonSplit& split, const TrainOptions& options,
                                  HorizonResult* result) {
  const auto& names = features::FeatureNames();
  model::RegressorOptions regressor;
  static_cast<model::BoostingOptions&>(regressor) = options.classifier;
  model::RegressionData train{{split.train_x, split.train_y.size(), names}, split.train_speed};
  model::RegressionData valid{{split.valid_x, split.valid_y.size(), names}, split.valid_speed};
  auto trained = model::SpeedRegressor::Train(train, regressor, &valid);
  if (!trained.ok()) return trained.status().WithContext(fmt::format("train the {} min speed model", result->minutes));
  result->speed.rounds = trained->num_boosted_rounds();
  TRAFFIC_ASSIGN_OR_RETURN(auto valid_speed, trained->Predict(valid.features));
  std::vector<int> valid_levels;
  for (float v : valid_speed) valid_levels.push_back(static_cast<int>(window::LevelFor(v, options.thresholds)));
  TRAFFIC_ASSIGN_OR_RETURN(auto valid_report, model::Evaluate(split.valid_y, valid_levels));
  result->speed.regression_validation_macro_f1 = valid_report.macro_f1;
  TRAFFIC_ASSIGN_OR_RETURN(auto test_speed,
                           trained->Predict(model::FeatureMatrix{split.test_x, split.test_y.size(), names}));
  const std::vector<double> predicted(test_speed.begin(), test_speed.end());
  TRAFFIC_ASSIGN_OR_RETURN(result->speed.model_mae, model::MeanAbsoluteError(split.test_speed, predicted));
  TRAFFIC_ASSIGN_OR_RETURN(result->speed.persistence_mae,
                           model::MeanAbsoluteError(split.test_speed, split.persistence_speed));
  TRAFFIC_ASSIGN_OR_RETURN(result->speed.profile_mae, model::MeanAbsoluteError(split.test_speed, split.profile_speed));
  return core::Status::Ok();
}

// Trains one horizon's model on `split` and evaluates it and the baselines on the test set;
// returns the model as XGBoost JSON.
core::Result<std::string> TrainHorizon(const model::HorizonSplit& split, const TrainOptions& options, bool refit,
                                       HorizonResult* result) {
  const auto& names = features::FeatureNames();
  result->train_rows = static_cast<int64_t>(split.train_y.size());
  result->validation_rows = static_cast<int64_t>(split.valid_y.size());
  result->test_rows = static_cast<int64_t>(split.test_y.size());
  if (split.train_y.empty() || split.test_y.empty()) {
    return core::Status::InvalidArgument(
        fmt::format("the {} min horizon has {} labelled training and {} labelled test examples: "
                    "the data cannot label it (too few trips per cell, or too short a period)",
                    result->minutes, split.train_y.size(), split.test_y.size()));
  }
  std::array<int64_t, model::kNumClasses> per_class{};
  for (int y : split.train_y) ++per_class[static_cast<size_t>(y)];
  int classes_seen = 0;
  for (int64_t n : per_class) classes_seen += n > 0;
  if (classes_seen < 2) {
    return core::Status::InvalidArgument(fmt::format(
        "the {} min horizon's {} training examples are all of one level (Low {}, Medium {}, High {}): a model "
        "cannot learn to tell levels apart; use more days, or thresholds (--high-below, --low-above) the data spans",
        result->minutes, split.train_y.size(), per_class[0], per_class[1], per_class[2]));
  }
  model::ClassifierOptions classifier = options.classifier;
  if (options.balanced_class_weights) classifier.class_weights = model::BalancedClassWeights(split.train_y);
  model::LabeledData train{{split.train_x, split.train_y.size(), names}, split.train_y};
  model::LabeledData valid{{split.valid_x, split.valid_y.size(), names}, split.valid_y};
  bool use_validation = !split.valid_y.empty() && classifier.early_stopping_rounds > 0;
  if (!use_validation) classifier.early_stopping_rounds = 0;
  auto trained = model::CongestionClassifier::Train(train, classifier, use_validation ? &valid : nullptr);
  if (!trained.ok()) return trained.status().WithContext(fmt::format("train the {} min model", result->minutes));
  result->rounds = trained->num_boosted_rounds();
  // The decision rule, tuned for macro-F1 on the validation days (decision_rule.h); plain argmax
  // without them (and then the model is not promoted).
  if (!split.valid_y.empty()) {
    TRAFFIC_ASSIGN_OR_RETURN(auto valid_proba, trained->PredictProba(valid.features));
    TRAFFIC_ASSIGN_OR_RETURN(result->rule, model::TuneDecisionRule(valid_proba, split.valid_y));
    std::vector<int> valid_levels;
    for (const auto& p : result->rule.Apply(valid_proba)) valid_levels.push_back(p.label);
    TRAFFIC_ASSIGN_OR_RETURN(auto valid_report, model::Evaluate(split.valid_y, valid_levels));
    result->speed.classifier_validation_macro_f1 = valid_report.macro_f1;
    TRAFFIC_RETURN_IF_ERROR(ScoreSpeedRegression(split, options, result));
    if (refit && use_validation) {
      // The validation days chose the rounds and the rule; the model served learns from them too
      // (the latest days are the ones most like tomorrow).
      std::vector<float> x(split.train_x);
      x.insert(x.end(), split.valid_x.begin(), split.valid_x.end());
      std::vector<int> y(split.train_y);
      y.insert(y.end(), split.valid_y.begin(), split.valid_y.end());
      model::ClassifierOptions refit = classifier;
      refit.num_rounds = result->rounds;
      refit.early_stopping_rounds = 0;
      trained = model::CongestionClassifier::Train({{x, y.size(), names}, y}, refit, nullptr);
      if (!trained.ok()) return trained.status().WithContext(fmt::format("refit the {} min model", result->minutes));
    }
  }
  TRAFFIC_ASSIGN_OR_RETURN(auto test_proba,
                           trained->PredictProba(model::FeatureMatrix{split.test_x, split.test_y.size(), names}));
  const auto predictions = result->rule.Apply(test_proba);
  std::vector<int> predicted(predictions.size());
  for (size_t i = 0; i < predictions.size(); ++i) predicted[i] = predictions[i].label;
  TRAFFIC_ASSIGN_OR_RETURN(model::PredictorReports reports,
                           model::EvaluatePredictors(split.test_y, predicted, split.persistence, split.profile));
  result->model = reports.model;
  result->persistence = reports.persistence;
  result->profile = reports.profile;
  result->calibration = model::CalibrationOf(test_proba, predictions, split.test_y);
  // Weekday and weekend test days apart: a weekend hour of the week has few training days, so
  // one figure over both hides where the model earns its keep.
  // And by hour of day (the card's picture): where in the day the model earns its keep.
  auto scores_where =
      [&](const std::function<bool(const float* row)>& keep) -> core::Result<HorizonResult::DayTypeScores> {
    std::vector<int> actual, model_level, persistence, profile;
    for (size_t i = 0; i < split.test_y.size(); ++i) {
      if (!keep(split.test_x.data() + i * names.size())) continue;
      actual.push_back(split.test_y[i]);
      model_level.push_back(predicted[i]);
      persistence.push_back(split.persistence[i]);
      profile.push_back(split.profile[i]);
    }
    TRAFFIC_ASSIGN_OR_RETURN(model::PredictorReports part,
                             model::EvaluatePredictors(actual, model_level, persistence, profile));
    return HorizonResult::DayTypeScores{static_cast<int64_t>(actual.size()), part.model.macro_f1,
                                        part.persistence.macro_f1, part.profile.macro_f1};
  };
  const size_t weekend_column = static_cast<size_t>(FeatureIndex("is_weekend"));
  const size_t hour_column = static_cast<size_t>(FeatureIndex("local_hour"));
  for (int weekend = 0; weekend < 2; ++weekend) {
    TRAFFIC_ASSIGN_OR_RETURN(result->by_day_type[static_cast<size_t>(weekend)], scores_where([&](const float* row) {
                               return (row[weekend_column] > 0.5f) == (weekend == 1);
                             }));
  }
  for (int hour = 0; hour < 24; ++hour) {
    TRAFFIC_ASSIGN_OR_RETURN(result->by_hour[static_cast<size_t>(hour)], scores_where([&](const float* row) {
                               return static_cast<int>(row[hour_column]) == hour;
                             }));
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
  TRAFFIC_ASSIGN_OR_RETURN(ExampleSet examples, ReadExamples(fs, files));
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
    const model::ExampleView view{examples.features,
                                  features::kFeatureCount,
                                  examples.t_ms,
                                  examples.is_test,
                                  examples.targets[static_cast<size_t>(h)],
                                  examples.target_speeds[static_cast<size_t>(h)]};
    TRAFFIC_ASSIGN_OR_RETURN(std::string json,
                             TrainHorizon(model::SplitExamples(view, split_options), options, refit, &result));
    result.model_file = fmt::format("model_{}m.json", result.minutes);
    TRAFFIC_RETURN_IF_ERROR(write_file(result.model_file, std::move(json)));
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.not_promoted_because = PromotionBlocker(summary.horizons);
  summary.promoted = summary.not_promoted_because.empty() || options.promote;
  TRAFFIC_RETURN_IF_ERROR(write_file("report.txt", summary.FormatReport()));
  TRAFFIC_RETURN_IF_ERROR(write_file("card.html", RenderCardHtml(summary)));

  summary.refit = refit;
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
