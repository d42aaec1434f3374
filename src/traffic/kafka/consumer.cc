#include "traffic/kafka/consumer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "traffic/kafka/internal.h"

namespace traffic::kafka {

using internal::TimeoutMs;

// --- Message ------------------------------------------------------------------------------

namespace {
const rd_kafka_message_t* M(void* p) { return static_cast<const rd_kafka_message_t*>(p); }
}  // namespace

Message::Message(void* msg, std::shared_ptr<const void> handle) : msg_(msg), handle_(std::move(handle)) {}
Message::Message(Message&& other) noexcept
    : msg_(std::exchange(other.msg_, nullptr)), handle_(std::move(other.handle_)) {}
Message& Message::operator=(Message&& other) noexcept {
  if (this != &other) {
    if (msg_) rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(msg_));
    msg_ = std::exchange(other.msg_, nullptr);
    handle_ = std::move(other.handle_);  // after destroying our message: it may free the handle
  }
  return *this;
}
Message::~Message() {
  if (msg_) rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(msg_));
}
std::string_view Message::topic() const { return rd_kafka_topic_name(M(msg_)->rkt); }
int32_t Message::partition() const { return M(msg_)->partition; }
int64_t Message::offset() const { return M(msg_)->offset; }
std::string_view Message::key() const {
  const auto* m = M(msg_);
  return m->key ? std::string_view(static_cast<const char*>(m->key), m->key_len) : std::string_view();
}
std::string_view Message::value() const {
  const auto* m = M(msg_);
  return m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len) : std::string_view();
}
Timestamp Message::timestamp() const {
  return Timestamp(std::chrono::milliseconds(rd_kafka_message_timestamp(M(msg_), nullptr)));
}

// --- GroupMetadata ------------------------------------------------------------------------

GroupMetadata::GroupMetadata(void* md) : md_(md) {}
GroupMetadata::GroupMetadata(GroupMetadata&& other) noexcept : md_(std::exchange(other.md_, nullptr)) {}
GroupMetadata& GroupMetadata::operator=(GroupMetadata&& other) noexcept {
  if (this != &other) {
    if (md_) rd_kafka_consumer_group_metadata_destroy(static_cast<rd_kafka_consumer_group_metadata_t*>(md_));
    md_ = std::exchange(other.md_, nullptr);
  }
  return *this;
}
GroupMetadata::~GroupMetadata() {
  if (md_) rd_kafka_consumer_group_metadata_destroy(static_cast<rd_kafka_consumer_group_metadata_t*>(md_));
}

// --- Consumer -----------------------------------------------------------------------------

struct Consumer::Impl : internal::ClientState {
  ~Impl() override {
    if (rk) rd_kafka_destroy(rk);
  }
  rd_kafka_t* rk = nullptr;
  std::string group_id;
  RebalanceCallbacks callbacks;
  bool closed = false;
  std::string Where() const { return "group '" + group_id + "' on brokers '" + brokers + "'"; }
};

namespace {

void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                       void* opaque) {
  auto* impl = static_cast<Consumer::Impl*>(static_cast<internal::ClientState*>(opaque));
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    std::vector<TopicPartition> assigned = internal::FromList(partitions);
    for (TopicPartition& tp : assigned) tp.offset = kOffsetStored;
    if (impl->callbacks.on_assign) impl->callbacks.on_assign(assigned);
    spdlog::info("kafka consumer ({}): assigned {}", impl->Where(), ToString(assigned));
    internal::PartitionListPtr list = internal::ToList(assigned);
    if (rd_kafka_resp_err_t e = rd_kafka_assign(rk, list.get())) {
      spdlog::error("kafka consumer ({}): assign failed: {}", impl->Where(), rd_kafka_err2str(e));
    }
  } else {
    const bool lost = rd_kafka_assignment_lost(rk);
    std::vector<TopicPartition> revoked = internal::FromList(partitions);
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      spdlog::error("kafka consumer ({}): rebalance error: {}", impl->Where(), rd_kafka_err2str(err));
    }
    spdlog::info("kafka consumer ({}): {} {}", impl->Where(), lost ? "lost" : "revoked", ToString(revoked));
    if (impl->callbacks.on_revoke) impl->callbacks.on_revoke(revoked, lost);
    rd_kafka_assign(rk, nullptr);
  }
}

bool IsPermanent(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
      return true;
    default:
      return false;
  }
}

}  // namespace

