// `traffic stream`: taxi-trips -> 1-minute windows per cell -> forecasts, on Kafka (a
// consumer-group worker, kafka_worker.h) or --embedded (producer and processor in one process,
// embedded_stream.h). This step wires either to the model (models/, model_store.h), the topics
// (topics.h) and the outputs: the Parquet archive under streaming/ (prediction_archive.h), the
// traffic-predictions topic, and a callback the CLI prints as the console table.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/pipeline/data_layout.h"
#include "traffic/pipeline/embedded_stream.h"
#include "traffic/pipeline/kafka_worker.h"
#include "traffic/pipeline/produce.h"
#include "traffic/pipeline/topics.h"

namespace traffic::pipeline {

struct StreamStepOptions {
  DataLayout layout;
  std::string model_version = "latest";  // under layout.Models(); "none": no forecasts
  bool allow_no_model = false;           // a model that does not load: go on without forecasts
  StreamOptions stream;                  // windows (lateness, idle timeout), thresholds
  std::string output = "console";        // console, parquet, kafka or all
  bool embedded = false;
  // --embedded: where trips come from and how fast. produce.max_events and produce.duration_s
  // also bound the Kafka worker (messages consumed, seconds run).
  TripSourceOptions source;
  ProduceOptions produce;
  // Kafka mode.
  KafkaOptions kafka;
  TopicNames topics;
  std::string group = kStreamGroup;
  std::string worker_id = "0";  // names the transactional id: one per concurrent worker
  int commit_interval_ms = 200;

  bool Console() const { return output == "console" || output == "all"; }
  bool Archive() const { return output == "parquet" || output == "all"; }
  bool Publish() const { return output == "kafka" || output == "all"; }
};

struct StreamStepSummary {
  bool embedded = false;
  EmbeddedStats embedded_stats;  // when embedded
  KafkaWorkerStats kafka_stats;  // else
  int64_t archive_files = 0;
  int64_t archive_rows = 0;
  std::string model_version;  // "" without a model
};

struct StreamCallbacks {
  // Window results as they are final (Kafka: after their transaction committed), e.g. the
  // console table. May be empty.
  RecordsCallback on_records;
  // Warnings and notes for the user (a model that did not load, an output --embedded lacks).
  std::function<void(const std::string&)> on_notice;
};

core::Result<StreamStepSummary> RunStream(fs::FileSystem& layout_fs, const StreamStepOptions& options,
                                          const StreamCallbacks& callbacks, const std::atomic<bool>* stop);

}  // namespace traffic::pipeline
