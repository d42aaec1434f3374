#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_EXCHANGE (glibc >= 2.28)
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "traffic/core/text.h"
#include "traffic/fs/file_system.h"

namespace traffic::fs {
namespace {

namespace stdfs = std::filesystem;

core::Status Errno(std::string_view op, const std::string& path) {
  int e = errno;
  std::string msg = std::string(op) + " " + path + ": " + std::strerror(e);
  if (e == ENOENT) return core::Status::NotFound(msg);
  return core::Status::IoError(msg);
}

// fsync of a folder, so the entries renamed or created in it survive a power loss.
core::Status SyncFolder(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open folder to sync", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("sync folder", dir);
  return core::Status::Ok();
}

std::string ParentOf(const std::string& p) {
  std::string parent = stdfs::path(p).parent_path().string();
  return parent.empty() ? "." : parent;
}

class LocalReadableFile : public ReadableFile {
 public:
  LocalReadableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~LocalReadableFile() override { ::close(fd_); }
  core::Result<size_t> Read(char* buffer, size_t n) override {
    while (true) {
      ssize_t got = ::read(fd_, buffer, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return Errno("read", path_);
    }
  }
  core::Result<size_t> ReadAt(uint64_t offset, char* buffer, size_t n) override {
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd_, buffer + done, n - done, static_cast<off_t>(offset + done));
      if (got == 0) break;
      if (got < 0) {
        if (errno == EINTR) continue;
        return Errno("read", path_);
      }
      done += static_cast<size_t>(got);
    }
    return done;
  }
  core::Result<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Errno("stat", path_);
    return static_cast<uint64_t>(st.st_size);
  }
  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

class LocalWritableFile : public WritableFile {
 public:
  LocalWritableFile(int fd, std::string path, std::string temp_path, bool sync = true)
      : fd_(fd), path_(std::move(path)), temp_path_(std::move(temp_path)), sync_(sync) {}
  ~LocalWritableFile() override {
    if (fd_ >= 0) {
      ::close(fd_);
      if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
    }
  }
  core::Status Append(std::string_view data) override {
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("write", path_);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    bytes_ += data.size();
    return core::Status::Ok();
  }
  core::Status Close() override {
    if (fd_ < 0) return core::Status::Ok();
    // An atomic file is on disk before its name is: a power loss leaves the old file or the
    // complete new one, never a renamed but empty one.
    if (!temp_path_.empty() && sync_ && ::fsync(fd_) != 0) {
      core::Status st = Errno("sync", temp_path_);
      ::close(fd_);
      fd_ = -1;
      ::unlink(temp_path_.c_str());
      return st;
    }
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) {
      if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
      return Errno("close", path_);
    }
    if (temp_path_.empty()) return core::Status::Ok();
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      core::Status st = Errno("rename into place", path_);
      ::unlink(temp_path_.c_str());
      return st;
    }
    return sync_ ? SyncFolder(ParentOf(path_)) : core::Status::Ok();
  }
  uint64_t bytes_written() const override { return bytes_; }
  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
  std::string temp_path_;  // empty unless atomic
  bool sync_;              // atomic: sync the file and its folder (not for kAtomicUnsynced)
  uint64_t bytes_ = 0;
};

class LocalFileSystem : public FileSystem {
 public:
  explicit LocalFileSystem(std::string root) : root_(std::move(root)) {}

  std::string Describe() const override { return "local:" + (root_.empty() ? "." : root_); }

