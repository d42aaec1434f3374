#include "kafka_shared.h"

#include <fmt/format.h>

namespace traffic::cli {

void AddKafkaOptions(CLI::App* c, KafkaArgs* a) {
  c->add_option("-X", a->properties, "librdkafka property key=value for producer and consumer (repeatable, as kcat)");
  c->add_option("--partitions", a->partitions, "partitions of topics this tool creates")->capture_default_str();
  c->add_option("--replication", a->replication, "replication factor of topics this tool creates")->capture_default_str();
  c->add_flag("!--no-create-topics", a->create_topics, "fail on a missing topic instead of creating it");
}

core::Result<kafka::ClientConfig> KafkaConfig(const SharedOptions& shared, const KafkaArgs& a) {
  kafka::ClientConfig config;
  config.brokers = shared.Brokers();
  TRAFFIC_ASSIGN_OR_RETURN(config.properties, kafka::ParseProperties(a.properties));
  return config;
}

core::Status EnsureTopics(const kafka::ClientConfig& config, const KafkaArgs& a,
                          const std::vector<kafka::TopicSpec>& topics) {
  TRAFFIC_ASSIGN_OR_RETURN(auto admin, kafka::Admin::Open(config));
  std::vector<kafka::TopicSpec> missing;
  for (const auto& t : topics) {
    TRAFFIC_ASSIGN_OR_RETURN(bool exists, admin->TopicExists(t.name));
    if (!exists) missing.push_back(t);
  }
  if (missing.empty()) return core::Status::Ok();
  if (!a.create_topics) {
    std::string names;
    for (const auto& t : missing) names += (names.empty() ? "" : ", ") + t.name;
    return core::Status::NotFound("topic(s) " + names + " do not exist on " + config.brokers +
                                  " (create them, or drop --no-create-topics)");
  }
  return admin->CreateTopics(missing, std::chrono::seconds(30));
}

}  // namespace traffic::cli
