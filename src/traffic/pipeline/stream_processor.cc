#include "traffic/pipeline/stream_processor.h"

#include <unordered_map>

#include "traffic/codec/message_key.h"

namespace traffic::pipeline {

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
      builder_(FeatureOptionsFor(options_, forecaster)) {}

void StreamProcessor::AdvanceProcessingTime(core::UtcTime now) {
  now_ = now;
  windower_.AdvanceProcessingTime(now);
}

void StreamProcessor::Process(const InputMessage& m, std::vector<codec::DeadLetterRecord>* dead_letters) {
  ++counters_.messages;
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
    return;
  }
  if (options_.partition_count > 0 &&
      codec::PartitionForCell(message_.cell, options_.partition_count) != m.partition) {
    ++counters_.invalid;
    dead_letters->push_back(dead(codec::DeadLetterKind::kInvalid,
                                 "cell " + message_.cell.ToString() + " belongs in partition " +
                                     std::to_string(codec::PartitionForCell(message_.cell, options_.partition_count)) +
                                     " (key-hash placement of `traffic produce`), not " + std::to_string(m.partition)));
    return;
  }
  window::Event event = message_.ToEvent();
  if (now_ && event.event_time > *now_ + options_.max_future) {
    ++counters_.invalid;
    auto r = dead(codec::DeadLetterKind::kInvalid,
                  "event_time " + core::FormatIsoUtc(event.event_time) + " is more than " +
                      std::to_string(options_.max_future.count()) + " s ahead of processing time " +
                      core::FormatIsoUtc(*now_));
    r.event_time = event.event_time;
    dead_letters->push_back(std::move(r));
    return;
  }
  window::AddResult result = windower_.Add(event, m.partition);
  if (result.ok()) {
    ++counters_.accepted;
    return;
  }
  bool late = result.status == window::AddStatus::kLate;
  (late ? counters_.late : counters_.invalid) += 1;
  auto r = dead(late ? codec::DeadLetterKind::kLate : codec::DeadLetterKind::kInvalid,
                window::DescribeReject(event, result));
  r.event_time = event.event_time;
  r.watermark = windower_.watermark();
  dead_letters->push_back(std::move(r));
}

core::Status StreamProcessor::Drain(std::vector<codec::PredictionRecord>* out) {
  closed_.clear();
  windower_.TakeClosed(&closed_);
  if (closed_.empty()) return core::Status::Ok();
  rows_.clear();
  for (const auto& w : closed_) builder_.AddWindow(w, &rows_);
  if (auto c = windower_.closed_until()) builder_.AdvanceTo(*c, &rows_);
  // The row of (t = window end, cell) holds what was known when the window closed.
  std::unordered_map<int64_t, size_t> row_of;
  row_of.reserve(rows_.size());
  auto key = [&](core::UtcTime t, geo::CellId cell) {
    return core::ToEpochSeconds(t) * 4096 + grid_.Index(cell);
  };
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (on_row_) on_row_(rows_[i]);
    row_of.emplace(key(rows_[i].t, rows_[i].cell), i);
  }
  // Forecast only the rows that go out with a window (a cell active in the last hour but without
  // a trip this minute publishes nothing this minute).
  std::vector<features::FeatureRow> needed;
  std::vector<int> forecast_of(closed_.size(), -1);
  if (forecaster_ != nullptr) {
    for (size_t i = 0; i < closed_.size(); ++i) {
      auto it = row_of.find(key(closed_[i].window_end, closed_[i].cell));
      if (it == row_of.end()) continue;
      forecast_of[i] = static_cast<int>(needed.size());
      needed.push_back(rows_[it->second]);
    }
  }
  std::vector<Forecast> forecasts;
  if (!needed.empty()) {
    TRAFFIC_ASSIGN_OR_RETURN(forecasts, forecaster_->Predict(needed));
  }
  for (size_t i = 0; i < closed_.size(); ++i) {
    const auto& w = closed_[i];
    codec::PredictionRecord record = codec::MakePredictionRecord(w, grid_, options_.thresholds);
    if (forecast_of[i] >= 0) {
      record.model_version = forecaster_->version();
      const Forecast& f = forecasts[static_cast<size_t>(forecast_of[i])];
      for (size_t h = 0; h < record.forecasts.size(); ++h) {
        record.forecasts[h] = codec::HorizonForecast{static_cast<window::CongestionLevel>(f.level[h]), f.confidence[h]};
      }
      ++counters_.forecasts;
    }
    out->push_back(std::move(record));
    ++counters_.windows;
  }
  return core::Status::Ok();
}

core::Status StreamProcessor::Finish(std::vector<codec::PredictionRecord>* out) {
  windower_.Flush();
  return Drain(out);
}

}  // namespace traffic::pipeline
