// The model card for people: card.html beside card.json and report.txt in a model folder. One
// self-contained page (no network, no script, inline SVG) with the verdict per horizon, the
// thresholds and periods, and per horizon the confusion matrices of the model and persistence, the
// reliability diagram of the published confidence and macro-F1 by hour of day for the model and
// both baselines. A pure function of the training summary.
#pragma once

#include <string>

#include "traffic/pipeline/train_step.h"

namespace traffic::pipeline {

std::string RenderCardHtml(const TrainSummary& summary);

}  // namespace traffic::pipeline
