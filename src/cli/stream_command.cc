// traffic stream: taxi-trips -> 1-minute windows per cell -> forecasts -> console / Parquet
// archive / traffic-predictions. --embedded runs producer and stream in one process (no broker).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <map>
#include <unistd.h>

#include "commands.h"
#include "stream_shared.h"
#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"
#include "traffic/pipeline/embedded_stream.h"
#include "traffic/pipeline/prediction_archive.h"

namespace traffic::cli {
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

void ConsoleTable::Write(const std::vector<codec::PredictionRecord>& records) {
  // One table per closed minute: the busiest cells first.
  std::map<int64_t, std::vector<const codec::PredictionRecord*>> by_minute;
  for (const auto& r : records) by_minute[core::ToEpochSeconds(r.window_start)].push_back(&r);
  for (auto& [start, rows] : by_minute) {
    std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) {
      return a->trip_count != b->trip_count ? a->trip_count > b->trip_count : a->cell < b->cell;
    });
    int64_t trips = 0;
    for (auto* r : rows) trips += r->trip_count;
    core::LocalDateTime local = core::UtcToNewYork(core::FromEpochSeconds(start));
    fmt::print("\nwindow {} New York ({}) | {} cells | {} trips\n", core::FormatLocal(local).substr(0, 16),
               core::FormatIsoUtc(core::FromEpochSeconds(start)), rows.size(), trips);
    fmt::print("{:<8}| {:>10} | {:>9} | {:<16} | {}\n", "cell_id", "trip_count", "avg_speed", "congestion_level",
               "forecast_15m");
    for (size_t i = 0; i < rows.size() && i < max_rows_; ++i) {
      const auto& r = *rows[i];
      std::string forecast = r.forecasts[0]
                                 ? fmt::format("{} ({:.2f})", window::LevelName(r.forecasts[0]->level), r.forecasts[0]->confidence)
                                 : "off (no model)";
      fmt::print("{:<8}| {:>10} | {:>9.1f} | {:<16} | {}\n", r.cell.ToString(), r.trip_count, r.avg_speed_mph,
                 window::LevelName(r.congestion_level), forecast);
    }
    if (rows.size() > max_rows_) fmt::print("... {} more cells\n", rows.size() - max_rows_);
  }
  std::fflush(stdout);
}

void AddStreamModelOptions(CLI::App* c, StreamArgs* a) {
  c->add_option("--model", a->model_version, "model version under DIR/models (\"latest\", or \"none\" for no forecasts)")
      ->capture_default_str();
  c->add_flag("--allow-no-model", a->allow_no_model,
              "if the model cannot be loaded, continue without forecasts instead of failing");
  c->add_option("--lateness", a->lateness_s, "allowed lateness, seconds")->capture_default_str();
  c->add_option("--idle-timeout", a->idle_timeout_s, "a partition silent this long stops holding the watermark, seconds")
      ->capture_default_str();
  c->add_option("--max-rows", a->console_rows, "console: cells shown per closed minute")->capture_default_str();
}

core::Result<std::unique_ptr<pipeline::Forecaster>> LoadStreamModel(fs::FileSystem& fs, const SharedOptions& shared,
                                                                    const StreamArgs& a) {
  if (a.model_version == "none") return std::unique_ptr<pipeline::Forecaster>();
  auto forecaster = pipeline::Forecaster::Load(fs, shared.Layout("models"), a.model_version);
  if (forecaster.ok()) return std::move(*forecaster);
  if (!a.allow_no_model) {
    return forecaster.status().WithContext("model (use --model none or --allow-no-model to stream without forecasts)");
  }
  std::fprintf(stderr, "traffic stream: warning: %s; forecasts are OFF\n", forecaster.status().message().c_str());
  return std::unique_ptr<pipeline::Forecaster>();
}

pipeline::StreamOptions StreamOptionsFrom(const StreamArgs& a) {
  pipeline::StreamOptions o;
  o.window.allowed_lateness = std::chrono::seconds(a.lateness_s);
  o.window.idle_timeout = std::chrono::seconds(a.idle_timeout_s);
  return o;
}

