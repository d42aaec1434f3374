#include "traffic/pipeline/kafka_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include "traffic/codec/message_key.h"
#include "traffic/kafka/consumer.h"
#include "traffic/kafka/producer.h"

namespace traffic::pipeline {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kStateMagic = "TRSS1";

std::string StateKey(int32_t partition) { return "p" + std::to_string(partition); }

// [magic][u64 windower length][windower bytes][builder bytes]
std::string EncodeState(const std::string& windower, const std::string& builder) {
  std::string out(kStateMagic);
  uint64_t n = windower.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out += windower;
  out += builder;
  return out;
}

core::Status DecodeState(std::string_view bytes, std::string_view* windower, std::string_view* builder) {
  if (bytes.size() < kStateMagic.size() + 8 || bytes.substr(0, kStateMagic.size()) != kStateMagic) {
    return core::Status::Corrupt("state message is not a stream state (bad magic)");
  }
  uint64_t n;
  std::memcpy(&n, bytes.data() + kStateMagic.size(), sizeof n);
  size_t at = kStateMagic.size() + sizeof n;
  if (n > bytes.size() - at) return core::Status::Corrupt("state message is truncated");
  *windower = bytes.substr(at, n);
  *builder = bytes.substr(at + n);
  return core::Status::Ok();
}

class Worker {
 public:
  Worker(const KafkaWorkerOptions& options, const Forecaster* forecaster, const RecordsCallback& after_commit)
      : options_(options), forecaster_(forecaster), after_commit_(after_commit), grid_(options.stream.window.grid) {}
  // After an error, leave the group without committing anything more (the callbacks are off):
  // the last committed transaction is what a restart resumes from.
  ~Worker() {
    abandoned_ = true;
    consumer_.reset();
  }

  core::Result<KafkaWorkerStats> Run(const std::atomic<bool>* stop) {
    auto started = std::chrono::steady_clock::now();
    kafka::ProducerOptions po;
    po.transactional_id = "traffic-stream-" + options_.group + "-" + options_.worker_id;
    // A partition's state (the feature history of its cells) can pass 1 MB in a dense city.
    kafka::ClientConfig producer_config = options_.client;
    producer_config.properties.insert(producer_config.properties.begin(),
                                      {{"message.max.bytes", "67108864"}, {"compression.type", "lz4"}});
    TRAFFIC_ASSIGN_OR_RETURN(producer_, kafka::Producer::Open(producer_config, po));
    TRAFFIC_ASSIGN_OR_RETURN(int32_t partitions, producer_->PartitionCount(options_.input_topic));
    for (int32_t p = 0; p < partitions; ++p) {
      masks_.push_back(window::SelectCells(grid_.spec(), [&](geo::CellId c) {
        return codec::PartitionForCell(c, partitions) == p;
      }));
    }
    options_.stream.partition_count = partitions;
    TRAFFIC_RETURN_IF_ERROR(Txn(producer_->InitTransactions(30s), "init transactions"));
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
    TRAFFIC_RETURN_IF_ERROR(consumer_->Subscribe({options_.input_topic}, callbacks));

    std::vector<kafka::Message> messages;
    auto last_commit = std::chrono::steady_clock::now();
    int64_t consumed = 0;
    while (error_.ok() && !(stop && stop->load())) {
      if (options_.max_events > 0 && consumed >= options_.max_events) break;
      if (options_.duration_s > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= options_.duration_s) {
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
        if (processor_->windower().closed_until() != before) closed_at_.push_back(std::chrono::steady_clock::now());
        TRAFFIC_RETURN_IF_ERROR(ProduceDeadLetters());
      }
      if (std::chrono::steady_clock::now() - last_commit >= options_.commit_interval) {
        last_commit = std::chrono::steady_clock::now();
        if (processor_) TRAFFIC_RETURN_IF_ERROR(CommitCycle());
      }
    }
    TRAFFIC_RETURN_IF_ERROR(error_);
    if (processor_) TRAFFIC_RETURN_IF_ERROR(CommitCycle());
    TRAFFIC_RETURN_IF_ERROR(consumer_->Close());  // on_revoke commits (nothing new) and leaves
    TRAFFIC_RETURN_IF_ERROR(error_);
    stats_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!latencies_ms_.empty()) {
      std::sort(latencies_ms_.begin(), latencies_ms_.end());
      stats_.publish_latency_p50_ms = latencies_ms_[latencies_ms_.size() / 2];
      stats_.publish_latency_p99_ms = latencies_ms_[std::min(latencies_ms_.size() - 1, latencies_ms_.size() * 99 / 100)];
    }
    if (processor_) AddCounters();
    return stats_;
  }

