// The stream's operators, independent of where messages come from (Kafka, the embedded queue,
// a test): decode taxi-trips messages -> event-time windows per cell (watermark per source
// partition) -> the same feature code as `traffic features` -> the model -> prediction records,
// plus dead letters for malformed, invalid and late events. No I/O, no threads, no clock: the
// caller passes processing time in.
//
// What a message must pass, in this order (the first failure is its dead letter's reason):
//   1. it decodes (codec::TripDecoder: one JSON object and nothing after it; an empty or null
//      message is malformed), and its Kafka key is its cell_id;
//   2. the cleaning rules of `traffic clean` (clean::CheckTrip with StreamOptions::rules, the one
//      code path): bounds, dropoff after pickup, duration, distance, speed. Reason: the rule's
//      name and the value, e.g. "speed_out_of_range: 3000 mph (allowed 1..60)";
//   3. it is in the partition its cell belongs to, and not far ahead of processing time;
//   4. it is not an exact duplicate (same event_id) of an event of its window still open
//      (window::DuplicateFilter; reason "duplicate: ..."), and its window is not closed (late).
// Rules 2 and 4 are what `clean` applies, so a trip `clean` would reject is never aggregated.
//
// A prediction record is published per closed window (cell, minute): the observed trip count,
// mean speed and level, and the forecasts made at the window's end (features known at that
// instant only) for 15, 30 and 60 minutes ahead. Without a forecaster, forecasts are null.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "traffic/clean/rules.h"
#include "traffic/codec/dead_letter.h"
#include "traffic/codec/prediction_message.h"
#include "traffic/codec/trip_message.h"
#include "traffic/core/json_writer.h"
#include "traffic/features/feature_builder.h"
#include "traffic/features/labeler.h"
#include "traffic/model/live_scores.h"
#include "traffic/pipeline/forecast_guard.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/window/duplicate_filter.h"
#include "traffic/window/windower.h"

namespace traffic::pipeline {

struct StreamOptions {
  window::WindowOptions window;
  window::LevelThresholds thresholds;
  // The cleaning rules, the same as `traffic clean`'s (bind them from the same options).
  clean::CleaningRules rules;
  // An event more than this far ahead of processing time is invalid (a bad clock would otherwise
  // drag the watermark forward and make every later event late).
  std::chrono::seconds max_future{3600};
  std::string source_topic = "taxi-trips";  // for dead letters
  // The historical profile for the features when there is no forecaster (a forecaster brings
  // its own, the one it was trained with).
  const features::HistoricalProfile* profile = nullptr;
  // A replay that is all late must be loud (issue 8): a period of `late_alarm_period` messages
  // in which more than `late_alarm_fraction` of them were late raises a LateAlarm.
  int64_t late_alarm_period = 1000;
  double late_alarm_fraction = 0.5;
  // When > 0: the input topic's partition count; a message in another partition than
  // codec::PartitionForCell says is invalid (per-partition state relies on that placement).
  int32_t partition_count = 0;
  // Live scoring (DESIGN.md "Live scoring"): a forecast's truth needs this many trips in its
  // horizon (as `traffic features --min-trips`); scores cover this much event time; the guard's
  // rule (forecast_guard.h).
  int live_min_trips = 3;
  std::chrono::seconds score_period = std::chrono::hours(6);
  GuardOptions guard;
};

struct InputMessage {
  int32_t partition = 0;
  int64_t offset = -1;
  std::string_view key;
  std::string_view value;
};

struct StreamCounters {
  int64_t messages = 0;
  int64_t accepted = 0;
  int64_t malformed = 0;   // not JSON / missing or wrong-typed fields
  int64_t invalid = 0;     // decodes but cannot be used (inconsistent, wrong key, a cleaning
                           // rule, wrong partition, far future)
  int64_t duplicates = 0;  // an event_id already counted in its (open) window
  int64_t late = 0;
  int64_t windows = 0;
  int64_t forecasts = 0;
  int64_t late_periods = 0;  // periods of StreamOptions::late_alarm_period messages, mostly late
  std::array<int64_t, features::kHorizonCount> scored{};  // forecasts scored live, per horizon
  // Per cleaning rule (a subset of `invalid`) and kDuplicate (= duplicates), as `clean` counts.
  clean::RejectCounts rejects;
  // messages == accepted + malformed + invalid + duplicates + late.

