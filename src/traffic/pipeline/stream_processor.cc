#include "traffic/pipeline/stream_processor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <unordered_map>

#include "traffic/codec/message_key.h"
#include "traffic/core/coding.h"
#include "traffic/model/evaluation.h"

namespace traffic::pipeline {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string HexId(uint64_t id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, id >>= 4) s[static_cast<size_t>(i)] = kHex[id & 0xF];
  return s;
}

constexpr std::string_view kStateMagicV1 = "TRSS1";  // windower | builder (Fixed64 windower length)
constexpr std::string_view kStateMagicV2 = "TRSS2";  // three length-prefixed parts
constexpr std::string_view kStateMagicV3 = "TRSS3";  // four: the live scores as well
constexpr std::string_view kStateMagic = "TRSS4";    // five: the guard as well
constexpr std::string_view kGuardMagic = "TRGDS";
constexpr uint32_t kGuardVersion = 1;

std::array<codec::ForecastSource, features::kHorizonCount> InitialSources(const Forecaster* forecaster) {
  std::array<codec::ForecastSource, features::kHorizonCount> sources{};
  for (size_t h = 0; forecaster != nullptr && h < sources.size(); ++h) sources[h] = forecaster->source(h);
  return sources;
}

}  // namespace

void StreamCounters::Merge(const StreamCounters& o) {
  messages += o.messages;
  accepted += o.accepted;
  malformed += o.malformed;
  invalid += o.invalid;
  duplicates += o.duplicates;
  late += o.late;
  windows += o.windows;
  forecasts += o.forecasts;
  for (size_t h = 0; h < scored.size(); ++h) scored[h] += o.scored[h];
  late_periods += o.late_periods;
  rejects.Merge(o.rejects);
}

features::FeatureOptions FeatureOptionsFor(const StreamOptions& stream, const Forecaster* forecaster) {
  features::FeatureOptions options;
  options.window_size = stream.window.window_size;
  options.grid = stream.window.grid;
  options.profile = forecaster ? &forecaster->profile() : stream.profile;
  return options;
}

StreamProcessor::StreamProcessor(StreamOptions options, const Forecaster* forecaster)
    : options_(std::move(options)),
      forecaster_(forecaster),
      grid_(options_.window.grid),
      decoder_(codec::DecoderOptions{options_.window.grid, true, size_t{1} << 20}),
      windower_(options_.window),
      builder_(FeatureOptionsFor(options_, forecaster)),
      duplicates_(options_.window.grid),
      window_s_(options_.window.window_size.count()),
      labeler_(features::LabelOptions{options_.window.window_size, options_.window.grid, options_.live_min_trips,
                                      options_.thresholds}) {}

void StreamProcessor::PruneDuplicates() {
  std::optional<core::UtcTime> closed = windower_.closed_until();
  if (!closed || closed == pruned_until_) return;
  duplicates_.ForgetBefore(FloorDiv(core::ToEpochSeconds(*closed), window_s_));
  pruned_until_ = closed;
}

void StreamProcessor::AdvanceProcessingTime(core::UtcTime now) {
  now_ = now;
  windower_.AdvanceProcessingTime(now);
}

