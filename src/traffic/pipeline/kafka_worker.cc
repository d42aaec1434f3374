#include "traffic/pipeline/kafka_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "traffic/codec/message_key.h"
#include "traffic/kafka/consumer.h"
#include "traffic/kafka/producer.h"
#include "traffic/pipeline/stream_state.h"

namespace traffic::pipeline {
namespace {

using namespace std::chrono_literals;

class Worker {
 public:
  Worker(const KafkaWorkerOptions& options, const Forecaster* forecaster, const RecordsCallback& after_commit)
      : options_(options),
        forecaster_(forecaster),
        after_commit_(after_commit),
        clock_(options.clock ? *options.clock : RealClock()),
        grid_(options.stream.window.grid) {}
  // After an error, leave the group without committing anything more (the callbacks are off):
  // the last committed transaction is what a restart resumes from.
  ~Worker() {
    abandoned_ = true;
    consumer_.reset();
  }

  core::Result<KafkaWorkerStats> Run(const std::atomic<bool>* stop) {
    started_ = clock_.SteadyNow();
    if (options_.duration_s > 0) {
      // Real time, whatever clock the loop runs on: it bounds waits on the broker.
      deadline_ = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                         std::chrono::duration<double>(options_.duration_s));
      // Connecting counts against --duration too.
      options_.client.connect_timeout = Bounded(options_.client.connect_timeout);
    }
    TRAFFIC_RETURN_IF_ERROR(Open());
    TRAFFIC_RETURN_IF_ERROR(Loop(stop));
    TRAFFIC_RETURN_IF_ERROR(error_);
    if (processor_) {
      processor_->CloseLatePeriod();
      ReportLateAlarms();
      TRAFFIC_RETURN_IF_ERROR(CommitCycle());
    }
    TRAFFIC_RETURN_IF_ERROR(consumer_->Close());  // on_revoke commits (nothing new) and leaves
    TRAFFIC_RETURN_IF_ERROR(error_);
    stats_.seconds = std::chrono::duration<double>(clock_.SteadyNow() - started_).count();
    if (!latencies_ms_.empty()) {
      std::sort(latencies_ms_.begin(), latencies_ms_.end());
      stats_.publish_latency_p50_ms = latencies_ms_[latencies_ms_.size() / 2];
      stats_.publish_latency_p99_ms =
          latencies_ms_[std::min(latencies_ms_.size() - 1, latencies_ms_.size() * 99 / 100)];
    }
    if (processor_) AddCounters();
    return stats_;
  }

 private:
  // The transactional producer, the cell masks of the input partitions, and the consumer.
  core::Status Open() {
    kafka::ProducerOptions po;
    po.transactional_id = "traffic-stream-" + options_.group + "-" + options_.worker_id;
    // A partition's state (the feature history of its cells) can pass 1 MB in a dense city.
    kafka::ClientConfig producer_config = options_.client;
    producer_config.properties.insert(producer_config.properties.begin(),
                                      {{"message.max.bytes", "67108864"}, {"compression.type", "lz4"}});
    TRAFFIC_ASSIGN_OR_RETURN(producer_, kafka::Producer::Open(producer_config, po));
    TRAFFIC_ASSIGN_OR_RETURN(int32_t partitions, producer_->PartitionCount(options_.input_topic));
    for (int32_t p = 0; p < partitions; ++p) {
      masks_.push_back(window::SelectCells(grid_.spec(),
                                           [&](geo::CellId c) { return codec::PartitionForCell(c, partitions) == p; }));
    }
    options_.stream.partition_count = partitions;
    TRAFFIC_RETURN_IF_ERROR(Txn(producer_->InitTransactions(Bounded(30s)), "init transactions"));
    // A worker killed with -9 stays a group member until its session times out, and the group
    // waits for it before giving its partitions to anyone: keep that short (the broker's minimum
    // is 6 s). -X settings still override these.
    kafka::ClientConfig consumer_config = options_.client;
    consumer_config.properties.insert(consumer_config.properties.begin(),
                                      {{"session.timeout.ms", "6000"},
                                       {"heartbeat.interval.ms", "1000"},
                                       // Large fetches: a backlog drains in few round trips.
                                       {"max.partition.fetch.bytes", "16777216"},
                                       {"fetch.max.bytes", "67108864"},
                                       {"queued.min.messages", "1000000"}});
    TRAFFIC_ASSIGN_OR_RETURN(consumer_, kafka::Consumer::Open(consumer_config, options_.group));
    kafka::RebalanceCallbacks callbacks;
    callbacks.on_assign = [this](std::vector<kafka::TopicPartition>& tps) { OnAssign(tps); };
    callbacks.on_revoke = [this](const std::vector<kafka::TopicPartition>& tps, bool lost) { OnRevoke(tps, lost); };
    return consumer_->Subscribe({options_.input_topic}, callbacks);
  }

