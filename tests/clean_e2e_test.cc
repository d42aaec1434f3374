// `traffic clean` on every real sample in ../shared/data/nyc-taxi.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "e2e_util.h"

namespace traffic::e2e {
namespace {

simdjson::dom::element ParseJson(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  return doc;
}

TEST(CleanE2E, EverySchemaVariant2009To2016ParsesAndIsAccountedFor) {
  testing::TempDir dir;
  auto r = RunTraffic(
      "clean --json --data-dir data --rejects rejects.csv '" + SharedData("nyc-taxi/tlc_schema_heads_2009_2016") + "'",
      dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  auto doc = ParseJson(parser, r.out);
  EXPECT_EQ(int64_t(doc["files"]), 120);
  int64_t read = doc["rows_read"], written = doc["rows_written"], rejected = doc["rows_rejected"];
  EXPECT_EQ(read, 498);  // MANIFEST.csv data_rows for the folder
  EXPECT_EQ(read, written + rejected);
  // Each file on its own: its rows are MANIFEST.csv's data_rows, and every row is either accepted
  // or in rejects.csv under that file (392 accepted in all at the time of writing; most rejects
  // are 0,0 GPS, which leaves twelve 2013-14 green heads with none accepted).
  std::map<std::string, int64_t> manifest, rejected_in;
  std::istringstream lines(ReadFile(SharedData("nyc-taxi/MANIFEST.csv")));
  for (std::string line; std::getline(lines, line);) {
    const std::string prefix = "tlc_schema_heads_2009_2016/";
    if (line.rfind(prefix, 0) != 0) continue;
    const size_t comma = line.find(',');
    manifest[line.substr(prefix.size(), comma - prefix.size())] = std::stoll(line.substr(comma + 1));
  }
  ASSERT_EQ(manifest.size(), 120u);
  std::istringstream rejects(ReadFile(dir / "rejects.csv"));
  for (std::string line; std::getline(rejects, line);) {
    const size_t slash = line.find("tlc_schema_heads_2009_2016/");
    if (slash == std::string::npos) continue;
    const size_t start = slash + std::string("tlc_schema_heads_2009_2016/").size();
    ++rejected_in[line.substr(start, line.find('"', start) - start)];
  }
  int64_t accepted_total = 0, files_with_trips = 0;
  for (auto file : doc["input_files"].get_array()) {
    const std::string path{std::string_view(file["path"])};
    const std::string name = path.substr(path.rfind('/') + 1);
    EXPECT_EQ(std::string_view(file["layout"]), "tlc-coordinates") << path;
    ASSERT_EQ(manifest.count(name), 1u) << path;
    const int64_t rows = file["rows"], accepted = file["accepted"];
    EXPECT_EQ(rows, manifest[name]) << path;
    EXPECT_EQ(accepted + rejected_in[name], rows) << path;
    accepted_total += accepted;
    files_with_trips += accepted > 0;
  }
  EXPECT_EQ(accepted_total, written);
  EXPECT_EQ(files_with_trips, 108);
  EXPECT_TRUE(std::filesystem::exists(dir / "data/processed/_SUCCESS"));
}

TEST(CleanE2E, AllRealSamplesCleanWithExpectedRejectReasons) {
  testing::TempDir dir;
  std::string inputs;
  for (const char* sub :
       {"tlc_yellow_coords_2015_2016", "kaggle_nyc_taxi_trip_duration_2016", "tlc_yellow_zones_2018_2019"}) {
    inputs += " '" + SharedData(std::string("nyc-taxi/") + sub) + "'";
  }
  auto r = RunTraffic("clean --json --data-dir data --rejects rejects.csv" + inputs, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  auto doc = ParseJson(parser, r.out);
  int64_t read = doc["rows_read"];
  EXPECT_EQ(read, 8010 + 5000 + 240000);
  EXPECT_EQ(read, int64_t(doc["rows_written"]) + int64_t(doc["rows_rejected"]));
  // Zones 264/265 are "Unknown" in the TLC lookup: no place on the map.
  EXPECT_GT(int64_t(doc["rejects"]["unknown_zone"]), 0);
  // 0,0 coordinates (missing GPS) exist in the 2015-16 files.
  EXPECT_GT(int64_t(doc["rejects"]["pickup_out_of_bounds"]), 0);
  std::string rejects = ReadFile(dir / "rejects.csv");
  EXPECT_EQ(std::count(rejects.begin(), rejects.end(), '\n'), int64_t(doc["rows_rejected"]) + 1);
}

TEST(CleanE2E, BadInputGivesClearErrorsAndExitCodes) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "raw");
  { std::ofstream(dir / "raw/empty.csv"); }
  auto empty = RunTraffic("clean --data-dir data raw/empty.csv", dir.path());
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("raw/empty.csv: empty file"), std::string::npos) << empty.err;

  {
    std::ofstream(dir / "raw/nodrop.csv") << "tpep_pickup_datetime,trip_distance,pickup_longitude,"
                                             "pickup_latitude,dropoff_longitude,dropoff_latitude\n";
  }
  auto no_dropoff = RunTraffic("clean --data-dir data raw/nodrop.csv", dir.path());
  EXPECT_EQ(no_dropoff.exit_code, 1);
  EXPECT_NE(no_dropoff.err.find("missing columns: dropoff time"), std::string::npos) << no_dropoff.err;

  std::filesystem::create_directories(dir.path() / "nocsv");
  auto no_csv = RunTraffic("clean --data-dir data nocsv", dir.path());
  EXPECT_EQ(no_csv.exit_code, 1);
  EXPECT_NE(no_csv.err.find("no CSV files in folder nocsv"), std::string::npos) << no_csv.err;

  auto usage = RunTraffic("clean --no-such-option", dir.path());
  EXPECT_EQ(usage.exit_code, 2);
  auto help = RunTraffic("clean --help", dir.path());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--max-speed FLOAT=60"), std::string::npos) << help.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "data/processed"));
}

TEST(CleanE2E, NulBytesAndTruncatedRowsAreCountedRejects) {
  testing::TempDir dir;
  std::string header =
      ReadFile(SharedData("nyc-taxi/tlc_yellow_coords_2015_2016/yellow_tripdata_2015-01_head1999.csv"));
  std::string first_lines = header.substr(0, header.find('\n', header.find('\n') + 1) + 1);
  std::string row = first_lines.substr(first_lines.find('\n') + 1);
  std::string bad = row;
  bad[5] = '\0';
  std::ofstream(dir / "nul.csv", std::ios::binary) << first_lines << bad << row.substr(0, 40);
  auto r = RunTraffic("clean --json --data-dir data nul.csv", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  auto doc = ParseJson(parser, r.out);
  EXPECT_EQ(int64_t(doc["rows_written"]), 1);
  EXPECT_EQ(int64_t(doc["rejects"]["malformed_row"]), 2);
}

}  // namespace
}  // namespace traffic::e2e
