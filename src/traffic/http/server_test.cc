#include "traffic/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace traffic::http {
namespace {

// Waits until `done` holds, at most 20 s: a wait in a test fails instead of hanging the run.
template <typename Pred>
bool WaitUntil(Pred done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Sends raw bytes (exactly as given: no client-side normalisation) and reads until close.
std::string RawRequest(int port, const std::string& bytes, size_t max_read = 1 << 20) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buf[4096];
  while (out.size() < max_read) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// Reads until `until` appears in the response (or close / 10 s).
std::string GetUntil(int port, const std::string& target, const std::string& extra_headers, const std::string& until) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra_headers + "\r\n";
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  while (out.find(until) == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string Get(int port, const std::string& target, const std::string& extra_headers = "") {
  return RawRequest(port, "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra_headers + "\r\n");
}

int StatusOf(const std::string& response) {
  if (response.size() < 12) return -1;
  return std::atoi(response.substr(9, 3).c_str());
}

std::string BodyOf(const std::string& response) {
  auto pos = response.find("\r\n\r\n");
  return pos == std::string::npos ? "" : response.substr(pos + 4);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("traffic_http_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "static" / "assets");
    std::ofstream(root_ / "static" / "index.html") << "<html>index</html>";
    std::ofstream(root_ / "static" / "assets" / "app.js") << "console.log(1)";
    std::ofstream(root_ / "secret.txt") << "SECRET";
    std::filesystem::create_symlink(root_ / "secret.txt", root_ / "static" / "link.txt");
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }
  void StartServer(ServerOptions o) {
    o.port = 0;
    o.static_dir = (root_ / "static").string();
    server_ = std::make_unique<Server>(o);
    server_->Get("/api/echo/([a-z]+)", [](const Request& r) {
      Response res;
      res.body = "{\"word\":\"" + r.matches[1] + "\",\"q\":\"" + r.Param("q").value_or("") + "\"}";
      return res;
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  std::filesystem::path root_;
  std::unique_ptr<Server> server_;
};

TEST(SafeRelativePathTest, RefusesTraversalAndOddBytes) {
  EXPECT_EQ(*SafeRelativePath("/"), "");
  EXPECT_EQ(*SafeRelativePath("/assets/app.js"), "assets/app.js");
  EXPECT_EQ(*SafeRelativePath("/a//./b"), "a/b");
  EXPECT_FALSE(SafeRelativePath("/../etc/passwd").ok());
  EXPECT_FALSE(SafeRelativePath("/a/../../b").ok());
  EXPECT_FALSE(SafeRelativePath("/a/..").ok());
  EXPECT_FALSE(SafeRelativePath("/..\\..\\x").ok());
  EXPECT_FALSE(SafeRelativePath("/%2e%2e/x").ok());  // left over from a double encoding
  EXPECT_FALSE(SafeRelativePath(std::string_view("/a\0b", 4)).ok());
  EXPECT_FALSE(SafeRelativePath("/.env").ok());
  EXPECT_FALSE(SafeRelativePath("relative").ok());
}

TEST_F(ServerTest, RoutesStaticFilesAndAppRoutes) {
  StartServer({});
  int port = server_->port();
  auto r = Get(port, "/api/echo/hello?q=a%20b");
  EXPECT_EQ(StatusOf(r), 200);
  EXPECT_EQ(BodyOf(r), "{\"word\":\"hello\",\"q\":\"a b\"}");
  EXPECT_EQ(StatusOf(Get(port, "/api/nothing")), 404);
  EXPECT_NE(BodyOf(Get(port, "/api/nothing")).find("no endpoint /api/nothing"), std::string::npos);
  r = Get(port, "/");
  EXPECT_EQ(StatusOf(r), 200);
  EXPECT_EQ(BodyOf(r), "<html>index</html>");
  EXPECT_EQ(BodyOf(Get(port, "/assets/app.js")), "console.log(1)");
  EXPECT_EQ(BodyOf(Get(port, "/cells/28_27")), "<html>index</html>");  // app route
  EXPECT_EQ(StatusOf(Get(port, "/missing.js")), 404);
  // No CORS unless asked.
  EXPECT_EQ(Get(port, "/api/echo/x").find("Access-Control-Allow-Origin"), std::string::npos);
}

TEST_F(ServerTest, RefusesTraversalPlainEncodedAndDoublyEncoded) {
  StartServer({});
  int port = server_->port();
  for (const char* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
                             "/assets/%2e%2e/%2e%2e/secret.txt", "/%252e%252e/secret.txt", "/..%5csecret.txt",
                             "/link.txt", "/%00index.html"}) {
    auto r = Get(port, target);
    EXPECT_NE(StatusOf(r), 200) << target;
    EXPECT_EQ(r.find("SECRET"), std::string::npos) << target;
  }
  EXPECT_EQ(StatusOf(Get(port, "/%2e%2e/secret.txt")), 400);
}

TEST_F(ServerTest, RefusesOversizedRequests) {
  ServerOptions o;
  o.max_header_bytes = 4096;
  o.max_body_bytes = 1024;
  StartServer(o);
  int port = server_->port();
  // A request line over 8 KiB.
  EXPECT_EQ(StatusOf(Get(port, "/api/echo/x?q=" + std::string(9000, 'a'))), 414);
  // One header line over 8 KiB.
  EXPECT_EQ(StatusOf(Get(port, "/api/echo/x", "X-Big: " + std::string(9000, 'b') + "\r\n")), 400);
  // Many small headers, over the total.
  std::string many;
  for (int i = 0; i < 100; ++i) many += "X-H" + std::to_string(i) + ": " + std::string(60, 'c') + "\r\n";
  auto r = Get(port, "/api/echo/x", many);
  EXPECT_EQ(StatusOf(r), 431);
  EXPECT_NE(BodyOf(r).find("limit of 4096"), std::string::npos);
  // A body over the limit.
  r = RawRequest(port, "POST /api/echo/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5000\r\n\r\n" +
                           std::string(5000, 'd'));
  EXPECT_EQ(StatusOf(r), 413);
  // Other methods.
  r = RawRequest(port, "DELETE /api/echo/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 405);
  // The server still answers.
  EXPECT_EQ(StatusOf(Get(port, "/api/echo/ok")), 200);
}

TEST_F(ServerTest, CorsOnlyForTheGivenOrigin) {
  ServerOptions o;
  o.cors_origin = "http://localhost:5173";
  StartServer(o);
  auto r = Get(server_->port(), "/api/echo/x");
  EXPECT_NE(r.find("Access-Control-Allow-Origin: http://localhost:5173"), std::string::npos);
  r = RawRequest(server_->port(), "OPTIONS /api/echo/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 204);
}

TEST_F(ServerTest, PlaceholderWhenTheDashboardIsNotBuilt) {
  ServerOptions o;
  o.port = 0;
  o.static_dir = (root_ / "no-such-dir").string();
  o.placeholder_html = "<p>run npm run build</p>";
  Server s(o);
  ASSERT_TRUE(s.Start().ok());
  EXPECT_EQ(BodyOf(Get(s.port(), "/")), "<p>run npm run build</p>");
  EXPECT_EQ(StatusOf(Get(s.port(), "/assets/x.js")), 404);
}

TEST(EventHubTest, SlowClientIsDroppedOthersKeepGoing) {
  EventHub hub(/*queue_events=*/4, /*max_clients=*/3);
  auto fast = hub.Subscribe(std::nullopt);
  auto slow = hub.Subscribe(std::nullopt);
  ASSERT_TRUE(fast && slow);
  std::vector<EventPtr> got;
  for (uint64_t i = 1; i <= 10; ++i) {
    hub.Publish(std::make_shared<Event>(Event{i, "window", "{}"}));
    ASSERT_TRUE(hub.Wait(fast, std::chrono::milliseconds(0), &got));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]->id, i);
  }
  EXPECT_FALSE(hub.Wait(slow, std::chrono::milliseconds(0), &got));  // dropped after 4 queued
  EXPECT_EQ(hub.clients(), 1u);
  EXPECT_EQ(hub.dropped_total(), 1);
  // Limit of clients.
  EXPECT_TRUE(hub.Subscribe(std::nullopt));
  EXPECT_TRUE(hub.Subscribe(std::nullopt));
  EXPECT_FALSE(hub.Subscribe(std::nullopt));
}

TEST(EventHubTest, ResumeFromBacklogWithoutDuplicates) {
  EventHub hub(100, 10);
  std::vector<EventPtr> ring;
  for (uint64_t i = 1; i <= 5; ++i) ring.push_back(std::make_shared<Event>(Event{i, "window", std::to_string(i)}));
  hub.SetBacklog([&](uint64_t last) {
    std::vector<EventPtr> out;
    for (auto& e : ring)
      if (e->id > last) out.push_back(e);
    return out;
  });
  auto s = hub.Subscribe(3);
  hub.Publish(ring[4]);  // 5 again, live: must not repeat
  hub.Publish(std::make_shared<Event>(Event{6, "window", "6"}));
  std::vector<EventPtr> got;
  ASSERT_TRUE(hub.Wait(s, std::chrono::milliseconds(0), &got));
  std::vector<uint64_t> ids;
  for (auto& e : got) ids.push_back(e->id);
  EXPECT_EQ(ids, (std::vector<uint64_t>{4, 5, 6}));
}

TEST(FormatEventTest, Lines) {
  EXPECT_EQ(FormatEvent({7, "window", "{\"a\":1}"}), "id: 7\nevent: window\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(FormatEvent({0, "", "a\nb"}), "data: a\ndata: b\n\n");
}

TEST_F(ServerTest, StreamsEventsAndDropsASlowReader) {
  ServerOptions o;
  o.sse_queue_events = 16;
  o.sse_keepalive = std::chrono::milliseconds(200);
  o.port = 0;
  o.static_dir = (root_ / "static").string();
  EventHub hub(o.sse_queue_events, 8);
  std::vector<EventPtr> ring;
  hub.SetBacklog([&](uint64_t last) {
    std::vector<EventPtr> out;
    for (auto& e : ring)
      if (e->id > last) out.push_back(e);
    return out;
  });
  for (uint64_t i = 1; i <= 3; ++i)
    ring.push_back(std::make_shared<Event>(Event{i, "window", "{\"n\":" + std::to_string(i) + "}"}));
  Server s(o);
  s.Stream("/api/stream", &hub);
  ASSERT_TRUE(s.Start().ok());
  // A resuming reader gets 2 and 3 from the backlog, then 4 live, and hangs up.
  std::string got;
  std::thread reader([&] { got = GetUntil(s.port(), "/api/stream", "Last-Event-ID: 1\r\n", "id: 4\n"); });
  ASSERT_TRUE(WaitUntil([&] { return hub.clients() == 1; })) << "the resuming reader never subscribed";
  hub.Publish(std::make_shared<Event>(Event{4, "window", "{\"n\":4}"}));
  reader.join();
  // The reader hung up: its stream ends at the next event.
  ASSERT_TRUE(WaitUntil([&] {
    hub.Publish(std::make_shared<Event>(Event{0, "ping", "{}"}));
    return hub.clients() == 0;
  })) << "the reader that hung up is still subscribed";
  int64_t dropped_before = hub.dropped_total();
  // A client that never reads: flood until it is dropped. The server must not block.
  int slow_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  setsockopt(slow_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(s.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(slow_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string req = "GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(slow_fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  // Regression: this waited for 2 clients while the first had gone, and hung the CI run.
  ASSERT_TRUE(WaitUntil([&] { return hub.clients() == 1; })) << "the slow client never subscribed";
  std::string big(16 * 1024, 'x');
  for (uint64_t i = 5; i < 2000 && hub.dropped_total() == dropped_before; ++i) {
    hub.Publish(std::make_shared<Event>(Event{i, "window", big}));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(hub.dropped_total(), dropped_before + 1);  // the slow one, and the server went on
  EXPECT_EQ(hub.clients(), 0u);
  ::close(slow_fd);
  hub.Close();
  auto p2 = got.find("id: 2\n");
  auto p3 = got.find("id: 3\n");
  auto p4 = got.find("id: 4\n");
  EXPECT_EQ(got.find("id: 1\n"), std::string::npos);
  ASSERT_NE(p2, std::string::npos);
  ASSERT_NE(p3, std::string::npos);
  ASSERT_NE(p4, std::string::npos);
  EXPECT_LT(p2, p3);
  EXPECT_LT(p3, p4);
  EXPECT_NE(got.find("text/event-stream"), std::string::npos);
  // Still serving.
  EXPECT_EQ(StatusOf(Get(s.port(), "/")), 200);
}

}  // namespace
}  // namespace traffic::http
