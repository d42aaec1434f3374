// The stream's topic layout lives in one place: names, partition counts and the state topic's
// compaction configs.
#include "traffic/pipeline/topics.h"

#include <gtest/gtest.h>

#include <map>

namespace traffic::pipeline {
namespace {

TEST(TopicsTest, StreamTopicsHaveTheirPartitionsAndConfigs) {
  KafkaOptions kafka;
  kafka.partitions = 6;
  kafka.replication = 1;
  auto specs = StreamTopicSpecs(TopicNames{}, kafka);
  ASSERT_EQ(specs.size(), 4u);
  std::map<std::string, kafka::TopicSpec> by_name;
  for (const auto& s : specs) by_name[s.name] = s;
  EXPECT_EQ(by_name.at("taxi-trips").partitions, 6);
  EXPECT_EQ(by_name.at("traffic-predictions").partitions, 6);
  EXPECT_EQ(by_name.at("traffic-dead-letter").partitions, 1);
  const auto& state = by_name.at("traffic-stream-state");
  EXPECT_EQ(state.partitions, 1);
  std::map<std::string, std::string> configs(state.configs.begin(), state.configs.end());
  EXPECT_EQ(configs.at("cleanup.policy"), "compact");
  EXPECT_TRUE(by_name.at("taxi-trips").configs.empty());
}

TEST(TopicsTest, NamesAreTheOnesGiven) {
  TopicNames names;
  names.input = "in";
  names.state = "st";
  auto specs = StreamTopicSpecs(names, KafkaOptions{});
  EXPECT_EQ(specs[0].name, "in");
  EXPECT_EQ(specs[3].name, "st");
  EXPECT_EQ(TripsTopicSpec("t", KafkaOptions{}).partitions, 4);
}

TEST(TopicsTest, ListingShowsEveryTopicOnALine) {
  std::string text = FormatTopicSpecs(StreamTopicSpecs(TopicNames{}, KafkaOptions{}));
  EXPECT_NE(text.find("taxi-trips partitions=4 replication=1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("traffic-stream-state partitions=1 replication=1 cleanup.policy=compact"), std::string::npos)
      << text;
}

TEST(TopicsTest, BadPropertyIsAnError) {
  KafkaOptions kafka;
  kafka.properties = {"no-equals-sign"};
  auto config = kafka.ClientConfig();
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("no-equals-sign"), std::string::npos) << config.status().message();
}

}  // namespace
}  // namespace traffic::pipeline
