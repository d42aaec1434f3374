// The Kafka worker's loop (assign, restore, process, commit, revoke on close) on librdkafka's
// in-process mock cluster, with a fake clock: fast, no broker. The 2.0.2 mock does not store the
// offsets sent in a transaction, so a second run of a group starts from the beginning of the
// input again; resuming after the committed offsets, kill -9 and rebalances between processes are
// covered against the real broker (tests/stream_kafka_test.sh, kafka_worker_integration_test.cc).
#include "traffic/pipeline/kafka_worker.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "traffic/kafka/consumer.h"
#include "traffic/kafka/mock_cluster.h"
#include "traffic/pipeline/stream_state.h"
#include "traffic/pipeline/test_trip_messages.h"

namespace traffic::pipeline {
namespace {

using namespace std::chrono_literals;

using test_trips::kTripsBase;
constexpr int kTrips = 240;

// The messages of a topic (read_committed) by key, the newest value of each: polls until `keys`
// keys have been seen and a poll finds nothing more (or 10 s of polls).
std::map<std::string, std::string> ReadTopic(const kafka::ClientConfig& config, const std::string& topic,
                                             const std::string& group, size_t keys) {
  std::map<std::string, std::string> out;
  auto consumer = kafka::Consumer::Open(config, group);
  EXPECT_TRUE(consumer.ok());
  if (!consumer.ok()) return out;
  EXPECT_TRUE((*consumer)->Subscribe({topic}).ok());
  std::vector<kafka::Message> batch;
  // Until `keys` keys are seen and a poll finds nothing more (the newest value of each key).
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE((*consumer)->Poll(100ms, 1000, &batch).ok());
    if (batch.empty() && out.size() >= keys) break;
    for (const auto& m : batch) out[std::string(m.key())] = std::string(m.value());
  }
  (void)(*consumer)->Close();
  return out;
}

class KafkaWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mock_.CreateTopic("trips", 2);
    mock_.CreateTopic("out", 2);
    mock_.CreateTopic("dead", 1);
    mock_.CreateTopic("state", 1);
    test_trips::ProduceTrips(mock_.Config(), "trips", 2, 0, kTrips);
  }

  KafkaWorkerOptions Options(const std::string& group) const {
    KafkaWorkerOptions o;
    o.client = mock_.Config();
    o.group = group;
    o.worker_id = "w";
    o.input_topic = "trips";
    o.output_topic = "out";
    o.dead_letter_topic = "dead";
    o.state_topic = "state";
    o.stream.source_topic = "trips";
    // Nothing goes idle in this test: only event time moves the watermark.
    o.stream.window.idle_timeout = std::chrono::hours(24 * 365);
    o.max_events = kTrips;
    o.duration_s = 120;  // of fake time: a safety stop only
    o.clock = &clock_;
    return o;
  }

  core::Result<KafkaWorkerStats> Run(const KafkaWorkerOptions& options) {
    RecordsCallback after_commit = [this](const std::vector<codec::PredictionRecord>& records) {
      committed_ += static_cast<int64_t>(records.size());
      return core::Status::Ok();
    };
    return RunKafkaWorker(options, nullptr, after_commit, nullptr);
  }

  kafka::MockCluster mock_;
  // Processing time a day after the trips (they are not "in the future"); 10 ms a reading.
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(kTripsBase + 86400)), 10ms};
  int64_t committed_ = 0;
};

TEST_F(KafkaWorkerTest, ConsumesCommitsAndWritesTheStateOfEachPartition) {
  auto stats = Run(Options("g1"));
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->counters.messages, kTrips);
  EXPECT_EQ(stats->counters.accepted, kTrips);
  EXPECT_EQ(stats->counters.late, 0);
  EXPECT_GE(stats->restores, 1);
  EXPECT_GE(stats->transactions, 1);
  EXPECT_EQ(stats->aborted, 0);
  // 40 minutes of trips, lateness 2 minutes: the windows up to ~12 minutes before the last event
  // are closed and published; the rest stays open in the state.
  EXPECT_GT(stats->records_published, 0);
  EXPECT_EQ(committed_, stats->records_published);
  auto published = ReadTopic(mock_.Config(), "out", "reader-out", 1);
  EXPECT_FALSE(published.empty());
  auto states = ReadTopic(mock_.Config(), "state", "reader-state", 2);
  std::set<std::string> keys;
  for (const auto& [k, v] : states) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{StreamStateKey("g1", "trips", 0), StreamStateKey("g1", "trips", 1)}));
  // The newest state of each partition names the input offset it covers (all of it: the input
  // offsets of the two partitions sum to the trips), and holds a processor state.
  int64_t covered = 0;
  for (const auto& [k, v] : states) {
    PositionedState state = DecodePositionedState(v);
    EXPECT_GT(state.next_offset, 0) << k;
    covered += state.next_offset;
    EXPECT_EQ(state.processor_state.substr(0, 5), "TRSS4") << k;
  }
  EXPECT_EQ(covered, kTrips);
}

// Issue 8 item 2: the state topic was keyed by partition only, so a second group restored the
// first group's windows and watermark and dead-lettered every event as late.
TEST_F(KafkaWorkerTest, TwoGroupsOnOneTopicEachRestoreOnlyTheirOwnState) {
  auto first = Run(Options("g1"));
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->counters.late, 0);
  auto second = Run(Options("g2"));
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->counters.accepted, kTrips);
  EXPECT_EQ(second->counters.late, 0);
  EXPECT_EQ(second->records_published, first->records_published);
  auto states = ReadTopic(mock_.Config(), "state", "reader-state", 4);
  EXPECT_EQ(states.size(), 4u);
  // The same group again restores its own state and resumes at the offset stored with it: the
  // mock does not store transactional offsets, so before the state carried its offset the input
  // was replayed from the start and every event the restored windows had closed was late.
  KafkaWorkerOptions third = Options("g1");
  third.max_events = 0;   // there is nothing left to consume: stop after 30 s of fake time,
  third.duration_s = 30;  // which move 100 ms a reading (some 5 s of real polls)
  FakeClock coarse{std::chrono::system_clock::time_point(std::chrono::seconds(kTripsBase + 86400)), 100ms};
  third.clock = &coarse;
  auto again = Run(third);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_GE(again->restores, 1);
  EXPECT_EQ(again->counters.late, 0);
  EXPECT_EQ(again->counters.messages, 0);
  EXPECT_EQ(again->records_published, 0);
}

TEST_F(KafkaWorkerTest, DurationIsTheInjectedClocksTime) {
  KafkaWorkerOptions o = Options("g3");
  o.max_events = 0;  // no other stop
  o.duration_s = 3600;
  clock_.set_tick(10s);  // an hour passes in a few hundred readings
  auto stats = Run(o);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_GE(stats->seconds, 3600);
  EXPECT_LT(stats->seconds, 3600 + 600);
}

}  // namespace
}  // namespace traffic::pipeline
