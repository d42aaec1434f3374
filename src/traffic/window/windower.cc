#include "traffic/window/windower.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <tuple>
#include <utility>

#include "traffic/window/partition_state.h"

namespace traffic::window {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

bool ValidValues(const Event& e) {
  return std::isfinite(e.speed_mph) && e.speed_mph >= 0 && e.speed_mph < 1e6 && std::isfinite(e.distance_mi) &&
         e.distance_mi >= 0 && e.distance_mi < 1e6 && e.duration_s >= 0;
}

}  // namespace

double TripStats::speed_std_mph() const {
  if (trip_count < 2) return std::numeric_limits<double>::quiet_NaN();
  double n = static_cast<double>(trip_count);
  double mean = static_cast<double>(speed_sum_mmph) / n;
  double var = static_cast<double>(speed_sq_sum_mmph2) / n - mean * mean;
  return std::sqrt(std::max(var, 0.0)) / 1000.0;
}

Event EventFromTrip(const trip::Trip& trip, geo::CellId pickup_cell) {
  Event e;
  e.event_time = trip.event_time();
  e.cell = pickup_cell;
  e.speed_mph = trip.speed_mph();
  e.distance_mi = trip.distance_mi;
  e.duration_s = trip.duration_s();
  return e;
}

std::optional<Event> EventFromTrip(const trip::Trip& trip, const geo::Grid& grid) {
  auto cell = grid.Locate(trip.pickup_lat, trip.pickup_lon);
  if (!cell) return std::nullopt;
  return EventFromTrip(trip, *cell);
}

core::Status WindowOptions::Validate() const {
  if (window_size.count() <= 0) return core::Status::InvalidArgument("window size must be > 0 s");
  if (allowed_lateness.count() < 0) {
    return core::Status::InvalidArgument("allowed lateness must be >= 0 s");
  }
  if (idle_timeout.count() <= 0) return core::Status::InvalidArgument("idle timeout must be > 0 s");
  if (grid.rows <= 0 || grid.cols <= 0) return core::Status::InvalidArgument("empty grid");
  if (max_partitions <= 0) return core::Status::InvalidArgument("max_partitions must be > 0");
  return core::Status::Ok();
}

std::string_view AddStatusName(AddStatus status) {
  switch (status) {
    case AddStatus::kAccepted:
      return "accepted";
    case AddStatus::kLate:
      return "late";
    case AddStatus::kOutsideGrid:
      return "outside_grid";
    case AddStatus::kInvalidValue:
      return "invalid_value";
  }
  return "unknown";
}

std::string DescribeReject(const Event& event, const AddResult& result) {
  std::string s(AddStatusName(result.status));
  switch (result.status) {
    case AddStatus::kAccepted:
      break;
    case AddStatus::kLate:
      s += ": event_time " + core::FormatIsoUtc(event.event_time) + ", window " +
           core::FormatIsoUtc(result.window_start) + " already closed";
      if (result.closed_until) s += " (closed until " + core::FormatIsoUtc(*result.closed_until) + ")";
      break;
    case AddStatus::kOutsideGrid:
      s += ": cell " + event.cell.ToString() + " is not in the grid";
      break;
    case AddStatus::kInvalidValue:
      s += ": speed_mph " + std::to_string(event.speed_mph) + ", distance_mi " + std::to_string(event.distance_mi) +
           ", duration_s " + std::to_string(event.duration_s);
      break;
  }
  return s;
}

Windower::Windower(WindowOptions options)
    : options_(options),
      window_s_(options.window_size.count()),
      lateness_s_(options.allowed_lateness.count()),
      idle_s_(options.idle_timeout.count()),
      cell_count_(options.grid.rows * options.grid.cols),
      cell_floor_(static_cast<size_t>(std::max(cell_count_, 0)), kNone) {
  assert(options_.Validate().ok());
}

