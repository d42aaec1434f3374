#include "traffic/dashboard/api.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "traffic/core/json_writer.h"
#include "traffic/dashboard/json.h"

namespace traffic::dashboard {
namespace {

constexpr int kMaxSnapshots = 1440;

Reply Error(int status, const std::string& message, const std::string& allowed = "") {
  core::JsonWriter j;
  j.BeginObject().Key("error").String(message);
  if (!allowed.empty()) j.Key("allowed").String(allowed);
  j.EndObject();
  return Reply{status, j.str()};
}

std::string Num(double v) {
  std::string s;
  AppendNumber(v, &s);
  return s;
}

std::string Iso(int64_t s) { return core::FormatIsoUtc(core::FromEpochSeconds(s)); }

std::string IsoMs(int64_t ms) {
  // Whole seconds are enough for freshness; keep the format of every other time.
  return Iso(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
}

// An unknown parameter is refused: a typo must not silently mean "no filter".
std::optional<Reply> CheckParams(const Params& params, std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : params) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Error(400, "unknown query parameter '" + k + "'", list.empty() ? "no parameters" : list);
    }
  }
  for (const char* a : allowed) {
    if (params.count(a) > 1) return Error(400, std::string("query parameter '") + a + "' given more than once", "once");
  }
  return std::nullopt;
}

