#include "traffic/features/labeler.h"

#include <cassert>

namespace traffic::features {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

core::Status LabelOptions::Validate() const {
  if (window_size.count() <= 0 || 300 % window_size.count() != 0) {
    return core::Status::InvalidArgument("label window size must divide 300 s, got " +
                                         std::to_string(window_size.count()) + " s");
  }
  if (grid.rows <= 0 || grid.cols <= 0) return core::Status::InvalidArgument("empty grid");
  if (min_trips < 1) return core::Status::InvalidArgument("min_trips must be >= 1");
  return core::Status::Ok();
}

Labeler::Labeler(LabelOptions options)
    : options_(options),
      window_s_(options.window_size.count()),
      n60_(static_cast<int>(3600 / window_s_)),
      history_(options.grid.rows * options.grid.cols, n60_ + 4) {
  assert(options_.Validate().ok());
}

void Labeler::AddRow(FeatureRow row) {
  assert(frontier_ == kNone || FloorDiv(core::ToEpochSeconds(row.t), window_s_) >= frontier_);
  assert(pending_.empty() || pending_.back().t <= row.t);
  pending_.push_back(std::move(row));
}

void Labeler::AddWindow(const window::WindowAggregate& w, std::vector<FeatureRow>* out) {
  const int64_t index = FloorDiv(core::ToEpochSeconds(w.window_start), window_s_);
  Advance(index, out);
  if (w.cell.row < 0 || w.cell.row >= options_.grid.rows || w.cell.col < 0 || w.cell.col >= options_.grid.cols ||
      w.stats.trip_count <= 0) {
    return;
  }
  history_.Add(w.cell.row * options_.grid.cols + w.cell.col, index, w.stats);
}

void Labeler::AdvanceTo(core::UtcTime closed_until, std::vector<FeatureRow>* out) {
  Advance(FloorDiv(core::ToEpochSeconds(closed_until), window_s_), out);
}

void Labeler::Advance(int64_t frontier, std::vector<FeatureRow>* out) {
  if (frontier_ != kNone && frontier <= frontier_) return;
  frontier_ = frontier;
  while (!pending_.empty()) {
    const int64_t t = FloorDiv(core::ToEpochSeconds(pending_.front().t), window_s_);
    if (t + n60_ > frontier_) break;
    Label(&pending_.front());
    out->push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  // Held rows have t > frontier - 60 min, so a cell whose newest window is older than that
  // contributes nothing to any of them.
  scratch_.clear();
  for (int cell : history_.cells()) {
    if (history_.Last(cell) < frontier_ - n60_ - 1) scratch_.push_back(cell);
  }
  for (int cell : scratch_) history_.Release(cell);
}

void Labeler::Label(FeatureRow* row) const {
  const int64_t t = FloorDiv(core::ToEpochSeconds(row->t), window_s_);
  const int cell = row->cell.row * options_.grid.cols + row->cell.col;
  for (int i = 0; i < kHorizonCount; ++i) {
    const int64_t end = t + kHorizonsMin[i] * 60 / window_s_;
    row->target[i] = kNoTarget;
    row->target_count[i] = 0;
    row->target_speed[i] = kMissing;
    if (frontier_ == kNone || end > frontier_) continue;  // not observed (end of input)
    window::TripStats s = history_.Sum(cell, t, end);
    row->target_count[i] = static_cast<int32_t>(s.trip_count);
    row->target_speed[i] = s.avg_speed_mph();
    if (s.trip_count >= options_.min_trips) {
      row->target[i] = static_cast<int8_t>(window::LevelFor(s.avg_speed_mph(), options_.thresholds));
    }
  }
}

void Labeler::Finish(std::vector<FeatureRow>* out) {
  while (!pending_.empty()) {
    Label(&pending_.front());
    out->push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
}

}  // namespace traffic::features