void AppendStreamChecksJson(const StreamCounters& k, const std::string& late_warning, const LiveScoreReport& live,
                            core::JsonWriter* j) {
  j->Key("duplicates").Int(k.duplicates).Key("rejects").BeginObject();
  for (int i = 0; i < trip::kRejectReasonCount; ++i) {
    auto reason = static_cast<trip::RejectReason>(i);
    if (k.rejects.Get(reason) > 0) j->Key(trip::RejectReasonName(reason)).Int(k.rejects.Get(reason));
  }
  j->EndObject().Key("late_periods").Int(k.late_periods).Key("late_warning");
  if (late_warning.empty()) {
    j->Null();
  } else {
    j->String(late_warning);
  }
  j->Key("live_scores");
  if (!live.forecasting) {
    j->Null();
    return;
  }
  j->BeginObject().Key("period_s").Int(live.period.count()).Key("horizons").BeginArray();
  static constexpr const char* kPredictors[] = {"model", "persistence", "profile"};
  for (size_t h = 0; h < live.scores.size(); ++h) {
    j->BeginObject().Key("minutes").Int(features::kHorizonsMin[h]);
    j->Key("source").String(live.SourceName(h));
    j->Key("partitions_on_persistence").Int(live.on_persistence[h]).Key("partitions").Int(live.partitions);
    for (size_t p = 0; p < model::kLivePredictors; ++p) {
      const model::LiveScore& s = live.scores[h].by_predictor[p];
      j->Key(kPredictors[p]).BeginObject().Key("count").Int(s.count).Key("accuracy").Double(s.accuracy);
      j->Key("macro_f1").Double(s.macro_f1).EndObject();
    }
    j->EndObject();
  }
  j->EndArray().EndObject();
}

namespace {
std::string PublishingText(const LiveScoreReport& live, size_t h) {
  if (std::string_view(live.SourceName(h)) == "mixed") {
    return fmt::format("persistence in {} of {} partitions, the model in the rest", live.on_persistence[h],
                       live.partitions);
  }
  return live.sources[h] == codec::ForecastSource::kModel ? "the model" : "persistence";
}
}  // namespace

std::string DescribeLiveScores(const LiveScoreReport& live) {
  if (!live.forecasting) return "";
  std::string text =
      fmt::format("  live scores of the forecasts whose horizon has passed (last {:g} h of event time), macro-F1:\n",
                  static_cast<double>(live.period.count()) / 3600);
  for (size_t h = 0; h < live.scores.size(); ++h) {
    const auto& s = live.scores[h];
    text += fmt::format("    {:>2} min: model {:.3f}  persistence {:.3f}  profile {:.3f}  ({} scored); publishing {}\n",
                        features::kHorizonsMin[h], s.model().macro_f1, s.persistence().macro_f1, s.profile().macro_f1,
                        s.model().count, PublishingText(live, h));
  }
  return text;
}

std::string DescribeStreamChecks(const StreamCounters& k, const std::string& late_warning,
                                 const LiveScoreReport& live) {
  std::string text = DescribeLiveScores(live);
  if (k.rejects.Total() > 0) {
    text += "  refused by the cleaning rules of `traffic clean`, or exact duplicates:";
    for (int i = 0; i < trip::kRejectReasonCount; ++i) {
      auto reason = static_cast<trip::RejectReason>(i);
      if (k.rejects.Get(reason) > 0) {
        text += " " + std::string(trip::RejectReasonName(reason)) + " " + std::to_string(k.rejects.Get(reason));
      }
    }
    text += "\n";
  }
  if (!late_warning.empty()) {
    text += "  WARNING: " + late_warning + " (" + std::to_string(k.late) + " of " + std::to_string(k.messages) +
            " events late over the run)\n";
  }
  return text;
}

std::string LateAlarm::Describe() const {
  std::string text = "most events are late: " + std::to_string(late) + " of the last " + std::to_string(messages) +
                     " messages (" + std::to_string(messages > 0 ? late * 100 / messages : 0) + "%), event times " +
                     core::FormatIsoUtc(oldest_late) + " .. " + core::FormatIsoUtc(newest_late) +
                     ", behind the watermark " + (watermark ? core::FormatIsoUtc(*watermark) : std::string("(none)"));
  if (restored_watermark) {
    text += " (restored from the state topic at " + core::FormatIsoUtc(*restored_watermark) +
            "). Likely cause: the input replays times this stream has already passed, e.g. `traffic produce "
            "--synthetic` started again at its first day; produce events after the restored watermark (produce "
            "resumes after the last event in the topic), or start over with a new --group and --state-topic";
  } else {
    text += ". Likely cause: events arrive more than the allowed lateness (" + std::to_string(lateness.count()) +
            " s) out of event-time order, or one partition runs far ahead of the others; raise --lateness or "
            "fix the producer's order";
  }
  return text;
}

