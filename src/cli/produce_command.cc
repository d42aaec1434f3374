// traffic produce: trips -> Kafka topic taxi-trips (key = cell_id), paced, idempotent.
#include <fmt/format.h>

#include <chrono>

#include "commands.h"
#include "kafka_shared.h"
#include "traffic/codec/message_key.h"
#include "traffic/codec/trip_message.h"
#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"
#include "traffic/kafka/producer.h"
#include "traffic/pipeline/pacer.h"

namespace traffic::cli {

Command AddProduceCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("produce", "Send trips to Kafka (taxi-trips), paced by --rate or --speedup");
  AddSharedOptions(c, &shared);
  struct Args {
    SourceArgs source;
    KafkaArgs kafka;
    std::string topic = "taxi-trips";
    double duration_s = 0;
  };
  auto a = std::make_shared<Args>();
  AddSourceOptions(c, &a->source);
  AddKafkaOptions(c, &a->kafka);
  c->add_option("--topic", a->topic, "topic to send to")->capture_default_str();
  c->add_option("--duration", a->duration_s, "stop after this many seconds (0: until stopped or the input ends)")
      ->capture_default_str();

  return {c, [&shared, a]() -> int {
            InitLogging(shared);
            InstallStopSignals();
            auto config = KafkaConfig(shared, a->kafka);
            if (!config.ok()) return Fail(config.status(), "produce");
            auto source = MakeSource(shared, a->source);
            if (!source.ok()) return Fail(source.status(), "produce");
            if (auto st = EnsureTopics(*config, a->kafka, {{a->topic, a->kafka.partitions, static_cast<int16_t>(a->kafka.replication), {}}});
                !st.ok()) {
              return Fail(st, "produce");
            }
            auto producer = kafka::Producer::Open(*config, kafka::ProducerOptions{});
            if (!producer.ok()) return Fail(producer.status(), "produce");
            auto partitions = (*producer)->PartitionCount(a->topic);
            if (!partitions.ok()) return Fail(partitions.status(), "produce");
            pipeline::Pacer pacer(a->source.speedup > 0 ? 0 : a->source.rate, a->source.speedup);
            pipeline::StoredTrip trip;
            std::string key, value;
            int64_t sent = 0;
            double last_print = 0;
            const bool tty = ::isatty(STDERR_FILENO) == 1;
            auto started = std::chrono::steady_clock::now();
            auto progress = [&](bool final) {
              double secs = pacer.elapsed_s();
              std::string line = fmt::format("Sent: {} events | Rate: {:.1f}/s | Cell: {} | Speed: {:.1f} mph",
                                             core::WithThousands(sent), secs > 0 ? sent / secs : 0.0,
                                             trip.cell.ToString(), trip.trip.speed_mph());
              if (tty) {
                std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
              } else {
                std::fprintf(stderr, "%s\n", line.c_str());
              }
            };
            core::Status status;
            while (!StopFlag()->load()) {
              if (a->source.max_events > 0 && sent >= a->source.max_events) break;
              if (a->duration_s > 0 &&
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= a->duration_s) {
                break;
              }
              auto more = (*source)->Next(&trip);
              if (!more.ok()) {
                status = more.status();
                break;
              }
              if (!*more) break;
              pacer.Wait(sent, trip.trip.event_time());
              key.clear();
              value.clear();
              codec::AppendCellKey(trip.cell, &key);
              codec::AppendTripMessage(trip.trip, trip.cell, trip.is_manhattan, &value);
              status = (*producer)->Produce(a->topic, key, value, codec::PartitionForCell(trip.cell, *partitions));
              if (!status.ok()) break;
              ++sent;
              double secs = pacer.elapsed_s();
              if (secs - last_print >= (tty ? 0.5 : 5.0)) {
                last_print = secs;
                progress(false);
              }
            }
            // As long as librdkafka keeps a message (message.timeout.ms, 300 s by default): a broker
            // restart at the end delays the exit instead of failing messages that still arrive.
            core::Status flushed = (*producer)->Flush(std::chrono::seconds(310));
            double seconds = pacer.elapsed_s();
            progress(true);
            if (!status.ok()) return Fail(status, "produce");
            if (!flushed.ok()) return Fail(flushed, "produce");
            const auto& stats = (*producer)->stats();
            if (stats.delivery_failures > 0) {
              return Fail(core::Status::IoError(fmt::format("{} message(s) not delivered; first: {}",
                                                            stats.delivery_failures, stats.first_failure)),
                          "produce");
            }
            if (shared.json) {
              core::JsonWriter j;
              j.BeginObject().Key("step").String("produce").Key("topic").String(a->topic);
              j.Key("source").String((*source)->Describe()).Key("sent").Int(sent);
              j.Key("delivered").Int(static_cast<int64_t>(stats.messages_delivered));
              j.Key("bytes").Int(static_cast<int64_t>(stats.bytes_delivered)).Key("seconds").Double(seconds);
              j.Key("rate_per_s").Double(seconds > 0 ? sent / seconds : 0).EndObject();
              fmt::print("{}\n", j.str());
            } else {
              fmt::print("Produced {} events to {} on {} in {:.1f} s ({:.1f}/s), {} delivered\n",
                         core::WithThousands(sent), a->topic, shared.Brokers(), seconds,
                         seconds > 0 ? sent / seconds : 0.0, core::WithThousands(static_cast<int64_t>(stats.messages_delivered)));
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
