// The WebHDFS client and file system against a small fake NameNode + DataNode (cpp-httplib) that
// keeps files in memory, redirects OPEN and CREATE to a "DataNode" path like the real one, and
// can be told to fail. The real HDFS is exercised by tests/hdfs_integration_test.sh.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "traffic/fs/webhdfs_file_system.h"

namespace traffic::fs {
namespace {

std::string RemoteException(const std::string& exception, const std::string& message) {
  return R"({"RemoteException":{"exception":")" + exception + R"(","javaClassName":"x","message":")" + message +
         R"("}})";
}

class FakeWebHdfs {
 public:
  FakeWebHdfs() {
    entries_["/"] = Entry{true, ""};
    server_.Get(R"(/webhdfs/v1(/.*))",
                [this](const httplib::Request& req, httplib::Response& res) { Handle("GET", req, res); });
    server_.Put(R"(/webhdfs/v1(/.*))",
                [this](const httplib::Request& req, httplib::Response& res) { Handle("PUT", req, res); });
    server_.Delete(R"(/webhdfs/v1(/.*))",
                   [this](const httplib::Request& req, httplib::Response& res) { Handle("DELETE", req, res); });
    server_.Get(R"(/datanode/open(/.*))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      ++datanode_requests_;
      const std::string& data = entries_[req.matches[1]].data;
      size_t offset = std::stoul(req.get_param_value("offset"));
      size_t length = std::stoul(req.get_param_value("length"));
      res.set_content(offset < data.size() ? data.substr(offset, length) : "", "application/octet-stream");
    });
    server_.Put(R"(/datanode/create(/.*))", [this](const httplib::Request& req, httplib::Response& res,
                                                   const httplib::ContentReader& reader) {
      std::string body;
      reader([&](const char* data, size_t n) {
        body.append(data, n);
        return true;
      });
      std::lock_guard lock(mu_);
      ++datanode_requests_;
      last_upload_chunked_ = req.get_header_value("Transfer-Encoding") == "chunked";
      if (fail_uploads_) {
        res.status = 500;
        res.set_content(RemoteException("IOException", "disk on fire"), "application/json");
        return;
      }
      std::string path = req.matches[1];
      if (req.get_param_value("overwrite") != "true" && entries_.count(path)) {
        res.status = 403;
        res.set_content(RemoteException("FileAlreadyExistsException", path + " already exists"), "application/json");
        return;
      }
      AddParents(path);
      entries_[path] = Entry{false, std::move(body)};
      res.status = 201;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeWebHdfs() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string Uri() const { return "webhdfs://127.0.0.1:" + std::to_string(port_); }

  // The next `n` NameNode requests answer `status` with `body`.
  void FailNext(int n, int status, std::string body) {
    std::lock_guard lock(mu_);
    fail_left_ = n;
    fail_status_ = status;
    fail_body_ = std::move(body);
  }
  void FailUploads(bool on) {
    std::lock_guard lock(mu_);
    fail_uploads_ = on;
  }
  void Put(const std::string& path, std::string data) {
    std::lock_guard lock(mu_);
    AddParents(path);
    entries_[path] = Entry{false, std::move(data)};
  }
  std::map<std::string, std::string> Files() {
    std::lock_guard lock(mu_);
    std::map<std::string, std::string> out;
    for (const auto& [path, e] : entries_) {
      if (!e.is_dir) out[path] = e.data;
    }
    return out;
  }
  int namenode_requests() {
    std::lock_guard lock(mu_);
    return namenode_requests_;
  }
  int datanode_requests() {
    std::lock_guard lock(mu_);
    return datanode_requests_;
  }
  bool last_upload_chunked() {
    std::lock_guard lock(mu_);
    return last_upload_chunked_;
  }
  std::string last_user() {
    std::lock_guard lock(mu_);
    return last_user_;
  }

 private:
  struct Entry {
    bool is_dir = false;
    std::string data;
  };

  void AddParents(const std::string& path) {
    for (size_t at = path.find('/', 1); at != std::string::npos; at = path.find('/', at + 1)) {
      entries_.try_emplace(path.substr(0, at), Entry{true, ""});
    }
  }

  // The real NameNode's Location is a valid URL: the path percent-encoded.
  static std::string Encoded(const std::string& path) {
    std::string out;
    for (unsigned char c : path) {
      if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_') {
        out.push_back(static_cast<char>(c));
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        out += hex;
      }
    }
    return out;
  }

  static std::string StatusJson(const std::string& suffix, const Entry& e) {
    return R"({"pathSuffix":")" + suffix + R"(","type":")" + (e.is_dir ? "DIRECTORY" : "FILE") + R"(","length":)" +
           std::to_string(e.data.size()) + R"(,"modificationTime":1700000000123})";
  }

  void Handle(const std::string& method, const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    ++namenode_requests_;
    last_user_ = req.get_param_value("user.name");
    if (fail_left_ > 0) {
      --fail_left_;
      res.status = fail_status_;
      res.set_content(fail_body_, "application/json");
      return;
    }
    std::string path = req.matches[1];
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    std::string op = req.get_param_value("op");
    auto missing = [&] {
      res.status = 404;
      res.set_content(RemoteException("FileNotFoundException", "File does not exist: " + path), "application/json");
    };
    auto json = [&](const std::string& body) { res.set_content(body, "application/json"); };
    auto it = entries_.find(path);
    if (method == "GET" && op == "GETFILESTATUS") {
      if (it == entries_.end()) return missing();
      return json(R"({"FileStatus":)" + StatusJson("", it->second) + "}");
    }
    if (method == "GET" && op == "LISTSTATUS") {
      if (it == entries_.end()) return missing();
      std::string items;
      if (!it->second.is_dir) {
        items = StatusJson("", it->second);
      } else {
        std::string prefix = path == "/" ? "/" : path + "/";
        for (const auto& [p, e] : entries_) {
          if (p.size() <= prefix.size() || p.compare(0, prefix.size(), prefix) != 0) continue;
          if (p.find('/', prefix.size()) != std::string::npos) continue;
          items += (items.empty() ? "" : ",") + StatusJson(p.substr(prefix.size()), e);
        }
      }
      return json(R"({"FileStatuses":{"FileStatus":[)" + items + "]}}");
    }
    if (method == "GET" && op == "OPEN") {
      if (it == entries_.end()) return missing();
      res.status = 307;
      res.set_header("Location", "http://127.0.0.1:" + std::to_string(port_) + "/datanode/open" + Encoded(path) +
                                     "?offset=" + req.get_param_value("offset") +
                                     "&length=" + req.get_param_value("length"));
      return;
    }
    if (method == "PUT" && op == "CREATE") {
      res.status = 307;
      res.set_header("Location", "http://127.0.0.1:" + std::to_string(port_) + "/datanode/create" + Encoded(path) +
                                     "?overwrite=" + req.get_param_value("overwrite"));
      return;
    }
    if (method == "PUT" && op == "MKDIRS") {
      AddParents(path);
      entries_.try_emplace(path, Entry{true, ""});
      return json(R"({"boolean":true})");
    }
    if (method == "PUT" && op == "RENAME") {
      if (it == entries_.end()) return missing();
      std::string to = req.get_param_value("destination");
      if (req.get_param_value("renameoptions") != "OVERWRITE" && entries_.count(to))
        return json(R"({"boolean":false})");
      std::map<std::string, Entry> moved;
      for (auto e = entries_.begin(); e != entries_.end();) {
        if (e->first == path || e->first.compare(0, path.size() + 1, path + "/") == 0) {
          moved[to + e->first.substr(path.size())] = std::move(e->second);
          e = entries_.erase(e);
        } else {
          ++e;
        }
      }
      for (auto& [p, e] : moved) entries_[p] = std::move(e);
      return json(R"({"boolean":true})");
    }
    if (method == "DELETE" && op == "DELETE") {
      bool found = false;
      for (auto e = entries_.begin(); e != entries_.end();) {
        if (e->first == path || e->first.compare(0, path.size() + 1, path + "/") == 0) {
          e = entries_.erase(e);
          found = true;
        } else {
          ++e;
        }
      }
      return json(found ? R"({"boolean":true})" : R"({"boolean":false})");
    }
    res.status = 400;
    json(RemoteException("IllegalArgumentException", "unsupported " + method + " " + op));
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
  int fail_left_ = 0;
  int fail_status_ = 0;
  std::string fail_body_;
  bool fail_uploads_ = false;
  bool last_upload_chunked_ = false;
  int namenode_requests_ = 0;
  int datanode_requests_ = 0;
  std::string last_user_;
};

std::unique_ptr<WebHdfsFileSystem> Connect(const FakeWebHdfs& fake, const std::string& root = "") {
  WebHdfsOptions options;
  options.uri = fake.Uri() + root;
  options.user = "tester";
  options.retry.max_attempts = 3;
  options.retry.first_backoff = std::chrono::milliseconds(10);
  options.read_ahead_bytes = 1000;
  options.write_buffer_bytes = 4096;
  auto fs = MakeWebHdfsFileSystem(options);
  EXPECT_TRUE(fs.ok()) << fs.status().message();
  return std::move(fs).value();
}

std::string Pattern(size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return out;
}

TEST(HdfsUri, ParsesHdfsAndWebHdfsForms) {
  auto a = ParseHdfsUri("hdfs://namenode");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "namenode");
  EXPECT_EQ(a->rpc_port, 9000);
  EXPECT_EQ(a->http_port, 9870);
  EXPECT_EQ(a->path, "");
  auto b = ParseHdfsUri("hdfs://localhost:9001/lake/", 50070);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->rpc_port, 9001);
  EXPECT_EQ(b->http_port, 50070);
  EXPECT_EQ(b->path, "/lake");
  EXPECT_EQ(b->Uri(), "hdfs://localhost:9001");
  auto c = ParseHdfsUri("webhdfs://10.0.0.1:14000/x");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->http_port, 14000);
  EXPECT_EQ(c->HttpUrl(), "http://10.0.0.1:14000");
}

