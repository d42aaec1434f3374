// Kafka plumbing shared by `traffic produce` and `traffic stream`.
#pragma once

#include "stream_shared.h"
#include "traffic/kafka/admin.h"
#include "traffic/kafka/client.h"

namespace traffic::cli {

core::Result<kafka::ClientConfig> KafkaConfig(const SharedOptions& shared, const KafkaArgs& a);
// Creates the missing ones (unless --no-create-topics: then NotFound naming them).
core::Status EnsureTopics(const kafka::ClientConfig& config, const KafkaArgs& a,
                          const std::vector<kafka::TopicSpec>& topics);

}  // namespace traffic::cli
