// traffic demo: generated trips streamed live (in process, the same operators as traffic stream)
// into the dashboard server at http://127.0.0.1:3000. Binds options, calls RunDemo, prints.
#include <fmt/format.h>

#include "commands.h"
#include "serve_shared.h"
#include "shared.h"
#include "traffic/core/json_writer.h"
#include "traffic/pipeline/serve.h"

namespace traffic::cli {

Command AddDemoCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("demo",
                               "Live demo: generated trips -> in-process stream -> dashboard at http://127.0.0.1:3000");
  AddSharedOptions(c, &shared, /*offers_hdfs=*/false);
  auto o = std::make_shared<pipeline::DemoOptions>();
  AddServeHttpOptions(c, &o->serve);
  c->add_option("--speedup", o->embedded.produce.speedup, "event time runs this many times faster than wall time")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_option("--trips-per-day", o->live.trips_per_day, "generated trips per day (match the model's training data)")
      ->capture_default_str();
  c->add_option("--seed", o->live.seed, "seed of the live trips")->capture_default_str();
  auto start = std::make_shared<std::string>("2016-01-25");
  c->add_option("--start", *start, "first live day, New York local (after the training days)")->capture_default_str();
  c->add_option("--skip-hours", o->skip_hours, "start the live trips this many hours after local midnight")
      ->capture_default_str()
      ->check(CLI::Range(0, 23));
  c->add_flag("!--no-archive", o->archive, "do not write the Parquet archive under DIR/streaming");
  return {c, [&shared, o, start]() -> int {
            InitLogging(shared);
            InstallStopSignals();
            auto day = core::ParseLocalDateTime(*start + " 00:00:00");
            if (!day) {
              std::fprintf(stderr, "traffic demo: error: --start '%s' is not a date YYYY-MM-DD\n", start->c_str());
              return kExitUsage;
            }
            o->live.start = *day;
            o->data_dir = shared.data_dir;
            o->serve.models_dir = shared.Layout().Models();
            o->serve.geo_dir = shared.geo_dir;
            auto s = pipeline::RunDemo(
                *o,
                [](const std::string& url) {
                  fmt::print("Smart City Traffic demo: open {}\n", url);
                  std::fflush(stdout);
                },
                [](const std::string& line) { fmt::print(stderr, "traffic demo: {}\n", line); }, StopFlag());
            if (!s.ok()) return Fail(shared, s.status(), "demo");
            if (shared.json) {
              core::JsonWriter j;
              j.BeginObject().Key("step").String("demo").Key("url").String(s->serve.url).Key("events").Int(s->events);
              j.Key("windows").Int(s->windows).Key("archive_rows").Int(s->archive_rows);
              j.Key("model").String(s->model_version).Key("sse_clients_total").Int(s->serve.sse_clients_total);
              j.Key("seconds").Double(s->serve.seconds).EndObject();
              fmt::print("{}\n", j.str());
            } else {
              fmt::print(stderr, "demo: {} events, {} window results, {} archived rows in {:.1f} s\n", s->events,
                         s->windows, s->archive_rows, s->serve.seconds);
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