std::string WriterId() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return fmt::format("{}-{}", ::getpid(), std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

Command AddStreamCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("stream", "Window trips per cell on event time, forecast, publish (Kafka or --embedded)");
  AddSharedOptions(c, &shared);
  auto a = std::make_shared<StreamArgs>();
  AddStreamModelOptions(c, a.get());
  AddSourceOptions(c, &a->source);
  c->add_option("--output", a->output, "console, parquet, kafka or all")->capture_default_str()
      ->check(CLI::IsMember({"console", "parquet", "kafka", "all"}));
  c->add_option("--duration", a->duration_s, "stop after this many seconds (0: until SIGINT/SIGTERM)")->capture_default_str();
  c->add_flag("--embedded", a->embedded, "produce and stream in this process through a bounded queue (no broker)");
  AddKafkaOptions(c, &a->kafka);
  c->add_option("--group", a->kafka.group, "consumer group of the stream workers")->capture_default_str();
  c->add_option("--worker-id", a->kafka.worker_id,
                "this worker's id in the group (names its transactional id: give each concurrent worker its own)")
      ->capture_default_str();
  c->add_option("--input-topic", a->kafka.input_topic)->capture_default_str();
  c->add_option("--output-topic", a->kafka.output_topic)->capture_default_str();
  c->add_option("--dead-letter-topic", a->kafka.dead_letter_topic)->capture_default_str();
  c->add_option("--state-topic", a->kafka.state_topic, "compacted topic holding each partition's window state")
      ->capture_default_str();
  c->add_option("--commit-interval-ms", a->kafka.commit_interval_ms, "transaction (and publish) interval")
      ->capture_default_str();

  return {c, [&shared, a]() -> int {
            InitLogging(shared);
            InstallStopSignals();
            if (!a->embedded) return RunKafkaStream(shared, *a);
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(layout_fs.status(), "stream");
            auto forecaster = LoadStreamModel(**layout_fs, shared, *a);
            if (!forecaster.ok()) return Fail(forecaster.status(), "stream");
            auto source = MakeSource(shared, a->source);
            if (!source.ok()) return Fail(source.status(), "stream");
            if (a->output == "kafka" || a->output == "all") {
              if (a->output == "kafka") {
                return Fail(core::Status::InvalidArgument("--embedded has no broker: use --output console or parquet"), "stream");
              }
              std::fprintf(stderr, "traffic stream: --embedded: no broker, so no Kafka output (console and parquet only)\n");
            }
            bool console = a->output == "console" || a->output == "all";
            bool archive = a->output == "parquet" || a->output == "all";
            pipeline::PredictionArchive parquet(**layout_fs, shared.Layout("streaming"), WriterId());
            ConsoleTable table(a->console_rows);
            pipeline::EmbeddedOptions options;
            options.stream = StreamOptionsFrom(*a);
            options.rate = a->source.rate;
            options.speedup = a->source.speedup;
            options.duration_s = a->duration_s;
            options.max_events = a->source.max_events;
            int64_t dead_letters = 0;
            if (!*forecaster) std::fprintf(stderr, "traffic stream: no model: forecasts are off, observed windows only\n");
            auto stats = pipeline::RunEmbedded(
                **source, forecaster->get(), options,
                [&](const std::vector<codec::PredictionRecord>& records) -> core::Status {
                  if (console) table.Write(records);
                  if (archive) return parquet.Write(records);
                  return core::Status::Ok();
                },
                [&](const std::vector<codec::DeadLetterRecord>& dead) -> core::Status {
                  dead_letters += static_cast<int64_t>(dead.size());
                  for (const auto& d : dead) spdlog::debug("dead letter: {}", d.reason);
                  return core::Status::Ok();
                },
                StopFlag());
            if (!stats.ok()) return Fail(stats.status(), "stream");
            if (archive) {
              if (auto st = parquet.Close(); !st.ok()) return Fail(st, "stream");
            }
            const auto& k = stats->counters;
            if (shared.json) {
              core::JsonWriter j;
              j.BeginObject().Key("step").String("stream").Key("mode").String("embedded");
              j.Key("events").Int(stats->produced).Key("accepted").Int(k.accepted).Key("late").Int(k.late);
              j.Key("malformed").Int(k.malformed).Key("invalid").Int(k.invalid).Key("windows").Int(k.windows);
              j.Key("forecasts").Int(k.forecasts).Key("seconds").Double(stats->seconds);
              j.Key("events_per_s").Double(stats->seconds > 0 ? stats->produced / stats->seconds : 0);
              j.Key("archive_files").Int(parquet.files_written()).Key("archive_rows").Int(parquet.rows_written());
              j.Key("model").String(*forecaster ? (*forecaster)->version() : "");
              j.EndObject();
              fmt::print("{}\n", j.str());
            } else {
              fmt::print(stderr,
                         "\nstream (embedded): {} events in {:.1f} s ({}/s) | accepted {} | late {} | malformed {} | "
                         "invalid {} | windows {} | forecasts {} | archive: {} file(s), {} rows\n",
                         core::WithThousands(stats->produced), stats->seconds,
                         core::WithThousands(static_cast<int64_t>(stats->seconds > 0 ? stats->produced / stats->seconds : 0)),
                         core::WithThousands(k.accepted), k.late, k.malformed, k.invalid, core::WithThousands(k.windows),
                         core::WithThousands(k.forecasts), parquet.files_written(), core::WithThousands(parquet.rows_written()));
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
