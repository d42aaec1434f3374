// Option sets shared by several commands, bound straight into the pipeline's options structs,
// and the usage checks that span options.
#include <cmath>

#include <fmt/format.h>

#include "commands.h"
#include "traffic/core/time.h"

namespace traffic::cli {
namespace {

// Throws (as CLI11 validators do) when `low` > `high`: the option pair is inverted.
void CheckOrdered(double low, double high, const std::string& low_name, const std::string& high_name,
                  bool strict = false) {
  if (low > high || (strict && low == high) || std::isnan(low) || std::isnan(high)) {
    throw CLI::ValidationError(low_name + "/" + high_name, fmt::format("{} ({}) must be {} {} ({})", low_name, low,
                                                                       strict ? "below" : "at most", high_name, high));
  }
}

}  // namespace

void AddDurationOption(CLI::App* c, double* duration_s, const std::string& help) {
  c->add_option("--duration", *duration_s, help)->capture_default_str()->check(kNonNegative);
}

void CheckThresholds(CLI::App* c, const window::LevelThresholds* t) {
  c->parse_complete_callback([c, t] {
    if (c->parsed()) CheckOrdered(t->high_below_mph, t->low_above_mph, "--high-below", "--low-above");
  });
}

void AddCleanOptions(CLI::App* c, pipeline::CleanOptions* options) {
  c->add_option("--rejects", options->rejects_path,
                "write every rejected row with its reason, file and line to this CSV");
  c->add_flag("--skip-bad-files", options->skip_bad_files,
              "skip (and list) files with no usable header instead of failing the run");
  auto& r = options->rules;
  c->add_option("--min-lat", r.min_lat, "cleaning box, inclusive")->capture_default_str();
  c->add_option("--max-lat", r.max_lat)->capture_default_str();
  c->add_option("--min-lon", r.min_lon)->capture_default_str();
  c->add_option("--max-lon", r.max_lon)->capture_default_str();
  c->add_option("--min-duration", r.min_duration_s, "seconds")->capture_default_str();
  c->add_option("--max-duration", r.max_duration_s, "seconds")->capture_default_str();
  c->add_option("--min-distance", r.min_distance_mi, "miles")->capture_default_str();
  c->add_option("--max-distance", r.max_distance_mi, "miles")->capture_default_str();
  c->add_option("--min-speed", r.min_speed_mph, "mph")->capture_default_str();
  c->add_option("--max-speed", r.max_speed_mph, "mph")->capture_default_str();
  // New York local times, "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS".
  auto local_time = [](const std::string& text) -> std::optional<core::UtcTime> {
    auto parsed = core::ParseLocalDateTime(text.size() == 10 ? text + " 00:00:00" : text);
    if (!parsed) return std::nullopt;
    return core::NewYorkToUtc(*parsed);
  };
  auto time_check = CLI::Validator(
      [local_time](std::string& text) -> std::string {
        return local_time(text) ? "" : "not a New York local time YYYY-MM-DD[ HH:MM:SS]: " + text;
      },
      "TIME");
  c->add_option_function<std::string>(
       "--min-time", [rules = &r, local_time](const std::string& text) { rules->min_time = *local_time(text); },
       "earliest accepted pickup/dropoff, New York local (default 2009-01-01; earlier: time_out_of_range)")
      ->check(time_check);
  c->add_option_function<std::string>(
       "--max-time", [rules = &r, local_time](const std::string& text) { rules->max_time = *local_time(text); },
       "latest accepted pickup/dropoff, New York local (default: a day after now)")
      ->check(time_check);
  c->add_option("--max-record-bytes", options->max_record_bytes,
                "a longer CSV record is rejected as malformed_row and reading resumes at the next line")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_flag("--allow-empty", options->allow_empty,
              "write the output even when no row survives cleaning (default: fail, keep the previous output)");
  c->add_option("--kaggle-route-factor", options->parse.kaggle_route_factor,
                "Kaggle rows have no distance: great-circle distance x this factor")
      ->capture_default_str();
  c->add_option_function<size_t>(
       "--memory-mb", [options](size_t mb) { options->memory_budget_bytes = mb << 20; },
       "parsed trips held in memory before spilling to disk")
      ->default_str(std::to_string(options->memory_budget_bytes >> 20));
  c->parse_complete_callback([c, &r] {
    if (!c->parsed()) return;
    CheckOrdered(r.min_lat, r.max_lat, "--min-lat", "--max-lat", true);
    CheckOrdered(r.min_lon, r.max_lon, "--min-lon", "--max-lon", true);
    CheckOrdered(static_cast<double>(r.min_duration_s), static_cast<double>(r.max_duration_s), "--min-duration",
                 "--max-duration");
    CheckOrdered(r.min_distance_mi, r.max_distance_mi, "--min-distance", "--max-distance");
    CheckOrdered(r.min_speed_mph, r.max_speed_mph, "--min-speed", "--max-speed");
  });
}

void AddFeaturesOptions(CLI::App* c, pipeline::FeaturesOptions* options) {
  c->add_option("--test-days", options->test_days,
                "the last N days are the test period (0: the last week with 21 days or more, else about a fifth)")
      ->capture_default_str()
      ->check(kNonNegative);
  c->add_option("--min-trips", options->min_trips, "trips a target needs in [t, t+h)")
      ->capture_default_str()
      ->check(kPositive);
  c->add_option("--high-below", options->thresholds.high_below_mph, "congestion High below this mean speed (mph)")
      ->capture_default_str();
  c->add_option("--low-above", options->thresholds.low_above_mph, "congestion Low above this mean speed (mph)")
      ->capture_default_str();
  CheckThresholds(c, &options->thresholds);
}

void AddSourceOptions(CLI::App* c, pipeline::TripSourceOptions* source, pipeline::ProduceOptions* produce) {
  c->add_flag("--synthetic", source->synthetic, "generated trips (as `traffic generate`), endless by default");
  c->add_option("--input", source->inputs,
                "replay trips from CSV files/folders or a processed/ folder, in event-time order");
  c->add_option("--rate", produce->rate, "events per second (0: as fast as possible)")
      ->capture_default_str()
      ->check(kNonNegative);
  c->add_option("--speedup", produce->speedup,
                "with --input: keep the trips' own spacing, X times faster (instead of --rate)")
      ->check(kNonNegative);
  c->add_option("--max-events", produce->max_events, "stop after this many events (0: no limit)")
      ->capture_default_str()
      ->check(kNonNegative);
  c->add_option("--seed", source->seed, "--synthetic: random seed")->capture_default_str();
  c->add_option("--start", source->start, "--synthetic: first day, YYYY-MM-DD (New York)")->capture_default_str();
  c->add_option("--days", source->days, "--synthetic: days of trips")->capture_default_str()->check(kPositive);
  c->add_option("--trips-per-day", source->trips_per_day, "--synthetic: trips per day")
      ->capture_default_str()
      ->check(kPositive);
}

void AddKafkaOptions(CLI::App* c, pipeline::KafkaOptions* kafka) {
  c->add_option("-X", kafka->properties,
                "librdkafka property key=value for producer and consumer (repeatable, as kcat)");
  c->add_option("--partitions", kafka->partitions, "partitions of topics this tool creates")
      ->capture_default_str()
      ->check(kPositive);
  c->add_option("--replication", kafka->replication, "replication factor of topics this tool creates")
      ->capture_default_str()
      ->check(kPositive);
  c->add_flag("!--no-create-topics", kafka->create_topics, "fail on a missing topic instead of creating it");
}

}  // namespace traffic::cli
