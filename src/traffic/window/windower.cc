#include "traffic/window/windower.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

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
constexpr int64_t kSnapshotVersion = 1;

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
      cell_count_(options.grid.rows * options.grid.cols) {
  assert(options_.Validate().ok());
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

void Windower::RegisterPartition(int partition) { TouchPartition(partition); }

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

  if (closed_index_ != kNone && index < closed_index_) {
    result.status = AddStatus::kLate;
    result.closed_until = closed_until();
    ++counters_.late;
    return result;
  }

  Slot& slot = SlotFor(index);
  const int cell = event.cell.row * options_.grid.cols + event.cell.col;
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
  int64_t newest = kNone;
  for (int s : open_) newest = std::max(newest, slots_[s].window_index);
  if (newest == kNone) return;
  CloseBefore(newest + 1);
}

void Windower::TakeClosed(std::vector<WindowAggregate>* out) {
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
  if (version != kSnapshotVersion) {
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
  if (!r.done()) return corrupt("trailing bytes");
  fresh.last_slot_ = -1;
  *this = std::move(fresh);
  return core::Status::Ok();
}

}  // namespace traffic::window