const std::string* Get(const Params& params, const char* name) {
  auto it = params.find(name);
  return it == params.end() ? nullptr : &it->second;
}

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(const std::string& s) {
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// "2016-01-15T00:23:00Z" (the Z may be left out; UTC either way).
std::optional<int64_t> ParseIso(std::string s) {
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.pop_back();
  if (s.size() != 19 || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
  auto local = core::ParseLocalDateTime(s);
  if (!local) return std::nullopt;
  return core::LocalToEpochSeconds(*local);
}

// Reads an optional integer parameter in [lo, hi].
std::optional<Reply> IntParam(const Params& p, const char* name, int64_t lo, int64_t hi, int64_t* out) {
  const std::string* v = Get(p, name);
  if (v == nullptr) return std::nullopt;
  auto n = ParseInt(*v);
  if (!n || *n < lo || *n > hi) {
    return Error(400, std::string("query parameter '") + name + "' is '" + *v + "'",
                 "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  *out = *n;
  return std::nullopt;
}

std::optional<Reply> TimeParam(const Params& p, const char* name, int64_t* out) {
  const std::string* v = Get(p, name);
  if (v == nullptr) return std::nullopt;
  auto t = ParseIso(*v);
  if (!t)
    return Error(400, std::string("query parameter '") + name + "' is '" + *v + "'",
                 "an ISO-8601 UTC time like 2016-01-15T00:23:00Z");
  *out = *t;
  return std::nullopt;
}

// from/to with defaults [to - default_span, to], to = the newest window end.
std::optional<Reply> Range(const WindowStore& store, const Params& p, int64_t default_span_s, int64_t* from,
                           int64_t* to) {
  auto as_of = store.as_of();
  *to = as_of ? core::ToEpochSeconds(*as_of) : 0;
  bool from_given = Get(p, "from") != nullptr;
  if (auto e = TimeParam(p, "to", to)) return e;
  *from = *to - default_span_s;
  if (auto e = TimeParam(p, "from", from)) return e;
  if (*from >= *to) {
    return Error(400, "query parameter 'from' (" + Iso(*from) + ") must be before 'to' (" + Iso(*to) + ")",
                 from_given ? "from < to" : "from < to (to defaults to the newest window end)");
  }
  return std::nullopt;
}

int64_t AsOfSeconds(const WindowStore& store) {
  auto a = store.as_of();
  return a ? core::ToEpochSeconds(*a) : 0;
}

bool Active(const WindowStore& store, const StoredWindow& latest) {
  auto a = store.as_of();
  return a && latest.end_s() >= core::ToEpochSeconds(*a) - std::chrono::seconds(store.options().active).count();
}

template <typename F>
void ForEachCell(const WindowStore& store, F f) {
  const auto& grid = store.grid();
  for (int i = 0; i < grid.cell_count(); ++i) {
    geo::CellId cell = grid.FromIndex(i);
    const auto* windows = store.Windows(cell);
    if (windows == nullptr || windows->empty()) continue;
    f(cell, *windows);
  }
}

void WriteThresholds(const WindowStore& store, core::JsonWriter& j) {
  j.Key("thresholds").BeginObject();
  j.Key("high_below_mph").Raw(Num(store.options().thresholds.high_below_mph));
  j.Key("low_above_mph").Raw(Num(store.options().thresholds.low_above_mph));
  j.EndObject();
}

void WriteAsOf(const WindowStore& store, core::JsonWriter& j) {
  j.Key("as_of");
  if (auto a = store.as_of())
    j.String(core::FormatIsoUtc(*a));
  else
    j.Null();
}

const std::string& CurrentModel(const WindowStore& store) {
  if (!store.model_version().empty()) return store.model_version();
  // Kafka mode without a model folder: the newest record's version.
  static const std::string kEmpty;
  const std::string* best = &kEmpty;
  int64_t newest = INT64_MIN;
  ForEachCell(store, [&](geo::CellId, const std::deque<StoredWindow>& w) {
    if (w.back().end_s() > newest) {
      newest = w.back().end_s();
      best = &store.ModelName(w.back().model);
    }
  });
  return *best;
}

// Trip-weighted mean speed of windows with start >= from and end <= to; count via *trips.
double MeanSpeed(const std::deque<StoredWindow>& windows, int64_t from, int64_t to, int64_t* trips) {
  auto it = std::lower_bound(windows.begin(), windows.end(), from,
                             [](const StoredWindow& a, int64_t s) { return a.start_s < s; });
  double sum = 0;
  int64_t n = 0;
  for (; it != windows.end() && it->end_s() <= to; ++it) {
    sum += it->avg_speed_mph * it->trip_count;
    n += it->trip_count;
  }
  *trips = n;
  return n > 0 ? sum / static_cast<double>(n) : std::nan("");
}

const StoredWindow* FindByStart(const std::deque<StoredWindow>& windows, int64_t start) {
  auto it = std::lower_bound(windows.begin(), windows.end(), start,
                             [](const StoredWindow& a, int64_t s) { return a.start_s < s; });
  return it != windows.end() && it->start_s == start ? &*it : nullptr;
}

}  // namespace

Reply HealthReply(const WindowStore& store, const ServerFacts& facts) {
  const auto& src = store.source();
  std::optional<double> age_s;
  if (store.last_wall_ms()) age_s = static_cast<double>(facts.now_wall_ms - *store.last_wall_ms()) / 1000.0;
  std::string status = !src.connected ? "down" : (!age_s || *age_s > facts.stale_after_s) ? "stale" : "ok";
  core::JsonWriter j;
  j.BeginObject().Key("status").String(status).Key("mode").String(src.mode);
  j.Key("source").BeginObject().Key("connected").Bool(src.connected).Key("error");
  if (src.error.empty())
    j.Null();
  else
    j.String(src.error);
  j.Key("brokers");
  if (src.brokers.empty())
    j.Null();
  else
    j.String(src.brokers);
  j.Key("topic");
  if (src.topic.empty())
    j.Null();
  else
    j.String(src.topic);
  j.EndObject();
  j.Key("last_result").BeginObject().Key("event_time");
  if (auto a = store.as_of())
    j.String(core::FormatIsoUtc(*a));
  else
    j.Null();
  j.Key("wall_time");
  if (store.last_wall_ms())
    j.String(IsoMs(*store.last_wall_ms()));
  else
    j.Null();
  j.Key("age_s");
  if (age_s)
    j.Raw(Num(std::round(*age_s * 1000) / 1000));
  else
    j.Null();
  j.EndObject();
  j.Key("watermark");
  if (src.watermark)
    j.String(core::FormatIsoUtc(*src.watermark));
  else
    j.Null();
  j.Key("server_time").String(IsoMs(facts.now_wall_ms));
  j.Key("cells").Int(static_cast<int64_t>(store.cells()));
  j.Key("windows_retained").Int(static_cast<int64_t>(store.windows_retained()));
  j.EndObject();
  return Reply{200, j.str()};
}

Reply CellsReply(const WindowStore& store, const Params& params) {
  if (auto e = CheckParams(params, {"level", "min_trips", "bbox"})) return *e;
  bool want[3] = {true, true, true};
  if (const std::string* v = Get(params, "level")) {
    want[0] = want[1] = want[2] = false;
    size_t start = 0;
    while (start <= v->size()) {
      size_t comma = v->find(',', start);
      std::string item = v->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      auto level = window::ParseLevel(item);
      if (!level)
        return Error(400, "query parameter 'level' is '" + *v + "'", "Low, Medium, High (or a comma-separated list)");
      want[static_cast<int>(*level)] = true;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  int64_t min_trips = 0;
  if (auto e = IntParam(params, "min_trips", 0, 1000000, &min_trips)) return *e;
  bool has_bbox = false;
  double bbox[4] = {0, 0, 0, 0};
  if (const std::string* v = Get(params, "bbox")) {
    has_bbox = true;
    size_t start = 0;
    int n = 0;
    bool ok = true;
    while (ok) {
      size_t comma = v->find(',', start);
      auto d = ParseDouble(v->substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (!d || n >= 4) {
        ok = false;
        break;
      }
      bbox[n++] = *d;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (!ok || n != 4 || bbox[0] > bbox[2] || bbox[1] > bbox[3] || bbox[0] < -180 || bbox[2] > 180 || bbox[1] < -90 ||
        bbox[3] > 90) {
      return Error(400, "query parameter 'bbox' is '" + *v + "'",
                   "minLon,minLat,maxLon,maxLat in degrees with min <= max, e.g. -74.02,40.70,-73.93,40.80");
    }
  }
  const auto& spec = store.grid().spec();
  core::JsonWriter j;
  j.BeginObject();
  WriteAsOf(store, j);
  WriteThresholds(store, j);
  j.Key("model_version").String(CurrentModel(store));
  j.Key("active_minutes").Int(std::chrono::minutes(store.options().active).count());
  j.Key("cells").BeginArray();
  ForEachCell(store, [&](geo::CellId cell, const std::deque<StoredWindow>& windows) {
    const StoredWindow& w = windows.back();
    if (!Active(store, w) || !want[w.level] || w.trip_count < min_trips) return;
    if (has_bbox) {
      double south = spec.origin_lat + cell.row * spec.cell_deg, north = south + spec.cell_deg;
      double west = spec.origin_lon + cell.col * spec.cell_deg, east = west + spec.cell_deg;
      if (east < bbox[0] || west > bbox[2] || north < bbox[1] || south > bbox[3]) return;
    }
    j.BeginObject();
    WriteCellNowFields(store, cell, w, j);
    j.EndObject();
  });
  j.EndArray().EndObject();
  return Reply{200, j.str()};
}

Reply CellReply(const WindowStore& store, std::string_view cell_id, const Params& params) {
  const auto& spec = store.grid().spec();
  auto cell = geo::CellId::Parse(cell_id);
  if (!cell || !store.grid().Contains(*cell)) {
    return Error(404, "unknown cell id '" + std::string(cell_id) + "'",
                 "ROW_COL with row 0.." + std::to_string(spec.rows - 1) + " and col 0.." +
                     std::to_string(spec.cols - 1) + ", e.g. 28_27");
  }
  if (auto e = CheckParams(params, {"from", "to"})) return *e;
  const auto* windows = store.Windows(*cell);
  if (windows == nullptr || windows->empty()) {
    return Error(404, "cell '" + cell->ToString() + "' has no window result in the store",
                 "a cell listed by /api/cells (the store keeps the last " +
                     std::to_string(store.options().retention.count() / 3600) + " h)");
  }
  int64_t from = 0, to = 0;
  if (auto e = Range(store, params, 3 * 3600, &from, &to)) return *e;
  const auto* profile = store.profile();
  core::JsonWriter j;
  j.BeginObject();
  WriteCellNowFields(store, *cell, windows->back(), j);
  j.Key("history").BeginArray();
  auto it = std::lower_bound(windows->begin(), windows->end(), from,
                             [](const StoredWindow& a, int64_t s) { return a.start_s < s; });
  for (; it != windows->end() && it->end_s() <= to; ++it) {
    const StoredWindow& w = *it;
    int64_t end = w.end_s();
    j.BeginObject();
    j.Key("window_start").String(Iso(w.start_s)).Key("window_end").String(Iso(end));
    j.Key("trip_count").Int(w.trip_count).Key("avg_speed").Raw(Num(w.avg_speed_mph));
    j.Key("congestion_level").String(LevelString(w.level));
    j.Key("typical_speed");
    double typical = std::nan("");
    if (profile != nullptr && !profile->empty()) {
      typical = profile->Lookup(*cell, features::HourOfWeek(core::FromEpochSeconds(w.start_s))).speed_mph;
    }
    if (std::isfinite(typical))
      j.Raw(Num(std::round(typical * 1000) / 1000));
    else
      j.Null();
    j.Key("forecast_made").BeginObject();
    for (int h = 0; h < features::kHorizonCount; ++h) {
      int64_t made_at = end - features::kHorizonsMin[h] * 60;
      j.Key(std::to_string(features::kHorizonsMin[h]));
      const StoredWindow* f = FindByStart(*windows, made_at - w.duration_s);
      if (f == nullptr || f->end_s() != made_at || f->forecast[h] == kNoLevel) {
        j.Null();
        continue;
      }
      j.BeginObject().Key("level").String(LevelString(f->forecast[h]));
      j.Key("confidence").Raw(Num(static_cast<double>(f->confidence[h])));
      j.Key("source").String(codec::ForecastSourceName(f->source(h))).Key("made_at").String(Iso(made_at)).EndObject();
    }
    j.EndObject();
    j.Key("observed_over").BeginObject();
    for (int h = 0; h < features::kHorizonCount; ++h) {
      int64_t trips = 0;
      double speed = MeanSpeed(*windows, end - features::kHorizonsMin[h] * 60, end, &trips);
      j.Key(std::to_string(features::kHorizonsMin[h]));
      if (trips == 0)
        j.Null();
      else
        j.String(window::LevelName(window::LevelFor(speed, store.options().thresholds)));
    }
    j.EndObject();
    j.EndObject();
  }
  j.EndArray().EndObject();
  return Reply{200, j.str()};
}

double TrendMphPer10Min(const std::deque<StoredWindow>& windows, int64_t as_of_s) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (auto it = windows.rbegin(); it != windows.rend() && it->start_s >= as_of_s - 1800; ++it) {
    if (it->end_s() > as_of_s) continue;
    double x = static_cast<double>(it->start_s - as_of_s) / 600.0;  // in units of 10 minutes
    double y = it->avg_speed_mph;
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  double d = n * sxx - sx * sx;
  if (n < 2 || d <= 1e-12) return 0;
  return (n * sxy - sx * sy) / d;
}

Reply HotspotsReply(const WindowStore& store, const Params& params) {
  if (auto e = CheckParams(params, {"n"})) return *e;
  int64_t n = 10;
  if (auto e = IntParam(params, "n", 1, 100, &n)) return *e;
  int64_t as_of = AsOfSeconds(store);
  struct Spot {
    geo::CellId cell;
    const StoredWindow* latest;
    double speed;
    int64_t trips;
    double trend;
  };
  std::vector<Spot> spots;
  ForEachCell(store, [&](geo::CellId cell, const std::deque<StoredWindow>& windows) {
    if (!Active(store, windows.back())) return;
    int64_t trips = 0;
    double speed = MeanSpeed(windows, as_of - 900, as_of, &trips);
    if (trips < 3) return;
    spots.push_back({cell, &windows.back(), speed, trips, TrendMphPer10Min(windows, as_of)});
  });
  std::sort(spots.begin(), spots.end(),
            [](const Spot& a, const Spot& b) { return a.speed != b.speed ? a.speed < b.speed : a.cell < b.cell; });
  if (spots.size() > static_cast<size_t>(n)) spots.resize(static_cast<size_t>(n));
  core::JsonWriter j;
  j.BeginObject();
  WriteAsOf(store, j);
  j.Key("hotspots").BeginArray();
  for (const auto& s : spots) {
    j.BeginObject();
    WriteCellNowFields(store, s.cell, *s.latest, j);
    j.Key("avg_speed_15m").Raw(Num(std::round(s.speed * 1000) / 1000)).Key("trips_15m").Int(s.trips);
    j.Key("trend").String(s.trend < -1 ? "worsening" : s.trend > 1 ? "improving" : "steady");
    j.Key("trend_mph_per_10min").Raw(Num(std::round(s.trend * 1000) / 1000));
    j.EndObject();
  }
  j.EndArray().EndObject();
  return Reply{200, j.str()};
}

std::string StatsJson(const WindowStore& store, const ServerFacts& facts) {
  const auto& src = store.source();
  int64_t active = 0, trips = 0;
  double speed_sum = 0;
  ForEachCell(store, [&](geo::CellId, const std::deque<StoredWindow>& windows) {
    const StoredWindow& w = windows.back();
    if (!Active(store, w)) return;
    ++active;
    trips += w.trip_count;
    speed_sum += w.avg_speed_mph * w.trip_count;
  });
  core::JsonWriter j;
  j.BeginObject();
  j.Key("events_per_s").Raw(Num(std::round(store.EventsPerSecond(facts.now_wall_ms) * 10) / 10));
  j.Key("windows_per_min").Raw(Num(std::round(store.WindowsPerMinute(facts.now_wall_ms) * 10) / 10));
  j.Key("active_cells").Int(active);
  j.Key("mean_speed");
  if (trips > 0)
    j.Raw(Num(std::round(speed_sum / static_cast<double>(trips) * 1000) / 1000));
  else
    j.Null();
  j.Key("events").Int(src.events).Key("accepted").Int(src.accepted).Key("late").Int(src.late);
  j.Key("malformed").Int(src.malformed).Key("invalid").Int(src.invalid).Key("dead_letters").Int(src.dead_letters);
  j.Key("watermark");
  if (src.watermark)
    j.String(core::FormatIsoUtc(*src.watermark));
  else
    j.Null();
  j.Key("watermark_delay_s");
  // How far the watermark trails the newest result's end (event time).
  if (src.watermark && store.as_of()) {
    j.Int(std::max<int64_t>(0, core::ToEpochSeconds(*store.as_of()) - core::ToEpochSeconds(*src.watermark)));
  } else {
    j.Null();
  }
  j.Key("publish_latency_p99_ms");
  if (src.publish_latency_p99_ms)
    j.Raw(Num(*src.publish_latency_p99_ms));
  else
    j.Null();
  j.Key("consumer_lag").BeginArray();
  for (const auto& l : src.consumer_lag)
    j.BeginObject().Key("partition").Int(l.partition).Key("lag").Int(l.lag).EndObject();
  j.EndArray();
  j.Key("workers").BeginArray();
  for (const auto& w : src.workers) {
    j.BeginObject().Key("id").String(w.id).Key("partitions").BeginArray();
    for (int32_t p : w.partitions) j.Int(p);
    j.EndArray().EndObject();
  }
  j.EndArray();
  j.Key("live_scores");
  if (src.live_scores.empty()) {
    j.Null();
  } else {
    j.BeginObject().Key("period_s").Int(src.live_period_s).Key("horizons").BeginArray();
    for (const auto& l : src.live_scores) {
      j.BeginObject().Key("minutes").Int(l.minutes).Key("source").String(l.source).Key("count").Int(l.count);
      j.Key("model_macro_f1").Raw(Num(l.model_macro_f1)).Key("persistence_macro_f1").Raw(Num(l.persistence_macro_f1));
      j.Key("profile_macro_f1").Raw(Num(l.profile_macro_f1)).Key("model_accuracy").Raw(Num(l.model_accuracy));
      j.Key("persistence_accuracy")
          .Raw(Num(l.persistence_accuracy))
          .Key("profile_accuracy")
          .Raw(Num(l.profile_accuracy));
      j.EndObject();
    }
    j.EndArray().EndObject();
  }
  j.Key("recent_dead_letters").BeginArray();
  const auto& dl = store.dead_letters();
  for (auto it = dl.rbegin(); it != dl.rend(); ++it) {  // newest first
    j.BeginObject().Key("kind").String(it->kind).Key("reason").String(it->reason);
    j.Key("time").String(core::FormatIsoUtc(it->time)).EndObject();
  }
  j.EndArray();
  j.Key("sse_clients").Int(static_cast<int64_t>(facts.sse_clients));
  j.EndObject();
  return j.str();
}

Reply StatsReply(const WindowStore& store, const Params& params, const ServerFacts& facts) {
  if (auto e = CheckParams(params, {})) return *e;
  return Reply{200, StatsJson(store, facts)};
}

Reply ModelReply(const WindowStore& store) {
  if (store.model_card().empty()) {
    return Error(404, "no model is loaded (train one: traffic train, or traffic demo trains when there is none)");
  }
  core::JsonWriter j;
  j.BeginObject().Key("version").String(store.model_version()).Key("card").Raw(store.model_card());
  j.Key("verdict").BeginArray();
  for (const auto& v : store.model_verdict()) j.String(v);
  j.EndArray().EndObject();
  return Reply{200, j.str()};
}

Reply HistoryReply(const WindowStore& store, const Params& params) {
  if (auto e = CheckParams(params, {"from", "to", "step"})) return *e;
  int64_t step = 60;
  if (auto e = IntParam(params, "step", 60, 3600, &step)) return *e;
  if (step % 60 != 0)
    return Error(400, "query parameter 'step' is '" + std::to_string(step) + "'",
                 "a multiple of 60 from 60 to 3600 (seconds)");
  int64_t from = 0, to = 0;
  if (auto e = Range(store, params, 3600, &from, &to)) return *e;
  int64_t count = (to - from + step - 1) / step;
  if (count > kMaxSnapshots) {
    return Error(400, "query parameters 'from'/'to'/'step' ask for " + std::to_string(count) + " snapshots",
                 "at most " + std::to_string(kMaxSnapshots) + " (widen 'step' or narrow the range)");
  }
  struct Agg {
    geo::CellId cell;
    int64_t trips;
    double speed_sum;
  };
  std::vector<std::vector<Agg>> snaps(static_cast<size_t>(count));
  ForEachCell(store, [&](geo::CellId cell, const std::deque<StoredWindow>& windows) {
    auto it = std::lower_bound(windows.begin(), windows.end(), from,
                               [](const StoredWindow& a, int64_t s) { return a.start_s < s; });
    for (; it != windows.end() && it->start_s < to; ++it) {
      auto k = static_cast<size_t>((it->start_s - from) / step);
      auto& v = snaps[k];
      if (v.empty() || !(v.back().cell == cell)) v.push_back({cell, 0, 0});
      v.back().trips += it->trip_count;
      v.back().speed_sum += it->avg_speed_mph * it->trip_count;
    }
  });
  core::JsonWriter j;
  j.BeginObject().Key("step_s").Int(step).Key("snapshots").BeginArray();
  for (int64_t k = 0; k < count; ++k) {
    j.BeginObject().Key("time").String(Iso(from + k * step)).Key("cells").BeginArray();
    for (const auto& a : snaps[static_cast<size_t>(k)]) {
      double speed = a.trips > 0 ? a.speed_sum / static_cast<double>(a.trips) : 0;
      j.BeginArray().String(a.cell.ToString()).Int(a.trips).Raw(Num(std::round(speed * 1000) / 1000));
      j.String(window::LevelName(window::LevelFor(speed, store.options().thresholds))).EndArray();
    }
    j.EndArray().EndObject();
  }
  j.EndArray().EndObject();
  return Reply{200, j.str()};
}

Reply MetricsReply(const WindowStore& store, const ServerFacts& facts) {
  const auto& src = store.source();
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, const std::string& value) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    out += name;
    out += ' ';
    out += value;
    out += '\n';
  };
  auto i = [](int64_t v) { return std::to_string(v); };
  metric("traffic_events_total", "counter", "Trip events the stream read.", i(src.events));
  metric("traffic_accepted_total", "counter", "Events aggregated into windows.", i(src.accepted));
  metric("traffic_late_total", "counter", "Late events (dead-lettered).", i(src.late));
  metric("traffic_malformed_total", "counter", "Malformed messages (dead-lettered).", i(src.malformed));
  metric("traffic_invalid_total", "counter", "Invalid events (dead-lettered).", i(src.invalid));
  metric("traffic_dead_letters_total", "counter", "Dead letters written.", i(src.dead_letters));
  metric("traffic_windows_total", "counter", "Window results received by the server.", i(store.windows_total()));
  metric("traffic_windows_retained", "gauge", "Window results held in memory.",
         i(static_cast<int64_t>(store.windows_retained())));
  metric("traffic_cells", "gauge", "Cells with at least one retained window.", i(static_cast<int64_t>(store.cells())));
  metric("traffic_source_connected", "gauge", "1 when the source (Kafka or embedded stream) is up.",
         src.connected ? "1" : "0");
  if (src.watermark) {
    metric("traffic_watermark_seconds", "gauge", "The stream's watermark, Unix seconds (event time).",
           i(core::ToEpochSeconds(*src.watermark)));
  }
  if (store.last_wall_ms()) {
    metric("traffic_last_result_age_seconds", "gauge", "Wall time since the last window result arrived.",
           Num(static_cast<double>(facts.now_wall_ms - *store.last_wall_ms()) / 1000.0));
  }
  out +=
      "# HELP traffic_publish_latency_ms Wall time from a window result's publication (Kafka message timestamp; "
      "embedded: the stream's drain) to the server's store.\n# TYPE traffic_publish_latency_ms histogram\n";
  int64_t cumulative = 0;
  const auto& counts = store.delay_counts();
  for (size_t b = 0; b < WindowStore::kDelayBucketsMs.size(); ++b) {
    cumulative += counts[b];
    out += "traffic_publish_latency_ms_bucket{le=\"" + Num(WindowStore::kDelayBucketsMs[b]) + "\"} " + i(cumulative) +
           "\n";
  }
  cumulative += counts.back();
  out += "traffic_publish_latency_ms_bucket{le=\"+Inf\"} " + i(cumulative) + "\n";
  out += "traffic_publish_latency_ms_sum " + Num(store.delay_sum_ms()) + "\n";
  out += "traffic_publish_latency_ms_count " + i(cumulative) + "\n";
  out +=
      "# HELP traffic_consumer_lag Messages of traffic-predictions not yet read by this server, per partition.\n"
      "# TYPE traffic_consumer_lag gauge\n";
  for (const auto& l : src.consumer_lag) {
    out += "traffic_consumer_lag{partition=\"" + i(l.partition) + "\"} " + i(l.lag) + "\n";
  }
  if (!src.live_scores.empty()) {
    out +=
        "# HELP traffic_live_macro_f1 Macro-F1 of the forecasts whose horizon has passed, over the stream's scoring "
        "period, per horizon (minutes) and predictor.\n# TYPE traffic_live_macro_f1 gauge\n";
    for (const auto& l : src.live_scores) {
      const std::string h = "{horizon=\"" + i(l.minutes) + "\",predictor=\"";
      out += "traffic_live_macro_f1" + h + "model\"} " + Num(l.model_macro_f1) + "\n";
      out += "traffic_live_macro_f1" + h + "persistence\"} " + Num(l.persistence_macro_f1) + "\n";
      out += "traffic_live_macro_f1" + h + "profile\"} " + Num(l.profile_macro_f1) + "\n";
    }
    out +=
        "# HELP traffic_live_scored Forecasts scored live over the scoring period, per horizon.\n"
        "# TYPE traffic_live_scored gauge\n";
    for (const auto& l : src.live_scores)
      out += "traffic_live_scored{horizon=\"" + i(l.minutes) + "\"} " + i(l.count) + "\n";
    out +=
        "# HELP traffic_live_source_model 1 when the model publishes at the horizon, 0 when persistence stands in (in "
        "any partition).\n"
        "# TYPE traffic_live_source_model gauge\n";
    for (const auto& l : src.live_scores) {
      out += "traffic_live_source_model{horizon=\"" + i(l.minutes) + "\"} " + (l.source == "model" ? "1" : "0") + "\n";
    }
  }
  metric("traffic_sse_clients", "gauge", "Connected live (SSE) clients.", i(static_cast<int64_t>(facts.sse_clients)));
  metric("traffic_sse_dropped_total", "counter", "Live clients dropped for reading too slowly.", i(facts.sse_dropped));
  metric("traffic_sse_connections_total", "counter", "Live clients connected since start.", i(facts.sse_connected));
  return Reply{200, out, "text/plain; version=0.0.4; charset=utf-8"};
}

}  // namespace traffic::dashboard