  void Merge(const StreamCounters& other);
};

// Most events of a period were late: the stream is fed times it has already closed.
struct LateAlarm {
  int64_t messages = 0;  // of the period
  int64_t late = 0;
  core::UtcTime oldest_late, newest_late;  // event times of the period's late events
  std::optional<core::UtcTime> watermark;  // when raised
  // The watermark the partition states restored from the state topic brought; nullopt when the
  // stream started without state.
  std::optional<core::UtcTime> restored_watermark;
  std::chrono::seconds lateness{0};
  // One line naming the figures, the restored watermark and the likely cause.
  std::string Describe() const;
};

// The live scores as reported (stream summary, dashboard, /metrics): the period, per horizon the
// scores and who publishes.
struct LiveScoreReport {
  std::chrono::seconds period{0};
  std::array<model::HorizonLiveScores, model::kLiveHorizons> scores{};
  // Each input partition has its own guard (its forecasts, its scores: so a partition publishes
  // the same whichever worker holds it). kPersistence when every partition held publishes it.
  std::array<codec::ForecastSource, model::kLiveHorizons> sources{};
  std::array<int, model::kLiveHorizons> on_persistence{};  // partitions held publishing persistence
  int partitions = 0;                                      // partitions held with a guard
  bool forecasting = false;                                // false: no model, nothing scored
  // "model", "persistence", or "mixed" (some partitions on each).
  const char* SourceName(size_t h) const;
};

class StreamProcessor {
 public:
  // `forecaster` may be null (forecasts off); it must outlive the processor.
  StreamProcessor(StreamOptions options, const Forecaster* forecaster);

  // Decodes and windows one message; a dead letter is appended when it cannot be used.
  void Process(const InputMessage& message, std::vector<codec::DeadLetterRecord>* dead_letters);
  void RegisterPartition(int32_t partition) { windower_.RegisterPartition(partition); }
  void AdvanceProcessingTime(core::UtcTime now);
  // Takes every window the watermark has closed, computes features and forecasts, appends one
  // record per window in (window_start, cell) order.
  core::Status Drain(std::vector<codec::PredictionRecord>* out);
  // End of input / shutdown: closes every open window, then drains.
  core::Status Finish(std::vector<codec::PredictionRecord>* out);

  // ---- Partition state (see window::Windower "Partition state" for the contract) ----
  // Everything the processor keeps for input partition `partition` and its cells: the windower's
  // partition state, the feature history of the cells and the event ids of their open windows.
  // Encoding "TRSS4": magic | five core/coding.h length-prefixed parts (windower, builder, ids,
  // the partition's live scores or empty, the guard: EncodeGuardState), each with its own
  // checksum. "TRSS3" (no guard part: the forecasts waiting for their truth go unscored and the
  // guard starts from the card's verdict), "TRSS2" (three parts, no scores) and "TRSS1" (the state
  // before the ids were kept: magic | Fixed64 windower length | windower | builder) are still read.
  std::string SnapshotPartition(int32_t partition, const window::CellMask& cells) const;
  core::Status RestorePartition(int32_t partition, std::string_view bytes);

  // The alarms raised since the last call, appended. A period raises one when it is mostly late
  // and the period before it was not, so a replay that stays late raises one alarm, not one per
  // period (counters().late_periods counts them all).
  void TakeLateAlarms(std::vector<LateAlarm>* out);
  // End of a run: the current period counts (and may raise an alarm) when it has at least a tenth
  // of late_alarm_period messages.
  void CloseLatePeriod();

  const StreamCounters& counters() const { return counters_; }
  // The live scores of the last StreamOptions::score_period of forecasts, over every partition
  // held, per horizon: the model's, persistence's and the historical profile's.
  std::array<model::HorizonLiveScores, model::kLiveHorizons> LiveScoresNow() const;
  LiveScoreReport LiveReport() const;
  // The guard's switches since the last call, appended (the caller logs them).
  void TakeGuardSwitches(std::vector<GuardSwitch>* out);
  // Event ids kept for duplicate detection (those of the open windows).
  size_t duplicate_ids_held() const { return duplicates_.size(); }
  std::optional<core::UtcTime> watermark() const { return windower_.watermark(); }
  const window::Windower& windower() const { return windower_; }
  window::Windower& windower() { return windower_; }
  features::FeatureBuilder& feature_builder() { return builder_; }
  // Every feature row computed (for parity tests and diagnostics); called before forecasting.
  void set_on_feature_row(std::function<void(const features::FeatureRow&)> f) { on_row_ = std::move(f); }

