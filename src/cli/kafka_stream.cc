// traffic stream (Kafka mode): the consumer-group worker of pipeline/kafka_worker.h, with the
// console table and the Parquet archive fed from committed transactions.
#include <fmt/format.h>

#include "kafka_shared.h"
#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"
#include "traffic/pipeline/kafka_worker.h"
#include "traffic/pipeline/prediction_archive.h"

namespace traffic::cli {

int RunKafkaStream(const SharedOptions& shared, const StreamArgs& a) {
  auto config = KafkaConfig(shared, a.kafka);
  if (!config.ok()) return Fail(config.status(), "stream");
  auto layout_fs = LayoutFileSystem(shared);
  if (!layout_fs.ok()) return Fail(layout_fs.status(), "stream");
  auto forecaster = LoadStreamModel(**layout_fs, shared, a);
  if (!forecaster.ok()) return Fail(forecaster.status(), "stream");
  if (!*forecaster) std::fprintf(stderr, "traffic stream: no model: forecasts are off, observed windows only\n");
  pipeline::KafkaWorkerOptions options;
  options.client = *config;
  options.group = a.kafka.group;
  options.worker_id = a.kafka.worker_id;
  options.input_topic = a.kafka.input_topic;
  options.output_topic = a.kafka.output_topic;
  options.dead_letter_topic = a.kafka.dead_letter_topic;
  options.state_topic = a.kafka.state_topic;
  options.publish = a.output == "kafka" || a.output == "all";
  options.stream = StreamOptionsFrom(a);
  options.stream.source_topic = a.kafka.input_topic;
  options.commit_interval = std::chrono::milliseconds(a.kafka.commit_interval_ms);
  options.duration_s = a.duration_s;
  options.max_events = a.source.max_events;
  int16_t replication = static_cast<int16_t>(a.kafka.replication);
  std::vector<kafka::TopicSpec> topics = {
      {options.input_topic, a.kafka.partitions, replication, {}},
      {options.output_topic, a.kafka.partitions, replication, {}},
      {options.dead_letter_topic, 1, replication, {}},
      // One partition: a restore reads it whole. Compacted: only the newest state per partition
      // is kept, cleaned often so a restore reads little.
      {options.state_topic, 1, replication,
       {{"cleanup.policy", "compact"}, {"segment.ms", "60000"}, {"min.cleanable.dirty.ratio", "0.01"},
        {"delete.retention.ms", "60000"}, {"max.message.bytes", "67108864"}}}};
  if (auto st = EnsureTopics(*config, a.kafka, topics); !st.ok()) return Fail(st, "stream");

  bool console = a.output == "console" || a.output == "all";
  bool archive = a.output == "parquet" || a.output == "all";
  pipeline::PredictionArchive parquet(**layout_fs, shared.Layout("streaming"), WriterId());
  ConsoleTable table(a.console_rows);
  pipeline::RecordsCallback after_commit = [&](const std::vector<codec::PredictionRecord>& records) -> core::Status {
    if (console) table.Write(records);
    if (archive) return parquet.Write(records);
    return core::Status::Ok();
  };
  auto stats = pipeline::RunKafkaWorker(options, forecaster->get(), after_commit, StopFlag());
  if (archive) {
    if (auto st = parquet.Close(); !st.ok()) return Fail(st, "stream");
  }
  if (!stats.ok()) return Fail(stats.status(), "stream");
  const auto& k = stats->counters;
  if (shared.json) {
    core::JsonWriter j;
    j.BeginObject().Key("step").String("stream").Key("mode").String("kafka").Key("worker").String(options.worker_id);
    j.Key("events").Int(k.messages).Key("accepted").Int(k.accepted).Key("late").Int(k.late);
    j.Key("malformed").Int(k.malformed).Key("invalid").Int(k.invalid).Key("windows").Int(k.windows);
    j.Key("forecasts").Int(k.forecasts).Key("published").Int(stats->records_published);
    j.Key("dead_letters").Int(stats->dead_letters).Key("transactions").Int(stats->transactions);
    j.Key("aborted").Int(stats->aborted).Key("restores").Int(stats->restores).Key("seconds").Double(stats->seconds);
    j.Key("archive_files").Int(parquet.files_written()).Key("archive_rows").Int(parquet.rows_written());
    j.Key("publish_latency_p50_ms").Double(stats->publish_latency_p50_ms);
    j.Key("publish_latency_p99_ms").Double(stats->publish_latency_p99_ms);
    j.EndObject();
    fmt::print("{}\n", j.str());
  } else {
    fmt::print(stderr,
               "\nstream (kafka, worker {}): {} events in {:.1f} s | accepted {} | late {} | malformed {} | invalid {} | "
               "windows {} | published {} | dead letters {} | transactions {} ({} aborted)\n",
               options.worker_id, core::WithThousands(k.messages), stats->seconds, core::WithThousands(k.accepted), k.late,
               k.malformed, k.invalid, core::WithThousands(k.windows), core::WithThousands(stats->records_published),
               stats->dead_letters, stats->transactions, stats->aborted);
  }
  return kExitOk;
}

}  // namespace traffic::cli
