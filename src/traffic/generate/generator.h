// Synthetic taxi trips for `traffic generate`: deterministic for a seed, any volume, streamed.
//
// The model (parameters fitted from the real samples in ../shared/data, see calibration.h):
// - Demand: each New York local day gets `trips_per_day` expected pickups, spread over its minutes
//   by the real hour-of-week profile (interpolated between hours); each UTC minute draws a Poisson
//   count and places pickups uniformly in its 60 seconds. A DST day has 23 or 25 hours of minutes.
// - Where: pickup cells drawn from the real per-cell pickup counts (98%) or uniformly over the city
//   (2%), uniform inside the cell, rejected until on land. Trip length is lognormal in road miles
//   (median ~1.6 mi; ~11 mi from JFK/LaGuardia); the dropoff lies length/detour (~1.3) away in one
//   of 4 random directions, chosen by the real pickup+dropoff density there, on land in the city.
// - Speed of a trip = profile(Manhattan or elsewhere, local time of week, fitted medians: ~8-10 mph
//   in Manhattan daytime, ~17-19 at night, ~18-30 elsewhere) x cell factor (fitted)
//   x city factor (AR(1) in log, sd 6%, time constant 2 h) x incident factor(pickup cell, minute)
//   x (miles / median miles)^0.21 x lognormal noise (log sd 0.28); clamped to 2.5..55 mph.
//   Duration = miles / speed, 60..10800 s. Without incidents the median speed is ~11 mph (as the
//   2015-16 samples); the default incidents take it to ~10 (High ~49%, Medium ~40%, Low ~11%).
// - Incidents (Poisson, `incidents_per_day` a day, more when demand is high; placed like pickups):
//   the speed factor in the cell falls linearly from 1 to `severity` (0.25..0.6) over
//   `build_up_min` (10..30), holds for `hold_min` (5..30), then recovers exponentially with time
//   constant `decay_min` (10..30; cut after 3 of them). The 8 neighbouring cells feel half the loss
//   5 minutes later, the 16 cells of the next ring a fifth of it 10 minutes later. Overlapping
//   incidents multiply.
// So a cell's speed is the weekly profile plus slow city-wide drift plus incidents that persist
// for tens of minutes and spread to neighbours: the recent speeds of a cell and its neighbours
// carry information the weekly profile lacks.
//
// Domain code: no I/O, no threads, no wall clock. Memory is O(cells + active incidents), whatever
// the volume. Randomness comes from our own xoshiro256** streams (one for trips, one for incidents,
// one for the city factor), never from std distributions, so output is the same on every platform.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/time.h"
#include "traffic/geo/grid.h"
#include "traffic/geo/polygon.h"
#include "traffic/trip/trip.h"

namespace traffic::generate {

// A traffic incident: speeds in `cell` fall to `severity` times normal at the peak.
struct Incident {
  geo::CellId cell;
  core::UtcTime start;
  int build_up_min = 15;  // linear fall of the speed factor from 1 to severity
  int hold_min = 15;      // at the peak
  int decay_min = 20;     // exponential recovery time constant
  double severity = 0.4;  // speed factor in the cell at the peak, 0 < severity <= 1

  // When the incident stops having an effect anywhere (neighbour rings lag the cell by 10 min).
  core::UtcTime end() const;
  // Speed factor at `ring` cells (Chebyshev distance: 0 = the cell, 1, 2) away from the incident,
  // `minutes` after its start (fractional). 1 outside the incident's reach.
  double SpeedFactor(int ring, double minutes) const;
};

struct GeneratorOptions {
  uint64_t seed = 42;
  core::LocalDateTime start{2016, 1, 4, 0, 0, 0};  // New York local time, usually midnight
  int days = 7;                                    // New York local days
  int64_t trips_per_day = 50000;                   // expected pickups per local day
  double incidents_per_day = 24;                   // expected random incidents per day; 0: none
  // Incidents in addition to the random ones (demos, tests); they draw no random numbers, so
  // adding one changes only the speeds and dropoff times of trips near it.
  std::vector<Incident> scheduled_incidents;
  // Called once per incident (random or scheduled) when it starts, e.g. to record ground truth.
  std::function<void(const Incident&)> on_incident;
  // Called at the start of each minute with the city factor's log for that minute and the
  // minute's share of its day's pickups, after the minute's incidents have started (the
  // oracle's truth, oracle.h).
  std::function<void(core::UtcTime minute_start, double city_log, double demand_share)> on_minute;
};

// The five boroughs as one shape, for the `land` index (ParseGeoJsonShapes(json, "BoroName")).
geo::MultiPolygon UnionOfShapes(const std::vector<geo::NamedShape>& shapes);

class TripGenerator {
 public:
  // `land`: where pickups and dropoffs may be (the union of the borough polygons); must outlive
  // the generator. Null (tests): anywhere in the cleaning box.
  TripGenerator(GeneratorOptions options, const geo::PolygonIndex* land);
  ~TripGenerator();
  TripGenerator(const TripGenerator&) = delete;
  TripGenerator& operator=(const TripGenerator&) = delete;

  // The next trip in pickup-time order (ties in the same second in generation order); false at
  // the end of the last day. Every trip passes the cleaning rules of DESIGN.md: coordinates are
  // already rounded to 6 decimals and the distance to 2, as the CSV row writes them.
  bool Next(trip::Trip* out);

  // [begin, end): the UTC span of the requested local days.
  core::UtcTime begin() const;
  core::UtcTime end() const;
  int64_t generated() const;
  int64_t incidents_started() const;
  // Incidents in effect in the minute of the last trip returned.
  const std::vector<Incident>& active_incidents() const;
  // Speed factor that incidents impose on `cell` in the minute of the last trip returned (1: none).
  double IncidentSpeedFactor(geo::CellId cell) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The official 2015 yellow taxi CSV layout (19 columns), without a line ending.
std::string_view Yellow2015Header();
// Appends one row for `t` ending in '\n': New York local times, coordinates with 6 decimals,
// distance with 2, and a plausible fare (2015 meter: $2.50 + $2.50/mi + $0.50/min when slow,
// night/peak extras, MTA tax, improvement surcharge, a card tip); vendor, payment and tip derive
// from the trip's event_id, so the row is a pure function of the trip.
void AppendYellow2015Row(const trip::Trip& t, std::string* out);

}  // namespace traffic::generate
