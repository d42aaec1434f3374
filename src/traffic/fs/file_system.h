// The one file-system interface every file access goes through (DESIGN.md "Storage layout"):
// the local disk now, HDFS later, the same relative layout under either root.
//
// Contract: paths are '/'-separated; relative paths resolve against the implementation's root.
// Errors name the path and the operation. Writers are not visible under their final name until
// Close() succeeds when opened with WriteMode::kAtomic (written to a temporary name, then renamed),
// so a step's output appears complete or not at all.
//
// Temporary names (issue 8 #5) are `.<name>.tmp-<pid>-<random>` in the target's own folder,
// created exclusively (O_EXCL | O_NOFOLLOW on the local disk): a name planted in advance, or a
// symlink at it, makes the open fail instead of writing through it. The pid in the name lets a
// later run recognise the debris of a dead one (IsDebrisOfDeadRun).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/core/time.h"

namespace traffic::fs {

struct FileInfo {
  std::string path;  // full path as given to List() joined with the name
  std::string name;  // last component
  bool is_directory = false;
  uint64_t size_bytes = 0;
  int64_t modified_ns = 0;  // for "is the output newer than its input?"
};

// A whole-file checksum as the file system reports it (HDFS: WebHDFS GETFILECHECKSUM's
// {"algorithm", "bytes" (hex), "length"}; see hdfs_checksum.h to compute one).
struct FileChecksum {
  std::string algorithm;
  std::string bytes_hex;
  int length = 0;
};

class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to `n` bytes; 0 at end of file.
  virtual core::Result<size_t> Read(char* buffer, size_t n) = 0;
  // Reads up to `n` bytes at `offset` without moving the read position (Parquet needs this).
  virtual core::Result<size_t> ReadAt(uint64_t offset, char* buffer, size_t n) = 0;
  virtual core::Result<uint64_t> Size() = 0;
  virtual const std::string& path() const = 0;
};

class WritableFile {
 public:
  virtual ~WritableFile() = default;  // without Close(), an atomic file is discarded
  virtual core::Status Append(std::string_view data) = 0;
  virtual core::Status Close() = 0;
  virtual uint64_t bytes_written() const = 0;
  virtual const std::string& path() const = 0;
};

// kTruncate writes the file in place and never follows a symlink at `path` (it fails instead);
// kAtomic writes a uniquely named temporary file, syncs it to disk, renames it over `path` and
// syncs the folder, so a power loss cannot leave a renamed but empty file. kAtomicUnsynced is
// kAtomic without the syncs, as `cp` does: for copies that can simply be made again (`traffic
// hdfs download`), where syncing doubled the time; never for a step's output.
enum class WriteMode { kTruncate, kAtomic, kAtomicUnsynced };

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual std::string Describe() const = 0;  // "local:/data" or "hdfs://host:9000/root", for messages

  virtual core::Result<std::unique_ptr<ReadableFile>> OpenRead(const std::string& path) = 0;
  // Creates missing parent folders.
  virtual core::Result<std::unique_ptr<WritableFile>> OpenWrite(const std::string& path, WriteMode mode) = 0;
  virtual core::Result<FileInfo> Stat(const std::string& path) = 0;              // NotFound when absent
  virtual core::Result<std::vector<FileInfo>> List(const std::string& dir) = 0;  // sorted by name
  virtual core::Status MakeDirs(const std::string& path) = 0;
  // Replaces `to` when it is a file; a folder `to` must not exist.
  virtual core::Status Rename(const std::string& from, const std::string& to) = 0;
  virtual core::Status RemoveAll(const std::string& path) = 0;  // OK when absent

  // Swaps two existing entries (files or folders) in one atomic step: at no moment is either name
  // absent, so a crash leaves either the old or the new state. Local disk:
  // renameat2(RENAME_EXCHANGE). This default (for file systems that cannot) is three renames and
  // NOT atomic; implementations that can must override it.
  virtual core::Status Exchange(const std::string& a, const std::string& b);
  // Makes `path` (a file, or a folder and everything under it) and its entry in its parent folder
  // durable (fsync). Default: nothing to do.
  virtual core::Status SyncTree(const std::string& path);
  // Creates a new, empty folder named `prefix` + a unique suffix, never reusing an entry that
  // already exists (whoever planted it); returns its path.
  virtual core::Result<std::string> MakeUniqueDir(const std::string& prefix);
  // An identity for `path` ("local:/abs/path" with symlinks resolved, the path need not exist) so
  // callers can tell whether two paths, possibly on two FileSystem objects, name the same entry.
  // Default: Describe() + ":" + the path, lexically normalised.
  virtual std::string CanonicalPath(const std::string& path);

  // The file's checksum as the file system keeps it, for checking a copy end to end; nullopt when
  // it keeps none (the default; the local disk).
  virtual core::Result<std::optional<FileChecksum>> Checksum(const std::string& path);

  bool Exists(const std::string& path) { return Stat(path).ok(); }
  core::Result<std::string> ReadAll(const std::string& path);
  core::Status WriteAll(const std::string& path, std::string_view data, WriteMode mode = WriteMode::kAtomic);
  // Every file under `dir` (recursively) whose name ends with one of `suffixes` (case-insensitive),
  // sorted by path. Hidden entries ('.' or '_' prefix) are skipped.
  core::Result<std::vector<FileInfo>> ListFilesRecursive(const std::string& dir,
                                                         const std::vector<std::string>& suffixes);
};

// The local disk. `root` is where relative paths resolve ("" = the process's working folder).
std::unique_ptr<FileSystem> MakeLocalFileSystem(std::string root = "");

std::string JoinPath(std::string_view a, std::string_view b);

// Whether `name` ends with one of `suffixes`, ignoring case ("" matches every name).
bool NameEndsWith(std::string_view name, const std::vector<std::string>& suffixes);

// A unique token for temporary names: the process id, '-', 12 random hex digits.
std::string UniqueSuffix();
// Whether `name` is a temporary or staging entry (`.x.tmp-PID-...`, `x.staging-PID-...`,
// `x.old-PID`, `traffic-replay-PID-...`) left by a process that no longer runs on this host.
// Only these names are ever swept; `pid` is the owner's when it returns true.
bool IsDebrisOfDeadRun(std::string_view name, int64_t* pid = nullptr);
// Whether process `pid` runs on this host (kill(pid, 0)).
bool ProcessIsAlive(int64_t pid);

}  // namespace traffic::fs
