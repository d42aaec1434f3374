// `traffic produce` resumes after the events already in its topic (issue 8 item 3).
//
// Why resume (and not `--start now`): the stream's watermark is restored from its state topic,
// so after a restart it only accepts events after the last ones it saw. A producer that starts
// again at its first day makes every event late (all dead-lettered). Resuming keeps event time
// moving forward across producer restarts, keeps the data reproducible (same seed, same days,
// same calendar as the batch history; a wall-clock start would make the trips depend on when
// the command ran), and also continues a file replay that was interrupted without sending its
// first part twice. An explicit --start (or --no-resume) still replays on purpose.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "traffic/core/status.h"
#include "traffic/generate/generator.h"
#include "traffic/kafka/client.h"
#include "traffic/pipeline/trip_source.h"

namespace traffic::pipeline {

// The newest event_time among the last `per_partition` messages of each partition of `topic`
// (committed ones), read with a throwaway consumer group. Messages that are not taxi-trips
// messages are ignored. nullopt when the topic holds no event. Errors name the topic.
core::Result<std::optional<core::UtcTime>> LastEventTime(const kafka::ClientConfig& config, const std::string& topic,
                                                         int per_partition = 64,
                                                         std::chrono::seconds timeout = std::chrono::seconds(60));

// The generator options that produce the trips after `last`: the same seed and trips per day,
// starting at the New York local day of `last` (the days before it are not generated again),
// as many days left as the original range had. Unchanged when `last` is before options.start.
generate::GeneratorOptions ResumeGenerator(generate::GeneratorOptions options, core::UtcTime last);

// A source that skips every trip with event_time <= last, then passes the rest through.
// skipped() counts what it dropped.
class ResumedSource : public TripSource {
 public:
  ResumedSource(std::unique_ptr<TripSource> source, core::UtcTime last);
  core::Result<bool> Next(StoredTrip* out) override;
  std::string Describe() const override;
  int64_t skipped() const { return skipped_; }

 private:
  std::unique_ptr<TripSource> source_;
  core::UtcTime last_;
  bool skipping_ = true;
  int64_t skipped_ = 0;
};

}  // namespace traffic::pipeline
