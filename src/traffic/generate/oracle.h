// The ceiling of a forecast on generated trips (issue 10): a forecaster that knows the
// generator's state at the forecast time t (the city factor up to the minute before t, every
// incident already started and how it will evolve, the weekly profile and each cell's factor)
// and nothing drawn after t (the city factor's later steps, incidents that start later, the
// trips' own noise). It predicts the expected mean speed of the trips the target counts: those
// picked up in the cell that END in [t, t + h) (event time is the dropoff, DESIGN.md), so trips
// picked up up to 90 minutes before t count, at the speeds of their pickup minute, and the
// share of each pickup minute that ends inside the horizon depends on the speed itself (slow
// trips end later). The expectation is over the trip length and noise of generator.h, taken at
// fixed quantiles; the oracle's level is the level of that speed.
//
// RecordTruth replays the generator's city and incident processes without drawing a trip (they
// use their own random streams, generator.h), so the truth of any generated dataset is
// recomputed from its options. Domain code: no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "traffic/core/time.h"
#include "traffic/generate/generator.h"
#include "traffic/generate/speed_model.h"

namespace traffic::generate {

struct GeneratorTruth {
  int64_t begin_s = 0;              // the first minute's start, UTC epoch seconds
  std::vector<double> city_log;     // the city factor's log, per minute from begin_s
  std::vector<double> demand;       // the minute's share of its day's pickups
  std::vector<Incident> incidents;  // every incident, in start order
};

// The truth of what `TripGenerator(options, ...)` generates (trips_per_day and land play no part).
GeneratorTruth RecordTruth(GeneratorOptions options);

class Oracle {
 public:
  explicit Oracle(GeneratorTruth truth);

  // Expected mean speed (mph) of the trips picked up in `cell` that end in [t, t + h) for each
  // h of horizons_min (ascending, at most 120), into out (same size). NaN where no trip can
  // end there (t on no minute boundary, or outside the generated span and the 2 h after it;
  // the cell outside the grid).
  void ExpectedSpeeds(geo::CellId cell, core::UtcTime t, std::span<const int> horizons_min,
                      std::span<double> out) const;
  double ExpectedSpeed(geo::CellId cell, core::UtcTime t, int horizon_min) const;

 private:
  // The speed of the median trip (before the length and noise terms) picked up in minute m, as
  // known at minute `now` (m < now: what happened; m >= now: the expectation).
  double MedianSpeed(size_t cell, geo::CellId id, int64_t m, int64_t now, std::span<const int> known) const;

  GeneratorTruth truth_;
  geo::Grid grid_;
  std::vector<speed_model::CellSpeed> cell_speed_;
  std::vector<float> log_profile_[2];             // per minute: elsewhere, Manhattan
  std::vector<std::vector<int>> incidents_near_;  // per dense cell: incidents within 2 rings
  struct TripQuantile {
    double miles, factor, weight;  // length, speed factor, probability
  };
  std::array<std::vector<TripQuantile>, 2> quantiles_;  // [airport]
};

}  // namespace traffic::generate
