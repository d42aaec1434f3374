// Bad option values are usage errors (exit 2) that name the option, before any work is done
// (issue 8 items 6 and 15); --speedup paces the embedded stream (item 16).
#include <gtest/gtest.h>

#include <chrono>

#include "e2e_util.h"

namespace traffic::e2e {
namespace {

void ExpectUsageError(const std::string& args, const std::string& option) {
  testing::TempDir dir;
  auto r = RunTraffic(args, dir.path());
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_NE(r.err.find(option), std::string::npos) << args << "\n" << r.err;
}

TEST(OptionsE2E, BadValuesAreUsageErrorsNamingTheOption) {
  ExpectUsageError("features --min-trips 0", "--min-trips");
  ExpectUsageError("all --min-trips 0", "--min-trips");
  ExpectUsageError("stream --embedded --synthetic --duration nan", "--duration");
  ExpectUsageError("produce --synthetic --duration -1", "--duration");
  ExpectUsageError("stream --embedded --synthetic --lateness -5", "--lateness");
  ExpectUsageError("produce --synthetic --rate -1", "--rate");
  ExpectUsageError("stream --embedded --synthetic --rate nan", "--rate");
  ExpectUsageError("features --high-below 30 --low-above 10", "--high-below");
  ExpectUsageError("train --high-below 30 --low-above 10", "--low-above");
  ExpectUsageError("clean --min-lat 41 --max-lat 40 x.csv", "--min-lat");
  ExpectUsageError("clean --min-lon -73 --max-lon -74 x.csv", "--max-lon");
  ExpectUsageError("clean --min-speed 70 x.csv", "--min-speed");
}

// Regression (issue 8 item 6): `latest` became a folder and `../../escaped` wrote outside models/.
TEST(OptionsE2E, ModelVersionIsANameNotAPath) {
  ExpectUsageError("train --model-version latest", "--model-version");
  ExpectUsageError("train --model-version ../../escaped", "--model-version");
  ExpectUsageError("train --model-version none", "--model-version");
}

// Regression (issue 8 item 16): the embedded stream ran at the default --rate (100/s) whatever
// --speedup said. 1000 synthetic events span a few minutes of event time: at a speedup of a
// million they take milliseconds; at 100/s they would not fit into --duration 5.
TEST(OptionsE2E, SpeedupPacesTheEmbeddedStream) {
  testing::TempDir dir;
  auto r = RunTraffic(
      "stream --embedded --model none --json --data-dir data --synthetic --speedup 1000000 "
      "--max-events 1000 --duration 5 --output parquet",
      dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(int64_t(doc["events"]), 1000);
}

// Regression (issue 8 item 17): with the broker gone, a --duration run went on for minutes and
// the error named only the transactional id. Nothing listens on port 1.
TEST(OptionsE2E, DurationHoldsWithoutABrokerAndSaysItIsUnreachable) {
  testing::TempDir dir;
  auto started = std::chrono::steady_clock::now();
  auto r = RunTraffic("stream --model none --data-dir data --brokers 127.0.0.1:1 --duration 1", dir.path());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("unreachable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
  EXPECT_LT(seconds, 9.0) << "1 s + the 5 s grace, not the 10 s connect timeout";
}

TEST(OptionsE2E, TopicsListIsTheOneLayout) {
  auto r = RunTraffic("topics list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("taxi-trips partitions=4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("traffic-stream-state partitions=1 replication=1 cleanup.policy=compact"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace traffic::e2e
