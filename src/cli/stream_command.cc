// traffic stream: taxi-trips -> 1-minute windows per cell -> forecasts -> console / Parquet
// archive / traffic-predictions (pipeline::RunStream). --embedded runs producer and stream in
// one process (no broker).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "commands.h"
#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"
#include "traffic/pipeline/stream_step.h"

namespace traffic::cli {
namespace {

// The console output: one table per closed minute, on `out` (stderr with --json, whose stdout
// is the one summary object).
class ConsoleTable {
 public:
  ConsoleTable(size_t max_rows, std::FILE* out) : max_rows_(max_rows), out_(out) {}
  void Write(const std::vector<codec::PredictionRecord>& records);

 private:
  size_t max_rows_;
  std::FILE* out_;
};

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
    fmt::print(out_, "\nwindow {} New York ({}) | {} cells | {} trips\n", core::FormatLocal(local).substr(0, 16),
               core::FormatIsoUtc(core::FromEpochSeconds(start)), rows.size(), trips);
    fmt::print(out_, "{:<8}| {:>10} | {:>9} | {:<16} | {}\n", "cell_id", "trip_count", "avg_speed", "congestion_level",
               "forecast_15m");
    for (size_t i = 0; i < rows.size() && i < max_rows_; ++i) {
      const auto& r = *rows[i];
      std::string forecast =
          r.forecasts[0]
              ? fmt::format("{} ({:.2f}{})", window::LevelName(r.forecasts[0]->level), r.forecasts[0]->confidence,
                            r.forecasts[0]->source == codec::ForecastSource::kPersistence ? ", persistence" : "")
              : "off (no model)";
      fmt::print(out_, "{:<8}| {:>10} | {:>9.1f} | {:<16} | {}\n", r.cell.ToString(), r.trip_count, r.avg_speed_mph,
                 window::LevelName(r.congestion_level), forecast);
    }
    if (rows.size() > max_rows_) fmt::print(out_, "... {} more cells\n", rows.size() - max_rows_);
  }
  std::fflush(out_);
}

void PrintEmbeddedSummary(const pipeline::StreamStepSummary& s, bool json) {
  const auto& stats = s.embedded_stats;
  const auto& k = stats.counters;
  if (json) {
    core::JsonWriter j;
    j.BeginObject().Key("step").String("stream").Key("mode").String("embedded");
    j.Key("events").Int(stats.produced).Key("accepted").Int(k.accepted).Key("late").Int(k.late);
    j.Key("malformed").Int(k.malformed).Key("invalid").Int(k.invalid).Key("windows").Int(k.windows);
    j.Key("forecasts").Int(k.forecasts).Key("seconds").Double(stats.seconds);
    j.Key("events_per_s").Double(stats.seconds > 0 ? stats.produced / stats.seconds : 0);
    j.Key("archive_files").Int(s.archive_files).Key("archive_rows").Int(s.archive_rows);
    j.Key("model").String(s.model_version);
    pipeline::AppendStreamChecksJson(k, stats.late_warning, stats.live, &j);
    j.EndObject();
    fmt::print("{}\n", j.str());
  } else {
    fmt::print(stderr,
               "\nstream (embedded): {} events in {:.1f} s ({}/s) | accepted {} | late {} | malformed {} | "
               "invalid {} | windows {} | forecasts {} | archive: {} file(s), {} rows\n",
               core::WithThousands(stats.produced), stats.seconds,
               core::WithThousands(static_cast<int64_t>(stats.seconds > 0 ? stats.produced / stats.seconds : 0)),
               core::WithThousands(k.accepted), k.late, k.malformed, k.invalid, core::WithThousands(k.windows),
               core::WithThousands(k.forecasts), s.archive_files, core::WithThousands(s.archive_rows));
    fmt::print(stderr, "{}", pipeline::DescribeStreamChecks(k, stats.late_warning, stats.live));
  }
}

