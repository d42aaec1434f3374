// HTTP edge: wraps cpp-httplib (Debian libcpp-httplib-dev) and knows nothing of trips. A server
// with GET routes answering plain values, a static file tree, and Server-Sent Events fed from an
// EventHub.
//
// Contract:
// - Binds `host` (default 127.0.0.1: nothing outside the machine sees it unless asked) on `port`
//   (0 picks a free one; port() tells which). Start() returns once the socket is bound; errors
//   name host:port.
// - Limits: a request line over 8 KiB is refused by the library (414); a single header line over
//   8 KiB (400); all headers together over `max_header_bytes` (431); a body over `max_body_bytes`
//   (413). Only GET and HEAD are routed; OPTIONS answers the CORS preflight when CORS is on.
// - CORS is off (no Access-Control-* header at all) unless `cors_origin` is set; then that one
//   origin is allowed.
// - Static files under `static_dir`: the decoded path must not contain a ".." segment, a
//   backslash, a NUL or a '%' (what is left of a doubly encoded path), and its real path must lie
//   inside the real static_dir (symlinks out are refused): 400 otherwise, never a file outside.
//   A path without a file extension that names no file is an app route: index.html. A missing
//   static_dir serves `placeholder_html` for app routes.
// - SSE: each client has a bounded queue (`sse_queue_events`); Publish never blocks on a client:
//   a client whose queue is full is dropped (its connection closed), never the server. At most
//   `max_sse_clients` at once (503 beyond). A comment line is sent every `sse_keepalive` so dead
//   connections are noticed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "traffic/core/status.h"

namespace traffic::http {

struct Request {
  std::string path;                                // decoded, without the query
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::vector<std::string> matches;                // regex groups of the route (matches[0] = whole path)
  std::map<std::string, std::string> headers;      // names as sent
  // The first value of a query parameter, or nullopt.
  std::optional<std::string> Param(const std::string& name) const;
  std::optional<std::string> Header(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error": message} (+ "allowed") with the given status.
Response JsonError(int status, std::string_view message, std::string_view allowed = {});

using Handler = std::function<Response(const Request&)>;

// One server-sent event. `id` 0: no id line (not resumable, e.g. periodic stats).
struct Event {
  uint64_t id = 0;
  std::string type;  // "event:" line; empty for the default "message"
  std::string data;  // one line (JSON); newlines are split into several data: lines
};
using EventPtr = std::shared_ptr<const Event>;

// Serialized form: "id: 7\nevent: window\ndata: {...}\n\n".
std::string FormatEvent(const Event& event);

class EventHub {
 public:
  // What a resuming client missed: the events after `last_id` still held by the caller's ring
  // buffer, oldest first. Called under the hub's lock (so no event is missed between backlog and
  // live; duplicates are dropped by id).
  using Backlog = std::function<std::vector<EventPtr>(uint64_t last_id)>;

  EventHub(size_t queue_events, size_t max_clients);
  ~EventHub();
  void SetBacklog(Backlog backlog);

  // To every client; a client whose queue would exceed its bound is dropped instead.
  void Publish(const std::vector<EventPtr>& events);
  void Publish(EventPtr event) { Publish(std::vector<EventPtr>{std::move(event)}); }
  // Wakes every client and ends their streams (server shutdown).
  void Close();

  size_t clients() const;
  int64_t dropped_total() const;
  int64_t connected_total() const;

  class Subscriber;
  // nullptr when max_clients are connected or the hub is closed.
  std::shared_ptr<Subscriber> Subscribe(std::optional<uint64_t> last_id);
  void Unsubscribe(const std::shared_ptr<Subscriber>& s);
  // Waits up to `timeout` for events; false when the subscriber was dropped or the hub closed.
  bool Wait(const std::shared_ptr<Subscriber>& s, std::chrono::milliseconds timeout, std::vector<EventPtr>* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 3000;
  std::string cors_origin;  // empty: CORS off
  size_t max_body_bytes = 64 * 1024;
  size_t max_header_bytes = 16 * 1024;
  std::string static_dir;        // the built dashboard; empty or missing: placeholder_html
  std::string placeholder_html;  // served for app routes when static_dir is missing
  size_t max_sse_clients = 256;
  size_t sse_queue_events = 8192;
  std::chrono::milliseconds sse_keepalive{15000};
  // Worker threads: each SSE client holds one for as long as it is connected.
  size_t threads = 0;  // 0: max_sse_clients + 16
  std::chrono::seconds write_timeout{5};
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // `pattern` is a std::regex over the decoded path; routes are tried in order of registration,
  // before the static files.
  void Get(const std::string& pattern, Handler handler);
  void Stream(const std::string& path, EventHub* hub);
  // Binds and starts serving on a background thread.
  core::Status Start();
  void Stop();
  int port() const;
  const ServerOptions& options() const { return options_; }

 private:
  struct Impl;
  ServerOptions options_;
  std::unique_ptr<Impl> impl_;
};

// Refuses what must never reach the file system (see the contract above); returns the relative
// path ("" for the root) when it is acceptable.
core::Result<std::string> SafeRelativePath(std::string_view decoded_path);

}  // namespace traffic::http