  // Poll -> process -> commit every commit_interval, until stopped, out of time or events, or an
  // error in a rebalance callback (error_).
  core::Status Loop(const std::atomic<bool>* stop) {
    std::vector<kafka::Message> messages;
    auto last_commit = clock_.SteadyNow();
    int64_t consumed = 0;
    while (error_.ok() && !(stop && stop->load())) {
      if (options_.max_events > 0 && consumed >= options_.max_events) break;
      if (options_.duration_s > 0 &&
          std::chrono::duration<double>(clock_.SteadyNow() - started_).count() >= options_.duration_s) {
        break;
      }
      core::Status polled = consumer_->Poll(50ms, 20000, &messages);
      if (!polled.ok()) {
        error_ = polled;
        break;
      }
      if (processor_ && !messages.empty()) {
        TRAFFIC_RETURN_IF_ERROR(BeginIfNeeded());
        auto before = processor_->windower().closed_until();
        for (const auto& m : messages) {
          processor_->Process({m.partition(), m.offset(), m.key(), m.value()}, &dead_);
        }
        consumed += static_cast<int64_t>(messages.size());
        if (processor_->windower().closed_until() != before) closed_at_.push_back(clock_.SteadyNow());
        TRAFFIC_RETURN_IF_ERROR(ProduceDeadLetters());
        ReportLateAlarms();
      }
      if (clock_.SteadyNow() - last_commit >= options_.commit_interval) {
        last_commit = clock_.SteadyNow();
        if (processor_) TRAFFIC_RETURN_IF_ERROR(CommitCycle());
      }
    }
    return core::Status::Ok();
  }

  // A blocking call's timeout, cut to what is left of --duration (plus a grace for the final
  // commit): a run with a broker gone still ends on time (issue 8 item 17).
  std::chrono::milliseconds Bounded(std::chrono::milliseconds timeout) const {
    return BoundedTimeout(timeout, deadline_, std::chrono::steady_clock::now());
  }
  bool PastDeadline() const {
    return deadline_ != std::chrono::steady_clock::time_point::max() &&
           std::chrono::steady_clock::now() >= deadline_ + kDeadlineGrace;
  }

  core::Status Txn(const kafka::TxnStatus& s, const char* what) {
    if (s.ok()) return core::Status::Ok();
    return s.status().WithContext(what);
  }

  core::Status BeginIfNeeded() {
    if (in_txn_) return core::Status::Ok();
    TRAFFIC_RETURN_IF_ERROR(Txn(producer_->BeginTransaction(), "begin transaction"));
    in_txn_ = true;
    return core::Status::Ok();
  }

  core::Status ProduceDeadLetters() {
    for (const auto& d : dead_) {
      buffer_.clear();
      codec::AppendDeadLetterMessage(d, &buffer_);
      TRAFFIC_RETURN_IF_ERROR(producer_->Produce(options_.dead_letter_topic, d.key.value_or(""), buffer_));
      ++stats_.dead_letters;
    }
    dead_.clear();
    return core::Status::Ok();
  }

