// Integration tests against the real broker (scripts/kafka.sh start) at $TRAFFIC_BROKERS (default
// localhost:9092). They FAIL when no broker answers: CI starts one, so a missing broker is a bug in
// the set-up, not a reason to skip. Every test works on topics of its own (unique names, deleted at
// the end), so runs do not see each other's data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "traffic/kafka/admin.h"
#include "traffic/kafka/client.h"
#include "traffic/kafka/consumer.h"
#include "traffic/kafka/producer.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

ClientConfig BrokerConfig() {
  ClientConfig c;
  const char* env = std::getenv("TRAFFIC_BROKERS");
  c.brokers = env && *env ? env : "localhost:9092";
  c.connect_timeout = 15s;
  return c;
}

ClientConfig ConsumerConfig() {
  ClientConfig c = BrokerConfig();
  // Faster group rebalances than the defaults (3 s heartbeats), for the tests only.
  c.properties = {{"heartbeat.interval.ms", "300"}, {"session.timeout.ms", "10000"}};
  return c;
}

std::string Unique(const std::string& base) {
  return "it-" + base + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
}

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto admin = Admin::Open(BrokerConfig());
    ASSERT_OK(admin) << "a Kafka broker must run at " << BrokerConfig().brokers
                     << " (scripts/kafka.sh start): " << admin.status().message();
    admin_ = std::move(*admin);
  }
  void TearDown() override {
    if (admin_ && !topics_.empty()) {
      core::Status st = admin_->DeleteTopics(topics_);
      EXPECT_OK(st);
    }
  }
  std::string MakeTopic(const std::string& base, int partitions) {
    std::string name = Unique(base);
    core::Status st = admin_->CreateTopics({{name, partitions, 1, {}}});
    EXPECT_OK(st);
    topics_.push_back(name);
    return name;
  }

  std::unique_ptr<Admin> admin_;
  std::vector<std::string> topics_;
};

// Polls until `want` messages arrived or `limit` passed, then keeps polling for `settle` to catch
// any extra (duplicate or uncommitted) message.
std::vector<Message> Drain(Consumer& consumer, size_t want, std::chrono::milliseconds settle = 0ms,
                           std::chrono::seconds limit = 60s) {
  std::vector<Message> all, batch;
  auto end = Clock::now() + limit;
  while (all.size() < want && Clock::now() < end) {
    core::Status st = consumer.Poll(200ms, 1000, &batch);
    EXPECT_OK(st);
    for (Message& m : batch) all.push_back(std::move(m));
  }
  auto settle_end = Clock::now() + settle;
  while (Clock::now() < settle_end) {
    core::Status st = consumer.Poll(100ms, 1000, &batch);
    EXPECT_OK(st);
    for (Message& m : batch) all.push_back(std::move(m));
  }
  return all;
}

TEST_F(BrokerTest, CreateTopicsIsIdempotentAndDescribes) {
  std::string name = MakeTopic("create", 3);
  auto d = admin_->DescribeTopic(name);
  ASSERT_OK(d);
  EXPECT_EQ(d->partitions, 3);
  core::Status again = admin_->CreateTopics({{name, 3, 1, {}}});  // already exists: fine
  EXPECT_OK(again);
  EXPECT_TRUE(*admin_->TopicExists(name));

  auto missing = admin_->DescribeTopic(name + "-missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(name + "-missing"), std::string::npos);

  core::Status bad = admin_->CreateTopics({{Unique("repl"), 1, 3, {}}});  // one broker only
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("it-repl-"), std::string::npos) << bad.message();
  EXPECT_NE(bad.message().find(BrokerConfig().brokers), std::string::npos) << bad.message();
}

TEST_F(BrokerTest, MissingTopicIsNamedByProducerAndConsumer) {
  std::string name = Unique("missing");
  auto producer = Producer::Open(BrokerConfig());
  ASSERT_OK(producer);
  core::Status st = (*producer)->Produce(name, "k", "v");
  EXPECT_EQ(st.code(), core::StatusCode::kNotFound) << st.message();
  EXPECT_NE(st.message().find(name), std::string::npos) << st.message();
  auto consumer = Consumer::Open(ConsumerConfig(), Unique("g"));
  ASSERT_OK(consumer);
  st = (*consumer)->Subscribe({name});
  EXPECT_EQ(st.code(), core::StatusCode::kNotFound) << st.message();
  EXPECT_NE(st.message().find(name), std::string::npos) << st.message();
}

