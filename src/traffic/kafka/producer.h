// Producer: non-blocking keyed produce with a bounded queue, delivery-error accounting, and Kafka
// transactions for exactly-once read-process-write.
//
// Delivery: Produce() only enqueues; a message counts as sent when its delivery report arrives
// (served inside Produce/Poll/Flush/CommitTransaction). Failed deliveries are counted, and the first
// one's error text (naming the topic and partition) is kept; check stats() after Flush().
//
// Transactions (when ProducerOptions::transactional_id is set): InitTransactions() once, then per
// batch BeginTransaction() -> Produce()... -> SendOffsetsToTransaction() -> CommitTransaction().
// Every transactional call returns a TxnStatus whose kind() says what the caller must do:
//   kNone       success.
//   kRetriable  the call's timeout ran out while the broker kept answering "try again" (retriable
//               errors are retried inside the call until its timeout): call it again.
//   kAbortable  the transaction cannot commit: call AbortTransaction(), rewind the input to the
//               last committed offsets (Consumer::Committed + Seek) and process again.
//   kFatal      the producer is unusable (fenced by a newer instance with the same
//               transactional.id, or a fatal idempotence error): destroy it; a new process/instance
//               with the same transactional.id fences this one and takes over.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/kafka/client.h"

namespace traffic::kafka {

class GroupMetadata;  // consumer.h

struct ProducerOptions {
  bool idempotent = true;  // enable.idempotence: no duplicates or reordering on retries
  // transactional.id: set for exactly-once; stable per worker (e.g. "stream-<group>-<worker>")
  // so that a restarted worker fences its previous incarnation.
  std::optional<std::string> transactional_id;
  // Produce() waits at most this long for room in a full queue before failing with kUnavailable.
  std::chrono::milliseconds max_block{60000};
};

struct ProducerStats {
  uint64_t messages_enqueued = 0;   // accepted by Produce()
  uint64_t messages_delivered = 0;  // acknowledged by the broker
  uint64_t bytes_delivered = 0;     // key + value bytes of the delivered messages
  uint64_t delivery_failures = 0;   // delivery reports with an error (not counting aborted ones)
  uint64_t messages_aborted = 0;    // purged by AbortTransaction() before delivery
  std::string first_failure;        // "topic[partition]: error text" of the first failure
};

enum class TxnErrorKind { kNone, kRetriable, kAbortable, kFatal };

class [[nodiscard]] TxnStatus {
 public:
  TxnStatus() = default;
  TxnStatus(core::Status status, TxnErrorKind kind) : status_(std::move(status)), kind_(kind) {}
  bool ok() const { return kind_ == TxnErrorKind::kNone; }
  TxnErrorKind kind() const { return kind_; }
  const core::Status& status() const { return status_; }

 private:
  core::Status status_;
  TxnErrorKind kind_ = TxnErrorKind::kNone;
};

class Producer {
 public:
  // Connects (see client.h for the bounded wait). Idempotent (or transactional) producers get
  // enable.idempotence=true (acks=all, no duplicates on retry); others acks=all. Batching is
  // librdkafka's default (linger.ms=5, batch.size=1000000); tune it with properties
  // (e.g. compression.type=lz4 roughly doubles small-message throughput on one node).
  static core::Result<std::unique_ptr<Producer>> Open(const ClientConfig& config, const ProducerOptions& options = {});
  ~Producer();  // flushes for up to 10 s; undelivered messages are then dropped (and logged)
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues a copy of key and value. partition nullopt = by key hash (librdkafka's default
  // partitioner, consistent_random); timestamp nullopt = now. On a full queue, serves delivery
  // reports (blocking up to 100 ms at a time, never spinning) and retries, up to max_block.
  // The first Produce() to a topic checks that it exists: kNotFound names it.
  core::Status Produce(std::string_view topic, std::string_view key, std::string_view value,
                       std::optional<int32_t> partition = std::nullopt,
                       std::optional<Timestamp> timestamp = std::nullopt);
  // Serves delivery reports, waiting up to `timeout` for one.
  void Poll(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Waits until every enqueued message is delivered or failed. kUnavailable on timeout (naming how
  // many are still queued). Delivery failures are in stats(), not in this Status.
  core::Status Flush(std::chrono::milliseconds timeout);
  // Messages enqueued and not yet reported.
  int OutstandingMessages() const;

  // Makes sure `topic` exists (cached after the first success). kNotFound names it.
  core::Status CheckTopic(std::string_view topic);
  // Number of partitions of `topic` (from broker metadata).
  core::Result<int32_t> PartitionCount(std::string_view topic);

  // Transactions (transactional_id set); see the file comment for TxnStatus kinds.
  TxnStatus InitTransactions(std::chrono::milliseconds timeout);
  TxnStatus BeginTransaction();
  // Commits `offsets` (the next offset to read, per partition) for the consumer group within the
  // current transaction: they become visible only if the transaction commits.
  TxnStatus SendOffsetsToTransaction(const std::vector<TopicPartition>& offsets, const GroupMetadata& group,
                                     std::chrono::milliseconds timeout);
  // Flushes and commits. After kAbortable, call AbortTransaction().
  TxnStatus CommitTransaction(std::chrono::milliseconds timeout);
  // Purges unsent messages (counted in messages_aborted) and aborts.
  TxnStatus AbortTransaction(std::chrono::milliseconds timeout);
  bool in_transaction() const;

  const ProducerStats& stats() const;
  const std::string& brokers() const;

  struct Impl;

 private:
  explicit Producer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace traffic::kafka
