// The one produce loop (used by `traffic produce` and `stream --embedded`): what it sends, when
// it stops, how it paces, and that failures of the source or the sink are the error.
#include "traffic/pipeline/produce.h"

#include <gtest/gtest.h>

#include "traffic/codec/message_key.h"

namespace traffic::pipeline {
namespace {

class VectorSource : public TripSource {
 public:
  explicit VectorSource(int n, int fail_at = -1) : fail_at_(fail_at) {
    for (int i = 0; i < n; ++i) {
      StoredTrip s;
      s.trip.pickup_time = core::FromEpochSeconds(1451606400 + 60 * i);
      s.trip.dropoff_time = s.trip.pickup_time + std::chrono::seconds(600);
      s.trip.pickup_lat = 40.758;
      s.trip.pickup_lon = -73.9855;
      s.trip.dropoff_lat = 40.75;
      s.trip.dropoff_lon = -73.99;
      s.trip.distance_mi = 2;
      s.trip.event_id = static_cast<uint64_t>(i + 1);
      s.cell = {28, static_cast<int16_t>(27 + i % 3)};
      trips_.push_back(s);
    }
  }
  core::Result<bool> Next(StoredTrip* out) override {
    if (next_ == fail_at_) return core::Status::IoError("source broke at " + std::to_string(next_));
    if (next_ >= static_cast<int>(trips_.size())) return false;
    *out = trips_[static_cast<size_t>(next_++)];
    return true;
  }
  std::string Describe() const override { return "vector"; }

 private:
  std::vector<StoredTrip> trips_;
  int next_ = 0;
  int fail_at_;
};

struct Sent {
  int32_t partition;
  std::string key;
  std::string value;
};

class RecordingSink : public TripMessageSink {
 public:
  explicit RecordingSink(int32_t partitions, int fail_at = -1) : partitions_(partitions), fail_at_(fail_at) {}
  int32_t partitions() const override { return partitions_; }
  core::Status Send(int32_t partition, std::string_view key, std::string_view value) override {
    if (static_cast<int>(sent.size()) == fail_at_) return core::Status::Unavailable("sink is down");
    sent.push_back({partition, std::string(key), std::string(value)});
    return core::Status::Ok();
  }
  core::Status Flush() override {
    ++flushes;
    return core::Status::Ok();
  }
  std::vector<Sent> sent;
  int flushes = 0;

 private:
  int32_t partitions_;
  int fail_at_;
};

ProduceOptions FlatOut() {
  ProduceOptions o;
  o.rate = 0;
  return o;
}

TEST(ProduceTest, SendsEveryTripKeyedAndPartitionedByCell) {
  VectorSource source(9);
  RecordingSink sink(4);
  auto stats = Produce(source, sink, FlatOut(), nullptr, nullptr);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->sent, 9);
  ASSERT_EQ(sink.sent.size(), 9u);
  EXPECT_EQ(sink.flushes, 1);
  for (size_t i = 0; i < sink.sent.size(); ++i) {
    geo::CellId cell{28, static_cast<int16_t>(27 + i % 3)};
    EXPECT_EQ(sink.sent[i].key, cell.ToString());
    EXPECT_EQ(sink.sent[i].partition, codec::PartitionForCell(cell, 4));
    EXPECT_NE(sink.sent[i].value.find("\"cell_id\":\"" + cell.ToString() + "\""), std::string::npos)
        << sink.sent[i].value;
  }
}

TEST(ProduceTest, StopsAtMaxEventsOrWhenStopped) {
  VectorSource source(9);
  RecordingSink sink(4);
  ProduceOptions options = FlatOut();
  options.max_events = 5;
  EXPECT_EQ(Produce(source, sink, options, nullptr, nullptr)->sent, 5);

  VectorSource again(9);
  RecordingSink none(4);
  std::atomic<bool> stop{true};
  EXPECT_EQ(Produce(again, none, FlatOut(), nullptr, &stop)->sent, 0);
  EXPECT_EQ(none.flushes, 1);
}

TEST(ProduceTest, SourceAndSinkFailuresAreTheErrorAfterAFlush) {
  VectorSource broken(9, 3);
  RecordingSink sink(4);
  auto r = Produce(broken, sink, FlatOut(), nullptr, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("source broke at 3"), std::string::npos);
  EXPECT_EQ(sink.sent.size(), 3u);
  EXPECT_EQ(sink.flushes, 1);

  VectorSource source(9);
  RecordingSink down(4, 2);
  auto d = Produce(source, down, FlatOut(), nullptr, nullptr);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(down.flushes, 1);
}

TEST(ProduceTest, ProgressEndsWithAFinalCall) {
  VectorSource source(4);
  RecordingSink sink(2);
  std::vector<ProduceProgress> calls;
  ProduceOptions options = FlatOut();
  options.progress_interval_s = 0;
  ASSERT_TRUE(Produce(
                  source, sink, options, [&](const ProduceProgress& p) { calls.push_back(p); }, nullptr)
                  .ok());
  ASSERT_FALSE(calls.empty());
  EXPECT_TRUE(calls.back().final);
  EXPECT_EQ(calls.back().sent, 4);
  EXPECT_EQ(calls.back().last.trip.event_id, 4u);
}

// Regression (issue 8 item 16): with --speedup, the default --rate (100/s) held the embedded
// stream's pace; the speedup now wins wherever Produce runs.
TEST(ProduceTest, SpeedupWinsOverTheDefaultRate) {
  ProduceOptions options;  // rate 100 by default
  options.speedup = 60;
  Pacer pacer = options.MakePacer();
  EXPECT_EQ(pacer.rate(), 0);
  EXPECT_EQ(pacer.speedup(), 60);
  ProduceOptions rate_only;
  EXPECT_EQ(rate_only.MakePacer().rate(), 100);
}

}  // namespace
}  // namespace traffic::pipeline
