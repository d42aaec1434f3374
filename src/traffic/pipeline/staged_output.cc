#include "traffic/pipeline/staged_output.h"

#include <filesystem>

namespace traffic::pipeline {
namespace {

// `path` without trailing '/': its folder and its name.
std::pair<std::string, std::string> SplitParent(const std::string& path) {
  std::filesystem::path p(path);
  return {p.parent_path().string(), p.filename().string()};
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

core::Result<int> RecoverAndSweep(fs::FileSystem& fs, const std::string& dir, const std::string& name) {
  auto entries = fs.List(dir.empty() ? "." : dir);
  if (!entries.ok()) {
    if (entries.status().code() == core::StatusCode::kNotFound) return 0;
    return entries.status();
  }
  const std::string final_path = fs::JoinPath(dir, name);
  bool final_exists = fs.Exists(final_path);
  int swept = 0;
  for (const auto& entry : *entries) {
    std::string_view n = entry.name;
    if (StartsWith(n, ".")) n.remove_prefix(1);
    if (!StartsWith(n, name) || n.size() == name.size() || n[name.size()] != '.') continue;
    if (!fs::IsDebrisOfDeadRun(n)) continue;
    // An old output parked by a swap that never finished (the two-rename swap of earlier
    // versions, or FileSystem::Exchange's fallback): it is the last complete output. Restore it.
    std::string_view marker = n.substr(name.size());
    if (!final_exists && entry.is_directory && StartsWith(marker, ".old-") &&
        fs.Exists(fs::JoinPath(entry.path, "_SUCCESS"))) {
      TRAFFIC_RETURN_IF_ERROR(fs.Rename(entry.path, final_path));
      final_exists = true;
      ++swept;
      continue;
    }
    TRAFFIC_RETURN_IF_ERROR(fs.RemoveAll(entry.path));
    ++swept;
  }
  return swept;
}

StagedOutput::StagedOutput(fs::FileSystem& fs, std::string final_dir) : fs_(fs), final_(std::move(final_dir)) {
  while (final_.size() > 1 && final_.back() == '/') final_.pop_back();
}

StagedOutput::~StagedOutput() {
  if (!committed_ && !staging_.empty()) (void)fs_.RemoveAll(staging_);
}

core::Status StagedOutput::Begin() {
  auto [parent, name] = SplitParent(final_);
  TRAFFIC_RETURN_IF_ERROR(RecoverAndSweep(fs_, parent, name).status());
  if (!staging_.empty()) TRAFFIC_RETURN_IF_ERROR(fs_.RemoveAll(staging_));
  TRAFFIC_ASSIGN_OR_RETURN(staging_, fs_.MakeUniqueDir(final_ + ".staging-"));
  return core::Status::Ok();
}

core::Status StagedOutput::Commit(const std::string& success_json) {
  if (staging_.empty()) return core::Status::Internal("StagedOutput::Commit before Begin for " + final_);
  TRAFFIC_RETURN_IF_ERROR(fs_.WriteAll(fs::JoinPath(staging_, "_SUCCESS"), success_json + "\n"));
  TRAFFIC_RETURN_IF_ERROR(fs_.SyncTree(staging_));
  if (!fs_.Exists(final_)) {
    TRAFFIC_RETURN_IF_ERROR(fs_.Rename(staging_, final_));  // nothing to lose: one rename
    committed_ = true;
    return fs_.SyncTree(final_);
  }
  TRAFFIC_RETURN_IF_ERROR(fs_.Exchange(staging_, final_));
  committed_ = true;
  // staging_ now holds the previous output; a crash before this line leaves it as debris that
  // the next Begin() sweeps (its owner is gone), never a missing output.
  return fs_.RemoveAll(staging_);
}

core::Result<std::string> ReadSuccess(fs::FileSystem& fs, const std::string& dir, const std::string& produced_by) {
  auto text = fs.ReadAll(fs::JoinPath(dir, "_SUCCESS"));
  // Only a missing marker means "run the step first": a file system that failed says so itself.
  if (!text.ok() && text.status().code() != core::StatusCode::kNotFound) return text.status();
  if (!text.ok()) {
    return core::Status::NotFound(dir + " has no complete output (no _SUCCESS): run `traffic " + produced_by +
                                  "` first");
  }
  return text;
}

}  // namespace traffic::pipeline
