#include "traffic/model/metrics.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace traffic::model {

using core::Result;
using core::Status;

Result<ConfusionMatrix> ComputeConfusionMatrix(std::span<const int> actual, std::span<const int> predicted) {
  if (actual.size() != predicted.size()) {
    return Status::InvalidArgument(
        fmt::format("{} actual labels but {} predicted labels", actual.size(), predicted.size()));
  }
  ConfusionMatrix m{};
  for (std::size_t i = 0; i < actual.size(); ++i) {
    int a = actual[i];
    int p = predicted[i];
    if (a < 0 || a >= kNumClasses || p < 0 || p >= kNumClasses) {
      return Status::InvalidArgument(
          fmt::format("example {}: actual {} / predicted {}, labels must be 0..{}", i, a, p, kNumClasses - 1));
    }
    ++m[a][p];
  }
  return m;
}

std::int64_t Total(const ConfusionMatrix& m) {
  std::int64_t n = 0;
  for (const auto& row : m) {
    for (auto v : row) n += v;
  }
  return n;
}

double Accuracy(const ConfusionMatrix& m) {
  std::int64_t n = Total(m);
  if (n == 0) return 0;
  std::int64_t correct = 0;
  for (int c = 0; c < kNumClasses; ++c) correct += m[c][c];
  return static_cast<double>(correct) / static_cast<double>(n);
}

ClassMetrics ComputeClassMetrics(const ConfusionMatrix& m, int cls) {
  ClassMetrics r;
  for (int k = 0; k < kNumClasses; ++k) {
    r.support += m[cls][k];
    r.predicted += m[k][cls];
  }
  const double tp = static_cast<double>(m[cls][cls]);
  r.precision = r.predicted > 0 ? tp / static_cast<double>(r.predicted) : 0.0;
  r.recall = r.support > 0 ? tp / static_cast<double>(r.support) : 0.0;
  r.f1 = (r.precision + r.recall) > 0 ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0.0;
  return r;
}

double MacroF1(const ConfusionMatrix& m) {
  double sum = 0;
  int present = 0;
  for (int c = 0; c < kNumClasses; ++c) {
    ClassMetrics cm = ComputeClassMetrics(m, c);
    if (cm.support == 0 && cm.predicted == 0) continue;
    sum += cm.f1;
    ++present;
  }
  return present > 0 ? sum / present : 0.0;
}

ClassificationReport MakeReport(const ConfusionMatrix& m) {
  ClassificationReport r;
  r.confusion = m;
  for (int c = 0; c < kNumClasses; ++c) r.per_class[c] = ComputeClassMetrics(m, c);
  r.accuracy = Accuracy(m);
  r.macro_f1 = MacroF1(m);
  r.total = Total(m);
  return r;
}

Result<ClassificationReport> Evaluate(std::span<const int> actual, std::span<const int> predicted) {
  TRAFFIC_ASSIGN_OR_RETURN(ConfusionMatrix m, ComputeConfusionMatrix(actual, predicted));
  return MakeReport(m);
}

std::string ClassificationReport::ToJson() const {
  // Values are finite by construction; {} prints the shortest round-trip form.
  std::string out = fmt::format(R"({{"total":{},"accuracy":{},"macro_f1":{},"classes":[)", total, accuracy, macro_f1);
  for (int c = 0; c < kNumClasses; ++c) {
    const ClassMetrics& m = per_class[c];
    out += fmt::format(R"({}{{"label":{},"name":"{}","precision":{},"recall":{},"f1":{},"support":{},"predicted":{}}})",
                       c == 0 ? "" : ",", c, kClassNames[c], m.precision, m.recall, m.f1, m.support, m.predicted);
  }
  out += R"(],"confusion_matrix":[)";
  for (int a = 0; a < kNumClasses; ++a) {
    out += fmt::format("{}[{}]", a == 0 ? "" : ",", fmt::join(confusion[a], ","));
  }
  out += "]}";
  return out;
}

