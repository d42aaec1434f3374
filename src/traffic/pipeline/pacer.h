// Paces a producer: either a fixed rate (events per second, measured from the first event, so
// the long-run rate holds exactly: a late send is made up for, not forgotten), or the events' own
// spacing scaled by a speedup factor. Sleeps in short steps; never spins.
#pragma once

#include <chrono>
#include <optional>

#include "traffic/core/time.h"

namespace traffic::pipeline {

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;
  // rate > 0: that many events per second; else speedup > 0: event-time spacing / speedup;
  // else as fast as possible.
  Pacer(double rate, double speedup) : rate_(rate), speedup_(speedup) {}
  // Blocks until event number `index` (0-based) with event time `event_time` is due.
  void Wait(int64_t index, core::UtcTime event_time);
  // Seconds since the first Wait.
  double elapsed_s() const;
  double rate() const { return rate_; }
  double speedup() const { return speedup_; }

  // The schedule Wait keeps, without a clock: how long after the first Wait event `index` with
  // `event_time` is due, the first event having had `first_event_time`. rate > 0: index / rate
  // seconds (the event time is ignored); else speedup > 0: (event_time - first_event_time) /
  // speedup (negative for an event older than the first: due at once); else nullopt (no pacing).
  static std::optional<std::chrono::nanoseconds> DueAfterStart(double rate, double speedup, int64_t index,
                                                               core::UtcTime first_event_time,
                                                               core::UtcTime event_time);

 private:
  double rate_;
  double speedup_;
  std::optional<Clock::time_point> start_;
  core::UtcTime first_event_{};
};

}  // namespace traffic::pipeline
