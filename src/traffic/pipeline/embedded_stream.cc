#include "traffic/pipeline/embedded_stream.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "traffic/codec/message_key.h"
#include "traffic/core/hash.h"

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

// The producer thread's sink: batches of messages into the queue, offsets counted per partition
// as a broker would.
class QueueSink : public TripMessageSink {
 public:
  QueueSink(BoundedQueue& queue, int partitions, size_t batch_size, std::atomic<int64_t>* pushed)
      : queue_(queue), offsets_(static_cast<size_t>(partitions), 0), batch_size_(batch_size), pushed_(pushed) {}
  int32_t partitions() const override { return static_cast<int32_t>(offsets_.size()); }
  core::Status Send(int32_t partition, std::string_view key, std::string_view value) override {
    batch_.push_back({partition, offsets_[static_cast<size_t>(partition)]++, std::string(key), std::string(value)});
    ++sent_;
    if (batch_.size() >= batch_size_) Push();
    return core::Status::Ok();
  }
  core::Status Flush() override {
    if (!batch_.empty()) Push();
    return core::Status::Ok();
  }

 private:
  void Push() {
    queue_.Push(std::move(batch_));
    batch_.clear();
    pushed_->store(sent_);
  }
  BoundedQueue& queue_;
  std::vector<int64_t> offsets_;
  size_t batch_size_;
  std::atomic<int64_t>* pushed_;
  std::vector<Message> batch_;
  int64_t sent_ = 0;
};

}  // namespace

core::Result<EmbeddedStats> RunEmbedded(TripSource& source, const Forecaster* forecaster,
                                        const EmbeddedOptions& options, const RecordsCallback& on_records,
                                        const DeadLettersCallback& on_dead_letters, const std::atomic<bool>* stop) {
  EmbeddedStats stats;
  BoundedQueue queue(options.queue_capacity);
  std::atomic<bool> producer_stop{false};
  core::Status producer_status;
  std::atomic<int64_t> produced{0};
  const Clock& clock = options.clock ? *options.clock : RealClock();
  auto started = clock.SteadyNow();
  // Small batches when paced (latency), larger ones when running flat out (throughput).
  const bool paced = options.produce.rate > 0 || options.produce.speedup > 0;

  std::thread producer([&] {
    QueueSink sink(queue, options.partitions, paced ? 64 : 1024, &produced);
    auto result = Produce(source, sink, options.produce, nullptr, &producer_stop);
    if (!result.ok()) producer_status = result.status();
    queue.Close();
  });

  StreamProcessor processor(options.stream, forecaster);
  for (int p = 0; p < options.partitions; ++p) processor.RegisterPartition(p);
  std::vector<Message> batch;
  std::vector<codec::DeadLetterRecord> dead;
  std::vector<codec::PredictionRecord> records;
  core::Status status;
  std::vector<LateAlarm> alarms;
  std::vector<GuardSwitch> switches;
  auto report_late = [&] {
    alarms.clear();
    processor.TakeLateAlarms(&alarms);
    for (const LateAlarm& a : alarms) {
      spdlog::warn("stream: {}", a.Describe());
      if (stats.late_warning.empty()) stats.late_warning = a.Describe();
    }
    switches.clear();
    processor.TakeGuardSwitches(&switches);
    for (const GuardSwitch& s : switches) spdlog::warn("stream: {}", s.Describe(options.stream.score_period));
  };
  auto last_drain = clock.SteadyNow();
  auto drain = [&]() -> core::Status {
    processor.AdvanceProcessingTime(clock.ProcessingTime());
    records.clear();
    TRAFFIC_RETURN_IF_ERROR(processor.Drain(&records));
    if (!records.empty()) TRAFFIC_RETURN_IF_ERROR(on_records(records));
    if (!dead.empty()) TRAFFIC_RETURN_IF_ERROR(on_dead_letters(dead));
    dead.clear();
    report_late();
    if (options.on_progress) {
      options.on_progress(processor.counters(), processor.watermark(), produced.load(), processor.LiveReport());
    }
    last_drain = clock.SteadyNow();
    return core::Status::Ok();
  };
  while (status.ok()) {
    if (stop && stop->load()) producer_stop.store(true);
    bool finished = false;
    if (queue.Pop(&batch, options.drain_interval, &finished)) {
      for (const auto& m : batch) processor.Process({m.partition, m.offset, m.key, m.value}, &dead);
    } else if (finished) {
      break;
    }
    if (clock.SteadyNow() - last_drain >= options.drain_interval) status = drain();
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
  processor.CloseLatePeriod();
  report_late();
  records.clear();
  TRAFFIC_RETURN_IF_ERROR(processor.Finish(&records));
  if (!records.empty()) TRAFFIC_RETURN_IF_ERROR(on_records(records));
  if (!dead.empty()) TRAFFIC_RETURN_IF_ERROR(on_dead_letters(dead));
  stats.produced = produced.load();
  stats.seconds = std::chrono::duration<double>(clock.SteadyNow() - started).count();
  stats.counters = processor.counters();
  stats.live = processor.LiveReport();
  return stats;
}

}  // namespace traffic::pipeline