  // Drain -> publish -> state -> offsets -> commit. On an abortable error: abort, and rebuild
  // the state from the last committed transaction (the input rewinds to its offsets).
  core::Status CommitCycle() {
    TRAFFIC_RETURN_IF_ERROR(BeginIfNeeded());
    processor_->AdvanceProcessingTime(clock_.ProcessingTime());
    records_.clear();
    TRAFFIC_RETURN_IF_ERROR(processor_->Drain(&records_));
    if (options_.publish) {
      for (const auto& r : records_) {
        key_.clear();
        buffer_.clear();
        codec::AppendCellKey(r.cell, &key_);
        codec::AppendPredictionMessage(r, &buffer_);
        TRAFFIC_RETURN_IF_ERROR(producer_->Produce(options_.output_topic, key_, buffer_));
      }
    }
    std::vector<kafka::TopicPartition> owned;
    for (int32_t p : owned_) owned.push_back({options_.input_topic, p, kafka::kOffsetInvalid});
    TRAFFIC_ASSIGN_OR_RETURN(auto positions, consumer_->Position(owned));
    for (const auto& tp : positions) {
      if (tp.offset >= 0) next_offset_[tp.partition] = tp.offset;  // else: nothing read since the start
    }
    std::vector<kafka::TopicPartition> offsets;
    for (int32_t p : owned_) {
      int64_t next = NextOffset(p);
      std::string state = EncodePositionedState(next, processor_->SnapshotPartition(p, masks_[static_cast<size_t>(p)]));
      TRAFFIC_RETURN_IF_ERROR(producer_->Produce(options_.state_topic, StateKey(p), state, 0));
      if (next >= 0) offsets.push_back({options_.input_topic, p, next});
    }
    kafka::TxnStatus s;
    if (!offsets.empty()) {
      TRAFFIC_ASSIGN_OR_RETURN(auto group, consumer_->GroupMetadataForTxn());
      s = producer_->SendOffsetsToTransaction(offsets, group, Bounded(30s));
    }
    if (s.ok()) s = producer_->CommitTransaction(Bounded(60s));
    while (s.kind() == kafka::TxnErrorKind::kRetriable && !PastDeadline())
      s = producer_->CommitTransaction(Bounded(60s));
    if (s.ok()) {
      auto now = clock_.SteadyNow();
      if (!records_.empty()) {
        for (auto t : closed_at_) latencies_ms_.push_back(std::chrono::duration<double, std::milli>(now - t).count());
      }
      closed_at_.clear();
      in_txn_ = false;
      ++stats_.transactions;
      stats_.records_published += options_.publish ? static_cast<int64_t>(records_.size()) : 0;
      if (after_commit_ && !records_.empty()) TRAFFIC_RETURN_IF_ERROR(after_commit_(records_));
      return core::Status::Ok();
    }
    if (s.kind() == kafka::TxnErrorKind::kFatal)
      return s.status().WithContext("commit (fatal: fenced or broken producer)");
    spdlog::warn("transaction aborted, rewinding to the last commit: {}", s.status().message());
    TRAFFIC_RETURN_IF_ERROR(Txn(producer_->AbortTransaction(Bounded(60s)), "abort transaction"));
    in_txn_ = false;
    ++stats_.aborted;
    return Rebuild();
  }

