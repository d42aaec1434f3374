// The WebHDFS REST protocol over libcurl (DESIGN.md Part 3, "HDFS client"): one request at a time
// per call, any number of calls at once from any thread. It knows HTTP, the NameNode's JSON
// errors and the retry policy, nothing of files or layouts (webhdfs_file_system.h builds the
// FileSystem on it).
//
// Contract:
// - Every request names itself in its errors: "<op> <hdfs path> (<NameNode URL>): <reason>".
// - A RemoteException from HDFS maps to a StatusCode: FileNotFoundException -> kNotFound;
//   SafeModeException, RetriableException, StandbyException, a refused or timed-out connection,
//   HTTP 502/503/504 -> retried with exponential backoff, `max_attempts` in all, then
//   kUnavailable; AccessControlException -> kIoError "permission denied"; anything else
//   kIoError with HDFS's own message.
// - Requests that send a body are retried only before any byte of the body left (the NameNode
//   step of CREATE); a body upload that fails is not replayed here (the caller decides).
// - Reads and writes go to the DataNode the NameNode redirects to (HTTP 307), so data never flows
//   through the NameNode.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "traffic/core/status.h"

namespace traffic::fs {

struct WebHdfsEndpoint {
  std::string host;
  int http_port = 9870;  // NameNode HTTP: WebHDFS, JMX
  int rpc_port = 9000;   // only for messages and hdfs:// names: we never speak RPC
  std::string path;      // the URI's path ("" when it has none)

  std::string Uri() const;      // "hdfs://host:rpc_port"
  std::string HttpUrl() const;  // "http://host:http_port"
};

// "hdfs://HOST[:PORT][/PATH]" (PORT is the NameNode RPC port, default 9000; WebHDFS is then
// expected on the NameNode's HTTP port, `http_port`, default 9870) or "webhdfs://HOST:HTTPPORT[/PATH]".
// InvalidArgument naming the URI otherwise.
core::Result<WebHdfsEndpoint> ParseHdfsUri(std::string_view uri, int http_port = 9870);

struct WebHdfsRetry {
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{200};  // doubled after each attempt
  std::chrono::seconds connect_timeout{5};
};

// What came back from one request (after the redirects it was allowed to follow).
struct HttpReply {
  long status = 0;
  std::string body;      // small bodies only (JSON); OPEN streams to a sink instead
  std::string location;  // a redirect's Location header
};

class WebHdfsClient {
 public:
  WebHdfsClient(WebHdfsEndpoint endpoint, std::string user, WebHdfsRetry retry);
  ~WebHdfsClient();
  WebHdfsClient(const WebHdfsClient&) = delete;
  WebHdfsClient& operator=(const WebHdfsClient&) = delete;

  const WebHdfsEndpoint& endpoint() const { return endpoint_; }
  const std::string& user() const { return user_; }

  // A metadata operation (GETFILESTATUS, LISTSTATUS, MKDIRS, RENAME, DELETE, GETFILECHECKSUM,
  // ...) on absolute HDFS path `path`; `method` is GET, PUT or DELETE; `params` are added to the
  // query (values escaped). Returns the JSON body of a 200.
  core::Result<std::string> Call(std::string_view method, std::string_view op, const std::string& path,
                                 const std::map<std::string, std::string>& params = {});

  // A GET operation the NameNode hands to a DataNode (GETFILECHECKSUM): the redirect followed,
  // the JSON body of the 200.
  core::Result<std::string> CallOnDataNode(std::string_view op, const std::string& path);

  // OPEN: the bytes [offset, offset + length) (fewer at the end of the file) passed to `sink` as
  // they arrive. `sink` returning false stops the transfer (an error "read cancelled").
  core::Status Open(const std::string& path, uint64_t offset, uint64_t length,
                    const std::function<bool(std::string_view)>& sink);

  // CREATE, first step: asks the NameNode where to write and returns the DataNode URL (the 307's
  // Location). Nothing exists in HDFS until the upload to it ends.
  core::Result<std::string> CreateLocation(const std::string& path, bool overwrite);

  // CREATE, second step: a streamed PUT of the body to `location` (chunked: its size need not be
  // known). `source` fills its buffer and returns how many bytes it wrote, 0 at the end, or
  // nullopt to abort the upload. One attempt: the bytes were consumed.
  core::Status Upload(const std::string& path, const std::string& location,
                      const std::function<std::optional<size_t>(char*, size_t)>& source);

  // A GET of a NameNode HTTP path that is not WebHDFS (JMX: "/jmx?qry=..."), for health reports.
  core::Result<std::string> GetNameNodePage(const std::string& path_and_query);

  // The URL of the WebHDFS operation, user.name included (exposed for tests and messages).
  std::string OperationUrl(std::string_view op, const std::string& path,
                           const std::map<std::string, std::string>& params) const;

 private:
  struct Shared;
  // One request without a body, retried as the contract says; the body of its 200, else an error
  // starting with `what`.
  core::Result<std::string> BodyOf(std::string_view method, const std::string& url, const std::string& what,
                                   bool follow);
  template <typename Attempt>
  core::Result<HttpReply> WithRetries(std::string_view what, const Attempt& attempt);

  WebHdfsEndpoint endpoint_;
  std::string user_;
  WebHdfsRetry retry_;
  std::unique_ptr<Shared> shared_;
};

// The HDFS user to act as: $HADOOP_USER_NAME, else $USER, else the process owner's name.
std::string DefaultHdfsUser();

// What an error body says, for a message: "FileNotFoundException: File does not exist: /a" (the
// RemoteException's exception and the first line of its message), else "HTTP 503: " and the
// start of the body. `exception_out` gets the exception's name ("" when none).
std::string DescribeErrorBody(long status, std::string_view body, std::string* exception_out = nullptr);

}  // namespace traffic::fs
