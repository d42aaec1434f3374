// Builds forecast features from closed windows (DESIGN.md "Forecast"). The batch and the stream
// run this same code on the windows traffic::window emits; only the batch adds labels (Labeler).
//
// Contract:
//   - Windows are given in the order window::Windower emits them (window_start, then cell), all of
//     one window size. A window with start s tells the builder that every window with start < s
//     has been given, so the rows of every boundary t <= s can be computed; AdvanceTo(closed_until)
//     says the same when no window comes (quiet periods, end of input).
//   - Rows are emitted at every window boundary t (each minute with 1-minute windows), for every
//     cell with at least one trip in [t-60min, t), ordered by (t, cell). A row of time t reads only
//     windows that end at or before t, i.e. trips with event_time < t: no leakage by
//     construction, and the same rows whatever the batch size.
//   - Lags are by clock time (window indexes), never by "previous row".
//   - The first rows of a run see a partial history (nothing before the first window given).
//   - Per cell, a boundary's row is emitted at most once, in increasing t, also across
//     SnapshotCells / RestoreCells (see "Cell state" below).
// Memory: a ring of 64 minutes of running sums per active cell. Not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/features/feature_row.h"
#include "traffic/features/profile.h"
#include "traffic/features/window_history.h"
#include "traffic/window/windower.h"

namespace traffic::features {

struct FeatureOptions {
  std::chrono::seconds window_size{60};  // the windower's; must divide 5 minutes
  geo::GridSpec grid;
  // Not owned, may be null (profile features NaN, profile_fallback = true). Must outlive the
  // builder.
  const HistoricalProfile* profile = nullptr;
  // Batch only, may be null: the profile's training hours one by one, so that an example in the
  // training period sees the profile without its own hours (ProfileHoldout says why). Must
  // outlive the builder.
  const ProfileHoldout* holdout = nullptr;

  core::Status Validate() const;
};

class FeatureBuilder {
 public:
  // Precondition: options.Validate().ok() (asserted).
  explicit FeatureBuilder(FeatureOptions options = {});

  // Emits (appends to *out) the rows of every boundary t <= w.window_start not yet emitted, then
  // records w. Windows of one cell come in increasing window_start (asserted). A window older
  // than the last boundary emitted (only a window::Windower restore makes those: the windows of a
  // lagging restored partition) is recorded for the rows still to come; the rows of the
  // boundaries already passed are not emitted.
  void AddWindow(const window::WindowAggregate& w, std::vector<FeatureRow>* out);
  // Emits the rows of every boundary t <= closed_until not yet emitted (use the windower's
  // closed_until after each poll, and after Flush).
  void AdvanceTo(core::UtcTime closed_until, std::vector<FeatureRow>* out);

  // Cells with a trip in the last 60 minutes of the newest boundary.
  size_t active_cells() const { return history_.cells().size(); }
  // The next boundary whose rows are still to come; nullopt before the first window.
  std::optional<core::UtcTime> next_boundary() const;

  // ---- Cell state: restart and rebalance of stream workers ----
  //
  // The state of a set of cells (the cells of one Kafka partition): their history (the windows
  // the ring can still answer for, which covers the 60 minutes before every boundary to come),
  // the builder's next boundary N and, per cell, its row floor (the boundary from which it gets
  // rows; N unless restored from a builder that was ahead).
  //
  // Use: in the transaction of window::Windower::SnapshotPartition and at the same point: after
  // the windows taken from the windower were given (AddWindow) and AdvanceTo(closed_until).
  //
  // Restore contract (RestoreCells):
  //   - Replace, then merge: the history and floors this builder holds for the cells of the set
  //     recorded in the bytes are forgotten first; other cells are untouched.
  //   - A restored cell gets rows only at boundaries >= its floor (the snapshot's N, or more),
  //     so no (t, cell) row emitted before the snapshot is emitted again.
  //   - The next boundary: while the builder is RESTORING (from construction until the first
  //     AddWindow, AdvanceTo or DropCells) it is the minimum of the snapshots' N, whatever the
  //     order of the restores; restoring every cell set of one worker's transaction into a fresh
  //     builder therefore continues exactly as that worker would have. After that it is never
  //     changed by a restore: the worker's Windower::closed_until() drives AdvanceTo. Merging
  //     a set whose N is behind ours: its cells get rows from our next boundary on (the rows
  //     of the boundaries in between are not emitted by anyone: the price of moving a lagging
  //     partition; its windows still come, see AddWindow). Merging a set ahead of us: its cells
  //     get rows from their own N on (no duplicate), the other cells continue.
  //   - Neighbour features read a restored neighbour's windows before t only; a neighbour whose
  //     history no longer covers [t-15 min, t) (restored from a builder more than ~45 windows
  //     ahead) counts as having no trips.
  //   - Errors, with the state unchanged: kCorrupt for bytes that are not such a snapshot
  //     (magic, version, checksum, fields); kInvalidArgument for a snapshot taken with another
  //     window size or grid.
  //
  // Encoding "TRFCS" version 1: core/coding.h frame; varints; per cell with history only
  // its windows with trips. Size: ~20 bytes + grid/8 + per active cell ~10 bytes + ~12 bytes per
  // window with trips in its last ~64 windows.
  std::string SnapshotCells(const window::CellMask& cells) const;
  std::string SnapshotCells(const std::function<bool(geo::CellId)>& owns_cell) const;
  core::Status RestoreCells(std::string_view bytes);
  // The cells moved away (their partition was revoked): forgets their history and floors. Their
  // windows no longer feed neighbour features here.
  void DropCells(const window::CellMask& cells);
  void DropCells(const std::function<bool(geo::CellId)>& owns_cell);

 private:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  void EmitThrough(int64_t boundary_index, std::vector<FeatureRow>* out);
  void EmitBoundary(int64_t t_index, std::vector<FeatureRow>* out);
  void Forget(const window::CellMask& cells);

  FeatureOptions options_;
  int64_t window_s_;
  int n5_, n15_, n60_;
  WindowHistory history_;
  int64_t next_ = kNone;  // next boundary index (t = index * window size) to emit
  std::vector<int> scratch_;
  std::vector<int64_t> row_from_;  // cell -> first boundary index it may get a row at, or kNone
  std::vector<double> profile15_;  // cell -> its profile over [t-15, t), for the boundary t at hand
  bool restoring_ = true;          // see "Cell state"
  bool restored_any_ = false;
};

}  // namespace traffic::features
