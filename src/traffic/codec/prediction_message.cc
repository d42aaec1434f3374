#include "traffic/codec/prediction_message.h"

#include <cmath>

#include "traffic/codec/field_reader.h"
#include "traffic/codec/json_append.h"

namespace traffic::codec {
namespace {

using internal::AppendDouble;
using internal::AppendKey;

static_assert(features::kHorizonCount == 3 && features::kHorizonsMin[0] == 15 && features::kHorizonsMin[1] == 30 &&
                  features::kHorizonsMin[2] == 60,
              "the forecast field names below follow features::kHorizonsMin");

constexpr std::string_view kForecastKeys[] = {"forecast_15m", "forecast_30m", "forecast_60m"};
constexpr std::string_view kConfidenceKeys[] = {"confidence_15m", "confidence_30m", "confidence_60m"};
constexpr std::string_view kSourceKeys[] = {"forecast_source_15m", "forecast_source_30m", "forecast_source_60m"};

bool ReadLevel(internal::od::value& v, std::string_view field, window::CongestionLevel* out, DecodeStatus* st) {
  std::string_view s;
  if (!internal::ReadString(v, field, &s, st)) return false;
  std::optional<window::CongestionLevel> level = window::ParseLevel(s);
  if (!level) {
    *st = internal::FieldError(DecodeErrorKind::kOutOfRange, field,
                               "\"" + internal::Excerpt(s) + "\" is not Low, Medium or High");
    return false;
  }
  *out = *level;
  return true;
}

}  // namespace

std::string_view ForecastSourceName(ForecastSource source) {
  return source == ForecastSource::kPersistence ? "persistence" : "model";
}

PredictionRecord MakePredictionRecord(const window::WindowAggregate& w, const geo::Grid& grid,
                                      const window::LevelThresholds& thresholds) {
  PredictionRecord r;
  r.window_start = w.window_start;
  r.window_end = w.window_end;
  r.cell = w.cell;
  geo::LatLon centre = grid.Centre(w.cell);
  r.centre_lat = centre.lat;
  r.centre_lon = centre.lon;
  r.trip_count = w.trip_count();
  r.avg_speed_mph = w.avg_speed_mph();
  r.congestion_level = w.level(thresholds);
  return r;
}

void AppendPredictionMessage(const PredictionRecord& r, std::string* out) {
  out->push_back('{');
  AppendKey(out, "window_start", /*first=*/true);
  internal::AppendIsoUtc(out, r.window_start);
  AppendKey(out, "window_end");
  internal::AppendIsoUtc(out, r.window_end);
  AppendKey(out, "cell_id");
  internal::AppendCell(out, r.cell, true);
  AppendKey(out, "centre_lat");
  AppendDouble(out, r.centre_lat);
  AppendKey(out, "centre_lon");
  AppendDouble(out, r.centre_lon);
  AppendKey(out, "trip_count");
  internal::AppendInt(out, r.trip_count);
  AppendKey(out, "avg_speed");
  AppendDouble(out, r.avg_speed_mph);
  AppendKey(out, "congestion_level");
  internal::AppendJsonString(out, window::LevelName(r.congestion_level));
  AppendKey(out, "model_version");
  internal::AppendJsonString(out, r.model_version);
  for (int h = 0; h < features::kHorizonCount; ++h) {
    const std::optional<HorizonForecast>& f = r.forecasts[static_cast<size_t>(h)];
    AppendKey(out, kForecastKeys[h]);
    if (f)
      internal::AppendJsonString(out, window::LevelName(f->level));
    else
      out->append("null");
    AppendKey(out, kConfidenceKeys[h]);
    if (f)
      AppendDouble(out, f->confidence);
    else
      out->append("null");
  }
  for (int h = 0; h < features::kHorizonCount; ++h) {
    const std::optional<HorizonForecast>& f = r.forecasts[static_cast<size_t>(h)];
    AppendKey(out, kSourceKeys[h]);
    if (f)
      internal::AppendJsonString(out, ForecastSourceName(f->source));
    else
      out->append("null");
  }
  out->push_back('}');
}

PredictionDecoder::PredictionDecoder(DecoderOptions options)
    : options_(options),
      grid_(options.grid),
      parser_(std::make_unique<internal::PaddedParser>(options.max_message_bytes)) {}
PredictionDecoder::~PredictionDecoder() = default;
PredictionDecoder::PredictionDecoder(PredictionDecoder&&) noexcept = default;
PredictionDecoder& PredictionDecoder::operator=(PredictionDecoder&&) noexcept = default;

DecodeStatus PredictionDecoder::Decode(std::string_view json, PredictionRecord* out) {
  return internal::GuardedDecode([&] { return DecodeImpl(json, out); });
}

// Long because it is the message schema, one field after another, each with its own error.
DecodeStatus PredictionDecoder::DecodeImpl(std::string_view json, PredictionRecord* out) {
  namespace od = internal::od;
  od::document doc;
  od::object object;
  DecodeStatus st = parser_->Open(json, &doc, &object);
  if (!st.ok()) return st;

  PredictionRecord& r = *out;
  r.forecasts = {};
  std::string_view cell_text, version;
  std::array<std::optional<window::CongestionLevel>, features::kHorizonCount> levels;
  std::array<std::optional<double>, features::kHorizonCount> confidences;
  std::array<std::optional<ForecastSource>, features::kHorizonCount> sources;
  od::value v;
  using internal::ReadDouble;
  using internal::Require;
  if (!Require(object, "window_start", &v, &st) || !internal::ReadTime(v, "window_start", &r.window_start, &st) ||
      !Require(object, "window_end", &v, &st) || !internal::ReadTime(v, "window_end", &r.window_end, &st) ||
      !Require(object, "cell_id", &v, &st) || !internal::ReadString(v, "cell_id", &cell_text, &st) ||
      !Require(object, "centre_lat", &v, &st) || !ReadDouble(v, "centre_lat", &r.centre_lat, &st) ||
      !Require(object, "centre_lon", &v, &st) || !ReadDouble(v, "centre_lon", &r.centre_lon, &st) ||
      !Require(object, "trip_count", &v, &st) || !internal::ReadInt(v, "trip_count", &r.trip_count, &st) ||
      !Require(object, "avg_speed", &v, &st) || !ReadDouble(v, "avg_speed", &r.avg_speed_mph, &st) ||
      !Require(object, "congestion_level", &v, &st) || !ReadLevel(v, "congestion_level", &r.congestion_level, &st) ||
      !Require(object, "model_version", &v, &st) || !internal::ReadString(v, "model_version", &version, &st)) {
    return st;
  }
  r.model_version.assign(version);
  for (size_t h = 0; h < levels.size(); ++h) {
    bool is_null;
    if (internal::Find(object, kForecastKeys[h], &v, &st)) {
      if (!internal::IsNull(v, kForecastKeys[h], &is_null, &st)) return st;
      window::CongestionLevel level;
      if (!is_null) {
        if (!ReadLevel(v, kForecastKeys[h], &level, &st)) return st;
        levels[h] = level;
      }
    } else if (!st.ok()) {
      return st;
    }
    if (internal::Find(object, kConfidenceKeys[h], &v, &st)) {
      if (!internal::IsNull(v, kConfidenceKeys[h], &is_null, &st)) return st;
      double c;
      if (!is_null) {
        if (!ReadDouble(v, kConfidenceKeys[h], &c, &st)) return st;
        confidences[h] = c;
      }
    } else if (!st.ok()) {
      return st;
    }
    if (internal::Find(object, kSourceKeys[h], &v, &st)) {
      if (!internal::IsNull(v, kSourceKeys[h], &is_null, &st)) return st;
      std::string_view s;
      if (!is_null) {
        if (!internal::ReadString(v, kSourceKeys[h], &s, &st)) return st;
        if (s == "model") {
          sources[h] = ForecastSource::kModel;
        } else if (s == "persistence") {
          sources[h] = ForecastSource::kPersistence;
        } else {
          return internal::FieldError(DecodeErrorKind::kOutOfRange, kSourceKeys[h],
                                      "\"" + internal::Excerpt(s) + "\" is not model or persistence");
        }
      }
    } else if (!st.ok()) {
      return st;
    }
  }

  std::optional<geo::CellId> cell = geo::CellId::Parse(cell_text);
  if (!cell) {
    return internal::FieldError(DecodeErrorKind::kOutOfRange, "cell_id",
                                "\"" + internal::Excerpt(cell_text) + "\" is not {row}_{col}");
  }
  if (!grid_.Contains(*cell)) {
    return internal::OutOfRange("cell_id", std::string(cell_text) + " is outside the grid");
  }
  r.cell = *cell;
  if (r.window_end <= r.window_start) {
    return internal::FieldError(DecodeErrorKind::kInconsistent, "window_end", "not after window_start");
  }
  if (r.trip_count < 0) return internal::OutOfRange("trip_count", std::to_string(r.trip_count));
  if (!std::isfinite(r.avg_speed_mph) || r.avg_speed_mph < 0) {
    return internal::OutOfRange("avg_speed", internal::DoubleText(r.avg_speed_mph));
  }
  for (size_t h = 0; h < levels.size(); ++h) {
    std::string_view forecast = kForecastKeys[h];
    std::string_view confidence = kConfidenceKeys[h];
    if (levels[h].has_value() != confidences[h].has_value()) {
      return internal::FieldError(
          DecodeErrorKind::kInconsistent, levels[h] ? confidence : forecast,
          "missing or null while " + std::string(levels[h] ? forecast : confidence) + " is set");
    }
    if (!levels[h]) {
      if (sources[h]) {
        return internal::FieldError(DecodeErrorKind::kInconsistent, kSourceKeys[h],
                                    "set while " + std::string(forecast) + " is null");
      }
      continue;
    }
    if (!(*confidences[h] >= 0 && *confidences[h] <= 1)) {
      return internal::OutOfRange(confidence, internal::DoubleText(*confidences[h]) + " (expected 0..1)");
    }
    if (r.model_version.empty()) {
      return internal::FieldError(DecodeErrorKind::kInconsistent, forecast,
                                  "set while model_version is empty (forecasts off)");
    }
    r.forecasts[h] = HorizonForecast{*levels[h], *confidences[h], sources[h].value_or(ForecastSource::kModel)};
  }
  return {};
}

}  // namespace traffic::codec
