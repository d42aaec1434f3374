// `traffic stream --embedded` (no broker): windows and forecasts come out on the console and in the
// Parquet archive; a missing model is a clear error unless the user asks to go on without.
#include <gtest/gtest.h>

#include "e2e_util.h"

namespace traffic::e2e {
namespace {

TEST(StreamE2E, EmbeddedWithoutModelIsAnErrorUnlessAllowed) {
  testing::TempDir dir;
  auto refused = RunTraffic("stream --embedded --data-dir data --synthetic --rate 0 --max-events 2000", dir.path());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("models/latest"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--allow-no-model"), std::string::npos) << refused.err;

  auto allowed = RunTraffic(
      "stream --embedded --allow-no-model --json --data-dir data --synthetic --rate 0 "
      "--max-events 20000 --output all",
      dir.path());
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_NE(allowed.err.find("forecasts are OFF"), std::string::npos) << allowed.err;
  // With --json the console table goes to stderr: stdout is the one summary object (issue 8
  // item 18).
  EXPECT_NE(allowed.err.find("cell_id | trip_count | avg_speed | congestion_level | forecast_15m"), std::string::npos);
  EXPECT_NE(allowed.err.find("off (no model)"), std::string::npos);
  EXPECT_EQ(allowed.out.find("cell_id |"), std::string::npos) << allowed.out.substr(0, 300);
  const std::string& json = allowed.out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(int64_t(doc["events"]), 20000);
  EXPECT_EQ(int64_t(doc["accepted"]), 20000);
  EXPECT_GT(int64_t(doc["windows"]), 1000);
  EXPECT_EQ(int64_t(doc["archive_rows"]), int64_t(doc["windows"]));
  EXPECT_TRUE(std::filesystem::exists(dir / "data/streaming/date=2016-01-04"));
}

TEST(StreamE2E, EmbeddedWithAModelForecasts) {
  testing::TempDir dir;
  ASSERT_EQ(RunTraffic("generate --data-dir data --days 4 --trips-per-day 3000", dir.path()).exit_code, 0);
  ASSERT_EQ(RunTraffic("all --data-dir data --rounds 10 --promote", dir.path()).exit_code, 0);
  auto r = RunTraffic(
      "stream --embedded --json --data-dir data --synthetic --rate 0 --max-events 20000 --output parquet", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_GT(int64_t(doc["forecasts"]), 1000);
  EXPECT_EQ(int64_t(doc["forecasts"]), int64_t(doc["windows"]));
  EXPECT_NE(std::string_view(doc["model"]), "");
}

TEST(StreamE2E, ReplayingRawCsvStreamsAsManyEventsAsTrafficCleanWrites) {
  testing::TempDir dir;
  std::string input = SharedData("nyc-taxi/tlc_yellow_coords_2015_2016");
  auto clean = RunTraffic("clean --json --data-dir data '" + input + "'", dir.path());
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  auto stream = RunTraffic(
      "stream --embedded --model none --json --data-dir data --rate 0 --output parquet --input '" + input + "'",
      dir.path());
  ASSERT_EQ(stream.exit_code, 0) << stream.err;
  simdjson::dom::parser p1, p2;
  simdjson::dom::element c, s;
  ASSERT_EQ(p1.parse(clean.out).get(c), simdjson::SUCCESS);
  ASSERT_EQ(p2.parse(stream.out).get(s), simdjson::SUCCESS) << stream.out;
  EXPECT_EQ(int64_t(s["events"]), int64_t(c["rows_written"]));
  EXPECT_EQ(int64_t(s["late"]), 0);
}

}  // namespace
}  // namespace traffic::e2e