CellMask SelectCells(const geo::GridSpec& grid, const std::function<bool(geo::CellId)>& owns_cell) {
  CellMask mask(static_cast<size_t>(grid.rows) * grid.cols, false);
  for (int r = 0; r < grid.rows; ++r) {
    for (int c = 0; c < grid.cols; ++c) {
      mask[static_cast<size_t>(r) * grid.cols + c] =
          owns_cell(geo::CellId{static_cast<int16_t>(r), static_cast<int16_t>(c)});
    }
  }
  return mask;
}

bool Windower::IsActive(int partition) const {
  return partition >= 0 && partition < static_cast<int>(partitions_.size()) && partitions_[partition].known &&
         !partitions_[partition].idle;
}

void Windower::TouchPartition(int partition) {
  assert(partition >= 0 && partition < options_.max_partitions);
  if (partition >= static_cast<int>(partitions_.size())) partitions_.resize(partition + 1);
  Partition& p = partitions_[partition];
  bool was_holding = p.known && !p.idle;
  p.known = true;
  p.idle = false;
  p.last_active_proc_s = proc_now_s_;
  // A partition rejoining (or joining) can only hold the watermark back, never move it back;
  // a registered partition with no events holds it at "none".
  if (!was_holding) RecomputeWatermark();
}

void Windower::RegisterPartition(int partition) {
  EndRestoring();
  TouchPartition(partition);
}

void Windower::EndRestoring() {
  if (!restoring_) return;
  restoring_ = false;
  // Restores do not recompute: with only some partitions restored the minimum is not yet final.
  RecomputeWatermark();
}

void Windower::RecomputeWatermark() {
  bool any = false;
  int64_t wm = std::numeric_limits<int64_t>::max();
  for (const Partition& p : partitions_) {
    if (!p.known || p.idle) continue;
    any = true;
    int64_t pw = p.max_event_s == kNone ? kNone : p.max_event_s - lateness_s_;
    wm = std::min(wm, pw);
  }
  if (!any || wm == kNone || wm <= watermark_s_) return;
  watermark_s_ = wm;
  int64_t close = FloorDiv(watermark_s_, window_s_);
  if (closed_index_ == kNone || close > closed_index_) CloseBefore(close);
}

AddResult Windower::Add(const Event& event, int partition) {
  if (restoring_) [[unlikely]]
    EndRestoring();
  AddResult result;
  const int64_t t = core::ToEpochSeconds(event.event_time);
  const int64_t index = FloorDiv(t, window_s_);
  result.window_start = core::FromEpochSeconds(index * window_s_);
  if (event.cell.row < 0 || event.cell.row >= options_.grid.rows || event.cell.col < 0 ||
      event.cell.col >= options_.grid.cols) {
    result.status = AddStatus::kOutsideGrid;
    result.closed_until = closed_until();
    ++counters_.outside_grid;
    return result;
  }
  if (!ValidValues(event)) {
    result.status = AddStatus::kInvalidValue;
    result.closed_until = closed_until();
    ++counters_.invalid_value;
    return result;
  }

  TouchPartition(partition);
  Partition& p = partitions_[partition];
  if (p.max_event_s == kNone || t > p.max_event_s) {
    int64_t old = p.max_event_s;
    p.max_event_s = t;
    // Invariant: the minimum over active partitions is <= watermark_s_. A partition above the
    // watermark is not the minimum, so raising it cannot move the watermark.
    if (old == kNone || watermark_s_ == kNone || old - lateness_s_ <= watermark_s_) {
      RecomputeWatermark();
    }
  }

  const int cell = event.cell.row * options_.grid.cols + event.cell.col;
  if ((closed_index_ != kNone && index < closed_index_) || index < cell_floor_[cell]) {
    result.status = AddStatus::kLate;
    result.closed_until = closed_until();
    ++counters_.late;
    return result;
  }

  Slot& slot = SlotFor(index);
  int32_t at = slot.pos[cell];
  if (at < 0) {
    at = static_cast<int32_t>(slot.cells.size());
    slot.pos[cell] = at;
    slot.cells.push_back(cell);
    slot.stats.emplace_back();
  }
  slot.stats[at].Add(event);
  ++counters_.accepted;
  return result;
}

