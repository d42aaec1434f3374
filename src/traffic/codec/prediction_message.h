// The `traffic-predictions` message (DESIGN.md "Messages"): one closed window of one cell, its
// observed level and, when a model is loaded, the forecast level and confidence per horizon.
// Key = cell_id. Flat fields, so that dashboards and SQL read them without unnesting. Example:
//   {"window_start":"2016-01-15T00:23:00Z","window_end":"2016-01-15T00:24:00Z","cell_id":"28_27",
//    "centre_lat":40.7624,"centre_lon":-73.9841,"trip_count":4,"avg_speed":8.25,
//    "congestion_level":"High","model_version":"20160115-ab12","forecast_15m":"High",
//    "confidence_15m":0.71,"forecast_30m":"Medium","confidence_30m":0.52,"forecast_60m":"Medium",
//    "confidence_60m":0.48,"forecast_source_15m":"persistence","forecast_source_30m":"model",
//    "forecast_source_60m":"model"}
// With forecasts off, model_version is "" and every forecast_*, confidence_* and
// forecast_source_* is null.
//
//   window_start, window_end   ISO-8601 UTC, end exclusive
//   centre_lat, centre_lon     geo::Grid::Centre(cell), the centre of the cell square
//   trip_count, avg_speed      the window's trips and mean trip speed (mph)
//   congestion_level           window::LevelName of the observed level
//   forecast_{h}m              level forecast for [t, t + h) for h in features::kHorizonsMin
//   confidence_{h}m            the probability of that level, 0..1 (the model's; for persistence
//                              the precision of that level on the model's test days)
//   forecast_source_{h}m       "model", or "persistence" where the model lost to persistence on
//                              its test days (DESIGN.md "Forecast": never serve a worse forecast)
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "traffic/codec/decode.h"
#include "traffic/codec/message_key.h"
#include "traffic/core/time.h"
#include "traffic/features/feature_row.h"
#include "traffic/geo/grid.h"
#include "traffic/window/level.h"
#include "traffic/window/windower.h"

namespace traffic::codec {

namespace internal {
class PaddedParser;
}

// Who made a forecast: the model, or the persistence baseline standing in where the model lost.
enum class ForecastSource : uint8_t { kModel = 0, kPersistence = 1 };
std::string_view ForecastSourceName(ForecastSource source);  // "model", "persistence"

struct HorizonForecast {
  window::CongestionLevel level = window::CongestionLevel::kLow;
  double confidence = 0;  // probability of `level`, 0..1
  ForecastSource source = ForecastSource::kModel;
  bool operator==(const HorizonForecast&) const = default;
};

struct PredictionRecord {
  core::UtcTime window_start;
  core::UtcTime window_end;
  geo::CellId cell;
  double centre_lat = 0;
  double centre_lon = 0;
  int64_t trip_count = 0;
  double avg_speed_mph = 0;
  window::CongestionLevel congestion_level = window::CongestionLevel::kLow;
  // Empty when forecasts are off; then every forecast is nullopt.
  std::string model_version;
  // Indexed like features::kHorizonsMin (15, 30, 60 minutes).
  std::array<std::optional<HorizonForecast>, features::kHorizonCount> forecasts;

  bool operator==(const PredictionRecord&) const = default;
};

// The observed part of a record from a closed window (no forecasts, no model version).
PredictionRecord MakePredictionRecord(const window::WindowAggregate& window, const geo::Grid& grid,
                                      const window::LevelThresholds& thresholds = {});

// Appends the message to *out (does not clear it). Doubles are printed so that they read back
// exactly. Precondition: model_version is valid UTF-8.
void AppendPredictionMessage(const PredictionRecord& record, std::string* out);

// Reads `traffic-predictions` messages (the dashboard server, tests). Reuse one decoder; not
// thread-safe. Every field of the example is required, except that forecast_*/confidence_* may
// be absent as well as null, and forecast_source_* may be absent (messages written before it:
// "model"). Checks: window_end > window_start; cell_id in the grid; trip_count
// >= 0; avg_speed and the centre finite; congestion_level and forecasts one of Low, Medium,
// High; a forecast has a confidence in 0..1 and a null forecast has none; no forecast without a
// model_version. The centre is not compared with the grid's (it is what the dashboard draws).
class PredictionDecoder {
 public:
  explicit PredictionDecoder(DecoderOptions options = {});
  ~PredictionDecoder();
  PredictionDecoder(PredictionDecoder&&) noexcept;
  PredictionDecoder& operator=(PredictionDecoder&&) noexcept;

  // On failure *out is unspecified. Never throws.
  DecodeStatus Decode(std::string_view json, PredictionRecord* out);

 private:
  DecodeStatus DecodeImpl(std::string_view json, PredictionRecord* out);

  DecoderOptions options_;
  geo::Grid grid_;
  std::unique_ptr<internal::PaddedParser> parser_;
};

}  // namespace traffic::codec
