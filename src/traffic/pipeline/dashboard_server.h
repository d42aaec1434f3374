// The dashboard server: one http::Server (API routes, static files, SSE) over one
// dashboard::WindowStore. The one place where threads meet the pure store: a shared mutex lets
// HTTP readers run in parallel while the source (Kafka follower or embedded stream) writes.
// Used by RunServe and RunDemo (serve.h) and the benchmark.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "traffic/dashboard/api.h"
#include "traffic/dashboard/store.h"
#include "traffic/http/server.h"
#include "traffic/pipeline/serve.h"

namespace traffic::pipeline {

class DashboardServer {
 public:
  DashboardServer(const ServeOptions& options, std::vector<dashboard::CellPlace> places);
  ~DashboardServer();  // Stop()
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  // Listens; starts the `event: stats` publisher.
  core::Status Start();
  void Stop();
  int port() const { return server_.port(); }
  std::string Url() const;

  // Records enter the store, then go to every SSE client. `delays_ms`: per record, the wall time
  // since its publication (for the latency histogram).
  void Add(const std::vector<codec::PredictionRecord>& records, const std::vector<double>& delays_ms);
  void AddDeadLetters(const std::vector<dashboard::DeadLetterNote>& notes);
  void SetSource(dashboard::SourceStatus status);
  void SetModel(std::string version, std::string card, std::vector<std::string> verdict,
                const features::HistoricalProfile* profile);
  ServeSummary Summary() const;
  size_t SseClients() const { return hub_.clients(); }

 private:
  dashboard::ServerFacts Facts() const;
  void Route(const std::string& pattern, std::function<dashboard::Reply(const http::Request&)> f);
  void StatsLoop();

  ServeOptions options_;
  mutable std::shared_mutex mu_;
  dashboard::WindowStore store_;
  http::EventHub hub_;
  http::Server server_;
  // /api/cells without parameters (what the dashboard polls) at store generation
  // cells_cache_generation_: serialising 2,520 cells costs ~17 ms, the store changes once a burst.
  std::mutex cells_cache_mu_;
  std::optional<dashboard::Reply> cells_cache_;
  uint64_t cells_cache_generation_ = 0;
  std::thread stats_thread_;
  std::mutex stats_mu_;
  std::condition_variable stats_cv_;
  bool stopped_ = false;
};

}  // namespace traffic::pipeline
