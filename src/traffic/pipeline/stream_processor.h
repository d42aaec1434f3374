// The stream's operators, independent of where messages come from (Kafka, the embedded queue,
// a test): decode taxi-trips messages -> event-time windows per cell (watermark per source
// partition) -> the same feature code as `traffic features` -> the model -> prediction records,
// plus dead letters for malformed, invalid and late events. No I/O, no threads, no clock: the
// caller passes processing time in.
//
// A prediction record is published per closed window (cell, minute): the observed trip count,
// mean speed and level, and the forecasts made at the window's end (features known at that
// instant only) for 15, 30 and 60 minutes ahead. Without a forecaster, forecasts are null.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/codec/dead_letter.h"
#include "traffic/codec/prediction_message.h"
#include "traffic/codec/trip_message.h"
#include "traffic/features/feature_builder.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/window/windower.h"

namespace traffic::pipeline {

struct StreamOptions {
  window::WindowOptions window;
  window::LevelThresholds thresholds;
  // An event more than this far ahead of processing time is invalid (a bad clock would otherwise
  // drag the watermark forward and make every later event late).
  std::chrono::seconds max_future{3600};
  std::string source_topic = "taxi-trips";  // for dead letters
  // The historical profile for the features when there is no forecaster (a forecaster brings
  // its own, the one it was trained with).
  const features::HistoricalProfile* profile = nullptr;
  // When > 0: the input topic's partition count; a message in another partition than
  // codec::PartitionForCell says is invalid (per-partition state relies on that placement).
  int32_t partition_count = 0;
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
  int64_t malformed = 0;  // not JSON / missing or wrong-typed fields
  int64_t invalid = 0;    // decodes but cannot be used (inconsistent, outside the grid, far future)
  int64_t late = 0;
  int64_t windows = 0;
  int64_t forecasts = 0;
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

  const StreamCounters& counters() const { return counters_; }
  std::optional<core::UtcTime> watermark() const { return windower_.watermark(); }
  const window::Windower& windower() const { return windower_; }
  window::Windower& windower() { return windower_; }
  features::FeatureBuilder& feature_builder() { return builder_; }
  // Every feature row computed (for parity tests and diagnostics); called before forecasting.
  void set_on_feature_row(std::function<void(const features::FeatureRow&)> f) { on_row_ = std::move(f); }

 private:
  StreamOptions options_;
  const Forecaster* forecaster_;
  geo::Grid grid_;
  codec::TripDecoder decoder_;
  window::Windower windower_;
  features::FeatureBuilder builder_;
  codec::TripMessage message_;
  std::optional<core::UtcTime> now_;
  std::vector<window::WindowAggregate> closed_;
  std::vector<features::FeatureRow> rows_;
  StreamCounters counters_;
  std::function<void(const features::FeatureRow&)> on_row_;
};

features::FeatureOptions FeatureOptionsFor(const StreamOptions& options, const Forecaster* forecaster);

}  // namespace traffic::pipeline
