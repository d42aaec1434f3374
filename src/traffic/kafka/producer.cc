#include "traffic/kafka/producer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <unordered_map>

#include "traffic/kafka/consumer.h"
#include "traffic/kafka/internal.h"

namespace traffic::kafka {

using internal::TimeoutMs;
using Clock = std::chrono::steady_clock;

struct Producer::Impl : internal::ClientState {
  ~Impl() override {
    for (auto& [name, rkt] : topics) rd_kafka_topic_destroy(rkt);
    if (rk) rd_kafka_destroy(rk);
  }

  rd_kafka_t* rk = nullptr;
  ProducerOptions options;
  ProducerStats stats;
  std::unordered_map<std::string, rd_kafka_topic_t*> topics;  // checked to exist
  std::string last_topic;                                     // one-entry cache in front of `topics`
  rd_kafka_topic_t* last_rkt = nullptr;
  uint32_t produced_since_poll = 0;
  bool in_txn = false;

  core::Result<rd_kafka_topic_t*> Topic(std::string_view name);
  TxnStatus TxnError(rd_kafka_error_t* error, std::string_view what);
  template <typename Call>
  TxnStatus RetryTxn(std::string_view what, std::chrono::milliseconds timeout, Call call);
};

namespace {

void DeliveryCallback(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* impl = static_cast<Producer::Impl*>(static_cast<internal::ClientState*>(opaque));
  ProducerStats& s = impl->stats;
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++s.messages_delivered;
    s.bytes_delivered += msg->len + msg->key_len;
  } else if (msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
    ++s.messages_aborted;
  } else {
    if (s.delivery_failures++ == 0) {
      s.first_failure = std::string(rd_kafka_topic_name(msg->rkt)) + "[" + std::to_string(msg->partition) +
                        "]: " + rd_kafka_err2str(msg->err);
      spdlog::warn("kafka producer ({}): delivery failed: {}", impl->brokers, s.first_failure);
    }
  }
}

}  // namespace

core::Result<std::unique_ptr<Producer>> Producer::Open(const ClientConfig& config, const ProducerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->brokers = config.brokers;
  impl->client_kind = "producer";
  impl->options = options;
  std::vector<Property> defaults;
  if (options.idempotent || options.transactional_id) {
    defaults.emplace_back("enable.idempotence", "true");  // implies acks=all
  } else {
    defaults.emplace_back("acks", "all");
  }
  if (options.transactional_id) {
    defaults.emplace_back("transactional.id", *options.transactional_id);
  }
  TRAFFIC_ASSIGN_OR_RETURN(internal::ConfPtr conf, internal::MakeConf(config, defaults, impl.get()));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &DeliveryCallback);
  TRAFFIC_ASSIGN_OR_RETURN(impl->rk, internal::CreateHandle(RD_KAFKA_PRODUCER, std::move(conf), config, impl.get()));
  return std::unique_ptr<Producer>(new Producer(std::move(impl)));
}

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Producer::~Producer() {
  if (!impl_ || !impl_->rk) return;
  if (impl_->in_txn) {
    // An open transaction is abandoned: the broker aborts it when it times out or when the next
    // instance with the same transactional.id initialises.
    spdlog::warn("kafka producer ({}): destroyed with an open transaction", impl_->brokers);
  } else if (rd_kafka_flush(impl_->rk, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("kafka producer ({}): {} messages undelivered at close", impl_->brokers, rd_kafka_outq_len(impl_->rk));
  }
}

core::Result<rd_kafka_topic_t*> Producer::Impl::Topic(std::string_view name) {
  if (last_rkt && name == last_topic) return last_rkt;
  std::string key(name);
  auto it = topics.find(key);
  if (it == topics.end()) {
    TRAFFIC_ASSIGN_OR_RETURN(int32_t partitions,
                             internal::TopicPartitionCount(rk, *this, key, std::chrono::milliseconds(10000)));
    (void)partitions;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, key.c_str(), nullptr);
    if (!rkt) {
      return core::Status::InvalidArgument("topic '" + key + "': " + rd_kafka_err2str(rd_kafka_last_error()));
    }
    it = topics.emplace(key, rkt).first;
  }
  last_topic = std::move(key);
  last_rkt = it->second;
  return last_rkt;
}

