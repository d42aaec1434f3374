#include "traffic/fs/webhdfs_client.h"

#include <curl/curl.h>
#include <pwd.h>
#include <simdjson.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "traffic/core/text.h"

namespace traffic::fs {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Escape(std::string_view text, bool keep_slashes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                 c == '.' || c == '~' || (keep_slashes && c == '/');
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// What one attempt produced, before it is judged.
struct Attempted {
  CURLcode curl = CURLE_OK;
  std::string curl_error;
  HttpReply reply;
  bool delivered_data = false;  // a byte reached the caller's sink or left its source
};

bool RetryableCurl(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      return true;
    default:
      return false;
  }
}

bool RetryableException(std::string_view exception) {
  return exception == "SafeModeException" || exception == "RetriableException" || exception == "StandbyException";
}

size_t CollectHeader(char* data, size_t size, size_t count, void* user) {
  auto* reply = static_cast<HttpReply*>(user);
  std::string_view line(data, size * count);
  constexpr std::string_view kLocation = "location:";
  if (line.size() > kLocation.size() && core::ToLower(line.substr(0, kLocation.size())) == kLocation) {
    reply->location = std::string(core::Trim(line.substr(kLocation.size())));
  }
  return size * count;
}

struct SinkContext {
  CURL* handle;
  Attempted* attempt;
  const std::function<bool(std::string_view)>* sink;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* ctx = static_cast<SinkContext*>(user);
  size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(ctx->handle, CURLINFO_RESPONSE_CODE, &status);
  if (ctx->sink == nullptr || status != 200) {  // error bodies are JSON: keep them for the message
    if (ctx->attempt->reply.body.size() < (1u << 20)) ctx->attempt->reply.body.append(data, n);
    return n;
  }
  ctx->attempt->delivered_data = true;
  return (*ctx->sink)(std::string_view(data, n)) ? n : 0;
}

struct SourceContext {
  Attempted* attempt;
  const std::function<std::optional<size_t>(char*, size_t)>* source;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* ctx = static_cast<SourceContext*>(user);
  std::optional<size_t> n = (*ctx->source)(buffer, size * count);
  if (!n) return CURL_READFUNC_ABORT;
  if (*n > 0) ctx->attempt->delivered_data = true;
  return *n;
}

}  // namespace

std::string WebHdfsEndpoint::Uri() const { return "hdfs://" + host + ":" + std::to_string(rpc_port); }
std::string WebHdfsEndpoint::HttpUrl() const { return "http://" + host + ":" + std::to_string(http_port); }

core::Result<WebHdfsEndpoint> ParseHdfsUri(std::string_view uri, int http_port) {
  auto bad = [&](std::string_view why) {
    return core::Status::InvalidArgument("HDFS URI '" + std::string(uri) + "': " + std::string(why) +
                                         " (expected hdfs://HOST[:PORT][/PATH] or webhdfs://HOST:HTTPPORT[/PATH])");
  };
  WebHdfsEndpoint out;
  std::string_view rest = uri;
  bool web = false;
  if (rest.substr(0, 7) == "hdfs://") {
    rest.remove_prefix(7);
  } else if (rest.substr(0, 10) == "webhdfs://") {
    rest.remove_prefix(10);
    web = true;
  } else {
    return bad("not an hdfs:// or webhdfs:// URI");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  while (out.path.size() > 1 && out.path.back() == '/') out.path.pop_back();
  if (out.path == "/") out.path.clear();
  if (authority.find('@') != std::string_view::npos)
    return bad("a user in the URI is not supported; set $HADOOP_USER_NAME");
  size_t colon = authority.rfind(':');
  out.host = std::string(authority.substr(0, colon));
  if (out.host.empty()) return bad("no host");
  int port = web ? http_port : 9000;
  if (colon != std::string_view::npos) {
    auto parsed = core::ParseInt(authority.substr(colon + 1));
    if (!parsed || *parsed <= 0 || *parsed > 65535) return bad("port is not a number in 1..65535");
    port = static_cast<int>(*parsed);
  }
  if (web) {
    out.http_port = port;
    out.rpc_port = 9000;
  } else {
    out.rpc_port = port;
    out.http_port = http_port;
  }
  return out;
}

std::string DefaultHdfsUser() {
  for (const char* name : {"HADOOP_USER_NAME", "USER"}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return v;
  }
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) return pw->pw_name;
  return "nobody";
}

