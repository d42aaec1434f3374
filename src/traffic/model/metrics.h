// Evaluation metrics for the congestion classifier (and MAE for a speed regressor).
// Pure functions of their inputs. Classes are 0..kNumClasses-1 (kClassNames in classifier.h).
//
// Conventions (the same as scikit-learn's with zero_division=0):
//  - precision of a class never predicted = 0; recall of a class never present = 0;
//    F1 = 0 when precision + recall = 0. No division by zero, no NaN anywhere.
//  - macro-F1 = mean of per-class F1 over the classes that occur in the actual OR the predicted
//    labels (a class absent from both does not pull the mean down); 0 for no examples.
//  - accuracy of no examples = 0.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "traffic/core/status.h"
#include "traffic/model/classifier.h"

namespace traffic::model {

// confusion[actual][predicted] = number of examples.
using ConfusionMatrix = std::array<std::array<std::int64_t, kNumClasses>, kNumClasses>;

// InvalidArgument if the spans differ in length or a label is outside 0..kNumClasses-1.
core::Result<ConfusionMatrix> ComputeConfusionMatrix(std::span<const int> actual, std::span<const int> predicted);

struct ClassMetrics {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  std::int64_t support = 0;    // examples whose actual class is this one
  std::int64_t predicted = 0;  // examples predicted as this class
};

std::int64_t Total(const ConfusionMatrix& m);
double Accuracy(const ConfusionMatrix& m);
ClassMetrics ComputeClassMetrics(const ConfusionMatrix& m, int cls);
double MacroF1(const ConfusionMatrix& m);

struct ClassificationReport {
  ConfusionMatrix confusion{};
  std::array<ClassMetrics, kNumClasses> per_class{};
  double accuracy = 0;
  double macro_f1 = 0;
  std::int64_t total = 0;

  // One JSON object:
  // {"total":N,"accuracy":a,"macro_f1":f,
  //  "classes":[{"label":0,"name":"Low","precision":p,"recall":r,"f1":f,"support":s,
  //              "predicted":k},...],
  //  "confusion_matrix":[[..],[..],[..]]}   (rows = actual, columns = predicted)
  std::string ToJson() const;
  // A fixed-width table for people: per-class rows, accuracy, macro-F1, confusion matrix.
  std::string FormatTable() const;
};

ClassificationReport MakeReport(const ConfusionMatrix& m);
core::Result<ClassificationReport> Evaluate(std::span<const int> actual, std::span<const int> predicted);

// How far a published confidence can be trusted: the multi-class Brier score of the
// probabilities (mean over rows of the sum over classes of (p - [class is actual])^2; 0 perfect,
// 0.667 for a uniform guess) and a reliability table of the published level's confidence in 10
// bins of width 0.1: in a calibrated model each bin's share right equals its mean confidence.
struct Calibration {
  struct Bin {
    double mean_confidence = 0;
    double share_right = 0;
    std::int64_t examples = 0;
  };
  double brier = 0;
  std::array<Bin, 10> bins{};
  // {"brier":b,"reliability":[{"from":0,"to":0.1,"mean_confidence":c,"share_right":s,"examples":n},...]}
  std::string ToJson() const;
  // "0.4-0.5: 0.46 -> 0.44 (1203); ..." over the bins with examples.
  std::string FormatBins() const;
};
// Precondition: one prediction and one actual label per row of `proba`.
Calibration CalibrationOf(const ClassProbabilities& proba, std::span<const ClassPrediction> published,
                          std::span<const int> actual);

// Mean absolute error; InvalidArgument on length mismatch, 0 for empty input.
core::Result<double> MeanAbsoluteError(std::span<const double> actual, std::span<const double> predicted);

}  // namespace traffic::model
