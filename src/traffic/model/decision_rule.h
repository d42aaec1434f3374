// How a forecast's level is decided from the classifier's class probabilities. Plain argmax
// under-calls the rare classes (Low at most hours), and argmax after training with balanced class
// weights over-calls them; neither is what macro-F1, the score a traffic team is shown, rewards.
// So `train` tunes one weight per class on the validation days: the level is the class with the
// largest weight x probability. The confidence published stays the class's probability (trained
// without class weights, so a calibrated one). Pure functions; no I/O.
#pragma once

#include <array>
#include <span>
#include <string>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/model/classifier.h"

namespace traffic::model {

struct DecisionRule {
  std::array<double, kNumClasses> weights = {1, 1, 1};  // > 0; Medium's is 1 when tuned

  // The class with the largest weights[c] x p[c] (the lowest index on ties).
  int Decide(std::span<const float> p) const;
  std::vector<ClassPrediction> Apply(const ClassProbabilities& proba) const;
  std::string ToString() const;  // "Low x1.35, Medium x1, High x0.82"
};

// The weights (Low's and High's on a grid of 41 factors from 1/4 to 4, Medium's 1) that maximise
// macro-F1 of `labels` on `proba`; ties keep the weights nearest 1. Plain argmax when there are no
// labels. InvalidArgument when the rows and labels differ in number or a label is out of range.
core::Result<DecisionRule> TuneDecisionRule(const ClassProbabilities& proba, std::span<const int> labels);

}  // namespace traffic::model