  core::Result<std::unique_ptr<ReadableFile>> OpenRead(const std::string& path) override {
    std::string p = Resolve(path);
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("open", p);
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return core::Status::InvalidArgument("open " + p + ": is a folder, not a file");
    }
    return std::unique_ptr<ReadableFile>(new LocalReadableFile(fd, p));
  }

  core::Result<std::unique_ptr<WritableFile>> OpenWrite(const std::string& path, WriteMode mode) override {
    std::string p = Resolve(path);
    stdfs::path parent = stdfs::path(p).parent_path();
    if (!parent.empty()) TRAFFIC_RETURN_IF_ERROR(MakeDirsResolved(parent.string()));
    if (mode == WriteMode::kTruncate) {
      // Never through a symlink at the target: in a shared folder it could point anywhere.
      int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd < 0) return Errno("create", p);
      return std::unique_ptr<WritableFile>(new LocalWritableFile(fd, p, ""));
    }
    // A unique name beside the target (same folder: the rename stays on one file system),
    // created exclusively: a planted file or symlink at the name fails the open, never is
    // written through.
    stdfs::path target(p);
    const std::string folder = target.parent_path().string();
    for (int attempt = 0;; ++attempt) {
      std::string temp = JoinPath(folder, "." + target.filename().string() + ".tmp-" + UniqueSuffix());
      int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd >= 0) {
        return std::unique_ptr<WritableFile>(new LocalWritableFile(fd, p, temp, mode == WriteMode::kAtomic));
      }
      if (errno != EEXIST || attempt >= 8) return Errno("create", temp);
    }
  }

  core::Result<FileInfo> Stat(const std::string& path) override {
    std::string p = Resolve(path);
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return Errno("stat", p);
    return Info(p, st);
  }

  core::Result<std::vector<FileInfo>> List(const std::string& dir) override {
    std::string p = Resolve(dir);
    std::error_code ec;
    stdfs::directory_iterator it(p, ec);
    if (ec) {
      return ec == std::errc::no_such_file_or_directory ? core::Status::NotFound("list " + p + ": no such folder")
                                                        : core::Status::IoError("list " + p + ": " + ec.message());
    }
    std::vector<FileInfo> out;
    // The error_code overloads all the way: a range-for's increment throws on an I/O error.
    for (stdfs::directory_iterator end; it != end; it.increment(ec)) {
      struct stat st;
      std::string child = it->path().string();
      if (::stat(child.c_str(), &st) != 0) continue;  // vanished or dangling link
      FileInfo info = Info(child, st);
      info.path = JoinPath(dir, info.name);
      out.push_back(std::move(info));
    }
    if (ec) return core::Status::IoError("list " + p + ": " + ec.message());
    std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    return out;
  }

  core::Status MakeDirs(const std::string& path) override { return MakeDirsResolved(Resolve(path)); }

  core::Status Rename(const std::string& from, const std::string& to) override {
    std::string f = Resolve(from), t = Resolve(to);
    stdfs::path parent = stdfs::path(t).parent_path();
    if (!parent.empty()) TRAFFIC_RETURN_IF_ERROR(MakeDirsResolved(parent.string()));
    if (::rename(f.c_str(), t.c_str()) != 0) return Errno("rename " + f + " to", t);
    return core::Status::Ok();
  }

  core::Status Exchange(const std::string& a, const std::string& b) override {
    std::string from = Resolve(a), to = Resolve(b);
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) != 0) {
      return Errno("exchange " + from + " with", to);
    }
    TRAFFIC_RETURN_IF_ERROR(SyncFolder(ParentOf(from)));
    std::string parent_to = ParentOf(to);
    return parent_to == ParentOf(from) ? core::Status::Ok() : SyncFolder(parent_to);
  }

  core::Status SyncTree(const std::string& path) override {
    std::string p = Resolve(path);
    TRAFFIC_RETURN_IF_ERROR(SyncResolved(p));
    return SyncFolder(ParentOf(p));
  }

  core::Result<std::string> MakeUniqueDir(const std::string& prefix) override {
    std::string p = Resolve(prefix);
    stdfs::path parent = stdfs::path(p).parent_path();
    if (!parent.empty()) TRAFFIC_RETURN_IF_ERROR(MakeDirsResolved(parent.string()));
    for (int attempt = 0;; ++attempt) {
      std::string suffix = UniqueSuffix();
      // mkdir never follows or reuses an existing entry: EEXIST, and we draw another name.
      if (::mkdir((p + suffix).c_str(), 0755) == 0) return prefix + suffix;
      if (errno != EEXIST || attempt >= 8) return Errno("create folder", p + suffix);
    }
  }

  std::string CanonicalPath(const std::string& path) override {
    std::error_code ec;
    stdfs::path absolute = stdfs::absolute(Resolve(path), ec);
    if (ec) absolute = Resolve(path);
    stdfs::path canonical = stdfs::weakly_canonical(absolute, ec);
    return "local:" + (ec ? absolute.lexically_normal() : canonical).string();
  }

  core::Status RemoveAll(const std::string& path) override {
    std::error_code ec;
    stdfs::remove_all(Resolve(path), ec);
    if (ec) return core::Status::IoError("remove " + Resolve(path) + ": " + ec.message());
    return core::Status::Ok();
  }

 private:
  std::string Resolve(const std::string& path) const {
    if (root_.empty() || (!path.empty() && path[0] == '/')) return path;
    return JoinPath(root_, path);
  }
  static core::Status SyncResolved(const std::string& p) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) return Errno("stat", p);
    if (S_ISLNK(st.st_mode)) return core::Status::Ok();
    if (S_ISDIR(st.st_mode)) {
      std::error_code ec;
      for (const auto& entry : stdfs::directory_iterator(p, ec))
        TRAFFIC_RETURN_IF_ERROR(SyncResolved(entry.path().string()));
      if (ec) return core::Status::IoError("list " + p + ": " + ec.message());
      return SyncFolder(p);
    }
    if (!S_ISREG(st.st_mode)) return core::Status::Ok();
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return Errno("open to sync", p);
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return Errno("sync", p);
    return core::Status::Ok();
  }
  static core::Status MakeDirsResolved(const std::string& p) {
    std::error_code ec;
    stdfs::create_directories(p, ec);
    if (ec) return core::Status::IoError("create folder " + p + ": " + ec.message());
    return core::Status::Ok();
  }
  static FileInfo Info(const std::string& p, const struct stat& st) {
    FileInfo info;
    info.path = p;
    info.name = stdfs::path(p).filename().string();
    info.is_directory = S_ISDIR(st.st_mode);
    info.size_bytes = static_cast<uint64_t>(st.st_size);
    info.modified_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return info;
  }

  std::string root_;
};

}  // namespace

std::unique_ptr<FileSystem> MakeLocalFileSystem(std::string root) {
  return std::make_unique<LocalFileSystem>(std::move(root));
}

}  // namespace traffic::fs