core::Result<std::unique_ptr<Consumer>> Consumer::Open(const ClientConfig& config, std::string group_id,
                                                       const ConsumerOptions& options) {
  if (group_id.empty()) return core::Status::InvalidArgument("kafka consumer: empty group id");
  auto impl = std::make_shared<Impl>();
  impl->brokers = config.brokers;
  impl->client_kind = "consumer";
  impl->group_id = group_id;
  std::vector<Property> defaults = {
      {"group.id", group_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"isolation.level", options.isolation == IsolationLevel::kReadCommitted ? "read_committed" : "read_uncommitted"},
      {"auto.offset.reset", options.auto_offset_reset},
      {"partition.assignment.strategy", options.assignment_strategy},
  };
  TRAFFIC_ASSIGN_OR_RETURN(internal::ConfPtr conf, internal::MakeConf(config, defaults, impl.get()));
  std::string strategy = internal::GetProperty(conf.get(), "partition.assignment.strategy");
  if (strategy.find("cooperative") != std::string::npos) {
    return core::Status::InvalidArgument(
        "partition.assignment.strategy=" + strategy +
        ": only eager strategies (range, roundrobin) are supported; the rebalance contract "
        "gives back all partitions on every rebalance");
  }
  rd_kafka_conf_set_rebalance_cb(conf.get(), &RebalanceCallback);
  TRAFFIC_ASSIGN_OR_RETURN(impl->rk, internal::CreateHandle(RD_KAFKA_CONSUMER, std::move(conf), config, impl.get()));
  // Logs, errors and rebalances are all served by rd_kafka_consumer_poll (Poll()).
  rd_kafka_poll_set_consumer(impl->rk);
  return std::unique_ptr<Consumer>(new Consumer(std::move(impl)));
}

Consumer::Consumer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Consumer::~Consumer() {
  if (impl_ && impl_->rk && !impl_->closed) {
    core::Status st = Close();
    if (!st.ok()) spdlog::warn("kafka consumer: {}", st.message());
  }
}

core::Status Consumer::Subscribe(const std::vector<std::string>& topics, RebalanceCallbacks callbacks) {
  if (topics.empty()) return core::Status::InvalidArgument("kafka consumer: no topics to subscribe");
  std::string missing;
  for (const std::string& topic : topics) {
    auto count = internal::TopicPartitionCount(impl_->rk, *impl_, topic, std::chrono::milliseconds(10000));
    if (count.status().code() == core::StatusCode::kNotFound) {
      missing += (missing.empty() ? "'" : ", '") + topic + "'";
    } else if (!count.ok()) {
      return count.status();
    }
  }
  if (!missing.empty()) {
    return core::Status::NotFound("topic " + missing + " does not exist on brokers '" + impl_->brokers + "'");
  }
  impl_->callbacks = std::move(callbacks);
  internal::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& topic : topics) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(impl_->rk, list.get())) {
    return core::Status::IoError("subscribing " + impl_->Where() + ": " + rd_kafka_err2str(err));
  }
  return core::Status::Ok();
}

core::Status Consumer::Poll(std::chrono::milliseconds timeout, size_t max_messages, std::vector<Message>* out) {
  out->clear();
  int wait_ms = TimeoutMs(timeout);
  while (out->size() < max_messages) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(impl_->rk, wait_ms);
    if (!msg) break;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out->emplace_back(msg, impl_);
      wait_ms = 0;
      continue;
    }
    rd_kafka_resp_err_t err = msg->err;
    std::string topic = msg->rkt ? rd_kafka_topic_name(msg->rkt) : "";
    std::string text = rd_kafka_message_errstr(msg);
    rd_kafka_message_destroy(msg);
    if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    std::string where = (topic.empty() ? "" : "topic '" + topic + "', ") + impl_->Where();
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_fatal_error(impl_->rk, buf, sizeof(buf));
      return core::Status::Internal("consuming " + where + ": fatal: " + buf);
    }
    if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
      return core::Status::NotFound("consuming " + where + ": topic does not exist (" + text + ")");
    }
    if (IsPermanent(err)) {
      return core::Status::IoError("consuming " + where + ": " + text);
    }
    spdlog::warn("kafka consumer ({}): {} (retrying)", where, text);
  }
  return core::Status::Ok();
}

core::Result<std::vector<TopicPartition>> Consumer::Assignment() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_resp_err_t err = rd_kafka_assignment(impl_->rk, &list)) {
    return core::Status::IoError("assignment of " + impl_->Where() + ": " + rd_kafka_err2str(err));
  }
  internal::PartitionListPtr owned(list);
  return internal::FromList(list);
}

