// The oracle's forecast (generate/oracle.h: the ceiling of issue 10) on the test rows of a
// generated dataset's features, with speed MAE for it and for both baselines: what
// bench/forecast_quality.sh sets beside the model card's figures.
//   traffic_forecast_oracle DATA_DIR SEED DAYS [START_DATE [INCIDENTS_PER_DAY]]
// DATA_DIR holds features/ from `traffic generate --seed SEED --days DAYS` then `traffic all`
// (the oracle replays the generator's city factor and incidents from these options). Prints one
// JSON object: per horizon the test rows scored, the oracle's macro-F1, accuracy and MAE (mph),
// and the MAE of persistence and of the historical profile on the same rows.
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "traffic/core/time.h"
#include "traffic/features/feature_row.h"
#include "traffic/fs/file_system.h"
#include "traffic/generate/oracle.h"
#include "traffic/model/evaluation.h"
#include "traffic/model/metrics.h"
#include "traffic/pipeline/feature_table.h"
#include "traffic/window/level.h"

namespace {

using namespace traffic;

int Fail(const std::string& message) {
  std::fprintf(stderr, "forecast_oracle: %s\n", message.c_str());
  return 1;
}

size_t Column(const std::string& name) {
  const int at = pipeline::FeatureIndex(name);
  if (at < 0) {
    std::fprintf(stderr, "forecast_oracle: no feature %s\n", name.c_str());
    std::exit(1);
  }
  return static_cast<size_t>(at);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 6) {
    return Fail("usage: traffic_forecast_oracle DATA_DIR SEED DAYS [START_DATE [INCIDENTS_PER_DAY]]");
  }
  generate::GeneratorOptions g;
  g.seed = std::strtoull(argv[2], nullptr, 10);
  g.days = std::atoi(argv[3]);
  if (argc >= 5) {
    auto start = core::ParseLocalDateTime(std::string(argv[4]) + " 00:00:00");
    if (!start) return Fail(std::string("START_DATE '") + argv[4] + "' is not YYYY-MM-DD");
    g.start = *start;
  }
  if (argc >= 6) g.incidents_per_day = std::atof(argv[5]);

  auto fs = fs::MakeLocalFileSystem();
  const std::string dir = std::string(argv[1]) + "/features";
  auto files = pipeline::FeatureFiles(*fs, dir);
  if (!files.ok()) return Fail(files.status().message());
  auto examples = pipeline::ReadExamples(*fs, *files);
  if (!examples.ok()) return Fail(examples.status().message());
  const generate::Oracle oracle(generate::RecordTruth(g));

  const size_t speed_15m = Column("speed_15m"), speed_60m = Column("speed_60m"), profile = Column("profile_speed");
  const window::LevelThresholds thresholds;
  // One pass over the test rows: the oracle's speeds for every horizon at once.
  struct Scored {
    std::vector<int> actual, predicted;
    double oracle_err = 0, persistence_err = 0, profile_err = 0;
  };
  using Scores = std::array<Scored, features::kHorizonCount>;
  const std::vector<int> horizons(features::kHorizonsMin.begin(), features::kHorizonsMin.end());
  // Rows split over two threads (the oracle is const), each scoring its own share.
  std::vector<size_t> test_rows;
  for (size_t i = 0; i < examples->rows(); ++i) {
    if (examples->is_test[i]) test_rows.push_back(i);
  }
  auto score_rows = [&](size_t from, size_t to, Scores* scored, int64_t* outside) {
    std::vector<double> expected(horizons.size());
    for (size_t r = from; r < to; ++r) {
      const size_t i = test_rows[r];
      oracle.ExpectedSpeeds(examples->cells[i], core::FromEpochSeconds(examples->t_ms[i] / 1000), horizons, expected);
      const float* row = examples->Row(i);
      const double recent = model::PersistenceSpeed(row[speed_15m], row[speed_60m]);
      for (size_t h = 0; h < horizons.size(); ++h) {
        const int target = examples->targets[h][i];
        if (target < 0) continue;
        if (std::isnan(expected[h])) {
          ++*outside;
          continue;
        }
        const double truth = examples->target_speeds[h][i];
        Scored& s = (*scored)[h];
        s.actual.push_back(target);
        s.predicted.push_back(static_cast<int>(window::LevelFor(expected[h], thresholds)));
        s.oracle_err += std::abs(expected[h] - truth);
        s.persistence_err += std::abs(recent - truth);
        s.profile_err += std::abs(row[profile] - truth);
      }
    }
  };
  Scores scored, second;
  int64_t outside = 0, outside_second = 0;
  const size_t half = test_rows.size() / 2;
  std::thread helper(score_rows, half, test_rows.size(), &second, &outside_second);
  score_rows(0, half, &scored, &outside);
  helper.join();
  outside += outside_second;
  for (size_t h = 0; h < horizons.size(); ++h) {
    Scored& s = scored[h];
    const Scored& o = second[h];
    s.actual.insert(s.actual.end(), o.actual.begin(), o.actual.end());
    s.predicted.insert(s.predicted.end(), o.predicted.begin(), o.predicted.end());
    s.oracle_err += o.oracle_err;
    s.persistence_err += o.persistence_err;
    s.profile_err += o.profile_err;
  }
  if (outside > 0)
    return Fail(std::to_string(outside) + " labelled test rows the oracle cannot forecast: wrong SEED/DAYS/START?");
  std::printf("{\"horizons\": [");
  for (size_t h = 0; h < horizons.size(); ++h) {
    const Scored& s = scored[h];
    auto report = model::Evaluate(s.actual, s.predicted);
    if (!report.ok()) return Fail(report.status().message());
    const double n = static_cast<double>(s.actual.size());
    std::printf(
        "%s{\"minutes\": %d, \"count\": %zu, \"oracle\": {\"macro_f1\": %.4f, \"accuracy\": %.4f, \"mae_mph\": %.3f}, "
        "\"persistence\": {\"mae_mph\": %.3f}, \"profile\": {\"mae_mph\": %.3f}}",
        h == 0 ? "" : ", ", horizons[h], s.actual.size(), report->macro_f1, report->accuracy, s.oracle_err / n,
        s.persistence_err / n, s.profile_err / n);
  }
  std::printf("]}\n");
  return 0;
}
