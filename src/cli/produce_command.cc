// traffic produce: trips -> Kafka topic taxi-trips (key = cell_id), paced, idempotent:
// pipeline::ProduceToKafka.
#include <fmt/format.h>
#include <unistd.h>

#include "commands.h"
#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"

namespace traffic::cli {

Command AddProduceCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("produce", "Send trips to Kafka (taxi-trips), paced by --rate or --speedup");
  AddSharedOptions(c, &shared);
  auto options = std::make_shared<pipeline::KafkaProduceOptions>();
  AddSourceOptions(c, &options->source, &options->produce);
  AddKafkaOptions(c, &options->kafka);
  c->add_option("--topic", options->topic, "topic to send to")->capture_default_str();
  AddDurationOption(c, &options->produce.duration_s,
                    "stop after this many seconds (0: until stopped or the input ends)");
  c->add_flag("!--no-resume", options->resume,
              "send from the source's start even when the topic already holds later events (by default produce "
              "resumes after the topic's last event, so a restored stream does not see a replay as late; an "
              "explicit --start also replays from there)");

  return {c, [&shared, options, c]() -> int {
            InitLogging(shared);
            InstallStopSignals();
            options->kafka.brokers = shared.Brokers();
            options->source.geo_dir = shared.geo_dir;
            if (shared.hdfs) {  // --input names files on HDFS (raw CSVs or a processed/ folder)
              auto hdfs = LayoutFileSystem(shared);
              if (!hdfs.ok()) return Fail(shared, hdfs.status(), "produce");
              options->source.input_fs = std::move(*hdfs);
            }
            if (options->source.synthetic && c->count("--start") > 0) options->resume = false;  // a replay on purpose
            const bool tty = ::isatty(STDERR_FILENO) == 1;
            options->produce.progress_interval_s = tty ? 0.5 : 5.0;
            auto progress = [tty](const pipeline::ProduceProgress& p) {
              std::string line = fmt::format("Sent: {} events | Rate: {:.1f}/s | Cell: {} | Speed: {:.1f} mph",
                                             core::WithThousands(p.sent), p.seconds > 0 ? p.sent / p.seconds : 0.0,
                                             p.last.cell.ToString(), p.last.trip.speed_mph());
              if (tty) {
                std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), p.final ? "\n" : "");
              } else {
                std::fprintf(stderr, "%s\n", line.c_str());
              }
            };
            auto s = pipeline::ProduceToKafka(*options, progress, StopFlag());
            if (!s.ok()) return Fail(shared, s.status(), "produce");
            if (s->resumed_after) {
              std::fprintf(stderr,
                           "traffic produce: %s already held events up to %s: resumed after it "
                           "(--no-resume or --start to replay)\n",
                           s->topic.c_str(), core::FormatIsoUtc(*s->resumed_after).c_str());
            }
            const double seconds = s->produce.seconds;
            const int64_t sent = s->produce.sent;
            if (shared.json) {
              core::JsonWriter j;
              j.BeginObject().Key("step").String("produce").Key("topic").String(s->topic);
              j.Key("source").String(s->source).Key("sent").Int(sent);
              j.Key("delivered").Int(s->delivered);
              j.Key("bytes").Int(s->bytes_delivered).Key("seconds").Double(seconds);
              j.Key("rate_per_s").Double(seconds > 0 ? sent / seconds : 0).Key("resumed_after");
              if (s->resumed_after) {
                j.String(core::FormatIsoUtc(*s->resumed_after));
              } else {
                j.Null();
              }
              j.EndObject();
              fmt::print("{}\n", j.str());
            } else {
              fmt::print("Produced {} events to {} on {} in {:.1f} s ({:.1f}/s), {} delivered\n",
                         core::WithThousands(sent), s->topic, s->brokers, seconds, seconds > 0 ? sent / seconds : 0.0,
                         core::WithThousands(s->delivered));
            }
            return kExitOk;
          }};
}

}  // namespace traffic::cli
