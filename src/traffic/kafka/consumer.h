// Consumer: a member of a consumer group reading committed data only, for exactly-once
// read-process-write with Producer transactions, and for scale-out (the group shares partitions).
//
// Rebalance protocol: EAGER ("range" assignment by default; "roundrobin" also allowed). On every
// rebalance a member first gives back ALL its partitions (on_revoke) and then receives its new
// set (on_assign). That makes exactly-once simple: on revoke the stream commits (or aborts) its
// open transaction and drops its state for those partitions; on assign it restores state from the
// committed offsets. A cooperative ("cooperative-sticky") strategy is refused at Open().
//
// Offsets are never committed automatically (enable.auto.commit=false, enable.auto.offset.store=
// false): the caller commits them inside a transaction (Producer::SendOffsetsToTransaction) or
// with CommitOffsets().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/kafka/client.h"

namespace traffic::kafka {

enum class IsolationLevel { kReadCommitted, kReadUncommitted };

struct ConsumerOptions {
  IsolationLevel isolation = IsolationLevel::kReadCommitted;
  // Where a partition with no committed offset starts: "earliest" or "latest".
  std::string auto_offset_reset = "earliest";
  // partition.assignment.strategy: "range" or "roundrobin" (eager protocols only).
  std::string assignment_strategy = "range";
};

// A consumed message. Owns librdkafka's buffer (zero copy): key() and value() are valid as long
// as the Message lives. It also keeps its consumer's librdkafka handle alive, so a Message may
// outlive the Consumer object (which then leaves the group at once, and frees the handle when
// the last Message goes). Move-only.
class Message {
 public:
  Message() = default;
  // Takes ownership of an rd_kafka_message_t*; `handle` keeps the rd_kafka_t alive.
  Message(void* rd_kafka_message, std::shared_ptr<const void> handle);
  Message(Message&& other) noexcept;
  Message& operator=(Message&& other) noexcept;
  ~Message();

  std::string_view topic() const;
  int32_t partition() const;
  int64_t offset() const;
  std::string_view key() const;    // empty when the message has no key
  std::string_view value() const;  // empty for a null value
  Timestamp timestamp() const;     // producer's (CreateTime) or broker's (LogAppendTime)

 private:
  void* msg_ = nullptr;
  std::shared_ptr<const void> handle_;
};

// Who this member is in its group, for Producer::SendOffsetsToTransaction (lets the broker fence a
// zombie member whose partitions moved away).
class GroupMetadata {
 public:
  explicit GroupMetadata(void* rd_kafka_consumer_group_metadata);  // takes ownership
  GroupMetadata(GroupMetadata&& other) noexcept;
  GroupMetadata& operator=(GroupMetadata&& other) noexcept;
  ~GroupMetadata();
  void* get() const { return md_; }

 private:
  void* md_ = nullptr;
};

struct RebalanceCallbacks {
  // Called with the newly assigned partitions, each with offset kOffsetStored. The callback may
  // set a partition's offset to where reading must start (e.g. restored state); kOffsetStored
  // keeps the group's committed offset (or auto_offset_reset when none).
  std::function<void(std::vector<TopicPartition>& partitions)> on_assign;
  // Called before the partitions are given up, while the member still owns them (commit the open
  // transaction now). `lost` is true when the group already moved them (session timeout): the
  // caller must then abort, not commit.
  std::function<void(const std::vector<TopicPartition>& partitions, bool lost)> on_revoke;
};

class Consumer {
 public:
  // Connects (bounded wait, see client.h) and joins nothing yet: call Subscribe().
  static core::Result<std::unique_ptr<Consumer>> Open(const ClientConfig& config, std::string group_id,
                                                      const ConsumerOptions& options = {});
  ~Consumer();  // Close() if not closed
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Checks that every topic exists (kNotFound names the missing ones), then joins the group.
  // The callbacks run inside Poll() and Close().
  core::Status Subscribe(const std::vector<std::string>& topics, RebalanceCallbacks callbacks = {});

  // Clears `out`, then appends up to `max_messages` messages, waiting up to `timeout` for the
  // first one and not at all for the rest. Transient errors (a broker restarting) are logged and
  // retried by librdkafka; a permanent one (topic deleted, fatal, authorization) is returned, with
  // the messages read before it left in `out`. Call at least every max.poll.interval.ms (default
  // 300 s) or the group considers this member dead and moves its partitions.
  core::Status Poll(std::chrono::milliseconds timeout, size_t max_messages, std::vector<Message>* out);

  // The partitions currently assigned to this member.
  core::Result<std::vector<TopicPartition>> Assignment();
  // Next offset to read for each given partition (kOffsetInvalid before the first message).
  core::Result<std::vector<TopicPartition>> Position(std::vector<TopicPartition> partitions);
  // The group's committed offsets for the given partitions (kOffsetInvalid when none).
  core::Result<std::vector<TopicPartition>> Committed(std::vector<TopicPartition> partitions,
                                                      std::chrono::milliseconds timeout);
  // Moves an assigned partition's read position to `tp.offset` (may be kOffsetBeginning/End).
  core::Status Seek(const TopicPartition& tp, std::chrono::milliseconds timeout);
  // Synchronous commit of `offsets` (next offset to read), outside transactions.
  core::Status CommitOffsets(const std::vector<TopicPartition>& offsets);
  // The offset after the last message of a partition (for read_committed consumers, the last
  // stable offset is never beyond it): a reader has caught up when its position reaches it.
  core::Result<int64_t> HighWatermark(const std::string& topic, int32_t partition, std::chrono::milliseconds timeout);
  // For each partition, the offset of the first message whose timestamp is >= `since` (ms since
  // the epoch), or kOffsetEnd when there is none: where a reader with a look-back starts.
  core::Result<std::vector<TopicPartition>> OffsetsForTimes(std::vector<TopicPartition> partitions, int64_t since_ms,
                                                            std::chrono::milliseconds timeout);
  // For Producer::SendOffsetsToTransaction.
  core::Result<GroupMetadata> GroupMetadataForTxn();

  // Leaves the group cleanly (on_revoke runs) so the others rebalance at once. Idempotent.
  core::Status Close();

  const std::string& group_id() const;
  const std::string& brokers() const;

  struct Impl;

 private:
  explicit Consumer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with the Messages it handed out
};

}  // namespace traffic::kafka