TEST_F(BrokerTest, ReadCommittedSeesCommittedNotAborted) {
  std::string topic = MakeTopic("txn", 2);
  auto producer = Producer::Open(BrokerConfig(), {.transactional_id = Unique("txn-id")});
  ASSERT_OK(producer);
  TxnStatus ts = (*producer)->InitTransactions(30s);
  ASSERT_OK(ts);

  ASSERT_OK((*producer)->BeginTransaction());
  for (int i = 0; i < 10; ++i) ASSERT_OK((*producer)->Produce(topic, "k" + std::to_string(i), "c1"));
  ts = (*producer)->CommitTransaction(30s);
  ASSERT_OK(ts);

  ASSERT_OK((*producer)->BeginTransaction());
  for (int i = 0; i < 7; ++i) ASSERT_OK((*producer)->Produce(topic, "k" + std::to_string(i), "aborted"));
  ASSERT_OK((*producer)->Flush(10s));  // written to the log, then aborted
  ts = (*producer)->AbortTransaction(30s);
  ASSERT_OK(ts);

  ASSERT_OK((*producer)->BeginTransaction());
  for (int i = 0; i < 5; ++i) ASSERT_OK((*producer)->Produce(topic, "k" + std::to_string(i), "c2"));
  ts = (*producer)->CommitTransaction(30s);
  ASSERT_OK(ts);
  EXPECT_EQ((*producer)->stats().delivery_failures, 0u) << (*producer)->stats().first_failure;

  auto committed_reader = Consumer::Open(ConsumerConfig(), Unique("rc"));
  ASSERT_OK(committed_reader);
  ASSERT_OK((*committed_reader)->Subscribe({topic}));
  std::vector<Message> got = Drain(**committed_reader, 15, 2s);
  std::map<std::string, int> by_value;
  for (const Message& m : got) ++by_value[std::string(m.value())];
  EXPECT_EQ(got.size(), 15u);
  EXPECT_EQ(by_value["c1"], 10);
  EXPECT_EQ(by_value["c2"], 5);
  EXPECT_EQ(by_value.count("aborted"), 0u);

  // read_uncommitted does see what reached the broker of the aborted transaction.
  auto dirty_reader = Consumer::Open(ConsumerConfig(), Unique("ru"), {.isolation = IsolationLevel::kReadUncommitted});
  ASSERT_OK(dirty_reader);
  ASSERT_OK((*dirty_reader)->Subscribe({topic}));
  got = Drain(**dirty_reader, 22, 1s, 20s);
  by_value.clear();
  for (const Message& m : got) ++by_value[std::string(m.value())];
  EXPECT_EQ(by_value["c1"], 10);
  EXPECT_EQ(by_value["c2"], 5);
  EXPECT_EQ(by_value["aborted"], 7) << "the aborted messages were in the log";
}

// A restarted worker (same transactional.id) fences its previous incarnation: the old producer's
// next transactional call is kFatal, and what it produced never becomes visible.
TEST_F(BrokerTest, NewerTransactionalIdFencesTheOlder) {
  std::string topic = MakeTopic("fence", 1);
  const std::string txn_id = Unique("fence-id");
  auto old_producer = Producer::Open(BrokerConfig(), {.transactional_id = txn_id});
  ASSERT_OK(old_producer);
  ASSERT_OK((*old_producer)->InitTransactions(30s));
  ASSERT_OK((*old_producer)->BeginTransaction());
  ASSERT_OK((*old_producer)->Produce(topic, "k", "zombie"));
  ASSERT_OK((*old_producer)->Flush(10s));

  auto new_producer = Producer::Open(BrokerConfig(), {.transactional_id = txn_id});
  ASSERT_OK(new_producer);
  TxnStatus ts = (*new_producer)->InitTransactions(30s);
  ASSERT_OK(ts);
  ASSERT_OK((*new_producer)->BeginTransaction());
  ASSERT_OK((*new_producer)->Produce(topic, "k", "live"));
  ts = (*new_producer)->CommitTransaction(30s);
  ASSERT_OK(ts);

  ts = (*old_producer)->CommitTransaction(10s);
  ASSERT_FALSE(ts.ok());
  EXPECT_EQ(ts.kind(), TxnErrorKind::kFatal) << ts.status().message();
  EXPECT_NE(ts.status().message().find(txn_id), std::string::npos) << ts.status().message();

  auto reader = Consumer::Open(ConsumerConfig(), Unique("fence-reader"));
  ASSERT_OK(reader);
  ASSERT_OK((*reader)->Subscribe({topic}));
  std::vector<Message> got = Drain(**reader, 1, 2s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value(), "live");
}

