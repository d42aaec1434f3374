#include "traffic/dashboard/store.h"

#include <gtest/gtest.h>

#include "traffic/dashboard/api.h"

namespace traffic::dashboard {
namespace {

using window::CongestionLevel;

core::UtcTime T(int64_t minute) { return core::FromEpochSeconds(1452816000 + minute * 60); }  // 2016-01-15T00:00Z

codec::PredictionRecord Rec(const char* cell, int64_t minute, int64_t trips, double speed,
                            std::optional<CongestionLevel> f15 = std::nullopt, double conf = 0.5) {
  codec::PredictionRecord r;
  r.cell = *geo::CellId::Parse(cell);
  r.window_start = T(minute);
  r.window_end = T(minute + 1);
  r.trip_count = trips;
  r.avg_speed_mph = speed;
  r.congestion_level = window::LevelFor(speed);
  if (f15) {
    r.model_version = "v1";
    r.forecasts[0] = codec::HorizonForecast{*f15, conf};
  }
  return r;
}

bool Has(const std::string& body, const std::string& part) { return body.find(part) != std::string::npos; }

TEST(WindowStoreTest, KeepsOrderReplacesDuplicatesAndEvictsByEventTime) {
  StoreOptions o;
  o.retention = std::chrono::minutes(10);
  WindowStore store(o);
  store.Add({Rec("28_27", 0, 2, 8), Rec("28_27", 2, 3, 12), Rec("28_27", 1, 1, 30)}, 1000, nullptr);
  const auto* w = store.Windows(*geo::CellId::Parse("28_27"));
  ASSERT_EQ(w->size(), 3u);
  EXPECT_LT((*w)[0].start_s, (*w)[1].start_s);
  EXPECT_LT((*w)[1].start_s, (*w)[2].start_s);
  store.Add({Rec("28_27", 1, 5, 40)}, 1100, nullptr);  // same window again: replaced
  EXPECT_EQ(store.windows_retained(), 3u);
  EXPECT_EQ((*w)[1].trip_count, 5);
  store.Add({Rec("1_1", 12, 1, 15)}, 1200, nullptr);  // newest end 13: windows ending <= 3 go
  EXPECT_EQ(w->size(), 0u);
  EXPECT_EQ(store.cells(), 1u);
  EXPECT_EQ(store.windows_retained(), 1u);
  EXPECT_EQ(core::FormatIsoUtc(*store.as_of()), "2016-01-15T00:13:00Z");
}

// The server caches /api/cells per generation: every change of what it answers moves it.
TEST(WindowStoreTest, GenerationMovesWithWhatCellsAnswers) {
  WindowStore store({}, {});
  uint64_t g0 = store.generation();
  auto before = CellsReply(store, {}).body;
  store.Add({Rec("28_27", 0, 2, 8)}, 0, nullptr);
  EXPECT_GT(store.generation(), g0);
  EXPECT_NE(CellsReply(store, {}).body, before);
  uint64_t g1 = store.generation();
  store.Add({}, 0, nullptr);  // nothing added: nothing changes
  EXPECT_EQ(store.generation(), g1);
  store.SetModel("v2", "{}", {}, nullptr);
  EXPECT_GT(store.generation(), g1);
}

TEST(WindowStoreTest, BoundedPerCell) {
  StoreOptions o;
  o.max_windows_per_cell = 5;
  WindowStore store(o);
  for (int m = 0; m < 20; ++m) store.Add({Rec("3_4", m, 1, 15)}, m, nullptr);
  EXPECT_EQ(store.windows_retained(), 5u);
  EXPECT_EQ(store.Windows(*geo::CellId::Parse("3_4"))->front().start_s, core::ToEpochSeconds(T(15)));
}

TEST(WindowStoreTest, RingResumesAfterASequenceNumber) {
  StoreOptions o;
  o.ring_events = 3;
  WindowStore store(o);
  std::vector<SeqEvent> events;
  for (int m = 0; m < 5; ++m) store.Add({Rec("3_4", m, 1, 15)}, m, &events);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[4].seq, 5u);
  auto after = store.EventsAfter(3);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0]->seq, 4u);
  EXPECT_EQ(store.EventsAfter(0).size(), 3u);  // older ones left the ring
  EXPECT_TRUE(store.EventsAfter(5).empty());
  EXPECT_TRUE(Has(events[0].json, "\"cell_id\":\"3_4\""));
}