std::string DescribeErrorBody(long status, std::string_view body, std::string* exception_out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (!body.empty() && parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS) {
    simdjson::dom::element remote;
    if (doc["RemoteException"].get(remote) == simdjson::SUCCESS) {
      std::string_view exception, message;
      if (remote["exception"].get(exception) != simdjson::SUCCESS) exception = "RemoteException";
      if (remote["message"].get(message) != simdjson::SUCCESS) message = "";
      if (exception_out != nullptr) *exception_out = std::string(exception);
      // HDFS messages can run to a stack of lines; the first says what happened.
      message = message.substr(0, message.find('\n'));
      return std::string(exception) + ": " + std::string(message);
    }
  }
  std::string text(core::Trim(body.substr(0, 200)));
  return "HTTP " + std::to_string(status) + (text.empty() ? "" : ": " + text);
}

struct WebHdfsClient::Shared {
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  Shared() {
    GlobalInitOnce();
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(
        share, CURLSHOPT_LOCKFUNC, +[](CURL*, curl_lock_data data, curl_lock_access, void* user) {
          static_cast<Shared*>(user)->locks[data].lock();
        });
    curl_share_setopt(
        share, CURLSHOPT_UNLOCKFUNC,
        +[](CURL*, curl_lock_data data, void* user) { static_cast<Shared*>(user)->locks[data].unlock(); });
  }
  ~Shared() { curl_share_cleanup(share); }

  // One HTTP exchange. `follow`: follow the NameNode's redirect to the DataNode.
  Attempted Perform(std::string_view method, const std::string& url, bool follow, std::chrono::seconds connect_timeout,
                    const std::function<bool(std::string_view)>* sink,
                    const std::function<std::optional<size_t>(char*, size_t)>* source) {
    Attempted out;
    CURL* h = curl_easy_init();
    if (h == nullptr) {
      out.curl = CURLE_FAILED_INIT;
      out.curl_error = "curl_easy_init failed";
      return out;
    }
    char error[CURL_ERROR_SIZE] = {0};
    SinkContext sink_ctx{h, &out, sink};
    SourceContext source_ctx{&out, source};
    curl_slist* headers = nullptr;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_SHARE, share);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count() * 1000));
    // A stalled peer, not a slow one: abort when under 1 byte/s for 60 s.
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &CollectHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &out.reply);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink_ctx);
    if (source != nullptr) {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadBody);
      curl_easy_setopt(h, CURLOPT_READDATA, &source_ctx);
      headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
      headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    } else if (method == "PUT") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    } else if (method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, std::string(method).c_str());
    }
    if (headers != nullptr) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    out.curl = curl_easy_perform(h);
    if (out.curl != CURLE_OK) out.curl_error = error[0] != '\0' ? error : curl_easy_strerror(out.curl);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.reply.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return out;
  }
};

WebHdfsClient::WebHdfsClient(WebHdfsEndpoint endpoint, std::string user, WebHdfsRetry retry)
    : endpoint_(std::move(endpoint)), user_(std::move(user)), retry_(retry), shared_(std::make_unique<Shared>()) {}

WebHdfsClient::~WebHdfsClient() = default;

std::string WebHdfsClient::OperationUrl(std::string_view op, const std::string& path,
                                        const std::map<std::string, std::string>& params) const {
  std::string url = endpoint_.HttpUrl() + "/webhdfs/v1" + Escape(path.empty() ? "/" : path, true) +
                    "?op=" + std::string(op) + "&user.name=" + Escape(user_, false);
  for (const auto& [key, value] : params) url += "&" + key + "=" + Escape(value, false);
  return url;
}

