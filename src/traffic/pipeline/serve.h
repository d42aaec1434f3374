// `traffic serve` and `traffic demo` (issue 13): one HTTP server (dashboard files, JSON API, SSE
// push, Prometheus metrics) over one in-memory dashboard::WindowStore, fed either from Kafka
// (`traffic-predictions` + `traffic-dead-letter`, read_committed) or in process by the embedded
// stream inside `traffic demo`.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "traffic/core/status.h"
#include "traffic/dashboard/store.h"
#include "traffic/fs/file_system.h"
#include "traffic/generate/generator.h"
#include "traffic/http/server.h"
#include "traffic/kafka/client.h"
#include "traffic/pipeline/embedded_stream.h"

namespace traffic::pipeline {

struct ServeOptions {
  http::ServerOptions http;          // host (127.0.0.1), port (3000), cors, limits
  std::string web_dir = "web/dist";  // the built dashboard
  std::string geo_dir;               // zone names per cell; "" = ResolveGeoDir default
  std::string models_dir = "./data/models";
  std::shared_ptr<fs::FileSystem> models_fs;  // where models_dir is (HDFS with --hdfs); null: the local disk
  std::string model_version = "latest";       // the card for /api/model and the profile for typical speeds
  dashboard::StoreOptions store;
  double duration_s = 0;                           // 0: until *stop
  std::chrono::milliseconds stats_interval{5000};  // the `event: stats` SSE period
  double stale_after_s = 120;

  // Kafka source (traffic serve).
  kafka::ClientConfig client;
  std::string topic = "traffic-predictions";
  std::string dead_letter_topic = "traffic-dead-letter";
  std::string group;  // "" = traffic-serve-<pid>: this server's own group, so it reads every partition
  // On (re)start each partition is read from the first message published within this wall-clock
  // look-back (Kafka message timestamps), so a restart refills the map.
  std::chrono::seconds lookback{24 * 3600};
  // The live scores: the newest partition states of the stream group `stream_group` in this
  // topic ("": none shown), read from its last `state_messages` messages on (re)start.
  std::string state_topic = "traffic-stream-state";
  std::string stream_group = "traffic-stream";
  int64_t state_messages = 1000;
  std::chrono::seconds score_period = std::chrono::hours(6);  // the stream's
  std::chrono::milliseconds reconnect_interval{3000};
};

struct ServeSummary {
  std::string url;
  int64_t windows = 0;
  int64_t dead_letters = 0;
  int64_t sse_clients_total = 0;
  int64_t sse_dropped = 0;
  double seconds = 0;
};

// Called once the server listens, with its URL (the CLI prints it).
using ReadyCallback = std::function<void(const std::string& url)>;
// Progress lines for the user (stderr in the CLI).
using ProgressCallback = std::function<void(const std::string& line)>;

// Serves the store fed from Kafka until *stop or duration_s. A broker that is down or goes away is
// retried every reconnect_interval; meanwhile /api/health says "down" with the error and the API
// serves what it has. Fails only when the server cannot listen.
core::Result<ServeSummary> RunServe(const ServeOptions& options, const ReadyCallback& on_ready,
                                    const ProgressCallback& on_progress, const std::atomic<bool>* stop);

struct DemoOptions {
  DemoOptions() {
    embedded.produce.speedup = 60;
    live.start = core::LocalDateTime{2016, 1, 25, 0, 0, 0};  // the day after scripts/demo.sh's training weeks
    live.days = 30;
    live.trips_per_day = 30000;  // as the training data
    live.seed = 7;
  }
  ServeOptions serve;
  std::string data_dir = "./data";
  // Live trips: the generator from `live_start` (New York local) on, paced at `speedup` x event
  // time, through the same operators as `traffic stream` (StreamProcessor).
  generate::GeneratorOptions live;
  int skip_hours = 7;        // start the live trips at 07:00 local (rush hour soon), not at midnight
  EmbeddedOptions embedded;  // speedup 60 by default (set by the CLI)
  bool archive = true;       // Parquet under data/streaming
};

struct DemoSummary {
  ServeSummary serve;
  int64_t events = 0;
  int64_t windows = 0;
  int64_t archive_rows = 0;
  std::string model_version;
};

// The demo: loads the model (forecasts off, said so, when there is none), then streams live
// generated trips in process into the server until *stop or duration.
core::Result<DemoSummary> RunDemo(const DemoOptions& options, const ReadyCallback& on_ready,
                                  const ProgressCallback& on_progress, const std::atomic<bool>* stop);

// The zone and borough containing each cell (its centre, else one of four inner points), from
// taxi_zones_5dp.geojson (or taxi_zones.geojson) in `geo_dir`, indexed like geo::Grid::Index.
core::Result<std::vector<dashboard::CellPlace>> LoadCellPlaces(const std::string& geo_dir, const geo::GridSpec& grid);

// The placeholder page served when web/dist is missing.
std::string DashboardPlaceholderHtml(const std::string& web_dir);

}  // namespace traffic::pipeline
