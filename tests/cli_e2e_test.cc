// What the binary promises on its edges: the --json shape of every command (parsed, keys
// checked), progress only on a terminal, and `traffic all` rerunning exactly the steps whose
// input is newer than their output (or every step with --force).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "e2e_util.h"

namespace traffic::e2e {
namespace {

struct Parsed {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
};

// Parses the last line of `out` that starts with '{' (commands may print a table before).
::testing::AssertionResult ParseSummary(const std::string& out, Parsed* p) {
  size_t at = out.rfind("\n{");
  at = at == std::string::npos ? (out.rfind('{', 0) == 0 ? 0 : std::string::npos) : at + 1;
  if (at == std::string::npos) return ::testing::AssertionFailure() << "no JSON object in: " << out;
  if (p->parser.parse(out.substr(at)).get(p->doc) != simdjson::SUCCESS) {
    return ::testing::AssertionFailure() << "not JSON: " << out.substr(at);
  }
  return ::testing::AssertionSuccess();
}

// Every key is present with the JSON type given ('i' integer, 'd' number, 's' string, 'a' array,
// 'o' object, 'b' bool).
void ExpectKeys(simdjson::dom::element doc, const std::vector<std::pair<const char*, char>>& keys,
                const std::string& what) {
  for (const auto& [key, type] : keys) {
    simdjson::dom::element v;
    ASSERT_EQ(doc[key].get(v), simdjson::SUCCESS) << what << ": no key " << key;
    bool ok = false;
    switch (type) {
      case 'i':
        ok = v.is_int64() || v.is_uint64();
        break;
      case 'd':
        ok = v.is_number();
        break;
      case 's':
        ok = v.is_string();
        break;
      case 'a':
        ok = v.is_array();
        break;
      case 'o':
        ok = v.is_object();
        break;
      case 'b':
        ok = v.is_bool();
        break;
    }
    EXPECT_TRUE(ok) << what << ": key " << key << " is not of type " << type;
  }
}

std::string Step(simdjson::dom::element doc) { return std::string(std::string_view(doc["step"])); }

TEST(CliE2E, JsonSummaryOfEveryCommandHasItsKeys) {
  testing::TempDir dir;
  Parsed gen;
  auto g = RunTraffic("generate --json --data-dir data --days 4 --trips-per-day 3000", dir.path());
  ASSERT_EQ(g.exit_code, 0) << g.err;
  ASSERT_TRUE(ParseSummary(g.out, &gen));
  EXPECT_EQ(Step(gen.doc), "generate");
  ExpectKeys(gen.doc,
             {{"trips", 'i'}, {"incidents", 'i'}, {"bytes", 'i'}, {"seconds", 'd'}, {"seed", 'i'}, {"files", 'a'}},
             "generate");
  ExpectKeys(gen.doc["files"].at(0), {{"path", 's'}, {"rows", 'i'}}, "generate files[0]");

  Parsed clean;
  auto c = RunTraffic("clean --json --data-dir data", dir.path());
  ASSERT_EQ(c.exit_code, 0) << c.err;
  ASSERT_TRUE(ParseSummary(c.out, &clean));
  EXPECT_EQ(Step(clean.doc), "clean");
  ExpectKeys(clean.doc,
             {{"files", 'i'},
              {"bytes_read", 'i'},
              {"rows_read", 'i'},
              {"blank_lines", 'i'},
              {"rows_written", 'i'},
              {"rows_rejected", 'i'},
              {"rejects", 'o'},
              {"seconds", 'd'},
              {"mb_per_s", 'd'},
              {"rows_per_s", 'd'},
              {"output_dir", 's'},
              {"rejects_file", 's'},
              {"partitions", 'a'},
              {"input_files", 'a'}},
             "clean");
  ExpectKeys(clean.doc["rejects"],
             {{"malformed_row", 'i'},
              {"bad_field", 'i'},
              {"unknown_zone", 'i'},
              {"pickup_out_of_bounds", 'i'},
              {"dropoff_out_of_bounds", 'i'},
              {"dropoff_not_after_pickup", 'i'},
              {"duration_out_of_range", 'i'},
              {"distance_out_of_range", 'i'},
              {"speed_out_of_range", 'i'},
              {"duplicate", 'i'}},
             "clean rejects");
  ExpectKeys(clean.doc["partitions"].at(0), {{"year", 'i'}, {"month", 'i'}, {"rows", 'i'}, {"path", 's'}},
             "clean partitions[0]");
  ExpectKeys(clean.doc["input_files"].at(0), {{"path", 's'}, {"layout", 's'}, {"rows", 'i'}, {"accepted", 'i'}},
             "clean input_files[0]");

  Parsed features;
  auto f = RunTraffic("features --json --data-dir data", dir.path());
  ASSERT_EQ(f.exit_code, 0) << f.err;
  ASSERT_TRUE(ParseSummary(f.out, &features));
  EXPECT_EQ(Step(features.doc), "features");
  ExpectKeys(features.doc,
             {{"trips", 'i'},
              {"windows", 'i'},
              {"rows_train", 'i'},
              {"rows_test", 'i'},
              {"rows_embargoed", 'i'},
              {"late_events", 'i'},
              {"labelled", 'o'},
              {"first_event", 's'},
              {"last_event", 's'},
              {"days", 'i'},
              {"test_days", 'i'},
              {"train_from", 's'},
              {"split", 's'},
              {"test_to", 's'},
              {"feature_layout", 's'},
              {"features", 'a'},
              {"seconds", 'd'},
              {"trips_per_s", 'd'},
              {"features_dir", 's'}},
             "features");

  Parsed train;
  auto t = RunTraffic("train --json --data-dir data --rounds 5 --promote", dir.path());
  ASSERT_EQ(t.exit_code, 0) << t.err;
  ASSERT_TRUE(ParseSummary(t.out, &train));
  ExpectKeys(train.doc,
             {{"version", 's'},
              {"created_utc", 's'},
              {"kind", 's'},
              {"classes", 'a'},
              {"thresholds_mph", 'o'},
              {"feature_layout", 's'},
              {"features", 'a'},
              {"training", 'o'},
              {"horizons", 'a'},
              {"promotion", 'o'}},
             "train");
  ExpectKeys(train.doc["training"],
             {{"train_from", 's'},
              {"split", 's'},
              {"test_to", 's'},
              {"validation_from", 's'},
              {"train_stride", 'i'},
              {"balanced_class_weights", 'b'},
              {"num_rounds", 'i'},
              {"max_depth", 'i'},
              {"eta", 'd'},
              {"early_stopping_rounds", 'i'},
              {"seed", 'i'},
              {"seconds", 'd'}},
             "train training");
  ASSERT_EQ(train.doc["horizons"].get_array().size(), 3u);
  for (auto h : train.doc["horizons"].get_array()) {
    ExpectKeys(h,
               {{"minutes", 'i'},
                {"model_file", 's'},
                {"rounds", 'i'},
                {"train_rows", 'i'},
                {"validation_rows", 'i'},
                {"test_rows", 'i'},
                {"model", 'o'},
                {"baselines", 'o'},
                {"beats_persistence_macro_f1", 'b'},
                {"beats_profile_macro_f1", 'b'}},
               "train horizon");
    ExpectKeys(h["baselines"], {{"persistence", 'o'}, {"historical_profile", 'o'}}, "train baselines");
    ExpectKeys(h["model"], {{"macro_f1", 'd'}, {"accuracy", 'd'}}, "train model");
  }

  Parsed all;
  // The standalone steps left no recipe (issue 8 item 13): the first `all` reruns them, the
  // second finds every step up to date.
  ASSERT_EQ(RunTraffic("all --json --data-dir data --rounds 5 --promote", dir.path()).exit_code, 0);
  auto a = RunTraffic("all --json --data-dir data --rounds 5 --promote", dir.path());
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_TRUE(ParseSummary(a.out, &all));
  EXPECT_EQ(Step(all.doc), "all");
  ExpectKeys(all.doc, {{"steps", 'o'}}, "all");
  ExpectKeys(all.doc["steps"], {{"clean", 's'}, {"features", 's'}, {"train", 's'}}, "all steps (up to date)");

  Parsed stream;
  auto s = RunTraffic(
      "stream --embedded --json --data-dir data --synthetic --rate 0 --max-events 5000 --output parquet", dir.path());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  ASSERT_TRUE(ParseSummary(s.out, &stream));
  EXPECT_EQ(Step(stream.doc), "stream");
  ExpectKeys(stream.doc,
             {{"mode", 's'},
              {"events", 'i'},
              {"accepted", 'i'},
              {"late", 'i'},
              {"malformed", 'i'},
              {"invalid", 'i'},
              {"windows", 'i'},
              {"forecasts", 'i'},
              {"seconds", 'd'},
              {"events_per_s", 'd'},
              {"archive_files", 'i'},
              {"archive_rows", 'i'},
              {"model", 's'}},
             "stream");
}

// Sets a file's modification time `ahead` into the future, so whatever depends on it is older.
void MakeNewer(const std::filesystem::path& path, std::chrono::seconds ahead) {
  std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now() + ahead);
}

std::string StepState(simdjson::dom::element steps, const char* step) {
  simdjson::dom::element v = steps[step];
  return v.is_string() ? std::string(std::string_view(v)) : "ran";
}

// Issue 8 item 18: with --json a failed command still prints one JSON object on stdout, saying
// it failed and why (a script parsing stdout got nothing before).
TEST(CliE2E, JsonFailureIsOneObjectSayingOkFalse) {
  testing::TempDir dir;
  for (const char* args :
       {"train --json --data-dir nowhere", "features --json --data-dir nowhere", "all --json --data-dir nowhere"}) {
    auto r = RunTraffic(args, dir.path());
    EXPECT_EQ(r.exit_code, 1) << args << ": " << r.err;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << args << " printed: " << r.out;
    EXPECT_FALSE(bool(doc["ok"])) << r.out;
    std::string_view error;
    ASSERT_EQ(doc["error"].get_string().get(error), simdjson::SUCCESS) << r.out;
    EXPECT_NE(error.find("nowhere"), std::string_view::npos) << r.out;
    EXPECT_NE(r.err.find("error:"), std::string::npos) << r.err;  // and the message for people
  }
}

TEST(CliE2E, AllRerunsTheStepsWhoseInputIsNewerAndForceRerunsEvery) {
  testing::TempDir dir;
  ASSERT_EQ(RunTraffic("generate --data-dir data --days 4 --trips-per-day 3000", dir.path()).exit_code, 0);
  auto run = [&](const std::string& extra, Parsed* p) {
    auto r = RunTraffic("all --json --data-dir data --rounds 5 --promote" + extra, dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(ParseSummary(r.out, p));
  };
  Parsed first, second, raw_newer, clean_newer, forced;
  run("", &first);
  EXPECT_EQ(StepState(first.doc["steps"], "clean"), "ran");
  EXPECT_EQ(StepState(first.doc["steps"], "features"), "ran");
  EXPECT_EQ(StepState(first.doc["steps"], "train"), "ran");
  run("", &second);
  EXPECT_EQ(StepState(second.doc["steps"], "clean"), "up to date");
  EXPECT_EQ(StepState(second.doc["steps"], "features"), "up to date");
  EXPECT_EQ(StepState(second.doc["steps"], "train"), "up to date");
  const std::string latest = ReadFile(dir / "data/models/latest");

  // A raw file newer than the clean output: everything downstream reruns.
  bool touched = false;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path() / "data/raw")) {
    if (e.is_regular_file()) {
      MakeNewer(e.path(), std::chrono::seconds(5));
      touched = true;
      break;
    }
  }
  ASSERT_TRUE(touched);
  run("", &raw_newer);
  EXPECT_EQ(StepState(raw_newer.doc["steps"], "clean"), "ran");
  EXPECT_EQ(StepState(raw_newer.doc["steps"], "features"), "ran");
  EXPECT_EQ(StepState(raw_newer.doc["steps"], "train"), "ran");
  EXPECT_NE(ReadFile(dir / "data/models/latest"), latest);

