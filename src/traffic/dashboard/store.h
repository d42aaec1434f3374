// The dashboard's memory: every window result (codec::PredictionRecord) of the retained period,
// per cell, plus what the source says about the pipeline (counters, watermark, lag, dead letters).
// Pure code: no I/O, no threads, no clock (wall time comes in as a value); the caller serializes
// access (one writer, readers under a shared lock).
//
// Retention (issue 13): per cell, the windows whose end lies within `retention` of event time
// before the newest window end in the store (default 24 h), and never more than
// `max_windows_per_cell`. Memory bound: cells x max_windows_per_cell x sizeof(StoredWindow)
// = 2,520 x 1,440 x 40 B = 145 MB at the defaults (plus the SSE ring, below).
//
// SSE ring: every Add() gives each record a sequence number (1, 2, ...) and keeps its CellNow
// JSON in a ring of the last `ring_events` for Last-Event-ID resume.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "traffic/codec/dead_letter.h"
#include "traffic/codec/prediction_message.h"
#include "traffic/core/time.h"
#include "traffic/features/profile.h"
#include "traffic/geo/grid.h"
#include "traffic/window/level.h"

namespace traffic::dashboard {

inline constexpr int kNoLevel = -1;

// One retained window of one cell (compact: 40 bytes).
struct StoredWindow {
  int64_t start_s = 0;  // window start, Unix seconds
  double avg_speed_mph = 0;
  int32_t trip_count = 0;
  std::array<float, features::kHorizonCount> confidence{};
  std::array<int8_t, features::kHorizonCount> forecast{kNoLevel, kNoLevel, kNoLevel};  // kNoLevel: none
  int8_t level = 0;
  uint16_t model : 13 = 0;            // index into the store's model versions (kMaxModels)
  uint16_t persistence_mask : 3 = 0;  // bit h: horizon h's forecast came from persistence
  uint16_t duration_s = 60;
  int64_t end_s() const { return start_s + duration_s; }
  codec::ForecastSource source(int h) const {
    return (persistence_mask >> h) & 1 ? codec::ForecastSource::kPersistence : codec::ForecastSource::kModel;
  }
};
static_assert(sizeof(StoredWindow) == 40, "the README's memory bound counts 40 bytes per window");
inline constexpr size_t kMaxModels = 8191;  // model versions one store names (more: the first, "")

// Where a cell lies: the taxi zone and borough containing its centre (empty when none: water,
// outside the city).
struct CellPlace {
  std::string borough;
  std::string zone;
};

struct DeadLetterNote {
  std::string kind;  // "late" | "malformed" | "invalid"
  std::string reason;
  core::UtcTime time;  // the event time when known, else when the server read it
};

struct PartitionLag {
  int32_t partition = 0;
  int64_t lag = 0;
};
struct WorkerInfo {
  std::string id;
  std::vector<int32_t> partitions;
};

// What the source reports (set as a whole, overwriting the last report).
// The stream's live scores at one horizon (pipeline LiveScoreReport, as the dashboard shows it).
struct LiveScoreRow {
  int minutes = 0;
  std::string source;  // who publishes: "model" | "persistence" | "mixed" (some partitions each)
  int64_t count = 0;   // forecasts scored in the period
  double model_macro_f1 = 0, persistence_macro_f1 = 0, profile_macro_f1 = 0;
  double model_accuracy = 0, persistence_accuracy = 0, profile_accuracy = 0;
};

struct SourceStatus {
  std::string mode = "embedded";  // "embedded" | "kafka"
  bool connected = false;
  std::string error;    // empty: none
  std::string brokers;  // kafka mode
  std::string topic;    // kafka mode
  // Counters of the stream (embedded: the processor's own; kafka: what the topics show).
  int64_t events = 0;
  int64_t accepted = 0;
  int64_t late = 0;
  int64_t malformed = 0;
  int64_t invalid = 0;
  int64_t dead_letters = 0;
  std::optional<core::UtcTime> watermark;
  std::optional<double> publish_latency_p99_ms;
  std::vector<PartitionLag> consumer_lag;
  std::vector<WorkerInfo> workers;
  // The stream's live scores over live_period_s of event time (empty: no model; on Kafka, no
  // partition state of the stream group read yet).
  int64_t live_period_s = 0;
  std::vector<LiveScoreRow> live_scores;
};

struct StoreOptions {
  geo::GridSpec grid;
  window::LevelThresholds thresholds;
  std::chrono::seconds retention{24 * 3600};
  size_t max_windows_per_cell = 1440;
  size_t ring_events = 20000;  // > 2,520 x 5: a client away for 5 minutes of a full city resumes
  size_t recent_dead_letters = 50;
  std::chrono::minutes active{15};
};

struct SeqEvent {
  uint64_t seq = 0;
  std::string json;  // CellNow
};

class WindowStore {
 public:
  explicit WindowStore(StoreOptions options = {}, std::vector<CellPlace> places = {});

