#include "traffic/features/profile.h"

#include <cmath>
#include <limits>

#include "traffic/core/text.h"
#include "traffic/trip/trip.h"

namespace traffic::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

int HourOfWeek(core::UtcTime t) {
  trip::Calendar c = trip::CalendarAt(t);
  return (c.iso_weekday - 1) * 24 + c.local_hour;
}

HourBlend HourBlendAt(core::UtcTime t) {
  // New York's offset from UTC is whole hours: the local minute is the UTC minute.
  const int64_t seconds_in_hour = core::ToEpochSeconds(t) - FloorDiv(core::ToEpochSeconds(t), 3600) * 3600;
  const double x = HourOfWeek(t) + static_cast<double>(seconds_in_hour) / 3600.0 - 0.5;  // centres at .5
  const int earlier = x < 0 ? kHoursPerWeek - 1 : static_cast<int>(x);
  const double later_weight = x < 0 ? x + 1 : x - static_cast<int>(x);
  const int64_t earlier_hour = FloorDiv(core::ToEpochSeconds(t) - 1800, 3600);
  return {earlier, (earlier + 1) % kHoursPerWeek, later_weight, earlier_hour, earlier_hour + 1};
}

ProfileSums ProfileHoldout::Cell(int64_t hour, int cell_index) const {
  auto it = cells_.find(hour * cell_count_ + cell_index);
  return it == cells_.end() ? ProfileSums{} : it->second;
}

ProfileSums ProfileHoldout::City(int64_t hour) const {
  auto it = city_.find(hour);
  return it == city_.end() ? ProfileSums{} : it->second;
}

double HistoricalProfile::SmoothedSpeed(geo::CellId cell, const HourBlend& at, const ProfileHoldout* holdout) const {
  if (cells_.empty()) return kNaN;
  const int hours[2] = {at.earlier, at.later};
  const int64_t dated[2] = {at.earlier_hour, at.later_hour};
  double weights[2] = {1 - at.later_weight, at.later_weight};
  bool held_out[2] = {false, false};
  for (int i = 0; i < 2; ++i) {
    held_out[i] = holdout != nullptr && holdout->Counted(dated[i]);
    if (hours[i] < 0 || hours[i] >= kHoursPerWeek || occurrences_[hours[i]] - (held_out[i] ? 1 : 0) <= 0) {
      weights[i] = 0;
    }
  }
  if (weights[0] + weights[1] <= 0) {
    const int nearer = at.later_weight < 0.5 ? 0 : 1;
    return Lookup(cell, hours[nearer], holdout, dated[nearer]).speed_mph;
  }
  const bool in_grid = cell.row >= 0 && cell.row < rows_ && cell.col >= 0 && cell.col < cols_;
  const int index = in_grid ? cell.row * cols_ + cell.col : -1;
  double city_trips = 0, city_sum = 0, trips = 0, sum = 0;
  for (int i = 0; i < 2; ++i) {
    if (weights[i] == 0) continue;
    Sums city = city_[hours[i]];
    Sums own = in_grid ? cells_[static_cast<size_t>(index) * kHoursPerWeek + static_cast<size_t>(hours[i])] : Sums{};
    if (held_out[i]) {
      const Sums c = holdout->City(dated[i]);
      city.trips -= c.trips;
      city.speed_sum_mmph -= c.speed_sum_mmph;
      if (in_grid) {
        const Sums o = holdout->Cell(dated[i], index);
        own.trips -= o.trips;
        own.speed_sum_mmph -= o.speed_sum_mmph;
      }
    }
    city_trips += weights[i] * static_cast<double>(city.trips);
    city_sum += weights[i] * static_cast<double>(city.speed_sum_mmph) / 1000.0;
    trips += weights[i] * static_cast<double>(own.trips);
    sum += weights[i] * static_cast<double>(own.speed_sum_mmph) / 1000.0;
  }
  if (city_trips <= 0) return kNaN;
  const double city_speed = city_sum / city_trips;
  return (sum + kSmoothingTrips * city_speed) / (trips + kSmoothingTrips);
}