  // Only the clean output newer than the features: clean stays, features and train rerun.
  ASSERT_TRUE(std::filesystem::exists(dir.path() / "data/processed/_SUCCESS"));
  MakeNewer(dir.path() / "data/processed/_SUCCESS", std::chrono::seconds(60));
  run("", &clean_newer);
  EXPECT_EQ(StepState(clean_newer.doc["steps"], "clean"), "up to date");
  EXPECT_EQ(StepState(clean_newer.doc["steps"], "features"), "ran");
  EXPECT_EQ(StepState(clean_newer.doc["steps"], "train"), "ran");

  run(" --force", &forced);
  EXPECT_EQ(StepState(forced.doc["steps"], "clean"), "ran");
  EXPECT_EQ(StepState(forced.doc["steps"], "features"), "ran");
  EXPECT_EQ(StepState(forced.doc["steps"], "train"), "ran");

  // Issue 8 item 13: changed options make a step stale even when its output is newer: a features
  // option reruns features and train, a cleaning rule everything; the same options again nothing.
  Parsed test_days, same, rule;
  // The raw file touched above lies a few seconds in the future: back to the past, so that only
  // options decide here.
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path() / "data/raw")) {
    if (e.is_regular_file()) MakeNewer(e.path(), std::chrono::seconds(-3600));
  }
  run("", &same);  // the raw files' times are part of clean's recipe: clean reruns once
  run(" --test-days 2", &test_days);
  EXPECT_EQ(StepState(test_days.doc["steps"], "clean"), "up to date");
  EXPECT_EQ(StepState(test_days.doc["steps"], "features"), "ran");
  EXPECT_EQ(StepState(test_days.doc["steps"], "train"), "ran");
  run(" --test-days 2", &same);
  EXPECT_EQ(StepState(same.doc["steps"], "clean"), "up to date");
  EXPECT_EQ(StepState(same.doc["steps"], "features"), "up to date");
  EXPECT_EQ(StepState(same.doc["steps"], "train"), "up to date");
  run(" --test-days 2 --max-speed 55", &rule);
  EXPECT_EQ(StepState(rule.doc["steps"], "clean"), "ran");
  EXPECT_EQ(StepState(rule.doc["steps"], "features"), "ran");
  EXPECT_EQ(StepState(rule.doc["steps"], "train"), "ran");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data/processed/_RECIPE"));
  EXPECT_NE(ReadFile(dir / "data/processed/_RECIPE").find("\"speed_mph\":[1,55]"), std::string::npos)
      << ReadFile(dir / "data/processed/_RECIPE");
}

