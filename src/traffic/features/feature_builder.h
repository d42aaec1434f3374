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
// Memory: a ring of 64 minutes of running sums per active cell. Not thread-safe.
#pragma once

#include <chrono>
#include <optional>
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

  core::Status Validate() const;
};

class FeatureBuilder {
 public:
  // Precondition: options.Validate().ok() (asserted).
  explicit FeatureBuilder(FeatureOptions options = {});

  // Emits (appends to *out) the rows of every boundary t <= w.window_start not yet emitted, then
  // records w. Precondition: w.window_start >= the last boundary emitted (asserted).
  void AddWindow(const window::WindowAggregate& w, std::vector<FeatureRow>* out);
  // Emits the rows of every boundary t <= closed_until not yet emitted (use the windower's
  // closed_until after each poll, and after Flush).
  void AdvanceTo(core::UtcTime closed_until, std::vector<FeatureRow>* out);

  // Cells with a trip in the last 60 minutes of the newest boundary.
  size_t active_cells() const { return history_.cells().size(); }
  // The next boundary whose rows are still to come; nullopt before the first window.
  std::optional<core::UtcTime> next_boundary() const;

 private:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  void EmitThrough(int64_t boundary_index, std::vector<FeatureRow>* out);
  void EmitBoundary(int64_t t_index, std::vector<FeatureRow>* out);

  FeatureOptions options_;
  int64_t window_s_;
  int n5_, n15_, n60_;
  WindowHistory history_;
  int64_t next_ = kNone;  // next boundary index (t = index * window size) to emit
  std::vector<int> scratch_;
};

}  // namespace traffic::features