void StreamProcessor::CountForAlarm(const std::optional<core::UtcTime>& late_event_time) {
  ++period_.messages;
  if (late_event_time) {
    if (period_.late == 0 || *late_event_time < period_.oldest_late) period_.oldest_late = *late_event_time;
    if (period_.late == 0 || *late_event_time > period_.newest_late) period_.newest_late = *late_event_time;
    ++period_.late;
  }
  if (period_.messages >= options_.late_alarm_period) EndLatePeriod();
}

void StreamProcessor::CloseLatePeriod() {
  if (period_.messages > 0 && period_.messages * 10 >= options_.late_alarm_period) EndLatePeriod();
}

void StreamProcessor::EndLatePeriod() {
  const bool late =
      static_cast<double>(period_.late) > options_.late_alarm_fraction * static_cast<double>(period_.messages);
  if (late) {
    ++counters_.late_periods;
    if (!previous_period_late_) {
      period_.watermark = windower_.watermark();
      period_.restored_watermark = restored_watermark_;
      period_.lateness = options_.window.allowed_lateness;
      alarms_.push_back(period_);
    }
  }
  previous_period_late_ = late;
  period_ = LateAlarm{};
}

void StreamProcessor::TakeLateAlarms(std::vector<LateAlarm>* out) {
  out->insert(out->end(), alarms_.begin(), alarms_.end());
  alarms_.clear();
}

void StreamProcessor::Process(const InputMessage& m, std::vector<codec::DeadLetterRecord>* dead_letters) {
  ++counters_.messages;
  CountForAlarm(ProcessOne(m, dead_letters));
}

// Long because it is the checks of one message in their order (DESIGN.md: decode, key, rules,
// duplicate, partition, lateness), each ending in a dead letter with its reason.
std::optional<core::UtcTime> StreamProcessor::ProcessOne(const InputMessage& m,
                                                         std::vector<codec::DeadLetterRecord>* dead_letters) {
  auto dead = [&](codec::DeadLetterKind kind, std::string reason) {
    codec::DeadLetterRecord r;
    r.kind = kind;
    r.reason = std::move(reason);
    r.source_topic = options_.source_topic;
    r.source_partition = m.partition;
    r.source_offset = m.offset;
    r.key = std::string(m.key);
    r.payload = std::string(m.value);
    return r;
  };
  codec::DecodeStatus status = decoder_.Decode(m.value, &message_);
  if (!status.ok()) {
    codec::DeadLetterKind kind = codec::DeadLetterKindFor(status.kind());
    (kind == codec::DeadLetterKind::kMalformed ? counters_.malformed : counters_.invalid) += 1;
    dead_letters->push_back(dead(kind, status.reason()));
    return std::nullopt;
  }
  key_.clear();
  codec::AppendCellKey(message_.cell, &key_);
  if (m.key != key_) [[unlikely]] {
    ++counters_.invalid;
    dead_letters->push_back(
        dead(codec::DeadLetterKind::kInvalid,
             m.key.empty() ? "key: missing (expected the cell_id " + key_ + ")"
                           : "key: \"" + std::string(m.key.substr(0, 64)) + "\" is not the message's cell_id " + key_));
    return std::nullopt;
  }
  if (auto reason = clean::CheckTrip(message_.trip, options_.rules)) {
    ++counters_.invalid;
    counters_.rejects.Add(*reason);
    auto r = dead(codec::DeadLetterKind::kInvalid, clean::DescribeRuleFailure(message_.trip, *reason, options_.rules));
    r.event_time = message_.trip.event_time();
    dead_letters->push_back(std::move(r));
    return std::nullopt;
  }
  if (options_.partition_count > 0 && codec::PartitionForCell(message_.cell, options_.partition_count) != m.partition) {
    ++counters_.invalid;
    dead_letters->push_back(dead(codec::DeadLetterKind::kInvalid,
                                 "cell " + message_.cell.ToString() + " belongs in partition " +
                                     std::to_string(codec::PartitionForCell(message_.cell, options_.partition_count)) +
                                     " (key-hash placement of `traffic produce`), not " + std::to_string(m.partition)));
    return std::nullopt;
  }
  window::Event event = message_.ToEvent();
  if (now_ && event.event_time > *now_ + options_.max_future) {
    ++counters_.invalid;
    auto r = dead(codec::DeadLetterKind::kInvalid, "event_time " + core::FormatIsoUtc(event.event_time) +
                                                       " is more than " + std::to_string(options_.max_future.count()) +
                                                       " s ahead of processing time " + core::FormatIsoUtc(*now_));
    r.event_time = event.event_time;
    dead_letters->push_back(std::move(r));
    return std::nullopt;
  }
  const int64_t window_index = FloorDiv(core::ToEpochSeconds(event.event_time), window_s_);
  const uint64_t event_id = message_.trip.event_id;
  if (duplicates_.Contains(window_index, event_id)) {
    ++counters_.duplicates;
    counters_.rejects.Add(trip::RejectReason::kDuplicate);
    auto r = dead(codec::DeadLetterKind::kInvalid,
                  "duplicate: event_id " + HexId(event_id) + " already counted in the window " +
                      core::FormatIsoUtc(core::FromEpochSeconds(window_index * window_s_)) + " of cell " + key_);
    r.event_time = event.event_time;
    dead_letters->push_back(std::move(r));
    return std::nullopt;
  }
  window::AddResult result = windower_.Add(event, m.partition);
  if (result.ok()) {
    ++counters_.accepted;
    duplicates_.Insert(window_index, grid_.Index(message_.cell), event_id);
    PruneDuplicates();
    return std::nullopt;
  }
  bool late = result.status == window::AddStatus::kLate;
  (late ? counters_.late : counters_.invalid) += 1;
  auto r = dead(late ? codec::DeadLetterKind::kLate : codec::DeadLetterKind::kInvalid,
                window::DescribeReject(event, result));
  r.event_time = event.event_time;
  r.watermark = windower_.watermark();
  dead_letters->push_back(std::move(r));
  if (late) return event.event_time;
  return std::nullopt;
}

