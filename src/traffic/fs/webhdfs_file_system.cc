#include "traffic/fs/webhdfs_file_system.h"

#include <simdjson.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

namespace traffic::fs {
namespace {

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

core::Status Malformed(const std::string& what, std::string_view body) {
  return core::Status::IoError(what + ": WebHDFS answered with unexpected JSON: " + std::string(body.substr(0, 200)));
}

// A FileStatus object of GETFILESTATUS / LISTSTATUS.
core::Result<FileInfo> ParseFileStatus(simdjson::dom::element status, const std::string& path, const std::string& what,
                                       std::string_view body) {
  std::string_view type;
  uint64_t length = 0, modified_ms = 0;
  if (status["type"].get(type) != simdjson::SUCCESS || status["length"].get(length) != simdjson::SUCCESS ||
      status["modificationTime"].get(modified_ms) != simdjson::SUCCESS) {
    return Malformed(what, body);
  }
  FileInfo info;
  info.path = path;
  info.name = BaseName(path);
  info.is_directory = type == "DIRECTORY";
  info.size_bytes = length;
  info.modified_ns = static_cast<int64_t>(modified_ms) * 1'000'000;
  return info;
}

core::Result<bool> ParseBoolean(const std::string& what, const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  bool value = false;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || doc["boolean"].get(value) != simdjson::SUCCESS) {
    return Malformed(what, body);
  }
  return value;
}

// The bytes between a writer and a reader on two threads (Append() and an upload's read
// callback; a download's write callback and Read()): bounded, so a side that outruns the other
// waits instead of growing.
class BytePipe {
 public:
  explicit BytePipe(size_t capacity) : capacity_(capacity) {}

  // False once the reader has stopped and will take nothing more.
  bool Put(std::string_view data) {
    std::unique_lock lock(mu_);
    while (!data.empty()) {
      cv_.wait(lock, [&] { return buffer_.size() - head_ < capacity_ || reading_ended_; });
      if (reading_ended_) return false;
      if (head_ > 0 && head_ >= buffer_.size() / 2) {
        buffer_.erase(0, head_);
        head_ = 0;
      }
      size_t take = std::min(data.size(), capacity_ - (buffer_.size() - head_));
      buffer_.append(data.substr(0, take));
      data.remove_prefix(take);
      cv_.notify_all();
    }
    return true;
  }
  void EndWriting() { Set(&writing_ended_); }  // the reader gets what is left, then 0
  void Abort() { Set(&aborted_); }             // the reader gets nullopt at once
  void EndReading() { Set(&reading_ended_); }  // the writer's Put fails from now on

  // Bytes, 0 at the end, nullopt when aborted.
  std::optional<size_t> Take(char* out, size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return head_ < buffer_.size() || writing_ended_ || aborted_; });
    if (aborted_) return std::nullopt;
    size_t take = std::min(n, buffer_.size() - head_);
    std::memcpy(out, buffer_.data() + head_, take);
    head_ += take;
    cv_.notify_all();
    return take;
  }

 private:
  void Set(bool* flag) {
    std::lock_guard lock(mu_);
    *flag = true;
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;
  size_t head_ = 0;
  size_t capacity_;
  bool writing_ended_ = false, aborted_ = false, reading_ended_ = false;
};

// Read() streams the file from the DataNode in one OPEN, started by the first Read(), on a thread
// that fills a bounded pipe (one request per file, not per block: the DataNode closes every
// connection); ReadAt() fetches exactly its range.
class WebHdfsReadableFile : public ReadableFile {
 public:
  WebHdfsReadableFile(WebHdfsClient& client, std::string path, std::string absolute, uint64_t size, size_t block)
      : client_(client), path_(std::move(path)), absolute_(std::move(absolute)), size_(size), pipe_(block) {}

  ~WebHdfsReadableFile() override {
    if (!downloader_.joinable()) return;
    pipe_.EndReading();  // the download's sink fails: curl stops
    downloader_.join();
  }

