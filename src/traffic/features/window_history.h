// Internal to traffic::features: the recent closed windows of each cell, as running (cumulative)
// sums in a ring, so that the stats of any range of recent windows cost O(1).
//
// Contract: for each cell, windows are added in increasing window index; a range query
// [from, to) is valid when from - 1 >= last - ring + 1 (last = the cell's newest window), which
// callers guarantee by sizing the ring to their longest look-back plus a margin. Memory: one ring
// per cell holding a slot; slots are released by the caller when a cell goes quiet.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/coding.h"
#include "traffic/core/status.h"
#include "traffic/window/windower.h"

namespace traffic::features {

// The opening of a cell-state payload (FeatureBuilder's and Labeler's SnapshotCells): the window
// size and the grid it was taken with.
void PutCellStateHeader(std::string* out, int64_t window_s, const geo::GridSpec& grid);
// kCorrupt "<what>: truncated header"; kInvalidArgument naming the other window size or grid.
core::Status ReadCellStateHeader(core::ByteReader* r, int64_t window_s, const geo::GridSpec& grid,
                                 std::string_view what);

class WindowHistory {
 public:
  // The ring holds at least ring_windows windows (rounded up to a power of two).
  WindowHistory(int cell_count, int ring_windows);

  // Adds window `index` of `cell` (index >= the cell's previous index).
  void Add(int cell, int64_t index, const window::TripStats& stats);
  // Sum over windows with index in [from, to) (0 for a cell without a slot).
  window::TripStats Sum(int cell, int64_t from, int64_t to) const;
  bool Has(int cell) const { return pos_[cell] >= 0; }
  // The newest window index of a cell holding a slot.
  int64_t Last(int cell) const { return slots_[pos_[cell]].last; }
  void Release(int cell);
  // Cells holding a slot, in no particular order.
  const std::vector<int>& cells() const { return cells_; }
  // Whether Sum(cell, from, to) is answerable: the ring still covers from - 1.
  bool Covers(int cell, int64_t from) const {
    const Slot& slot = slots_[pos_[cell]];
    return from - 1 < slot.first || from - 1 > slot.last - ring_;
  }
  int ring() const { return ring_; }

  // The windows the ring can still answer for, as state: the first covered index R, the running
  // sum at R, then each later window with trips as (index gap, stats). Every answerable Sum of a
  // cell restored by LoadCell equals the original's.
  struct SavedCell {
    int64_t first = 0;
    window::TripStats base;                                    // the running sum at `first`
    std::vector<std::pair<int64_t, window::TripStats>> later;  // (index, stats), increasing
  };
  void SaveCell(int cell, std::string* out) const;
  // Reads what SaveCell wrote; false on bad bytes.
  bool ReadCell(core::ByteReader* r, SavedCell* out) const;
  // Replaces the cell's history.
  void LoadCell(int cell, const SavedCell& saved);

 private:
  struct Slot {
    int cell = -1;
    int64_t first = 0;
    int64_t last = 0;
    std::vector<window::TripStats> cumulative;  // ring: index & (ring_ - 1) -> sum of windows <= index
  };
  window::TripStats Cumulative(const Slot& slot, int64_t index) const;

  int ring_;
  std::vector<int32_t> pos_;  // cell -> slot, -1 when none
  std::vector<Slot> slots_;
  std::vector<int> free_;
  std::vector<int> cells_;        // cells holding a slot
  std::vector<int32_t> cell_at_;  // cell -> position in cells_
};

}  // namespace traffic::features