core::Status StreamProcessor::Drain(std::vector<codec::PredictionRecord>* out) {
  PruneDuplicates();
  closed_.clear();
  windower_.TakeClosed(&closed_);
  if (closed_.empty()) return core::Status::Ok();
  rows_.clear();
  for (const auto& w : closed_) builder_.AddWindow(w, &rows_);
  if (auto c = windower_.closed_until()) builder_.AdvanceTo(*c, &rows_);
  // The row of (t = window end, cell) holds what was known when the window closed.
  std::unordered_map<int64_t, size_t> row_of;
  row_of.reserve(rows_.size());
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (on_row_) on_row_(rows_[i]);
    row_of.emplace(RowKey(rows_[i].t, rows_[i].cell), i);
  }
  // Forecast only the rows that go out with a window (a cell active in the last hour but without
  // a trip this minute publishes nothing this minute).
  std::vector<features::FeatureRow> needed;
  std::vector<int> forecast_of(closed_.size(), -1);
  if (forecaster_ != nullptr) {
    for (size_t i = 0; i < closed_.size(); ++i) {
      auto it = row_of.find(RowKey(closed_[i].window_end, closed_[i].cell));
      if (it == row_of.end()) continue;
      forecast_of[i] = static_cast<int>(needed.size());
      needed.push_back(rows_[it->second]);
    }
  }
  std::vector<Forecast> forecasts;
  if (!needed.empty()) {
    TRAFFIC_ASSIGN_OR_RETURN(forecasts, forecaster_->Predict(needed));
  }
  // Minute by minute (closed_ is in (window_start, cell) order): score what the windows before
  // the minute complete, let each partition publishing in it consult its guard, then publish.
  for (size_t i = 0; i < closed_.size(); ++i) {
    const auto& w = closed_[i];
    if (forecaster_ != nullptr && (i == 0 || w.window_start != closed_[i - 1].window_start)) {
      ScoreThrough(w.window_start);
    }
    codec::PredictionRecord record = codec::MakePredictionRecord(w, grid_, options_.thresholds);
    if (forecast_of[i] >= 0) {
      const int32_t partition = PartitionOf(w.cell);
      ForecastGuard& guard = GuardOf(partition);
      // The guard's rule gives the same answer twice on the same scores: it need only look again
      // once they have changed.
      if (rescored_.erase(partition) > 0) {
        for (auto& sw : guard.Update(scores_.try_emplace(partition, options_.score_period).first->second.Current())) {
          sw.partition = partition;
          switches_.push_back(std::move(sw));
        }
      }
      record.model_version = forecaster_->version();
      Forecast& f = forecasts[static_cast<size_t>(forecast_of[i])];
      const features::FeatureRow& row = needed[static_cast<size_t>(forecast_of[i])];
      PendingForecast pending;
      for (size_t h = 0; h < record.forecasts.size(); ++h) {
        f.Choose(h, guard.source(h));  // the live guard's choice
        record.forecasts[h] =
            codec::HorizonForecast{static_cast<window::CongestionLevel>(f.level[h]), f.confidence[h], f.source[h]};
        pending.levels[h] = {f.model_level[h], f.persistence_level[h],
                             static_cast<int8_t>(model::ProfileLevel(row.profile_speed, options_.thresholds))};
      }
      pending_.emplace(RowKey(row.t, row.cell), pending);
      features::FeatureRow slim;  // only t and cell matter to the labeler
      slim.t = row.t;
      slim.cell = row.cell;
      unlabelled_.push_back(std::move(slim));
      ++counters_.forecasts;
    }
    out->push_back(std::move(record));
    ++counters_.windows;
    // The Labeler's contract: the builder's windows in order, each row before the first window
    // starting at or after its t (ScoreThrough at the minute's start gave it those).
    if (forecaster_ != nullptr) labeler_.AddWindow(w, &labelled_);
  }
  // Every forecast row goes to the labeler by the end of a drain (the partition state has none
  // waiting outside it).
  if (forecaster_ != nullptr) ScoreThrough(windower_.closed_until().value_or(closed_.back().window_end));
  return core::Status::Ok();
}

