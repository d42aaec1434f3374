#include "traffic/pipeline/model_store.h"

#include <fmt/format.h>

#include "traffic/core/text.h"
#include "traffic/core/time.h"

namespace traffic::pipeline {

std::string VersionAt(std::chrono::system_clock::time_point t) {
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(t);
  core::LocalDateTime c = core::EpochSecondsToLocal(core::ToEpochSeconds(seconds));
  return fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z", c.year, c.month, c.day, c.hour, c.minute, c.second);
}

std::string NowVersion() { return VersionAt(std::chrono::system_clock::now()); }

core::Status ValidateVersionName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return core::Status::InvalidArgument(fmt::format("model version '{}' {}", name, why));
  };
  if (name.empty()) return bad("is empty");
  if (name.size() > 64) return bad("is longer than 64 characters");
  if (name == kLatestVersion || name == kNoModel) {
    return bad("is reserved (\"latest\" names the promoted model, \"none\" means no model)");
  }
  if (name.front() == '.' || name.front() == '-') return bad("may not start with '.' or '-'");
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return bad("may hold only letters, digits, '.', '_' and '-' (it names a folder under models/)");
  }
  return core::Status::Ok();
}

core::Result<std::string> ModelStore::ReadLatest() {
  auto text = fs_.ReadAll(LatestPath());
  if (!text.ok()) return core::Status::NotFound(LatestPath() + ": no trained model (run `traffic train`)");
  std::string version(core::Trim(*text));
  if (auto st = ValidateVersionName(version); !st.ok()) {
    return core::Status::Corrupt(LatestPath() + ": " + st.message());
  }
  return version;
}

core::Status ModelStore::WriteLatest(std::string_view version) {
  TRAFFIC_RETURN_IF_ERROR(ValidateVersionName(version));
  return fs_.WriteAll(LatestPath(), std::string(version) + "\n", fs::WriteMode::kAtomic);
}

core::Result<std::string> ModelStore::Resolve(std::string_view name) {
  if (name == kLatestVersion) return ReadLatest();
  TRAFFIC_RETURN_IF_ERROR(ValidateVersionName(name));
  return std::string(name);
}

core::Result<std::vector<std::string>> ModelStore::ListVersions() {
  std::vector<std::string> out;
  auto entries = fs_.List(dir_);
  if (!entries.ok()) {
    if (entries.status().code() == core::StatusCode::kNotFound) return out;
    return entries.status();
  }
  for (const auto& e : *entries) {
    if (!e.is_directory || !ValidateVersionName(e.name).ok()) continue;
    if (fs_.Exists(fs::JoinPath(e.path, "_SUCCESS"))) out.push_back(e.name);
  }
  return out;
}

core::Status ModelStore::CheckNewVersion(std::string_view name) {
  TRAFFIC_RETURN_IF_ERROR(ValidateVersionName(name));
  if (fs_.Exists(VersionDir(name))) {
    return core::Status::InvalidArgument(
        fmt::format("model version '{}' already exists in {}: choose another --model-version", name, dir_));
  }
  return core::Status::Ok();
}

}  // namespace traffic::pipeline
