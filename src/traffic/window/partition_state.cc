#include "traffic/window/partition_state.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace traffic::window {
namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
// CellId holds int16 rows and columns.
constexpr uint64_t kMaxGridSide = uint64_t{1} << 15;
constexpr uint64_t kMaxOpenWindows = uint64_t{1} << 20;
constexpr uint64_t kMaxClosedWindows = uint64_t{1} << 32;

core::Status Corrupt(const std::string& what) { return core::Status::Corrupt("window partition state: " + what); }

// Decodes the payload after the header fields (rows and cols already read).
core::Status DecodeBody(core::ByteReader& r, PartitionState& st) {
  const uint64_t cell_count = st.rows * st.cols;
  uint64_t flags;
  if (!r.GetVarint64AtMost(3, &flags) || !r.GetVarintSigned64(&st.max_event_s) ||
      !r.GetVarintSigned64(&st.watermark_s) || !r.GetVarintSigned64(&st.closed_index) ||
      !GetCellMask(&r, static_cast<size_t>(cell_count), &st.cells)) {
    return Corrupt("truncated or bad partition entry");
  }
  st.known = flags & 1;
  st.idle = flags & 2;
  uint64_t n;
  if (!r.GetVarint64AtMost(cell_count, &n)) return Corrupt("bad floor count");
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t c;
    int64_t f;
    if (!r.GetVarint64(&c) || !r.GetVarintSigned64(&f)) return Corrupt("truncated floors");
    if (c >= cell_count) return Corrupt("bad floor");
    st.floors.emplace_back(static_cast<int32_t>(c), f);
  }
  if (!r.GetVarint64AtMost(kMaxOpenWindows, &n)) return Corrupt("bad open window count");
  for (uint64_t i = 0; i < n; ++i) {
    PartitionState::OpenWindow win;
    uint64_t count;
    if (!r.GetVarintSigned64(&win.index) || !r.GetVarint64AtMost(cell_count, &count) || count == 0) {
      return Corrupt("bad open window");
    }
    int64_t prev = -1;
    for (uint64_t k = 0; k < count; ++k) {
      uint64_t delta;
      PartitionState::CellStats cell;
      if (!r.GetVarint64(&delta) || delta == 0 || delta > cell_count || !GetTripStats(&r, &cell.stats)) {
        return Corrupt("truncated open window");
      }
      prev += static_cast<int64_t>(delta);
      if (static_cast<uint64_t>(prev) >= cell_count) return Corrupt("open window of a cell not in the grid");
      cell.cell = static_cast<int32_t>(prev);
      win.cells.push_back(cell);
    }
    st.open.push_back(std::move(win));
  }
  if (!r.GetVarint64AtMost(kMaxClosedWindows, &n)) return Corrupt("bad closed window count");
  for (uint64_t i = 0; i < n; ++i) {
    PartitionState::ClosedWindow win;
    uint64_t c;
    if (!r.GetVarintSigned64(&win.index) || !r.GetVarint64(&c) || !GetTripStats(&r, &win.stats)) {
      return Corrupt("truncated closed");
    }
    if (c >= cell_count) return Corrupt("closed window of a cell not in the grid");
    win.cell = static_cast<int32_t>(c);
    st.closed.push_back(win);
  }
  if (!r.empty()) return Corrupt("trailing bytes");
  return core::Status::Ok();
}

}  // namespace

void PutTripStats(std::string* dst, const TripStats& s) {
  core::PutVarintSigned64(dst, s.trip_count);
  core::PutVarintSigned64(dst, s.speed_sum_mmph);
  core::PutVarintSigned64(dst, s.speed_sq_sum_mmph2);
  core::PutVarintSigned64(dst, s.distance_sum_mmi);
  core::PutVarintSigned64(dst, s.duration_sum_s);
}

bool GetTripStats(core::ByteReader* in, TripStats* s) {
  return in->GetVarintSigned64(&s->trip_count) && in->GetVarintSigned64(&s->speed_sum_mmph) &&
         in->GetVarintSigned64(&s->speed_sq_sum_mmph2) && in->GetVarintSigned64(&s->distance_sum_mmi) &&
         in->GetVarintSigned64(&s->duration_sum_s);
}

