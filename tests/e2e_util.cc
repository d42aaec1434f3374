#include "e2e_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace traffic::e2e {

RunResult RunTraffic(const std::string& args, const std::filesystem::path& cwd) {
  testing::TempDir scratch;
  const std::string err_path = scratch / "stderr";
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
  return result;
}

std::string SharedData(const std::string& relative) {
  return std::filesystem::absolute(std::filesystem::path(TRAFFIC_SHARED_DIR) / "data" / relative).string();
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace traffic::e2e
