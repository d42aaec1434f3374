#include "traffic/fs/file_system.h"

#include <algorithm>

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

core::Result<std::vector<FileInfo>> FileSystem::ListFilesRecursive(
    const std::string& dir, const std::vector<std::string>& suffixes) {
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
      std::string lower = core::ToLower(entry.name);
      for (const auto& suffix : suffixes) {
        if (lower.size() >= suffix.size() &&
            lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0) {
          out.push_back(entry);
          break;
        }
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return out;
}

}  // namespace traffic::fs