core::Status Producer::CheckTopic(std::string_view topic) { return impl_->Topic(topic).status(); }

core::Result<int32_t> Producer::PartitionCount(std::string_view topic) {
  return internal::TopicPartitionCount(impl_->rk, *impl_, std::string(topic), std::chrono::milliseconds(10000));
}

core::Status Producer::Produce(std::string_view topic, std::string_view key, std::string_view value,
                               std::optional<int32_t> partition, std::optional<Timestamp> timestamp) {
  Impl& m = *impl_;
  TRAFFIC_ASSIGN_OR_RETURN(rd_kafka_topic_t * rkt, m.Topic(topic));
  const int32_t part = partition ? *partition : RD_KAFKA_PARTITION_UA;
  const int64_t ts = timestamp ? timestamp->time_since_epoch().count() : 0;
  Clock::time_point give_up{};
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        m.rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++m.stats.messages_enqueued;
      // Serve delivery reports now and then: they free queue room and update the stats.
      if (++m.produced_since_poll >= 1024) {
        m.produced_since_poll = 0;
        rd_kafka_poll(m.rk, 0);
      }
      return core::Status::Ok();
    }
    const std::string where = "producing to topic '" + std::string(topic) + "'" +
                              (partition ? " partition " + std::to_string(*partition) : "") + " on brokers '" +
                              m.brokers + "'";
    switch (err) {
      case RD_KAFKA_RESP_ERR__QUEUE_FULL: {
        auto now = Clock::now();
        if (give_up == Clock::time_point{}) give_up = now + m.options.max_block;
        if (now >= give_up) {
          return core::Status::Unavailable(
              where + ": the local queue stayed full for " + std::to_string(m.options.max_block.count()) + " ms (" +
              std::to_string(rd_kafka_outq_len(m.rk)) + " messages waiting; broker down?)");
        }
        rd_kafka_poll(m.rk, 100);  // blocks until a delivery report frees room (or 100 ms)
        continue;
      }
      case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        return core::Status::InvalidArgument(where + ": no such partition");
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        return core::Status::NotFound(where + ": the topic does not exist");
      case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        return core::Status::InvalidArgument(where + ": message of " + std::to_string(key.size() + value.size()) +
                                             " bytes is larger than message.max.bytes");
      case RD_KAFKA_RESP_ERR__FATAL: {
        char buf[512];
        rd_kafka_fatal_error(m.rk, buf, sizeof(buf));
        return core::Status::Internal(where + ": fatal producer error: " + buf);
      }
      case RD_KAFKA_RESP_ERR__STATE:
        return core::Status::Internal(where + ": not inside a transaction (BeginTransaction)");
      default:
        return core::Status::IoError(where + ": " + rd_kafka_err2str(err));
    }
  }
}

void Producer::Poll(std::chrono::milliseconds timeout) { rd_kafka_poll(impl_->rk, TimeoutMs(timeout)); }

core::Status Producer::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk, TimeoutMs(timeout));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    return core::Status::Unavailable("flushing the producer to brokers '" + impl_->brokers +
                                     "': " + std::to_string(rd_kafka_outq_len(impl_->rk)) +
                                     " messages still queued after " + std::to_string(timeout.count()) + " ms" +
                                     (impl_->LastError().empty() ? "" : " (" + impl_->LastError() + ")"));
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::Status::IoError("flushing the producer to brokers '" + impl_->brokers + "': " + rd_kafka_err2str(err));
  }
  return core::Status::Ok();
}

int Producer::OutstandingMessages() const { return rd_kafka_outq_len(impl_->rk); }

// --- transactions -------------------------------------------------------------------------

