#include "traffic/pipeline/archive_follower.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "traffic/codec/prediction_message.h"
#include "traffic/core/text.h"
#include "traffic/pipeline/prediction_archive.h"

namespace traffic::pipeline {
namespace {

using namespace std::chrono_literals;

}  // namespace

std::string ArchiveFileName(const std::string& topic, int32_t partition, int64_t first, int64_t last) {
  return fmt::format("part-{}-p{}-{:012d}-{:012d}.parquet", topic, partition, first, last);
}

bool ParseArchiveFileName(const std::string& name, const std::string& topic, int32_t* partition, int64_t* first,
                          int64_t* last) {
  const std::string prefix = "part-" + topic + "-p";
  constexpr std::string_view kSuffix = ".parquet";
  if (name.size() <= prefix.size() + kSuffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return false;
  }
  std::string_view rest(name);
  rest = rest.substr(prefix.size(), rest.size() - prefix.size() - kSuffix.size());  // "{p}-{first}-{last}"
  size_t a = rest.find('-');
  size_t b = a == std::string_view::npos ? a : rest.find('-', a + 1);
  if (b == std::string_view::npos || rest.find('-', b + 1) != std::string_view::npos) return false;
  auto p = core::ParseInt(rest.substr(0, a));
  auto f = core::ParseInt(rest.substr(a + 1, b - a - 1));
  auto l = core::ParseInt(rest.substr(b + 1));
  if (!p || !f || !l || *p < 0 || *p > INT32_MAX || *f < 0 || *l < *f) return false;
  *first = *f;
  *last = *l;
  *partition = static_cast<int32_t>(*p);
  return true;
}

ArchiveFollower::ArchiveFollower(fs::FileSystem& fs, ArchiveFollowerOptions options)
    : fs_(fs), options_(std::move(options)) {}

ArchiveFollower::~ArchiveFollower() {
  // Rows still buffered are dropped, not written: the next follower reads them again from the
  // topic (writing them here could race a new owner of the partition).
  if (consumer_) (void)consumer_->Close();
}

core::Result<std::unique_ptr<ArchiveFollower>> ArchiveFollower::Open(fs::FileSystem& fs,
                                                                     const ArchiveFollowerOptions& options) {
  std::unique_ptr<ArchiveFollower> follower(new ArchiveFollower(fs, options));
  TRAFFIC_RETURN_IF_ERROR(fs.MakeDirs(options.streaming_dir));
  // As the worker's consumer: a killed follower's partitions move on after 6 s, not the default 45.
  kafka::ClientConfig config = options.client;
  config.properties.insert(config.properties.begin(),
                           {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "1000"}});
  TRAFFIC_ASSIGN_OR_RETURN(follower->consumer_, kafka::Consumer::Open(config, options.group));
  TRAFFIC_RETURN_IF_ERROR(follower->Subscribe());
  return follower;
}

core::Result<std::map<int32_t, int64_t>> ArchiveFollower::ArchivedPositions() {
  TRAFFIC_ASSIGN_OR_RETURN(auto files, fs_.ListFilesRecursive(options_.streaming_dir, {".parquet"}));
  std::map<int32_t, int64_t> next;
  for (const auto& f : files) {
    int32_t partition;
    int64_t first, last;
    if (!ParseArchiveFileName(f.name, options_.topic, &partition, &first, &last)) continue;
    int64_t& at = next.try_emplace(partition, kafka::kOffsetBeginning).first->second;
    at = std::max(at, last + 1);
  }
  return next;
}

core::Status ArchiveFollower::Subscribe() {
  kafka::RebalanceCallbacks callbacks;
  callbacks.on_assign = [this](std::vector<kafka::TopicPartition>& tps) {
    auto positions = ArchivedPositions();
    if (!positions.ok()) {
      error_ = positions.status().WithContext("archive positions in " + options_.streaming_dir);
      return;
    }
    for (auto& tp : tps) {
      auto it = positions->find(tp.partition);
      tp.offset = it == positions->end() ? kafka::kOffsetBeginning : it->second;
      next_[tp.partition] = it == positions->end() ? 0 : it->second;
      pending_.try_emplace(tp.partition, Pending{"", -1, -1, parquet::ColumnBatch(PredictionTableSchema())});
    }
  };
  callbacks.on_revoke = [this](const std::vector<kafka::TopicPartition>& tps, bool) {
    for (const auto& tp : tps) {
      pending_.erase(tp.partition);  // the next owner reads them again
      next_.erase(tp.partition);
    }
  };
  return consumer_->Subscribe({options_.topic}, callbacks);
}

