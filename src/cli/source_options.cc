#include "stream_shared.h"
#include "traffic/pipeline/reference_data.h"

namespace traffic::cli {

void AddSourceOptions(CLI::App* c, SourceArgs* a) {
  c->add_flag("--synthetic", a->synthetic, "generated trips (as `traffic generate`), endless by default");
  c->add_option("--input", a->inputs, "replay trips from CSV files/folders or a processed/ folder, in event-time order");
  c->add_option("--rate", a->rate, "events per second (0: as fast as possible)")->capture_default_str();
  c->add_option("--speedup", a->speedup, "with --input: keep the trips' own spacing, X times faster (instead of --rate)");
  c->add_option("--max-events", a->max_events, "stop after this many events (0: no limit)")->capture_default_str();
  c->add_option("--seed", a->seed, "--synthetic: random seed")->capture_default_str();
  c->add_option("--start", a->start, "--synthetic: first day, YYYY-MM-DD (New York)")->capture_default_str();
  c->add_option("--days", a->days, "--synthetic: days of trips")->capture_default_str();
  c->add_option("--trips-per-day", a->trips_per_day, "--synthetic: trips per day")->capture_default_str();
}

core::Result<std::unique_ptr<pipeline::TripSource>> MakeSource(const SharedOptions& shared, const SourceArgs& a) {
  if (a.synthetic == !a.inputs.empty()) {
    return core::Status::InvalidArgument("choose one source: --synthetic or --input FILES|DIR");
  }
  auto local = fs::MakeLocalFileSystem();
  TRAFFIC_ASSIGN_OR_RETURN(auto reference,
                           pipeline::LoadReferenceData(*local, pipeline::ResolveGeoDir(shared.geo_dir),
                                                       a.synthetic ? pipeline::Needs::kAlsoLand
                                                                   : pipeline::Needs::kZonesAndManhattan));
  if (a.synthetic) {
    auto start = core::ParseLocalDateTime(a.start + " 00:00:00");
    if (!start) return core::Status::InvalidArgument("--start '" + a.start + "' is not a date YYYY-MM-DD");
    generate::GeneratorOptions g;
    g.seed = a.seed;
    g.start = *start;
    g.days = a.days;
    g.trips_per_day = a.trips_per_day;
    return pipeline::MakeSyntheticSource(g, reference);
  }
  return pipeline::MakeFileSource(fs::MakeLocalFileSystem(), a.inputs, reference);
}

}  // namespace traffic::cli
