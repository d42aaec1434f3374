// Exact duplicate events while their window is open (DESIGN.md "Trips": exact duplicate records
// are removed). The batch removes duplicates per month after sorting; the stream cannot wait that
// long, so it remembers the event ids of every OPEN window and drops a second event with the same
// id in the same window. A copy that arrives after its window closed is late anyway (the
// windower refuses it), so ids are forgotten when their window closes: memory is bounded by the
// open windows (about lateness / window size + 1 windows' worth of events), never by the run.
//
// The ids are part of a stream partition's state: SnapshotCells / RestoreCells / DropCells follow
// the contract of window::Windower's partition state (the same cell masks, written in the same
// transaction), so a duplicate that arrives after a restart or a rebalance is still dropped.
// Not thread-safe; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "traffic/core/status.h"
#include "traffic/geo/grid.h"
#include "traffic/window/windower.h"

namespace traffic::window {

class DuplicateFilter {
 public:
  explicit DuplicateFilter(const geo::GridSpec& grid = {});

  // Whether `event_id` was recorded in window `window_index` (floor(event_time / window size)).
  bool Contains(int64_t window_index, uint64_t event_id) const;
  // Records the id of an accepted event of cell `cell_index` (row-major grid index).
  void Insert(int64_t window_index, int32_t cell_index, uint64_t event_id);
  // Forgets the ids of every window with index < window_index (closed windows).
  void ForgetBefore(int64_t window_index);

  size_t size() const { return size_; }
  size_t window_count() const { return by_window_.size(); }

  // The ids of the cells in `cells` (a stream partition's cells). Encoding "TRDUP" version 1, a
  // core/coding.h frame: grid rows and cols (varints), the cell mask (a bit per row-major cell),
  // the window count, then per window (ascending) its index (zigzag varint, delta from the
  // previous) and id count, and per id the id (Fixed64) and its cell (varint). ~10 bytes an id.
  std::string SnapshotCells(const CellMask& cells) const;
  // Replace, then merge: forgets the ids of the cells recorded in the bytes' mask, then adds the
  // snapshot's. kCorrupt for bytes that are not such a snapshot, kInvalidArgument for another
  // grid; on error nothing changes.
  core::Status RestoreCells(std::string_view bytes);
  // Forgets the ids of the cells in `cells` (a revoked partition).
  void DropCells(const CellMask& cells);

 private:
  geo::GridSpec grid_;
  int cell_count_;
  // window index -> event id -> cell index.
  std::map<int64_t, std::unordered_map<uint64_t, int32_t>> by_window_;
  size_t size_ = 0;
};

}  // namespace traffic::window