TxnStatus Producer::Impl::TxnError(rd_kafka_error_t* error, std::string_view what) {
  std::string text = std::string(what) + " (transactional.id '" + options.transactional_id.value_or("") +
                     "', brokers '" + brokers + "'): " + rd_kafka_error_name(error) + ": " +
                     rd_kafka_error_string(error);
  TxnErrorKind kind;
  core::StatusCode code;
  if (rd_kafka_error_is_fatal(error)) {
    kind = TxnErrorKind::kFatal;
    code = core::StatusCode::kInternal;
  } else if (rd_kafka_error_txn_requires_abort(error)) {
    kind = TxnErrorKind::kAbortable;
    code = core::StatusCode::kIoError;
  } else if (rd_kafka_error_is_retriable(error)) {
    kind = TxnErrorKind::kRetriable;
    code = core::StatusCode::kUnavailable;
  } else {
    // Wrong state or bad arguments: a bug in the caller; nothing to retry or abort safely.
    kind = TxnErrorKind::kFatal;
    code = core::StatusCode::kInternal;
  }
  rd_kafka_error_destroy(error);
  return TxnStatus(core::Status(code, std::move(text)), kind);
}

// Calls `call(timeout_ms)` again on retriable errors (with backoff) until `timeout` is spent.
template <typename Call>
TxnStatus Producer::Impl::RetryTxn(std::string_view what, std::chrono::milliseconds timeout, Call call) {
  if (!options.transactional_id) {
    return TxnStatus(core::Status::InvalidArgument(std::string(what) + ": the producer is not transactional"),
                     TxnErrorKind::kFatal);
  }
  const auto deadline = Clock::now() + timeout;
  auto backoff = std::chrono::milliseconds(50);
  for (;;) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    rd_kafka_error_t* error = call(std::max(1, TimeoutMs(remaining)));
    if (!error) return TxnStatus();
    TxnStatus status = TxnError(error, what);
    if (status.kind() != TxnErrorKind::kRetriable || Clock::now() + backoff >= deadline) {
      return status;
    }
    spdlog::info("kafka: {}; retrying", status.status().message());
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

TxnStatus Producer::InitTransactions(std::chrono::milliseconds timeout) {
  return impl_->RetryTxn("initialising transactions", timeout,
                         [&](int ms) { return rd_kafka_init_transactions(impl_->rk, ms); });
}

TxnStatus Producer::BeginTransaction() {
  if (!impl_->options.transactional_id) {
    return TxnStatus(core::Status::InvalidArgument("BeginTransaction: the producer is not transactional"),
                     TxnErrorKind::kFatal);
  }
  if (rd_kafka_error_t* error = rd_kafka_begin_transaction(impl_->rk)) {
    return impl_->TxnError(error, "beginning a transaction");
  }
  impl_->in_txn = true;
  return TxnStatus();
}

TxnStatus Producer::SendOffsetsToTransaction(const std::vector<TopicPartition>& offsets, const GroupMetadata& group,
                                             std::chrono::milliseconds timeout) {
  if (offsets.empty()) return TxnStatus();
  internal::PartitionListPtr list = internal::ToList(offsets);
  return impl_->RetryTxn("sending offsets " + ToString(offsets) + " to the transaction", timeout, [&](int ms) {
    return rd_kafka_send_offsets_to_transaction(impl_->rk, list.get(),
                                                static_cast<rd_kafka_consumer_group_metadata_t*>(group.get()), ms);
  });
}

TxnStatus Producer::CommitTransaction(std::chrono::milliseconds timeout) {
  TxnStatus status = impl_->RetryTxn("committing the transaction", timeout,
                                     [&](int ms) { return rd_kafka_commit_transaction(impl_->rk, ms); });
  if (status.ok()) impl_->in_txn = false;
  return status;
}

TxnStatus Producer::AbortTransaction(std::chrono::milliseconds timeout) {
  TxnStatus status = impl_->RetryTxn("aborting the transaction", timeout,
                                     [&](int ms) { return rd_kafka_abort_transaction(impl_->rk, ms); });
  rd_kafka_poll(impl_->rk, 0);  // count the purged messages' reports
  if (status.ok()) impl_->in_txn = false;
  return status;
}

bool Producer::in_transaction() const { return impl_->in_txn; }
const ProducerStats& Producer::stats() const { return impl_->stats; }
const std::string& Producer::brokers() const { return impl_->brokers; }

}  // namespace traffic::kafka
