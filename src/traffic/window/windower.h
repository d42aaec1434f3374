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
//   - Emitted windows come out ordered by (window_start, cell row, cell col) across all calls.
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
  int64_t speed_sum_mmph = 0;       // sum of round(speed_mph * 1000)
  int64_t speed_sq_sum_mmph2 = 0;   // sum of the squares of the above
  int64_t distance_sum_mmi = 0;     // sum of round(distance_mi * 1000)
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
    return trip_count > 0 ? static_cast<double>(duration_sum_s) / trip_count
                          : std::numeric_limits<double>::quiet_NaN();
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
  core::UtcTime window_start;                // the event's window
  std::optional<core::UtcTime> closed_until;  // at the time of the call
  bool ok() const { return status == AddStatus::kAccepted; }
};

// A one-line reason for the dead-letter output, e.g. "late: event_time 2016-01-01T00:00:30Z,
// window 2016-01-01T00:00:00Z already closed (closed until 2016-01-01T00:02:00Z)".
std::string DescribeReject(const Event& event, const AddResult& result);

struct WindowCounters {
  int64_t accepted = 0;
  int64_t late = 0;
  int64_t outside_grid = 0;
  int64_t invalid_value = 0;
  int64_t windows_emitted = 0;  // (window, cell) aggregates closed
  bool operator==(const WindowCounters&) const = default;
};

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

  // The whole state (partitions, watermark, open windows, closed windows not yet taken, counters)
  // as versioned little-endian bytes. Restore into a Windower built with the same options gives
  // one that behaves exactly like the original from that point on.
  std::string Snapshot() const;
  // kCorrupt for bytes that are not a snapshot, kInvalidArgument for a snapshot taken with
  // other options (window size, lateness, idle timeout, grid). On error the state is unchanged.
  core::Status Restore(std::string_view bytes);

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
  std::vector<int> open_;   // slots in use
  std::vector<int> free_;   // slots ready for reuse
  int last_slot_ = -1;      // cache: the slot of the previous event

  std::vector<WindowAggregate> closed_;
  WindowCounters counters_;
};

}  // namespace traffic::window
