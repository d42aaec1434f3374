#include "traffic/features/feature_builder.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <utility>

#include "traffic/core/coding.h"
#include "traffic/window/partition_state.h"

namespace traffic::features {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

double Speed(const window::TripStats& s) { return s.avg_speed_mph(); }

constexpr std::string_view kCellsMagic = "TRFCS";
constexpr uint32_t kCellsVersion = 1;

}  // namespace

core::Status FeatureOptions::Validate() const {
  if (window_size.count() <= 0 || 300 % window_size.count() != 0) {
    return core::Status::InvalidArgument("feature window size must divide 300 s, got " +
                                         std::to_string(window_size.count()) + " s");
  }
  if (grid.rows <= 0 || grid.cols <= 0) return core::Status::InvalidArgument("empty grid");
  return core::Status::Ok();
}

FeatureBuilder::FeatureBuilder(FeatureOptions options)
    : options_(options),
      window_s_(options.window_size.count()),
      n5_(static_cast<int>(300 / window_s_)),
      n15_(static_cast<int>(900 / window_s_)),
      n60_(static_cast<int>(3600 / window_s_)),
      history_(options.grid.rows * options.grid.cols, n60_ + 4),
      row_from_(static_cast<size_t>(options.grid.rows) * options.grid.cols, kNone),
      profile15_(row_from_.size(), kMissing) {
  assert(options_.Validate().ok());
}

std::optional<core::UtcTime> FeatureBuilder::next_boundary() const {
  if (next_ == kNone) return std::nullopt;
  return core::FromEpochSeconds(next_ * window_s_);
}

void FeatureBuilder::AddWindow(const window::WindowAggregate& w, std::vector<FeatureRow>* out) {
  restoring_ = false;
  const int64_t index = FloorDiv(core::ToEpochSeconds(w.window_start), window_s_);
  EmitThrough(index, out);  // nothing when the window is older than the boundaries emitted
  if (w.cell.row < 0 || w.cell.row >= options_.grid.rows || w.cell.col < 0 || w.cell.col >= options_.grid.cols ||
      w.stats.trip_count <= 0) {
    return;  // the windower never emits these
  }
  history_.Add(w.cell.row * options_.grid.cols + w.cell.col, index, w.stats);
}

void FeatureBuilder::AdvanceTo(core::UtcTime closed_until, std::vector<FeatureRow>* out) {
  restoring_ = false;
  EmitThrough(FloorDiv(core::ToEpochSeconds(closed_until), window_s_), out);
}

void FeatureBuilder::EmitThrough(int64_t boundary_index, std::vector<FeatureRow>* out) {
  if (next_ == kNone) {  // nothing known before the first window: no rows up to it
    next_ = boundary_index + 1;
    return;
  }
  while (next_ <= boundary_index) {
    // Retire cells without a trip in [t-60, t): they get no row and read as 0 to neighbours.
    const int64_t t = next_;
    scratch_.clear();
    for (int cell : history_.cells()) {
      if (history_.Last(cell) < t - n60_) scratch_.push_back(cell);
    }
    for (int cell : scratch_) history_.Release(cell);
    if (history_.cells().empty()) {  // quiet: nothing can become active without a new window
      next_ = boundary_index + 1;
      return;
    }
    EmitBoundary(t, out);
    ++next_;
  }
}