// Runs `traffic <args>` with stdin, stdout and stderr on a new pseudo-terminal; returns what the
// terminal received.
std::string RunOnPty(const std::string& args, const std::filesystem::path& cwd, int* exit_code) {
  const std::string command =
      "cd '" + cwd.string() + "' && TRAFFIC_GEO_DIR='" + SharedData("geo") + "' '" + TRAFFIC_BINARY + "' " + args;
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return "forkpty failed";
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string out;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO once the child side is closed
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(CliE2E, ProgressLineOnlyOnATerminal) {
  const std::string args = "clean --data-dir data '" + SharedData("nyc-taxi/tlc_yellow_zones_2018_2019") + "'";
  testing::TempDir tty_dir;
  int code = -1;
  std::string terminal = RunOnPty(args, tty_dir.path(), &code);
  ASSERT_EQ(code, 0) << terminal;
  EXPECT_NE(terminal.find("\r\033[Kclean: "), std::string::npos) << terminal;  // redrawn in place
  EXPECT_NE(terminal.find(" rows/s | ETA "), std::string::npos) << terminal;

  testing::TempDir pipe_dir;
  auto piped = RunTraffic(args, pipe_dir.path());  // stdout a pipe, stderr a file
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.err.find("\033[K"), std::string::npos) << piped.err;
  EXPECT_EQ(piped.err.find("rows/s | ETA"), std::string::npos) << piped.err;
  EXPECT_EQ(piped.out.find("\033[K"), std::string::npos);
}

}  // namespace
}  // namespace traffic::e2e
