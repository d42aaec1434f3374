#include "traffic/http/server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "traffic/core/json_writer.h"

namespace traffic::http {

std::optional<std::string> Request::Param(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(),
                                              [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return v;
    }
  }
  return std::nullopt;
}

Response JsonError(int status, std::string_view message, std::string_view allowed) {
  core::JsonWriter j;
  j.BeginObject().Key("error").String(message);
  if (!allowed.empty()) j.Key("allowed").String(allowed);
  j.EndObject();
  Response r;
  r.status = status;
  r.body = j.str();
  return r;
}

std::string FormatEvent(const Event& event) {
  std::string out;
  out.reserve(event.data.size() + event.type.size() + 32);
  if (event.id != 0) {
    out += "id: ";
    out += std::to_string(event.id);
    out += '\n';
  }
  if (!event.type.empty()) {
    out += "event: ";
    out += event.type;
    out += '\n';
  }
  size_t start = 0;
  while (true) {
    size_t nl = event.data.find('\n', start);
    out += "data: ";
    out.append(event.data, start, nl == std::string::npos ? std::string::npos : nl - start);
    out += '\n';
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  out += '\n';
  return out;
}

// ---- EventHub ----

class EventHub::Subscriber {
 public:
  std::deque<EventPtr> queue;
  uint64_t last_sent = 0;
  bool dropped = false;
  std::condition_variable cv;
};

struct EventHub::State {
  size_t queue_events;
  size_t max_clients;
  mutable std::mutex mu;
  std::list<std::shared_ptr<Subscriber>> subscribers;
  Backlog backlog;
  bool closed = false;
  int64_t dropped_total = 0;
  int64_t connected_total = 0;
};

EventHub::EventHub(size_t queue_events, size_t max_clients) : state_(std::make_unique<State>()) {
  state_->queue_events = std::max<size_t>(1, queue_events);
  state_->max_clients = max_clients;
}
EventHub::~EventHub() { Close(); }

void EventHub::SetBacklog(Backlog backlog) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->backlog = std::move(backlog);
}

void EventHub::Publish(const std::vector<EventPtr>& events) {
  if (events.empty()) return;
  std::lock_guard<std::mutex> lock(state_->mu);
  for (auto it = state_->subscribers.begin(); it != state_->subscribers.end();) {
    Subscriber& s = **it;
    if (s.queue.size() + events.size() > state_->queue_events) {
      // A slow client: drop it (its stream ends), never wait for it.
      s.dropped = true;
      s.queue.clear();
      s.cv.notify_all();
      ++state_->dropped_total;
      it = state_->subscribers.erase(it);
      continue;
    }
    s.queue.insert(s.queue.end(), events.begin(), events.end());
    s.cv.notify_all();
    ++it;
  }
}

void EventHub::Close() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->closed = true;
  for (auto& s : state_->subscribers) s->cv.notify_all();
  state_->subscribers.clear();
}

size_t EventHub::clients() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->subscribers.size();
}
int64_t EventHub::dropped_total() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->dropped_total;
}
int64_t EventHub::connected_total() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->connected_total;
}

std::shared_ptr<EventHub::Subscriber> EventHub::Subscribe(std::optional<uint64_t> last_id) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->closed || state_->subscribers.size() >= state_->max_clients) return nullptr;
  auto s = std::make_shared<Subscriber>();
  if (last_id && state_->backlog) {
    s->last_sent = *last_id;
    auto backlog = state_->backlog(*last_id);
    if (backlog.size() > state_->queue_events) {
      backlog.erase(backlog.begin(), backlog.end() - static_cast<ptrdiff_t>(state_->queue_events));
    }
    s->queue.assign(backlog.begin(), backlog.end());
  }
  state_->subscribers.push_back(s);
  ++state_->connected_total;
  return s;
}

void EventHub::Unsubscribe(const std::shared_ptr<Subscriber>& s) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->subscribers.remove(s);
}

