#include "traffic/pipeline/produce_resume.h"

#include <gtest/gtest.h>

#include "traffic/fs/file_system.h"
#include "traffic/pipeline/reference_data.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::pipeline {
namespace {

class ListSource : public TripSource {
 public:
  explicit ListSource(std::vector<int64_t> times) : times_(std::move(times)) {}
  core::Result<bool> Next(StoredTrip* out) override {
    if (next_ == times_.size()) return false;
    out->trip.dropoff_time = core::FromEpochSeconds(times_[next_++]);
    return true;
  }
  std::string Describe() const override { return "list"; }

 private:
  std::vector<int64_t> times_;
  size_t next_ = 0;
};

TEST(ResumedSource, SkipsEveryTripUpToTheLastEventThenPassesTheRest) {
  ResumedSource source(std::make_unique<ListSource>(std::vector<int64_t>{10, 20, 30, 30, 31, 40}),
                       core::FromEpochSeconds(30));
  StoredTrip t;
  std::vector<int64_t> got;
  while (true) {
    ASSERT_OK_AND_ASSIGN(bool more, source.Next(&t));
    if (!more) break;
    got.push_back(core::ToEpochSeconds(t.trip.event_time()));
  }
  EXPECT_EQ(got, (std::vector<int64_t>{31, 40}));
  EXPECT_EQ(source.skipped(), 4);
  EXPECT_NE(source.Describe().find("after 1970-01-01T00:00:30Z"), std::string::npos);
}

TEST(ResumeGenerator, StartsTheDayBeforeTheLastEventAndKeepsTheRange) {
  generate::GeneratorOptions g;
  g.start = {2016, 1, 4, 0, 0, 0};
  g.days = 365;
  auto resumed = ResumeGenerator(g, core::NewYorkToUtc({2016, 1, 10, 7, 30, 0}));
  EXPECT_EQ(resumed.start.year, 2016);
  EXPECT_EQ(resumed.start.month, 1);
  EXPECT_EQ(resumed.start.day, 9);
  EXPECT_EQ(resumed.days, 360);
  EXPECT_EQ(resumed.seed, g.seed);
  // A last event before (or on the day after) the start changes nothing.
  auto same = ResumeGenerator(g, core::NewYorkToUtc({2016, 1, 5, 7, 30, 0}));
  EXPECT_EQ(same.start.day, 4);
  EXPECT_EQ(same.days, 365);
}

// Regression (issue 8): a restarted `produce --synthetic` began again at its first day. Resumed,
// its first event follows the topic's last one closely (the day before is generated too, so the
// trips in flight at that instant are there).
TEST(ResumeGenerator, TheResumedSyntheticStreamContinuesRightAfterTheLastEvent) {
  generate::GeneratorOptions g;
  g.start = {2016, 1, 4, 0, 0, 0};
  g.days = 30;
  g.trips_per_day = 20000;
  const core::UtcTime last = core::NewYorkToUtc({2016, 1, 8, 9, 15, 0});
  auto local = fs::MakeLocalFileSystem();
  ASSERT_OK_AND_ASSIGN(auto reference,
                       LoadReferenceData(*local, std::string(TRAFFIC_SHARED_DIR) + "/data/geo", Needs::kAlsoLand));
  ResumedSource source(MakeSyntheticSource(ResumeGenerator(g, last), reference), last);
  StoredTrip t;
  ASSERT_OK_AND_ASSIGN(bool more, source.Next(&t));
  ASSERT_TRUE(more);
  EXPECT_GT(t.trip.event_time(), last);
  EXPECT_LT(t.trip.event_time(), last + std::chrono::seconds(60));
  int64_t within_minute = 0;
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK_AND_ASSIGN(more, source.Next(&t));
    ASSERT_TRUE(more);
    within_minute += t.trip.event_time() < last + std::chrono::minutes(2);
  }
  EXPECT_GT(within_minute, 10);  // a steady stream, not a thin warm-up
}

}  // namespace
}  // namespace traffic::pipeline