TEST(HdfsUri, RejectsWhatIsNotAnHdfsUriNamingIt) {
  for (std::string bad : {"http://localhost:9870", "hdfs://:9000", "hdfs://host:port", "hdfs://host:0",
                          "hdfs://host:70000", "localhost:9000", "hdfs://user@host:9000"}) {
    auto parsed = ParseHdfsUri(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("'" + bad + "'"), std::string::npos) << parsed.status().message();
  }
}

TEST(WebHdfs, WritesInStreamedChunksAndReadsBackThroughTheDataNode) {
  FakeWebHdfs fake;
  auto fs = Connect(fake, "/lake");
  const std::string data = Pattern(100'000);
  {
    auto file = fs->OpenWrite("raw/trips.csv", WriteMode::kAtomic);
    ASSERT_TRUE(file.ok()) << file.status().message();
    for (size_t at = 0; at < data.size(); at += 777) ASSERT_TRUE((*file)->Append(data.substr(at, 777)).ok());
    // Not visible under its name before Close().
    EXPECT_EQ(fake.Files().count("/lake/raw/trips.csv"), 0u);
    ASSERT_TRUE((*file)->Close().ok());
    EXPECT_EQ((*file)->bytes_written(), data.size());
  }
  EXPECT_TRUE(fake.last_upload_chunked());
  EXPECT_EQ(fake.last_user(), "tester");
  auto files = fake.Files();
  ASSERT_EQ(files.size(), 1u) << "the temporary file is renamed, not left behind";
  EXPECT_EQ(files["/lake/raw/trips.csv"], data);

  auto info = fs->Stat("raw/trips.csv");
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->size_bytes, data.size());
  EXPECT_FALSE(info->is_directory);
  EXPECT_EQ(info->modified_ns, 1700000000123LL * 1'000'000);

  int datanode_before = fake.datanode_requests();
  auto read = fs->ReadAll("raw/trips.csv");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, data);
  EXPECT_EQ(fake.datanode_requests() - datanode_before, 1) << "one streamed request, through the redirect";

  auto reader = fs->OpenRead("/lake/raw/trips.csv");
  ASSERT_TRUE(reader.ok());
  char buffer[50];
  auto got = (*reader)->ReadAt(99'990, buffer, sizeof buffer);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(std::string(buffer, *got), data.substr(99'990));
}

