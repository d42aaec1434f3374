#include "traffic/pipeline/produce.h"

#include <fmt/format.h>

#include <chrono>

#include "traffic/codec/message_key.h"
#include "traffic/codec/trip_message.h"
#include "traffic/kafka/producer.h"
#include "traffic/pipeline/produce_resume.h"

namespace traffic::pipeline {
namespace {

class KafkaTripSink : public TripMessageSink {
 public:
  KafkaTripSink(kafka::Producer& producer, std::string topic, int32_t partitions)
      : producer_(producer), topic_(std::move(topic)), partitions_(partitions) {}
  int32_t partitions() const override { return partitions_; }
  core::Status Send(int32_t partition, std::string_view key, std::string_view value) override {
    return producer_.Produce(topic_, key, value, partition);
  }
  core::Status Flush() override {
    // As long as librdkafka keeps a message (message.timeout.ms, 300 s by default): a broker
    // restart at the end delays the exit instead of failing messages that still arrive.
    TRAFFIC_RETURN_IF_ERROR(producer_.Flush(std::chrono::seconds(310)));
    const auto& stats = producer_.stats();
    if (stats.delivery_failures > 0) {
      return core::Status::IoError(
          fmt::format("{} message(s) not delivered; first: {}", stats.delivery_failures, stats.first_failure));
    }
    return core::Status::Ok();
  }

 private:
  kafka::Producer& producer_;
  std::string topic_;
  int32_t partitions_;
};

}  // namespace

core::Result<ProduceStats> Produce(TripSource& source, TripMessageSink& sink, const ProduceOptions& options,
                                   const ProduceProgressCallback& on_progress, const std::atomic<bool>* stop) {
  Pacer pacer = options.MakePacer();
  ProduceProgress progress;
  std::string key, value;
  double last_report = 0;
  const auto started = std::chrono::steady_clock::now();
  const int32_t partitions = sink.partitions();
  core::Status status;
  while (!(stop && stop->load())) {
    if (options.max_events > 0 && progress.sent >= options.max_events) break;
    if (options.duration_s > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= options.duration_s) {
      break;
    }
    auto more = source.Next(&progress.last);
    if (!more.ok()) {
      status = more.status();
      break;
    }
    if (!*more) break;
    const StoredTrip& trip = progress.last;
    pacer.Wait(progress.sent, trip.trip.event_time());
    key.clear();
    value.clear();
    codec::AppendCellKey(trip.cell, &key);
    codec::AppendTripMessage(trip.trip, trip.cell, trip.is_manhattan, &value);
    status = sink.Send(codec::PartitionForCell(trip.cell, partitions), key, value);
    if (!status.ok()) break;
    ++progress.sent;
    if (on_progress) {
      double secs = pacer.elapsed_s();
      if (secs - last_report >= options.progress_interval_s) {
        last_report = secs;
        progress.seconds = secs;
        on_progress(progress);
      }
    }
  }
  core::Status flushed = sink.Flush();
  ProduceStats stats;
  stats.sent = progress.sent;
  stats.seconds = pacer.elapsed_s();
  if (on_progress) {
    progress.seconds = stats.seconds;
    progress.final = true;
    on_progress(progress);
  }
  TRAFFIC_RETURN_IF_ERROR(status);
  TRAFFIC_RETURN_IF_ERROR(flushed);
  return stats;
}

core::Result<KafkaProduceSummary> ProduceToKafka(const KafkaProduceOptions& options,
                                                 const ProduceProgressCallback& on_progress,
                                                 const std::atomic<bool>* stop) {
  TRAFFIC_ASSIGN_OR_RETURN(auto config, options.kafka.ClientConfig());
  TRAFFIC_RETURN_IF_ERROR(EnsureTopics(config, options.kafka, {TripsTopicSpec(options.topic, options.kafka)}));
  TripSourceOptions source_options = options.source;
  if (options.resume) {
    TRAFFIC_ASSIGN_OR_RETURN(source_options.resume_after, LastEventTime(config, options.topic));
  }
  TRAFFIC_ASSIGN_OR_RETURN(auto source, OpenTripSource(source_options));
  TRAFFIC_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Open(config, kafka::ProducerOptions{}));
  TRAFFIC_ASSIGN_OR_RETURN(int32_t partitions, producer->PartitionCount(options.topic));
  KafkaTripSink sink(*producer, options.topic, partitions);
  KafkaProduceSummary summary;
  TRAFFIC_ASSIGN_OR_RETURN(summary.produce, Produce(*source, sink, options.produce, on_progress, stop));
  summary.source = source->Describe();
  summary.resumed_after = source_options.resume_after;
  summary.topic = options.topic;
  summary.brokers = config.brokers;
  summary.delivered = static_cast<int64_t>(producer->stats().messages_delivered);
  summary.bytes_delivered = static_cast<int64_t>(producer->stats().bytes_delivered);
  return summary;
}

}  // namespace traffic::pipeline
