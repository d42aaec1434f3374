// `traffic stream --embedded`: producer and stream processor in one process, no broker. A
// producer thread turns trips into taxi-trips messages (exactly the Kafka payloads, keyed by
// cell, spread over `partitions` simulated partitions by key) and pushes them through a bounded
// queue; the calling thread runs the same StreamProcessor as the Kafka worker.
#pragma once

#include <atomic>
#include <functional>

#include "traffic/pipeline/clock.h"
#include "traffic/pipeline/produce.h"
#include "traffic/pipeline/stream_processor.h"
#include "traffic/pipeline/trip_source.h"

namespace traffic::pipeline {

struct EmbeddedOptions {
  StreamOptions stream;
  ProduceOptions produce;  // pacing and limits of the producer thread (the same Produce
                           // as `traffic produce`)
  int partitions = 4;
  size_t queue_capacity = 65536;  // messages
  std::chrono::milliseconds drain_interval{100};
  const Clock* clock = nullptr;  // nullptr: RealClock()
  // Called on the calling thread after every drain: the processor's counters, its watermark and
  // the events produced so far (live dashboards).
  std::function<void(const StreamCounters&, std::optional<core::UtcTime> watermark, int64_t produced,
                     const LiveScoreReport& live)>
      on_progress;
};

struct EmbeddedStats {
  int64_t produced = 0;
  double seconds = 0;
  StreamCounters counters;
  std::string late_warning;  // the first LateAlarm, described (also logged); empty when none
  LiveScoreReport live;      // at the end of the run
};

using RecordsCallback = std::function<core::Status(const std::vector<codec::PredictionRecord>&)>;
using DeadLettersCallback = std::function<core::Status(const std::vector<codec::DeadLetterRecord>&)>;

// Runs until the source ends, max_events, duration_s, or *stop becomes true; then flushes every
// open window. Callbacks run on the calling thread.
core::Result<EmbeddedStats> RunEmbedded(TripSource& source, const Forecaster* forecaster,
                                        const EmbeddedOptions& options, const RecordsCallback& on_records,
                                        const DeadLettersCallback& on_dead_letters, const std::atomic<bool>* stop);

}  // namespace traffic::pipeline
