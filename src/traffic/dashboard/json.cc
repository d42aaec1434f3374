#include "traffic/dashboard/json.h"

#include <charconv>
#include <cmath>

namespace traffic::dashboard {

void AppendNumber(double v, std::string* out) {
  if (!std::isfinite(v)) {
    *out += "null";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

namespace {
std::string Number(double v) {
  std::string s;
  AppendNumber(v, &s);
  return s;
}
double Round(double v) { return std::round(v * 1e10) / 1e10; }
}  // namespace

std::string LevelString(int level) {
  return std::string(window::LevelName(static_cast<window::CongestionLevel>(level)));
}

void WriteCellNowFields(const WindowStore& store, geo::CellId cell, const StoredWindow& w, core::JsonWriter& j) {
  const auto& spec = store.grid().spec();
  double south = Round(spec.origin_lat + cell.row * spec.cell_deg);
  double west = Round(spec.origin_lon + cell.col * spec.cell_deg);
  double north = Round(spec.origin_lat + (cell.row + 1) * spec.cell_deg);
  double east = Round(spec.origin_lon + (cell.col + 1) * spec.cell_deg);
  double clat = Round(spec.origin_lat + (cell.row + 0.5) * spec.cell_deg);
  double clon = Round(spec.origin_lon + (cell.col + 0.5) * spec.cell_deg);
  j.Key("cell_id").String(cell.ToString()).Key("row").Int(cell.row).Key("col").Int(cell.col);
  j.Key("centre").BeginArray().Raw(Number(clon)).Raw(Number(clat)).EndArray();
  j.Key("square").BeginArray();
  j.BeginArray().Raw(Number(west)).Raw(Number(south)).EndArray();
  j.BeginArray().Raw(Number(east)).Raw(Number(south)).EndArray();
  j.BeginArray().Raw(Number(east)).Raw(Number(north)).EndArray();
  j.BeginArray().Raw(Number(west)).Raw(Number(north)).EndArray();
  j.EndArray();
  const CellPlace* place = store.Place(cell);
  j.Key("borough");
  if (place && !place->borough.empty())
    j.String(place->borough);
  else
    j.Null();
  j.Key("zone");
  if (place && !place->zone.empty())
    j.String(place->zone);
  else
    j.Null();
  j.Key("window_start").String(core::FormatIsoUtc(core::FromEpochSeconds(w.start_s)));
  j.Key("window_end").String(core::FormatIsoUtc(core::FromEpochSeconds(w.end_s())));
  j.Key("trip_count").Int(w.trip_count).Key("avg_speed").Raw(Number(w.avg_speed_mph));
  j.Key("congestion_level").String(LevelString(w.level));
  j.Key("forecasts").BeginObject();
  for (int h = 0; h < features::kHorizonCount; ++h) {
    j.Key(std::to_string(features::kHorizonsMin[h]));
    if (w.forecast[h] == kNoLevel) {
      j.Null();
    } else {
      j.BeginObject().Key("level").String(LevelString(w.forecast[h]));
      j.Key("confidence").Raw(Number(static_cast<double>(w.confidence[h])));
      j.Key("source").String(codec::ForecastSourceName(w.source(h))).EndObject();
    }
  }
  j.EndObject();
  j.Key("model_version").String(store.ModelName(w.model));
}

void AppendCellNow(const WindowStore& store, geo::CellId cell, const StoredWindow& w, std::string* out) {
  core::JsonWriter j;
  j.BeginObject();
  WriteCellNowFields(store, cell, w, j);
  j.EndObject();
  *out += j.str();
}

}  // namespace traffic::dashboard