// The Labeler's contract: each row before the first window starting at or after its t.
void StreamProcessor::ScoreThrough(core::UtcTime until) {
  size_t next = 0;
  for (; next < unlabelled_.size() && unlabelled_[next].t <= until; ++next) {
    labeler_.AddRow(std::move(unlabelled_[next]));
  }
  unlabelled_.erase(unlabelled_.begin(), unlabelled_.begin() + static_cast<std::ptrdiff_t>(next));
  labeler_.AdvanceTo(until, &labelled_);
  ScoreReleased();
}

void StreamProcessor::ScoreReleased() {
  for (const auto& r : labelled_) {
    auto it = pending_.find(RowKey(r.t, r.cell));
    if (it == pending_.end()) continue;  // forecast before a restart from a "TRSS3" state
    model::LiveScores& scores = scores_.try_emplace(PartitionOf(r.cell), options_.score_period).first->second;
    for (size_t h = 0; h < features::kHorizonsMin.size(); ++h) {
      if (r.target[h] < 0) continue;  // too few trips to know the truth
      const auto& l = it->second.levels[h];
      scores.Add(r.t, static_cast<int>(h), r.target[h], {l[0], l[1], l[2]});
      rescored_.insert(PartitionOf(r.cell));
      ++counters_.scored[h];
    }
    pending_.erase(it);
  }
  labelled_.clear();
}

ForecastGuard& StreamProcessor::GuardOf(int32_t partition) {
  return guards_.try_emplace(partition, InitialSources(forecaster_), options_.guard).first->second;
}

std::array<model::HorizonLiveScores, model::kLiveHorizons> StreamProcessor::LiveScoresNow() const {
  model::LiveScores all(options_.score_period);
  for (const auto& [partition, s] : scores_) all.Merge(s);
  return all.Current();
}

