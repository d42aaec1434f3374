// What every subcommand shares: the options of DESIGN.md "Command line", the storage layout
// under --data-dir, output helpers (human table or --json), and exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/pipeline/data_layout.h"

namespace traffic::cli {

// kExitInternal: an exception escaped (a bug); main() prints one "internal error" line.
enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitInternal = 70 };

// The layout's root on HDFS when --data-dir is left at its default (DESIGN.md "Storage layout").
inline constexpr char kHdfsLayoutRoot[] = "/smart-city-traffic/data";
inline constexpr char kDefaultDataDir[] = "./data";

struct SharedOptions {
  std::string data_dir = kDefaultDataDir;
  bool hdfs = false;
  std::string hdfs_uri;  // default: $TRAFFIC_HDFS_URI or hdfs://localhost:9000
  std::string brokers;   // default: $TRAFFIC_BROKERS or localhost:9092
  bool json = false;
  std::string geo_dir;  // default: $TRAFFIC_GEO_DIR or ../shared/data/geo
  std::string log_level = "info";

  std::string Brokers() const;
  std::string HdfsUri() const;
  // The layout folders (DESIGN.md "Storage layout") under --data-dir; on HDFS under
  // /smart-city-traffic/data unless --data-dir names another folder.
  pipeline::DataLayout Layout() const;
};

// A subcommand: its CLI11 app and what runs when it is chosen.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// `offers_hdfs`: whether the command can keep its files on HDFS (--hdfs, --hdfs-uri); a command
// for which HDFS means nothing does not offer the flags.
void AddSharedOptions(CLI::App* command, SharedOptions* options, bool offers_hdfs = true);

// Sets up logging to stderr at the chosen level.
void InitLogging(const SharedOptions& options);

// The file system holding the storage layout: the local disk, or HDFS (WebHDFS) with --hdfs.
// No request is made yet: a NameNode that is down is reported by the first access, naming it.
core::Result<std::unique_ptr<fs::FileSystem>> LayoutFileSystem(const SharedOptions& options);

// Prints an operational error on stderr and returns kExitFailure.
// Reports a failed command: "traffic CMD: error: ..." on stderr and, with --json, one JSON object
// on stdout ({"ok":false,"step":CMD,"error":...}: a script reading stdout always gets one
// object). Returns kExitFailure.
int Fail(const SharedOptions& shared, const core::Status& status, std::string_view command);

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

// Number checks for options, with messages that say what is wanted (CLI11's own print the
// range as 1.79e308 digits, and let "nan" through).
extern const CLI::Validator kNonNegative;  // a finite number >= 0
extern const CLI::Validator kPositive;     // a finite number > 0

// Binds a number of seconds to a std::chrono::seconds field (default shown from the field);
// a negative value is a usage error naming the option.
CLI::Option* AddSecondsOption(CLI::App* c, const std::string& name, std::chrono::seconds* field,
                              const std::string& help);

// SIGINT/SIGTERM set the stop flag that long-running steps poll.
void InstallStopSignals();
const std::atomic<bool>* StopFlag();

}  // namespace traffic::cli
