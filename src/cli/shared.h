// What every subcommand shares: the options of DESIGN.md "Command line", the storage layout
// under --data-dir, output helpers (human table or --json), and exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"

namespace traffic::cli {

enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2 };

struct SharedOptions {
  std::string data_dir = "./data";
  bool hdfs = false;
  std::string hdfs_uri = "hdfs://localhost:9000";
  std::string brokers;  // default: $TRAFFIC_BROKERS or localhost:9092
  bool json = false;
  std::string geo_dir;  // default: $TRAFFIC_GEO_DIR or ../shared/data/geo
  std::string log_level = "info";

  std::string Brokers() const;
  // The layout folders (DESIGN.md "Storage layout").
  std::string Layout(const std::string& sub) const { return fs::JoinPath(data_dir, sub); }
};

// A subcommand: its CLI11 app and what runs when it is chosen.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

void AddSharedOptions(CLI::App* command, SharedOptions* options);

// Sets up logging to stderr at the chosen level.
void InitLogging(const SharedOptions& options);

// The file system holding the storage layout: local, or HDFS with --hdfs (not built yet: the
// error says so).
core::Result<std::unique_ptr<fs::FileSystem>> LayoutFileSystem(const SharedOptions& options);

// Prints an operational error on stderr and returns kExitFailure.
int Fail(const core::Status& status, std::string_view command);

// A single-line progress display on stderr, only when stderr is a terminal.
class ProgressLine {
 public:
  ProgressLine();
  ~ProgressLine();
  bool enabled() const { return enabled_; }
  void Update(const std::string& text);  // rate-limited to ~10 Hz
  void Finish();

 private:
  bool enabled_;
  int64_t last_ns_ = 0;
  bool dirty_ = false;
};

std::string FormatBytes(uint64_t bytes);

}  // namespace traffic::cli
