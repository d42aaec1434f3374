#include "traffic/kafka/admin.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "traffic/kafka/internal.h"

namespace traffic::kafka {

using internal::TimeoutMs;
using Clock = std::chrono::steady_clock;

struct Admin::Impl : internal::ClientState {
  ~Impl() override {
    if (rk) rd_kafka_destroy(rk);
  }
  rd_kafka_t* rk = nullptr;
};

namespace {

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};

// Runs one admin request (`send` puts it on the queue) and waits for its result event.
template <typename Send>
core::Result<std::unique_ptr<rd_kafka_event_t, EventDeleter>> RunAdmin(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                                                       std::chrono::milliseconds timeout, Send send) {
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk));
  std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> options(rd_kafka_AdminOptions_new(rk, op));
  char err[512];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), TimeoutMs(timeout), err, sizeof(err));
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), TimeoutMs(timeout), err, sizeof(err));
  send(options.get(), queue.get());
  // The request times out by itself after `timeout`; wait a little longer for its result.
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(rd_kafka_queue_poll(queue.get(), TimeoutMs(timeout) + 5000));
  if (!event) return core::Status::Unavailable("no answer within " + std::to_string(timeout.count()) + " ms");
  if (rd_kafka_event_error(event.get())) {
    auto code = rd_kafka_event_error(event.get());
    std::string text = rd_kafka_event_error_string(event.get());
    return code == RD_KAFKA_RESP_ERR__TIMED_OUT ? core::Status::Unavailable(text) : core::Status::IoError(text);
  }
  return event;
}

}  // namespace

core::Result<std::unique_ptr<Admin>> Admin::Open(const ClientConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->brokers = config.brokers;
  impl->client_kind = "admin";
  TRAFFIC_ASSIGN_OR_RETURN(internal::ConfPtr conf, internal::MakeConf(config, {}, impl.get()));
  TRAFFIC_ASSIGN_OR_RETURN(impl->rk, internal::CreateHandle(RD_KAFKA_PRODUCER, std::move(conf), config, impl.get()));
  return std::unique_ptr<Admin>(new Admin(std::move(impl)));
}

Admin::Admin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Admin::~Admin() = default;

core::Result<bool> Admin::TopicExists(const std::string& topic) {
  auto count = internal::TopicPartitionCount(impl_->rk, *impl_, topic, std::chrono::seconds(10));
  if (count.ok()) return true;
  if (count.status().code() == core::StatusCode::kNotFound) return false;
  return count.status();
}

core::Result<TopicDescription> Admin::DescribeTopic(const std::string& topic) {
  TRAFFIC_ASSIGN_OR_RETURN(int32_t partitions,
                           internal::TopicPartitionCount(impl_->rk, *impl_, topic, std::chrono::seconds(10)));
  return TopicDescription{topic, partitions};
}

core::Status Admin::CreateTopics(const std::vector<TopicSpec>& topics, std::chrono::milliseconds timeout) {
  if (topics.empty()) return core::Status::Ok();
  const auto deadline = Clock::now() + timeout;
  std::vector<rd_kafka_NewTopic_t*> specs;
  char err[512];
  for (const TopicSpec& t : topics) {
    rd_kafka_NewTopic_t* spec = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication, err, sizeof(err));
    if (!spec) {
      for (auto* s : specs) rd_kafka_NewTopic_destroy(s);
      return core::Status::InvalidArgument("topic '" + t.name + "' (" + std::to_string(t.partitions) +
                                           " partitions, replication " + std::to_string(t.replication) + "): " + err);
    }
    for (const auto& [key, value] : t.configs) {
      if (rd_kafka_resp_err_t e = rd_kafka_NewTopic_set_config(spec, key.c_str(), value.c_str())) {
        rd_kafka_NewTopic_destroy(spec);
        for (auto* s : specs) rd_kafka_NewTopic_destroy(s);
        return core::Status::InvalidArgument("topic '" + t.name + "': config " + key + "=" + value + ": " +
                                             rd_kafka_err2str(e));
      }
    }
    specs.push_back(spec);
  }
  auto event = RunAdmin(impl_->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout,
                        [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                          rd_kafka_CreateTopics(impl_->rk, specs.data(), specs.size(), options, queue);
                        });
  rd_kafka_NewTopic_destroy_array(specs.data(), specs.size());
  std::string names;
  for (const TopicSpec& t : topics) names += (names.empty() ? "'" : ", '") + t.name + "'";
  if (!event.ok()) {
    return core::Status(event.status().code(), "creating topic " + names + " on brokers '" + impl_->brokers +
                                                   "': " + event.status().message());
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event->get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    const char* name = rd_kafka_topic_result_name(results[i]);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::info("kafka: created topic '{}' on {}", name, impl_->brokers);
    } else if (e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* text = rd_kafka_topic_result_error_string(results[i]);
      return core::Status::IoError("creating topic '" + std::string(name) + "' on brokers '" + impl_->brokers +
                                   "': " + (text ? text : rd_kafka_err2str(e)));
    }
  }
  // Wait until every topic is visible in metadata (its leaders elected), and report a different
  // partition count of an existing topic.
  for (const TopicSpec& t : topics) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    // Metadata lags the creation by a moment: "unknown topic" is expected at first.
    core::Result<int32_t> count = core::Status::Unavailable("");
    auto backoff = std::chrono::milliseconds(20);
    for (;;) {
      count = internal::TopicPartitionCount(impl_->rk, *impl_, t.name,
                                            std::max(remaining, std::chrono::milliseconds(1000)));
      if (count.ok() || Clock::now() + backoff >= deadline) break;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(500));
      remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    }
    if (!count.ok()) {
      return count.status().WithContext("waiting for topic '" + t.name + "' to appear after creating it");
    }
    if (*count != t.partitions) {
      spdlog::warn("kafka: topic '{}' on {} has {} partitions, not the {} asked for (it existed)", t.name,
                   impl_->brokers, *count, t.partitions);
    }
  }
  return core::Status::Ok();
}

core::Status Admin::DeleteTopics(const std::vector<std::string>& topics, std::chrono::milliseconds timeout) {
  if (topics.empty()) return core::Status::Ok();
  std::vector<rd_kafka_DeleteTopic_t*> specs;
  for (const std::string& t : topics) specs.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  auto event = RunAdmin(impl_->rk, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout,
                        [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                          rd_kafka_DeleteTopics(impl_->rk, specs.data(), specs.size(), options, queue);
                        });
  rd_kafka_DeleteTopic_destroy_array(specs.data(), specs.size());
  if (!event.ok()) {
    return core::Status(event.status().code(),
                        "deleting topics on brokers '" + impl_->brokers + "': " + event.status().message());
  }
  const rd_kafka_DeleteTopics_result_t* result = rd_kafka_event_DeleteTopics_result(event->get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_DeleteTopics_result_topics(result, &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      const char* text = rd_kafka_topic_result_error_string(results[i]);
      return core::Status::IoError("deleting topic '" + std::string(rd_kafka_topic_result_name(results[i])) +
                                   "' on brokers '" + impl_->brokers + "': " + (text ? text : rd_kafka_err2str(e)));
    }
  }
  return core::Status::Ok();
}

const std::string& Admin::brokers() const { return impl_->brokers; }

}  // namespace traffic::kafka