ProfileValue HistoricalProfile::Lookup(geo::CellId cell, int hour_of_week, const ProfileHoldout* holdout,
                                       int64_t own_hour) const {
  if (cells_.empty() || hour_of_week < 0 || hour_of_week >= kHoursPerWeek) {
    return {kNaN, kNaN, true};
  }
  // Leaving out the example's own clock hour (ProfileHoldout): one occurrence and its trips less.
  const bool held_out = holdout != nullptr && holdout->Counted(own_hour);
  auto occurrences = [&](int h) { return occurrences_[h] - (held_out && h == hour_of_week ? 1 : 0); };
  // The hours of week to pool: the one asked for; or, when the training period never contained
  // it (a training period shorter than a week), the same local hour on every day that did occur,
  // which is the best the history can say. Such a value is always marked fallback.
  int hours[7];
  int count = 0;
  bool widened = occurrences(hour_of_week) <= 0;
  if (!widened) {
    hours[count++] = hour_of_week;
  } else {
    for (int day = 0; day < 7; ++day) {
      int h = day * 24 + hour_of_week % 24;
      if (occurrences(h) > 0) hours[count++] = h;
    }
  }
  int64_t occ = 0;
  for (int i = 0; i < count; ++i) occ += occurrences(hours[i]);
  auto minus_own = [&](Sums s, int h, const Sums& own) {
    if (held_out && h == hour_of_week) {
      s.trips -= own.trips;
      s.speed_sum_mmph -= own.speed_sum_mmph;
    }
    return s;
  };
  if (cell.row >= 0 && cell.row < rows_ && cell.col >= 0 && cell.col < cols_) {
    const int index = cell.row * cols_ + cell.col;
    const Sums own = held_out ? holdout->Cell(own_hour, index) : Sums{};
    Sums s;
    for (int i = 0; i < count; ++i) {
      const Sums one = minus_own(cells_[static_cast<size_t>(index) * kHoursPerWeek + hours[i]], hours[i], own);
      s.trips += one.trips;
      s.speed_sum_mmph += one.speed_sum_mmph;
    }
    if (s.trips > 0 && occ > 0) {
      return {static_cast<double>(s.speed_sum_mmph) / 1000.0 / s.trips, static_cast<double>(s.trips) / occ, widened};
    }
  }
  const Sums own_city = held_out ? holdout->City(own_hour) : Sums{};
  Sums c;
  for (int i = 0; i < count; ++i) {
    const Sums one = minus_own(city_[hours[i]], hours[i], own_city);
    c.trips += one.trips;
    c.speed_sum_mmph += one.speed_sum_mmph;
  }
  double speed = c.trips > 0 ? static_cast<double>(c.speed_sum_mmph) / 1000.0 / c.trips : kNaN;
  double trips = occ > 0 && cells_with_history_ > 0 ? static_cast<double>(c.trips) / occ / cells_with_history_ : kNaN;
  return {speed, trips, true};
}

void HistoricalProfile::Finalize() {
  city_.fill({});
  cells_with_history_ = 0;
  const size_t n = static_cast<size_t>(rows_) * cols_;
  for (size_t cell = 0; cell < n; ++cell) {
    bool any = false;
    for (int h = 0; h < kHoursPerWeek; ++h) {
      const Sums& s = cells_[cell * kHoursPerWeek + h];
      if (s.trips == 0) continue;
      any = true;
      city_[h].trips += s.trips;
      city_[h].speed_sum_mmph += s.speed_sum_mmph;
    }
    cells_with_history_ += any;
  }
}

std::string HistoricalProfile::Serialize() const {
  std::string out = "traffic-profile 1\n";
  out += "grid " + std::to_string(rows_) + " " + std::to_string(cols_) + "\n";
  out += "train " + std::to_string(core::ToEpochSeconds(train_from_)) + " " +
         std::to_string(core::ToEpochSeconds(train_to_)) + "\n";
  out += "occurrences";
  for (int64_t o : occurrences_) out += " " + std::to_string(o);
  out += "\n";
  const size_t n = static_cast<size_t>(rows_) * cols_;
  for (size_t cell = 0; cell < n && !cells_.empty(); ++cell) {
    for (int h = 0; h < kHoursPerWeek; ++h) {
      const Sums& s = cells_[cell * kHoursPerWeek + h];
      if (s.trips == 0) continue;
      geo::CellId id{static_cast<int16_t>(cell / cols_), static_cast<int16_t>(cell % cols_)};
      out += "cell " + id.ToString() + " " + std::to_string(h) + " " + std::to_string(s.trips) + " " +
             std::to_string(s.speed_sum_mmph) + "\n";
    }
  }
  return out;
}

