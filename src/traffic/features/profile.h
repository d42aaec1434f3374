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
#include <unordered_map>
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

// Where a moment falls between two hours of week, for HistoricalProfile::SmoothedSpeed: the
// hours whose centres (h + 0.5) lie either side of it and the weight of the later one. The same
// for every cell at a moment, so the feature builder computes it once per boundary.
struct HourBlend {
  int earlier = 0;           // hour of week
  int later = 0;             // (earlier + 1) mod 168
  double later_weight = 0;   // in [0, 1)
  int64_t earlier_hour = 0;  // the dated clock hours (Unix seconds / 3600) they stand for
  int64_t later_hour = 0;
};
HourBlend HourBlendAt(core::UtcTime t);

struct ProfileSums {
  int64_t trips = 0;
  int64_t speed_sum_mmph = 0;
  bool operator==(const ProfileSums&) const = default;
};

// The training period clock hour by clock hour, so that the profile a TRAINING example sees can
// leave out the example's own hours: a cell-hour of the week seen on one or two training days
// otherwise holds the very trips the example's target counts, the model learns to trust the
// profile more than it deserves, and early stopping and the decision rule are tuned on validation
// examples with the same leak. Built by ProfileFitter, used by the features step only (the test
// period and the stream are never in the training hours); not saved with the model.
class ProfileHoldout {
 public:
  // The sums of one clock hour (Unix seconds / 3600) of a cell (its dense index) / of the city.
  ProfileSums Cell(int64_t hour, int cell_index) const;
  ProfileSums City(int64_t hour) const;
  // Whether the clock hour counts in the profile's occurrences (meets the training period).
  bool Counted(int64_t hour) const { return hour >= first_hour_ && hour < end_hour_; }

 private:
  friend class ProfileFitter;
  int64_t first_hour_ = 0, end_hour_ = 0;
  int64_t cell_count_ = 1;
  std::unordered_map<int64_t, ProfileSums> cells_;  // hour * cell_count_ + cell index
  std::unordered_map<int64_t, ProfileSums> city_;
};

class HistoricalProfile {
 public:
  HistoricalProfile() = default;  // empty: every lookup is a NaN fallback

  // Cell values when the cell had >= 1 trip in that hour of week during training; otherwise
  // the city-wide values: speed = trip-weighted mean over all cells, trips_per_hour = the mean
  // over the cells that have any training history. hour_of_week in [0, 168).
  ProfileValue Lookup(geo::CellId cell, int hour_of_week) const { return Lookup(cell, hour_of_week, nullptr, 0); }
  // The same without the trips of clock hour `own_hour` (the example's own; see ProfileHoldout):
  // when that hour was the hour of week's only occurrence, the widened value of the other days.
  ProfileValue Lookup(geo::CellId cell, int hour_of_week, const ProfileHoldout* holdout, int64_t own_hour) const;

  // The cell's expected trip speed at a moment (the profile of a target window, DESIGN.md
  // "Forecast"): its two nearest hours of week blended linearly, pooled by trips, and shrunk
  // toward the city's blend by kSmoothingTrips pseudo-trips, so that a cell-hour seen on one
  // training day with a few trips does not stand alone. An hour the training period never
  // contained weighs nothing; with neither, Lookup's widened value. NaN when empty.
  static constexpr double kSmoothingTrips = 5;
  // With a holdout, without the trips of the blend's dated hours.
  double SmoothedSpeed(geo::CellId cell, const HourBlend& at, const ProfileHoldout* holdout = nullptr) const;

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
  using Sums = ProfileSums;
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
  const ProfileHoldout& holdout() const { return holdout_; }

 private:
  HistoricalProfile profile_;
  ProfileHoldout holdout_;
  int64_t used_ = 0;
};

HistoricalProfile FitProfile(std::span<const window::WindowAggregate> windows, geo::GridSpec grid,
                             core::UtcTime train_from, core::UtcTime train_to);

}  // namespace traffic::features
