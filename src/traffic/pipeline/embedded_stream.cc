#include "traffic/pipeline/embedded_stream.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "traffic/codec/message_key.h"
#include "traffic/core/hash.h"
#include "traffic/pipeline/pacer.h"

namespace traffic::pipeline {
namespace {

struct Message {
  int32_t partition;
  int64_t offset;
  std::string key;
  std::string value;
};

// A bounded multi-producer/single-consumer queue of message batches.
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
  void Push(std::vector<Message>&& batch) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return size_ < capacity_ || closed_; });
    size_ += batch.size();
    batches_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  // Waits up to `timeout` for a batch: true with *out filled, or false on timeout or when the
  // queue is closed and drained (then *finished is true).
  bool Pop(std::vector<Message>* out, std::chrono::milliseconds timeout, bool* finished) {
    std::unique_lock lock(mu_);
    not_empty_.wait_for(lock, timeout, [&] { return !batches_.empty() || closed_; });
    if (batches_.empty()) {
      *finished = closed_;
      return false;
    }
    *out = std::move(batches_.front());
    batches_.pop_front();
    size_ -= out->size();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::vector<Message>> batches_;
  size_t size_ = 0;
  size_t capacity_;
  bool closed_ = false;
};

}  // namespace

core::Result<EmbeddedStats> RunEmbedded(TripSource& source, const Forecaster* forecaster,
                                        const EmbeddedOptions& options, const RecordsCallback& on_records,
                                        const DeadLettersCallback& on_dead_letters,
                                        const std::atomic<bool>* stop) {
  EmbeddedStats stats;
  BoundedQueue queue(options.queue_capacity);
  std::atomic<bool> producer_stop{false};
  core::Status producer_status;
  std::atomic<int64_t> produced{0};
  auto started = std::chrono::steady_clock::now();
  auto should_stop = [&] {
    if (producer_stop.load() || (stop && stop->load())) return true;
    if (options.duration_s > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= options.duration_s) {
      return true;
    }
    return false;
  };

  std::thread producer([&] {
    Pacer pacer(options.rate, options.speedup);
    std::vector<Message> batch;
    StoredTrip trip;
    std::vector<int64_t> offsets(static_cast<size_t>(options.partitions), 0);
    int64_t n = 0;
    while (!should_stop() && (options.max_events == 0 || n < options.max_events)) {
      auto more = source.Next(&trip);
      if (!more.ok()) {
        producer_status = more.status();
        break;
      }
      if (!*more) break;
      pacer.Wait(n, trip.trip.event_time());
      Message m;
      codec::AppendCellKey(trip.cell, &m.key);
      codec::AppendTripMessage(trip.trip, trip.cell, trip.is_manhattan, &m.value);
      m.partition = codec::PartitionForCell(trip.cell, options.partitions);
      m.offset = offsets[static_cast<size_t>(m.partition)]++;
      batch.push_back(std::move(m));
      ++n;
      // Small batches when paced (latency), larger ones when running flat out (throughput).
      if (batch.size() >= (options.rate > 0 || options.speedup > 0 ? 64u : 1024u)) {
        queue.Push(std::move(batch));
        batch.clear();
        produced.store(n);
      }
    }
    if (!batch.empty()) queue.Push(std::move(batch));
    produced.store(n);
    queue.Close();
  });

  StreamProcessor processor(options.stream, forecaster);
  for (int p = 0; p < options.partitions; ++p) processor.RegisterPartition(p);
  std::vector<Message> batch;
  std::vector<codec::DeadLetterRecord> dead;
  std::vector<codec::PredictionRecord> records;
  core::Status status;
  auto last_drain = std::chrono::steady_clock::now();
  auto drain = [&]() -> core::Status {
    processor.AdvanceProcessingTime(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
    records.clear();
    TRAFFIC_RETURN_IF_ERROR(processor.Drain(&records));
    if (!records.empty()) TRAFFIC_RETURN_IF_ERROR(on_records(records));
    if (!dead.empty()) TRAFFIC_RETURN_IF_ERROR(on_dead_letters(dead));
    dead.clear();
    if (options.on_progress) options.on_progress(processor.counters(), processor.watermark(), produced.load());
    last_drain = std::chrono::steady_clock::now();
    return core::Status::Ok();
  };
  while (status.ok()) {
    bool finished = false;
    if (queue.Pop(&batch, options.drain_interval, &finished)) {
      for (const auto& m : batch) processor.Process({m.partition, m.offset, m.key, m.value}, &dead);
    } else if (finished) {
      break;
    }
    if (std::chrono::steady_clock::now() - last_drain >= options.drain_interval) status = drain();
  }
  if (!status.ok()) {
    producer_stop.store(true);
    // Unblock and join the producer; the queue may be full.
    while (true) {
      bool finished = false;
      if (!queue.Pop(&batch, std::chrono::milliseconds(10), &finished) && finished) break;
    }
  }
  producer.join();
  if (!status.ok()) return status;
  TRAFFIC_RETURN_IF_ERROR(producer_status);
  records.clear();
  TRAFFIC_RETURN_IF_ERROR(processor.Finish(&records));
  if (!records.empty()) TRAFFIC_RETURN_IF_ERROR(on_records(records));
  if (!dead.empty()) TRAFFIC_RETURN_IF_ERROR(on_dead_letters(dead));
  stats.produced = produced.load();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  stats.counters = processor.counters();
  return stats;
}

}  // namespace traffic::pipeline