bool EventHub::Wait(const std::shared_ptr<Subscriber>& s, std::chrono::milliseconds timeout,
                    std::vector<EventPtr>* out) {
  out->clear();
  std::unique_lock<std::mutex> lock(state_->mu);
  s->cv.wait_for(lock, timeout, [&] { return !s->queue.empty() || s->dropped || state_->closed; });
  if (s->dropped || state_->closed) return false;
  while (!s->queue.empty()) {
    EventPtr e = std::move(s->queue.front());
    s->queue.pop_front();
    if (e->id != 0) {
      if (e->id <= s->last_sent) continue;  // already sent (backlog and live overlap)
      s->last_sent = e->id;
    }
    out->push_back(std::move(e));
  }
  return true;
}

// ---- static paths ----

core::Result<std::string> SafeRelativePath(std::string_view path) {
  if (path.empty() || path[0] != '/') return core::Status::InvalidArgument("path must start with '/'");
  for (char c : path) {
    if (c == '\0') return core::Status::InvalidArgument("path contains a NUL byte");
    if (c == '\\') return core::Status::InvalidArgument("path contains a backslash");
    if (c == '%') return core::Status::InvalidArgument("path contains '%' after decoding (double encoding)");
    if (static_cast<unsigned char>(c) < 0x20) return core::Status::InvalidArgument("path contains a control character");
  }
  std::string rel;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") return core::Status::InvalidArgument("path contains a '..' segment");
    if (!seg.empty() && seg != ".") {
      if (seg[0] == '.') return core::Status::InvalidArgument("path names a hidden file");
      if (!rel.empty()) rel += '/';
      rel += seg;
    }
    i = j + 1;
  }
  return rel;
}

namespace {

std::string MimeType(const std::string& path) {
  static const std::vector<std::pair<std::string, std::string>> kTypes = {{".html", "text/html; charset=utf-8"},
                                                                          {".js", "text/javascript; charset=utf-8"},
                                                                          {".mjs", "text/javascript; charset=utf-8"},
                                                                          {".css", "text/css; charset=utf-8"},
                                                                          {".json", "application/json"},
                                                                          {".geojson", "application/geo+json"},
                                                                          {".map", "application/json"},
                                                                          {".svg", "image/svg+xml"},
                                                                          {".png", "image/png"},
                                                                          {".jpg", "image/jpeg"},
                                                                          {".ico", "image/x-icon"},
                                                                          {".webp", "image/webp"},
                                                                          {".woff", "font/woff"},
                                                                          {".woff2", "font/woff2"},
                                                                          {".txt", "text/plain; charset=utf-8"},
                                                                          {".wasm", "application/wasm"}};
  for (const auto& [ext, type] : kTypes) {
    if (path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0) return type;
  }
  return "application/octet-stream";
}

bool ReadFile(const std::filesystem::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

// ---- Server ----

struct Server::Impl {
  httplib::Server svr;
  std::thread thread;
  std::vector<std::pair<std::regex, Handler>> routes;
  std::vector<std::pair<std::string, EventHub*>> streams;
  std::filesystem::path static_root;  // canonical; empty when missing
  int port = 0;
  bool started = false;
};

Server::Server(ServerOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}
Server::~Server() { Stop(); }

void Server::Get(const std::string& pattern, Handler handler) {
  impl_->routes.emplace_back(std::regex(pattern), std::move(handler));
}

void Server::Stream(const std::string& path, EventHub* hub) { impl_->streams.emplace_back(path, hub); }

int Server::port() const { return impl_->port; }

namespace {

void ApplyCors(const ServerOptions& o, httplib::Response& res) {
  if (o.cors_origin.empty()) return;
  res.set_header("Access-Control-Allow-Origin", o.cors_origin);
  res.set_header("Vary", "Origin");
}

void Write(const ServerOptions& o, const Response& r, httplib::Response& res) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k.c_str(), v);
  res.set_content(r.body, r.content_type.c_str());
  ApplyCors(o, res);
}

Request ToRequest(const httplib::Request& req) {
  Request r;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params.emplace(k, v);
  for (const auto& [k, v] : req.headers) r.headers.emplace(k, v);
  return r;
}

}  // namespace