LiveScoreReport StreamProcessor::LiveReport() const {
  if (forecaster_ == nullptr) {
    LiveScoreReport r;
    r.period = options_.score_period;
    return r;
  }
  std::map<int32_t, PartitionLive> live;
  for (const auto& [partition, scores] : scores_) live.try_emplace(partition, PartitionLive{scores, std::nullopt});
  for (const auto& [partition, guard] : guards_) {
    live.try_emplace(partition, PartitionLive{model::LiveScores(options_.score_period), std::nullopt})
        .first->second.sources = guard.sources();
  }
  std::vector<const PartitionLive*> all;
  for (const auto& [partition, p] : live) all.push_back(&p);
  return MergeLive(all, options_.score_period, InitialSources(forecaster_));
}

const char* LiveScoreReport::SourceName(size_t h) const {
  if (on_persistence[h] > 0 && on_persistence[h] < partitions) return "mixed";
  return sources[h] == codec::ForecastSource::kModel ? "model" : "persistence";
}

void StreamProcessor::TakeGuardSwitches(std::vector<GuardSwitch>* out) {
  for (auto& s : switches_) out->push_back(std::move(s));
  switches_.clear();
}

int32_t StreamProcessor::PartitionOf(geo::CellId cell) const {
  return options_.partition_count > 0 ? codec::PartitionForCell(cell, options_.partition_count) : 0;
}

int64_t StreamProcessor::RowKey(core::UtcTime t, geo::CellId cell) const {
  return core::ToEpochSeconds(t) * grid_.cell_count() + grid_.Index(cell);
}

namespace {

// The parts of a partition state, as views into its bytes (empty when the version has none).
struct StateParts {
  std::string_view windower, builder, ids, scores, guard;
};

core::Status SplitState(std::string_view bytes, const std::string& where, StateParts* p) {
  std::string_view in = bytes.substr(0, std::min(bytes.size(), kStateMagic.size()));
  if (in == kStateMagic || in == kStateMagicV3 || in == kStateMagicV2) {
    core::ByteReader r(bytes.substr(kStateMagic.size()));
    if (!r.GetLengthPrefixed(&p->windower) || !r.GetLengthPrefixed(&p->builder) || !r.GetLengthPrefixed(&p->ids) ||
        (in != kStateMagicV2 && !r.GetLengthPrefixed(&p->scores)) ||
        (in == kStateMagic && !r.GetLengthPrefixed(&p->guard)) || !r.empty()) {
      return core::Status::Corrupt(where + ": truncated or trailing bytes");
    }
  } else if (in == kStateMagicV1 && bytes.size() >= kStateMagicV1.size() + 8) {
    uint64_t n = core::DecodeFixed64(bytes.data() + kStateMagicV1.size());
    size_t at = kStateMagicV1.size() + 8;
    if (n > bytes.size() - at) return core::Status::Corrupt(where + ": truncated");
    p->windower = bytes.substr(at, n);
    p->builder = bytes.substr(at + n);
  } else {
    return core::Status::Corrupt(where + ": not a stream state (bad magic)");
  }
  return core::Status::Ok();
}

// The guard part's opening: who publishes per horizon (nullopt: not recorded); `r` is left at the
// forecasts waiting for their truth.
core::Status ReadGuardSources(std::string_view bytes, std::string_view* payload, core::ByteReader* r,
                              std::optional<std::array<codec::ForecastSource, model::kLiveHorizons>>* sources) {
  TRAFFIC_RETURN_IF_ERROR(core::OpenFrame(bytes, kGuardMagic, kGuardVersion, "guard state", payload));
  *r = core::ByteReader(*payload);
  uint64_t horizons;
  if (!r->GetVarint64(&horizons) || (horizons != 0 && horizons != model::kLiveHorizons)) {
    return core::Status::Corrupt("guard state: bad horizon count");
  }
  sources->reset();
  if (horizons == 0) return core::Status::Ok();
  std::array<codec::ForecastSource, model::kLiveHorizons> s{};
  for (auto& source : s) {
    uint64_t v;
    if (!r->GetVarint64(&v) || v > 1) return core::Status::Corrupt("guard state: bad source");
    source = v == 1 ? codec::ForecastSource::kPersistence : codec::ForecastSource::kModel;
  }
  *sources = s;
  return core::Status::Ok();
}

}  // namespace