// Runs `attempt` until it succeeds, fails for good, or `max_attempts` are spent; `what` names the
// request in the error ("OPEN /a (http://h:9870)").
template <typename Attempt>
core::Result<HttpReply> WebHdfsClient::WithRetries(std::string_view what, const Attempt& attempt) {
  auto backoff = retry_.first_backoff;
  std::string last;
  for (int n = 1;; ++n) {
    Attempted a = attempt();
    bool retryable = false;
    core::StatusCode code = core::StatusCode::kIoError;
    if (a.curl != CURLE_OK) {
      last = a.curl_error;
      retryable = RetryableCurl(a.curl) && !a.delivered_data;
    } else if (a.reply.status < 400) {
      return std::move(a.reply);
    } else {
      std::string exception;
      last = DescribeErrorBody(a.reply.status, a.reply.body, &exception);
      if (exception == "FileNotFoundException" || (a.reply.status == 404 && exception.empty())) {
        code = core::StatusCode::kNotFound;
      } else if (exception == "AccessControlException") {
        last = "permission denied (as HDFS user '" + user_ + "'): " + last;
      }
      retryable =
          (RetryableException(exception) || a.reply.status == 502 || a.reply.status == 503 || a.reply.status == 504) &&
          !a.delivered_data;
    }
    if (!retryable) return core::Status(code, std::string(what) + ": " + last);
    if (n >= retry_.max_attempts) {
      return core::Status::Unavailable(std::string(what) + ": " + last + " (gave up after " + std::to_string(n) +
                                       " attempts)");
    }
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

core::Result<std::string> WebHdfsClient::BodyOf(std::string_view method, const std::string& url,
                                                const std::string& what, bool follow) {
  TRAFFIC_ASSIGN_OR_RETURN(HttpReply reply, WithRetries(what, [&] {
                             return shared_->Perform(method, url, follow, retry_.connect_timeout, nullptr, nullptr);
                           }));
  if (reply.status != 200) {
    return core::Status::IoError(what + ": unexpected " + DescribeErrorBody(reply.status, reply.body));
  }
  return std::move(reply.body);
}

core::Result<std::string> WebHdfsClient::Call(std::string_view method, std::string_view op, const std::string& path,
                                              const std::map<std::string, std::string>& params) {
  return BodyOf(method, OperationUrl(op, path, params), std::string(op) + " " + path + " (" + endpoint_.HttpUrl() + ")",
                /*follow=*/false);
}

core::Result<std::string> WebHdfsClient::CallOnDataNode(std::string_view op, const std::string& path) {
  return BodyOf("GET", OperationUrl(op, path, {}), std::string(op) + " " + path + " (" + endpoint_.HttpUrl() + ")",
                /*follow=*/true);
}

core::Status WebHdfsClient::Open(const std::string& path, uint64_t offset, uint64_t length,
                                 const std::function<bool(std::string_view)>& sink) {
  std::string url =
      OperationUrl("OPEN", path, {{"offset", std::to_string(offset)}, {"length", std::to_string(length)}});
  std::string what = "OPEN " + path + " (" + endpoint_.HttpUrl() + ")";
  bool cancelled = false;
  std::function<bool(std::string_view)> counted = [&](std::string_view data) {
    if (!sink(data)) cancelled = true;
    return !cancelled;
  };
  auto reply =
      WithRetries(what, [&] { return shared_->Perform("GET", url, true, retry_.connect_timeout, &counted, nullptr); });
  if (cancelled) return core::Status::IoError(what + ": read cancelled");
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) return core::Status::IoError(what + ": " + DescribeErrorBody(reply->status, reply->body));
  return core::Status::Ok();
}

core::Result<std::string> WebHdfsClient::CreateLocation(const std::string& path, bool overwrite) {
  std::string url = OperationUrl("CREATE", path, {{"overwrite", overwrite ? "true" : "false"}});
  std::string what = "CREATE " + path + " (" + endpoint_.HttpUrl() + ")";
  TRAFFIC_ASSIGN_OR_RETURN(HttpReply reply, WithRetries(what, [&] {
                             return shared_->Perform("PUT", url, false, retry_.connect_timeout, nullptr, nullptr);
                           }));
  if (reply.status != 307 || reply.location.empty()) {
    return core::Status::IoError(what + ": expected a redirect to a DataNode, got " +
                                 DescribeErrorBody(reply.status, reply.body));
  }
  return std::move(reply.location);
}

core::Status WebHdfsClient::Upload(const std::string& path, const std::string& location,
                                   const std::function<std::optional<size_t>(char*, size_t)>& source) {
  std::string what = "CREATE " + path + " (DataNode " + location.substr(0, location.find('/', 7)) + ")";
  Attempted a = shared_->Perform("PUT", location, false, retry_.connect_timeout, nullptr, &source);
  if (a.curl != CURLE_OK) {
    // A DataNode that refuses a file (it exists, permission, safe mode) may close the connection
    // before it reads the whole body: its JSON reason is then lost to the send error.
    std::string reason = a.reply.status >= 400 ? DescribeErrorBody(a.reply.status, a.reply.body) : a.curl_error;
    return core::Status::IoError(what + ": " + reason +
                                 (a.reply.status >= 400 ? "" : " (the DataNode closed the upload; see its log)"));
  }
  if (a.reply.status != 201 && a.reply.status != 200) {
    return core::Status::IoError(what + ": " + DescribeErrorBody(a.reply.status, a.reply.body));
  }
  return core::Status::Ok();
}

core::Result<std::string> WebHdfsClient::GetNameNodePage(const std::string& path_and_query) {
  std::string url = endpoint_.HttpUrl() + path_and_query;
  return BodyOf("GET", url, "GET " + url, /*follow=*/false);
}

}  // namespace traffic::fs