void PrintKafkaSummary(const pipeline::StreamStepSummary& s, const std::string& worker_id, bool json) {
  const auto& stats = s.kafka_stats;
  const auto& k = stats.counters;
  if (json) {
    core::JsonWriter j;
    j.BeginObject().Key("step").String("stream").Key("mode").String("kafka").Key("worker").String(worker_id);
    j.Key("events").Int(k.messages).Key("accepted").Int(k.accepted).Key("late").Int(k.late);
    j.Key("malformed").Int(k.malformed).Key("invalid").Int(k.invalid).Key("windows").Int(k.windows);
    j.Key("forecasts").Int(k.forecasts).Key("published").Int(stats.records_published);
    j.Key("dead_letters").Int(stats.dead_letters).Key("transactions").Int(stats.transactions);
    j.Key("aborted").Int(stats.aborted).Key("restores").Int(stats.restores).Key("seconds").Double(stats.seconds);
    j.Key("archive_files").Int(s.archive_files).Key("archive_rows").Int(s.archive_rows);
    j.Key("publish_latency_p50_ms").Double(stats.publish_latency_p50_ms);
    j.Key("publish_latency_p99_ms").Double(stats.publish_latency_p99_ms);
    pipeline::AppendStreamChecksJson(k, stats.late_warning, stats.live, &j);
    j.EndObject();
    fmt::print("{}\n", j.str());
  } else {
    fmt::print(
        stderr,
        "\nstream (kafka, worker {}): {} events in {:.1f} s | accepted {} | late {} | malformed {} | invalid {} | "
        "windows {} | published {} | dead letters {} | transactions {} ({} aborted)\n",
        worker_id, core::WithThousands(k.messages), stats.seconds, core::WithThousands(k.accepted), k.late, k.malformed,
        k.invalid, core::WithThousands(k.windows), core::WithThousands(stats.records_published), stats.dead_letters,
        stats.transactions, stats.aborted);
    fmt::print(stderr, "{}", pipeline::DescribeStreamChecks(k, stats.late_warning, stats.live));
  }
}

}  // namespace

Command AddStreamCommand(CLI::App& app, SharedOptions& shared) {
  auto* c =
      app.add_subcommand("stream", "Window trips per cell on event time, forecast, publish (Kafka or --embedded)");
  AddSharedOptions(c, &shared);
  auto o = std::make_shared<pipeline::StreamStepOptions>();
  auto console_rows = std::make_shared<size_t>(10);
  c->add_option("--model", o->model_version,
                "model version under DIR/models (\"latest\", or \"none\" for no forecasts)")
      ->capture_default_str();
  c->add_flag("--allow-no-model", o->allow_no_model,
              "if the model cannot be loaded, continue without forecasts instead of failing");
  AddSecondsOption(c, "--lateness", &o->stream.window.allowed_lateness, "allowed lateness, seconds");
  AddSecondsOption(c, "--idle-timeout", &o->stream.window.idle_timeout,
                   "a partition silent this long stops holding the watermark, seconds")
      ->check(kPositive);
  c->add_option("--max-rows", *console_rows, "console: cells shown per closed minute")->capture_default_str();
  AddSourceOptions(c, &o->source, &o->produce);
  c->add_option("--output", o->output, "console, parquet, kafka or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"console", "parquet", "kafka", "all"}));
  AddDurationOption(c, &o->produce.duration_s, "stop after this many seconds (0: until SIGINT/SIGTERM)");
  c->add_flag("--embedded", o->embedded, "produce and stream in this process through a bounded queue (no broker)");
  AddKafkaOptions(c, &o->kafka);
  c->add_option("--group", o->group, "consumer group of the stream workers")->capture_default_str();
  c->add_option("--worker-id", o->worker_id,
                "this worker's id in the group (names its transactional id: give each concurrent worker its own)")
      ->capture_default_str();
  c->add_option("--input-topic", o->topics.input)->capture_default_str();
  c->add_option("--output-topic", o->topics.output)->capture_default_str();
  c->add_option("--dead-letter-topic", o->topics.dead_letter)->capture_default_str();
  c->add_option("--state-topic", o->topics.state, "compacted topic holding each partition's window state")
      ->capture_default_str();
  c->add_option("--commit-interval-ms", o->commit_interval_ms, "transaction (and publish) interval")
      ->capture_default_str()
      ->check(kPositive);

  return {c, [&shared, o, console_rows]() -> int {
            InitLogging(shared);
            InstallStopSignals();
            o->layout = shared.Layout();
            o->kafka.brokers = shared.Brokers();
            o->source.geo_dir = shared.geo_dir;
            auto layout_fs = LayoutFileSystem(shared);
            if (!layout_fs.ok()) return Fail(shared, layout_fs.status(), "stream");
            ConsoleTable table(*console_rows, shared.json ? stderr : stdout);
            pipeline::StreamCallbacks callbacks;
            callbacks.on_records = [&table](const std::vector<codec::PredictionRecord>& records) {
              table.Write(records);
              return core::Status::Ok();
            };
            callbacks.on_notice = [](const std::string& text) {
              std::fprintf(stderr, "traffic stream: %s\n", text.c_str());
            };
            auto summary = pipeline::RunStream(**layout_fs, *o, callbacks, StopFlag());
            if (!summary.ok()) return Fail(shared, summary.status(), "stream");
            if (summary->embedded) {
              PrintEmbeddedSummary(*summary, shared.json);
            } else {
              PrintKafkaSummary(*summary, o->worker_id, shared.json);
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