void PutCellMask(std::string* dst, const CellMask& mask) {
  std::string bits((mask.size() + 7) / 8, '\0');
  for (size_t i = 0; i < mask.size(); ++i) {
    if (mask[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
  }
  dst->append(bits);
}

bool GetCellMask(core::ByteReader* in, size_t cells, CellMask* mask) {
  std::string_view bits;
  if (!in->GetBytes((cells + 7) / 8, &bits)) return false;
  // Bits past the last cell must be clear.
  if (cells % 8 != 0 && (static_cast<uint8_t>(bits.back()) >> (cells % 8)) != 0) return false;
  mask->assign(cells, false);
  for (size_t i = 0; i < cells; ++i) (*mask)[i] = (static_cast<uint8_t>(bits[i / 8]) >> (i % 8)) & 1;
  return true;
}

std::string EncodePartitionState(const PartitionState& st) {
  std::string out;
  out.reserve(256);
  core::BeginFrame(&out, kPartitionStateMagic, kPartitionStateVersion);
  for (uint64_t v : {st.window_s, st.lateness_s, st.idle_s, st.rows, st.cols, st.partition}) {
    core::PutVarint64(&out, v);
  }
  core::PutVarint64(&out, (st.known ? 1u : 0u) | (st.idle ? 2u : 0u));
  core::PutVarintSigned64(&out, st.max_event_s);
  core::PutVarintSigned64(&out, st.watermark_s);
  core::PutVarintSigned64(&out, st.closed_index);
  PutCellMask(&out, st.cells);
  core::PutVarint64(&out, st.floors.size());
  for (const auto& [c, f] : st.floors) {
    core::PutVarint64(&out, static_cast<uint64_t>(c));
    core::PutVarintSigned64(&out, f);
  }
  core::PutVarint64(&out, st.open.size());
  for (const PartitionState::OpenWindow& win : st.open) {
    core::PutVarintSigned64(&out, win.index);
    core::PutVarint64(&out, win.cells.size());
    int32_t prev = -1;
    for (const PartitionState::CellStats& c : win.cells) {
      core::PutVarint64(&out, static_cast<uint64_t>(c.cell - prev));
      prev = c.cell;
      PutTripStats(&out, c.stats);
    }
  }
  core::PutVarint64(&out, st.closed.size());
  for (const PartitionState::ClosedWindow& win : st.closed) {
    core::PutVarintSigned64(&out, win.index);
    core::PutVarint64(&out, static_cast<uint64_t>(win.cell));
    PutTripStats(&out, win.stats);
  }
  core::SealFrame(&out);
  return out;
}

core::Result<PartitionState> DecodePartitionState(std::string_view bytes) {
  std::string_view payload;
  TRAFFIC_RETURN_IF_ERROR(
      core::OpenFrame(bytes, kPartitionStateMagic, kPartitionStateVersion, "window partition state", &payload));
  core::ByteReader r(payload);
  PartitionState st;
  if (!r.GetVarint64(&st.window_s) || !r.GetVarint64(&st.lateness_s) || !r.GetVarint64(&st.idle_s) ||
      !r.GetVarint64(&st.rows) || !r.GetVarint64(&st.cols) || !r.GetVarint64(&st.partition)) {
    return Corrupt("truncated header");
  }
  if (st.rows > kMaxGridSide || st.cols > kMaxGridSide) return Corrupt("grid out of range");
  TRAFFIC_RETURN_IF_ERROR(DecodeBody(r, st));
  return st;
}

core::Status ValidatePartitionState(const PartitionState& st, const WindowOptions& options, int partition) {
  if (st.window_s != static_cast<uint64_t>(options.window_size.count()) ||
      st.lateness_s != static_cast<uint64_t>(options.allowed_lateness.count()) ||
      st.idle_s != static_cast<uint64_t>(options.idle_timeout.count()) ||
      st.rows != static_cast<uint64_t>(options.grid.rows) || st.cols != static_cast<uint64_t>(options.grid.cols)) {
    return core::Status::InvalidArgument("window partition state was taken with other options (window " +
                                         std::to_string(st.window_s) + " s, lateness " + std::to_string(st.lateness_s) +
                                         " s, idle " + std::to_string(st.idle_s) + " s, grid " +
                                         std::to_string(st.rows) + "x" + std::to_string(st.cols) + ")");
  }
  if (partition < 0 || partition >= options.max_partitions) {
    return core::Status::InvalidArgument("window partition state: partition " + std::to_string(partition) +
                                         " out of range");
  }
  if (st.partition != static_cast<uint64_t>(partition)) {
    return core::Status::InvalidArgument("window partition state is of partition " + std::to_string(st.partition) +
                                         ", not " + std::to_string(partition));
  }
  const size_t cell_count = static_cast<size_t>(options.grid.rows) * static_cast<size_t>(options.grid.cols);
  if (st.cells.size() != cell_count) return Corrupt("cell set of another grid");
  if (!st.known && (st.idle || st.max_event_s != kNone)) return Corrupt("bad partition entry");
  auto owned = [&](int32_t c) { return c >= 0 && static_cast<size_t>(c) < cell_count && st.cells[c]; };
  for (size_t i = 0; i < st.floors.size(); ++i) {
    const auto& [c, f] = st.floors[i];
    if (!owned(c) || f <= st.closed_index || (i > 0 && c <= st.floors[i - 1].first)) return Corrupt("bad floor");
  }
  auto floor_for = [&](int32_t c) {
    auto it = std::lower_bound(st.floors.begin(), st.floors.end(), std::make_pair(c, kNone));
    return it != st.floors.end() && it->first == c ? it->second : st.closed_index;
  };
  for (size_t i = 0; i < st.open.size(); ++i) {
    const PartitionState::OpenWindow& win = st.open[i];
    if (i > 0 && win.index <= st.open[i - 1].index) return Corrupt("open windows out of order");
    if (win.cells.empty()) return Corrupt("bad open window");
    for (size_t k = 0; k < win.cells.size(); ++k) {
      const PartitionState::CellStats& c = win.cells[k];
      if (!owned(c.cell) || (k > 0 && c.cell <= win.cells[k - 1].cell)) {
        return Corrupt("open window of a cell not in the set");
      }
      if (win.index < floor_for(c.cell) || c.stats.trip_count <= 0) {
        return Corrupt("open window below its cell's floor or empty");
      }
    }
  }
  for (size_t i = 0; i < st.closed.size(); ++i) {
    const PartitionState::ClosedWindow& win = st.closed[i];
    if (!owned(win.cell)) return Corrupt("closed window of a cell not in the set");
    if (win.index >= floor_for(win.cell) || win.stats.trip_count <= 0) {
      return Corrupt("closed window not below its cell's floor or empty");
    }
    if (i > 0 && std::tie(win.index, win.cell) <= std::tie(st.closed[i - 1].index, st.closed[i - 1].cell)) {
      return Corrupt("closed windows out of order");
    }
  }
  return core::Status::Ok();
}

}  // namespace traffic::window
