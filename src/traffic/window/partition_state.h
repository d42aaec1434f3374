// The state of one input partition of a Windower as plain values, and its encoding "TRWPS"
// version 1 (the bytes a stream worker writes to its state topic; see windower.h "Partition
// state" for what the state means and how a restore merges it).
//
// Restoring is three phases, each testable alone:
//   DecodePartitionState    bytes -> PartitionState   (frame, varints, counts; kCorrupt)
//   ValidatePartitionState  PartitionState vs the windower's options and partition
//                           (kInvalidArgument for another partition or other options; kCorrupt
//                           for fields out of range or inconsistent)
//   Windower::RestorePartition(partition, state)      validate, then apply (merge)
// and Windower::SnapshotPartition = EncodePartitionState(Windower::CapturePartition(...)).
//
// Encoding (core/coding.h; the wire format of version 1, unchanged since it was introduced):
//   core frame: "TRWPS" | version 1 (Fixed32) | payload | StableHash64 checksum (Fixed64)
//   payload, U = Varint64, S = VarintSigned64:
//     U window_s, U lateness_s, U idle_s, U rows, U cols, U partition,
//     U flags (1 = known, 2 = idle), S max_event_s, S watermark_s, S closed_index,
//     cell mask (ceil(rows * cols / 8) bytes: bit i % 8 of byte i / 8 for row-major cell i,
//                bits past the last cell clear),
//     U floor count, per floor: U cell, S floor                     (by cell)
//     U open window count, per window: S index, U cell count (> 0),
//                          per cell: U cell - previous cell (previous = -1 at first), stats
//     U closed window count, per window: S index, U cell, stats     (by (index, cell))
//   stats (TripStats) = S trip_count, S speed_sum_mmph, S speed_sq_sum_mmph2,
//                       S distance_sum_mmi, S duration_sum_s
// Integer values kNone (INT64_MIN) mean "none yet" for max_event_s, watermark_s, closed_index.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "traffic/core/coding.h"
#include "traffic/core/status.h"
#include "traffic/window/windower.h"

namespace traffic::window {

inline constexpr std::string_view kPartitionStateMagic = "TRWPS";
inline constexpr uint32_t kPartitionStateVersion = 1;

struct PartitionState {
  // The options the state was taken with.
  uint64_t window_s = 0;
  uint64_t lateness_s = 0;
  uint64_t idle_s = 0;
  uint64_t rows = 0;
  uint64_t cols = 0;
  uint64_t partition = 0;
  // The partition's watermark entry.
  bool known = false;
  bool idle = false;
  int64_t max_event_s = 0;
  // The windower's watermark and closed index (windows with index < closed_index are closed).
  int64_t watermark_s = 0;
  int64_t closed_index = 0;
  CellMask cells;                                   // the cells of the partition
  std::vector<std::pair<int32_t, int64_t>> floors;  // (cell, floor > closed_index), by cell
  struct CellStats {
    int32_t cell = 0;
    TripStats stats;
    bool operator==(const CellStats&) const = default;
  };
  struct OpenWindow {
    int64_t index = 0;
    std::vector<CellStats> cells;  // by cell
    bool operator==(const OpenWindow&) const = default;
  };
  struct ClosedWindow {
    int64_t index = 0;
    int32_t cell = 0;
    TripStats stats;
    bool operator==(const ClosedWindow&) const = default;
  };
  std::vector<OpenWindow> open;      // by index
  std::vector<ClosedWindow> closed;  // closed but not taken, by (index, cell)

  bool operator==(const PartitionState&) const = default;
};

std::string EncodePartitionState(const PartitionState& state);
// kCorrupt for bytes that are not such a state: magic, version, checksum, truncation, trailing
// bytes, a count or cell index beyond the header's grid, an open window without cells.
core::Result<PartitionState> DecodePartitionState(std::string_view bytes);
// Whether `state` may be restored as `partition` of a windower with `options`: kInvalidArgument
// for other options or another partition; kCorrupt for an inconsistent state (an unknown
// partition with events, a floor not above closed_index, a window of a cell outside `cells`, an
// open window below its cell's floor or a closed one not below it, an empty window, anything out
// of order).
core::Status ValidatePartitionState(const PartitionState& state, const WindowOptions& options, int partition);

// The encodings of TripStats and CellMask inside state payloads (also the feature builder's).
void PutTripStats(std::string* dst, const TripStats& stats);
bool GetTripStats(core::ByteReader* in, TripStats* stats);
void PutCellMask(std::string* dst, const CellMask& mask);
// Reads a mask of `cells` cells; false when truncated or a bit past the last cell is set.
bool GetCellMask(core::ByteReader* in, size_t cells, CellMask* mask);

}  // namespace traffic::window