std::string StreamProcessor::SnapshotPartition(int32_t partition, const window::CellMask& cells) const {
  std::string out(kStateMagic);
  core::PutLengthPrefixed(&out, windower_.SnapshotPartition(partition, cells));
  core::PutLengthPrefixed(&out, builder_.SnapshotCells(cells));
  core::PutLengthPrefixed(&out, duplicates_.SnapshotCells(cells));
  auto scores = scores_.find(partition);
  core::PutLengthPrefixed(&out, scores == scores_.end() ? std::string() : scores->second.Encode());
  core::PutLengthPrefixed(&out, forecaster_ == nullptr ? std::string() : EncodeGuardState(partition, cells));
  return out;
}

// Frame "TRGDS" 1: who publishes per horizon (0 model, 1 persistence; absent: the card's
// verdict), the forecasts of `cells` waiting for their truth (t, cell, the 3 x 3 levels), then
// the labeler's cell state (length-prefixed).
std::string StreamProcessor::EncodeGuardState(int32_t partition, const window::CellMask& cells) const {
  assert(unlabelled_.empty());  // a drain gives the labeler every row
  std::string out;
  core::BeginFrame(&out, kGuardMagic, kGuardVersion);
  auto guard = guards_.find(partition);
  core::PutVarint64(&out, guard == guards_.end() ? 0 : model::kLiveHorizons);
  for (size_t h = 0; guard != guards_.end() && h < model::kLiveHorizons; ++h) {
    core::PutVarint64(&out, guard->second.source(h) == codec::ForecastSource::kPersistence ? 1 : 0);
  }
  std::vector<int64_t> keys;
  const int64_t cell_count = grid_.cell_count();
  for (const auto& [key, pending] : pending_) {
    if (cells[static_cast<size_t>(key % cell_count)]) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  core::PutVarint64(&out, keys.size());
  for (int64_t key : keys) {
    core::PutVarintSigned64(&out, key);
    for (const auto& levels : pending_.at(key).levels) {
      for (int8_t l : levels) core::PutVarintSigned64(&out, l);
    }
  }
  core::PutLengthPrefixed(&out, labeler_.SnapshotCells(cells));
  core::SealFrame(&out);
  return out;
}

core::Status StreamProcessor::RestoreGuardState(int32_t partition, std::string_view bytes) {
  auto corrupt = [](const std::string& what) { return core::Status::Corrupt("guard state: " + what); };
  std::string_view payload;
  core::ByteReader r(payload);
  std::optional<std::array<codec::ForecastSource, model::kLiveHorizons>> sources;
  TRAFFIC_RETURN_IF_ERROR(ReadGuardSources(bytes, &payload, &r, &sources));
  uint64_t n;
  if (!r.GetVarint64AtMost(payload.size(), &n)) return corrupt("bad forecast count");
  std::vector<std::pair<int64_t, PendingForecast>> waiting(n);
  for (auto& [key, pending] : waiting) {
    if (!r.GetVarintSigned64(&key) || key < 0) return corrupt("truncated forecasts");
    const geo::CellId cell = grid_.FromIndex(static_cast<int>(key % grid_.cell_count()));
    if (PartitionOf(cell) != partition) return corrupt("a forecast of a cell of another partition");
    for (auto& levels : pending.levels) {
      for (int8_t& l : levels) {
        int64_t v;
        if (!r.GetVarintSigned64(&v) || v < -1 || v > 2) return corrupt("bad level");
        l = static_cast<int8_t>(v);
      }
    }
  }
  std::string_view labeler;
  if (!r.GetLengthPrefixed(&labeler) || !r.empty()) return corrupt("truncated or trailing bytes");
  TRAFFIC_RETURN_IF_ERROR(labeler_.RestoreCells(labeler));
  for (auto& [key, pending] : waiting) pending_.insert_or_assign(key, pending);
  if (sources) GuardOf(partition).set_sources(*sources);
  return core::Status::Ok();
}

core::Result<PartitionLive> DecodePartitionLive(std::string_view state, std::chrono::seconds period) {
  StateParts parts;
  TRAFFIC_RETURN_IF_ERROR(SplitState(state, "stream state", &parts));
  PartitionLive live{model::LiveScores(period), std::nullopt};
  if (!parts.scores.empty()) TRAFFIC_RETURN_IF_ERROR(live.scores.DecodeAndMerge(parts.scores));
  if (!parts.guard.empty()) {
    std::string_view payload;
    core::ByteReader r(payload);
    TRAFFIC_RETURN_IF_ERROR(ReadGuardSources(parts.guard, &payload, &r, &live.sources));
  }
  return live;
}

LiveScoreReport MergeLive(const std::vector<const PartitionLive*>& partitions, std::chrono::seconds period,
                          const std::array<codec::ForecastSource, model::kLiveHorizons>& default_sources) {
  LiveScoreReport r;
  r.period = period;
  r.forecasting = true;
  model::LiveScores all(period);
  r.sources = default_sources;
  r.partitions = static_cast<int>(partitions.size());
  for (const PartitionLive* p : partitions) {
    all.Merge(p->scores);
    const auto& sources = p->sources ? *p->sources : default_sources;
    for (size_t h = 0; h < r.on_persistence.size(); ++h) {
      r.on_persistence[h] += sources[h] == codec::ForecastSource::kPersistence;
    }
  }
  r.scores = all.Current();
  for (size_t h = 0; h < r.sources.size() && r.partitions > 0; ++h) {
    r.sources[h] =
        r.on_persistence[h] == r.partitions ? codec::ForecastSource::kPersistence : codec::ForecastSource::kModel;
  }
  return r;
}

core::Status StreamProcessor::RestorePartition(int32_t partition, std::string_view bytes) {
  const std::string where = "stream state of partition " + std::to_string(partition);
  StateParts parts;
  TRAFFIC_RETURN_IF_ERROR(SplitState(bytes, where, &parts));
  const std::string_view w = parts.windower, b = parts.builder, d = parts.ids, scored = parts.scores,
                         guard = parts.guard;
  // Check the ids before anything changes; the windower and builder check their own bytes.
  window::DuplicateFilter ids(options_.window.grid);
  if (!d.empty()) TRAFFIC_RETURN_IF_ERROR(ids.RestoreCells(d).WithContext(where));  // checked first
  model::LiveScores restored_scores(options_.score_period);
  if (!scored.empty()) TRAFFIC_RETURN_IF_ERROR(restored_scores.DecodeAndMerge(scored).WithContext(where));
  // A state taken without a model restores into a processor with one (and back): the guard part
  // is only read with a model.
  if (!guard.empty() && forecaster_ != nullptr) {
    TRAFFIC_RETURN_IF_ERROR(RestoreGuardState(partition, guard).WithContext(where));
  }
  TRAFFIC_RETURN_IF_ERROR(windower_.RestorePartition(partition, w).WithContext(where));
  TRAFFIC_RETURN_IF_ERROR(builder_.RestoreCells(b).WithContext(where));
  if (!d.empty()) TRAFFIC_RETURN_IF_ERROR(duplicates_.RestoreCells(d).WithContext(where));
  if (!restored_scores.empty()) {
    scores_.insert_or_assign(partition, std::move(restored_scores));
    rescored_.insert(partition);  // new to this processor's guard
  }
  if (auto w = windower_.watermark()) restored_watermark_ = w;
  return core::Status::Ok();
}

core::Status StreamProcessor::Finish(std::vector<codec::PredictionRecord>* out) {
  windower_.Flush();
  return Drain(out);
}

}  // namespace traffic::pipeline