Windower::Slot& Windower::SlotFor(int64_t window_index) {
  if (last_slot_ >= 0 && slots_[last_slot_].window_index == window_index) return slots_[last_slot_];
  for (int s : open_) {
    if (slots_[s].window_index == window_index) {
      last_slot_ = s;
      return slots_[s];
    }
  }
  int s;
  if (!free_.empty()) {
    s = free_.back();
    free_.pop_back();
  } else {
    s = static_cast<int>(slots_.size());
    slots_.emplace_back();
    slots_.back().pos.assign(cell_count_, -1);
  }
  slots_[s].window_index = window_index;
  open_.push_back(s);
  last_slot_ = s;
  return slots_[s];
}

void Windower::ReleaseSlot(int s) {
  Slot& slot = slots_[s];
  for (int32_t cell : slot.cells) slot.pos[cell] = -1;
  slot.cells.clear();
  slot.stats.clear();
  open_.erase(std::find(open_.begin(), open_.end(), s));
  free_.push_back(s);
  if (last_slot_ == s) last_slot_ = -1;
}

void Windower::CloseBefore(int64_t window_index) {
  closed_index_ = closed_index_ == kNone ? window_index : std::max(closed_index_, window_index);
  std::vector<int> closing;
  for (int s : open_) {
    if (slots_[s].window_index < window_index) closing.push_back(s);
  }
  if (closing.empty()) return;
  std::sort(closing.begin(), closing.end(),
            [&](int a, int b) { return slots_[a].window_index < slots_[b].window_index; });
  for (int s : closing) {
    Slot& slot = slots_[s];
    std::vector<int32_t> order = slot.cells;
    std::sort(order.begin(), order.end());  // row-major index order == (row, col) order
    const auto start = core::FromEpochSeconds(slot.window_index * window_s_);
    const auto end = core::FromEpochSeconds((slot.window_index + 1) * window_s_);
    for (int32_t cell : order) {
      WindowAggregate w;
      w.window_start = start;
      w.window_end = end;
      w.cell =
          geo::CellId{static_cast<int16_t>(cell / options_.grid.cols), static_cast<int16_t>(cell % options_.grid.cols)};
      w.stats = slot.stats[slot.pos[cell]];
      closed_.push_back(w);
    }
    counters_.windows_emitted += static_cast<int64_t>(order.size());
    ReleaseSlot(s);
  }
}

void Windower::AdvanceProcessingTime(core::UtcTime now) {
  EndRestoring();
  int64_t n = core::ToEpochSeconds(now);
  if (proc_now_s_ != kNone && n <= proc_now_s_) return;
  proc_now_s_ = n;
  bool changed = false;
  for (Partition& p : partitions_) {
    if (!p.known || p.idle) continue;
    if (p.last_active_proc_s == kNone) {
      p.last_active_proc_s = n;  // first processing time seen: start its idle clock now
    } else if (n - p.last_active_proc_s > idle_s_) {
      p.idle = true;
      changed = true;
    }
  }
  if (changed) RecomputeWatermark();
}

void Windower::Flush() {
  EndRestoring();
  int64_t newest = kNone;
  for (int s : open_) newest = std::max(newest, slots_[s].window_index);
  if (newest == kNone) return;
  CloseBefore(newest + 1);
}

void Windower::TakeClosed(std::vector<WindowAggregate>* out) {
  EndRestoring();
  out->insert(out->end(), closed_.begin(), closed_.end());
  closed_.clear();
}

std::optional<core::UtcTime> Windower::watermark() const {
  if (watermark_s_ == kNone) return std::nullopt;
  return core::FromEpochSeconds(watermark_s_);
}

