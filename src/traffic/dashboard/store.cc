#include "traffic/dashboard/store.h"

#include <algorithm>

#include "traffic/dashboard/json.h"

namespace traffic::dashboard {

WindowStore::WindowStore(StoreOptions options, std::vector<CellPlace> places)
    : options_(std::move(options)), grid_(options_.grid), places_(std::move(places)) {
  cells_.resize(static_cast<size_t>(grid_.cell_count()));
  places_.resize(static_cast<size_t>(grid_.cell_count()));
  models_.push_back("");
}

const std::deque<StoredWindow>* WindowStore::Windows(geo::CellId cell) const {
  if (!grid_.Contains(cell)) return nullptr;
  return &cells_[static_cast<size_t>(grid_.Index(cell))];
}

const CellPlace* WindowStore::Place(geo::CellId cell) const {
  if (!grid_.Contains(cell)) return nullptr;
  return &places_[static_cast<size_t>(grid_.Index(cell))];
}

std::optional<core::UtcTime> WindowStore::as_of() const {
  if (newest_end_s_ == INT64_MIN) return std::nullopt;
  return core::FromEpochSeconds(newest_end_s_);
}

void WindowStore::Add(const std::vector<codec::PredictionRecord>& records, int64_t wall_ms,
                      std::vector<SeqEvent>* events) {
  if (records.empty()) return;
  ++generation_;
  for (const auto& r : records) {
    if (!grid_.Contains(r.cell)) continue;
    StoredWindow w;
    w.start_s = core::ToEpochSeconds(r.window_start);
    int64_t duration = core::ToEpochSeconds(r.window_end) - w.start_s;
    w.duration_s = static_cast<uint16_t>(std::clamp<int64_t>(duration, 1, 65535));
    w.trip_count = static_cast<int32_t>(r.trip_count);
    w.avg_speed_mph = r.avg_speed_mph;
    w.level = static_cast<int8_t>(r.congestion_level);
    for (int h = 0; h < features::kHorizonCount; ++h) {
      if (r.forecasts[h]) {
        w.forecast[h] = static_cast<int8_t>(r.forecasts[h]->level);
        w.confidence[h] = static_cast<float>(r.forecasts[h]->confidence);
        if (r.forecasts[h]->source == codec::ForecastSource::kPersistence) w.persistence_mask |= 1u << h;
      }
    }
    auto m = std::find(models_.begin(), models_.end(), r.model_version);
    if (m == models_.end()) {
      if (models_.size() < kMaxModels) {
        models_.push_back(r.model_version);
        m = models_.end() - 1;
      } else {
        m = models_.begin();
      }
    }
    w.model = static_cast<uint16_t>(m - models_.begin()) & 0x1fff;

    auto& cell = cells_[static_cast<size_t>(grid_.Index(r.cell))];
    if (cell.empty()) ++cells_with_data_;
    if (cell.empty() || cell.back().start_s < w.start_s) {
      cell.push_back(w);
      ++windows_retained_;
    } else {
      auto it = std::lower_bound(cell.begin(), cell.end(), w.start_s,
                                 [](const StoredWindow& a, int64_t s) { return a.start_s < s; });
      if (it != cell.end() && it->start_s == w.start_s) {
        *it = w;
      } else {
        cell.insert(it, w);
        ++windows_retained_;
      }
    }
    while (cell.size() > options_.max_windows_per_cell) {
      cell.pop_front();
      --windows_retained_;
    }
    ++windows_total_;
    trips_total_ += r.trip_count;
    newest_end_s_ = std::max(newest_end_s_, w.end_s());
    if (events != nullptr || options_.ring_events > 0) {
      SeqEvent e{next_seq_++, CellNowJson(r.cell, w)};
      if (options_.ring_events > 0) {
        ring_.push_back(e);
        while (ring_.size() > options_.ring_events) ring_.pop_front();
      }
      if (events != nullptr) events->push_back(std::move(e));
    }
  }
  last_wall_ms_ = wall_ms;
  Evict();
  rates_.push_back({wall_ms, source_.events, windows_total_});
  while (rates_.size() > 2 && rates_.front().wall_ms < wall_ms - 70000) rates_.pop_front();
}

void WindowStore::Evict() {
  if (newest_end_s_ == INT64_MIN) return;
  int64_t cutoff = newest_end_s_ - options_.retention.count();
  if (cutoff <= evicted_up_to_s_) return;
  evicted_up_to_s_ = cutoff;
  for (auto& cell : cells_) {
    if (cell.empty()) continue;
    while (!cell.empty() && cell.front().end_s() <= cutoff) {
      cell.pop_front();
      --windows_retained_;
    }
    if (cell.empty()) --cells_with_data_;
  }
}

void WindowStore::AddDeadLetters(const std::vector<DeadLetterNote>& notes) {
  for (const auto& n : notes) {
    dead_letters_.push_back(n);
    while (dead_letters_.size() > options_.recent_dead_letters) dead_letters_.pop_front();
  }
}

void WindowStore::AddDelayMs(double ms) {
  size_t i = 0;
  while (i < kDelayBucketsMs.size() && ms > kDelayBucketsMs[i]) ++i;
  ++delay_counts_[i];
  delay_sum_ms_ += ms;
}

void WindowStore::SetSource(SourceStatus status, int64_t wall_ms) {
  source_ = std::move(status);
  rates_.push_back({wall_ms, source_.events, windows_total_});
  while (rates_.size() > 2 && rates_.front().wall_ms < wall_ms - 70000) rates_.pop_front();
}

void WindowStore::SetModel(std::string version, std::string card_json, std::vector<std::string> verdict,
                           const features::HistoricalProfile* profile) {
  ++generation_;
  model_version_ = std::move(version);
  model_card_ = std::move(card_json);
  verdict_ = std::move(verdict);
  profile_ = profile;
}

std::vector<const SeqEvent*> WindowStore::EventsAfter(uint64_t last_seq) const {
  std::vector<const SeqEvent*> out;
  if (ring_.empty() || last_seq >= ring_.back().seq) return out;
  size_t first = last_seq < ring_.front().seq ? 0 : static_cast<size_t>(last_seq + 1 - ring_.front().seq);
  for (size_t i = first; i < ring_.size(); ++i) out.push_back(&ring_[i]);
  return out;
}

double WindowStore::EventsPerSecond(int64_t now_wall_ms, int64_t window_ms) const {
  if (rates_.size() < 2) return 0;
  const RateSample* first = nullptr;
  for (const auto& s : rates_) {
    if (s.wall_ms >= now_wall_ms - window_ms) {
      first = &s;
      break;
    }
  }
  const RateSample& last = rates_.back();
  if (first == nullptr || last.wall_ms <= first->wall_ms) return 0;
  if (last.wall_ms < now_wall_ms - window_ms) return 0;  // nothing recent
  return static_cast<double>(last.events - first->events) * 1000.0 / static_cast<double>(last.wall_ms - first->wall_ms);
}

double WindowStore::WindowsPerMinute(int64_t now_wall_ms) const {
  if (rates_.size() < 2) return 0;
  const RateSample* first = nullptr;
  for (const auto& s : rates_) {
    if (s.wall_ms >= now_wall_ms - 60000) {
      first = &s;
      break;
    }
  }
  const RateSample& last = rates_.back();
  if (first == nullptr || last.wall_ms <= first->wall_ms) return 0;
  if (last.wall_ms < now_wall_ms - 60000) return 0;
  return static_cast<double>(last.windows - first->windows) * 60000.0 /
         static_cast<double>(last.wall_ms - first->wall_ms);
}

std::string WindowStore::CellNowJson(geo::CellId cell, const StoredWindow& w) const {
  std::string out;
  out.reserve(512);
  AppendCellNow(*this, cell, w, &out);
  return out;
}

}  // namespace traffic::dashboard