void FeatureBuilder::EmitBoundary(int64_t t, std::vector<FeatureRow>* out) {
  const core::UtcTime at = core::FromEpochSeconds(t * window_s_);
  const trip::Calendar calendar = trip::CalendarAt(at);
  const int how = (calendar.iso_weekday - 1) * 24 + calendar.local_hour;
  const int rows = options_.grid.rows;
  const int cols = options_.grid.cols;
  scratch_.assign(history_.cells().begin(), history_.cells().end());
  std::sort(scratch_.begin(), scratch_.end());

  // Where the middles of the ranges read below fall in the week (the same for every cell).
  const HistoricalProfile* profile = options_.profile;
  const ProfileHoldout* holdout = options_.holdout;
  auto blend = [&](int64_t offset_s) { return HourBlendAt(core::FromEpochSeconds(t * window_s_ + offset_s)); };
  const HourBlend mid5 = blend(-150), mid15 = blend(-450), mid15_30 = blend(-1350), mid60 = blend(-1800),
                  mid5_20 = blend(-750);
  std::array<HourBlend, kHorizonCount> ahead;
  for (int i = 0; i < kHorizonCount; ++i)
    ahead[static_cast<size_t>(i)] = blend(kHorizonsMin[static_cast<size_t>(i)] * 30);
  constexpr int kSlowBlocks = 12;  // 60 minutes of 5-minute ranges
  std::array<HourBlend, kSlowBlocks> block_mid;
  for (int k = 0; k < kSlowBlocks; ++k) block_mid[static_cast<size_t>(k)] = blend(-150 - 300 * k);
  auto id_of = [cols](int cell) {
    return geo::CellId{static_cast<int16_t>(cell / cols), static_cast<int16_t>(cell % cols)};
  };
  auto ratio = [](double speed, double expected) {
    return std::isnan(speed) || !(expected > 0) ? kMissing : speed / expected;
  };

  // The profile over [t-15, t) of every cell held (for neighbours and the city), and the city's
  // trip-weighted speeds against its trip-weighted profile.
  double city_sum15 = 0, city_expected15 = 0, city_sum60 = 0, city_expected60 = 0;
  if (profile != nullptr) {
    for (int cell : scratch_) {
      const double p15 = profile->SmoothedSpeed(id_of(cell), mid15, holdout);
      profile15_[static_cast<size_t>(cell)] = p15;
      if (!history_.Covers(cell, t - n60_) || std::isnan(p15)) continue;
      const window::TripStats s15 = history_.Sum(cell, t - n15_, t);
      const window::TripStats s60 = history_.Sum(cell, t - n60_, t);
      city_sum15 += static_cast<double>(s15.speed_sum_mmph) / 1000.0;
      city_expected15 += static_cast<double>(s15.trip_count) * p15;
      city_sum60 += static_cast<double>(s60.speed_sum_mmph) / 1000.0;
      city_expected60 += static_cast<double>(s60.trip_count) * profile->SmoothedSpeed(id_of(cell), mid60, holdout);
    }
  }
  const double city_anomaly15 = city_expected15 > 0 ? city_sum15 / city_expected15 : kMissing;
  const double city_anomaly60 = city_expected60 > 0 ? city_sum60 / city_expected60 : kMissing;

  for (int cell : scratch_) {
    if (row_from_[cell] > t) continue;  // restored from a builder that already emitted t
    FeatureRow r;
    r.t = at;
    r.cell = id_of(cell);
    const window::TripStats s5 = history_.Sum(cell, t - n5_, t);
    const window::TripStats s15 = history_.Sum(cell, t - n15_, t);
    const window::TripStats s15_30 = history_.Sum(cell, t - 2 * n15_, t - n15_);
    const window::TripStats s60 = history_.Sum(cell, t - n60_, t);
    r.count_5m = static_cast<int32_t>(s5.trip_count);
    r.speed_5m = Speed(s5);
    r.count_15m = static_cast<int32_t>(s15.trip_count);
    r.speed_15m = Speed(s15);
    r.count_15_30m = static_cast<int32_t>(s15_30.trip_count);
    r.speed_15_30m = Speed(s15_30);
    r.count_60m = static_cast<int32_t>(s60.trip_count);
    r.speed_60m = Speed(s60);
    r.speed_std_60m = s60.speed_std_mph();
    r.distance_mi_60m = s60.avg_distance_mi();
    r.duration_min_60m = s60.avg_duration_s() / 60.0;

    window::TripStats nbr;
    double nbr_expected = 0;
    for (int dr = -1; dr <= 1; ++dr) {
      for (int dc = -1; dc <= 1; ++dc) {
        if (dr == 0 && dc == 0) continue;
        int row = r.cell.row + dr, col = r.cell.col + dc;
        if (row < 0 || row >= rows || col < 0 || col >= cols) continue;
        int n = row * cols + col;
        if (history_.Has(n) && history_.Covers(n, t - n15_)) {
          const window::TripStats s = history_.Sum(n, t - n15_, t);
          nbr += s;
          if (profile != nullptr)
            nbr_expected += static_cast<double>(s.trip_count) * profile15_[static_cast<size_t>(n)];
        }
      }
    }
    r.nbr_count_15m = static_cast<int32_t>(nbr.trip_count);
    r.nbr_speed_15m = Speed(nbr);

    r.calendar = calendar;
    if (profile != nullptr) {
      ProfileValue p = profile->Lookup(r.cell, how, holdout, FloorDiv(t * window_s_, 3600));
      r.profile_speed = p.speed_mph;
      r.profile_trips_per_hour = p.trips_per_hour;
      r.profile_fallback = p.fallback;

      r.anomaly_5m = ratio(r.speed_5m, profile->SmoothedSpeed(r.cell, mid5, holdout));
      r.anomaly_15m = ratio(r.speed_15m, profile15_[static_cast<size_t>(cell)]);
      r.anomaly_15_30m = ratio(r.speed_15_30m, profile->SmoothedSpeed(r.cell, mid15_30, holdout));
      r.anomaly_60m = ratio(r.speed_60m, profile->SmoothedSpeed(r.cell, mid60, holdout));
      const double anomaly_5_20 =
          ratio(Speed(history_.Sum(cell, t - 4 * n5_, t - n5_)), profile->SmoothedSpeed(r.cell, mid5_20, holdout));
      r.anomaly_trend = ratio(r.anomaly_5m, anomaly_5_20);
      for (int k = 0; k < kSlowBlocks; ++k) {
        const window::TripStats b = history_.Sum(cell, t - (k + 1) * n5_, t - k * n5_);
        if (b.trip_count == 0) continue;  // no news: the state carries on
        if (!(ratio(Speed(b), profile->SmoothedSpeed(r.cell, block_mid[static_cast<size_t>(k)], holdout)) <
              kSlowAnomaly))
          break;
        r.slow_minutes = (k + 1) * 5;
      }
      r.nbr_anomaly_15m =
          nbr_expected > 0 ? (static_cast<double>(nbr.speed_sum_mmph) / 1000.0) / nbr_expected : kMissing;
      r.city_anomaly_15m = city_anomaly15;
      r.city_anomaly_60m = city_anomaly60;
      const double latest = std::isnan(r.anomaly_15m) ? r.anomaly_60m : r.anomaly_15m;
      for (size_t i = 0; i < static_cast<size_t>(kHorizonCount); ++i) {
        r.profile_ahead[i] = profile->SmoothedSpeed(r.cell, ahead[i], holdout);
        r.anomaly_speed_ahead[i] = latest * r.profile_ahead[i];
      }
    }
    out->push_back(r);
  }
}

