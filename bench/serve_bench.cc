// Dashboard server benchmark (issue 13 "Performance"; a measurement, not a test):
//   1. SSE push: every window result of all 2,520 cells, in one burst per simulated minute
//      (the stream closes a minute's windows together), to N SSE clients in a separate process.
//      Reports the server's resident memory and the p50/p99/max delay from a burst entering the
//      store to each client reading each event.
//   2. GET /api/cells with all 2,520 cells active: p50/p99 latency over sequential requests.
// The server is the real one (pipeline::DashboardServer: store, HTTP edge, SSE hub).
//
// usage: traffic_serve_bench [clients=100] [minutes=10] [burst_interval_ms=2000] [requests=1000]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "traffic/pipeline/dashboard_server.h"

namespace {

using namespace traffic;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

long RssKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return -1;
}

struct Shared {
  std::atomic<int> port;
  std::atomic<int> connected;
  std::atomic<int> done;
  int64_t p50_ns, p99_ns, max_ns, received, expected_per_client;
  int64_t t0_ns[1];  // per sequence number (flexible)
};

double Percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]);
}

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The client process: N readers; each parses "id: N" lines and records now - t0[N].
void RunClients(Shared* sh, int clients, int64_t expected) {
  while (sh->port.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::vector<std::vector<int64_t>> delays(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      int fd = Connect(sh->port.load());
      if (fd < 0) return;
      std::string req = "GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n";
      (void)::send(fd, req.data(), req.size(), 0);
      sh->connected.fetch_add(1);
      timeval tv{60, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      std::string buf;
      char chunk[65536];
      auto& mine = delays[static_cast<size_t>(c)];
      mine.reserve(static_cast<size_t>(expected));
      while (static_cast<int64_t>(mine.size()) < expected) {
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        int64_t now = NowNs();
        buf.append(chunk, static_cast<size_t>(n));
        size_t pos = 0;
        while (true) {
          size_t at = buf.find("\nid: ", pos);
          if (at == std::string::npos) break;
          size_t end = buf.find('\n', at + 5);
          if (end == std::string::npos) break;
          long long id = std::atoll(buf.c_str() + at + 5);
          mine.push_back(now - sh->t0_ns[id]);
          pos = end;
        }
        buf.erase(0, pos);
      }
      ::close(fd);
    });
  }
  for (auto& t : threads) t.join();
  std::vector<int64_t> all;
  for (auto& d : delays) all.insert(all.end(), d.begin(), d.end());
  sh->received = static_cast<int64_t>(all.size());
  sh->p50_ns = static_cast<int64_t>(Percentile(all, 0.50));
  sh->p99_ns = static_cast<int64_t>(Percentile(all, 0.99));
  sh->max_ns = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  sh->done.store(1);
}

}  // namespace

int main(int argc, char** argv) {
  int clients = argc > 1 ? std::atoi(argv[1]) : 100;
  int minutes = argc > 2 ? std::atoi(argv[2]) : 10;
  int interval_ms = argc > 3 ? std::atoi(argv[3]) : 2000;
  int requests = argc > 4 ? std::atoi(argv[4]) : 1000;
  geo::Grid grid;
  const int cells = grid.cell_count();
  const int64_t total = static_cast<int64_t>(cells) * minutes;
  size_t bytes = sizeof(Shared) + sizeof(int64_t) * static_cast<size_t>(total + 2);
  auto* sh = static_cast<Shared*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  new (sh) Shared{};
  pid_t child = fork();
  if (child == 0) {
    RunClients(sh, clients, total);
    _exit(0);
  }

  pipeline::ServeOptions options;
  options.http.port = 0;
  options.http.max_sse_clients = static_cast<size_t>(clients) + 8;
  options.web_dir = "/nonexistent";
  pipeline::DashboardServer server(options, {});
  if (auto st = server.Start(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  dashboard::SourceStatus source;
  source.connected = true;
  server.SetSource(source);
  sh->port.store(server.port());
  while (sh->connected.load() < clients) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  while (server.SseClients() < static_cast<size_t>(clients)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  long rss_before = RssKb("VmRSS:");

  uint64_t seq = 1;
  int64_t start_s = 1452816000;
  for (int m = 0; m < minutes; ++m) {
    std::vector<codec::PredictionRecord> burst;
    burst.reserve(static_cast<size_t>(cells));
    for (int i = 0; i < cells; ++i) {
      codec::PredictionRecord r;
      r.cell = grid.FromIndex(i);
      r.window_start = core::FromEpochSeconds(start_s + m * 60);
      r.window_end = core::FromEpochSeconds(start_s + m * 60 + 60);
      r.trip_count = 1 + (i * 7 + m) % 9;
      r.avg_speed_mph = 4.0 + static_cast<double>((i * 13 + m * 5) % 300) / 10.0;
      r.congestion_level = window::LevelFor(r.avg_speed_mph);
      r.model_version = "bench";
      for (int h = 0; h < 3; ++h) r.forecasts[h] = codec::HorizonForecast{r.congestion_level, 0.6f};
      burst.push_back(r);
    }
    int64_t t0 = NowNs();
    for (int i = 0; i < cells; ++i) sh->t0_ns[seq + static_cast<uint64_t>(i)] = t0;
    seq += static_cast<uint64_t>(cells);
    server.Add(burst, std::vector<double>(burst.size(), 0.0));
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  long rss_after = RssKb("VmRSS:");
  long hwm = RssKb("VmHWM:");
  for (int i = 0; i < 600 && sh->done.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int status = 0;
  waitpid(child, &status, 0);
  int64_t dropped = server.Summary().sse_dropped;

  // /api/cells with every cell active (the last burst).
  std::vector<int64_t> lat;
  size_t body_bytes = 0;
  for (int i = 0; i < requests; ++i) {
    int fd = Connect(server.port());
    std::string req = "GET /api/cells HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int64_t t = NowNs();
    (void)::send(fd, req.data(), req.size(), 0);
    std::string resp;
    char chunk[65536];
    while (true) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      resp.append(chunk, static_cast<size_t>(n));
    }
    lat.push_back(NowNs() - t);
    ::close(fd);
    body_bytes = resp.size();
  }
  server.Stop();
  std::printf("SSE push: %d clients, %d bursts of %d window results every %d ms (%lld events per client)\n", clients,
              minutes, cells, interval_ms, static_cast<long long>(total));
  std::printf("  received %lld of %lld events, %lld clients dropped\n", static_cast<long long>(sh->received),
              static_cast<long long>(total * clients), static_cast<long long>(dropped));
  std::printf("  push delay from entering the store: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", sh->p50_ns / 1e6,
              sh->p99_ns / 1e6, sh->max_ns / 1e6);
  std::printf("  server resident memory: %.1f MB before, %.1f MB after, peak %.1f MB\n", rss_before / 1024.0,
              rss_after / 1024.0, hwm / 1024.0);
  std::printf("/api/cells with %d active cells (%zu bytes): p50 %.2f ms, p99 %.2f ms over %d requests\n", cells,
              body_bytes, Percentile(lat, 0.5) / 1e6, Percentile(lat, 0.99) / 1e6, requests);
  return 0;
}