 private:
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
    processor_->AdvanceProcessingTime(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
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
    for (int32_t p : owned_) {
      std::string state = EncodeState(processor_->windower().SnapshotPartition(p, masks_[static_cast<size_t>(p)]),
                                      processor_->feature_builder().SnapshotCells(masks_[static_cast<size_t>(p)]));
      TRAFFIC_RETURN_IF_ERROR(producer_->Produce(options_.state_topic, StateKey(p), state, 0));
      owned.push_back({options_.input_topic, p, kafka::kOffsetInvalid});
    }
    TRAFFIC_ASSIGN_OR_RETURN(auto positions, consumer_->Position(owned));
    std::vector<kafka::TopicPartition> offsets;
    for (const auto& tp : positions) {
      if (tp.offset >= 0) offsets.push_back(tp);
    }
    kafka::TxnStatus s;
    if (!offsets.empty()) {
      TRAFFIC_ASSIGN_OR_RETURN(auto group, consumer_->GroupMetadataForTxn());
      s = producer_->SendOffsetsToTransaction(offsets, group, 30s);
    }
    if (s.ok()) s = producer_->CommitTransaction(60s);
    while (s.kind() == kafka::TxnErrorKind::kRetriable) s = producer_->CommitTransaction(60s);
    if (s.ok()) {
      auto now = std::chrono::steady_clock::now();
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
    if (s.kind() == kafka::TxnErrorKind::kFatal) return s.status().WithContext("commit (fatal: fenced or broken producer)");
    spdlog::warn("transaction aborted, rewinding to the last commit: {}", s.status().message());
    TRAFFIC_RETURN_IF_ERROR(Txn(producer_->AbortTransaction(60s), "abort transaction"));
    in_txn_ = false;
    ++stats_.aborted;
    return Rebuild();
  }

  // Reads the newest state message of every partition from the state topic (read_committed).
  core::Result<std::map<std::string, std::string>> ReadStates() {
    std::map<std::string, std::string> states;
    TRAFFIC_ASSIGN_OR_RETURN(auto reader, kafka::Consumer::Open(options_.client, options_.group + "-state-" +
                                                                                     options_.worker_id));
    kafka::RebalanceCallbacks cb;
    cb.on_assign = [](std::vector<kafka::TopicPartition>& tps) {
      for (auto& tp : tps) tp.offset = kafka::kOffsetBeginning;
    };
    TRAFFIC_RETURN_IF_ERROR(reader->Subscribe({options_.state_topic}, cb));
    TRAFFIC_ASSIGN_OR_RETURN(int64_t end, reader->HighWatermark(options_.state_topic, 0, 10s));
    std::vector<kafka::Message> messages;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (true) {
      TRAFFIC_RETURN_IF_ERROR(reader->Poll(100ms, 1000, &messages));
      for (const auto& m : messages) states[std::string(m.key())] = std::string(m.value());
      auto assigned = reader->Assignment();
      if (assigned.ok() && !assigned->empty()) {
        TRAFFIC_ASSIGN_OR_RETURN(auto pos, reader->Position({{options_.state_topic, 0, kafka::kOffsetInvalid}}));
        // Transaction markers take offsets too: the position may pass `end` only by them.
        if (end == 0 || (pos[0].offset >= 0 && pos[0].offset >= end)) break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return core::Status::Unavailable("reading " + options_.state_topic + " to its end (offset " +
                                         std::to_string(end) + ") took over 60 s");
      }
    }
    TRAFFIC_RETURN_IF_ERROR(reader->Close());
    return states;
  }

  core::Status RestoreOwned() {
    processor_ = std::make_unique<StreamProcessor>(options_.stream, forecaster_);
    TRAFFIC_ASSIGN_OR_RETURN(auto states, ReadStates());
    std::vector<int32_t> fresh;
    for (int32_t p : owned_) {
      auto it = states.find(StateKey(p));
      if (it == states.end()) {
        fresh.push_back(p);
        continue;
      }
      std::string_view w, b;
      TRAFFIC_RETURN_IF_ERROR(DecodeState(it->second, &w, &b).WithContext(options_.state_topic + " " + it->first));
      TRAFFIC_RETURN_IF_ERROR(processor_->windower().RestorePartition(p, w).WithContext("restore partition " + std::to_string(p)));
      TRAFFIC_RETURN_IF_ERROR(processor_->feature_builder().RestoreCells(b).WithContext("restore partition " + std::to_string(p)));
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
    TRAFFIC_ASSIGN_OR_RETURN(auto committed, consumer_->Committed(owned, 30s));
    for (auto tp : committed) {
      if (tp.offset < 0) tp.offset = kafka::kOffsetBeginning;
      TRAFFIC_RETURN_IF_ERROR(consumer_->Seek(tp, 30s));
    }
    return core::Status::Ok();
  }

  void OnAssign(std::vector<kafka::TopicPartition>& tps) {
    if (abandoned_) return;
    owned_.clear();
    for (const auto& tp : tps) owned_.push_back(tp.partition);
    spdlog::info("worker {}: assigned {}", options_.worker_id, kafka::ToString(tps));
    if (!error_.ok()) return;
    error_ = RestoreOwned();  // the consumer starts from the committed offsets (kOffsetStored)
  }

  void OnRevoke(const std::vector<kafka::TopicPartition>& tps, bool lost) {
    if (abandoned_) return;
    spdlog::info("worker {}: revoked {}{}", options_.worker_id, kafka::ToString(tps), lost ? " (lost)" : "");
    if (processor_ && error_.ok()) {
      if (lost) {
        if (in_txn_) (void)producer_->AbortTransaction(60s);
        in_txn_ = false;
      } else {
        error_ = CommitCycle();
      }
      AddCounters();
    }
    processor_.reset();
    owned_.clear();
  }

  void AddCounters() {
    const StreamCounters& c = processor_->counters();
    StreamCounters& s = stats_.counters;
    s.messages += c.messages;
    s.accepted += c.accepted;
    s.malformed += c.malformed;
    s.invalid += c.invalid;
    s.late += c.late;
    s.windows += c.windows;
    s.forecasts += c.forecasts;
  }

  KafkaWorkerOptions options_;
  const Forecaster* forecaster_;
  const RecordsCallback& after_commit_;
  geo::Grid grid_;
  std::vector<window::CellMask> masks_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<StreamProcessor> processor_;
  std::vector<int32_t> owned_;
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

core::Result<KafkaWorkerStats> RunKafkaWorker(const KafkaWorkerOptions& options, const Forecaster* forecaster,
                                              const RecordsCallback& after_commit, const std::atomic<bool>* stop) {
  Worker worker(options, forecaster, after_commit);
  return worker.Run(stop);
}

}  // namespace traffic::pipeline
