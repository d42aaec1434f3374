#include "traffic/pipeline/produce_resume.h"

#include <map>
#include <thread>

#include "traffic/codec/trip_message.h"
#include "traffic/kafka/consumer.h"

namespace traffic::pipeline {

using namespace std::chrono_literals;

core::Result<std::optional<core::UtcTime>> LastEventTime(const kafka::ClientConfig& config, const std::string& topic,
                                                         int per_partition, std::chrono::seconds timeout) {
  const std::string group =
      "traffic-produce-resume-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  TRAFFIC_ASSIGN_OR_RETURN(auto reader, kafka::Consumer::Open(config, group));
  std::map<int32_t, int64_t> ends;  // partition -> high watermark
  std::optional<core::Status> assign_error;
  kafka::RebalanceCallbacks cb;
  cb.on_assign = [&](std::vector<kafka::TopicPartition>& tps) {
    for (auto& tp : tps) {
      // A topic created a moment ago may have no leader yet ("Not leader for partition"): ask
      // again for a while before giving up.
      auto end = reader->HighWatermark(topic, tp.partition, 10s);
      for (int attempt = 0; !end.ok() && attempt < 20; ++attempt) {
        std::this_thread::sleep_for(250ms);
        end = reader->HighWatermark(topic, tp.partition, 10s);
      }
      if (!end.ok()) {
        assign_error = end.status();
        continue;
      }
      ends[tp.partition] = *end;
      tp.offset = std::max<int64_t>(0, *end - per_partition);
    }
  };
  TRAFFIC_RETURN_IF_ERROR(reader->Subscribe({topic}, cb).WithContext("reading the last events of " + topic));
  codec::TripDecoder decoder;
  codec::TripMessage message;
  std::optional<core::UtcTime> last;
  std::vector<kafka::Message> messages;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    TRAFFIC_RETURN_IF_ERROR(reader->Poll(100ms, 10000, &messages).WithContext("reading the last events of " + topic));
    if (assign_error) return assign_error->WithContext("reading the last events of " + topic);
    for (const auto& m : messages) {
      if (!decoder.Decode(m.value(), &message).ok()) continue;
      core::UtcTime t = message.trip.event_time();
      if (!last || t > *last) last = t;
    }
    auto assigned = reader->Assignment();
    if (assigned.ok() && !assigned->empty()) {
      bool done = true;
      std::vector<kafka::TopicPartition> tps;
      for (const auto& tp : *assigned) tps.push_back({topic, tp.partition, kafka::kOffsetInvalid});
      TRAFFIC_ASSIGN_OR_RETURN(auto positions, reader->Position(tps));
      for (const auto& p : positions) {
        int64_t end = ends.count(p.partition) ? ends[p.partition] : 0;
        // Transaction markers take offsets too: a position may reach the end only past them.
        if (end > 0 && (p.offset < 0 || p.offset < end)) done = false;
      }
      if (done && ends.size() == assigned->size()) break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return core::Status::Unavailable("reading the last events of " + topic + " took over " +
                                       std::to_string(timeout.count()) + " s");
    }
  }
  TRAFFIC_RETURN_IF_ERROR(reader->Close());
  return last;
}

generate::GeneratorOptions ResumeGenerator(generate::GeneratorOptions options, core::UtcTime last) {
  core::LocalDateTime day = core::UtcToNewYork(last);
  const int64_t start_day =
      core::LocalToEpochSeconds({options.start.year, options.start.month, options.start.day, 0, 0, 0}) / 86400;
  const int64_t last_day = core::LocalToEpochSeconds({day.year, day.month, day.day, 0, 0, 0}) / 86400;
  if (last_day <= start_day) return options;
  // The day before the last event's: trips picked up late that day end after it.
  const int64_t from = last_day - 1;
  if (from <= start_day) return options;
  options.days = static_cast<int>(std::max<int64_t>(1, options.days - (from - start_day)));
  options.start = core::EpochSecondsToLocal(from * 86400);
  options.start.hour = options.start.minute = options.start.second = 0;
  return options;
}

ResumedSource::ResumedSource(std::unique_ptr<TripSource> source, core::UtcTime last)
    : source_(std::move(source)), last_(last) {}

core::Result<bool> ResumedSource::Next(StoredTrip* out) {
  while (true) {
    TRAFFIC_ASSIGN_OR_RETURN(bool more, source_->Next(out));
    if (!more || !skipping_) return more;
    if (out->trip.event_time() > last_) {
      skipping_ = false;  // event-time order: everything after this is later too
      return true;
    }
    ++skipped_;
  }
}

std::string ResumedSource::Describe() const {
  return source_->Describe() + ", after " + core::FormatIsoUtc(last_) + " (the topic's last event)";
}

}  // namespace traffic::pipeline