// One read-process-write step: every message of one Poll becomes one output message, and the
// input offsets go into the same transaction. Returns the number processed (0 if nothing came).
size_t ProcessBatch(Consumer& consumer, Producer& producer, const std::string& out_topic, bool commit,
                    std::map<int32_t, int64_t>* first_offset_seen) {
  std::vector<Message> batch;
  core::Status st = consumer.Poll(500ms, 40, &batch);
  EXPECT_OK(st);
  if (batch.empty()) return 0;
  EXPECT_OK(producer.BeginTransaction());
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (const Message& m : batch) {
    if (first_offset_seen) first_offset_seen->emplace(m.partition(), m.offset());
    EXPECT_OK(producer.Produce(out_topic, m.key(), "out:" + std::string(m.value())));
    next[{std::string(m.topic()), m.partition()}] = m.offset() + 1;
  }
  std::vector<TopicPartition> offsets;
  for (const auto& [tp, off] : next) offsets.push_back({tp.first, tp.second, off});
  auto md = consumer.GroupMetadataForTxn();
  EXPECT_OK(md);
  TxnStatus ts = producer.SendOffsetsToTransaction(offsets, *md, 30s);
  EXPECT_OK(ts);
  ts = commit ? producer.CommitTransaction(30s) : producer.AbortTransaction(30s);
  EXPECT_OK(ts);
  return batch.size();
}

TEST_F(BrokerTest, ConsumeTransformProduceResumesAfterCommittedOffsets) {
  std::string in = MakeTopic("ctp-in", 4);
  std::string out = MakeTopic("ctp-out", 4);
  const int kCount = 400;
  {
    auto producer = Producer::Open(BrokerConfig());
    ASSERT_OK(producer);
    for (int i = 0; i < kCount; ++i) {
      ASSERT_OK((*producer)->Produce(in, "key" + std::to_string(i % 13), std::to_string(i)));
    }
    ASSERT_OK((*producer)->Flush(30s));
    ASSERT_EQ((*producer)->stats().messages_delivered, static_cast<uint64_t>(kCount));
  }
  const std::string group = Unique("ctp-group");
  const std::string txn_id = Unique("ctp-worker");

  // Worker 1 commits some batches, then aborts one (as if it crashed mid-transaction) and leaves.
  size_t processed = 0;
  std::vector<TopicPartition> committed_by_worker1;
  {
    auto consumer = Consumer::Open(ConsumerConfig(), group);
    ASSERT_OK(consumer);
    ASSERT_OK((*consumer)->Subscribe({in}));
    auto producer = Producer::Open(BrokerConfig(), {.transactional_id = txn_id});
    ASSERT_OK(producer);
    ASSERT_OK((*producer)->InitTransactions(30s));
    auto end = Clock::now() + 60s;
    while (processed < kCount / 3 && Clock::now() < end) {
      processed += ProcessBatch(**consumer, **producer, out, /*commit=*/true, nullptr);
    }
    ASSERT_GE(processed, static_cast<size_t>(kCount / 3));
    ASSERT_LT(processed, static_cast<size_t>(kCount));
    size_t aborted = 0;
    while (aborted == 0 && Clock::now() < end) {
      aborted = ProcessBatch(**consumer, **producer, out, /*commit=*/false, nullptr);
    }
    ASSERT_GT(aborted, 0u);
    auto assignment = (*consumer)->Assignment();
    ASSERT_OK(assignment);
    ASSERT_EQ(assignment->size(), 4u);
    auto committed = (*consumer)->Committed(*assignment, 10s);
    ASSERT_OK(committed);
    committed_by_worker1 = *committed;
    ASSERT_OK((*consumer)->Close());
  }
  int64_t committed_total = 0;
  for (const TopicPartition& tp : committed_by_worker1) {
    if (tp.offset >= 0) committed_total += tp.offset;
  }
  EXPECT_EQ(committed_total, static_cast<int64_t>(processed));

  // Worker 2 (same group, same transactional.id: a restart) resumes exactly after them.
  std::map<int32_t, int64_t> first_offset;
  {
    auto consumer = Consumer::Open(ConsumerConfig(), group);
    ASSERT_OK(consumer);
    ASSERT_OK((*consumer)->Subscribe({in}));
    auto producer = Producer::Open(BrokerConfig(), {.transactional_id = txn_id});
    ASSERT_OK(producer);
    ASSERT_OK((*producer)->InitTransactions(30s));
    auto end = Clock::now() + 60s;
    size_t idle = 0;
    while (processed < kCount && Clock::now() < end) {
      size_t n = ProcessBatch(**consumer, **producer, out, true, &first_offset);
      processed += n;
      idle = n ? 0 : idle + 1;
    }
    ASSERT_OK((*consumer)->Close());
  }
  EXPECT_EQ(processed, static_cast<size_t>(kCount));
  for (const TopicPartition& tp : committed_by_worker1) {
    if (first_offset.count(tp.partition)) {
      EXPECT_EQ(first_offset[tp.partition], std::max<int64_t>(tp.offset, 0))
          << "partition " << tp.partition << " did not resume at its committed offset";
    }
  }

  // The output (read_committed) holds every input exactly once.
  auto reader = Consumer::Open(ConsumerConfig(), Unique("ctp-reader"));
  ASSERT_OK(reader);
  ASSERT_OK((*reader)->Subscribe({out}));
  std::vector<Message> got = Drain(**reader, kCount, 2s);
  std::multiset<std::string> values;
  for (const Message& m : got) values.insert(std::string(m.value()));
  EXPECT_EQ(got.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(values.count("out:" + std::to_string(i)), 1u) << "input " << i;
  }
}