// Long because it is the route table: one short lambda per endpoint, read top to bottom as the
// API (api/openapi.json) lists them; splitting it would scatter the table.
core::Status Server::Start() {
  if (impl_->started) return core::Status::Ok();
  const ServerOptions& o = options_;
  auto& svr = impl_->svr;
  size_t threads = o.threads != 0 ? o.threads : o.max_sse_clients + 16;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(o.max_body_bytes);
  svr.set_write_timeout(o.write_timeout.count(), 0);
  svr.set_read_timeout(5, 0);
  svr.set_keep_alive_timeout(5);

  if (!o.static_dir.empty()) {
    std::error_code ec;
    auto canonical = std::filesystem::canonical(o.static_dir, ec);
    if (!ec && std::filesystem::is_directory(canonical)) impl_->static_root = canonical;
  }

  svr.set_pre_routing_handler([&o](const httplib::Request& req, httplib::Response& res) {
    size_t header_bytes = 0;
    for (const auto& [k, v] : req.headers) header_bytes += k.size() + v.size() + 4;
    if (header_bytes > o.max_header_bytes) {
      Write(o,
            JsonError(431, "request headers are " + std::to_string(header_bytes) + " bytes, more than the limit of " +
                               std::to_string(o.max_header_bytes)),
            res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.has_header("Content-Length")) {
      size_t length = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
      if (length > o.max_body_bytes) {
        Write(o,
              JsonError(413, "request body of " + std::to_string(length) + " bytes is more than the limit of " +
                                 std::to_string(o.max_body_bytes)),
              res);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (req.method == "OPTIONS" && !o.cors_origin.empty()) {
      res.status = 204;
      ApplyCors(o, res);
      res.set_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Last-Event-ID, Content-Type");
      res.set_header("Access-Control-Max-Age", "600");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      Response r = JsonError(405, "method " + req.method + " is not allowed", "GET, HEAD");
      r.headers.emplace_back("Allow", "GET, HEAD");
      Write(o, r, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  svr.set_error_handler(httplib::Server::HandlerWithResponse([&o](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) {
      std::string message;
      switch (res.status) {
        case 400:
          message = "bad request (malformed request line or a header line over 8 KiB)";
          break;
        case 413:
          message = "request body over the limit of " + std::to_string(o.max_body_bytes) + " bytes";
          break;
        case 414:
          message = "request line over the limit of 8 KiB";
          break;
        case 404:
          message = "not found: " + req.path;
          break;
        default:
          message = "HTTP " + std::to_string(res.status);
          break;
      }
      res.set_content(JsonError(res.status, message).body, "application/json");
      ApplyCors(o, res);
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  Impl* impl = impl_.get();
  svr.Get(".*", [&o, impl](const httplib::Request& req, httplib::Response& res) {
    // SSE streams.
    for (const auto& [path, hub] : impl->streams) {
      if (req.path != path) continue;
      std::optional<uint64_t> last_id;
      std::string last = req.get_header_value("Last-Event-ID");
      if (last.empty() && req.has_param("last_event_id")) last = req.get_param_value("last_event_id");
      if (!last.empty()) {
        char* end = nullptr;
        unsigned long long v = std::strtoull(last.c_str(), &end, 10);
        if (end == last.c_str() || *end != '\0') {
          Write(o, JsonError(400, "Last-Event-ID '" + last + "' is not an event id", "a decimal event id"), res);
          return;
        }
        last_id = v;
      }
      auto sub = hub->Subscribe(last_id);
      if (!sub) {
        Write(o, JsonError(503, "too many live clients (limit " + std::to_string(o.max_sse_clients) + ")"), res);
        return;
      }
      res.set_header("Cache-Control", "no-cache");
      res.set_header("X-Accel-Buffering", "no");
      ApplyCors(o, res);
      auto keepalive = o.sse_keepalive;
      res.set_chunked_content_provider(
          "text/event-stream",
          [hub, sub, keepalive, first = std::make_shared<bool>(true)](size_t, httplib::DataSink& sink) {
            std::string out;
            if (*first) {
              *first = false;
              out = "retry: 2000\n\n";
            }
            std::vector<EventPtr> events;
            if (!hub->Wait(sub, keepalive, &events)) return false;
            if (events.empty() && out.empty()) out = ": keepalive\n\n";
            for (const auto& e : events) out += FormatEvent(*e);
            return sink.write(out.data(), out.size());
          },
          [hub, sub](bool) { hub->Unsubscribe(sub); });
      return;
    }
    // API routes.
    for (const auto& [re, handler] : impl->routes) {
      std::smatch m;
      if (!std::regex_match(req.path, m, re)) continue;
      Request r = ToRequest(req);
      for (const auto& g : m) r.matches.push_back(g.str());
      Write(o, handler(r), res);
      return;
    }
    if (req.path.rfind("/api/", 0) == 0 || req.path == "/api" || req.path == "/metrics/") {
      Write(o, JsonError(404, "no endpoint " + req.path, "see /api/openapi.json"), res);
      return;
    }
    // Static files.
    auto rel = SafeRelativePath(req.path);
    if (!rel.ok()) {
      Write(o, JsonError(400, "path refused: " + rel.status().message()), res);
      return;
    }
    const std::string last_segment = rel->substr(rel->rfind('/') + 1);  // npos + 1 == 0
    bool app_route = last_segment.find('.') == std::string::npos;
    if (impl->static_root.empty()) {
      if (app_route) {
        Write(o, Response{200, "text/html; charset=utf-8", o.placeholder_html, {}}, res);
      } else {
        Write(o, JsonError(404, "no file " + req.path + " (the dashboard is not built)"), res);
      }
      return;
    }
    std::filesystem::path p = impl->static_root / *rel;
    std::error_code ec;
    if (rel->empty() || std::filesystem::is_directory(p, ec)) p /= "index.html";
    auto real = std::filesystem::weakly_canonical(p, ec);
    auto root = impl->static_root.string();
    bool inside = !ec && real.string().rfind(root, 0) == 0 &&
                  (real.string().size() == root.size() || real.string()[root.size()] == '/');
    if (!inside) {
      Write(o, JsonError(400, "path refused: outside the static folder"), res);
      return;
    }
    std::string body;
    if (!std::filesystem::is_regular_file(real, ec) || !ReadFile(real, &body)) {
      if (!app_route || !ReadFile(impl->static_root / "index.html", &body)) {
        Write(o, JsonError(404, "no file " + req.path), res);
        return;
      }
      real = impl->static_root / "index.html";
    }
    Response r{200, MimeType(real.string()), std::move(body), {}};
    bool hashed_asset = rel->rfind("assets/", 0) == 0;
    r.headers.emplace_back("Cache-Control", hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    Write(o, r, res);
  });

  int port = o.port;
  if (port == 0) {
    port = svr.bind_to_any_port(o.host);
    if (port <= 0) return core::Status::IoError("http: cannot bind " + o.host + " on any port");
  } else if (!svr.bind_to_port(o.host, port)) {
    return core::Status::IoError("http: cannot bind " + o.host + ":" + std::to_string(port) +
                                 " (in use, or not an address of this machine)");
  }
  impl_->port = port;
  impl_->thread = std::thread([this] { impl_->svr.listen_after_bind(); });
  impl_->started = true;
  return core::Status::Ok();
}

void Server::Stop() {
  if (!impl_ || !impl_->started) return;
  for (auto& [path, hub] : impl_->streams) hub->Close();
  impl_->svr.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->started = false;
}

}  // namespace traffic::http
