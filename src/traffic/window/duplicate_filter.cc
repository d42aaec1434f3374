#include "traffic/window/duplicate_filter.h"

#include <algorithm>
#include <cassert>
#include <vector>

#include "traffic/core/coding.h"

namespace traffic::window {
namespace {

constexpr std::string_view kMagic = "TRDUP";
constexpr uint32_t kVersion = 1;

}  // namespace

DuplicateFilter::DuplicateFilter(const geo::GridSpec& grid) : grid_(grid), cell_count_(grid.rows * grid.cols) {}

bool DuplicateFilter::Contains(int64_t window_index, uint64_t event_id) const {
  auto it = by_window_.find(window_index);
  return it != by_window_.end() && it->second.contains(event_id);
}

void DuplicateFilter::Insert(int64_t window_index, int32_t cell_index, uint64_t event_id) {
  if (by_window_[window_index].emplace(event_id, cell_index).second) ++size_;
}

void DuplicateFilter::ForgetBefore(int64_t window_index) {
  while (!by_window_.empty() && by_window_.begin()->first < window_index) {
    size_ -= by_window_.begin()->second.size();
    by_window_.erase(by_window_.begin());
  }
}

std::string DuplicateFilter::SnapshotCells(const CellMask& cells) const {
  assert(static_cast<int>(cells.size()) == cell_count_);
  std::string out;
  core::BeginFrame(&out, kMagic, kVersion);
  core::PutVarint64(&out, static_cast<uint64_t>(grid_.rows));
  core::PutVarint64(&out, static_cast<uint64_t>(grid_.cols));
  std::string bits((cells.size() + 7) / 8, '\0');
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i]) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
  }
  out += bits;
  std::vector<std::pair<uint64_t, int32_t>> ids;
  std::vector<std::pair<int64_t, std::vector<std::pair<uint64_t, int32_t>>>> windows;
  for (const auto& [index, entries] : by_window_) {
    ids.clear();
    for (const auto& [id, cell] : entries) {
      if (cells[static_cast<size_t>(cell)]) ids.emplace_back(id, cell);
    }
    if (ids.empty()) continue;
    std::sort(ids.begin(), ids.end());  // deterministic bytes
    windows.emplace_back(index, ids);
  }
  core::PutVarint64(&out, windows.size());
  int64_t previous = 0;
  for (const auto& [index, entries] : windows) {
    core::PutVarintSigned64(&out, index - previous);
    previous = index;
    core::PutVarint64(&out, entries.size());
    for (const auto& [id, cell] : entries) {
      core::PutFixed64(&out, id);
      core::PutVarint32(&out, static_cast<uint32_t>(cell));
    }
  }
  core::SealFrame(&out);
  return out;
}

core::Status DuplicateFilter::RestoreCells(std::string_view bytes) {
  auto corrupt = [](const std::string& what) { return core::Status::Corrupt("duplicate filter state: " + what); };
  std::string_view payload;
  TRAFFIC_RETURN_IF_ERROR(core::OpenFrame(bytes, kMagic, kVersion, "duplicate filter state", &payload));
  core::ByteReader r(payload);
  uint64_t rows, cols;
  if (!r.GetVarint64(&rows) || !r.GetVarint64(&cols)) return corrupt("truncated header");
  if (rows != static_cast<uint64_t>(grid_.rows) || cols != static_cast<uint64_t>(grid_.cols)) {
    return core::Status::InvalidArgument("duplicate filter state was taken with another grid (" + std::to_string(rows) +
                                         "x" + std::to_string(cols) + ")");
  }
  const size_t cells = static_cast<size_t>(cell_count_);
  std::string_view bits;
  if (!r.GetBytes((cells + 7) / 8, &bits)) return corrupt("truncated cell mask");
  CellMask mask(cells, false);
  for (size_t i = 0; i < cells; ++i) mask[i] = (static_cast<uint8_t>(bits[i / 8]) >> (i % 8)) & 1;
  if (cells % 8 != 0 && (static_cast<uint8_t>(bits.back()) >> (cells % 8)) != 0) {
    return corrupt("bits set past the last cell");
  }
  uint64_t window_count;
  // Each window takes at least 2 bytes: a count above the payload size is corrupt.
  if (!r.GetVarint64AtMost(payload.size(), &window_count)) return corrupt("bad window count");
  struct Entry {
    int64_t window;
    uint64_t id;
    int32_t cell;
  };
  std::vector<Entry> entries;
  int64_t index = 0;
  for (uint64_t i = 0; i < window_count; ++i) {
    int64_t delta;
    uint64_t n;
    if (!r.GetVarintSigned64(&delta) || !r.GetVarint64AtMost(payload.size(), &n)) return corrupt("truncated window");
    index += delta;
    for (uint64_t k = 0; k < n; ++k) {
      uint64_t id, cell;
      if (!r.GetFixed64(&id) || !r.GetVarint64AtMost(cells - 1, &cell)) return corrupt("truncated id");
      if (!mask[cell]) return corrupt("id of cell " + std::to_string(cell) + " outside the snapshot's cells");
      entries.push_back({index, id, static_cast<int32_t>(cell)});
    }
  }
  if (!r.empty()) return corrupt("trailing bytes");
  DropCells(mask);
  for (const Entry& e : entries) Insert(e.window, e.cell, e.id);
  return core::Status::Ok();
}

void DuplicateFilter::DropCells(const CellMask& cells) {
  assert(static_cast<int>(cells.size()) == cell_count_);
  for (auto it = by_window_.begin(); it != by_window_.end();) {
    auto& entries = it->second;
    size_ -= entries.size();
    std::erase_if(entries, [&](const auto& e) { return cells[static_cast<size_t>(e.second)]; });
    size_ += entries.size();
    it = entries.empty() ? by_window_.erase(it) : std::next(it);
  }
}

}  // namespace traffic::window