core::Status ArchiveFollower::Roll(int32_t partition, Pending& pending) {
  if (pending.rows.num_rows() == 0) return core::Status::Ok();
  const std::string path =
      fs::JoinPath(options_.streaming_dir,
                   pending.hour + "/" + ArchiveFileName(options_.topic, partition, pending.first, pending.last));
  TRAFFIC_RETURN_IF_ERROR(WritePredictionFile(fs_, path, pending.rows));
  rows_written_ += static_cast<int64_t>(pending.rows.num_rows());
  ++files_written_;
  pending.rows.Clear();
  pending.first = pending.last = -1;
  pending.hour.clear();
  return core::Status::Ok();
}

core::Status ArchiveFollower::Consume(const std::vector<kafka::Message>& messages) {
  codec::PredictionRecord record;
  for (const auto& m : messages) {
    auto it = pending_.find(m.partition());
    if (it == pending_.end()) continue;  // revoked in this poll
    Pending& pending = it->second;
    if (m.offset() <= pending.last) continue;  // already buffered (a seek back)
    next_[m.partition()] = m.offset() + 1;
    auto decoded = decoder_.Decode(m.value(), &record);
    if (!decoded.ok()) {
      // The worker wrote it; a record the archive cannot read is a bug to see, not to drop.
      return core::Status::Corrupt(fmt::format("{}[{}]@{}: not a prediction record: {}", options_.topic, m.partition(),
                                               m.offset(), decoded.reason()));
    }
    std::string hour = ArchiveHourOf(record.window_start);
    if (hour != pending.hour || static_cast<int64_t>(pending.rows.num_rows()) >= options_.roll_rows) {
      TRAFFIC_RETURN_IF_ERROR(Roll(m.partition(), pending));
      pending.hour = hour;
    }
    if (pending.first < 0) pending.first = m.offset();
    pending.last = m.offset();
    AppendPredictionRow(record, &pending.rows);
  }
  return core::Status::Ok();
}

core::Status ArchiveFollower::Poll(std::chrono::milliseconds timeout) {
  std::vector<kafka::Message> messages;
  TRAFFIC_RETURN_IF_ERROR(consumer_->Poll(timeout, 10000, &messages));
  TRAFFIC_RETURN_IF_ERROR(error_);
  return Consume(messages);
}

core::Status ArchiveFollower::Finish(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::map<int32_t, int64_t> ends;
  auto idle_since = std::chrono::steady_clock::now();
  while (true) {
    const int64_t before = rows_buffered();
    TRAFFIC_RETURN_IF_ERROR(Poll(100ms));
    if (rows_buffered() != before) idle_since = std::chrono::steady_clock::now();
    const bool idle = std::chrono::steady_clock::now() - idle_since >= 2s;
    auto assigned = consumer_->Assignment();
    if (assigned.ok() && !assigned->empty()) {
      bool done = true;
      std::vector<kafka::TopicPartition> tps;
      for (const auto& tp : *assigned) {
        if (!ends.contains(tp.partition)) {
          TRAFFIC_ASSIGN_OR_RETURN(ends[tp.partition], consumer_->HighWatermark(options_.topic, tp.partition, 10s));
        }
        tps.push_back({options_.topic, tp.partition, kafka::kOffsetInvalid});
      }
      TRAFFIC_ASSIGN_OR_RETURN(auto positions, consumer_->Position(tps));
      for (const auto& p : positions) {
        // Where reading is: the consumer's position, or (before any fetch) past what is archived
        // or buffered. Transaction markers take offsets too: the end is passed only by fetching
        // past the last one, which a follower that starts right before it may never do, so one
        // offset short of the end counts once nothing has arrived for a while.
        auto it = next_.find(p.partition);
        const int64_t at = std::max(p.offset, it == next_.end() ? int64_t{0} : it->second);
        const int64_t end = ends[p.partition];
        if (at < end && !(idle && at >= end - 1)) done = false;
      }
      if (done) break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return core::Status::Unavailable(fmt::format("archiving {} to its end took over {} s", options_.topic,
                                                   std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
    }
  }
  for (auto& [partition, pending] : pending_) TRAFFIC_RETURN_IF_ERROR(Roll(partition, pending));
  return core::Status::Ok();
}

int64_t ArchiveFollower::rows_buffered() const {
  int64_t n = 0;
  for (const auto& [partition, pending] : pending_) n += static_cast<int64_t>(pending.rows.num_rows());
  return n + rows_written_;  // moves whenever a record arrives, rolled or not
}

}  // namespace traffic::pipeline
