// traffic topics list|create: the stream's topics as pipeline/topics.h defines them (names,
// partitions, configs); `scripts/kafka.sh create-topics` calls `traffic topics create`.
#include <fmt/format.h>

#include "commands.h"

namespace traffic::cli {

Command AddTopicsCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("topics", "List or create the Kafka topics of the stream");
  c->require_subcommand(1);
  auto kafka = std::make_shared<pipeline::KafkaOptions>();
  auto names = std::make_shared<pipeline::TopicNames>();
  auto* list = c->add_subcommand("list", "Print each topic: name, partitions, replication, configs");
  auto* create = c->add_subcommand("create", "Create the topics that are missing on --brokers");
  for (auto* sub : {list, create}) {
    AddSharedOptions(sub, &shared, /*offers_hdfs=*/false);
    sub->add_option("--partitions", kafka->partitions, "partitions of the keyed topics")
        ->capture_default_str()
        ->check(kPositive);
    sub->add_option("--replication", kafka->replication, "replication factor")->capture_default_str()->check(kPositive);
  }
  create->add_option("-X", kafka->properties, "librdkafka property key=value (repeatable, as kcat)");

  return {c, [&shared, kafka, names, list]() -> int {
            InitLogging(shared);
            auto specs = pipeline::StreamTopicSpecs(*names, *kafka);
            if (list->parsed()) {
              fmt::print("{}", pipeline::FormatTopicSpecs(specs));
              return kExitOk;
            }
            kafka->brokers = shared.Brokers();
            auto config = kafka->ClientConfig();
            if (!config.ok()) return Fail(shared, config.status(), "topics create");
            if (auto st = pipeline::EnsureTopics(*config, *kafka, specs); !st.ok())
              return Fail(shared, st, "topics create");
            if (!shared.json) fmt::print("{}", pipeline::FormatTopicSpecs(specs));
            return kExitOk;
          }};
}

}  // namespace traffic::cli
