// Event-time tumbling windows per grid cell with per-partition watermarks (DESIGN.md "Events,
// windows and watermarks"). The batch (`traffic features`, one partition) and the stream (one
// partition per Kafka partition) call the same code: the emitted windows depend only on the events
// and the partitions they came from, not on how calls are batched, and not on arrival order as
// long as no event becomes late.
//
// Semantics (all times in whole seconds; window size W, allowed lateness L):
//   - An event belongs to window index floor(event_time / W) (windows aligned to the Unix epoch,
//     so 1-minute windows start on the minute), keyed by its pickup cell. event_time = dropoff.
//   - Per partition p: max_p = the largest event_time seen from p (late events included).
//     wm_p = max_p - L. A partition that was registered but has sent nothing holds the watermark
//     at "none" until it sends an event or goes idle.
//   - watermark = min of wm_p over the ACTIVE partitions, never moving backwards. A partition is
//     idle when processing_now - (processing time of its last event) > idle_timeout, processing
//     time being what the caller last passed to AdvanceProcessingTime (never read from a clock);
//     an idle partition is active again at its next event. If every partition is idle the
//     watermark stays where it is. Without AdvanceProcessingTime calls (batch) nothing goes idle.
//   - closed_until = floor(watermark / W) * W. Every window with window_end <= closed_until (that
//     is, window_end <= watermark) is closed: emitted exactly once, then forgotten.
//   - An event is LATE iff its window is already closed, i.e. event_time < closed_until. It is not
//     added; Add returns kLate and it is counted. (An event older than the watermark whose window
//     is still open is accepted.) Late events still count as partition activity and update max_p.
//   - Flush() closes every open window (end of input, shutdown); closed_until then becomes the end
//     of the newest window flushed and later events before it are late.
//   - Emitted windows come out ordered by (window_start, cell row, cell col) across all calls
//     (after a RestorePartition: per cell, and within each TakeClosed; see "Partition state").
//
// Aggregates are kept in fixed point (milli-mph, milli-miles, seconds) in int64 so that sums are
// exact and independent of arrival order; averages are derived from them.
//
// Memory: open windows only (a slot per open window index, a record per touched cell), never
// events. No allocation per event once the slots have warmed up. Not thread-safe.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/core/time.h"
#include "traffic/geo/grid.h"
#include "traffic/trip/trip.h"
#include "traffic/window/level.h"

namespace traffic::window {

// What windowing needs of a trip. The stream builds it from a `taxi-trips` message, the batch
// from a trip::Trip (EventFromTrip).
struct Event {
  core::UtcTime event_time;  // dropoff time
  geo::CellId cell;          // pickup cell
  double speed_mph = 0;
  double distance_mi = 0;
  int64_t duration_s = 0;
};

Event EventFromTrip(const trip::Trip& trip, geo::CellId pickup_cell);
// nullopt when the pickup is outside the grid.
std::optional<Event> EventFromTrip(const trip::Trip& trip, const geo::Grid& grid);

// Exact sums over a set of trips (a window, or a range of windows). Fixed point: speeds in
// milli-mph and distances in milli-miles, each trip's value rounded to the nearest unit.
struct TripStats {
  int64_t trip_count = 0;
  int64_t speed_sum_mmph = 0;      // sum of round(speed_mph * 1000)
  int64_t speed_sq_sum_mmph2 = 0;  // sum of the squares of the above
  int64_t distance_sum_mmi = 0;    // sum of round(distance_mi * 1000)
  int64_t duration_sum_s = 0;

