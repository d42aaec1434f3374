// Codec benchmarks: `taxi-trips` messages encoded and decoded per second on one core, the first
// step of the stream's parse -> window -> forecast budget (2 million events/s per core).
// Run: build/release/bench/traffic_codec_bench
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "traffic/codec/prediction_message.h"
#include "traffic/codec/trip_message.h"

namespace {

using namespace traffic;

// 1024 distinct realistic trips (full-precision coordinates as in the 2009-2015 files), so that
// branch predictors do not learn one message.
std::vector<trip::Trip> Trips() {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> lat(40.70, 40.80), lon(-74.01, -73.93), dist(0.3, 12.0);
  std::uniform_int_distribution<int64_t> start(1420070400, 1451606399), dur(120, 3600);
  std::vector<trip::Trip> trips(1024);
  for (trip::Trip& t : trips) {
    t.pickup_time = core::FromEpochSeconds(start(rng));
    t.dropoff_time = t.pickup_time + std::chrono::seconds(dur(rng));
    t.pickup_lat = lat(rng);
    t.pickup_lon = lon(rng);
    t.dropoff_lat = lat(rng);
    t.dropoff_lon = lon(rng);
    t.distance_mi = std::round(dist(rng) * 100) / 100;
    t.passenger_count = static_cast<int16_t>(1 + rng() % 4);
    t.event_id = rng();
  }
  return trips;
}

std::vector<std::string> Messages() {
  geo::Grid grid;
  std::vector<std::string> out;
  for (const trip::Trip& t : Trips()) {
    std::string s;
    codec::AppendTripMessage(t, *grid.Locate(t.pickup_lat, t.pickup_lon), true, &s);
    out.push_back(std::move(s));
  }
  return out;
}

void BM_EncodeTrip(benchmark::State& state) {
  std::vector<trip::Trip> trips = Trips();
  geo::Grid grid;
  std::vector<geo::CellId> cells;
  for (const trip::Trip& t : trips) cells.push_back(*grid.Locate(t.pickup_lat, t.pickup_lon));
  std::string out;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    out.clear();
    codec::AppendTripMessage(trips[i], cells[i], true, &out);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) & 1023;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeTrip);

void BM_DecodeTrip(benchmark::State& state) {
  std::vector<std::string> messages = Messages();
  codec::TripDecoder decoder;
  codec::TripMessage m;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    codec::DecodeStatus st = decoder.Decode(messages[i], &m);
    if (!st.ok()) state.SkipWithError(st.reason().c_str());
    benchmark::DoNotOptimize(m);
    bytes += messages[i].size();
    i = (i + 1) & 1023;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeTrip);

// Decode plus what the stream does next: the window::Event.
void BM_DecodeTripToEvent(benchmark::State& state) {
  std::vector<std::string> messages = Messages();
  codec::TripDecoder decoder;
  codec::TripMessage m;
  size_t i = 0;
  for (auto _ : state) {
    if (!decoder.Decode(messages[i], &m).ok()) state.SkipWithError("decode failed");
    window::Event e = m.ToEvent();
    benchmark::DoNotOptimize(e);
    i = (i + 1) & 1023;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeTripToEvent);

// A malformed message (the dead-letter path): cost of building the reason.
void BM_DecodeTripRejected(benchmark::State& state) {
  std::string bad = Messages()[0];
  bad.replace(bad.find("\"pickup_lat\":") + 13, 2, "\"x");
  codec::TripDecoder decoder;
  codec::TripMessage m;
  for (auto _ : state) {
    codec::DecodeStatus st = decoder.Decode(bad, &m);
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeTripRejected);

void BM_EncodePrediction(benchmark::State& state) {
  codec::PredictionRecord r;
  r.window_start = core::FromEpochSeconds(1452816180);
  r.window_end = r.window_start + std::chrono::seconds(60);
  r.cell = {28, 27};
  r.centre_lat = 40.7624;
  r.centre_lon = -73.9841;
  r.trip_count = 4;
  r.avg_speed_mph = 8.25;
  r.congestion_level = window::CongestionLevel::kHigh;
  r.model_version = "20160115-ab12";
  r.forecasts = {codec::HorizonForecast{window::CongestionLevel::kHigh, 0.71},
                 codec::HorizonForecast{window::CongestionLevel::kMedium, 0.52},
                 codec::HorizonForecast{window::CongestionLevel::kMedium, 0.48}};
  std::string out;
  for (auto _ : state) {
    out.clear();
    codec::AppendPredictionMessage(r, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodePrediction);

}  // namespace

BENCHMARK_MAIN();
