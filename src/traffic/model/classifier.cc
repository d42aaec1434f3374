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
  std::vector<double> counts(kNumClasses, 0.0);
  for (int label : labels) {
    if (label >= 0 && label < kNumClasses) counts[label] += 1;
  }
  double n = 0;
  for (double c : counts) n += c;
  std::vector<double> weights(kNumClasses, 1.0);
  for (int c = 0; c < kNumClasses; ++c) {
    if (counts[c] > 0) weights[c] = n / (kNumClasses * counts[c]);
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
  TRAFFIC_RETURN_IF_ERROR(CheckClassWeights(options.class_weights));
  std::vector<float> labels;
  TRAFFIC_RETURN_IF_ERROR(ToFloatLabels(train, "training", &labels));
  std::vector<float> weights;
  if (!options.class_weights.empty()) {
    weights.reserve(labels.size());
    for (int label : train.labels) weights.push_back(static_cast<float>(options.class_weights[label]));
  }
  internal::TrainingData dtrain{train.features, labels, weights};

  std::vector<float> valid_labels;
  std::vector<float> valid_weights;
  internal::TrainingData dvalid;
  if (validation != nullptr) {
    TRAFFIC_RETURN_IF_ERROR(ToFloatLabels(*validation, "validation", &valid_labels));
    if (!options.class_weights.empty()) {
      for (int label : validation->labels) {
        valid_weights.push_back(static_cast<float>(options.class_weights[label]));
      }
    }
    dvalid = internal::TrainingData{validation->features, valid_labels, valid_weights};
  }
  TRAFFIC_ASSIGN_OR_RETURN(internal::Booster booster,
                           internal::Booster::Train(dtrain, validation ? &dvalid : nullptr, ToParams(options)));
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