// A forecast persistence made (the model lost that horizon) says so in the API.
TEST(ApiTest, EachForecastSaysWhoMadeIt) {
  WindowStore store({}, {});
  auto r = Rec("28_27", 0, 4, 8.25, CongestionLevel::kHigh, 0.75);
  r.forecasts[1] = codec::HorizonForecast{CongestionLevel::kMedium, 0.6, codec::ForecastSource::kPersistence};
  store.Add({r}, 0, nullptr);
  auto all = CellsReply(store, {});
  EXPECT_TRUE(Has(all.body, "\"15\":{\"level\":\"High\",\"confidence\":0.75,\"source\":\"model\"}")) << all.body;
  EXPECT_TRUE(Has(all.body, "\"source\":\"persistence\"}")) << all.body;
}

TEST(ApiTest, CellsFiltersAndBadParameters) {
  WindowStore store({}, {});
  store.Add({Rec("28_27", 0, 4, 8.25, CongestionLevel::kHigh, 0.75), Rec("10_10", 0, 1, 25)}, 0, nullptr);
  auto all = CellsReply(store, {});
  EXPECT_EQ(all.status, 200);
  EXPECT_TRUE(Has(all.body, "\"cell_id\":\"28_27\""));
  EXPECT_TRUE(Has(all.body, "\"avg_speed\":8.25"));
  EXPECT_TRUE(Has(all.body, "\"15\":{\"level\":\"High\",\"confidence\":0.75"));
  EXPECT_TRUE(
      Has(all.body, "\"square\":[[-73.9891,40.7574],[-73.9791,40.7574],[-73.9791,40.7674],[-73.9891,40.7674]]"));
  auto high = CellsReply(store, {{"level", "High"}});
  EXPECT_TRUE(Has(high.body, "28_27"));
  EXPECT_FALSE(Has(high.body, "10_10"));
  EXPECT_FALSE(Has(CellsReply(store, {{"min_trips", "2"}}).body, "10_10"));
  auto box = CellsReply(store, {{"bbox", "-74.00,40.75,-73.97,40.77"}});
  EXPECT_TRUE(Has(box.body, "28_27"));
  EXPECT_FALSE(Has(box.body, "10_10"));

  auto bad = CellsReply(store, {{"level", "Severe"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(Has(bad.body, "'level'"));
  EXPECT_TRUE(Has(bad.body, "Low, Medium, High"));
  EXPECT_EQ(CellsReply(store, {{"min_trips", "-1"}}).status, 400);
  EXPECT_EQ(CellsReply(store, {{"min_trips", "2x"}}).status, 400);
  EXPECT_EQ(CellsReply(store, {{"bbox", "1,2,3"}}).status, 400);
  EXPECT_EQ(CellsReply(store, {{"bbox", "3,2,1,4"}}).status, 400);
  auto unknown = CellsReply(store, {{"levle", "High"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_TRUE(Has(unknown.body, "'levle'"));
}

TEST(ApiTest, CellHistoryForecastMadeAndObservedOver) {
  WindowStore store;
  // Minute 0: a forecast of High for [1, 16). Minutes 1..15: observed windows.
  std::vector<codec::PredictionRecord> recs = {Rec("28_27", 0, 2, 15, CongestionLevel::kHigh, 0.6)};
  for (int m = 1; m <= 15; ++m) recs.push_back(Rec("28_27", m, 1, m <= 10 ? 5.0 : 35.0));
  store.Add(recs, 0, nullptr);
  auto r = CellReply(store, "28_27", {});
  ASSERT_EQ(r.status, 200) << r.body;
  // The window ending at minute 16 shows the forecast made at minute 1 (the end of window 0).
  EXPECT_TRUE(Has(r.body,
                  "\"window_end\":\"2016-01-15T00:16:00Z\",\"trip_count\":1,\"avg_speed\":35,"
                  "\"congestion_level\":\"Low\",\"typical_speed\":null,\"forecast_made\":{\"15\":{\"level\":"
                  "\"High\",\"confidence\":0.6000000238418579,\"source\":\"model\",\"made_at\":"
                  "\"2016-01-15T00:01:00Z\"}"));
  // Trips in [1, 16): 10 at 5 mph, 5 at 35 mph -> mean 15 -> Medium.
  EXPECT_TRUE(Has(r.body, "\"observed_over\":{\"15\":\"Medium\",\"30\":\"Medium\",\"60\":\"Medium\"}}]"));
  auto missing = CellReply(store, "99_99", {});
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(Has(missing.body, "unknown cell id '99_99'"));
  EXPECT_EQ(CellReply(store, "abc", {}).status, 404);
  auto empty = CellReply(store, "1_1", {});
  EXPECT_EQ(empty.status, 404);
  EXPECT_TRUE(Has(empty.body, "'1_1'"));
  auto bad = CellReply(store, "28_27", {{"from", "yesterday"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(Has(bad.body, "'from'"));
  EXPECT_EQ(CellReply(store, "28_27", {{"from", "2016-01-15T01:00:00Z"}, {"to", "2016-01-15T00:00:00Z"}}).status, 400);
}

TEST(ApiTest, HotspotsTrendAndHistory) {
  WindowStore store;
  std::vector<codec::PredictionRecord> recs;
  for (int m = 0; m < 15; ++m) {
    recs.push_back(Rec("5_5", m, 1, 20.0 - m));  // slowing down: worsening
    recs.push_back(Rec("6_6", m, 1, 10.0 + m));  // speeding up
  }
  recs.push_back(Rec("7_7", 14, 2, 1));  // only 2 trips: not a hotspot
  store.Add(recs, 0, nullptr);
  auto h = HotspotsReply(store, {{"n", "5"}});
  ASSERT_EQ(h.status, 200);
  EXPECT_FALSE(Has(h.body, "7_7"));
  auto p5 = h.body.find("\"cell_id\":\"5_5\"");
  auto p6 = h.body.find("\"cell_id\":\"6_6\"");
  ASSERT_NE(p5, std::string::npos);
  EXPECT_LT(p5, p6);  // 5_5 is slower over the 15 minutes (13 vs 17 mph)
  EXPECT_TRUE(Has(h.body, "\"trend\":\"worsening\",\"trend_mph_per_10min\":-10"));
  EXPECT_TRUE(Has(h.body, "\"trend\":\"improving\",\"trend_mph_per_10min\":10"));
  EXPECT_EQ(HotspotsReply(store, {{"n", "0"}}).status, 400);
  EXPECT_EQ(TrendMphPer10Min({}, 0), 0);

  auto hist = HistoryReply(store, {{"from", "2016-01-15T00:00:00Z"}, {"to", "2016-01-15T00:15:00Z"}, {"step", "300"}});
  ASSERT_EQ(hist.status, 200) << hist.body;
  EXPECT_TRUE(
      Has(hist.body,
          "{\"step_s\":300,\"snapshots\":[{\"time\":\"2016-01-15T00:00:00Z\",\"cells\":[[\"5_5\",5,18,\"Medium\"]"));
  EXPECT_EQ(HistoryReply(store, {{"step", "90"}}).status, 400);
  EXPECT_EQ(HistoryReply(store, {{"from", "2015-01-15T00:00:00Z"}}).status, 400);  // too many snapshots
}

TEST(ApiTest, HealthStatsModelMetrics) {
  WindowStore store;
  ServerFacts facts;
  facts.now_wall_ms = 10000;
  EXPECT_TRUE(Has(HealthReply(store, facts).body, "\"status\":\"down\""));
  SourceStatus s;
  s.connected = true;
  s.events = 100;
  s.late = 2;
  s.watermark = T(3);
  store.SetSource(s, 0);
  store.Add({Rec("28_27", 4, 4, 8.25)}, 5000, nullptr);
  s.events = 200;
  store.SetSource(s, 9000);
  EXPECT_TRUE(Has(HealthReply(store, facts).body, "\"status\":\"ok\""));
  facts.now_wall_ms = 500000;
  EXPECT_TRUE(Has(HealthReply(store, facts).body, "\"status\":\"stale\""));
  facts.now_wall_ms = 9000;
  auto stats = StatsReply(store, {}, facts);
  EXPECT_TRUE(Has(stats.body, "\"events_per_s\":11.1"));  // 100 events over 9 s
  EXPECT_TRUE(Has(stats.body, "\"watermark_delay_s\":120"));
  EXPECT_TRUE(Has(stats.body, "\"late\":2"));
  EXPECT_EQ(StatsReply(store, {{"x", "1"}}, facts).status, 400);
  EXPECT_EQ(ModelReply(store).status, 404);
  store.SetModel("v1", "{\"a\":1}", {"better than persistence"}, nullptr);
  EXPECT_EQ(ModelReply(store).body,
            "{\"version\":\"v1\",\"card\":{\"a\":1},\"verdict\":[\"better than persistence\"]}");
  store.AddDelayMs(3);
  auto m = MetricsReply(store, facts);
  EXPECT_TRUE(Has(m.body, "traffic_events_total 200\n"));
  EXPECT_TRUE(
      Has(m.body, "traffic_publish_latency_ms_bucket{le=\"2\"} 0\ntraffic_publish_latency_ms_bucket{le=\"5\"} 1\n"));
  EXPECT_TRUE(Has(m.body, "traffic_windows_total 1\n"));
}

}  // namespace
}  // namespace traffic::dashboard
