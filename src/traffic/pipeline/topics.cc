#include "traffic/pipeline/topics.h"

#include <fmt/format.h>

namespace traffic::pipeline {

core::Result<kafka::ClientConfig> KafkaOptions::ClientConfig() const {
  kafka::ClientConfig config;
  config.brokers = brokers;
  TRAFFIC_ASSIGN_OR_RETURN(config.properties, kafka::ParseProperties(properties));
  return config;
}

kafka::TopicSpec TripsTopicSpec(const std::string& name, const KafkaOptions& kafka) {
  return {name, kafka.partitions, static_cast<int16_t>(kafka.replication), {}};
}

std::vector<kafka::TopicSpec> StreamTopicSpecs(const TopicNames& names, const KafkaOptions& kafka) {
  const auto replication = static_cast<int16_t>(kafka.replication);
  return {TripsTopicSpec(names.input, kafka),
          {names.output, kafka.partitions, replication, {}},
          {names.dead_letter, 1, replication, {}},
          {names.state,
           1,
           replication,
           {{"cleanup.policy", "compact"},
            {"segment.ms", "60000"},
            {"min.cleanable.dirty.ratio", "0.01"},
            {"delete.retention.ms", "60000"},
            {"max.message.bytes", "67108864"}}}};
}

core::Status EnsureTopics(const kafka::ClientConfig& config, const KafkaOptions& kafka,
                          const std::vector<kafka::TopicSpec>& topics) {
  TRAFFIC_ASSIGN_OR_RETURN(auto admin, kafka::Admin::Open(config));
  std::vector<kafka::TopicSpec> missing;
  for (const auto& t : topics) {
    TRAFFIC_ASSIGN_OR_RETURN(bool exists, admin->TopicExists(t.name));
    if (!exists) missing.push_back(t);
  }
  if (missing.empty()) return core::Status::Ok();
  if (!kafka.create_topics) {
    std::string names;
    for (const auto& t : missing) names += (names.empty() ? "" : ", ") + t.name;
    return core::Status::NotFound("topic(s) " + names + " do not exist on " + config.brokers +
                                  " (create them, or drop --no-create-topics)");
  }
  return admin->CreateTopics(missing, std::chrono::seconds(30));
}

std::string FormatTopicSpecs(const std::vector<kafka::TopicSpec>& topics) {
  std::string out;
  for (const auto& t : topics) {
    out += fmt::format("{} partitions={} replication={}", t.name, t.partitions, t.replication);
    for (const auto& [key, value] : t.configs) out += fmt::format(" {}={}", key, value);
    out += '\n';
  }
  return out;
}

}  // namespace traffic::pipeline