core::Result<HistoricalProfile> HistoricalProfile::Parse(std::string_view text) {
  HistoricalProfile p;
  auto lines = core::SplitSimple(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  auto corrupt = [](size_t line, std::string what) {
    return core::Status::Corrupt("profile line " + std::to_string(line + 1) + ": " + what);
  };
  if (lines.size() < 4) return core::Status::Corrupt("profile: truncated (" + std::to_string(lines.size()) + " lines)");
  if (lines[0] != "traffic-profile 1") return corrupt(0, "not a version 1 profile");
  auto f = core::SplitSimple(lines[1], ' ');
  std::optional<int64_t> rows, cols;
  if (f.size() != 3 || f[0] != "grid" || !(rows = core::ParseInt(f[1])) || !(cols = core::ParseInt(f[2])) ||
      *rows <= 0 || *cols <= 0 || *rows > 32767 || *cols > 32767 || *rows * *cols > (1 << 24)) {
    return corrupt(1, "expected 'grid ROWS COLS'");
  }
  p.rows_ = static_cast<int>(*rows);
  p.cols_ = static_cast<int>(*cols);
  f = core::SplitSimple(lines[2], ' ');
  std::optional<int64_t> from, to;
  if (f.size() != 3 || f[0] != "train" || !(from = core::ParseInt(f[1])) || !(to = core::ParseInt(f[2]))) {
    return corrupt(2, "expected 'train FROM TO'");
  }
  p.train_from_ = core::FromEpochSeconds(*from);
  p.train_to_ = core::FromEpochSeconds(*to);
  f = core::SplitSimple(lines[3], ' ');
  if (f.size() != kHoursPerWeek + 1 || f[0] != "occurrences") {
    return corrupt(3, "expected 'occurrences' and 168 counts");
  }
  for (int h = 0; h < kHoursPerWeek; ++h) {
    auto v = core::ParseInt(f[h + 1]);
    if (!v || *v < 0) return corrupt(3, "bad count '" + std::string(f[h + 1]) + "'");
    p.occurrences_[h] = *v;
  }
  p.cells_.assign(static_cast<size_t>(p.rows_) * p.cols_ * kHoursPerWeek, {});
  for (size_t i = 4; i < lines.size(); ++i) {
    f = core::SplitSimple(lines[i], ' ');
    if (f.size() != 5 || f[0] != "cell") return corrupt(i, "expected 'cell ROW_COL HOW TRIPS SPEED_SUM'");
    auto cell = geo::CellId::Parse(f[1]);
    auto how = core::ParseInt(f[2]);
    auto trips = core::ParseInt(f[3]);
    auto speed = core::ParseInt(f[4]);
    if (!cell || cell->row >= p.rows_ || cell->col >= p.cols_)
      return corrupt(i, "bad cell '" + std::string(f[1]) + "'");
    if (!how || *how < 0 || *how >= kHoursPerWeek) return corrupt(i, "bad hour of week");
    if (!trips || *trips <= 0 || !speed || *speed < 0) return corrupt(i, "bad sums");
    Sums& s = p.cells_[(static_cast<size_t>(cell->row) * p.cols_ + cell->col) * kHoursPerWeek + *how];
    if (s.trips != 0) return corrupt(i, "duplicate cell and hour");
    s.trips = *trips;
    s.speed_sum_mmph = *speed;
  }
  p.Finalize();
  return p;
}

ProfileFitter::ProfileFitter(geo::GridSpec grid, core::UtcTime train_from, core::UtcTime train_to) {
  HistoricalProfile& p = profile_;
  p.rows_ = grid.rows;
  p.cols_ = grid.cols;
  p.train_from_ = train_from;
  p.train_to_ = train_to;
  p.cells_.assign(static_cast<size_t>(grid.rows) * grid.cols * kHoursPerWeek, {});
  // New York's offset from UTC is a whole number of hours, so UTC clock hours are local ones.
  const int64_t from = core::ToEpochSeconds(train_from);
  const int64_t to = core::ToEpochSeconds(train_to);
  for (int64_t h = FloorDiv(from, 3600) * 3600; h < to; h += 3600) {
    ++p.occurrences_[HourOfWeek(core::FromEpochSeconds(h))];
  }
  holdout_.first_hour_ = FloorDiv(from, 3600);
  holdout_.end_hour_ = FloorDiv(to + 3599, 3600);
  holdout_.cell_count_ = static_cast<int64_t>(grid.rows) * grid.cols;
}

void ProfileFitter::Add(const window::WindowAggregate& w) {
  HistoricalProfile& p = profile_;
  if (w.window_start < p.train_from_ || w.window_end > p.train_to_) return;
  if (w.cell.row < 0 || w.cell.row >= p.rows_ || w.cell.col < 0 || w.cell.col >= p.cols_) return;
  const int how = HourOfWeek(w.window_start);
  auto& s = p.cells_[(static_cast<size_t>(w.cell.row) * p.cols_ + w.cell.col) * kHoursPerWeek + how];
  s.trips += w.stats.trip_count;
  s.speed_sum_mmph += w.stats.speed_sum_mmph;
  const int64_t hour = FloorDiv(core::ToEpochSeconds(w.window_start), 3600);
  for (ProfileSums* held :
       {&holdout_.cells_[hour * holdout_.cell_count_ + w.cell.row * p.cols_ + w.cell.col], &holdout_.city_[hour]}) {
    held->trips += w.stats.trip_count;
    held->speed_sum_mmph += w.stats.speed_sum_mmph;
  }
  ++used_;
}

HistoricalProfile ProfileFitter::Finish() const {
  HistoricalProfile p = profile_;
  p.Finalize();
  return p;
}

HistoricalProfile FitProfile(std::span<const window::WindowAggregate> windows, geo::GridSpec grid,
                             core::UtcTime train_from, core::UtcTime train_to) {
  ProfileFitter fitter(grid, train_from, train_to);
  for (const auto& w : windows) fitter.Add(w);
  return fitter.Finish();
}

}  // namespace traffic::features
