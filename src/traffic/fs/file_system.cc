#include "traffic/fs/file_system.h"

#include <signal.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "traffic/core/text.h"

namespace traffic::fs {

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  if (out.back() != '/') out.push_back('/');
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out.append(b);
  return out;
}

bool NameEndsWith(std::string_view name, const std::vector<std::string>& suffixes) {
  std::string lower = core::ToLower(name);
  for (const auto& suffix : suffixes) {
    std::string want = core::ToLower(suffix);
    if (lower.size() >= want.size() && lower.compare(lower.size() - want.size(), want.size(), want) == 0) return true;
  }
  return false;
}

std::string UniqueSuffix() {
  uint64_t random = 0;
  if (::getrandom(&random, sizeof random, 0) != static_cast<ssize_t>(sizeof random)) {
    static uint64_t fallback = 0x9E3779B97F4A7C15ULL;  // never the only protection: opens are exclusive
    fallback = (fallback ^ static_cast<uint64_t>(::getpid())) * 0xBF58476D1CE4E5B9ULL + 1;
    random = fallback;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%d-%012llx", static_cast<int>(::getpid()),
                static_cast<unsigned long long>(random & 0xFFFFFFFFFFFFULL));
  return buf;
}

bool ProcessIsAlive(int64_t pid) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) == 0) return true;
  return errno == EPERM;  // exists, owned by someone else
}

bool IsDebrisOfDeadRun(std::string_view name, int64_t* pid_out) {
  static constexpr std::string_view kMarkers[] = {".tmp-", ".staging-", ".old-"};
  static constexpr std::string_view kReplay = "traffic-replay-";
  size_t digits = std::string_view::npos;
  if (name.substr(0, kReplay.size()) == kReplay) {
    digits = kReplay.size();
  } else {
    for (std::string_view marker : kMarkers) {
      size_t at = name.rfind(marker);
      if (at != std::string_view::npos && at > 0) {
        digits = at + marker.size();
        break;
      }
    }
  }
  if (digits == std::string_view::npos) return false;
  size_t end = digits;
  int64_t pid = 0;
  while (end < name.size() && name[end] >= '0' && name[end] <= '9' && end - digits < 10) {
    pid = pid * 10 + (name[end] - '0');
    ++end;
  }
  if (end == digits || (end < name.size() && name[end] != '-')) return false;
  if (pid_out != nullptr) *pid_out = pid;
  return !ProcessIsAlive(pid);
}

core::Status FileSystem::Exchange(const std::string& a, const std::string& b) {
  // `b` is parked under `b.old-PID-...`: callers swap a staging folder `a` into a final name `b`,
  // and a crash between two renames then leaves `b` missing beside its parked old self, which
  // RecoverAndSweep puts back.
  std::string parked = b + ".old-" + UniqueSuffix();
  TRAFFIC_RETURN_IF_ERROR(Rename(b, parked));
  if (core::Status st = Rename(a, b); !st.ok()) {
    (void)Rename(parked, b);
    return st;
  }
  return Rename(parked, a);
}

core::Status FileSystem::SyncTree(const std::string&) { return core::Status::Ok(); }

core::Result<std::optional<FileChecksum>> FileSystem::Checksum(const std::string&) {
  return std::optional<FileChecksum>();
}

core::Result<std::string> FileSystem::MakeUniqueDir(const std::string& prefix) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string path = prefix + UniqueSuffix();
    if (Exists(path)) continue;
    TRAFFIC_RETURN_IF_ERROR(MakeDirs(path));
    return path;
  }
  return core::Status::IoError("create a unique folder " + prefix + "*: every name taken");
}

std::string FileSystem::CanonicalPath(const std::string& path) {
  return Describe() + ":" + std::filesystem::path(path).lexically_normal().string();
}

core::Result<std::string> FileSystem::ReadAll(const std::string& path) {
  TRAFFIC_ASSIGN_OR_RETURN(auto file, OpenRead(path));
  std::string out;
  char buffer[1 << 16];
  while (true) {
    TRAFFIC_ASSIGN_OR_RETURN(size_t n, file->Read(buffer, sizeof buffer));
    if (n == 0) break;
    out.append(buffer, n);
  }
  return out;
}

core::Status FileSystem::WriteAll(const std::string& path, std::string_view data, WriteMode mode) {
  TRAFFIC_ASSIGN_OR_RETURN(auto file, OpenWrite(path, mode));
  TRAFFIC_RETURN_IF_ERROR(file->Append(data));
  return file->Close();
}

core::Result<std::vector<FileInfo>> FileSystem::ListFilesRecursive(const std::string& dir,
                                                                   const std::vector<std::string>& suffixes) {
  std::vector<FileInfo> out;
  std::vector<std::string> pending{dir};
  while (!pending.empty()) {
    std::string current = pending.back();
    pending.pop_back();
    TRAFFIC_ASSIGN_OR_RETURN(auto entries, List(current));
    for (auto& entry : entries) {
      if (entry.name.empty() || entry.name[0] == '.' || entry.name[0] == '_') continue;
      if (entry.is_directory) {
        pending.push_back(entry.path);
        continue;
      }
      if (NameEndsWith(entry.name, suffixes)) out.push_back(entry);
    }
  }
  std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return out;
}

}  // namespace traffic::fs