std::string FeatureBuilder::SnapshotCells(const std::function<bool(geo::CellId)>& owns_cell) const {
  return SnapshotCells(window::SelectCells(options_.grid, owns_cell));
}

std::string FeatureBuilder::SnapshotCells(const window::CellMask& cells) const {
  const int cell_count = options_.grid.rows * options_.grid.cols;
  assert(static_cast<int>(cells.size()) == cell_count);
  std::string out;
  out.reserve(256);
  core::BeginFrame(&out, kCellsMagic, kCellsVersion);
  PutCellStateHeader(&out, window_s_, options_.grid);
  core::PutVarintSigned64(&out, next_);
  window::PutCellMask(&out, cells);
  std::vector<int> high, active;
  for (int c = 0; c < cell_count; ++c) {
    if (!cells[c]) continue;
    if (row_from_[c] != kNone && row_from_[c] > next_) high.push_back(c);
    if (history_.Has(c)) active.push_back(c);
  }
  core::PutVarint64(&out, high.size());
  for (int c : high) {
    core::PutVarint64(&out, static_cast<uint64_t>(c));
    core::PutVarintSigned64(&out, row_from_[c]);
  }
  core::PutVarint64(&out, active.size());
  int prev = -1;
  for (int c : active) {
    core::PutVarint64(&out, static_cast<uint64_t>(c - prev));
    prev = c;
    history_.SaveCell(c, &out);
  }
  core::SealFrame(&out);
  return out;
}

