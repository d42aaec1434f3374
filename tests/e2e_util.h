// Helpers for end-to-end tests: run the real binary, capture stdout/stderr and the exit code,
// work in a fresh temporary folder.
#pragma once

#include <simdjson.h>

#include <filesystem>
#include <string>

namespace traffic::e2e {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `traffic <args>` (args are passed to /bin/sh; quote as needed) with cwd = `cwd`.
RunResult RunTraffic(const std::string& args, const std::filesystem::path& cwd = ".");

std::string SharedData(const std::string& relative);  // absolute path under ../shared/data

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& sub) const { return (path_ / sub).string(); }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::filesystem::path& path);

}  // namespace traffic::e2e