TEST(WebHdfs, ListsSortedAndRefusesToListAFile) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  ASSERT_TRUE(fs->MakeDirs("/d/sub").ok());
  fake.Put("/d/b.csv", "bb");
  fake.Put("/d/a.csv", "a");
  auto list = fs->List("/d");
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "a.csv");
  EXPECT_EQ((*list)[0].path, "/d/a.csv");
  EXPECT_EQ((*list)[1].size_bytes, 2u);
  EXPECT_TRUE((*list)[2].is_directory);
  auto of_file = fs->List("/d/a.csv");
  ASSERT_FALSE(of_file.ok());
  EXPECT_NE(of_file.status().message().find("is a file, not a folder"), std::string::npos);
  auto open_dir = fs->OpenRead("/d");
  ASSERT_FALSE(open_dir.ok());
  EXPECT_NE(open_dir.status().message().find("is a folder"), std::string::npos);
}

TEST(WebHdfs, AMissingPathIsNotFoundNamingPathAndNameNode) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  auto info = fs->Stat("/nope/x.parquet");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(info.status().message().find("/nope/x.parquet"), std::string::npos) << info.status().message();
  EXPECT_NE(info.status().message().find("127.0.0.1:" + std::to_string(fake.port())), std::string::npos);
  EXPECT_NE(info.status().message().find("File does not exist"), std::string::npos);
  EXPECT_FALSE(fs->Exists("/nope"));
}

TEST(WebHdfs, SafeModeIsRetriedWithBackoffThenSucceeds) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  fake.FailNext(2, 403, RemoteException("RetriableException", "NameNode is in safe mode."));
  int before = fake.namenode_requests();
  ASSERT_TRUE(fs->MakeDirs("/later").ok());
  EXPECT_EQ(fake.namenode_requests() - before, 3);
  EXPECT_TRUE(fs->Exists("/later"));
}

