#include "e2e_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace traffic::e2e {

RunResult RunTraffic(const std::string& args, const std::filesystem::path& cwd) {
  static std::atomic<int> counter{0};
  std::string err_path = std::filesystem::temp_directory_path() /
                         ("traffic_e2e_err_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::string command = "cd '" + std::filesystem::absolute(cwd).string() + "' && TRAFFIC_GEO_DIR='" +
                        SharedData("geo") + "' '" + TRAFFIC_BINARY + "' " + args + " 2>'" + err_path + "'";
  RunResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[1 << 14];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = ReadFile(err_path);
  std::filesystem::remove(err_path);
  return result;
}

std::string SharedData(const std::string& relative) {
  return std::filesystem::absolute(std::filesystem::path(TRAFFIC_SHARED_DIR) / "data" / relative).string();
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("traffic_e2e_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() { std::filesystem::remove_all(path_); }

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace traffic::e2e