  core::Result<size_t> Read(char* buffer, size_t n) override {
    if (!failed_.ok()) return failed_;
    if (!downloader_.joinable()) {
      if (position_ >= size_ || n == 0) return size_t{0};
      downloader_ = std::thread([this] {
        download_status_ = client_.Open(absolute_, position_, size_ - position_,
                                        [this](std::string_view data) { return pipe_.Put(data); });
        pipe_.EndWriting();
      });
    }
    std::optional<size_t> got = pipe_.Take(buffer, n);
    if (got.value_or(0) == 0) {
      downloader_.join();
      failed_ = download_status_.WithContext("read " + path_);
      if (failed_.ok() && position_ < size_) {
        failed_ = core::Status::IoError("read " + path_ + ": the DataNode sent " + std::to_string(position_) + " of " +
                                        std::to_string(size_) + " bytes");
      }
      if (!failed_.ok()) return failed_;
      return size_t{0};
    }
    position_ += *got;
    return *got;
  }

  core::Result<size_t> ReadAt(uint64_t offset, char* buffer, size_t n) override {
    if (offset >= size_ || n == 0) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    size_t done = 0;
    TRAFFIC_RETURN_IF_ERROR(client_.Open(absolute_, offset, n, [&](std::string_view data) {
      size_t take = std::min(data.size(), n - done);
      std::memcpy(buffer + done, data.data(), take);
      done += take;
      return take == data.size();
    }));
    return done;
  }

  core::Result<uint64_t> Size() override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  WebHdfsClient& client_;
  std::string path_;      // as the caller named it, for messages
  std::string absolute_;  // in HDFS
  uint64_t size_;
  uint64_t position_ = 0;
  BytePipe pipe_;
  core::Status download_status_;
  core::Status failed_;  // sticky: a stream that broke is not resumed
  std::thread downloader_;
};

class WebHdfsWritableFile : public WritableFile {
 public:
  WebHdfsWritableFile(WebHdfsFileSystem& fs, std::string path, std::string target, std::string temp,
                      const std::string& location, size_t buffer_bytes)
      : fs_(fs), path_(std::move(path)), target_(std::move(target)), temp_(std::move(temp)), pipe_(buffer_bytes) {
    const std::string& written = temp_.empty() ? target_ : temp_;
    uploader_ = std::thread([this, written, location] {
      upload_status_ =
          fs_.client().Upload(written, location, [this](char* out, size_t n) { return pipe_.Take(out, n); });
      pipe_.EndReading();
    });
  }

  ~WebHdfsWritableFile() override {
    if (!uploader_.joinable()) return;
    pipe_.Abort();
    uploader_.join();
    if (!temp_.empty()) (void)fs_.RemoveAll(temp_);
  }

  core::Status Append(std::string_view data) override {
    if (!uploader_.joinable())
      return final_.ok() ? core::Status::Internal("append to " + path_ + " after Close") : final_;
    if (!pipe_.Put(data)) return Finish();
    bytes_ += data.size();
    return core::Status::Ok();
  }

  core::Status Close() override {
    if (!uploader_.joinable()) return final_;
    pipe_.EndWriting();
    return Finish();
  }

  uint64_t bytes_written() const override { return bytes_; }
  const std::string& path() const override { return path_; }

 private:
  // Waits for the upload to end and, for an atomic file, renames it into place.
  core::Status Finish() {
    uploader_.join();
    core::Status status = upload_status_.WithContext("write " + path_);
    if (status.ok() && !temp_.empty()) status = fs_.Rename(temp_, target_);
    if (!status.ok() && !temp_.empty()) (void)fs_.RemoveAll(temp_);
    final_ = status;
    return status;
  }

