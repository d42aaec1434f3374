#include "traffic/kafka/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <thread>

#include "traffic/kafka/internal.h"

namespace traffic::kafka {

core::Result<Property> ParseProperty(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return core::Status::InvalidArgument("-X '" + std::string(text) + "': expected key=value");
  }
  std::string_view key = text.substr(0, eq);
  // Keys are dotted identifiers; surrounding spaces are almost surely a quoting mistake.
  if (key.find_first_of(" \t") != std::string_view::npos) {
    return core::Status::InvalidArgument("-X '" + std::string(text) +
                                         "': the key may not contain spaces (expected key=value)");
  }
  return Property{std::string(key), std::string(text.substr(eq + 1))};
}

core::Result<std::vector<Property>> ParseProperties(const std::vector<std::string>& items) {
  std::vector<Property> out;
  out.reserve(items.size());
  for (const std::string& item : items) {
    TRAFFIC_ASSIGN_OR_RETURN(Property p, ParseProperty(item));
    out.push_back(std::move(p));
  }
  return out;
}

std::string ToString(const std::vector<TopicPartition>& partitions) {
  std::string out;
  for (const TopicPartition& tp : partitions) {
    if (!out.empty()) out += ", ";
    out += tp.topic + "[" + std::to_string(tp.partition) + "]";
    if (tp.offset != kOffsetInvalid) out += "@" + std::to_string(tp.offset);
  }
  return out;
}

namespace internal {

std::string ClientState::LastError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

void ClientState::SetLastError(std::string text) {
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = std::move(text);
}

namespace {

// librdkafka's syslog levels -> spdlog. Its errors are mostly transient (a broker connection that
// it will retry), and real failures reach the caller as a Status, so they are warnings here.
void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  spdlog::level::level_enum lvl = level <= 4   ? spdlog::level::warn
                                  : level <= 6 ? spdlog::level::info
                                               : spdlog::level::debug;
  spdlog::log(lvl, "librdkafka {} {}: {}", rk ? rd_kafka_name(rk) : "-", facility, text);
}

void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* state = static_cast<ClientState*>(opaque);
  std::string text = reason ? reason : rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err));
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof(buf));
    text = std::string("fatal: ") + rd_kafka_err2name(orig) + ": " + buf;
    spdlog::error("kafka {} ({}): {}", state ? state->client_kind : "client", state ? state->brokers : "", text);
  } else {
    // The log callback already printed it (connection failures repeat on every retry).
    spdlog::debug("kafka {}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), text);
  }
  if (state) state->SetLastError(std::move(text));
}

}  // namespace

core::Status SetProperty(rd_kafka_conf_t* conf, const std::string& key, const std::string& value,
                         std::string_view origin) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    return core::Status::InvalidArgument(std::string(origin) + " " + key + "=" + value + ": " + err);
  }
  return core::Status::Ok();
}

std::string GetProperty(const rd_kafka_conf_t* conf, const char* key) {
  char buf[1024];
  size_t size = sizeof(buf);
  if (rd_kafka_conf_get(conf, key, buf, &size) != RD_KAFKA_CONF_OK) return "";
  return buf;
}

core::Result<ConfPtr> MakeConf(const ClientConfig& config, const std::vector<Property>& defaults, ClientState* state) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &LogCallback);
  rd_kafka_conf_set_error_cb(conf.get(), &ErrorCallback);
  rd_kafka_conf_set_opaque(conf.get(), state);
  TRAFFIC_RETURN_IF_ERROR(SetProperty(conf.get(), "bootstrap.servers", config.brokers, "--brokers"));
  // Silence below warning unless the user asks for more with -X log_level / -X debug.
  TRAFFIC_RETURN_IF_ERROR(SetProperty(conf.get(), "log_level", "4", "default"));
  // Topics are created on purpose (Admin::CreateTopics), never by a misspelt name.
  TRAFFIC_RETURN_IF_ERROR(SetProperty(conf.get(), "allow.auto.create.topics", "false", "default"));
  for (const auto& [key, value] : defaults) {
    TRAFFIC_RETURN_IF_ERROR(SetProperty(conf.get(), key, value, "default"));
  }
  for (const auto& [key, value] : config.properties) {
    TRAFFIC_RETURN_IF_ERROR(SetProperty(conf.get(), key, value, "-X"));
  }
  return conf;
}