  void Add(const Event& e) {
    int64_t s = std::llround(e.speed_mph * 1000.0);
    ++trip_count;
    speed_sum_mmph += s;
    speed_sq_sum_mmph2 += s * s;
    distance_sum_mmi += std::llround(e.distance_mi * 1000.0);
    duration_sum_s += e.duration_s;
  }
  TripStats& operator+=(const TripStats& o) {
    trip_count += o.trip_count;
    speed_sum_mmph += o.speed_sum_mmph;
    speed_sq_sum_mmph2 += o.speed_sq_sum_mmph2;
    distance_sum_mmi += o.distance_sum_mmi;
    duration_sum_s += o.duration_sum_s;
    return *this;
  }
  TripStats& operator-=(const TripStats& o) {
    trip_count -= o.trip_count;
    speed_sum_mmph -= o.speed_sum_mmph;
    speed_sq_sum_mmph2 -= o.speed_sq_sum_mmph2;
    distance_sum_mmi -= o.distance_sum_mmi;
    duration_sum_s -= o.duration_sum_s;
    return *this;
  }
  friend TripStats operator+(TripStats a, const TripStats& b) { return a += b; }
  friend TripStats operator-(TripStats a, const TripStats& b) { return a -= b; }
  bool operator==(const TripStats&) const = default;

  // Mean of trip speeds; NaN when there are no trips.
  double avg_speed_mph() const {
    return trip_count > 0 ? static_cast<double>(speed_sum_mmph) / 1000.0 / trip_count
                          : std::numeric_limits<double>::quiet_NaN();
  }
  // Population standard deviation of trip speeds; NaN with fewer than 2 trips.
  double speed_std_mph() const;
  double avg_distance_mi() const {
    return trip_count > 0 ? static_cast<double>(distance_sum_mmi) / 1000.0 / trip_count
                          : std::numeric_limits<double>::quiet_NaN();
  }
  double avg_duration_s() const {
    return trip_count > 0 ? static_cast<double>(duration_sum_s) / trip_count : std::numeric_limits<double>::quiet_NaN();
  }
};

// One closed window of one cell. Only windows with at least one trip are emitted.
struct WindowAggregate {
  core::UtcTime window_start;
  core::UtcTime window_end;  // window_start + window size (exclusive)
  geo::CellId cell;
  TripStats stats;

  int64_t trip_count() const { return stats.trip_count; }
  double avg_speed_mph() const { return stats.avg_speed_mph(); }
  CongestionLevel level(const LevelThresholds& t = {}) const { return LevelFor(avg_speed_mph(), t); }
  bool operator==(const WindowAggregate&) const = default;
};

struct WindowOptions {
  std::chrono::seconds window_size{60};
  std::chrono::seconds allowed_lateness{120};
  // Processing time without events after which a partition stops holding the watermark back.
  std::chrono::seconds idle_timeout{60};
  geo::GridSpec grid;
  // Partition ids must be in [0, max_partitions).
  int max_partitions = 4096;

  // window_size > 0, lateness >= 0, idle_timeout > 0, a non-empty grid.
  core::Status Validate() const;
};

enum class AddStatus : uint8_t {
  kAccepted = 0,
  kLate,          // its window was already closed (event_time < closed_until)
  kOutsideGrid,   // the cell is not in the grid
  kInvalidValue,  // speed or distance not finite or negative, or duration negative
};
// "accepted", "late", "outside_grid", "invalid_value": the dead-letter reason code.
std::string_view AddStatusName(AddStatus status);

struct AddResult {
  AddStatus status = AddStatus::kAccepted;
  core::UtcTime window_start;                 // the event's window
  std::optional<core::UtcTime> closed_until;  // at the time of the call
  bool ok() const { return status == AddStatus::kAccepted; }
};

// A one-line reason for the dead-letter output, e.g. "late: event_time 2016-01-01T00:00:30Z,
// window 2016-01-01T00:00:00Z already closed (closed until 2016-01-01T00:02:00Z)".
std::string DescribeReject(const Event& event, const AddResult& result);

// A set of grid cells: row-major cell index (row * cols + col) -> selected. The stream selects the
// cells of one Kafka partition (key = cell_id) this way.
using CellMask = std::vector<bool>;
// Calls owns_cell once per cell of the grid.
CellMask SelectCells(const geo::GridSpec& grid, const std::function<bool(geo::CellId)>& owns_cell);

struct WindowCounters {
  int64_t accepted = 0;
  int64_t late = 0;
  int64_t outside_grid = 0;
  int64_t invalid_value = 0;
  int64_t windows_emitted = 0;  // (window, cell) aggregates closed
  bool operator==(const WindowCounters&) const = default;
};

struct PartitionState;  // partition_state.h

class Windower {
 public:
  // Precondition: options.Validate().ok() (asserted).
  explicit Windower(WindowOptions options = {});

