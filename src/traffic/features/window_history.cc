#include "traffic/features/window_history.h"

#include <algorithm>
#include <cassert>

#include "traffic/window/partition_state.h"

namespace traffic::features {

void PutCellStateHeader(std::string* out, int64_t window_s, const geo::GridSpec& grid) {
  core::PutVarint64(out, static_cast<uint64_t>(window_s));
  core::PutVarint64(out, static_cast<uint64_t>(grid.rows));
  core::PutVarint64(out, static_cast<uint64_t>(grid.cols));
}

core::Status ReadCellStateHeader(core::ByteReader* r, int64_t window_s, const geo::GridSpec& grid,
                                 std::string_view what) {
  uint64_t w, rows, cols;
  if (!r->GetVarint64(&w) || !r->GetVarint64(&rows) || !r->GetVarint64(&cols)) {
    return core::Status::Corrupt(std::string(what) + ": truncated header");
  }
  if (w != static_cast<uint64_t>(window_s) || rows != static_cast<uint64_t>(grid.rows) ||
      cols != static_cast<uint64_t>(grid.cols)) {
    return core::Status::InvalidArgument(std::string(what) + " was taken with other options (window " +
                                         std::to_string(w) + " s, grid " + std::to_string(rows) + "x" +
                                         std::to_string(cols) + ")");
  }
  return core::Status::Ok();
}

namespace {
int RoundUpToPowerOfTwo(int n) {
  int p = 2;
  while (p < n) p *= 2;
  return p;
}
}  // namespace

WindowHistory::WindowHistory(int cell_count, int ring_windows)
    : ring_(RoundUpToPowerOfTwo(ring_windows)), pos_(cell_count, -1), cell_at_(cell_count, -1) {}

void WindowHistory::Add(int cell, int64_t index, const window::TripStats& stats) {
  int32_t s = pos_[cell];
  if (s < 0) {
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
    } else {
      s = static_cast<int32_t>(slots_.size());
      slots_.emplace_back();
      slots_.back().cumulative.resize(ring_);
    }
    Slot& slot = slots_[s];
    slot.cell = cell;
    slot.first = index;
    slot.last = index;
    slot.cumulative[(index & (ring_ - 1))] = stats;
    pos_[cell] = s;
    cell_at_[cell] = static_cast<int32_t>(cells_.size());
    cells_.push_back(cell);
    return;
  }
  Slot& slot = slots_[s];
  assert(index >= slot.last);
  window::TripStats before = slot.cumulative[(slot.last & (ring_ - 1))];
  if (index == slot.last) {
    slot.cumulative[(index & (ring_ - 1))] += stats;
    return;
  }
  for (int64_t i = std::max(slot.last + 1, index - ring_ + 1); i < index; ++i) {
    slot.cumulative[(i & (ring_ - 1))] = before;
  }
  slot.cumulative[(index & (ring_ - 1))] = before + stats;
  slot.last = index;
}

window::TripStats WindowHistory::Cumulative(const Slot& slot, int64_t index) const {
  if (index < slot.first) return {};
  if (index >= slot.last) return slot.cumulative[(slot.last & (ring_ - 1))];
  assert(index > slot.last - ring_);
  return slot.cumulative[(index & (ring_ - 1))];
}

window::TripStats WindowHistory::Sum(int cell, int64_t from, int64_t to) const {
  int32_t s = pos_[cell];
  if (s < 0 || to <= from) return {};
  const Slot& slot = slots_[s];
  return Cumulative(slot, to - 1) - Cumulative(slot, from - 1);
}

void WindowHistory::Release(int cell) {
  int32_t s = pos_[cell];
  if (s < 0) return;
  pos_[cell] = -1;
  slots_[s].cell = -1;
  free_.push_back(s);
  int32_t at = cell_at_[cell];
  int moved = cells_.back();
  cells_[at] = moved;
  cell_at_[moved] = at;
  cells_.pop_back();
  cell_at_[cell] = -1;
}

void WindowHistory::SaveCell(int cell, std::string* out) const {
  const Slot& slot = slots_[pos_[cell]];
  const int64_t first = std::max(slot.first, slot.last - ring_ + 1);
  core::PutVarintSigned64(out, first);
  uint64_t later = 0;
  window::TripStats prev = Cumulative(slot, first);
  for (int64_t i = first + 1; i <= slot.last; ++i) {
    window::TripStats cum = slot.cumulative[(i & (ring_ - 1))];
    later += cum == prev ? 0 : 1;
    prev = cum;
  }
  core::PutVarint64(out, later);
  prev = Cumulative(slot, first);
  // The running sum at `first`: it cancels out of every answerable Sum, except when `first` is
  // the cell's first window, where it is that window.
  window::PutTripStats(out, prev);
  int64_t at = first;
  for (int64_t i = first + 1; i <= slot.last; ++i) {
    window::TripStats cum = slot.cumulative[(i & (ring_ - 1))];
    if (cum == prev) continue;
    core::PutVarint64(out, static_cast<uint64_t>(i - at));
    window::PutTripStats(out, cum - prev);
    prev = cum;
    at = i;
  }
}

bool WindowHistory::ReadCell(core::ByteReader* r, SavedCell* out) const {
  uint64_t later;
  if (!r->GetVarintSigned64(&out->first) || !r->GetVarint64AtMost(static_cast<uint64_t>(ring_), &later) ||
      !window::GetTripStats(r, &out->base)) {
    return false;
  }
  out->later.clear();
  int64_t at = out->first;
  for (uint64_t k = 0; k < later; ++k) {
    uint64_t gap;
    window::TripStats stats;
    if (!r->GetVarint64(&gap) || gap == 0 || gap >= static_cast<uint64_t>(ring_) || !window::GetTripStats(r, &stats) ||
        stats.trip_count <= 0) {
      return false;
    }
    at += static_cast<int64_t>(gap);
    if (at - out->first >= ring_) return false;  // more than the ring holds
    out->later.emplace_back(at, stats);
  }
  return true;
}

void WindowHistory::LoadCell(int cell, const SavedCell& saved) {
  Release(cell);
  Add(cell, saved.first, saved.base);
  for (const auto& [index, stats] : saved.later) Add(cell, index, stats);
}

}  // namespace traffic::features
