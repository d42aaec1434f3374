#include "traffic/pipeline/hdfs_admin.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"
#include "traffic/fs/hdfs_checksum.h"

namespace traffic::pipeline {
namespace {

std::string Normal(const std::string& path) {
  std::string n = std::filesystem::path(path).lexically_normal().string();
  while (n.size() > 1 && n.back() == '/') n.pop_back();
  return n;
}

struct PlannedCopy {
  std::string from, to;
  uint64_t bytes = 0;
};

// Every (source file, target path) pair, or the first reason the copy cannot be done as asked.
core::Result<std::vector<PlannedCopy>> PlanCopies(fs::FileSystem& from, const std::vector<std::string>& sources,
                                                  fs::FileSystem& to, const std::string& to_dir,
                                                  const TransferOptions& options) {
  std::vector<PlannedCopy> plan;
  for (const auto& source : sources) {
    auto info = from.Stat(source);
    if (!info.ok()) return info.status().WithContext("copy " + source);
    if (!info->is_directory) {
      if (!options.suffixes.empty() && !fs::NameEndsWith(source, options.suffixes)) {
        std::string kinds;
        for (const auto& k : options.suffixes) kinds += (kinds.empty() ? "" : " or ") + k;
        return core::Status::InvalidArgument("copy " + source + ": not a " + kinds + " file");
      }
      plan.push_back(
          {source, fs::JoinPath(to_dir, std::filesystem::path(Normal(source)).filename().string()), info->size_bytes});
      continue;
    }
    // An empty suffix matches every name.
    const std::vector<std::string> every{""};
    TRAFFIC_ASSIGN_OR_RETURN(auto files,
                             from.ListFilesRecursive(source, options.suffixes.empty() ? every : options.suffixes));
    if (files.empty()) {
      return core::Status::InvalidArgument("copy " + source + ": the folder holds no file to copy" +
                                           (options.suffixes.empty() ? "" : " (of the kinds wanted)"));
    }
    const std::string base = Normal(source);
    for (const auto& f : files) {
      std::string relative = std::filesystem::path(Normal(f.path)).lexically_relative(base).string();
      plan.push_back({f.path, fs::JoinPath(to_dir, relative), f.size_bytes});
    }
  }
  std::map<std::string, std::string> seen;
  for (const auto& c : plan) {
    auto [it, fresh] = seen.emplace(c.to, c.from);
    if (!fresh) {
      return core::Status::InvalidArgument("copy: " + it->second + " and " + c.from + " would both be " + c.to);
    }
    if (from.CanonicalPath(c.from) == to.CanonicalPath(c.to)) {
      return core::Status::InvalidArgument("copy " + c.from + ": it is its own target");
    }
    auto there = to.Stat(c.to);
    if (there.ok()) {
      if (there->is_directory) {
        return core::Status::InvalidArgument("copy " + c.from + ": " + to.CanonicalPath(c.to) + " is a folder");
      }
      if (!options.overwrite) {
        return core::Status::InvalidArgument("copy " + c.from + ": " + to.CanonicalPath(c.to) +
                                             " already exists (--overwrite replaces it)");
      }
    } else if (there.status().code() != core::StatusCode::kNotFound) {
      return there.status();
    }
  }
  return plan;
}

// Compares the checksum the target (an upload) or the source (a download) keeps with the one of
// the bytes copied. Returns the algorithm verified, "" when there was none to compare.
core::Result<std::string> VerifyChecksum(fs::FileSystem& from, const std::string& from_path, fs::FileSystem& to,
                                         const std::string& to_path, const std::vector<uint32_t>& crcs) {
  TRAFFIC_ASSIGN_OR_RETURN(auto kept, to.Checksum(to_path));
  if (!kept) {
    TRAFFIC_ASSIGN_OR_RETURN(kept, from.Checksum(from_path));
  }
  if (!kept) return std::string();
  std::optional<std::string> computed = fs::Md5Md5Crc32c(*kept, crcs);
  if (!computed) return std::string();  // another kind of checksum, or an empty file
  if (*computed != fs::ReportedMd5(*kept)) {
    return core::Status::Corrupt("copy " + from_path + " to " + to.CanonicalPath(to_path) + ": checksum " +
                                 kept->algorithm + " differs: HDFS keeps " + fs::ReportedMd5(*kept) +
                                 ", the bytes copied give " + *computed);
  }
  return kept->algorithm;
}

}  // namespace

core::Result<std::vector<std::string>> SetupLayout(fs::FileSystem& fs, const DataLayout& layout) {
  std::vector<std::string> created;
  for (const std::string& dir : {layout.Raw(), layout.Processed(), layout.Features(), layout.Models(),
                                 layout.Streaming(), layout.Checkpoints()}) {
    auto info = fs.Stat(dir);
    if (info.ok()) {
      if (!info->is_directory) return core::Status::InvalidArgument(fs.CanonicalPath(dir) + " is a file, not a folder");
      continue;
    }
    if (info.status().code() != core::StatusCode::kNotFound) return info.status();
    TRAFFIC_RETURN_IF_ERROR(fs.MakeDirs(dir));
    created.push_back(dir);
  }
  return created;
}

core::Result<TransferSummary> CopyFiles(fs::FileSystem& from, const std::vector<std::string>& sources,
                                        fs::FileSystem& to, const std::string& to_dir, const TransferOptions& options,
                                        const TransferCallback& progress) {
  if (sources.empty()) return core::Status::InvalidArgument("copy: no file named");
  auto started = std::chrono::steady_clock::now();
  TRAFFIC_ASSIGN_OR_RETURN(auto plan, PlanCopies(from, sources, to, to_dir, options));
  TransferProgress p;
  p.files_total = static_cast<int>(plan.size());
  for (const auto& c : plan) p.total_bytes += c.bytes;
  TransferSummary summary;
  std::string chunk(options.chunk_bytes, '\0');
  for (const auto& c : plan) {
    p.file = c.from;
    p.file_bytes = 0;
    TRAFFIC_ASSIGN_OR_RETURN(auto reader, from.OpenRead(c.from));
    TRAFFIC_ASSIGN_OR_RETURN(auto writer, to.OpenWrite(c.to, options.mode));
    fs::ChunkCrcs crcs;
    while (true) {
      TRAFFIC_ASSIGN_OR_RETURN(size_t n, reader->Read(chunk.data(), chunk.size()));
      if (n == 0) break;
      crcs.Update(std::string_view(chunk.data(), n));
      TRAFFIC_RETURN_IF_ERROR(writer->Append(std::string_view(chunk.data(), n)));
      p.file_bytes += n;
      p.done_bytes += n;
      if (progress) progress(p);
    }
    TRAFFIC_RETURN_IF_ERROR(writer->Close());
    TRAFFIC_ASSIGN_OR_RETURN(fs::FileInfo copied, to.Stat(c.to));
    if (copied.size_bytes != p.file_bytes) {
      return core::Status::IoError("copy " + c.from + " to " + to.CanonicalPath(c.to) + ": the copy has " +
                                   std::to_string(copied.size_bytes) + " bytes, the source " +
                                   std::to_string(p.file_bytes));
    }
    TRAFFIC_ASSIGN_OR_RETURN(std::string checksum, VerifyChecksum(from, c.from, to, c.to, crcs.Finish()));
    ++p.files_done;
    if (progress) progress(p);
    summary.files.push_back({c.from, c.to, p.file_bytes, true, checksum});
    summary.bytes += p.file_bytes;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

core::Result<std::vector<TreeEntry>> ListTree(fs::FileSystem& fs, const std::string& path) {
  TRAFFIC_ASSIGN_OR_RETURN(fs::FileInfo top, fs.Stat(path));
  std::vector<TreeEntry> out;
  if (!top.is_directory) {
    out.push_back({top, 0});
    return out;
  }
  // Depth first with an explicit stack of (entries, next index) so a deep lake cannot overflow.
  struct Level {
    std::vector<fs::FileInfo> entries;
    size_t next = 0;
  };
  std::vector<Level> stack;
  TRAFFIC_ASSIGN_OR_RETURN(auto first, fs.List(path));
  stack.push_back({std::move(first), 0});
  while (!stack.empty()) {
    Level& level = stack.back();
    if (level.next == level.entries.size()) {
      stack.pop_back();
      continue;
    }
    fs::FileInfo entry = level.entries[level.next++];
    int depth = static_cast<int>(stack.size()) - 1;
    out.push_back({entry, depth});
    if (entry.is_directory) {
      TRAFFIC_ASSIGN_OR_RETURN(auto children, fs.List(entry.path));
      stack.push_back({std::move(children), 0});
    }
  }
  return out;
}

core::Status RemoveFromLake(fs::FileSystem& fs, const DataLayout& layout, const std::string& path) {
  std::string target = Normal(path.empty() ? "/" : path);
  std::string root = Normal(layout.root);
  bool is_above_root = target == "/" || target == "." ||
                       (root.size() >= target.size() && root.compare(0, target.size(), target) == 0 &&
                        (root.size() == target.size() || root[target.size()] == '/'));
  if (is_above_root) {
    return core::Status::InvalidArgument("rm " + fs.CanonicalPath(target) + ": refusing to remove the layout root " +
                                         root + " or a folder above it");
  }
  if (!fs.Exists(target)) return core::Status::NotFound("rm " + fs.CanonicalPath(target) + ": no such file or folder");
  return fs.RemoveAll(target);
}

std::string HdfsHealth::ToJson() const {
  core::JsonWriter j;
  j.BeginObject().Key("namenode").String(namenode).Key("reachable").Bool(reachable).Key("healthy").Bool(healthy());
  if (!reachable) {
    j.Key("error").String(error).EndObject();
    return j.str();
  }
  j.Key("state").String(state).Key("safe_mode").Bool(safe_mode).Key("safe_mode_text").String(safe_mode_text);
  j.Key("live_datanodes").Int(live_datanodes).Key("dead_datanodes").Int(dead_datanodes);
  j.Key("capacity_bytes")
      .Int(static_cast<int64_t>(capacity_bytes))
      .Key("used_bytes")
      .Int(static_cast<int64_t>(used_bytes));
  j.Key("remaining_bytes").Int(static_cast<int64_t>(remaining_bytes));
  j.Key("files").Int(files).Key("blocks").Int(blocks).EndObject();
  return j.str();
}

HdfsHealth CheckHdfsHealth(fs::WebHdfsClient& client) {
  HdfsHealth h;
  h.namenode = client.endpoint().HttpUrl();
  auto state = client.GetNameNodePage("/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState");
  if (!state.ok()) {
    h.error = state.status().message();
    return h;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element bean;
  if (parser.parse(*state).get(bean) != simdjson::SUCCESS || bean["beans"].at(0).get(bean) != simdjson::SUCCESS) {
    h.error = "GET " + h.namenode + "/jmx: not the NameNode's FSNamesystemState";
    return h;
  }
  h.reachable = true;
  std::string_view fs_state;
  int64_t n = 0;
  if (bean["FSState"].get(fs_state) == simdjson::SUCCESS) h.state = std::string(fs_state);
  h.safe_mode = h.state != "Operational";
  if (bean["NumLiveDataNodes"].get(n) == simdjson::SUCCESS) h.live_datanodes = static_cast<int>(n);
  if (bean["NumDeadDataNodes"].get(n) == simdjson::SUCCESS) h.dead_datanodes = static_cast<int>(n);
  if (bean["CapacityTotal"].get(n) == simdjson::SUCCESS) h.capacity_bytes = static_cast<uint64_t>(n);
  if (bean["CapacityUsed"].get(n) == simdjson::SUCCESS) h.used_bytes = static_cast<uint64_t>(n);
  if (bean["CapacityRemaining"].get(n) == simdjson::SUCCESS) h.remaining_bytes = static_cast<uint64_t>(n);
  if (bean["FilesTotal"].get(n) == simdjson::SUCCESS) h.files = n;
  if (bean["BlocksTotal"].get(n) == simdjson::SUCCESS) h.blocks = n;
  // NameNodeInfo says why safe mode is on ("" when off).
  auto info = client.GetNameNodePage("/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo");
  simdjson::dom::parser info_parser;
  simdjson::dom::element info_bean;
  std::string_view text;
  if (info.ok() && info_parser.parse(*info).get(info_bean) == simdjson::SUCCESS &&
      info_bean["beans"].at(0)["Safemode"].get(text) == simdjson::SUCCESS) {
    h.safe_mode_text = std::string(core::Trim(text));
    if (!h.safe_mode_text.empty()) h.safe_mode = true;
  }
  return h;
}

}  // namespace traffic::pipeline