  // Adds one event from `partition`. May advance the watermark and close windows (collect them
  // with TakeClosed). Rejected events leave the windows unchanged and are counted.
  AddResult Add(const Event& event, int partition = 0);

  // Makes a partition known before its first event, so that it holds the watermark back (at
  // "none") until it sends something or goes idle. Use for assigned Kafka partitions.
  void RegisterPartition(int partition);

  // The caller's processing time (monotonic clamp: an earlier value is ignored). Marks partitions
  // idle, which may advance the watermark and close windows.
  void AdvanceProcessingTime(core::UtcTime now);

  // Closes every open window (end of input or shutdown).
  void Flush();

  // Appends the windows closed since the last call, in (window_start, cell) order.
  void TakeClosed(std::vector<WindowAggregate>* out);

  std::optional<core::UtcTime> watermark() const;
  // Every window with window_end <= closed_until() has been closed. nullopt before the first close.
  std::optional<core::UtcTime> closed_until() const;
  const WindowCounters& counters() const { return counters_; }
  const WindowOptions& options() const { return options_; }
  size_t open_window_count() const { return open_.size(); }
  // Whether `partition` currently holds the watermark (known and not idle).
  bool IsActive(int partition) const;

  // ---- Partition state: restart and rebalance of stream workers ----
  //
  // The stream keys `taxi-trips` by cell, so each Kafka partition p carries a fixed, disjoint set
  // of cells S(p). The state of p is: p's watermark entry (max event time seen, registered, idle),
  // the open windows of the cells of S(p), the closed-but-not-taken windows of S(p), and for each
  // cell of S(p) its "closed floor": the window index below which its windows are closed here
  // (this windower's closed_until, or more for cells restored from a windower that was ahead).
  // Counters are per process and are not part of it.
  //
  // Use (one Kafka transaction): TakeClosed, publish the windows, then SnapshotPartition(p, S(p))
  // for every owned p and write the bytes to the state topic in the SAME transaction. A window
  // taken before the snapshot is published by that transaction; one not taken yet is inside the
  // bytes and is taken by whoever restores them: either way exactly once.
  //
  // Restore/emit-once contract (RestorePartition):
  //   - Replace, then merge: whatever this windower holds for p and for the cells of S(p) (as
  //     recorded in the bytes) is forgotten first; other partitions and cells are untouched.
  //   - A (cell, window) emitted before the snapshot is never emitted again: a restored cell keeps
  //     its floor, and an event of that cell whose window is below max(closed_until, floor) is
  //     late (kLate), exactly as it was where the snapshot was taken.
  //   - closed_until() never moves backwards once the windower has processed anything. While it
  //     is still RESTORING (from construction until the first Add, RegisterPartition,
  //     AdvanceProcessingTime, Flush, TakeClosed or DropPartition) the restores combine
  //     independently of their order: watermark and closed_until become the minimum of the
  //     snapshots', and the watermark is recomputed when restoring ends. Restoring every
  //     partition of one worker's transaction into a fresh Windower therefore continues exactly as
  //     that worker would have (the windows emitted are those of an uninterrupted run).
  //   - Merging into a windower that has processed events:
  //       * the restored partition is AHEAD (its closed_until > ours): its open windows stay open
  //         and close when our watermark passes them; its cells keep their higher floor.
  //       * it is BEHIND (its closed_until < ours): its open windows below our closed_until are
  //         closed by the restore (they come out of the next TakeClosed, so nothing is lost), and
  //         its later events below our closed_until are late, like those of an idle partition
  //         that comes back behind (DESIGN.md: the watermark never moves back).
  //   - The closed-but-not-taken windows are merged into the pending ones, which stay sorted by
  //     (window_start, cell). Per cell, windows are always emitted in increasing window_start and
  //     each (window, cell) once. Across cells, the order "(window_start, cell) across all
  //     calls" holds except that windows closed or carried by a restore may be older than windows
  //     taken before it (features::FeatureBuilder accepts that).
  //   - The partition's idle clock restarts here (processing times of two processes are not
  //     comparable): a partition that was idle stays idle until its next event; one that was
  //     active holds the watermark until it sends an event or idle_timeout passes from the next
  //     AdvanceProcessingTime. Do not RegisterPartition a restored partition (it would wake an
  //     idle one); register only assigned partitions that had no state.
  //   - Errors, with the state unchanged: kCorrupt for bytes that are not such a snapshot
  //     (magic, version, checksum, any field out of range or inconsistent); kInvalidArgument for
  //     a snapshot of another partition or taken with other options (window size, lateness, idle
  //     timeout, grid).
  //
  // Encoding "TRWPS" version 1 (partition_state.h); varints. Size: ~20 bytes + grid/8 bytes +
  // ~12 bytes per open (window, cell) of the partition.
  std::string SnapshotPartition(int partition, const CellMask& cells) const;
  std::string SnapshotPartition(int partition, const std::function<bool(geo::CellId)>& owns_cell) const;
  // DecodePartitionState, then RestorePartition(partition, state).
  core::Status RestorePartition(int partition, std::string_view bytes);
  // The same as plain values: SnapshotPartition == EncodePartitionState(CapturePartition(...)).
  PartitionState CapturePartition(int partition, const CellMask& cells) const;
  // ValidatePartitionState, then merges the state in (the contract above).
  core::Status RestorePartition(int partition, const PartitionState& state);
  // The partition was revoked: forgets its watermark entry (so it no longer holds the watermark
  // back, which may close windows of the other partitions), and the open windows, pending closed
  // windows and floors of the given cells. Take and publish, then snapshot, before dropping.
  void DropPartition(int partition, const CellMask& cells);
  void DropPartition(int partition, const std::function<bool(geo::CellId)>& owns_cell);