 private:
  // The event time of a late event, else nullopt.
  std::optional<core::UtcTime> ProcessOne(const InputMessage& message,
                                          std::vector<codec::DeadLetterRecord>* dead_letters);
  void PruneDuplicates();
  void CountForAlarm(const std::optional<core::UtcTime>& late_event_time);
  void EndLatePeriod();
  // Labels the forecasts whose horizons the windows before `until` complete, and scores them.
  void ScoreThrough(core::UtcTime until);
  void ScoreReleased();
  ForecastGuard& GuardOf(int32_t partition);
  std::string EncodeGuardState(int32_t partition, const window::CellMask& cells) const;
  core::Status RestoreGuardState(int32_t partition, std::string_view bytes);
  int32_t PartitionOf(geo::CellId cell) const;
  int64_t RowKey(core::UtcTime t, geo::CellId cell) const;

  StreamOptions options_;
  const Forecaster* forecaster_;
  geo::Grid grid_;
  codec::TripDecoder decoder_;
  window::Windower windower_;
  features::FeatureBuilder builder_;
  window::DuplicateFilter duplicates_;
  int64_t window_s_;
  std::optional<core::UtcTime> pruned_until_;  // duplicates_ holds no window below this
  codec::TripMessage message_;
  std::string key_;
  std::optional<core::UtcTime> restored_watermark_;
  LateAlarm period_;  // the current period's figures
  bool previous_period_late_ = false;
  std::vector<LateAlarm> alarms_;
  std::optional<core::UtcTime> now_;
  std::vector<window::WindowAggregate> closed_;
  std::vector<features::FeatureRow> rows_;
  StreamCounters counters_;
  std::function<void(const features::FeatureRow&)> on_row_;
  // Live scoring: the forecast rows wait in the Labeler until their horizons have passed.
  // Everything below is per input partition and kept in its state, and a partition's guard
  // decides only just before that partition publishes a minute, from the forecasts whose
  // horizons ended by then: so what it publishes depends on its own input alone, not on poll
  // batches, other partitions or restarts (exactly once, byte for byte).
  features::Labeler labeler_;
  struct PendingForecast {
    std::array<std::array<int8_t, 3>, features::kHorizonCount> levels;  // model, persistence, profile
  };
  std::unordered_map<int64_t, PendingForecast> pending_;  // by RowKey
  std::vector<features::FeatureRow> labelled_;
  std::vector<features::FeatureRow> unlabelled_;  // forecast rows not yet given to the labeler
  std::map<int32_t, model::LiveScores> scores_;   // by input partition
  std::map<int32_t, ForecastGuard> guards_;       // by input partition
  std::set<int32_t> rescored_;                    // partitions whose scores changed since their guard last decided
  std::vector<GuardSwitch> switches_;
};

// What a partition state says of live scoring, for a reader outside the stream (`traffic serve`
// following Kafka reads the workers' states from the state topic): the partition's live scores
// and who publishes there (nullopt: a state without a guard part, or taken without a model).
struct PartitionLive {
  model::LiveScores scores;
  std::optional<std::array<codec::ForecastSource, model::kLiveHorizons>> sources;
};
// `state` is what SnapshotPartition wrote; kCorrupt for bytes it would not write.
core::Result<PartitionLive> DecodePartitionLive(std::string_view state, std::chrono::seconds period);
// The report over partitions: scores merged, sources counted (a partition without sources counts
// as `default_sources`).
LiveScoreReport MergeLive(const std::vector<const PartitionLive*>& partitions, std::chrono::seconds period,
                          const std::array<codec::ForecastSource, model::kLiveHorizons>& default_sources);

// The parts of a stream summary the counters alone cannot print: "duplicates", "rejects" (per
// cleaning-rule reason, as `clean` reports them), "late_periods" and "late_warning" (the text,
// or null), appended as keys of the open JSON object `j`.
// Also "live_scores": {"period_s", "horizons": [{"minutes", "source", "model"|"persistence"|"profile":
// {"count","accuracy","macro_f1"}}]} (null without a model).
void AppendStreamChecksJson(const StreamCounters& counters, const std::string& late_warning,
                            const LiveScoreReport& live, core::JsonWriter* j);
// The same for people: "" when there is nothing to say, else lines for stderr: the rule rejects
// and duplicates, and "WARNING: <late warning>".
// Lines for people: per horizon the live scores and who publishes ("" without a model).
std::string DescribeLiveScores(const LiveScoreReport& live);
// With a model, also DescribeLiveScores.
std::string DescribeStreamChecks(const StreamCounters& counters, const std::string& late_warning,
                                 const LiveScoreReport& live);

features::FeatureOptions FeatureOptionsFor(const StreamOptions& options, const Forecaster* forecaster);

}  // namespace traffic::pipeline
