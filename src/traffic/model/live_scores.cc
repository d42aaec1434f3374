#include "traffic/model/live_scores.h"

#include <cassert>

#include "traffic/core/coding.h"

namespace traffic::model {
namespace {

constexpr std::string_view kMagic = "TRLS";
constexpr uint32_t kVersion = 1;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

LiveScores::LiveScores(std::chrono::seconds period, std::chrono::seconds bucket) : period_(period), bucket_(bucket) {
  assert(period.count() > 0 && bucket.count() > 0 && period.count() % bucket.count() == 0);
}

void LiveScores::Add(core::UtcTime forecast_time, int horizon, int actual,
                     const std::array<int, kLivePredictors>& forecast) {
  if (horizon < 0 || horizon >= kLiveHorizons || actual < 0 || actual >= kNumClasses) return;
  const int64_t index = FloorDiv(core::ToEpochSeconds(forecast_time), bucket_.count());
  Matrices& m = buckets_[index];
  for (size_t p = 0; p < kLivePredictors; ++p) {
    if (forecast[p] < 0 || forecast[p] >= kNumClasses) continue;
    ++m[static_cast<size_t>(horizon)][p][static_cast<size_t>(actual)][static_cast<size_t>(forecast[p])];
  }
  Prune();
}

void LiveScores::Prune() {
  if (buckets_.empty()) return;
  const int64_t keep_from = buckets_.rbegin()->first - period_.count() / bucket_.count() + 1;
  buckets_.erase(buckets_.begin(), buckets_.lower_bound(keep_from));
}

void LiveScores::Merge(const LiveScores& other) {
  for (const auto& [index, m] : other.buckets_) {
    Matrices& mine = buckets_[index];
    for (size_t h = 0; h < kLiveHorizons; ++h)
      for (size_t p = 0; p < kLivePredictors; ++p)
        for (size_t a = 0; a < kNumClasses; ++a)
          for (size_t f = 0; f < kNumClasses; ++f) mine[h][p][a][f] += m[h][p][a][f];
  }
  Prune();
}

std::array<HorizonLiveScores, kLiveHorizons> LiveScores::Current() const {
  std::array<HorizonLiveScores, kLiveHorizons> out;
  for (size_t h = 0; h < kLiveHorizons; ++h) {
    for (size_t p = 0; p < kLivePredictors; ++p) {
      ConfusionMatrix sum{};
      for (const auto& [index, m] : buckets_)
        for (size_t a = 0; a < kNumClasses; ++a)
          for (size_t f = 0; f < kNumClasses; ++f) sum[a][f] += m[h][p][a][f];
      out[h].by_predictor[p] = {Total(sum), Accuracy(sum), MacroF1(sum)};
    }
  }
  return out;
}

std::string LiveScores::Encode() const {
  std::string out;
  core::BeginFrame(&out, kMagic, kVersion);
  core::PutVarint64(&out, static_cast<uint64_t>(period_.count()));
  core::PutVarint64(&out, static_cast<uint64_t>(bucket_.count()));
  core::PutVarint64(&out, buckets_.size());
  for (const auto& [index, m] : buckets_) {
    core::PutVarintSigned64(&out, index);
    for (size_t h = 0; h < kLiveHorizons; ++h)
      for (size_t p = 0; p < kLivePredictors; ++p)
        for (size_t a = 0; a < kNumClasses; ++a)
          for (size_t f = 0; f < kNumClasses; ++f) core::PutVarint64(&out, static_cast<uint64_t>(m[h][p][a][f]));
  }
  core::SealFrame(&out);
  return out;
}

core::Status LiveScores::DecodeAndMerge(std::string_view bytes) {
  std::string_view payload;
  TRAFFIC_RETURN_IF_ERROR(core::OpenFrame(bytes, kMagic, kVersion, "live scores", &payload));
  core::ByteReader r(payload);
  auto corrupt = [](const char* what) { return core::Status::Corrupt(std::string("live scores: ") + what); };
  uint64_t period = 0, bucket = 0, n = 0;
  if (!r.GetVarint64(&period) || !r.GetVarint64(&bucket)) return corrupt("truncated header");
  if (period != static_cast<uint64_t>(period_.count()) || bucket != static_cast<uint64_t>(bucket_.count())) {
    return core::Status::InvalidArgument("live scores were kept over " + std::to_string(period) + " s in buckets of " +
                                         std::to_string(bucket) + " s, this stream keeps " +
                                         std::to_string(period_.count()) + " s in " + std::to_string(bucket_.count()));
  }
  const uint64_t max_buckets = period / bucket;
  if (!r.GetVarint64AtMost(max_buckets, &n)) return corrupt("bad bucket count");
  LiveScores decoded(period_, bucket_);
  for (uint64_t i = 0; i < n; ++i) {
    int64_t index = 0;
    if (!r.GetVarintSigned64(&index)) return corrupt("truncated bucket");
    Matrices& m = decoded.buckets_[index];
    for (size_t h = 0; h < kLiveHorizons; ++h)
      for (size_t p = 0; p < kLivePredictors; ++p)
        for (size_t a = 0; a < kNumClasses; ++a)
          for (size_t f = 0; f < kNumClasses; ++f) {
            uint64_t count = 0;
            if (!r.GetVarint64AtMost(uint64_t{1} << 48, &count)) return corrupt("bad count");
            m[h][p][a][f] = static_cast<int64_t>(count);
          }
  }
  if (decoded.buckets_.size() != n) return corrupt("a bucket appears twice");
  if (!r.empty()) return corrupt("trailing bytes");
  Merge(decoded);
  return core::Status::Ok();
}

}  // namespace traffic::model
