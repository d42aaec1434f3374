// The stream's hot path on one core: taxi-trips messages -> decode -> window -> features (and
// with a model, forecast). Messages are generated and encoded up front, outside the timing.
//   build/release/bench/traffic_stream_bench [--benchmark_filter=...]
// Env TRAFFIC_BENCH_MODELS=DIR/models adds the forecast (the model of DIR/models/latest).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>

#include "traffic/codec/message_key.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/pipeline/stream_processor.h"
#include "traffic/pipeline/trip_source.h"

namespace {

using namespace traffic;

struct Messages {
  std::vector<std::string> keys, values;
};

// `trips_per_day` sets how many events share a (cell, minute) window: a real feed at 2 M
// events/s would be far denser than NYC's taxis, so both a sparse and a dense feed are measured.
const Messages& MakeMessages(int64_t trips_per_day) {
  static std::map<int64_t, Messages> cache;
  auto it = cache.find(trips_per_day);
  if (it != cache.end()) return it->second;
  auto local = fs::MakeLocalFileSystem();
  auto reference =
      pipeline::LoadReferenceData(*local, std::string(TRAFFIC_SHARED_DIR) + "/data/geo", pipeline::Needs::kAlsoLand);
  generate::GeneratorOptions g;
  g.days = 60;
  g.trips_per_day = trips_per_day;
  auto source = pipeline::MakeSyntheticSource(g, *reference);
  Messages m;
  pipeline::StoredTrip trip;
  for (int i = 0; i < 1'000'000 && *source->Next(&trip); ++i) {
    std::string key, value;
    codec::AppendCellKey(trip.cell, &key);
    codec::AppendTripMessage(trip.trip, trip.cell, trip.is_manhattan, &value);
    m.keys.push_back(std::move(key));
    m.values.push_back(std::move(value));
  }
  return cache[trips_per_day] = std::move(m);
}

void RunStream(benchmark::State& state, bool with_model) {
  const Messages& m = MakeMessages(state.range(0));
  std::unique_ptr<pipeline::Forecaster> forecaster;
  if (with_model) {
    const char* dir = std::getenv("TRAFFIC_BENCH_MODELS");
    if (dir == nullptr) {
      state.SkipWithError("set TRAFFIC_BENCH_MODELS to a models/ folder");
      return;
    }
    auto fs = fs::MakeLocalFileSystem();
    auto loaded = pipeline::Forecaster::Load(*fs, dir);
    if (!loaded.ok()) {
      state.SkipWithError(loaded.status().message().c_str());
      return;
    }
    forecaster = std::move(*loaded);
  }
  int64_t windows = 0;
  for (auto _ : state) {
    pipeline::StreamProcessor processor(pipeline::StreamOptions{}, forecaster.get());
    std::vector<codec::DeadLetterRecord> dead;
    std::vector<codec::PredictionRecord> records;
    for (size_t i = 0; i < m.values.size(); ++i) {
      processor.Process({0, static_cast<int64_t>(i), m.keys[i], m.values[i]}, &dead);
      if ((i & 4095) == 4095) {
        (void)processor.Drain(&records);
        windows += static_cast<int64_t>(records.size());
        records.clear();
      }
    }
    (void)processor.Finish(&records);
    windows += static_cast<int64_t>(records.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(m.values.size()));
  state.counters["windows_per_event"] =
      static_cast<double>(windows) / static_cast<double>(state.iterations() * m.values.size());
}

void BM_StreamNoModel(benchmark::State& state) { RunStream(state, false); }
void BM_StreamWithModel(benchmark::State& state) { RunStream(state, true); }
BENCHMARK(BM_StreamNoModel)->Arg(400000)->Arg(20000000)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_StreamWithModel)->Arg(400000)->Arg(20000000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
