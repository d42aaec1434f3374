// traffic serve: the dashboard, its JSON API, live push (SSE) and metrics on one port, fed from
// Kafka traffic-predictions (pipeline/serve.h). Binds options, calls RunServe, prints.
#include <fmt/format.h>

#include "commands.h"
#include "serve_shared.h"
#include "shared.h"
#include "traffic/core/json_writer.h"
#include "traffic/kafka/client.h"
#include "traffic/pipeline/serve.h"

namespace traffic::cli {

void AddServeHttpOptions(CLI::App* c, pipeline::ServeOptions* o) {
  c->add_option("--host", o->http.host, "address to bind (127.0.0.1: this machine only; 0.0.0.0: every interface)")
      ->capture_default_str();
  c->add_option("--port", o->http.port, "HTTP port (dashboard, API, SSE, metrics)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  c->add_option("--cors", o->http.cors_origin,
                "allow this one browser origin (e.g. http://localhost:5173); default: CORS off");
  c->add_option("--web-dir", o->web_dir, "the built dashboard (npm run build in web/)")->capture_default_str();
  c->add_option("--model", o->model_version,
                "model version under DIR/models for /api/model and typical speeds (\"none\": off)")
      ->capture_default_str();
  c->add_option("--max-sse-clients", o->http.max_sse_clients, "live clients at once")->capture_default_str();
  c->add_option("--sse-queue-events", o->http.sse_queue_events,
                "a live client further behind than this many events is dropped")
      ->capture_default_str();
  c->add_option("--duration", o->duration_s, "stop after this many seconds (0: until SIGINT/SIGTERM)")
      ->capture_default_str();
  auto* retention = c->add_option_function<double>(
      "--retention-hours", [o](double h) { o->store.retention = std::chrono::seconds(static_cast<int64_t>(h * 3600)); },
      "keep this many hours of event time per cell");
  retention->default_str("24");
}

void PrintServeSummary(const SharedOptions& shared, const char* step, const pipeline::ServeSummary& s) {
  if (shared.json) {
    core::JsonWriter j;
    j.BeginObject().Key("step").String(step).Key("url").String(s.url).Key("windows").Int(s.windows);
    j.Key("dead_letters").Int(s.dead_letters).Key("sse_clients_total").Int(s.sse_clients_total);
    j.Key("sse_dropped").Int(s.sse_dropped).Key("seconds").Double(s.seconds).EndObject();
    fmt::print("{}\n", j.str());
  } else {
    fmt::print(stderr, "{}: {} window results in {:.1f} s, {} live clients ({} dropped as too slow)\n", step, s.windows,
               s.seconds, s.sse_clients_total, s.sse_dropped);
  }
}

Command AddServeCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand(
      "serve", "Serve the live congestion map, its API and metrics, fed from Kafka traffic-predictions");
  AddSharedOptions(c, &shared);
  auto o = std::make_shared<pipeline::ServeOptions>();
  AddServeHttpOptions(c, o.get());
  auto properties = std::make_shared<std::vector<std::string>>();
  c->add_option("-X", *properties, "librdkafka property key=value (repeatable)");
  c->add_option("--topic", o->topic, "window results to follow")->capture_default_str();
  c->add_option("--dead-letter-topic", o->dead_letter_topic, "dead letters to show (\"\": none)")
      ->capture_default_str();
  c->add_option("--group", o->group, "consumer group (default traffic-serve-<pid>: this server reads every partition)");
  c->add_option("--state-topic", o->state_topic,
                "the stream's state topic, for the live forecast scores and who publishes (\"\": none)")
      ->capture_default_str();
  c->add_option("--stream-group", o->stream_group, "the stream's consumer group whose live scores to show")
      ->capture_default_str();
  c->add_option_function<double>(
       "--lookback-hours", [o](double h) { o->lookback = std::chrono::seconds(static_cast<int64_t>(h * 3600)); },
       "on start, read what was published in the last this many hours (refills the map)")
      ->default_str("24");
  return {c, [&shared, o, properties]() -> int {
            InitLogging(shared);
            InstallStopSignals();
            o->client.brokers = shared.Brokers();
            auto props = kafka::ParseProperties(*properties);
            if (!props.ok()) return Fail(shared, props.status(), "serve");
            o->client.properties = *props;
            o->models_dir = shared.Layout().Models();
            if (shared.hdfs) {  // the model card and profile from the layout on HDFS
              auto hdfs = LayoutFileSystem(shared);
              if (!hdfs.ok()) return Fail(shared, hdfs.status(), "serve");
              o->models_fs = std::move(*hdfs);
            }
            o->geo_dir = shared.geo_dir;
            auto s = pipeline::RunServe(
                *o,
                [](const std::string& url) {
                  fmt::print("Smart City Traffic: serving {}\n", url);
                  std::fflush(stdout);
                },
                [](const std::string& line) { fmt::print(stderr, "traffic serve: {}\n", line); }, StopFlag());
            if (!s.ok()) return Fail(shared, s.status(), "serve");
            PrintServeSummary(shared, "serve", *s);
            return kExitOk;
          }};
}

}  // namespace traffic::cli