  // Reads the newest state message of every partition from the state topic (read_committed).
  core::Result<std::map<std::string, std::string>> ReadStates() {
    std::map<std::string, std::string> states;
    std::set<std::string> wanted;
    for (int32_t p : owned_) wanted.insert(StateKey(p));
    TRAFFIC_ASSIGN_OR_RETURN(auto reader,
                             kafka::Consumer::Open(options_.client, options_.group + "-state-" + options_.worker_id));
    kafka::RebalanceCallbacks cb;
    cb.on_assign = [](std::vector<kafka::TopicPartition>& tps) {
      for (auto& tp : tps) tp.offset = kafka::kOffsetBeginning;
    };
    TRAFFIC_RETURN_IF_ERROR(reader->Subscribe({options_.state_topic}, cb));
    // A state topic created a moment ago may have no leader yet ("Not leader for partition"):
    // ask again for a while before giving up.
    auto end_offset = reader->HighWatermark(options_.state_topic, 0, Bounded(10s));
    for (int attempt = 0; !end_offset.ok() && attempt < 20; ++attempt) {
      std::this_thread::sleep_for(500ms);
      end_offset = reader->HighWatermark(options_.state_topic, 0, Bounded(10s));
    }
    TRAFFIC_ASSIGN_OR_RETURN(int64_t end, std::move(end_offset));
    std::vector<kafka::Message> messages;
    const std::chrono::milliseconds bound = Bounded(60s);
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (true) {
      TRAFFIC_RETURN_IF_ERROR(reader->Poll(100ms, 1000, &messages));
      for (const auto& m : messages) {
        // Only this group's states of this input topic (other keys belong to other groups).
        std::string key(m.key());
        if (!wanted.contains(key)) continue;
        if (m.value().empty()) {
          states.erase(key);  // a tombstone
        } else {
          states[key] = std::string(m.value());
        }
      }
      auto assigned = reader->Assignment();
      if (assigned.ok() && !assigned->empty()) {
        TRAFFIC_ASSIGN_OR_RETURN(auto pos, reader->Position({{options_.state_topic, 0, kafka::kOffsetInvalid}}));
        // Transaction markers take offsets too: the position may pass `end` only by them.
        if (end == 0 || (pos[0].offset >= 0 && pos[0].offset >= end)) break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return core::Status::Unavailable("reading " + options_.state_topic + " to its end (offset " +
                                         std::to_string(end) + ") took over " + std::to_string(bound.count()) + " ms");
      }
    }
    TRAFFIC_RETURN_IF_ERROR(reader->Close());
    return states;
  }

  core::Status RestoreOwned() {
    processor_ = std::make_unique<StreamProcessor>(options_.stream, forecaster_);
    TRAFFIC_ASSIGN_OR_RETURN(auto states, ReadStates());
    std::vector<int32_t> fresh;
    next_offset_.clear();
    for (int32_t p : owned_) {
      auto it = states.find(StateKey(p));
      if (it == states.end()) {
        fresh.push_back(p);
        continue;
      }
      PositionedState state = DecodePositionedState(it->second);
      TRAFFIC_RETURN_IF_ERROR(
          processor_->RestorePartition(p, state.processor_state).WithContext(options_.state_topic + " " + it->first));
      if (state.next_offset >= 0) next_offset_[p] = state.next_offset;
    }
    for (int32_t p : fresh) processor_->RegisterPartition(p);
    ++stats_.restores;
    return core::Status::Ok();
  }

  core::Status Rebuild() {
    if (processor_) AddCounters();
    TRAFFIC_RETURN_IF_ERROR(RestoreOwned());
    std::vector<kafka::TopicPartition> owned;
    for (int32_t p : owned_) owned.push_back({options_.input_topic, p, kafka::kOffsetInvalid});
    TRAFFIC_ASSIGN_OR_RETURN(auto committed, consumer_->Committed(owned, Bounded(30s)));
    for (auto tp : committed) {
      if (NextOffset(tp.partition) >= 0) tp.offset = NextOffset(tp.partition);  // the state's position
      if (tp.offset < 0) tp.offset = kafka::kOffsetBeginning;
      TRAFFIC_RETURN_IF_ERROR(consumer_->Seek(tp, Bounded(30s)));
    }
    return core::Status::Ok();
  }

  void OnAssign(std::vector<kafka::TopicPartition>& tps) {
    if (abandoned_) return;
    owned_.clear();
    for (const auto& tp : tps) owned_.push_back(tp.partition);
    spdlog::info("worker {}: assigned {}", options_.worker_id, kafka::ToString(tps));
    if (!error_.ok()) return;
    error_ = RestoreOwned();
    // Reading starts where the restored state ends; a partition without one at the committed
    // offset (kOffsetStored).
    for (auto& tp : tps) {
      if (NextOffset(tp.partition) >= 0) tp.offset = NextOffset(tp.partition);
    }
  }

  // The input offset the processor's state of `partition` covers, kOffsetInvalid when unknown.
  int64_t NextOffset(int32_t partition) const {
    auto it = next_offset_.find(partition);
    return it == next_offset_.end() ? kafka::kOffsetInvalid : it->second;
  }