  WebHdfsFileSystem& fs_;
  std::string path_;    // as the caller named it
  std::string target_;  // absolute
  std::string temp_;    // absolute; empty unless atomic
  BytePipe pipe_;
  core::Status upload_status_;
  core::Status final_;  // what Finish() returned, for calls after it
  std::thread uploader_;
  uint64_t bytes_ = 0;
};

}  // namespace

WebHdfsFileSystem::WebHdfsFileSystem(WebHdfsEndpoint endpoint, const WebHdfsOptions& options)
    : client_(endpoint, options.user.empty() ? DefaultHdfsUser() : options.user, options.retry),
      root_(!options.root.empty()   ? options.root
            : endpoint.path.empty() ? "/"
                                    : endpoint.path),
      options_(options) {}

std::string WebHdfsFileSystem::Describe() const { return client_.endpoint().Uri() + (root_ == "/" ? "" : root_); }

std::string WebHdfsFileSystem::Resolve(const std::string& path) const {
  std::string joined = !path.empty() && path.front() == '/' ? path : JoinPath(root_, path);
  std::string normal = std::filesystem::path(joined).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal.empty() ? "/" : normal;
}

std::string WebHdfsFileSystem::CanonicalPath(const std::string& path) {
  return client_.endpoint().Uri() + Resolve(path);
}

core::Result<FileInfo> WebHdfsFileSystem::Stat(const std::string& path) {
  std::string absolute = Resolve(path);
  TRAFFIC_ASSIGN_OR_RETURN(std::string body, client_.Call("GET", "GETFILESTATUS", absolute));
  simdjson::dom::parser parser;
  simdjson::dom::element doc, status;
  std::string what = "stat " + Describe() + " " + path;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || doc["FileStatus"].get(status) != simdjson::SUCCESS) {
    return Malformed(what, body);
  }
  return ParseFileStatus(status, path, what, body);
}

core::Result<std::vector<FileInfo>> WebHdfsFileSystem::List(const std::string& dir) {
  std::string absolute = Resolve(dir);
  TRAFFIC_ASSIGN_OR_RETURN(std::string body, client_.Call("GET", "LISTSTATUS", absolute));
  std::string what = "list " + client_.endpoint().Uri() + absolute;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array statuses;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS ||
      doc["FileStatuses"]["FileStatus"].get(statuses) != simdjson::SUCCESS) {
    return Malformed(what, body);
  }
  std::vector<FileInfo> out;
  for (simdjson::dom::element status : statuses) {
    std::string_view suffix;
    if (status["pathSuffix"].get(suffix) != simdjson::SUCCESS) return Malformed(what, body);
    // LISTSTATUS of a file answers the file itself, with an empty name.
    if (suffix.empty()) return core::Status::InvalidArgument(what + ": is a file, not a folder");
    TRAFFIC_ASSIGN_OR_RETURN(FileInfo info, ParseFileStatus(status, JoinPath(dir, suffix), what, body));
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
  return out;
}

core::Status WebHdfsFileSystem::MakeDirs(const std::string& path) {
  std::string absolute = Resolve(path);
  std::string what = "create folder " + client_.endpoint().Uri() + absolute;
  TRAFFIC_ASSIGN_OR_RETURN(std::string body, client_.Call("PUT", "MKDIRS", absolute));
  TRAFFIC_ASSIGN_OR_RETURN(bool made, ParseBoolean(what, body));
  if (!made) return core::Status::IoError(what + ": HDFS refused");
  return core::Status::Ok();
}

core::Status WebHdfsFileSystem::Rename(const std::string& from, const std::string& to) {
  std::string source = Resolve(from), target = Resolve(to);
  std::string what = "rename " + client_.endpoint().Uri() + source + " to " + target;
  // With renameoptions HDFS uses its newer rename: it replaces a file (or an empty folder) at the
  // target and reports every refusal as an exception that says why, never a bare false.
  TRAFFIC_ASSIGN_OR_RETURN(std::string body, client_.Call("PUT", "RENAME", source,
                                                          {{"destination", target}, {"renameoptions", "OVERWRITE"}}));
  // The newer rename answers 200 with an empty body (Hadoop 3.4) or an exception.
  if (body.empty()) return core::Status::Ok();
  TRAFFIC_ASSIGN_OR_RETURN(bool renamed, ParseBoolean(what, body));
  if (!renamed) return core::Status::IoError(what + ": HDFS refused");
  return core::Status::Ok();
}

