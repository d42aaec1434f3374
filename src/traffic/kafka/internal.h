// Implementation helpers shared by producer.cc, consumer.cc and admin.cc (not part of the API).
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/kafka/client.h"

namespace traffic::kafka::internal {

// What librdkafka's callbacks see as the handle's opaque; each client's Impl derives from it.
struct ClientState {
  virtual ~ClientState() = default;
  std::string brokers;
  std::string client_kind;  // "producer", "consumer", "admin": for messages

  // The last error librdkafka reported through error_cb ("Connect to ... failed: ...").
  std::string LastError() const;
  void SetLastError(std::string text);

 private:
  mutable std::mutex mu_;
  std::string last_error_;
};

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// A conf with the log and error callbacks pointing at `state`, bootstrap.servers, then `defaults`
// (this module's choices), then config.properties (the user's, last). InvalidArgument names a bad
// property.
core::Result<ConfPtr> MakeConf(const ClientConfig& config, const std::vector<Property>& defaults, ClientState* state);
// One property; InvalidArgument "<origin> key=value: librdkafka's reason".
core::Status SetProperty(rd_kafka_conf_t* conf, const std::string& key, const std::string& value,
                         std::string_view origin);
// The value of a property on a conf ("" if unset/unknown).
std::string GetProperty(const rd_kafka_conf_t* conf, const char* key);

// Creates the handle (takes the conf) and waits up to config.connect_timeout for a broker to answer
// a metadata request, retrying with backoff. Unavailable names the brokers and the last error.
core::Result<rd_kafka_t*> CreateHandle(rd_kafka_type_t type, ConfPtr conf, const ClientConfig& config,
                                       ClientState* state);

// Partition count of `topic`, kNotFound if it does not exist, kUnavailable on timeout.
core::Result<int32_t> TopicPartitionCount(rd_kafka_t* rk, const ClientState& state, const std::string& topic,
                                          std::chrono::milliseconds timeout);

PartitionListPtr ToList(const std::vector<TopicPartition>& partitions);
std::vector<TopicPartition> FromList(const rd_kafka_topic_partition_list_t* list);
// First per-partition error of a list as "topic[p]: reason", or "" if none.
std::string FirstPartitionError(const rd_kafka_topic_partition_list_t* list);

int TimeoutMs(std::chrono::milliseconds timeout);  // clamped to [0, INT_MAX]

}  // namespace traffic::kafka::internal