TEST_F(BrokerTest, TwoConsumersSharePartitionsAndRebalance) {
  std::string topic = MakeTopic("share", 4);
  const std::string group = Unique("share-group");
  struct Member {
    std::set<int32_t> owned;
    int assigns = 0, revokes = 0;
    std::vector<Message> got;
    std::unique_ptr<Consumer> consumer;  // last: destroyed first, its Close() runs on_revoke
  };
  auto open_member = [&](Member& m) {
    auto c = Consumer::Open(ConsumerConfig(), group);
    ASSERT_OK(c);
    m.consumer = std::move(*c);
    RebalanceCallbacks cb;
    cb.on_assign = [&m](std::vector<TopicPartition>& parts) {
      ++m.assigns;
      for (const auto& tp : parts) m.owned.insert(tp.partition);
    };
    cb.on_revoke = [&m](const std::vector<TopicPartition>& parts, bool lost) {
      ++m.revokes;
      EXPECT_FALSE(lost);
      for (const auto& tp : parts) m.owned.erase(tp.partition);
    };
    ASSERT_OK(m.consumer->Subscribe({topic}, cb));
  };
  auto poll = [](Member& m) {
    std::vector<Message> batch;
    if (!m.consumer) return;
    core::Status st = m.consumer->Poll(100ms, 1000, &batch);
    EXPECT_OK(st);
    for (Message& msg : batch) m.got.push_back(std::move(msg));
  };
  auto poll_until = [&](Member& a, Member& b, auto done) {
    auto end = Clock::now() + 60s;
    while (!done() && Clock::now() < end) {
      poll(a);
      poll(b);
    }
    return done();
  };

  Member a, b;
  open_member(a);
  ASSERT_TRUE(poll_until(a, b, [&] { return a.owned.size() == 4; }));
  EXPECT_EQ(a.assigns, 1);
  open_member(b);
  ASSERT_TRUE(poll_until(a, b, [&] { return a.owned.size() == 2 && b.owned.size() == 2; }))
      << "a owns " << a.owned.size() << ", b owns " << b.owned.size();
  EXPECT_GE(a.revokes, 1) << "eager: a gave back its partitions";
  for (int32_t p : a.owned) EXPECT_EQ(b.owned.count(p), 0u);

  // Messages produced now are shared: each member reads only its own partitions, together all.
  auto producer = Producer::Open(BrokerConfig());
  ASSERT_OK(producer);
  const int kCount = 200;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_OK((*producer)->Produce(topic, "key" + std::to_string(i), std::to_string(i)));
  }
  ASSERT_OK((*producer)->Flush(30s));
  ASSERT_TRUE(poll_until(a, b, [&] { return a.got.size() + b.got.size() >= kCount; }));
  EXPECT_GT(a.got.size(), 0u);
  EXPECT_GT(b.got.size(), 0u);
  EXPECT_EQ(a.got.size() + b.got.size(), static_cast<size_t>(kCount));
  for (const Message& m : a.got) EXPECT_EQ(a.owned.count(m.partition()), 1u);
  for (const Message& m : b.got) EXPECT_EQ(b.owned.count(m.partition()), 1u);

  // b leaves cleanly (its on_revoke runs in Close): a gets all four back.
  ASSERT_OK(b.consumer->Close());
  EXPECT_TRUE(b.owned.empty());
  b.consumer.reset();
  ASSERT_TRUE(poll_until(a, b, [&] { return a.owned.size() == 4; }));
  EXPECT_GE(a.assigns, 3);
}

}  // namespace
}  // namespace traffic::kafka
