// Live scoring of forecasts (DESIGN.md "Live scoring"): once the truth of a forecast made at t is
// known (the level of the cell's trips in [t, t + h), when they are at least the minimum), the
// stream adds it here with what the model, persistence and the historical profile had forecast.
// LiveScores keeps confusion matrices in buckets of forecast time and answers for a sliding
// period of event time (default 6 h): macro-F1, accuracy and count per horizon and predictor.
// Pure: no clock, no I/O; the caller passes event times.
//
// State: Encode/Decode ("TRLS1" core/coding.h frame: period and bucket seconds, then per bucket
// its index and 81 varint counts), so the scores survive restarts in the stream's partition
// state; Merge adds another's buckets (the partitions a worker owns).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "traffic/core/status.h"
#include "traffic/core/time.h"
#include "traffic/model/metrics.h"

namespace traffic::model {

inline constexpr int kLiveHorizons = 3;  // features::kHorizonsMin
enum class LivePredictor { kModel = 0, kPersistence = 1, kProfile = 2 };
inline constexpr int kLivePredictors = 3;

struct LiveScore {
  int64_t count = 0;
  double accuracy = 0;
  double macro_f1 = 0;
};

struct HorizonLiveScores {
  std::array<LiveScore, kLivePredictors> by_predictor;  // index: LivePredictor
  const LiveScore& model() const { return by_predictor[0]; }
  const LiveScore& persistence() const { return by_predictor[1]; }
  const LiveScore& profile() const { return by_predictor[2]; }
};

class LiveScores {
 public:
  // Precondition: period and bucket > 0, bucket divides period.
  explicit LiveScores(std::chrono::seconds period = std::chrono::hours(6),
                      std::chrono::seconds bucket = std::chrono::minutes(10));

  // One forecast whose truth is known. Levels 0..2 (window::CongestionLevel); a level out of
  // range is ignored. Buckets older than the period before the newest forecast time are dropped.
  void Add(core::UtcTime forecast_time, int horizon, int actual, const std::array<int, kLivePredictors>& forecast);
  void Merge(const LiveScores& other);

  // Over the forecasts made in the period ending at the newest forecast time added.
  std::array<HorizonLiveScores, kLiveHorizons> Current() const;
  std::chrono::seconds period() const { return period_; }
  bool empty() const { return buckets_.empty(); }

  std::string Encode() const;
  // kCorrupt for bytes Encode would not write; kInvalidArgument for another period or bucket.
  core::Status DecodeAndMerge(std::string_view bytes);

 private:
  using Matrices = std::array<std::array<ConfusionMatrix, kLivePredictors>, kLiveHorizons>;
  void Prune();

  std::chrono::seconds period_, bucket_;
  std::map<int64_t, Matrices> buckets_;  // bucket index (forecast time / bucket) -> counts
};

}  // namespace traffic::model