std::optional<core::UtcTime> Windower::closed_until() const {
  if (closed_index_ == kNone) return std::nullopt;
  return core::FromEpochSeconds(closed_index_ * window_s_);
}

// ---- Partition state ----

std::string Windower::SnapshotPartition(int partition, const std::function<bool(geo::CellId)>& owns_cell) const {
  return SnapshotPartition(partition, SelectCells(options_.grid, owns_cell));
}

std::string Windower::SnapshotPartition(int partition, const CellMask& cells) const {
  return EncodePartitionState(CapturePartition(partition, cells));
}

PartitionState Windower::CapturePartition(int partition, const CellMask& cells) const {
  assert(static_cast<int>(cells.size()) == cell_count_);
  assert(partition >= 0 && partition < options_.max_partitions);
  PartitionState st;
  st.window_s = static_cast<uint64_t>(window_s_);
  st.lateness_s = static_cast<uint64_t>(lateness_s_);
  st.idle_s = static_cast<uint64_t>(idle_s_);
  st.rows = static_cast<uint64_t>(options_.grid.rows);
  st.cols = static_cast<uint64_t>(options_.grid.cols);
  st.partition = static_cast<uint64_t>(partition);
  Partition p;
  if (partition < static_cast<int>(partitions_.size())) p = partitions_[partition];
  st.known = p.known;
  st.idle = p.idle;
  st.max_event_s = p.max_event_s;
  st.watermark_s = watermark_s_;
  st.closed_index = closed_index_;
  st.cells = cells;
  // Floors above closed_until (cells restored from a windower that was ahead).
  for (int c = 0; c < cell_count_; ++c) {
    if (cells[c] && cell_floor_[c] != kNone && cell_floor_[c] > closed_index_)
      st.floors.emplace_back(c, cell_floor_[c]);
  }
  // Open windows of the cells, by (index, cell).
  std::vector<int> open = open_;
  std::sort(open.begin(), open.end(), [&](int a, int b) { return slots_[a].window_index < slots_[b].window_index; });
  for (int s : open) {
    const Slot& slot = slots_[s];
    PartitionState::OpenWindow win{slot.window_index, {}};
    for (int32_t c : slot.cells) {
      if (cells[c]) win.cells.push_back({c, slot.stats[slot.pos[c]]});
    }
    if (win.cells.empty()) continue;
    std::sort(win.cells.begin(), win.cells.end(), [](const auto& a, const auto& b) { return a.cell < b.cell; });
    st.open.push_back(std::move(win));
  }
  // Closed windows not taken yet (closed_ is sorted by (start, cell)).
  for (const WindowAggregate& a : closed_) {
    const int c = a.cell.row * options_.grid.cols + a.cell.col;
    if (cells[c]) st.closed.push_back({FloorDiv(core::ToEpochSeconds(a.window_start), window_s_), c, a.stats});
  }
  return st;
}

core::Status Windower::RestorePartition(int partition, std::string_view bytes) {
  TRAFFIC_ASSIGN_OR_RETURN(PartitionState state, DecodePartitionState(bytes));
  return RestorePartition(partition, state);
}

core::Status Windower::RestorePartition(int partition, const PartitionState& state) {
  TRAFFIC_RETURN_IF_ERROR(ValidatePartitionState(state, options_, partition));
  ApplyPartition(partition, state);
  return core::Status::Ok();
}

