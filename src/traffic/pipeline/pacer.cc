#include "traffic/pipeline/pacer.h"

#include <thread>

namespace traffic::pipeline {

void Pacer::Wait(int64_t index, core::UtcTime event_time) {
  if (!start_) {
    start_ = Clock::now();
    first_event_ = event_time;
  }
  const auto after = DueAfterStart(rate_, speedup_, index, first_event_, event_time);
  if (!after) return;
  const Clock::time_point due = *start_ + *after;
  // Sleeping below ~100 us is not precise; at high rates several events share one wake-up.
  auto now = Clock::now();
  if (due - now > std::chrono::microseconds(200)) std::this_thread::sleep_until(due);
}

std::optional<std::chrono::nanoseconds> Pacer::DueAfterStart(double rate, double speedup, int64_t index,
                                                             core::UtcTime first_event_time, core::UtcTime event_time) {
  if (rate > 0) {
    return std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(index) * 1e9 / rate));
  }
  if (speedup > 0) {
    double event_s = static_cast<double>((event_time - first_event_time).count());
    return std::chrono::nanoseconds(static_cast<int64_t>(event_s * 1e9 / speedup));
  }
  return std::nullopt;
}

double Pacer::elapsed_s() const {
  if (!start_) return 0;
  return std::chrono::duration<double>(Clock::now() - *start_).count();
}

}  // namespace traffic::pipeline