  void OnRevoke(const std::vector<kafka::TopicPartition>& tps, bool lost) {
    if (abandoned_) return;
    spdlog::info("worker {}: revoked {}{}", options_.worker_id, kafka::ToString(tps), lost ? " (lost)" : "");
    if (processor_ && error_.ok()) {
      if (lost) {
        // Another worker may own these partitions now: what this one did since its last commit
        // must not count. If the abort fails (broker away), the next begin fails and the worker
        // stops with that error; a restart resumes from the last commit.
        if (in_txn_) {
          kafka::TxnStatus aborted = producer_->AbortTransaction(Bounded(60s));
          if (!aborted.ok())
            spdlog::warn("worker {}: aborting after lost partitions: {}", options_.worker_id,
                         aborted.status().message());
        }
        in_txn_ = false;
      } else {
        error_ = CommitCycle();
      }
      AddCounters();
    }
    processor_.reset();
    owned_.clear();
    next_offset_.clear();
  }

  // Logs every LateAlarm raised since the last call; the run's first goes into the summary.
  void ReportLateAlarms() {
    alarms_.clear();
    processor_->TakeLateAlarms(&alarms_);
    for (const LateAlarm& a : alarms_) {
      std::string text = a.Describe();
      spdlog::warn("worker {}: {}", options_.worker_id, text);
      if (stats_.late_warning.empty()) stats_.late_warning = std::move(text);
    }
    switches_.clear();
    processor_->TakeGuardSwitches(&switches_);
    for (const GuardSwitch& s : switches_) {
      spdlog::warn("worker {}: {}[{}] {}", options_.worker_id, options_.input_topic, s.partition,
                   s.Describe(options_.stream.score_period));
    }
  }

  std::string StateKey(int32_t partition) const {
    return StreamStateKey(options_.group, options_.input_topic, partition);
  }

  void AddCounters() {
    stats_.counters.Merge(processor_->counters());
    stats_.live = processor_->LiveReport();
  }

  std::vector<GuardSwitch> switches_;
  KafkaWorkerOptions options_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  const Forecaster* forecaster_;
  const RecordsCallback& after_commit_;
  const Clock& clock_;
  geo::Grid grid_;
  std::chrono::steady_clock::time_point started_;
  std::vector<window::CellMask> masks_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<StreamProcessor> processor_;
  std::vector<int32_t> owned_;
  std::vector<LateAlarm> alarms_;
  std::map<int32_t, int64_t> next_offset_;  // owned partition -> input offset its state covers
  bool in_txn_ = false;
  bool abandoned_ = false;
  core::Status error_;
  std::vector<std::chrono::steady_clock::time_point> closed_at_;  // watermark moves not yet published
  std::vector<double> latencies_ms_;
  std::vector<codec::DeadLetterRecord> dead_;
  std::vector<codec::PredictionRecord> records_;
  std::string key_, buffer_;
  KafkaWorkerStats stats_;
};

}  // namespace

std::chrono::milliseconds BoundedTimeout(std::chrono::milliseconds timeout,
                                         std::chrono::steady_clock::time_point deadline,
                                         std::chrono::steady_clock::time_point now) {
  if (deadline == std::chrono::steady_clock::time_point::max()) return timeout;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline + kDeadlineGrace - now);
  return std::clamp(left, std::chrono::milliseconds(100), std::max(timeout, std::chrono::milliseconds(100)));
}

core::Result<KafkaWorkerStats> RunKafkaWorker(const KafkaWorkerOptions& options, const Forecaster* forecaster,
                                              const RecordsCallback& after_commit, const std::atomic<bool>* stop) {
  core::Result<KafkaWorkerStats> stats = [&] {
    Worker worker(options, forecaster, after_commit);
    return worker.Run(stop);
  }();
  if (!stats.ok() && stats.status().code() == core::StatusCode::kUnavailable) {
    return stats.status().WithContext("Kafka broker(s) '" + options.client.brokers + "' unreachable");
  }
  return stats;
}

}  // namespace traffic::pipeline
