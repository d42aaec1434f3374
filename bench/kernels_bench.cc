// Kernel benchmarks for the clean hot path: parse one TLC row, convert a New York time, check
// the rules. Run: build/release/bench/traffic_kernels_bench
#include <benchmark/benchmark.h>

#include "traffic/clean/rules.h"
#include "traffic/csv/trip_parser.h"

namespace {

using namespace traffic;

constexpr std::string_view kHeader =
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
    "pickup_longitude,pickup_latitude,RateCodeID,store_and_fwd_flag,dropoff_longitude,"
    "dropoff_latitude,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,"
    "improvement_surcharge,total_amount";
constexpr std::string_view kRow =
    "2,2015-01-15 19:05:39,2015-01-15 19:23:42,1,1.59,-73.993896484375,40.750110626220703,1,N,"
    "-73.974784851074219,40.750617980957031,1,12,1,0.5,3.25,0,0.3,17.05";

void BM_ParseYellowRow(benchmark::State& state) {
  csv::TripRowParser parser(*csv::DetectLayout(kHeader), nullptr);
  trip::Trip t;
  for (auto _ : state) {
    auto reject = parser.Parse(kRow, &t);
    benchmark::DoNotOptimize(reject);
    benchmark::DoNotOptimize(t);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kRow.size() + 1));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseYellowRow);

void BM_NewYorkToUtc(benchmark::State& state) {
  core::LocalDateTime local{2016, 3, 13, 8, 30, 0};
  for (auto _ : state) {
    local.second = (local.second + 1) % 60;
    benchmark::DoNotOptimize(core::NewYorkToUtc(local));
  }
}
BENCHMARK(BM_NewYorkToUtc);

void BM_CheckTrip(benchmark::State& state) {
  csv::TripRowParser parser(*csv::DetectLayout(kHeader), nullptr);
  trip::Trip t;
  (void)parser.Parse(kRow, &t);
  clean::CleaningRules rules;
  for (auto _ : state) benchmark::DoNotOptimize(clean::CheckTrip(t, rules));
}
BENCHMARK(BM_CheckTrip);

}  // namespace

BENCHMARK_MAIN();
