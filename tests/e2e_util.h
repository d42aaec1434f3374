// Helpers for end-to-end tests: run the real binary, capture stdout/stderr and the exit code,
// work in a fresh temporary folder (testing::TempDir).
#pragma once

#include <simdjson.h>

#include <filesystem>
#include <string>

#include "traffic/testing/temp_dir.h"

namespace traffic::e2e {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `traffic <args>` (args are passed to /bin/sh; quote as needed) with cwd = `cwd`.
RunResult RunTraffic(const std::string& args, const std::filesystem::path& cwd = ".");

std::string SharedData(const std::string& relative);  // absolute path under ../shared/data

std::string ReadFile(const std::filesystem::path& path);

}  // namespace traffic::e2e
