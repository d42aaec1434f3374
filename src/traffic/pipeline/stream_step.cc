#include "traffic/pipeline/stream_step.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "traffic/pipeline/archive_follower.h"
#include "traffic/pipeline/forecaster.h"
#include "traffic/pipeline/model_store.h"
#include "traffic/pipeline/prediction_archive.h"

namespace traffic::pipeline {
namespace {

void Notice(const StreamCallbacks& callbacks, const std::string& text) {
  if (callbacks.on_notice) callbacks.on_notice(text);
}

core::Result<std::unique_ptr<Forecaster>> LoadModel(fs::FileSystem& fs, const StreamStepOptions& options,
                                                    const StreamCallbacks& callbacks) {
  if (options.model_version == kNoModel) return std::unique_ptr<Forecaster>();
  auto forecaster = Forecaster::Load(fs, options.layout.Models(), options.model_version);
  if (forecaster.ok()) return std::move(*forecaster);
  if (!options.allow_no_model) {
    return forecaster.status().WithContext("model (use --model none or --allow-no-model to stream without forecasts)");
  }
  Notice(callbacks, "warning: " + forecaster.status().message() + "; forecasts are OFF");
  return std::unique_ptr<Forecaster>();
}

// Unique between workers and runs: names the archive's files.
std::string WriterId() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return fmt::format("{}-{}", ::getpid(), std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

core::Result<StreamStepSummary> RunStreamEmbedded(fs::FileSystem& layout_fs, const StreamStepOptions& options,
                                                  const StreamCallbacks& callbacks, const std::atomic<bool>* stop) {
  TRAFFIC_ASSIGN_OR_RETURN(auto forecaster, LoadModel(layout_fs, options, callbacks));
  TRAFFIC_ASSIGN_OR_RETURN(auto source, OpenTripSource(options.source));
  if (options.Publish()) {
    if (options.output == "kafka") {
      return core::Status::InvalidArgument("--embedded has no broker: use --output console or parquet");
    }
    Notice(callbacks, "--embedded: no broker, so no Kafka output (console and parquet only)");
  }
  PredictionArchive archive(layout_fs, options.layout.Streaming(), WriterId());
  EmbeddedOptions embedded;
  embedded.stream = options.stream;
  embedded.produce = options.produce;
  if (!forecaster) Notice(callbacks, "no model: forecasts are off, observed windows only");
  auto stats = RunEmbedded(
      *source, forecaster.get(), embedded,
      [&](const std::vector<codec::PredictionRecord>& records) -> core::Status {
        if (options.Console() && callbacks.on_records) TRAFFIC_RETURN_IF_ERROR(callbacks.on_records(records));
        if (options.Archive()) return archive.Write(records);
        return core::Status::Ok();
      },
      [&](const std::vector<codec::DeadLetterRecord>& dead) -> core::Status {
        for (const auto& d : dead) spdlog::debug("dead letter: {}", d.reason);
        return core::Status::Ok();
      },
      stop);
  TRAFFIC_RETURN_IF_ERROR(stats.status());
  if (options.Archive()) TRAFFIC_RETURN_IF_ERROR(archive.Close());
  StreamStepSummary summary;
  summary.embedded = true;
  summary.embedded_stats = *stats;
  summary.archive_files = archive.files_written();
  summary.archive_rows = archive.rows_written();
  summary.model_version = forecaster ? forecaster->version() : "";
  return summary;
}

core::Result<StreamStepSummary> RunStreamOnKafka(fs::FileSystem& layout_fs, const StreamStepOptions& options,
                                                 const StreamCallbacks& callbacks, const std::atomic<bool>* stop) {
  TRAFFIC_ASSIGN_OR_RETURN(auto config, options.kafka.ClientConfig());
  auto deadline = std::chrono::steady_clock::time_point::max();
  if (options.produce.duration_s > 0) {
    // Reaching the broker counts against --duration (issue 8 item 17).
    deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(options.produce.duration_s));
    config.connect_timeout = BoundedTimeout(config.connect_timeout, deadline, std::chrono::steady_clock::now());
  }
  TRAFFIC_ASSIGN_OR_RETURN(auto forecaster, LoadModel(layout_fs, options, callbacks));
  if (!forecaster) Notice(callbacks, "no model: forecasts are off, observed windows only");
  KafkaWorkerOptions worker;
  worker.client = config;
  worker.group = options.group;
  worker.worker_id = options.worker_id;
  worker.input_topic = options.topics.input;
  worker.output_topic = options.topics.output;
  worker.dead_letter_topic = options.topics.dead_letter;
  worker.state_topic = options.topics.state;
  // The archive follows the output topic (archive_follower.h): archiving publishes too.
  worker.publish = options.Publish() || options.Archive();
  worker.stream = options.stream;
  worker.stream.source_topic = options.topics.input;
  worker.commit_interval = std::chrono::milliseconds(options.commit_interval_ms);
  worker.duration_s = options.produce.duration_s;
  worker.max_events = options.produce.max_events;
  if (auto st = EnsureTopics(config, options.kafka, StreamTopicSpecs(options.topics, options.kafka)); !st.ok()) {
    return st.code() == core::StatusCode::kUnavailable
               ? st.WithContext("Kafka broker(s) '" + config.brokers + "' unreachable")
               : st;
  }

  RecordsCallback after_commit = [&](const std::vector<codec::PredictionRecord>& records) -> core::Status {
    if (options.Console() && callbacks.on_records) TRAFFIC_RETURN_IF_ERROR(callbacks.on_records(records));
    return core::Status::Ok();
  };
  // The archive, exactly once: a follower of the committed output topic on its own thread, in
  // a consumer group of this stream's archivers. It stops the worker when it fails (a full disk)
  // and, when the worker is done, archives to the topic's end.
  std::unique_ptr<ArchiveFollower> follower;
  if (options.Archive()) {
    ArchiveFollowerOptions archive;
    archive.client = config;
    archive.topic = options.topics.output;
    archive.group = options.group + "-archive";
    archive.streaming_dir = options.layout.Streaming();
    TRAFFIC_ASSIGN_OR_RETURN(follower, ArchiveFollower::Open(layout_fs, archive));
  }
  std::atomic<bool> halt{false};  // the caller's stop, or the archive's failure
  std::atomic<bool> worker_done{false}, worker_ok{false};
  core::Status archive_status;
  std::thread archiver;
  if (follower) {
    archiver = std::thread([&] {
      while (!worker_done.load()) {
        if (stop && stop->load()) halt.store(true);
        archive_status = follower->Poll(std::chrono::milliseconds(200));
        if (!archive_status.ok()) {
          halt.store(true);
          return;
        }
      }
      if (!worker_ok.load()) return;  // the worker's error is the run's
      archive_status =
          follower->Finish(BoundedTimeout(std::chrono::seconds(60), deadline, std::chrono::steady_clock::now()));
    });
  }
  auto stats = RunKafkaWorker(worker, forecaster.get(), after_commit, follower ? &halt : stop);
  worker_ok.store(stats.ok());
  worker_done.store(true);
  if (archiver.joinable()) archiver.join();
  if (archive_status.code() == core::StatusCode::kUnavailable) {
    // Out of time before the archive reached the topic's end: nothing is lost, the next run's
    // follower archives the rest from where the files end.
    Notice(callbacks, "archive: " + archive_status.message() + "; the next run archives the rest");
  } else {
    TRAFFIC_RETURN_IF_ERROR(
        archive_status.WithContext("archive " + options.topics.output + " to " + options.layout.Streaming()));
  }
  TRAFFIC_RETURN_IF_ERROR(stats.status());
  StreamStepSummary summary;
  summary.kafka_stats = *stats;
  summary.archive_files = follower ? follower->files_written() : 0;
  summary.archive_rows = follower ? follower->rows_written() : 0;
  summary.model_version = forecaster ? forecaster->version() : "";
  return summary;
}

}  // namespace

core::Result<StreamStepSummary> RunStream(fs::FileSystem& layout_fs, const StreamStepOptions& options,
                                          const StreamCallbacks& callbacks, const std::atomic<bool>* stop) {
  return options.embedded ? RunStreamEmbedded(layout_fs, options, callbacks, stop)
                          : RunStreamOnKafka(layout_fs, options, callbacks, stop);
}

}  // namespace traffic::pipeline