int TimeoutMs(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::clamp<int64_t>(timeout.count(), 0, INT_MAX));
}

core::Result<rd_kafka_t*> CreateHandle(rd_kafka_type_t type, ConfPtr conf, const ClientConfig& config,
                                       ClientState* state) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof(err));
  if (!rk) {
    return core::Status::InvalidArgument("kafka " + state->client_kind + " for brokers '" + config.brokers +
                                         "': " + err);
  }
  conf.release();  // rd_kafka_new took it

  // librdkafka connects in the background and reconnects with exponential backoff; a metadata
  // request proves a broker answers. Backoff between our attempts too, in case it fails fast.
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + config.connect_timeout;
  auto backoff = std::chrono::milliseconds(100);
  rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (;;) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) break;
    const rd_kafka_metadata_t* md = nullptr;
    last = rd_kafka_metadata(rk, 0, nullptr, &md, TimeoutMs(remaining));
    if (last == RD_KAFKA_RESP_ERR_NO_ERROR) {
      int brokers = md->broker_cnt;
      rd_kafka_metadata_destroy(md);
      if (brokers > 0) return rk;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::milliseconds>(backoff, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                         std::max(deadline - Clock::now(), Clock::duration::zero()))));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
  std::string detail = state->LastError();
  if (detail.empty()) detail = rd_kafka_err2str(last);
  rd_kafka_destroy(rk);
  return core::Status::Unavailable("no Kafka broker reachable at '" + config.brokers + "' within " +
                                   std::to_string(config.connect_timeout.count()) + " ms (" + detail + ")");
}

core::Result<int32_t> TopicPartitionCount(rd_kafka_t* rk, const ClientState& state, const std::string& topic,
                                          std::chrono::milliseconds timeout) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (!rkt) {
    return core::Status::InvalidArgument("topic '" + topic + "': " + rd_kafka_err2str(rd_kafka_last_error()));
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  auto backoff = std::chrono::milliseconds(50);
  core::Status status;
  for (;;) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, std::max(1, TimeoutMs(remaining)));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = core::Status::Unavailable("metadata of topic '" + topic + "' from brokers '" + state.brokers +
                                         "': " + rd_kafka_err2str(err));
    } else {
      rd_kafka_resp_err_t terr = md->topic_cnt > 0 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      int32_t count = md->topic_cnt > 0 ? md->topics[0].partition_cnt : 0;
      rd_kafka_metadata_destroy(md);
      if (terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || terr == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
        rd_kafka_topic_destroy(rkt);
        return core::Status::NotFound("topic '" + topic + "' does not exist on brokers '" + state.brokers + "'");
      }
      if (terr == RD_KAFKA_RESP_ERR_NO_ERROR && count > 0) {
        rd_kafka_topic_destroy(rkt);
        return count;
      }
      // LEADER_NOT_AVAILABLE right after creation: ask again.
      status = core::Status::Unavailable("metadata of topic '" + topic + "' from brokers '" + state.brokers +
                                         "': " + rd_kafka_err2str(terr));
    }
    if (Clock::now() + backoff >= deadline) break;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  rd_kafka_topic_destroy(rkt);
  return status;
}

PartitionListPtr ToList(const std::vector<TopicPartition>& partitions) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const TopicPartition& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = tp.offset;
  }
  return list;
}

std::vector<TopicPartition> FromList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (!list) return out;
  out.reserve(list->cnt);
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    out.push_back(TopicPartition{e.topic, e.partition, e.offset});
  }
  return out;
}

std::string FirstPartitionError(const rd_kafka_topic_partition_list_t* list) {
  if (!list) return "";
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return std::string(e.topic) + "[" + std::to_string(e.partition) + "]: " + rd_kafka_err2str(e.err);
    }
  }
  return "";
}

}  // namespace internal
}  // namespace traffic::kafka
