#include "traffic/model/decision_rule.h"

#include <fmt/format.h>

#include <cmath>

#include "traffic/model/metrics.h"

namespace traffic::model {

int DecisionRule::Decide(std::span<const float> p) const {
  int best = 0;
  double best_score = weights[0] * p[0];
  for (int c = 1; c < kNumClasses; ++c) {
    double score = weights[static_cast<size_t>(c)] * p[static_cast<size_t>(c)];
    if (score > best_score) {
      best = c;
      best_score = score;
    }
  }
  return best;
}

std::vector<ClassPrediction> DecisionRule::Apply(const ClassProbabilities& proba) const {
  std::vector<ClassPrediction> out(proba.num_rows);
  for (size_t i = 0; i < proba.num_rows; ++i) {
    auto row = proba.Row(i);
    out[i].label = Decide(row);
    out[i].confidence = row[static_cast<size_t>(out[i].label)];
  }
  return out;
}

std::string DecisionRule::ToString() const {
  return fmt::format("Low x{:.3g}, Medium x{:.3g}, High x{:.3g}", weights[0], weights[1], weights[2]);
}

core::Result<DecisionRule> TuneDecisionRule(const ClassProbabilities& proba, std::span<const int> labels) {
  if (labels.size() != proba.num_rows || proba.values.size() != proba.num_rows * kNumClasses) {
    return core::Status::InvalidArgument(
        fmt::format("decision rule: {} labels for {} rows of probabilities", labels.size(), proba.num_rows));
  }
  for (int label : labels) {
    if (label < 0 || label >= kNumClasses) {
      return core::Status::InvalidArgument(fmt::format("decision rule: label {} out of range", label));
    }
  }
  DecisionRule best;
  if (labels.empty()) return best;
  constexpr int kSteps = 41;  // factors 4^(-1 .. 1) in 40 equal steps of the logarithm
  auto factor = [](int i) { return std::pow(4.0, -1.0 + 2.0 * i / (kSteps - 1)); };
  double best_f1 = -1;
  int best_distance = 0;
  for (int lo = 0; lo < kSteps; ++lo) {
    for (int hi = 0; hi < kSteps; ++hi) {
      DecisionRule rule;
      rule.weights = {factor(lo), 1.0, factor(hi)};
      ConfusionMatrix m{};
      for (size_t i = 0; i < labels.size(); ++i)
        ++m[static_cast<size_t>(labels[i])][static_cast<size_t>(rule.Decide(proba.Row(i)))];
      const double f1 = MacroF1(m);
      const int distance = std::abs(lo - kSteps / 2) + std::abs(hi - kSteps / 2);
      if (f1 > best_f1 + 1e-12 || (std::abs(f1 - best_f1) <= 1e-12 && distance < best_distance)) {
        best = rule;
        best_f1 = f1;
        best_distance = distance;
      }
    }
  }
  return best;
}

}  // namespace traffic::model
