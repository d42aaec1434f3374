// `traffic generate`: deterministic, streamed, and its output cleans with almost no rejects.
#include <gtest/gtest.h>

#include "e2e_util.h"

namespace traffic::e2e {
namespace {

TEST(GenerateE2E, SameSeedSameBytesOtherSeedOtherBytes) {
  testing::TempDir dir;
  ASSERT_EQ(RunTraffic("generate --days 2 --trips-per-day 5000 --seed 7 --out a.csv", dir.path()).exit_code, 0);
  ASSERT_EQ(RunTraffic("generate --days 2 --trips-per-day 5000 --seed 7 --out b.csv", dir.path()).exit_code, 0);
  ASSERT_EQ(RunTraffic("generate --days 2 --trips-per-day 5000 --seed 8 --out c.csv", dir.path()).exit_code, 0);
  std::string a = ReadFile(dir / "a.csv"), b = ReadFile(dir / "b.csv"), c = ReadFile(dir / "c.csv");
  EXPECT_GT(a.size(), 500'000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.rfind("VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,", 0), 0u);
}

TEST(GenerateE2E, GeneratedTripsCleanWithAlmostNoRejects) {
  testing::TempDir dir;
  auto gen =
      RunTraffic("generate --json --data-dir data --days 3 --trips-per-day 20000 --start 2016-01-30", dir.path());
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(gen.out).get(doc), simdjson::SUCCESS) << gen.out;
  int64_t trips = doc["trips"];
  EXPECT_NEAR(trips, 60000, 3000);
  EXPECT_EQ(doc["files"].get_array().size(), 2u);  // January and February files

  auto clean = RunTraffic("clean --json --data-dir data", dir.path());
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  simdjson::dom::parser parser2;
  simdjson::dom::element summary;
  ASSERT_EQ(parser2.parse(clean.out).get(summary), simdjson::SUCCESS);
  EXPECT_EQ(int64_t(summary["rows_read"]), trips);
  EXPECT_LE(int64_t(summary["rows_rejected"]), trips / 1000) << clean.out;
}

TEST(GenerateE2E, BadArgumentsAreUsageErrors) {
  testing::TempDir dir;
  auto bad_start = RunTraffic("generate --start 2016-13-40 --out x.csv", dir.path());
  EXPECT_EQ(bad_start.exit_code, 2);
  EXPECT_NE(bad_start.err.find("--start"), std::string::npos);
  EXPECT_EQ(RunTraffic("generate --days 0 --out x.csv", dir.path()).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.csv"));
}

}  // namespace
}  // namespace traffic::e2e
