// `traffic stream` on Kafka: a consumer-group member that runs the StreamProcessor on its
// partitions of taxi-trips and publishes window results and forecasts to traffic-predictions,
// exactly once.
//
// Exactly once (read-process-write with Kafka transactions): every commit interval, one
// transaction holds the prediction records and dead letters produced since the last one, the
// state of every owned input partition (its windows still open and the feature history of its
// cells and its recent trip ids, StreamProcessor::SnapshotPartition) with the input offset it
// covers, written to a compacted state topic (keyed by group, input topic and partition; the
// format: pipeline/stream_state.h), and the consumed offsets. Results, state and offsets
// therefore move together: after kill -9 or a broker restart, the worker (or whoever gets the
// partitions) restores the state of the last committed transaction and resumes from its offset, so
// read_committed readers of traffic-predictions see exactly the results of an uninterrupted run.
//
// Partitions: taxi-trips is keyed and partitioned by cell (codec::PartitionForCell), so each
// partition's state is the state of a fixed set of cells. The rebalance protocol is eager: on
// revoke the worker commits and drops everything; on assign it restores every assigned partition
// from the state topic. Each worker needs its own worker id: it names the transactional id, so a
// restarted worker fences its previous incarnation (and aborts its open transaction at once).
// Neighbour features read the cells the worker owns: with several workers, a cell whose
// neighbour lives on another worker sees that neighbour as quiet (one worker: exact batch parity).
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "traffic/kafka/client.h"
#include "traffic/pipeline/clock.h"
#include "traffic/pipeline/embedded_stream.h"
#include "traffic/pipeline/stream_processor.h"

namespace traffic::pipeline {

struct KafkaWorkerOptions {
  kafka::ClientConfig client;
  std::string group = "traffic-stream";
  std::string worker_id = "0";
  std::string input_topic = "taxi-trips";
  std::string output_topic = "traffic-predictions";
  std::string dead_letter_topic = "traffic-dead-letter";
  std::string state_topic = "traffic-stream-state";
  bool publish = true;  // write traffic-predictions (false: console/parquet only)
  StreamOptions stream;
  std::chrono::milliseconds commit_interval{200};
  double duration_s = 0;
  int64_t max_events = 0;        // stop after consuming this many messages (0: no limit), e.g. to benchmark a drain
  const Clock* clock = nullptr;  // nullptr: RealClock()
};

struct KafkaWorkerStats {
  int64_t transactions = 0;
  int64_t aborted = 0;
  int64_t records_published = 0;
  int64_t dead_letters = 0;
  int64_t restores = 0;
  double seconds = 0;
  StreamCounters counters;  // of the current assignment's processor, summed over assignments
  // From the moment the watermark passed a window's end (the poll batch that moved it) to the
  // commit that published the window: median and 99th percentile over the run, milliseconds.
  double publish_latency_p50_ms = 0;
  double publish_latency_p99_ms = 0;
  // The first LateAlarm of the run (StreamProcessor::TakeLateAlarms), described; empty when none.
  // Every alarm is also logged as a warning when raised.
  std::string late_warning;
  LiveScoreReport live;  // of the last assignment's processor, when it ended
};

// With duration_s, every blocking call's timeout is cut to what is left of it plus this grace
// (for the final commit): a run whose broker is gone still ends on time.
inline constexpr std::chrono::seconds kDeadlineGrace{5};
std::chrono::milliseconds BoundedTimeout(std::chrono::milliseconds timeout,
                                         std::chrono::steady_clock::time_point deadline,
                                         std::chrono::steady_clock::time_point now);

// Runs until *stop or duration_s; commits on the way out. `after_commit` gets the records of each
// committed transaction (console, archive).
core::Result<KafkaWorkerStats> RunKafkaWorker(const KafkaWorkerOptions& options, const Forecaster* forecaster,
                                              const RecordsCallback& after_commit, const std::atomic<bool>* stop);

}  // namespace traffic::pipeline
