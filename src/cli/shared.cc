#include "shared.h"

#include "traffic/core/json_writer.h"
#include "traffic/fs/webhdfs_file_system.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace traffic::cli {

std::string SharedOptions::Brokers() const {
  if (!brokers.empty()) return brokers;
  if (const char* env = std::getenv("TRAFFIC_BROKERS"); env != nullptr && *env != '\0') return env;
  return "localhost:9092";
}

std::string SharedOptions::HdfsUri() const {
  if (!hdfs_uri.empty()) return hdfs_uri;
  if (const char* env = std::getenv("TRAFFIC_HDFS_URI"); env != nullptr && *env != '\0') return env;
  return "hdfs://localhost:9000";
}

pipeline::DataLayout SharedOptions::Layout() const {
  if (hdfs && data_dir == kDefaultDataDir) return {kHdfsLayoutRoot};
  // HDFS has no working folder: a relative --data-dir is taken from its root.
  if (hdfs && (data_dir.empty() || data_dir.front() != '/')) return {"/" + data_dir};
  return {data_dir};
}

void AddSharedOptions(CLI::App* c, SharedOptions* o, bool offers_hdfs) {
  c->add_option("--data-dir", o->data_dir,
                offers_hdfs ? "root of the storage layout (raw/, processed/, features/, models/, ...); on HDFS "
                              "default /smart-city-traffic/data"
                            : "root of the storage layout (raw/, processed/, features/, models/, ...)")
      ->capture_default_str();
  if (offers_hdfs) {
    c->add_flag("--hdfs", o->hdfs, "keep the same layout on HDFS (through WebHDFS) instead of the local disk");
    c->add_option("--hdfs-uri", o->hdfs_uri,
                  "HDFS NameNode hdfs://HOST[:RPCPORT] (WebHDFS on its HTTP port 9870) or webhdfs://HOST:HTTPPORT; "
                  "implies --hdfs (default $TRAFFIC_HDFS_URI or hdfs://localhost:9000)")
        ->each([o](const std::string&) { o->hdfs = true; });
  }
  c->add_option("--brokers", o->brokers,
                "Kafka bootstrap servers HOST:PORT[,...] (default $TRAFFIC_BROKERS or localhost:9092)");
  c->add_flag("--json", o->json, "print the end-of-run summary as one JSON object on stdout");
  c->add_option("--geo-dir", o->geo_dir,
                "NYC taxi-zone and borough geometry folder (default $TRAFFIC_GEO_DIR or ../shared/data/geo)");
  c->add_option("--log-level", o->log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
}

void InitLogging(const SharedOptions& options) {
  auto logger = spdlog::stderr_color_mt("traffic");
  logger->set_pattern("%^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(options.log_level));
}

core::Result<std::unique_ptr<fs::FileSystem>> LayoutFileSystem(const SharedOptions& options) {
  if (options.hdfs) {
    fs::WebHdfsOptions hdfs;
    hdfs.uri = options.HdfsUri();
    hdfs.root = options.Layout().root;  // relative paths (clean's or produce's inputs) are in the layout
    TRAFFIC_ASSIGN_OR_RETURN(auto webhdfs, fs::MakeWebHdfsFileSystem(hdfs));
    return std::unique_ptr<fs::FileSystem>(std::move(webhdfs));
  }
  return fs::MakeLocalFileSystem();
}

int Fail(const SharedOptions& shared, const core::Status& status, std::string_view command) {
  std::fprintf(stderr, "traffic %.*s: error: %s\n", static_cast<int>(command.size()), command.data(),
               status.message().c_str());
  if (shared.json) {
    core::JsonWriter j;
    j.BeginObject().Key("ok").Bool(false).Key("step").String(command).Key("error").String(status.message()).EndObject();
    std::printf("%s\n", j.str().c_str());
    std::fflush(stdout);
  }
  return kExitFailure;
}

ProgressLine::ProgressLine() : enabled_(::isatty(STDERR_FILENO) == 1) {}
ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Update(const std::string& text) {
  if (!enabled_) return;
  int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (now - last_ns_ < 100'000'000) return;
  last_ns_ = now;
  std::fprintf(stderr, "\r\033[K%s", text.c_str());
  std::fflush(stderr);
  dirty_ = true;
}

void ProgressLine::Finish() {
  if (enabled_ && dirty_) std::fprintf(stderr, "\r\033[K");
  dirty_ = false;
}

std::string FormatBytes(uint64_t bytes) {
  char buf[32];
  if (bytes >= (uint64_t{1} << 30))
    std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / 1e9);
  else if (bytes >= (uint64_t{1} << 20))
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(bytes) / 1e3);
  return buf;
}

namespace {
CLI::Validator NumberCheck(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& input) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(input, value) || !std::isfinite(value) || value < 0 ||
            (!allow_zero && value == 0)) {
          return std::string(allow_zero ? "must be a finite number >= 0" : "must be a finite number > 0") + ", not '" +
                 input + "'";
        }
        return {};
      },
      allow_zero ? "NUMBER >= 0" : "NUMBER > 0");
}
}  // namespace

const CLI::Validator kNonNegative = NumberCheck(true);
const CLI::Validator kPositive = NumberCheck(false);

CLI::Option* AddSecondsOption(CLI::App* c, const std::string& name, std::chrono::seconds* field,
                              const std::string& help) {
  return c
      ->add_option_function<int64_t>(
          name, [field](int64_t s) { *field = std::chrono::seconds(s); }, help)
      ->default_str(std::to_string(field->count()))
      ->check(kNonNegative);
}

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }
}  // namespace

void InstallStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}
const std::atomic<bool>* StopFlag() { return &g_stop; }

}  // namespace traffic::cli
