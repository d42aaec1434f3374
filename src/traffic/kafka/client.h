// Kafka edge: what every client (Producer, Consumer, Admin) shares. This module wraps librdkafka
// and knows nothing of trips: a message is key/value bytes plus topic, partition, offset and
// timestamp.
//
// Contract for the whole module:
// - Operational failures come back as core::Status / core::Result naming the brokers and the topic.
//   Code: kUnavailable for an unreachable broker or a timeout (may succeed later), kNotFound for a
//   topic that does not exist, kInvalidArgument for a bad property, kIoError for a broker that
//   refused a request, kInternal for a fatal client error (the client must be recreated).
// - Opening a client waits (bounded by ClientConfig::connect_timeout) until a broker answers a
//   metadata request; librdkafka reconnects with exponential backoff (reconnect.backoff.ms ..
//   reconnect.backoff.max.ms), so a down broker is never polled in a busy loop.
// - librdkafka's own log lines go to spdlog's default logger (level warning and above unless
//   -X log_level / -X debug ask for more), never raw to stderr.
// - A client object is used by one thread at a time; librdkafka's callbacks (delivery reports,
//   rebalances) run inside that thread's calls (Produce/Flush/Poll/Close).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "traffic/core/status.h"

namespace traffic::kafka {

using Property = std::pair<std::string, std::string>;

// Milliseconds since the Unix epoch, as Kafka stores them.
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

struct ClientConfig {
  std::string brokers = "localhost:9092";  // bootstrap.servers: "host:port[,host:port...]"
  // How long Open() waits for a first broker answer before failing with kUnavailable.
  std::chrono::milliseconds connect_timeout{10000};
  // librdkafka properties (as kcat's -X key=value), applied after everything this module sets,
  // so they override it (batching, compression, SASL/SSL, ...). An unknown key or bad value is
  // an InvalidArgument naming it when the client is opened.
  std::vector<Property> properties;
};

// "key=value" -> {key, value}. The value may contain '=' and may be empty; the key may not.
// Error (kInvalidArgument): "-X 'text': expected key=value".
core::Result<Property> ParseProperty(std::string_view key_equals_value);
// Every item of a repeated -X option; the first bad one is the error.
core::Result<std::vector<Property>> ParseProperties(const std::vector<std::string>& items);

// Special offsets (librdkafka's values).
inline constexpr int64_t kOffsetBeginning = -2;
inline constexpr int64_t kOffsetEnd = -1;
inline constexpr int64_t kOffsetStored = -1000;   // the group's committed offset
inline constexpr int64_t kOffsetInvalid = -1001;  // "none" (e.g. no committed offset yet)

// A partition of a topic, with an offset whose meaning the call that uses it states (the next
// offset to read, for positions and commits).
struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = kOffsetInvalid;
  auto operator<=>(const TopicPartition&) const = default;
};

// "taxi-trips[0]@42, taxi-trips[1]" for messages.
std::string ToString(const std::vector<TopicPartition>& partitions);

}  // namespace traffic::kafka
