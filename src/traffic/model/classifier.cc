#include "traffic/model/classifier.h"

#include <cmath>

#include <fmt/format.h>

namespace traffic::model {
namespace {

using core::Result;
using core::Status;

Status ToFloatLabels(const LabeledData& d, std::string_view what, std::vector<float>* out) {
  if (d.labels.size() != d.features.num_rows) {
    return Status::InvalidArgument(
        fmt::format("{}: {} labels for {} rows", what, d.labels.size(), d.features.num_rows));
  }
  out->resize(d.labels.size());
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    int label = d.labels[i];
    if (label < 0 || label >= kNumClasses) {
      return Status::InvalidArgument(
          fmt::format("{}: row {} has label {}, expected 0..{}", what, i, label, kNumClasses - 1));
    }
    (*out)[i] = static_cast<float>(label);
  }
  return Status::Ok();
}

Status CheckClassWeights(const std::vector<double>& w) {
  if (w.empty()) return Status::Ok();
  if (w.size() != kNumClasses) {
    return Status::InvalidArgument(fmt::format("class_weights has {} values, expected {}", w.size(), kNumClasses));
  }
  for (std::size_t c = 0; c < w.size(); ++c) {
    if (!std::isfinite(w[c]) || w[c] <= 0) {
      return Status::InvalidArgument(fmt::format("class weight of {} is {}, must be > 0", kClassNames[c], w[c]));
    }
  }
  return Status::Ok();
}

// The loaded model must be what Predict assumes: multi:softprob with kNumClasses classes.
Status CheckIsCongestionModel(const internal::Booster& booster) {
  TRAFFIC_ASSIGN_OR_RETURN(internal::Booster::Kind kind, booster.ReadKind());
  if (kind.objective != "multi:softprob" || kind.num_class != kNumClasses) {
    return Status::Corrupt(
        fmt::format("not a congestion classifier: objective '{}' with num_class {}, expected "
                    "'multi:softprob' with num_class {}",
                    kind.objective, kind.num_class, kNumClasses));
  }
  return Status::Ok();
}

// Labelled chunks as XGBoost trains on them: float labels, and the class weights as row weights.
class TrainingChunksOf final : public internal::TrainingChunks {
 public:
  TrainingChunksOf(LabeledChunks& source, const std::vector<double>& class_weights, std::string_view what)
      : source_(source), class_weights_(class_weights), what_(what) {}
  Status Reset() override { return source_.Reset(); }
  Result<const internal::TrainingData*> Next() override {
    TRAFFIC_ASSIGN_OR_RETURN(const LabeledData* chunk, source_.Next());
    if (chunk == nullptr) return static_cast<const internal::TrainingData*>(nullptr);
    TRAFFIC_RETURN_IF_ERROR(ToFloatLabels(*chunk, what_, &labels_));
    weights_.clear();
    if (!class_weights_.empty()) {
      weights_.reserve(labels_.size());
      for (int label : chunk->labels) weights_.push_back(static_cast<float>(class_weights_[label]));
    }
    data_ = internal::TrainingData{chunk->features, labels_, weights_};
    return &data_;
  }

 private:
  LabeledChunks& source_;
  const std::vector<double>& class_weights_;
  std::string what_;
  std::vector<float> labels_, weights_;
  internal::TrainingData data_;
};

internal::BoosterParams ToParams(const ClassifierOptions& o) {
  internal::BoosterParams p;
  static_cast<BoostingOptions&>(p) = o;
  p.objective = "multi:softprob";
  p.num_class = kNumClasses;
  p.eval_metric = "mlogloss";
  return p;
}

}  // namespace

std::vector<double> BalancedClassWeights(std::span<const int> labels) {
  std::array<int64_t, kNumClasses> counts{};
  for (int label : labels) {
    if (label >= 0 && label < kNumClasses) ++counts[static_cast<std::size_t>(label)];
  }
  return BalancedClassWeights(counts);
}

std::vector<double> BalancedClassWeights(const std::array<int64_t, kNumClasses>& counts) {
  double n = 0;
  for (int64_t c : counts) n += static_cast<double>(c);
  std::vector<double> weights(kNumClasses, 1.0);
  for (std::size_t c = 0; c < kNumClasses; ++c) {
    if (counts[c] > 0) weights[c] = n / (kNumClasses * static_cast<double>(counts[c]));
  }
  return weights;
}

std::vector<ClassPrediction> ArgMax(const ClassProbabilities& proba) {
  std::vector<ClassPrediction> out(proba.num_rows);
  for (std::size_t i = 0; i < proba.num_rows; ++i) {
    auto row = proba.Row(i);
    int best = 0;
    for (int c = 1; c < kNumClasses; ++c) {
      if (row[c] > row[best]) best = c;
    }
    out[i] = ClassPrediction{best, row[best]};
  }
  return out;
}

Result<CongestionClassifier> CongestionClassifier::Train(const LabeledData& train, const ClassifierOptions& options,
                                                         const LabeledData* validation) {
  SingleChunk<LabeledData> train_chunks(train);
  if (validation == nullptr) return Train(train_chunks, options, nullptr);
  SingleChunk<LabeledData> validation_chunks(*validation);
  return Train(train_chunks, options, &validation_chunks);
}

Result<CongestionClassifier> CongestionClassifier::Train(LabeledChunks& train, const ClassifierOptions& options,
                                                         LabeledChunks* validation) {
  TRAFFIC_RETURN_IF_ERROR(CheckClassWeights(options.class_weights));
  TrainingChunksOf dtrain(train, options.class_weights, "training");
  if (validation == nullptr) {
    TRAFFIC_ASSIGN_OR_RETURN(internal::Booster booster, internal::Booster::Train(dtrain, nullptr, ToParams(options)));
    return CongestionClassifier(std::move(booster));
  }
  TrainingChunksOf dvalid(*validation, options.class_weights, "validation");
  TRAFFIC_ASSIGN_OR_RETURN(internal::Booster booster, internal::Booster::Train(dtrain, &dvalid, ToParams(options)));
  return CongestionClassifier(std::move(booster));
}

Result<CongestionClassifier> CongestionClassifier::FromJson(std::string_view json, const LoadOptions& options) {
  TRAFFIC_ASSIGN_OR_RETURN(internal::Booster booster, internal::Booster::FromJson(json, options.nthread));
  TRAFFIC_RETURN_IF_ERROR(CheckIsCongestionModel(booster));
  if (!options.expected_feature_names.empty()) {
    TRAFFIC_RETURN_IF_ERROR(model::CheckFeatureLayout(booster.feature_names(), options.expected_feature_names)
                                .WithContext("loaded model does not match the expected feature layout"));
  }
  return CongestionClassifier(std::move(booster));
}

Result<std::string> CongestionClassifier::ToJson() const { return booster_.ToJson(); }

Status CongestionClassifier::CheckFeatureLayout(std::span<const std::string> feature_names) const {
  return model::CheckFeatureLayout(booster_.feature_names(), feature_names);
}

Result<ClassProbabilities> CongestionClassifier::PredictProba(const FeatureMatrix& x) const {
  TRAFFIC_ASSIGN_OR_RETURN(std::vector<float> values, booster_.Predict(x, kNumClasses));
  return ClassProbabilities{std::move(values), x.num_rows};
}

Result<std::vector<ClassPrediction>> CongestionClassifier::Predict(const FeatureMatrix& x) const {
  TRAFFIC_ASSIGN_OR_RETURN(ClassProbabilities proba, PredictProba(x));
  return ArgMax(proba);
}

}  // namespace traffic::model
