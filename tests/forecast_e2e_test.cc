// `traffic all` (clean -> features -> train) on generated weeks with incidents: the model must
// beat persistence at 15 minutes; a second run skips every step; bad inputs are clear errors.
#include <gtest/gtest.h>

#include "e2e_util.h"

namespace traffic::e2e {
namespace {

TEST(ForecastE2E, AllOnThreeGeneratedWeeksBeatsPersistenceAndThenSkips) {
  testing::TempDir dir;
  ASSERT_EQ(RunTraffic("generate --data-dir data --days 21 --trips-per-day 20000 --seed 42", dir.path()).exit_code, 0);
  auto r = RunTraffic("all --json --data-dir data --train-stride 3 --rounds 120", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  auto train = doc["steps"]["train"];
  // Issue 10: the model beats both baselines at every horizon (on this fixed seed).
  const int64_t kMinutes[] = {15, 30, 60};
  for (size_t h = 0; h < 3; ++h) {
    auto horizon = train["horizons"].at(h);
    EXPECT_EQ(int64_t(horizon["minutes"]), kMinutes[h]);
    double model_f1 = horizon["model"]["macro_f1"];
    double persistence_f1 = horizon["baselines"]["persistence"]["macro_f1"];
    double profile_f1 = horizon["baselines"]["historical_profile"]["macro_f1"];
    EXPECT_GT(model_f1, persistence_f1) << "horizon " << h << ": " << r.out;
    EXPECT_GT(model_f1, profile_f1) << "horizon " << h << ": " << r.out;
    EXPECT_TRUE(bool(horizon["beats_persistence_macro_f1"]));
    EXPECT_GT(double(horizon["calibration"]["brier"]), 0.0);
    // The speed model's MAE (mph) beats both baselines' speeds.
    const auto& mae = horizon["speed"]["mae_mph"];
    EXPECT_GT(double(mae["model"]), 0.0);
    EXPECT_LT(double(mae["model"]), double(mae["persistence"])) << "horizon " << h;
    EXPECT_LT(double(mae["model"]), double(mae["historical_profile"])) << "horizon " << h;
    EXPECT_EQ(std::string(horizon["speed"]["level_from"]), "classifier");
    EXPECT_GT(int64_t(horizon["by_day_type"]["weekend"]["examples"]), 0);  // the last week has both
  }
  std::string version{std::string_view(train["version"])};
  // models/latest moves only to a model that beats both baselines at every horizon (issue 10);
  // the card says whether it did and why not.
  bool promoted = bool(train["promotion"]["promoted"]);
  std::string blocker{std::string_view(train["promotion"]["blocker"])};
  EXPECT_EQ(promoted, blocker.empty()) << blocker;
  EXPECT_EQ(ReadFile(dir / "data/models/latest"), promoted ? version + "\n" : "") << blocker;
  for (const char* f :
       {"card.json", "model_15m.json", "model_30m.json", "model_60m.json", "profile.txt", "report.txt", "card.html"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "data/models" / version / f)) << f;
  }
  std::string report = ReadFile(dir.path() / "data/models" / version / "report.txt");
  EXPECT_NE(report.find(" 15 min: beats persistence by "), std::string::npos) << report;
  EXPECT_NE(report.find("New York time)"), std::string::npos) << report;
  EXPECT_NE(report.find("Levels (mean trip speed of the cell over the horizon): High below 10 mph"), std::string::npos)
      << report;
  EXPECT_NE(report.find(promoted ? "Promoted to models/latest." : "NOT promoted to models/latest: " + blocker),
            std::string::npos)
      << report;

  // The same options again: every step is up to date (other options would rerun the steps they
  // change, issue 8 item 13).
  auto again = RunTraffic("all --data-dir data --train-stride 3 --rounds 120", dir.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("clean: up to date"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("features: up to date"), std::string::npos);
  EXPECT_NE(again.out.find("train: up to date"), std::string::npos);
}

TEST(ForecastE2E, TooLittleHistoryAndMissingInputsAreClearErrors) {
  testing::TempDir dir;
  ASSERT_EQ(RunTraffic("generate --data-dir data --days 1 --trips-per-day 2000", dir.path()).exit_code, 0);
  ASSERT_EQ(RunTraffic("clean --data-dir data", dir.path()).exit_code, 0);
  auto features = RunTraffic("features --data-dir data", dir.path());
  EXPECT_EQ(features.exit_code, 1);
  EXPECT_NE(features.err.find("not enough history"), std::string::npos) << features.err;
  auto train = RunTraffic("train --data-dir data", dir.path());
  EXPECT_EQ(train.exit_code, 1);
  EXPECT_NE(train.err.find("run `traffic features` first"), std::string::npos) << train.err;
  auto nothing = RunTraffic("features --data-dir empty", dir.path());
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_NE(nothing.err.find("run `traffic clean` first"), std::string::npos) << nothing.err;
}

}  // namespace
}  // namespace traffic::e2e
