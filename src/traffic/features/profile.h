// The historical profile of each cell by hour of week (DESIGN.md "Forecast"): mean trip speed and
// mean trips per hour for every (cell, hour_of_week), fitted from the closed windows of the
// TRAINING period only, with a city-wide value per hour of week as the fallback for a cell that
// has no trips in that hour of week. Saved next to the model as text (Serialize / Parse); no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/core/time.h"
#include "traffic/geo/grid.h"
#include "traffic/window/windower.h"

namespace traffic::features {

inline constexpr int kHoursPerWeek = 168;

// (ISO day of week - 1) * 24 + local hour in New York: 0 = Monday 00:00-00:59 local.
int HourOfWeek(core::UtcTime t);

struct ProfileValue {
  double speed_mph;       // trip-weighted mean speed; NaN when even the city has no trips
  double trips_per_hour;  // mean trips per occurrence of the hour of week
  bool fallback;          // true when the values are the city-wide ones
};

class HistoricalProfile {
 public:
  HistoricalProfile() = default;  // empty: every lookup is a NaN fallback

  // Cell values when the cell had >= 1 trip in that hour of week during training; otherwise
  // the city-wide values: speed = trip-weighted mean over all cells, trips_per_hour = the mean
  // over the cells that have any training history. hour_of_week in [0, 168).
  ProfileValue Lookup(geo::CellId cell, int hour_of_week) const;

  bool empty() const { return cells_.empty(); }
  core::UtcTime train_from() const { return train_from_; }
  core::UtcTime train_to() const { return train_to_; }

  // Line-oriented text, exact (integer sums): "traffic-profile 1", "grid R C", "train FROM TO"
  // (Unix seconds), "occurrences" + 168 counts, then "cell ROW_COL HOW TRIPS SPEED_SUM_MMPH" per
  // non-empty (cell, hour of week), ordered.
  std::string Serialize() const;
  // kCorrupt naming the line for anything Serialize would not write.
  static core::Result<HistoricalProfile> Parse(std::string_view text);

  bool operator==(const HistoricalProfile&) const = default;

 private:
  friend class ProfileFitter;
  struct Sums {
    int64_t trips = 0;
    int64_t speed_sum_mmph = 0;
    bool operator==(const Sums&) const = default;
  };
  void Finalize();  // derives the city-wide values from the cells

  int rows_ = 0;
  int cols_ = 0;
  core::UtcTime train_from_{};
  core::UtcTime train_to_{};
  std::array<int64_t, kHoursPerWeek> occurrences_{};  // hours of each hour of week in training
  std::vector<Sums> cells_;                           // (cell index * 168 + how); empty if unfitted
  // Derived.
  std::array<Sums, kHoursPerWeek> city_{};
  int64_t cells_with_history_ = 0;
};

// Fits a profile from closed windows. Only windows lying inside [train_from, train_to) are used
// (window_start >= train_from and window_end <= train_to); the rest are ignored, so the windows
// of the whole data set can be passed. occurrences[how] = the number of clock hours [h, h + 1h)
// meeting [train_from, train_to) whose local hour of week is how.
class ProfileFitter {
 public:
  ProfileFitter(geo::GridSpec grid, core::UtcTime train_from, core::UtcTime train_to);
  void Add(const window::WindowAggregate& w);
  int64_t windows_used() const { return used_; }
  HistoricalProfile Finish() const;

 private:
  HistoricalProfile profile_;
  int64_t used_ = 0;
};

HistoricalProfile FitProfile(std::span<const window::WindowAggregate> windows, geo::GridSpec grid,
                             core::UtcTime train_from, core::UtcTime train_to);

}  // namespace traffic::features
