// `traffic hdfs`: the data lake's housekeeping (DESIGN.md "Storage layout" on HDFS): create the
// layout, upload raw trips into it, list, download, remove, report health. Works on any two
// fs::FileSystem (the local disk and HDFS in practice; tests use two local folders).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/fs/webhdfs_client.h"
#include "traffic/pipeline/data_layout.h"

namespace traffic::pipeline {

// The layout's folders (raw/, processed/, features/, models/, streaming/, checkpoints/), created
// where missing. Returns the ones it created.
core::Result<std::vector<std::string>> SetupLayout(fs::FileSystem& fs, const DataLayout& layout);

struct TransferProgress {
  std::string file;          // the source being copied
  uint64_t file_bytes = 0;   // copied of it
  uint64_t done_bytes = 0;   // of every file
  uint64_t total_bytes = 0;  // of every file
  int files_done = 0, files_total = 0;
};
using TransferCallback = std::function<void(const TransferProgress&)>;

struct TransferredFile {
  std::string from, to;
  uint64_t bytes = 0;
  bool size_verified = false;  // the copy's size, asked of the target afterwards, equals the source's
  // The checksum HDFS keeps for the file (its algorithm) equals the one computed from the bytes
  // copied; empty when neither side keeps a comparable one (hdfs_checksum.h).
  std::string checksum_verified;
};

struct TransferSummary {
  std::vector<TransferredFile> files;
  uint64_t bytes = 0;
  double seconds = 0;
};

struct TransferOptions {
  bool overwrite = false;  // else a target that exists is refused before anything is copied
  // Only files whose name ends with one of these (case-insensitive): taken from a folder, refused
  // when named. Empty: every file.
  std::vector<std::string> suffixes;
  size_t chunk_bytes = 8u << 20;
  // How each copy is written: atomically; kAtomicUnsynced for a download (as cp: not synced).
  fs::WriteMode mode = fs::WriteMode::kAtomic;
};

// Copies `sources` (files, or folders whose matching files are taken recursively) from `from` into
// folder `to_dir` of `to`. A folder's files keep their path below it. Each copy is written
// atomically (no half file is ever visible under the target name) and its size checked on the
// target afterwards, and its checksum where either file system keeps one (HDFS): a mismatch is an
// error naming both values. Refused, naming the file, before anything is copied: a source that is missing
// or of a kind not wanted, two sources with one target name, a target that exists (unless
// `overwrite`), a target that is the source itself.
core::Result<TransferSummary> CopyFiles(fs::FileSystem& from, const std::vector<std::string>& sources,
                                        fs::FileSystem& to, const std::string& to_dir, const TransferOptions& options,
                                        const TransferCallback& progress = nullptr);

struct TreeEntry {
  fs::FileInfo info;
  int depth = 0;  // 0: the listed path's own entries
};
// Every entry under `path` depth first, folders before their contents, sorted by name. A file
// `path` lists itself.
core::Result<std::vector<TreeEntry>> ListTree(fs::FileSystem& fs, const std::string& path);

// Removes `path` recursively. Refused: the root "/", the layout root and anything above it.
core::Status RemoveFromLake(fs::FileSystem& fs, const DataLayout& layout, const std::string& path);

struct HdfsHealth {
  std::string namenode;  // http://host:port
  bool reachable = false;
  std::string error;  // when not reachable
  std::string state;  // "Operational" or "safeMode"
  bool safe_mode = false;
  std::string safe_mode_text;
  int live_datanodes = 0, dead_datanodes = 0;
  uint64_t capacity_bytes = 0, used_bytes = 0, remaining_bytes = 0;
  int64_t files = 0, blocks = 0;
  bool healthy() const { return reachable && !safe_mode && live_datanodes > 0 && remaining_bytes > 0; }
  std::string ToJson() const;
};
// Asks the NameNode's JMX (FSNamesystemState, NameNodeInfo). Never fails: an unreachable
// NameNode is a health report that says so.
HdfsHealth CheckHdfsHealth(fs::WebHdfsClient& client);

}  // namespace traffic::pipeline
