// The one produce loop: trips from a TripSource, in event-time order, become taxi-trips messages
// (key = cell_id, value = codec::AppendTripMessage), partitioned by cell
// (codec::PartitionForCell) and paced, and go to a TripMessageSink: a Kafka producer for
// `traffic produce` (ProduceToKafka), the in-process queue for `traffic stream --embedded`.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "traffic/core/status.h"
#include "traffic/pipeline/pacer.h"
#include "traffic/pipeline/topics.h"
#include "traffic/pipeline/trip_source.h"

namespace traffic::pipeline {

// Where the produced messages go.
class TripMessageSink {
 public:
  virtual ~TripMessageSink() = default;
  virtual int32_t partitions() const = 0;
  virtual core::Status Send(int32_t partition, std::string_view key, std::string_view value) = 0;
  // Called once at the end of Produce (also after a failure): delivers what is buffered.
  virtual core::Status Flush() = 0;
};

struct ProduceOptions {
  double rate = 100;               // events per second (0: as fast as possible); not used with speedup
  double speedup = 0;              // > 0: keep the trips' own event-time spacing, this many times faster
  int64_t max_events = 0;          // stop after this many (0: no limit)
  double duration_s = 0;           // stop after this many seconds (0: no limit)
  double progress_interval_s = 5;  // how often on_progress is called (besides the final call)

  // speedup, when given, wins over rate (whose default would otherwise hold the pace).
  Pacer MakePacer() const { return Pacer(speedup > 0 ? 0 : rate, speedup); }
};

struct ProduceProgress {
  int64_t sent = 0;
  double seconds = 0;  // since the first event
  StoredTrip last;     // the last trip sent
  bool final = false;  // the call after the loop ended
};
using ProduceProgressCallback = std::function<void(const ProduceProgress&)>;

struct ProduceStats {
  int64_t sent = 0;
  double seconds = 0;
};

// Runs until the source ends, max_events, duration_s or *stop (may be null); then flushes the
// sink. The first failure of the source or the sink is the error.
core::Result<ProduceStats> Produce(TripSource& source, TripMessageSink& sink, const ProduceOptions& options,
                                   const ProduceProgressCallback& on_progress, const std::atomic<bool>* stop);

// `traffic produce`: opens the source, makes sure the topic exists, produces to it with an
// idempotent producer, and checks every message was delivered.
struct KafkaProduceOptions {
  TripSourceOptions source;
  ProduceOptions produce;
  KafkaOptions kafka;
  std::string topic = kTripsTopic;
  // Send only the trips after the topic's last event (pipeline/produce_resume.h says why); false
  // replays the source from its start (`--no-resume`, or an explicit `--start`).
  bool resume = true;
};

struct KafkaProduceSummary {
  ProduceStats produce;
  std::string source;  // TripSource::Describe()
  std::string topic;
  std::string brokers;
  int64_t delivered = 0;
  int64_t bytes_delivered = 0;
  std::optional<core::UtcTime> resumed_after;  // the topic's last event, when resumed after it
};

core::Result<KafkaProduceSummary> ProduceToKafka(const KafkaProduceOptions& options,
                                                 const ProduceProgressCallback& on_progress,
                                                 const std::atomic<bool>* stop);

}  // namespace traffic::pipeline
