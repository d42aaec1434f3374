#include "traffic/pipeline/serve.h"

#include "traffic/pipeline/dashboard_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "traffic/codec/dead_letter.h"
#include "traffic/codec/prediction_message.h"
#include "traffic/core/text.h"
#include "traffic/dashboard/api.h"
#include "traffic/fs/file_system.h"
#include "traffic/geo/polygon.h"
#include "traffic/kafka/consumer.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/pipeline/prediction_archive.h"
#include "traffic/pipeline/reference_data.h"
#include "traffic/pipeline/stream_processor.h"
#include "traffic/pipeline/stream_state.h"
#include "traffic/pipeline/trip_source.h"

namespace traffic::pipeline {

namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string KindName(codec::DeadLetterKind kind) {
  switch (kind) {
    case codec::DeadLetterKind::kMalformed:
      return "malformed";
    case codec::DeadLetterKind::kInvalid:
      return "invalid";
    case codec::DeadLetterKind::kLate:
      return "late";
  }
  return "invalid";
}

// The model card and profile for /api/model and typical speeds; absent model: nothing.
struct LoadedModel {
  std::unique_ptr<Forecaster> forecaster;
  std::string version;
  std::string card;
  std::vector<std::string> verdict;
};

LoadedModel LoadModel(const ServeOptions& options, const ProgressCallback& progress) {
  LoadedModel m;
  const std::string& version = options.model_version;
  if (version == "none") return m;
  std::shared_ptr<fs::FileSystem> fs = options.models_fs;
  if (fs == nullptr) fs = fs::MakeLocalFileSystem();
  auto forecaster = Forecaster::Load(*fs, options.models_dir, version);
  if (!forecaster.ok()) {
    if (progress) progress("no model (" + forecaster.status().message() + "): forecasts and /api/model are off");
    return m;
  }
  m.forecaster = std::move(*forecaster);
  m.version = m.forecaster->version();
  std::string dir = fs::JoinPath(options.models_dir, m.version);
  if (auto card = fs->ReadAll(fs::JoinPath(dir, "card.json")); card.ok()) m.card = std::string(core::Trim(*card));
  if (auto report = fs->ReadAll(fs::JoinPath(dir, "report.txt")); report.ok()) {
    // The report's verdict lines (train_step.h FormatVerdicts) and its promotion line.
    size_t start = 0;
    while (start < report->size()) {
      size_t nl = report->find('\n', start);
      std::string line(core::Trim(
          std::string_view(*report).substr(start, nl == std::string::npos ? std::string::npos : nl - start)));
      if (line.find(" min: beats persistence") != std::string::npos ||
          line.find(" min: LOSES to persistence") != std::string::npos || line.starts_with("Promoted to") ||
          line.starts_with("NOT promoted")) {
        m.verdict.push_back(line);
      }
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  return m;
}

bool Stopping(const std::atomic<bool>* stop, std::chrono::steady_clock::time_point started, double duration_s) {
  if (stop && stop->load()) return true;
  return duration_s > 0 &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= duration_s;
}

core::Result<std::unique_ptr<DashboardServer>> StartServer(const ServeOptions& options,
                                                           const ProgressCallback& progress) {
  std::string geo_dir = ResolveGeoDir(options.geo_dir);
  auto places = LoadCellPlaces(geo_dir, options.store.grid);
  if (!places.ok()) {
    if (progress) progress("zone names off: " + places.status().message());
    places = std::vector<dashboard::CellPlace>{};
  }
  auto server = std::make_unique<DashboardServer>(options, std::move(*places));
  TRAFFIC_RETURN_IF_ERROR(server->Start());
  return server;
}

// ---- the Kafka source ----

// The live scores as the dashboard shows them (none without a model).
std::vector<dashboard::LiveScoreRow> LiveRows(const LiveScoreReport& live) {
  std::vector<dashboard::LiveScoreRow> rows;
  for (size_t h = 0; live.forecasting && h < live.scores.size(); ++h) {
    const auto& sc = live.scores[h];
    rows.push_back({features::kHorizonsMin[h], live.SourceName(h), sc.model().count, sc.model().macro_f1,
                    sc.persistence().macro_f1, sc.profile().macro_f1, sc.model().accuracy, sc.persistence().accuracy,
                    sc.profile().accuracy});
  }
  return rows;
}

class KafkaFollower {
 public:
  KafkaFollower(const ServeOptions& o, DashboardServer* server) : o_(o), server_(server) {
    group_ = o.group.empty() ? "traffic-serve-" + std::to_string(::getpid()) : o.group;
    status_.mode = "kafka";
    status_.brokers = o.client.brokers;
    status_.topic = o.topic;
  }

  void Run(const std::atomic<bool>* stop, std::chrono::steady_clock::time_point started, double duration_s,
           const ProgressCallback& progress) {
    while (!Stopping(stop, started, duration_s)) {
      auto st = Follow(stop, started, duration_s, progress);
      if (Stopping(stop, started, duration_s)) break;
      status_.connected = false;
      status_.error = st.ok() ? "disconnected" : st.message();
      server_->SetSource(status_);
      if (progress)
        progress("kafka: " + status_.error + "; retrying in " + std::to_string(o_.reconnect_interval.count() / 1000) +
                 " s");
      auto until = std::chrono::steady_clock::now() + o_.reconnect_interval;
      while (std::chrono::steady_clock::now() < until && !Stopping(stop, started, duration_s)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }

 private:
  core::Status Follow(const std::atomic<bool>* stop, std::chrono::steady_clock::time_point started, double duration_s,
                      const ProgressCallback& progress) {
    kafka::ClientConfig config = o_.client;
    config.connect_timeout =
        std::min<std::chrono::milliseconds>(config.connect_timeout, std::chrono::milliseconds(5000));
    kafka::ConsumerOptions copts;
    copts.isolation = kafka::IsolationLevel::kReadCommitted;
    copts.auto_offset_reset = "earliest";
    TRAFFIC_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Open(config, group_, copts));
    std::vector<std::string> topics = {o_.topic};
    bool dead_letters = !o_.dead_letter_topic.empty();
    if (dead_letters) topics.push_back(o_.dead_letter_topic);
    if (!o_.state_topic.empty()) topics.push_back(o_.state_topic);
    const int64_t since_ms = WallMs() - std::chrono::duration_cast<std::chrono::milliseconds>(o_.lookback).count();
    kafka::Consumer* c = consumer.get();
    kafka::RebalanceCallbacks callbacks;
    callbacks.on_assign = [this, c, since_ms](std::vector<kafka::TopicPartition>& parts) {
      // Never the group's committed offsets (this server commits none): the look-back decides.
      auto offsets = c->OffsetsForTimes(parts, since_ms, std::chrono::milliseconds(5000));
      for (size_t i = 0; i < parts.size(); ++i) {
        parts[i].offset = offsets.ok() ? (*offsets)[i].offset : kafka::kOffsetBeginning;
        if (parts[i].topic == o_.state_topic) {
          // The newest state of each partition is among the last messages (a state per partition
          // each commit); before them there may be gigabytes of older ones.
          auto end = c->HighWatermark(parts[i].topic, parts[i].partition, std::chrono::milliseconds(5000));
          parts[i].offset = end.ok() ? std::max<int64_t>(0, *end - o_.state_messages) : kafka::kOffsetBeginning;
        }
      }
      assigned_ = parts;
    };
    auto sub = consumer->Subscribe(topics, callbacks);
    if (!sub.ok() && dead_letters && sub.code() == core::StatusCode::kNotFound &&
        sub.message().find(o_.dead_letter_topic) != std::string::npos &&
        sub.message().find(o_.topic + " ") == std::string::npos) {
      topics.pop_back();  // no dead-letter topic yet: follow the predictions alone
      sub = consumer->Subscribe(topics, callbacks);
    }
    if (!sub.ok() && !o_.state_topic.empty() && sub.code() == core::StatusCode::kNotFound &&
        sub.message().find(o_.state_topic) != std::string::npos) {
      std::erase(topics, o_.state_topic);  // no stream has run yet: no live scores to show
      sub = consumer->Subscribe(topics, callbacks);
    }
    TRAFFIC_RETURN_IF_ERROR(sub);
    status_.connected = true;
    status_.error.clear();
    server_->SetSource(status_);
    if (progress) progress("kafka: following " + o_.topic + " on " + o_.client.brokers + " (group " + group_ + ")");

    codec::PredictionDecoder predictions;
    codec::DeadLetterDecoder dead_decoder;
    std::vector<kafka::Message> messages;
    std::vector<codec::PredictionRecord> records;
    std::vector<double> delays;
    std::vector<dashboard::DeadLetterNote> notes;
    auto last_probe = std::chrono::steady_clock::now() - std::chrono::hours(1);
    int64_t bad_predictions = 0;
    while (!Stopping(stop, started, duration_s)) {
      auto st = consumer->Poll(std::chrono::milliseconds(200), 5000, &messages);
      records.clear();
      delays.clear();
      notes.clear();
      int64_t now_ms = WallMs();
      for (const auto& m : messages) {
        if (m.topic() == o_.state_topic) {
          AddState(m);
        } else if (m.topic() == o_.topic) {
          codec::PredictionRecord r;
          auto d = predictions.Decode(m.value(), &r);
          if (!d.ok()) {
            if (bad_predictions++ < 5)
              spdlog::warn("serve: {}[{}]@{}: {}", m.topic(), m.partition(), m.offset(), d.reason());
            continue;
          }
          delays.push_back(
              static_cast<double>(std::max<int64_t>(0, now_ms - m.timestamp().time_since_epoch().count())));
          status_.events += r.trip_count;
          status_.accepted += r.trip_count;
          records.push_back(std::move(r));
        } else {
          codec::DeadLetterRecord d;
          if (!dead_decoder.Decode(m.value(), &d).ok()) continue;
          ++status_.dead_letters;
          ++status_.events;
          if (d.kind == codec::DeadLetterKind::kLate) ++status_.late;
          if (d.kind == codec::DeadLetterKind::kMalformed) ++status_.malformed;
          if (d.kind == codec::DeadLetterKind::kInvalid) ++status_.invalid;
          notes.push_back(
              {KindName(d.kind), d.reason,
               d.event_time ? *d.event_time : std::chrono::time_point_cast<std::chrono::seconds>(m.timestamp())});
        }
      }
      if (!records.empty()) server_->Add(records, delays);
      if (!notes.empty()) server_->AddDeadLetters(notes);
      if (!st.ok()) return st;
      if (std::chrono::steady_clock::now() - last_probe >= std::chrono::seconds(2)) {
        last_probe = std::chrono::steady_clock::now();
        TRAFFIC_RETURN_IF_ERROR(Probe(*consumer));
        if (!live_.empty()) {
          std::vector<const PartitionLive*> all;
          for (const auto& [key, p] : live_) all.push_back(&p);
          status_.live_period_s = o_.score_period.count();
          status_.live_scores = LiveRows(MergeLive(all, o_.score_period, {}));
        }
        server_->SetSource(status_);
      }
    }
    (void)consumer->Close();
    return core::Status::Ok();
  }

  // A partition state of the stream group: its live scores and who publishes replace the
  // partition's previous ones (a tombstone removes them). Keys: StreamStateKey.
  void AddState(const kafka::Message& m) {
    std::string key(m.key());
    const size_t slash = key.rfind('/');
    if (slash == std::string::npos || key.substr(slash + 1) != o_.stream_group) return;
    if (m.value().empty()) {
      live_.erase(key);
      return;
    }
    auto live = DecodePartitionLive(DecodePositionedState(m.value()).processor_state, o_.score_period);
    if (!live.ok()) {
      if (bad_states_++ < 5) {
        spdlog::warn("serve: {}[{}]@{} ({}): {}", m.topic(), m.partition(), m.offset(), key, live.status().message());
      }
      return;
    }
    live_.insert_or_assign(key, std::move(*live));
  }

  // Broker reachable? And how far behind this server is, per predictions partition.
  core::Status Probe(kafka::Consumer& consumer) {
    std::vector<kafka::TopicPartition> mine;
    for (const auto& p : assigned_) {
      if (p.topic == o_.topic) mine.push_back({p.topic, p.partition, kafka::kOffsetInvalid});
    }
    if (mine.empty()) {
      auto hw = consumer.HighWatermark(o_.topic, 0, std::chrono::milliseconds(3000));
      if (!hw.ok()) return hw.status();
      return core::Status::Ok();
    }
    auto pos = consumer.Position(mine);
    std::vector<dashboard::PartitionLag> lag;
    for (size_t i = 0; i < mine.size(); ++i) {
      auto hw = consumer.HighWatermark(o_.topic, mine[i].partition, std::chrono::milliseconds(3000));
      if (!hw.ok()) return hw.status();
      int64_t at = pos.ok() ? (*pos)[i].offset : kafka::kOffsetInvalid;
      lag.push_back({mine[i].partition, at >= 0 ? std::max<int64_t>(0, *hw - at) : *hw});
    }
    std::sort(lag.begin(), lag.end(), [](auto& a, auto& b) { return a.partition < b.partition; });
    status_.consumer_lag = std::move(lag);
    status_.connected = true;
    status_.error.clear();
    return core::Status::Ok();
  }

  const ServeOptions& o_;
  DashboardServer* server_;
  std::string group_;
  dashboard::SourceStatus status_;
  std::vector<kafka::TopicPartition> assigned_;
  std::map<std::string, PartitionLive> live_;  // by state key
  int64_t bad_states_ = 0;
};

// Drops trips before `from` (the demo starts in the morning, not at midnight).
class SkipUntilSource : public TripSource {
 public:
  SkipUntilSource(std::unique_ptr<TripSource> inner, core::UtcTime from) : inner_(std::move(inner)), from_(from) {}
  core::Result<bool> Next(StoredTrip* out) override {
    while (true) {
      TRAFFIC_ASSIGN_OR_RETURN(bool more, inner_->Next(out));
      if (!more || out->trip.event_time() >= from_) return more;
    }
  }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  std::unique_ptr<TripSource> inner_;
  core::UtcTime from_;
};

}  // namespace

std::string DashboardPlaceholderHtml(const std::string& web_dir) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>Smart City Traffic</title></head>"
         "<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">"
         "<h1>Smart City Traffic</h1><p>The dashboard is not built: no <code>" +
         web_dir +
         "/index.html</code>.</p><p>Build it with <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code> "
         "and reload this page. The API works already: <a href=\"/api/health\">/api/health</a>, "
         "<a href=\"/api/cells\">/api/cells</a>, <a href=\"/api/stats\">/api/stats</a>, "
         "<a href=\"/api/openapi.json\">/api/openapi.json</a>, <a href=\"/metrics\">/metrics</a>.</p></body></html>";
}

core::Result<std::vector<dashboard::CellPlace>> LoadCellPlaces(const std::string& geo_dir, const geo::GridSpec& spec) {
  auto fs = fs::MakeLocalFileSystem();
  std::string path = fs::JoinPath(geo_dir, "taxi_zones_5dp.geojson");
  auto text = fs->ReadAll(path);
  if (!text.ok()) {
    path = fs::JoinPath(geo_dir, "taxi_zones.geojson");
    text = fs->ReadAll(path);
  }
  if (!text.ok()) return text.status().WithContext("zone names");
  auto zones = geo::ParseGeoJsonShapes(*text, "zone");
  if (!zones.ok()) return zones.status().WithContext(path);
  auto boroughs = geo::ParseGeoJsonShapes(*text, "borough");
  if (!boroughs.ok()) return boroughs.status().WithContext(path);
  if (zones->size() != boroughs->size()) return core::Status::Corrupt(path + ": zone and borough features differ");
  struct Box {
    double min_lat, min_lon, max_lat, max_lon;
  };
  std::vector<Box> boxes(zones->size());
  for (size_t i = 0; i < zones->size(); ++i) {
    (*zones)[i].shape.BoundingBox(&boxes[i].min_lat, &boxes[i].min_lon, &boxes[i].max_lat, &boxes[i].max_lon);
  }
  geo::Grid grid(spec);
  std::vector<dashboard::CellPlace> places(static_cast<size_t>(grid.cell_count()));
  const double probes[5][2] = {{0.5, 0.5}, {0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}};
  for (int idx = 0; idx < grid.cell_count(); ++idx) {
    geo::CellId cell = grid.FromIndex(idx);
    for (const auto& p : probes) {
      double lat = spec.origin_lat + (cell.row + p[0]) * spec.cell_deg;
      double lon = spec.origin_lon + (cell.col + p[1]) * spec.cell_deg;
      bool found = false;
      for (size_t z = 0; z < zones->size() && !found; ++z) {
        const Box& b = boxes[z];
        if (lat < b.min_lat || lat > b.max_lat || lon < b.min_lon || lon > b.max_lon) continue;
        if ((*zones)[z].shape.Contains(lat, lon)) {
          places[static_cast<size_t>(idx)] = {(*boroughs)[z].name, (*zones)[z].name};
          found = true;
        }
      }
      if (found) break;
    }
  }
  return places;
}

core::Result<ServeSummary> RunServe(const ServeOptions& options, const ReadyCallback& on_ready,
                                    const ProgressCallback& on_progress, const std::atomic<bool>* stop) {
  auto started = std::chrono::steady_clock::now();
  LoadedModel model = LoadModel(options, on_progress);
  TRAFFIC_ASSIGN_OR_RETURN(auto server, StartServer(options, on_progress));
  server->SetModel(model.version, model.card, model.verdict, model.forecaster ? &model.forecaster->profile() : nullptr);
  dashboard::SourceStatus initial;
  initial.mode = "kafka";
  initial.brokers = options.client.brokers;
  initial.topic = options.topic;
  initial.error = "connecting";
  server->SetSource(initial);
  if (on_ready) on_ready(server->Url());
  KafkaFollower follower(options, server.get());
  follower.Run(stop, started, options.duration_s, on_progress);
  ServeSummary summary = server->Summary();
  server->Stop();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

// Long because it wires the whole demo (generate, train, serve, embedded stream) in the order a
// person watches it start; each stage is one call.
core::Result<DemoSummary> RunDemo(const DemoOptions& options, const ReadyCallback& on_ready,
                                  const ProgressCallback& on_progress, const std::atomic<bool>* stop) {
  auto started = std::chrono::steady_clock::now();
  DemoSummary summary;
  LoadedModel model = LoadModel(options.serve, on_progress);
  summary.model_version = model.version;
  auto local = fs::MakeLocalFileSystem();
  TRAFFIC_ASSIGN_OR_RETURN(auto reference,
                           LoadReferenceData(*local, ResolveGeoDir(options.serve.geo_dir), Needs::kAlsoLand));
  TRAFFIC_ASSIGN_OR_RETURN(auto server, StartServer(options.serve, on_progress));
  server->SetModel(model.version, model.card, model.verdict, model.forecaster ? &model.forecaster->profile() : nullptr);

  generate::GeneratorOptions live = options.live;
  core::UtcTime live_from = core::NewYorkToUtc(live.start) + std::chrono::hours(options.skip_hours);
  if (live.scheduled_incidents.empty()) {
    // Incidents that start soon after the live trips do: congestion builds and clears within
    // minutes at the default speed-up (Times Sq, Midtown East, the Financial District).
    const char* cells[] = {"28_27", "27_29", "21_23", "30_30", "25_26"};
    for (int i = 0; i < 5; ++i) {
      generate::Incident inc;
      inc.cell = *geo::CellId::Parse(cells[i]);
      inc.start = live_from + std::chrono::minutes(5 + 25 * i);
      inc.build_up_min = 10;
      inc.hold_min = 15;
      inc.decay_min = 15;
      inc.severity = 0.3;
      live.scheduled_incidents.push_back(inc);
    }
  }
  auto source = std::make_unique<SkipUntilSource>(MakeSyntheticSource(live, reference), live_from);

  PredictionArchive archive(*local, fs::JoinPath(options.data_dir, "streaming"), "demo-" + std::to_string(::getpid()));
  dashboard::SourceStatus status;
  status.mode = "embedded";
  status.connected = true;
  dashboard::WorkerInfo worker{"embedded", {}};
  for (int p = 0; p < options.embedded.partitions; ++p) worker.partitions.push_back(p);
  status.workers.push_back(worker);
  server->SetSource(status);
  if (on_ready) on_ready(server->Url());
  if (on_progress) {
    on_progress("live trips from " + core::FormatLocal(core::UtcToNewYork(live_from)) + " New York time at " +
                fmt::format("{:g}", options.embedded.produce.speedup) + "x" +
                (model.forecaster ? ", forecasts by model " + model.version : ", forecasts OFF (no model)"));
  }

  EmbeddedOptions embedded = options.embedded;
  if (options.serve.duration_s > 0) {
    double left =
        options.serve.duration_s - std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    embedded.produce.duration_s = std::max(0.001, left);
  }
  int64_t dead_letters = 0;
  embedded.on_progress = [&](const StreamCounters& k, std::optional<core::UtcTime> watermark, int64_t produced,
                             const LiveScoreReport& live) {
    status.events = produced;
    status.accepted = k.accepted;
    status.late = k.late;
    status.malformed = k.malformed;
    status.invalid = k.invalid;
    status.dead_letters = dead_letters;
    status.watermark = watermark;
    status.live_period_s = live.period.count();
    status.live_scores = LiveRows(live);
    server->SetSource(status);
  };
  auto stats = RunEmbedded(
      *source, model.forecaster.get(), embedded,
      [&](const std::vector<codec::PredictionRecord>& records) -> core::Status {
        server->Add(records, std::vector<double>(records.size(), 0.0));
        summary.windows += static_cast<int64_t>(records.size());
        if (options.archive) return archive.Write(records);
        return core::Status::Ok();
      },
      [&](const std::vector<codec::DeadLetterRecord>& dead) -> core::Status {
        dead_letters += static_cast<int64_t>(dead.size());
        std::vector<dashboard::DeadLetterNote> notes;
        auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
        for (const auto& d : dead) notes.push_back({KindName(d.kind), d.reason, d.event_time ? *d.event_time : now});
        server->AddDeadLetters(notes);
        return core::Status::Ok();
      },
      stop);
  core::Status close = options.archive ? archive.Close() : core::Status::Ok();
  summary.serve = server->Summary();
  server->Stop();
  if (!stats.ok()) return stats.status();
  TRAFFIC_RETURN_IF_ERROR(close);
  summary.events = stats->produced;
  summary.archive_rows = archive.rows_written();
  summary.serve.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace traffic::pipeline