core::Status WebHdfsFileSystem::RemoveAll(const std::string& path) {
  std::string absolute = Resolve(path);
  if (absolute == "/") return core::Status::InvalidArgument("remove " + Describe() + " /: refusing to remove the root");
  std::string what = "remove " + client_.endpoint().Uri() + absolute;
  TRAFFIC_ASSIGN_OR_RETURN(std::string body, client_.Call("DELETE", "DELETE", absolute, {{"recursive", "true"}}));
  return ParseBoolean(what, body).status();  // false: it was not there, which is what was asked
}

core::Result<std::unique_ptr<ReadableFile>> WebHdfsFileSystem::OpenRead(const std::string& path) {
  TRAFFIC_ASSIGN_OR_RETURN(FileInfo info, Stat(path));
  if (info.is_directory) {
    return core::Status::InvalidArgument("open " + CanonicalPath(path) + ": is a folder, not a file");
  }
  return std::unique_ptr<ReadableFile>(
      std::make_unique<WebHdfsReadableFile>(client_, path, Resolve(path), info.size_bytes, options_.read_ahead_bytes));
}

core::Result<std::unique_ptr<WritableFile>> WebHdfsFileSystem::OpenWrite(const std::string& path, WriteMode mode) {
  std::string target = Resolve(path);
  std::string temp;
  if (mode != WriteMode::kTruncate) temp = JoinPath(Parent(target), "." + BaseName(target) + ".tmp-" + UniqueSuffix());
  // The NameNode's step of CREATE checks nothing (the DataNode does, possibly after it has cut a
  // large body short): creating the parent first reports safe mode (retried), a file in the way
  // or a missing permission up the path from the NameNode, clearly and before any data is sent.
  TRAFFIC_RETURN_IF_ERROR(MakeDirs(Parent(target)));
  // overwrite=false makes a temporary name that someone planted fail rather than be written through.
  TRAFFIC_ASSIGN_OR_RETURN(std::string location,
                           client_.CreateLocation(temp.empty() ? target : temp, /*overwrite=*/temp.empty()));
  return std::unique_ptr<WritableFile>(
      std::make_unique<WebHdfsWritableFile>(*this, path, target, temp, location, options_.write_buffer_bytes));
}

core::Result<std::optional<FileChecksum>> WebHdfsFileSystem::Checksum(const std::string& path) {
  std::string absolute = Resolve(path);
  std::string what = "checksum " + client_.endpoint().Uri() + absolute;
  TRAFFIC_ASSIGN_OR_RETURN(std::string body, client_.CallOnDataNode("GETFILECHECKSUM", absolute));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view algorithm, bytes;
  int64_t length = 0;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS ||
      doc["FileChecksum"]["algorithm"].get(algorithm) != simdjson::SUCCESS ||
      doc["FileChecksum"]["bytes"].get(bytes) != simdjson::SUCCESS ||
      doc["FileChecksum"]["length"].get(length) != simdjson::SUCCESS) {
    return Malformed(what, body);
  }
  return std::optional<FileChecksum>(
      FileChecksum{std::string(algorithm), std::string(bytes), static_cast<int>(length)});
}

core::Result<std::unique_ptr<WebHdfsFileSystem>> MakeWebHdfsFileSystem(const WebHdfsOptions& options) {
  TRAFFIC_ASSIGN_OR_RETURN(WebHdfsEndpoint endpoint, ParseHdfsUri(options.uri, options.http_port));
  return std::make_unique<WebHdfsFileSystem>(std::move(endpoint), options);
}

}  // namespace traffic::fs
