// Admin: topic existence, partition counts, idempotent creation and deletion.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/kafka/client.h"

namespace traffic::kafka {

struct TopicSpec {
  std::string name;
  int32_t partitions = 1;
  int16_t replication = 1;
  std::vector<Property> configs;  // topic configs, e.g. {"cleanup.policy", "compact"}
};

struct TopicDescription {
  std::string name;
  int32_t partitions = 0;
};

class Admin {
 public:
  // Connects (bounded wait, see client.h).
  static core::Result<std::unique_ptr<Admin>> Open(const ClientConfig& config);
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  core::Result<bool> TopicExists(const std::string& topic);
  // kNotFound names the topic when it does not exist.
  core::Result<TopicDescription> DescribeTopic(const std::string& topic);
  // Creates the missing topics and waits until their metadata is visible. A topic that already
  // exists is fine (its partition count is left as it is; a different count is logged).
  core::Status CreateTopics(const std::vector<TopicSpec>& topics,
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Deletes the topics; one that does not exist is fine.
  core::Status DeleteTopics(const std::vector<std::string>& topics,
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const std::string& brokers() const;

  struct Impl;

 private:
  explicit Admin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace traffic::kafka
