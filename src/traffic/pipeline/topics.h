// The stream's Kafka layout, in one place: topic names, partition counts and topic configs of
// the four topics `traffic produce` and `traffic stream` use (DESIGN.md "Messages"), and the
// client settings shared by both. `traffic topics create` (and so `scripts/kafka.sh
// create-topics`) creates exactly these; nothing else spells them.
#pragma once

#include <string>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/kafka/admin.h"
#include "traffic/kafka/client.h"

namespace traffic::pipeline {

inline constexpr const char* kTripsTopic = "taxi-trips";
inline constexpr const char* kPredictionsTopic = "traffic-predictions";
inline constexpr const char* kDeadLetterTopic = "traffic-dead-letter";
inline constexpr const char* kStateTopic = "traffic-stream-state";
inline constexpr const char* kStreamGroup = "traffic-stream";

struct TopicNames {
  std::string input = kTripsTopic;         // taxi-trips, key = cell_id
  std::string output = kPredictionsTopic;  // window results and forecasts, key = cell_id
  std::string dead_letter = kDeadLetterTopic;
  std::string state = kStateTopic;  // compacted: each partition's window state
};

// Kafka settings as users of kcat expect.
struct KafkaOptions {
  std::string brokers = "localhost:9092";  // bootstrap servers
  std::vector<std::string> properties;     // librdkafka -X key=value, for every client
  int partitions = 4;                      // of the keyed topics this tool creates
  int replication = 1;                     // of every topic this tool creates
  bool create_topics = true;               // false: a missing topic is an error

  // The client configuration; InvalidArgument naming a bad -X item.
  core::Result<kafka::ClientConfig> ClientConfig() const;
};

// taxi-trips (or `name`): `partitions` partitions, keyed by cell.
kafka::TopicSpec TripsTopicSpec(const std::string& name, const KafkaOptions& kafka);

// Every topic of the stream: input and output with kafka.partitions partitions, the dead-letter
// topic with one, and the state topic with one partition (a restore reads it whole), compacted
// and cleaned often so that a restore reads little.
std::vector<kafka::TopicSpec> StreamTopicSpecs(const TopicNames& names, const KafkaOptions& kafka);

// Creates those of `topics` that are missing; with kafka.create_topics false, NotFound naming
// the missing ones instead.
core::Status EnsureTopics(const kafka::ClientConfig& config, const KafkaOptions& kafka,
                          const std::vector<kafka::TopicSpec>& topics);

// "name partitions=N replication=R [key=value ...]", one line per topic: what `traffic topics
// list` prints.
std::string FormatTopicSpecs(const std::vector<kafka::TopicSpec>& topics);

}  // namespace traffic::pipeline