Calibration CalibrationOf(const ClassProbabilities& proba, std::span<const ClassPrediction> published,
                          std::span<const int> actual) {
  Calibration c;
  const size_t n = std::min({proba.num_rows, published.size(), actual.size()});
  if (n == 0) return c;
  double brier = 0;
  std::array<double, 10> confidence_sum{}, right{};
  for (size_t i = 0; i < n; ++i) {
    auto row = proba.Row(i);
    for (int k = 0; k < kNumClasses; ++k) {
      const double d = row[static_cast<size_t>(k)] - (k == actual[i] ? 1.0 : 0.0);
      brier += d * d;
    }
    const double conf = published[i].confidence;
    const size_t bin = std::min<size_t>(9, static_cast<size_t>(std::max(0.0, conf) * 10));
    confidence_sum[bin] += conf;
    right[bin] += published[i].label == actual[i] ? 1 : 0;
    ++c.bins[bin].examples;
  }
  c.brier = brier / static_cast<double>(n);
  for (size_t b = 0; b < c.bins.size(); ++b) {
    if (c.bins[b].examples == 0) continue;
    c.bins[b].mean_confidence = confidence_sum[b] / static_cast<double>(c.bins[b].examples);
    c.bins[b].share_right = right[b] / static_cast<double>(c.bins[b].examples);
  }
  return c;
}

std::string Calibration::ToJson() const {
  std::string out = fmt::format(R"({{"brier":{},"reliability":[)", brier);
  for (size_t b = 0; b < bins.size(); ++b) {
    out += fmt::format(R"({}{{"from":{},"to":{},"mean_confidence":{},"share_right":{},"examples":{}}})",
                       b == 0 ? "" : ",", static_cast<double>(b) / 10, static_cast<double>(b + 1) / 10,
                       bins[b].mean_confidence, bins[b].share_right, bins[b].examples);
  }
  return out + "]}";
}

std::string Calibration::FormatBins() const {
  std::string out;
  for (size_t b = 0; b < bins.size(); ++b) {
    if (bins[b].examples == 0) continue;
    out += fmt::format("{}{:.1f}-{:.1f}: {:.2f} -> {:.2f} ({})", out.empty() ? "" : "; ", static_cast<double>(b) / 10,
                       static_cast<double>(b + 1) / 10, bins[b].mean_confidence, bins[b].share_right, bins[b].examples);
  }
  return out.empty() ? "no examples" : out;
}

std::string ClassificationReport::FormatTable() const {
  std::string out = fmt::format("{:<8} {:>9} {:>7} {:>7} {:>8} {:>9}\n", "class", "precision", "recall", "f1",
                                "support", "predicted");
  for (int c = 0; c < kNumClasses; ++c) {
    const ClassMetrics& m = per_class[c];
    out += fmt::format("{:<8} {:>9.3f} {:>7.3f} {:>7.3f} {:>8} {:>9}\n", kClassNames[c], m.precision, m.recall, m.f1,
                       m.support, m.predicted);
  }
  out += fmt::format("accuracy {:.3f}  macro-F1 {:.3f}  examples {}\n", accuracy, macro_f1, total);
  out += "confusion matrix (rows = actual, columns = predicted)\n";
  out += fmt::format("{:<8}", "");
  for (int c = 0; c < kNumClasses; ++c) out += fmt::format(" {:>8}", kClassNames[c]);
  out += "\n";
  for (int a = 0; a < kNumClasses; ++a) {
    out += fmt::format("{:<8}", kClassNames[a]);
    for (int p = 0; p < kNumClasses; ++p) out += fmt::format(" {:>8}", confusion[a][p]);
    out += "\n";
  }
  return out;
}

Result<double> MeanAbsoluteError(std::span<const double> actual, std::span<const double> predicted) {
  if (actual.size() != predicted.size()) {
    return Status::InvalidArgument(fmt::format("{} actual values but {} predictions", actual.size(), predicted.size()));
  }
  if (actual.empty()) return 0.0;
  double sum = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) sum += std::abs(actual[i] - predicted[i]);
  return sum / static_cast<double>(actual.size());
}

}  // namespace traffic::model