  // Inserts records (any order; a window already held for the cell is replaced), applies the
  // retention, and appends one SSE event per record (returned through `events` when non-null).
  // `wall_ms`: the server's wall clock, for freshness and rates.
  void Add(const std::vector<codec::PredictionRecord>& records, int64_t wall_ms, std::vector<SeqEvent>* events);
  void AddDeadLetters(const std::vector<DeadLetterNote>& notes);
  // Wall-clock delay of results from their publication to this store (histogram for /metrics).
  void AddDelayMs(double ms);
  void SetSource(SourceStatus status, int64_t wall_ms);
  // The model in use (version, card JSON as written by train, verdict lines) and its profile for
  // typical speeds (may be null). The profile must outlive the store.
  void SetModel(std::string version, std::string card_json, std::vector<std::string> verdict,
                const features::HistoricalProfile* profile);

  // ---- reads ----
  const StoreOptions& options() const { return options_; }
  const geo::Grid& grid() const { return grid_; }
  const std::deque<StoredWindow>* Windows(geo::CellId cell) const;
  const CellPlace* Place(geo::CellId cell) const;
  const std::string& ModelName(uint16_t index) const { return models_[index]; }
  std::optional<core::UtcTime> as_of() const;  // newest window end
  size_t cells() const { return cells_with_data_; }
  size_t windows_retained() const { return windows_retained_; }
  int64_t windows_total() const { return windows_total_; }
  // Changes whenever what /api/cells answers can change (windows added or evicted, another model):
  // a reply computed at one generation holds until the next (the server caches it).
  uint64_t generation() const { return generation_; }
  int64_t trips_total() const { return trips_total_; }
  std::optional<int64_t> last_wall_ms() const { return last_wall_ms_; }
  const SourceStatus& source() const { return source_; }
  const std::deque<DeadLetterNote>& dead_letters() const { return dead_letters_; }
  const std::string& model_version() const { return model_version_; }
  const std::string& model_card() const { return model_card_; }
  const std::vector<std::string>& model_verdict() const { return verdict_; }
  const features::HistoricalProfile* profile() const { return profile_; }
  static constexpr std::array<double, 12> kDelayBucketsMs = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000};
  const std::array<int64_t, 13>& delay_counts() const { return delay_counts_; }  // last = +Inf
  double delay_sum_ms() const { return delay_sum_ms_; }
  // Events with seq > last_seq still in the ring, oldest first.
  std::vector<const SeqEvent*> EventsAfter(uint64_t last_seq) const;
  uint64_t last_seq() const { return next_seq_ - 1; }
  // Events (source counter) and windows per second of wall time over the last `window_ms`.
  double EventsPerSecond(int64_t now_wall_ms, int64_t window_ms = 10000) const;
  double WindowsPerMinute(int64_t now_wall_ms) const;

  // The CellNow JSON object of a cell's latest window (also what SSE sends).
  std::string CellNowJson(geo::CellId cell, const StoredWindow& w) const;

 private:
  void Evict();
  struct RateSample {
    int64_t wall_ms;
    int64_t events;
    int64_t windows;
  };

  StoreOptions options_;
  geo::Grid grid_;
  std::vector<CellPlace> places_;
  std::vector<std::deque<StoredWindow>> cells_;
  std::vector<std::string> models_;
  size_t cells_with_data_ = 0;
  size_t windows_retained_ = 0;
  int64_t windows_total_ = 0;
  uint64_t generation_ = 0;
  int64_t trips_total_ = 0;
  int64_t newest_end_s_ = INT64_MIN;
  int64_t evicted_up_to_s_ = INT64_MIN;
  std::optional<int64_t> last_wall_ms_;
  SourceStatus source_;
  std::deque<DeadLetterNote> dead_letters_;
  std::deque<SeqEvent> ring_;
  uint64_t next_seq_ = 1;
  std::deque<RateSample> rates_;
  std::array<int64_t, 13> delay_counts_{};
  double delay_sum_ms_ = 0;
  std::string model_version_;
  std::string model_card_;
  std::vector<std::string> verdict_;
  const features::HistoricalProfile* profile_ = nullptr;
};

}  // namespace traffic::dashboard