TEST(WebHdfs, SafeModeThatLastsGivesUpAfterBoundedAttempts) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  fake.FailNext(100, 403,
                RemoteException("SafeModeException", "Cannot create directory /x. Name node is in safe mode."));
  int before = fake.namenode_requests();
  core::Status st = fs->MakeDirs("/x");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(fake.namenode_requests() - before, 3);
  EXPECT_NE(st.message().find("safe mode"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("gave up after 3 attempts"), std::string::npos) << st.message();
}

TEST(WebHdfs, A503IsRetried) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  fake.FailNext(1, 503, "busy");
  EXPECT_TRUE(fs->MakeDirs("/y").ok());
}

TEST(WebHdfs, PermissionDeniedSaysSoAndIsNotRetried) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  fake.FailNext(
      5, 403,
      RemoteException("AccessControlException",
                      "Permission denied: user=tester, access=WRITE, inode=/private:hdfs:supergroup:drwx------"));
  int before = fake.namenode_requests();
  core::Status st = fs->MakeDirs("/private/x");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(fake.namenode_requests() - before, 1);
  EXPECT_NE(st.message().find("permission denied (as HDFS user 'tester')"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("/private/x"), std::string::npos);
}

TEST(WebHdfs, ANameNodeThatIsDownIsUnavailableAfterBoundedRetriesNamingTheUri) {
  int port;
  {
    FakeWebHdfs gone;  // a port that was just free, and is again
    port = gone.port();
  }
  WebHdfsOptions options;
  options.uri = "webhdfs://127.0.0.1:" + std::to_string(port);
  options.retry.max_attempts = 3;
  options.retry.first_backoff = std::chrono::milliseconds(10);
  auto fs = MakeWebHdfsFileSystem(options);
  ASSERT_TRUE(fs.ok());
  auto info = (*fs)->Stat("/x");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(info.status().message().find("http://127.0.0.1:" + std::to_string(port)), std::string::npos)
      << info.status().message();
  EXPECT_NE(info.status().message().find("gave up after 3 attempts"), std::string::npos);
}

TEST(WebHdfs, AFailedUploadFailsCloseAndLeavesNothingVisible) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  fake.FailUploads(true);
  auto file = fs->OpenWrite("/out/part.parquet", WriteMode::kAtomic);
  ASSERT_TRUE(file.ok());
  (void)(*file)->Append(Pattern(20'000));
  core::Status st = (*file)->Close();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/out/part.parquet"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("disk on fire"), std::string::npos) << st.message();
  EXPECT_FALSE((*file)->Close().ok()) << "a second Close still reports the failure";
  EXPECT_TRUE(fake.Files().empty());
}

TEST(WebHdfs, AWriterDroppedWithoutCloseLeavesNothing) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  {
    auto file = fs->OpenWrite("/out/x.json", WriteMode::kAtomic);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append("half of it").ok());
  }
  EXPECT_TRUE(fake.Files().empty());
}

TEST(WebHdfs, AtomicWriteReplacesAnExistingFile) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  fake.Put("/m/card.json", "old");
  ASSERT_TRUE(fs->WriteAll("/m/card.json", "new").ok());
  EXPECT_EQ(fake.Files()["/m/card.json"], "new");
  EXPECT_EQ(fake.Files().size(), 1u);
}

TEST(WebHdfs, RemoveAllOfAMissingPathIsFineAndTheRootIsRefused) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  EXPECT_TRUE(fs->RemoveAll("/not/there").ok());
  EXPECT_FALSE(fs->RemoveAll("/").ok());
  EXPECT_FALSE(fs->RemoveAll("/a/..").ok());
}

TEST(WebHdfs, ExchangeSwapsTwoFolders) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  fake.Put("/f/out/_SUCCESS", "old");
  fake.Put("/f/out.staging-1-x/_SUCCESS", "new");
  ASSERT_TRUE(fs->Exchange("/f/out.staging-1-x", "/f/out").ok());
  auto files = fake.Files();
  EXPECT_EQ(files["/f/out/_SUCCESS"], "new");
  EXPECT_EQ(files["/f/out.staging-1-x/_SUCCESS"], "old");
  EXPECT_EQ(files.size(), 2u);
}

TEST(WebHdfs, PathsWithSpacesAndPercentAreEscaped) {
  FakeWebHdfs fake;
  auto fs = Connect(fake);
  ASSERT_TRUE(fs->WriteAll("/r/yellow trips 100%.csv", "x").ok());
  EXPECT_EQ(fake.Files().count("/r/yellow trips 100%.csv"), 1u);
  auto text = fs->ReadAll("/r/yellow trips 100%.csv");
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "x");
}

}  // namespace
}  // namespace traffic::fs
