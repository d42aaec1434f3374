// Attaches targets to feature rows after the fact (batch only; the stream computes features with
// the same FeatureBuilder and no labels). DESIGN.md "Forecast": the target of horizon h for the
// row (t, cell) is the observed level (window::LevelFor) of the mean speed of the cell's trips in
// [t, t + h), provided they are at least min_trips; otherwise kNoTarget.
//
// Contract: the Labeler sees the same closed windows as the FeatureBuilder, in the same order,
// and each row BEFORE the window whose arrival made the builder emit it:
//     for (const auto& w : closed) {
//       builder.AddWindow(w, &rows);
//       for (auto& r : rows) labeler.AddRow(std::move(r));
//       rows.clear();
//       labeler.AddWindow(w, &labelled);
//     }
//     builder.AdvanceTo(closed_until, &rows); (AddRow each) labeler.AdvanceTo(closed_until, &labelled);
//     ... at end of input: labeler.Finish(&labelled);
// A row of time t is released (in the order received) as soon as every window before t + 60 min
// is known. Memory: the rows of the last 60 minutes and a ring of running sums per active cell.
#pragma once

#include <chrono>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/features/feature_row.h"
#include "traffic/features/window_history.h"
#include "traffic/window/level.h"
#include "traffic/window/windower.h"

namespace traffic::features {

struct LabelOptions {
  std::chrono::seconds window_size{60};  // the windower's; must divide 5 minutes
  geo::GridSpec grid;
  int min_trips = 3;
  window::LevelThresholds thresholds;

  core::Status Validate() const;
};

class Labeler {
 public:
  // Precondition: options.Validate().ok() (asserted).
  explicit Labeler(LabelOptions options = {});

  void AddRow(FeatureRow row);
  // Releases the held rows whose targets are complete, then records w.
  void AddWindow(const window::WindowAggregate& w, std::vector<FeatureRow>* out);
  void AdvanceTo(core::UtcTime closed_until, std::vector<FeatureRow>* out);
  // End of input: releases every held row. Horizons ending after the last known boundary
  // (closed_until / newest window start) get kNoTarget: they were never observed.
  void Finish(std::vector<FeatureRow>* out);

  size_t pending() const { return pending_.size(); }

  // ---- Cell state (the stream's partition state, as FeatureBuilder::SnapshotCells) ----
  // The held rows of `cells` (their t and cell only: what labelling reads) and those cells'
  // window history. RestoreCells merges them into this labeler (rows in t order among those
  // held, after those of the same t), so restoring every partition a worker owns, in any order,
  // gives back the rows each would have released, when, and their targets (rows of one t may come
  // out in another cell order). Frame "TRLBC" version 1 (core/coding.h).
  std::string SnapshotCells(const window::CellMask& cells) const;
  core::Status RestoreCells(std::string_view bytes);

 private:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  void Advance(int64_t frontier, std::vector<FeatureRow>* out);
  void Label(FeatureRow* row) const;

  LabelOptions options_;
  int64_t window_s_;
  int n60_;
  WindowHistory history_;
  std::deque<FeatureRow> pending_;
  int64_t frontier_ = kNone;  // every window with index < frontier_ has been given
  std::vector<int> scratch_;
};

}  // namespace traffic::features