 private:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

  struct Partition {
    bool known = false;
    bool idle = false;
    int64_t max_event_s = kNone;
    int64_t last_active_proc_s = kNone;
  };
  struct Slot {
    int64_t window_index = 0;
    std::vector<int32_t> pos;    // cell index -> position in cells/stats, -1 if untouched
    std::vector<int32_t> cells;  // touched cell indexes
    std::vector<TripStats> stats;
  };

  Slot& SlotFor(int64_t window_index);
  void TouchPartition(int partition);
  void RecomputeWatermark();
  void CloseBefore(int64_t window_index);  // closes every open window with index < window_index
  void ReleaseSlot(int slot);
  void EndRestoring();
  // Forgets partition p and the windows and floors of the cells in `cells` (no recompute).
  void Forget(int partition, const CellMask& cells);
  // The merge of RestorePartition, for a validated state.
  void ApplyPartition(int partition, const PartitionState& state);

  WindowOptions options_;
  int64_t window_s_;
  int64_t lateness_s_;
  int64_t idle_s_;
  int cell_count_;

  std::vector<Partition> partitions_;
  int64_t watermark_s_ = kNone;
  int64_t closed_index_ = kNone;  // windows with index < closed_index_ are closed
  int64_t proc_now_s_ = kNone;

  std::vector<Slot> slots_;
  std::vector<int> open_;  // slots in use
  std::vector<int> free_;  // slots ready for reuse
  int last_slot_ = -1;     // cache: the slot of the previous event

  std::vector<WindowAggregate> closed_;
  WindowCounters counters_;

  // cell index -> its windows below this index are closed (restored cells), kNone if none.
  std::vector<int64_t> cell_floor_;
  bool restoring_ = true;      // see "Partition state"
  bool restored_any_ = false;  // a partition was restored while restoring
};

}  // namespace traffic::window