core::Result<std::vector<TopicPartition>> Consumer::Position(std::vector<TopicPartition> partitions) {
  internal::PartitionListPtr list = internal::ToList(partitions);
  if (rd_kafka_resp_err_t err = rd_kafka_position(impl_->rk, list.get())) {
    return core::Status::IoError("position in " + impl_->Where() + ": " + rd_kafka_err2str(err));
  }
  return internal::FromList(list.get());
}

core::Result<std::vector<TopicPartition>> Consumer::Committed(std::vector<TopicPartition> partitions,
                                                              std::chrono::milliseconds timeout) {
  internal::PartitionListPtr list = internal::ToList(partitions);
  rd_kafka_resp_err_t err = rd_kafka_committed(impl_->rk, list.get(), TimeoutMs(timeout));
  std::string perr = internal::FirstPartitionError(list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || !perr.empty()) {
    auto msg = "committed offsets of " + ToString(partitions) + " in " + impl_->Where() + ": " +
               (perr.empty() ? rd_kafka_err2str(err) : perr);
    return err == RD_KAFKA_RESP_ERR__TIMED_OUT ? core::Status::Unavailable(msg) : core::Status::IoError(msg);
  }
  return internal::FromList(list.get());
}

core::Result<int64_t> Consumer::HighWatermark(const std::string& topic, int32_t partition,
                                              std::chrono::milliseconds timeout) {
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(impl_->rk, topic.c_str(), partition, &low, &high, TimeoutMs(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    auto msg = "end offset of " + topic + "[" + std::to_string(partition) + "] in " + impl_->Where() + ": " +
               rd_kafka_err2str(err);
    return err == RD_KAFKA_RESP_ERR__TIMED_OUT ? core::Status::Unavailable(msg) : core::Status::IoError(msg);
  }
  return high;
}

core::Result<std::vector<TopicPartition>> Consumer::OffsetsForTimes(std::vector<TopicPartition> partitions,
                                                                    int64_t since_ms,
                                                                    std::chrono::milliseconds timeout) {
  for (auto& tp : partitions) tp.offset = since_ms;
  internal::PartitionListPtr list = internal::ToList(partitions);
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(impl_->rk, list.get(), TimeoutMs(timeout));
  std::string text =
      err != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(err) : internal::FirstPartitionError(list.get());
  if (!text.empty()) {
    auto msg = "offsets for time " + std::to_string(since_ms) + " of " + ToString(partitions) + " in " +
               impl_->Where() + ": " + text;
    return err == RD_KAFKA_RESP_ERR__TIMED_OUT ? core::Status::Unavailable(msg) : core::Status::IoError(msg);
  }
  return internal::FromList(list.get());
}

core::Status Consumer::Seek(const TopicPartition& tp, std::chrono::milliseconds timeout) {
  internal::PartitionListPtr list = internal::ToList({tp});
  rd_kafka_error_t* error = rd_kafka_seek_partitions(impl_->rk, list.get(), TimeoutMs(timeout));
  std::string text;
  if (error) {
    text = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
  } else {
    text = internal::FirstPartitionError(list.get());
  }
  if (!text.empty()) {
    return core::Status::IoError("seeking " + ToString({tp}) + " in " + impl_->Where() + ": " + text);
  }
  return core::Status::Ok();
}

core::Status Consumer::CommitOffsets(const std::vector<TopicPartition>& offsets) {
  if (offsets.empty()) return core::Status::Ok();
  internal::PartitionListPtr list = internal::ToList(offsets);
  rd_kafka_resp_err_t err = rd_kafka_commit(impl_->rk, list.get(), 0);
  std::string perr = internal::FirstPartitionError(list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || !perr.empty()) {
    return core::Status::IoError("committing " + ToString(offsets) + " in " + impl_->Where() + ": " +
                                 (perr.empty() ? rd_kafka_err2str(err) : perr));
  }
  return core::Status::Ok();
}

core::Result<GroupMetadata> Consumer::GroupMetadataForTxn() {
  rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata(impl_->rk);
  if (!md) {
    return core::Status::Internal("group metadata of " + impl_->Where() + " is not available");
  }
  return GroupMetadata(md);
}

core::Status Consumer::Close() {
  if (impl_->closed) return core::Status::Ok();
  impl_->closed = true;
  if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(impl_->rk)) {
    return core::Status::IoError("leaving " + impl_->Where() + ": " + rd_kafka_err2str(err));
  }
  return core::Status::Ok();
}

const std::string& Consumer::group_id() const { return impl_->group_id; }
const std::string& Consumer::brokers() const { return impl_->brokers; }

}  // namespace traffic::kafka
