// models/: one folder per trained version (model files, profile.txt, card.json, report.txt,
// _SUCCESS) and `latest`, a one-line file naming the promoted version. This module is the only
// code that knows that layout: `train` writes a version and promotes it, `stream` and `all`
// resolve "latest".
//
// A version name becomes a folder name, so it is a name, never a path: 1..64 characters of
// [A-Za-z0-9._-], not starting with '.' or '-', and not one of the reserved words "latest" (the
// pointer) or "none" (`stream --model none`). A new version never replaces an existing one.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"

namespace traffic::pipeline {

inline constexpr std::string_view kLatestVersion = "latest";
inline constexpr std::string_view kNoModel = "none";

// The default version name for a model trained at `t`: its UTC time, e.g. "20261124T193000Z".
std::string VersionAt(std::chrono::system_clock::time_point t);
std::string NowVersion();  // VersionAt(now)

// InvalidArgument saying what is wrong with `name` as a version name (see the file comment).
core::Status ValidateVersionName(std::string_view name);

class ModelStore {
 public:
  ModelStore(fs::FileSystem& fs, std::string models_dir) : fs_(fs), dir_(std::move(models_dir)) {}

  const std::string& dir() const { return dir_; }
  std::string VersionDir(std::string_view version) const { return fs::JoinPath(dir_, version); }
  std::string LatestPath() const { return fs::JoinPath(dir_, kLatestVersion); }

  // The version `latest` names; NotFound "<dir>/latest: no trained model (run `traffic train`)".
  core::Result<std::string> ReadLatest();
  // Points `latest` at `version`, atomically (readers see the old or the new name, never a mix).
  core::Status WriteLatest(std::string_view version);
  // "latest" -> ReadLatest(); any other name is returned as it is (after validation).
  core::Result<std::string> Resolve(std::string_view name);
  // The committed versions (folders with _SUCCESS), sorted by name (so by time for the default
  // names); an absent models/ folder is an empty list.
  core::Result<std::vector<std::string>> ListVersions();
  // OK when `name` is a valid version name that no folder in models/ uses yet.
  core::Status CheckNewVersion(std::string_view name);

 private:
  fs::FileSystem& fs_;
  std::string dir_;
};

}  // namespace traffic::pipeline
