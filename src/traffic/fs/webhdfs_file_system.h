// HDFS as an fs::FileSystem, through WebHDFS (webhdfs_client.h): what a step does on the local
// disk it does unchanged on HDFS (DESIGN.md "Storage layout").
//
// Contract, beyond fs::FileSystem's:
// - Relative paths resolve under `options.root` (else the URI's path, else "/").
// - Reads stream from the DataNode: Read() in one request for the whole file, at most
//   `read_ahead_bytes` ahead of the caller; ReadAt() exactly the range asked (Parquet's column
//   chunks).
// - Writes stream to the DataNode as they are appended (a chunked PUT fed by a bounded buffer of
//   `write_buffer_bytes`): a file is never held in memory whole.
// - kAtomic writes go to `.<name>.tmp-PID-RANDOM` beside the target and are renamed over it by
//   Close() (WebHDFS RENAME with OVERWRITE); a writer destroyed without Close() deletes its
//   temporary file. kTruncate writes the target in place.
// - Exchange is NOT atomic on HDFS (there is no RENAME_EXCHANGE): the default three renames park
//   the old output as `<final>.old-PID-...`, which StagedOutput's recovery puts back if a crash
//   left the final name missing. A reader never sees a half-written output, but can find the name
//   missing for the instant between two renames.
// - SyncTree: nothing to do; an HDFS file is durable on its DataNodes once its upload closed.
// - Dead-run debris is recognised by pid on this host (fs::IsDebrisOfDeadRun), like the local
//   disk: sound for one host writing the lake, which is what this project runs.
#pragma once

#include <memory>
#include <string>

#include "traffic/fs/file_system.h"
#include "traffic/fs/webhdfs_client.h"

namespace traffic::fs {

struct WebHdfsOptions {
  std::string uri = "hdfs://localhost:9000";  // see ParseHdfsUri
  int http_port = 9870;                       // the NameNode's WebHDFS port for an hdfs:// URI
  std::string user;                           // empty: DefaultHdfsUser()
  std::string root;                           // where relative paths resolve; empty: the URI's path, else "/"
  WebHdfsRetry retry;
  size_t read_ahead_bytes = 8u << 20;
  size_t write_buffer_bytes = 8u << 20;
};

class WebHdfsFileSystem : public FileSystem {
 public:
  explicit WebHdfsFileSystem(WebHdfsEndpoint endpoint, const WebHdfsOptions& options);

  std::string Describe() const override;
  core::Result<std::unique_ptr<ReadableFile>> OpenRead(const std::string& path) override;
  core::Result<std::unique_ptr<WritableFile>> OpenWrite(const std::string& path, WriteMode mode) override;
  core::Result<FileInfo> Stat(const std::string& path) override;
  core::Result<std::vector<FileInfo>> List(const std::string& dir) override;
  core::Status MakeDirs(const std::string& path) override;
  core::Status Rename(const std::string& from, const std::string& to) override;
  core::Status RemoveAll(const std::string& path) override;
  std::string CanonicalPath(const std::string& path) override;

  // The absolute HDFS path `path` names.
  std::string Resolve(const std::string& path) const;
  // GETFILECHECKSUM (hdfs_checksum.h says what it is); NotFound when absent.
  core::Result<std::optional<FileChecksum>> Checksum(const std::string& path) override;
  WebHdfsClient& client() { return client_; }

 private:
  WebHdfsClient client_;
  std::string root_;
  WebHdfsOptions options_;
};

// Parses `options.uri` and builds the file system; no request is made yet.
core::Result<std::unique_ptr<WebHdfsFileSystem>> MakeWebHdfsFileSystem(const WebHdfsOptions& options);

}  // namespace traffic::fs
