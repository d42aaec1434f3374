// The Kafka worker against the real broker ($TRAFFIC_BROKERS, default localhost:9092; fails,
// never skips, when none answers): state of two consumer groups on one input topic.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "traffic/kafka/admin.h"
#include "traffic/pipeline/kafka_worker.h"
#include "traffic/pipeline/test_trip_messages.h"

namespace traffic::pipeline {
namespace {

using namespace std::chrono_literals;

kafka::ClientConfig BrokerConfig() {
  kafka::ClientConfig c;
  const char* env = std::getenv("TRAFFIC_BROKERS");
  c.brokers = env && *env ? env : "localhost:9092";
  c.connect_timeout = 15s;
  return c;
}

// Issue 8 item 2: with state keyed by partition only, the second group restored the first's
// windows and watermark. Here g1 has seen the first half of the trips and g2 all of them; g1 then
// resumes (the broker stores its transactional offsets) from its own state, not g2's: nothing is
// late, and g1's two runs publish what g2's one run did.
TEST(KafkaWorkerOnBroker, TwoGroupsOnOneTopicEachRestoreOnlyTheirOwnState) {
  const std::string run = std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
  const std::string in = "kw-in-" + run, out = "kw-out-" + run, dead = "kw-dead-" + run, state = "kw-state-" + run;
  auto admin = kafka::Admin::Open(BrokerConfig());
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  ASSERT_TRUE(
      (*admin)
          ->CreateTopics(
              {{in, 2, 1, {}}, {out, 2, 1, {}}, {dead, 1, 1, {}}, {state, 1, 1, {{"cleanup.policy", "compact"}}}})
          .ok());
  constexpr int kHalf = 120;
  auto options = [&](const std::string& group) {
    KafkaWorkerOptions o;
    o.client = BrokerConfig();
    o.group = group + "-" + run;
    o.worker_id = "w";
    o.input_topic = in;
    o.output_topic = out;
    o.dead_letter_topic = dead;
    o.state_topic = state;
    o.stream.source_topic = in;
    o.stream.window.idle_timeout = std::chrono::hours(24 * 365);
    o.max_events = kHalf;
    o.duration_s = 120;  // a safety stop only
    return o;
  };
  const RecordsCallback none;
  test_trips::ProduceTrips(BrokerConfig(), in, 2, 0, kHalf);
  auto g1_first = RunKafkaWorker(options("g1"), nullptr, none, nullptr);
  ASSERT_TRUE(g1_first.ok()) << g1_first.status().message();
  ASSERT_EQ(g1_first->counters.accepted, kHalf);
  test_trips::ProduceTrips(BrokerConfig(), in, 2, kHalf, kHalf);
  KafkaWorkerOptions all = options("g2");
  all.max_events = 2 * kHalf;
  auto g2 = RunKafkaWorker(all, nullptr, none, nullptr);
  ASSERT_TRUE(g2.ok()) << g2.status().message();
  EXPECT_EQ(g2->counters.accepted, 2 * kHalf);
  EXPECT_EQ(g2->counters.late, 0);
  auto g1_second = RunKafkaWorker(options("g1"), nullptr, none, nullptr);
  ASSERT_TRUE(g1_second.ok()) << g1_second.status().message();
  EXPECT_EQ(g1_second->counters.messages, kHalf);  // resumed after its committed offsets
  EXPECT_EQ(g1_second->counters.late, 0);
  EXPECT_EQ(g1_first->records_published + g1_second->records_published, g2->records_published);
  EXPECT_GT(g2->records_published, 0);
  (void)(*admin)->DeleteTopics({in, out, dead, state});
}

}  // namespace
}  // namespace traffic::pipeline
