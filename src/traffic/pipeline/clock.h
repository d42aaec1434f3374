// The clocks the stream's loops read (the embedded stream and the Kafka worker), injected so that
// the loops test without waiting and without the binary: durations, commit and drain intervals,
// latencies (steady time) and the processing time that marks partitions idle (system time).
// The domain layers never read a clock; the pipeline reads it only through this.
#pragma once

#include <atomic>
#include <chrono>

#include "traffic/core/time.h"

namespace traffic::pipeline {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic: intervals, durations, latencies.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
  // Wall clock: processing time.
  virtual std::chrono::system_clock::time_point SystemNow() const = 0;
  // SystemNow in whole seconds, as Windower::AdvanceProcessingTime takes it.
  core::UtcTime ProcessingTime() const { return std::chrono::time_point_cast<std::chrono::seconds>(SystemNow()); }
};

// The machine's clocks (std::chrono::steady_clock and system_clock). Thread-safe.
const Clock& RealClock();

// A clock that moves only when told, or by `tick` at every reading (a loop that reads the clock
// then sees time pass without sleeping). Both readings move together. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point system_start = std::chrono::system_clock::time_point{},
                     std::chrono::nanoseconds tick = std::chrono::nanoseconds{0})
      : system_start_(system_start), tick_ns_(tick.count()) {}

  void Advance(std::chrono::nanoseconds d) { now_ns_.fetch_add(d.count()); }
  void set_tick(std::chrono::nanoseconds tick) { tick_ns_.store(tick.count()); }
  // Time passed since construction.
  std::chrono::nanoseconds elapsed() const { return std::chrono::nanoseconds(now_ns_.load()); }

  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(Read()));
  }
  std::chrono::system_clock::time_point SystemNow() const override {
    return system_start_ +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(Read()));
  }

 private:
  int64_t Read() const { return now_ns_.fetch_add(tick_ns_.load()); }

  std::chrono::system_clock::time_point system_start_;
  mutable std::atomic<int64_t> now_ns_{0};
  std::atomic<int64_t> tick_ns_;
};

}  // namespace traffic::pipeline
