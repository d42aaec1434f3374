#include "traffic/pipeline/dashboard_server.h"

#include <chrono>

#include "traffic/dashboard/api.h"

namespace traffic::pipeline {

extern const char* const kOpenApiJson;  // api/openapi.json, embedded at build time (openapi_embed.cc)

namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http::ServerOptions WithStatic(const ServeOptions& o) {
  http::ServerOptions h = o.http;
  h.static_dir = o.web_dir;
  h.placeholder_html = DashboardPlaceholderHtml(o.web_dir);
  return h;
}

}  // namespace

DashboardServer::DashboardServer(const ServeOptions& options, std::vector<dashboard::CellPlace> places)
    : options_(options),
      store_(options.store, std::move(places)),
      hub_(options.http.sse_queue_events, options.http.max_sse_clients),
      server_(WithStatic(options)) {
  hub_.SetBacklog([this](uint64_t last) {
    std::shared_lock lock(mu_);
    std::vector<http::EventPtr> out;
    for (const auto* e : store_.EventsAfter(last)) {
      out.push_back(std::make_shared<http::Event>(http::Event{e->seq, "window", e->json}));
    }
    return out;
  });
  Route("/api/health", [this](const http::Request&) { return dashboard::HealthReply(store_, Facts()); });
  Route("/api/cells", [this](const http::Request& r) {
    if (!r.params.empty()) return dashboard::CellsReply(store_, r.params);
    std::lock_guard cache_lock(cells_cache_mu_);  // under mu_ shared: the store cannot change here
    if (!cells_cache_ || cells_cache_generation_ != store_.generation()) {
      cells_cache_ = dashboard::CellsReply(store_, r.params);
      cells_cache_generation_ = store_.generation();
    }
    return *cells_cache_;
  });
  Route("/api/cells/([^/]*)",
        [this](const http::Request& r) { return dashboard::CellReply(store_, r.matches[1], r.params); });
  Route("/api/hotspots", [this](const http::Request& r) { return dashboard::HotspotsReply(store_, r.params); });
  Route("/api/stats", [this](const http::Request& r) { return dashboard::StatsReply(store_, r.params, Facts()); });
  Route("/api/model", [this](const http::Request&) { return dashboard::ModelReply(store_); });
  Route("/api/history", [this](const http::Request& r) { return dashboard::HistoryReply(store_, r.params); });
  Route("/metrics", [this](const http::Request&) { return dashboard::MetricsReply(store_, Facts()); });
  server_.Get("/api/openapi\\.json", [](const http::Request&) {
    http::Response r;
    r.body = kOpenApiJson;
    return r;
  });
  server_.Stream("/api/stream", &hub_);
}

DashboardServer::~DashboardServer() { Stop(); }

core::Status DashboardServer::Start() {
  TRAFFIC_RETURN_IF_ERROR(server_.Start());
  stats_thread_ = std::thread([this] { StatsLoop(); });
  return core::Status::Ok();
}

void DashboardServer::Stop() {
  {
    std::lock_guard lock(stats_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stats_cv_.notify_all();
  if (stats_thread_.joinable()) stats_thread_.join();
  server_.Stop();
}

std::string DashboardServer::Url() const {
  const std::string& h = options_.http.host;
  std::string host = h == "0.0.0.0" || h == "::" || h.empty() ? "127.0.0.1" : h;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(server_.port());
}

void DashboardServer::Add(const std::vector<codec::PredictionRecord>& records, const std::vector<double>& delays_ms) {
  std::vector<dashboard::SeqEvent> events;
  {
    std::unique_lock lock(mu_);
    store_.Add(records, WallMs(), &events);
    for (double d : delays_ms) store_.AddDelayMs(d);
  }
  std::vector<http::EventPtr> out;
  out.reserve(events.size());
  for (auto& e : events) out.push_back(std::make_shared<http::Event>(http::Event{e.seq, "window", std::move(e.json)}));
  hub_.Publish(out);
}

void DashboardServer::AddDeadLetters(const std::vector<dashboard::DeadLetterNote>& notes) {
  std::unique_lock lock(mu_);
  store_.AddDeadLetters(notes);
}

void DashboardServer::SetSource(dashboard::SourceStatus s) {
  std::unique_lock lock(mu_);
  store_.SetSource(std::move(s), WallMs());
}

void DashboardServer::SetModel(std::string version, std::string card, std::vector<std::string> verdict,
                               const features::HistoricalProfile* profile) {
  std::unique_lock lock(mu_);
  store_.SetModel(std::move(version), std::move(card), std::move(verdict), profile);
}

ServeSummary DashboardServer::Summary() const {
  std::shared_lock lock(mu_);
  ServeSummary s;
  s.url = Url();
  s.windows = store_.windows_total();
  s.dead_letters = store_.source().dead_letters;
  s.sse_clients_total = hub_.connected_total();
  s.sse_dropped = hub_.dropped_total();
  return s;
}

dashboard::ServerFacts DashboardServer::Facts() const {
  dashboard::ServerFacts f;
  f.now_wall_ms = WallMs();
  f.sse_clients = hub_.clients();
  f.sse_dropped = hub_.dropped_total();
  f.sse_connected = hub_.connected_total();
  f.stale_after_s = options_.stale_after_s;
  return f;
}

// Readers share the lock; the reply is computed under it.
void DashboardServer::Route(const std::string& pattern, std::function<dashboard::Reply(const http::Request&)> f) {
  server_.Get(pattern, [this, f = std::move(f)](const http::Request& r) {
    dashboard::Reply reply;
    {
      std::shared_lock lock(mu_);
      reply = f(r);
    }
    http::Response res;
    res.status = reply.status;
    res.body = std::move(reply.body);
    res.content_type = reply.content_type;
    res.headers.emplace_back("Cache-Control", "no-store");
    return res;
  });
}

void DashboardServer::StatsLoop() {
  std::unique_lock lock(stats_mu_);
  while (!stopped_) {
    stats_cv_.wait_for(lock, options_.stats_interval, [this] { return stopped_; });
    if (stopped_) break;
    std::string json;
    {
      std::shared_lock store_lock(mu_);
      json = dashboard::StatsJson(store_, Facts());
    }
    hub_.Publish(std::make_shared<http::Event>(http::Event{0, "stats", std::move(json)}));
  }
}

}  // namespace traffic::pipeline
