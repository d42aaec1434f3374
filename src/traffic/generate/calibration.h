// Parameters of the synthetic trip generator fitted from the real samples in ../shared/data
// (aggregates only; scripts/fit/fit_generator.py writes calibration.cc, run by hand, not at build).
#pragma once

#include <cstdint>

namespace traffic::generate::calibration {

// Demand: relative pickup rate by New York local hour of week (ISO Monday 00:00-00:59 = 0,
// Sunday 23:00 = 167), mean 1.
extern const double kDemandByHourOfWeek[168];
// Median trip speed (mph) by local hour of week, for pickups in Manhattan and elsewhere.
extern const double kManhattanMphByHourOfWeek[168];
extern const double kOtherMphByHourOfWeek[168];

// Trip length (road miles) is lognormal: log-median and log-sd; pickups at the airports apart.
extern const double kDistanceLogMedian;
extern const double kDistanceLogSigma;
extern const double kAirportDistanceLogMedian;
extern const double kAirportDistanceLogSigma;
extern const double kDetourMedian;             // road miles per straight-line mile
extern const double kSpeedDistanceElasticity;  // longer trips are faster: d log v / d log miles
extern const double kSpeedLogNoiseSigma;       // residual sd of log speed in the real trips

// One grid cell (DESIGN.md grid, 0.01 degrees) seen in the real coordinate samples.
struct CellCalibration {
  int16_t row;
  int16_t col;
  int32_t pickups;          // pickups counted in the samples
  int32_t attraction;       // pickups + dropoffs counted in the samples
  double log_speed_factor;  // shrunk mean residual of log speed against the hourly profile
  bool manhattan;           // cell mostly inside the Manhattan borough polygon
  bool airport;             // cell centre inside the JFK or LaGuardia taxi zone
};
extern const CellCalibration kCells[];
extern const int kCellCount;

}  // namespace traffic::generate::calibration