core::Status FeatureBuilder::RestoreCells(std::string_view bytes) {
  auto corrupt = [](const std::string& what) { return core::Status::Corrupt("feature cell state: " + what); };
  std::string_view payload;
  TRAFFIC_RETURN_IF_ERROR(core::OpenFrame(bytes, kCellsMagic, kCellsVersion, "feature cell state", &payload));
  core::ByteReader r(payload);
  TRAFFIC_RETURN_IF_ERROR(ReadCellStateHeader(&r, window_s_, options_.grid, "feature cell state"));
  const uint64_t cell_count = static_cast<uint64_t>(options_.grid.rows) * static_cast<uint64_t>(options_.grid.cols);
  int64_t next;
  window::CellMask cells;
  if (!r.GetVarintSigned64(&next) || !window::GetCellMask(&r, cell_count, &cells)) return corrupt("truncated header");
  uint64_t n;
  std::vector<std::pair<int, int64_t>> high;
  if (!r.GetVarint64AtMost(cell_count, &n)) return corrupt("bad floor count");
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t c;
    int64_t f;
    if (!r.GetVarint64(&c) || !r.GetVarintSigned64(&f)) return corrupt("truncated floors");
    if (c >= cell_count || !cells[c] || f <= next || (!high.empty() && c <= static_cast<uint64_t>(high.back().first))) {
      return corrupt("bad floor");
    }
    high.emplace_back(static_cast<int>(c), f);
  }
  if (!r.GetVarint64AtMost(cell_count, &n)) return corrupt("bad cell count");
  std::vector<std::pair<int, WindowHistory::SavedCell>> saved(n);
  int64_t prev = -1;
  for (auto& [cell, history] : saved) {
    uint64_t delta;
    if (!r.GetVarint64(&delta) || delta == 0 || delta > cell_count) return corrupt("bad cell");
    prev += static_cast<int64_t>(delta);
    if (static_cast<uint64_t>(prev) >= cell_count || !cells[prev]) {
      return corrupt("history of a cell not in the set");
    }
    cell = static_cast<int>(prev);
    if (!history_.ReadCell(&r, &history)) return corrupt("bad history of cell " + std::to_string(prev));
  }
  if (!r.empty()) return corrupt("trailing bytes");

  // Checked: apply. Replace what we hold for these cells, then merge.
  Forget(cells);
  if (restoring_) {
    next_ = restored_any_ ? std::min(next_, next) : next;  // kNone (nothing yet) is the smallest
    restored_any_ = true;
  } else if (next_ == kNone) {
    next_ = next;
  }
  for (size_t c = 0; c < cells.size(); ++c) {
    if (cells[c]) row_from_[c] = next;
  }
  for (const auto& [c, f] : high) row_from_[c] = f;
  for (const auto& [cell, history] : saved) history_.LoadCell(cell, history);
  return core::Status::Ok();
}

void FeatureBuilder::DropCells(const std::function<bool(geo::CellId)>& owns_cell) {
  DropCells(window::SelectCells(options_.grid, owns_cell));
}

void FeatureBuilder::DropCells(const window::CellMask& cells) {
  assert(cells.size() == row_from_.size());
  restoring_ = false;
  Forget(cells);
}

void FeatureBuilder::Forget(const window::CellMask& cells) {
  for (size_t c = 0; c < cells.size(); ++c) {
    if (!cells[c]) continue;
    history_.Release(static_cast<int>(c));
    row_from_[c] = kNone;
  }
}

}  // namespace traffic::features
