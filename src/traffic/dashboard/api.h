// The dashboard API's answers (contract: api/openapi.json) computed from
// a WindowStore: plain values in (query parameters, wall time), status + JSON body out. No I/O.
//
// Bad input is a 4xx whose JSON names the parameter or id and what is allowed: an unknown
// parameter, a value that does not parse or is out of range -> 400; an unknown cell -> 404.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/dashboard/store.h"

namespace traffic::dashboard {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

using Params = std::multimap<std::string, std::string>;

// What only the server knows.
struct ServerFacts {
  int64_t now_wall_ms = 0;
  size_t sse_clients = 0;
  int64_t sse_dropped = 0;
  int64_t sse_connected = 0;
  // A source whose last result is older than this (wall time) is "stale".
  double stale_after_s = 120;
};

Reply HealthReply(const WindowStore& store, const ServerFacts& facts);
Reply CellsReply(const WindowStore& store, const Params& params);
Reply CellReply(const WindowStore& store, std::string_view cell_id, const Params& params);
Reply HotspotsReply(const WindowStore& store, const Params& params);
Reply StatsReply(const WindowStore& store, const Params& params, const ServerFacts& facts);
std::string StatsJson(const WindowStore& store, const ServerFacts& facts);
Reply ModelReply(const WindowStore& store);
Reply HistoryReply(const WindowStore& store, const Params& params);
// Prometheus text exposition format 0.0.4.
Reply MetricsReply(const WindowStore& store, const ServerFacts& facts);

// Hotspot trend over a cell's windows in [as_of - 30 min, as_of): least-squares slope of the
// window speeds against time, in mph per 10 minutes (0 with fewer than 2 windows).
double TrendMphPer10Min(const std::deque<StoredWindow>& windows, int64_t as_of_s);

}  // namespace traffic::dashboard
