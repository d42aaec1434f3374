#include "traffic/window/windower.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <tuple>
#include <utility>

#include "traffic/window/state_bytes.h"

namespace traffic::window {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

bool ValidValues(const Event& e) {
  return std::isfinite(e.speed_mph) && e.speed_mph >= 0 && e.speed_mph < 1e6 &&
         std::isfinite(e.distance_mi) && e.distance_mi >= 0 && e.distance_mi < 1e6 &&
         e.duration_s >= 0;
}

// Little-endian fixed-width encoding for snapshots.
class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void I64(int64_t v) {
    uint64_t u = static_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((u >> (8 * i)) & 0xFF));
  }
  void Bytes(std::string_view s) { out_.append(s); }
  void Stats(const TripStats& s) {
    I64(s.trip_count);
    I64(s.speed_sum_mmph);
    I64(s.speed_sq_sum_mmph2);
    I64(s.distance_sum_mmi);
    I64(s.duration_sum_s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v) {
    if (in_.size() < 1) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool I64(int64_t* v) {
    if (in_.size() < 8) return false;
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u |= uint64_t{static_cast<uint8_t>(in_[i])} << (8 * i);
    *v = static_cast<int64_t>(u);
    in_.remove_prefix(8);
    return true;
  }
  bool Bytes(size_t n, std::string_view* v) {
    if (in_.size() < n) return false;
    *v = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool Stats(TripStats* s) {
    return I64(&s->trip_count) && I64(&s->speed_sum_mmph) && I64(&s->speed_sq_sum_mmph2) &&
           I64(&s->distance_sum_mmi) && I64(&s->duration_sum_s);
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

constexpr std::string_view kMagic = "TRWIN";
constexpr int64_t kSnapshotVersion = 2;  // 2 added the cell floors; 1 is still read

constexpr std::string_view kPartitionMagic = "TRWPS";
constexpr uint32_t kPartitionVersion = 1;

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
    case AddStatus::kAccepted: return "accepted";
    case AddStatus::kLate: return "late";
    case AddStatus::kOutsideGrid: return "outside_grid";
    case AddStatus::kInvalidValue: return "invalid_value";
  }
  return "unknown";
}

std::string DescribeReject(const Event& event, const AddResult& result) {
  std::string s(AddStatusName(result.status));
  switch (result.status) {
    case AddStatus::kAccepted: break;
    case AddStatus::kLate:
      s += ": event_time " + core::FormatIsoUtc(event.event_time) + ", window " +
           core::FormatIsoUtc(result.window_start) + " already closed";
      if (result.closed_until) s += " (closed until " + core::FormatIsoUtc(*result.closed_until) + ")";
      break;
    case AddStatus::kOutsideGrid: s += ": cell " + event.cell.ToString() + " is not in the grid"; break;
    case AddStatus::kInvalidValue:
      s += ": speed_mph " + std::to_string(event.speed_mph) + ", distance_mi " +
           std::to_string(event.distance_mi) + ", duration_s " + std::to_string(event.duration_s);
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
  return partition >= 0 && partition < static_cast<int>(partitions_.size()) &&
         partitions_[partition].known && !partitions_[partition].idle;
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
  if (restoring_) [[unlikely]] EndRestoring();
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
      w.cell = geo::CellId{static_cast<int16_t>(cell / options_.grid.cols),
                           static_cast<int16_t>(cell % options_.grid.cols)};
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

std::string Windower::Snapshot() const {
  Writer w;
  w.Bytes(kMagic);
  w.I64(kSnapshotVersion);
  w.I64(window_s_);
  w.I64(lateness_s_);
  w.I64(idle_s_);
  w.I64(options_.grid.rows);
  w.I64(options_.grid.cols);
  w.I64(watermark_s_);
  w.I64(closed_index_);
  w.I64(proc_now_s_);
  w.I64(counters_.accepted);
  w.I64(counters_.late);
  w.I64(counters_.outside_grid);
  w.I64(counters_.invalid_value);
  w.I64(counters_.windows_emitted);
  w.I64(static_cast<int64_t>(partitions_.size()));
  for (const Partition& p : partitions_) {
    w.U8(p.known);
    w.U8(p.idle);
    w.I64(p.max_event_s);
    w.I64(p.last_active_proc_s);
  }
  // Open windows in (index, cell) order, so equal states give equal bytes.
  std::vector<int> open = open_;
  std::sort(open.begin(), open.end(),
            [&](int a, int b) { return slots_[a].window_index < slots_[b].window_index; });
  w.I64(static_cast<int64_t>(open.size()));
  for (int s : open) {
    const Slot& slot = slots_[s];
    std::vector<int32_t> order = slot.cells;
    std::sort(order.begin(), order.end());
    w.I64(slot.window_index);
    w.I64(static_cast<int64_t>(order.size()));
    for (int32_t cell : order) {
      w.I64(cell);
      w.Stats(slot.stats[slot.pos[cell]]);
    }
  }
  w.I64(static_cast<int64_t>(closed_.size()));
  for (const WindowAggregate& a : closed_) {
    w.I64(core::ToEpochSeconds(a.window_start));
    w.I64(a.cell.row * options_.grid.cols + a.cell.col);
    w.Stats(a.stats);
  }
  int64_t floors = 0;
  for (int64_t f : cell_floor_) floors += f != kNone;
  w.I64(floors);
  for (int c = 0; c < cell_count_; ++c) {
    if (cell_floor_[c] == kNone) continue;
    w.I64(c);
    w.I64(cell_floor_[c]);
  }
  return w.Take();
}

core::Status Windower::Restore(std::string_view bytes) {
  auto corrupt = [](std::string what) {
    return core::Status::Corrupt("window snapshot: " + what);
  };
  Reader r(bytes);
  std::string_view magic;
  if (!r.Bytes(kMagic.size(), &magic) || magic != kMagic) return corrupt("bad magic");
  int64_t version, window_s, lateness_s, idle_s, rows, cols;
  if (!r.I64(&version)) return corrupt("truncated header");
  if (version != kSnapshotVersion && version != 1) {
    return corrupt("unsupported version " + std::to_string(version));
  }
  if (!r.I64(&window_s) || !r.I64(&lateness_s) || !r.I64(&idle_s) || !r.I64(&rows) ||
      !r.I64(&cols)) {
    return corrupt("truncated header");
  }
  if (window_s != window_s_ || lateness_s != lateness_s_ || idle_s != idle_s_ ||
      rows != options_.grid.rows || cols != options_.grid.cols) {
    return core::Status::InvalidArgument(
        "window snapshot was taken with other options (window " + std::to_string(window_s) +
        " s, lateness " + std::to_string(lateness_s) + " s, idle " + std::to_string(idle_s) +
        " s, grid " + std::to_string(rows) + "x" + std::to_string(cols) + ")");
  }
  Windower fresh(options_);
  int64_t n;
  if (!r.I64(&fresh.watermark_s_) || !r.I64(&fresh.closed_index_) || !r.I64(&fresh.proc_now_s_) ||
      !r.I64(&fresh.counters_.accepted) || !r.I64(&fresh.counters_.late) ||
      !r.I64(&fresh.counters_.outside_grid) || !r.I64(&fresh.counters_.invalid_value) ||
      !r.I64(&fresh.counters_.windows_emitted) || !r.I64(&n)) {
    return corrupt("truncated state");
  }
  if (n < 0 || n > options_.max_partitions) return corrupt("bad partition count");
  fresh.partitions_.resize(n);
  for (Partition& p : fresh.partitions_) {
    uint8_t known, idle;
    if (!r.U8(&known) || !r.U8(&idle) || !r.I64(&p.max_event_s) || !r.I64(&p.last_active_proc_s)) {
      return corrupt("truncated partitions");
    }
    p.known = known != 0;
    p.idle = idle != 0;
  }
  if (!r.I64(&n) || n < 0 || n > (int64_t{1} << 20)) return corrupt("bad open window count");
  for (int64_t i = 0; i < n; ++i) {
    int64_t index, cells;
    if (!r.I64(&index) || !r.I64(&cells) || cells < 0 || cells > cell_count_) {
      return corrupt("bad open window");
    }
    for (int s : fresh.open_) {
      if (fresh.slots_[s].window_index == index) return corrupt("duplicate open window");
    }
    Slot& slot = fresh.SlotFor(index);
    for (int64_t c = 0; c < cells; ++c) {
      int64_t cell;
      TripStats stats;
      if (!r.I64(&cell) || !r.Stats(&stats)) return corrupt("truncated open window");
      if (cell < 0 || cell >= cell_count_ || slot.pos[cell] >= 0) return corrupt("bad cell");
      slot.pos[cell] = static_cast<int32_t>(slot.cells.size());
      slot.cells.push_back(static_cast<int32_t>(cell));
      slot.stats.push_back(stats);
    }
  }
  if (!r.I64(&n) || n < 0 || n > (int64_t{1} << 32)) return corrupt("bad closed window count");
  for (int64_t i = 0; i < n; ++i) {
    int64_t start, cell;
    WindowAggregate a;
    if (!r.I64(&start) || !r.I64(&cell) || !r.Stats(&a.stats)) return corrupt("truncated closed");
    if (cell < 0 || cell >= cell_count_) return corrupt("bad cell");
    a.window_start = core::FromEpochSeconds(start);
    a.window_end = core::FromEpochSeconds(start + window_s_);
    a.cell = geo::CellId{static_cast<int16_t>(cell / cols), static_cast<int16_t>(cell % cols)};
    fresh.closed_.push_back(a);
  }
  if (version >= 2) {
    if (!r.I64(&n) || n < 0 || n > cell_count_) return corrupt("bad floor count");
    for (int64_t i = 0; i < n; ++i) {
      int64_t cell, floor;
      if (!r.I64(&cell) || !r.I64(&floor)) return corrupt("truncated floors");
      if (cell < 0 || cell >= cell_count_ || floor == kNone) return corrupt("bad floor");
      fresh.cell_floor_[cell] = floor;
    }
  }
  if (!r.done()) return corrupt("trailing bytes");
  fresh.last_slot_ = -1;
  fresh.restoring_ = false;
  *this = std::move(fresh);
  return core::Status::Ok();
}

// ---- Partition state ----

namespace {

// A decoded "TRWPS" snapshot, checked but not yet applied.
struct PartitionState {
  bool known = false;
  bool idle = false;
  int64_t max_event_s = 0;
  int64_t watermark_s = 0;
  int64_t closed_index = 0;
  CellMask cells;
  std::vector<std::pair<int32_t, int64_t>> floors;  // cells whose floor > closed_index
  struct Win {
    int64_t index;
    int32_t cell;
    TripStats stats;
  };
  std::vector<Win> open;    // by (index, cell)
  std::vector<Win> closed;  // by (index, cell)
};

}  // namespace

std::string Windower::SnapshotPartition(int partition,
                                        const std::function<bool(geo::CellId)>& owns_cell) const {
  return SnapshotPartition(partition, SelectCells(options_.grid, owns_cell));
}

std::string Windower::SnapshotPartition(int partition, const CellMask& cells) const {
  assert(static_cast<int>(cells.size()) == cell_count_);
  assert(partition >= 0 && partition < options_.max_partitions);
  state::Writer w(kPartitionMagic, kPartitionVersion);
  w.U(static_cast<uint64_t>(window_s_));
  w.U(static_cast<uint64_t>(lateness_s_));
  w.U(static_cast<uint64_t>(idle_s_));
  w.U(static_cast<uint64_t>(options_.grid.rows));
  w.U(static_cast<uint64_t>(options_.grid.cols));
  w.U(static_cast<uint64_t>(partition));
  Partition p;
  if (partition < static_cast<int>(partitions_.size())) p = partitions_[partition];
  w.U((p.known ? 1u : 0u) | (p.idle ? 2u : 0u));
  w.S(p.max_event_s);
  w.S(watermark_s_);
  w.S(closed_index_);
  w.Mask(cells);
  // Floors above closed_until (cells restored from a windower that was ahead).
  std::vector<int32_t> high;
  for (int c = 0; c < cell_count_; ++c) {
    if (cells[c] && cell_floor_[c] != kNone && cell_floor_[c] > closed_index_) high.push_back(c);
  }
  w.U(high.size());
  for (int32_t c : high) {
    w.U(static_cast<uint64_t>(c));
    w.S(cell_floor_[c]);
  }
  // Open windows of the cells, by (index, cell); cells delta-coded.
  std::vector<int> open = open_;
  std::sort(open.begin(), open.end(),
            [&](int a, int b) { return slots_[a].window_index < slots_[b].window_index; });
  std::vector<int32_t> order;
  std::vector<std::pair<int, std::vector<int32_t>>> slots;
  for (int s : open) {
    order.clear();
    for (int32_t c : slots_[s].cells) {
      if (cells[c]) order.push_back(c);
    }
    if (order.empty()) continue;
    std::sort(order.begin(), order.end());
    slots.emplace_back(s, order);
  }
  w.U(slots.size());
  for (const auto& [s, owned] : slots) {
    const Slot& slot = slots_[s];
    w.S(slot.window_index);
    w.U(owned.size());
    int32_t prev = -1;
    for (int32_t c : owned) {
      w.U(static_cast<uint64_t>(c - prev));
      prev = c;
      w.Stats(slot.stats[slot.pos[c]]);
    }
  }
  // Closed windows not taken yet (closed_ is sorted by (start, cell)).
  uint64_t pending = 0;
  for (const WindowAggregate& a : closed_) {
    pending += cells[a.cell.row * options_.grid.cols + a.cell.col] ? 1 : 0;
  }
  w.U(pending);
  for (const WindowAggregate& a : closed_) {
    const int c = a.cell.row * options_.grid.cols + a.cell.col;
    if (!cells[c]) continue;
    w.S(FloorDiv(core::ToEpochSeconds(a.window_start), window_s_));
    w.U(static_cast<uint64_t>(c));
    w.Stats(a.stats);
  }
  return w.Seal();
}

core::Status Windower::RestorePartition(int partition, std::string_view bytes) {
  auto corrupt = [](const std::string& what) {
    return core::Status::Corrupt("window partition state: " + what);
  };
  std::string_view payload;
  if (auto st = state::Open(bytes, kPartitionMagic, kPartitionVersion, "window partition state",
                            &payload);
      !st.ok()) {
    return st;
  }
  state::Reader r(payload);
  uint64_t window_s, lateness_s, idle_s, rows, cols, part, flags;
  if (!r.U(&window_s) || !r.U(&lateness_s) || !r.U(&idle_s) || !r.U(&rows) || !r.U(&cols) ||
      !r.U(&part)) {
    return corrupt("truncated header");
  }
  if (window_s != static_cast<uint64_t>(window_s_) ||
      lateness_s != static_cast<uint64_t>(lateness_s_) || idle_s != static_cast<uint64_t>(idle_s_) ||
      rows != static_cast<uint64_t>(options_.grid.rows) ||
      cols != static_cast<uint64_t>(options_.grid.cols)) {
    return core::Status::InvalidArgument(
        "window partition state was taken with other options (window " + std::to_string(window_s) +
        " s, lateness " + std::to_string(lateness_s) + " s, idle " + std::to_string(idle_s) +
        " s, grid " + std::to_string(rows) + "x" + std::to_string(cols) + ")");
  }
  if (partition < 0 || partition >= options_.max_partitions) {
    return core::Status::InvalidArgument("window partition state: partition " +
                                         std::to_string(partition) + " out of range");
  }
  if (part != static_cast<uint64_t>(partition)) {
    return core::Status::InvalidArgument("window partition state is of partition " +
                                         std::to_string(part) + ", not " +
                                         std::to_string(partition));
  }
  PartitionState st;
  if (!r.Count(3, &flags) || !r.S(&st.max_event_s) || !r.S(&st.watermark_s) ||
      !r.S(&st.closed_index) || !r.Mask(static_cast<size_t>(cell_count_), &st.cells)) {
    return corrupt("truncated or bad partition entry");
  }
  st.known = flags & 1;
  st.idle = flags & 2;
  if (!st.known && (st.idle || st.max_event_s != kNone)) return corrupt("bad partition entry");
  auto owned = [&](uint64_t c) { return c < static_cast<uint64_t>(cell_count_) && st.cells[c]; };
  uint64_t n;
  if (!r.Count(static_cast<uint64_t>(cell_count_), &n)) return corrupt("bad floor count");
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t c;
    int64_t f;
    if (!r.U(&c) || !r.S(&f)) return corrupt("truncated floors");
    if (!owned(c) || f <= st.closed_index ||
        (!st.floors.empty() && c <= static_cast<uint64_t>(st.floors.back().first))) {
      return corrupt("bad floor");
    }
    st.floors.emplace_back(static_cast<int32_t>(c), f);
  }
  auto floor_for = [&](int32_t c) {
    auto it = std::lower_bound(st.floors.begin(), st.floors.end(), std::make_pair(c, kNone));
    return it != st.floors.end() && it->first == c ? it->second : st.closed_index;
  };
  if (!r.Count(uint64_t{1} << 20, &n)) return corrupt("bad open window count");
  int64_t prev_index = kNone;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t index;
    uint64_t count;
    if (!r.S(&index) || !r.Count(static_cast<uint64_t>(cell_count_), &count) || count == 0) {
      return corrupt("bad open window");
    }
    if (i > 0 && index <= prev_index) return corrupt("open windows out of order");
    prev_index = index;
    int64_t prev = -1;
    for (uint64_t k = 0; k < count; ++k) {
      uint64_t delta;
      PartitionState::Win win{index, 0, {}};
      if (!r.U(&delta) || delta == 0 || delta > static_cast<uint64_t>(cell_count_) ||
          !r.Stats(&win.stats)) {
        return corrupt("truncated open window");
      }
      prev += static_cast<int64_t>(delta);
      if (!owned(static_cast<uint64_t>(prev))) return corrupt("open window of a cell not in the set");
      win.cell = static_cast<int32_t>(prev);
      if (index < floor_for(win.cell) || win.stats.trip_count <= 0) {
        return corrupt("open window below its cell's floor or empty");
      }
      st.open.push_back(win);
    }
  }
  if (!r.Count(uint64_t{1} << 32, &n)) return corrupt("bad closed window count");
  for (uint64_t i = 0; i < n; ++i) {
    PartitionState::Win win{};
    uint64_t c;
    if (!r.S(&win.index) || !r.U(&c) || !r.Stats(&win.stats)) return corrupt("truncated closed");
    if (!owned(c)) return corrupt("closed window of a cell not in the set");
    win.cell = static_cast<int32_t>(c);
    if (win.index >= floor_for(win.cell) || win.stats.trip_count <= 0) {
      return corrupt("closed window not below its cell's floor or empty");
    }
    if (!st.closed.empty() && std::tie(win.index, win.cell) <=
                                  std::tie(st.closed.back().index, st.closed.back().cell)) {
      return corrupt("closed windows out of order");
    }
    st.closed.push_back(win);
  }
  if (!r.done()) return corrupt("trailing bytes");

  // Checked: apply. Replace what we hold for this partition and these cells, then merge.
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
  auto to_aggregate = [&](const PartitionState::Win& win) {
    WindowAggregate a;
    a.window_start = core::FromEpochSeconds(win.index * window_s_);
    a.window_end = core::FromEpochSeconds((win.index + 1) * window_s_);
    a.cell = geo::CellId{static_cast<int16_t>(win.cell / options_.grid.cols),
                         static_cast<int16_t>(win.cell % options_.grid.cols)};
    a.stats = win.stats;
    return a;
  };
  for (const PartitionState::Win& win : st.open) {
    if (closed_index_ != kNone && win.index < closed_index_) {
      // We are ahead of the restored partition: its window is closed now, not lost.
      closed_.push_back(to_aggregate(win));
      ++counters_.windows_emitted;
      continue;
    }
    Slot& slot = SlotFor(win.index);
    slot.pos[win.cell] = static_cast<int32_t>(slot.cells.size());
    slot.cells.push_back(win.cell);
    slot.stats.push_back(win.stats);
  }
  for (const PartitionState::Win& win : st.closed) closed_.push_back(to_aggregate(win));
  if (closed_.size() != pending_before) {
    std::sort(closed_.begin(), closed_.end(), [](const WindowAggregate& a, const WindowAggregate& b) {
      return std::tie(a.window_start, a.cell) < std::tie(b.window_start, b.cell);
    });
  }
  return core::Status::Ok();
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
  std::erase_if(closed_, [&](const WindowAggregate& a) {
    return cells[a.cell.row * options_.grid.cols + a.cell.col];
  });
  for (int c = 0; c < cell_count_; ++c) {
    if (cells[c]) cell_floor_[c] = kNone;
  }
}

}  // namespace traffic::window