// Replace what we hold for this partition and these cells, then merge.
void Windower::ApplyPartition(int partition, const PartitionState& st) {
  Forget(partition, st.cells);
  if (restoring_) {
    if (!restored_any_) {
      watermark_s_ = st.watermark_s;
      closed_index_ = st.closed_index;
    } else {  // kNone is the smallest value: "nothing yet" wins, as it should
      watermark_s_ = std::min(watermark_s_, st.watermark_s);
      closed_index_ = std::min(closed_index_, st.closed_index);
    }
    restored_any_ = true;
  }
  for (int c = 0; c < cell_count_; ++c) {
    if (st.cells[c]) cell_floor_[c] = st.closed_index;
  }
  for (const auto& [c, f] : st.floors) cell_floor_[c] = f;
  if (partition >= static_cast<int>(partitions_.size())) partitions_.resize(partition + 1);
  Partition& p = partitions_[partition];
  p.known = st.known;
  p.idle = st.idle;
  p.max_event_s = st.max_event_s;
  p.last_active_proc_s = proc_now_s_;  // kNone: starts at the next AdvanceProcessingTime
  const size_t pending_before = closed_.size();
  auto to_aggregate = [&](int64_t index, int32_t cell, const TripStats& stats) {
    WindowAggregate a;
    a.window_start = core::FromEpochSeconds(index * window_s_);
    a.window_end = core::FromEpochSeconds((index + 1) * window_s_);
    a.cell =
        geo::CellId{static_cast<int16_t>(cell / options_.grid.cols), static_cast<int16_t>(cell % options_.grid.cols)};
    a.stats = stats;
    return a;
  };
  for (const PartitionState::OpenWindow& win : st.open) {
    if (closed_index_ != kNone && win.index < closed_index_) {
      // We are ahead of the restored partition: its window is closed now, not lost.
      for (const auto& c : win.cells) closed_.push_back(to_aggregate(win.index, c.cell, c.stats));
      counters_.windows_emitted += static_cast<int64_t>(win.cells.size());
      continue;
    }
    Slot& slot = SlotFor(win.index);
    for (const auto& c : win.cells) {
      slot.pos[c.cell] = static_cast<int32_t>(slot.cells.size());
      slot.cells.push_back(c.cell);
      slot.stats.push_back(c.stats);
    }
  }
  for (const auto& win : st.closed) closed_.push_back(to_aggregate(win.index, win.cell, win.stats));
  if (closed_.size() != pending_before) {
    std::sort(closed_.begin(), closed_.end(), [](const WindowAggregate& a, const WindowAggregate& b) {
      return std::tie(a.window_start, a.cell) < std::tie(b.window_start, b.cell);
    });
  }
}

void Windower::DropPartition(int partition, const std::function<bool(geo::CellId)>& owns_cell) {
  DropPartition(partition, SelectCells(options_.grid, owns_cell));
}

void Windower::DropPartition(int partition, const CellMask& cells) {
  assert(static_cast<int>(cells.size()) == cell_count_);
  EndRestoring();
  Forget(partition, cells);
  RecomputeWatermark();  // the partition no longer holds the watermark back
}

void Windower::Forget(int partition, const CellMask& cells) {
  if (partition >= 0 && partition < static_cast<int>(partitions_.size())) {
    partitions_[partition] = Partition{};
  }
  std::vector<int> emptied;
  for (int s : open_) {
    Slot& slot = slots_[s];
    size_t keep = 0;
    for (size_t i = 0; i < slot.cells.size(); ++i) {
      const int32_t c = slot.cells[i];
      if (cells[c]) {
        slot.pos[c] = -1;
        continue;
      }
      slot.cells[keep] = c;
      slot.stats[keep] = slot.stats[i];
      slot.pos[c] = static_cast<int32_t>(keep);
      ++keep;
    }
    slot.cells.resize(keep);
    slot.stats.resize(keep);
    if (keep == 0) emptied.push_back(s);
  }
  for (int s : emptied) ReleaseSlot(s);
  std::erase_if(closed_, [&](const WindowAggregate& a) { return cells[a.cell.row * options_.grid.cols + a.cell.col]; });
  for (int c = 0; c < cell_count_; ++c) {
    if (cells[c]) cell_floor_[c] = kNone;
  }
}

}  // namespace traffic::window
