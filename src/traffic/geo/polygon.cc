#include "traffic/geo/polygon.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace traffic::geo {

bool MultiPolygon::Contains(double lat, double lon) const {
  bool inside = false;
  for (const auto& polygon : polygons) {
    for (const auto& ring : polygon) {
      size_t n = ring.size();
      for (size_t i = 0, j = n - 1; i < n; j = i++) {
        const LatLon& a = ring[i];
        const LatLon& b = ring[j];
        if ((a.lat > lat) != (b.lat > lat) && lon < (b.lon - a.lon) * (lat - a.lat) / (b.lat - a.lat) + a.lon) {
          inside = !inside;
        }
      }
    }
  }
  return inside;
}

void MultiPolygon::BoundingBox(double* min_lat, double* min_lon, double* max_lat, double* max_lon) const {
  *min_lat = *min_lon = HUGE_VAL;
  *max_lat = *max_lon = -HUGE_VAL;
  for (const auto& polygon : polygons) {
    for (const auto& ring : polygon) {
      for (const LatLon& p : ring) {
        *min_lat = std::min(*min_lat, p.lat);
        *max_lat = std::max(*max_lat, p.lat);
        *min_lon = std::min(*min_lon, p.lon);
        *max_lon = std::max(*max_lon, p.lon);
      }
    }
  }
}

namespace {

core::Status ParseRing(simdjson::dom::array ring_json, std::vector<LatLon>* ring) {
  for (simdjson::dom::element point : ring_json) {
    simdjson::dom::array xy;
    if (point.get_array().get(xy) || xy.size() < 2) {
      return core::Status::Corrupt("a vertex is not a [lon, lat] pair");
    }
    double lon, lat;
    if (xy.at(0).get_double().get(lon) || xy.at(1).get_double().get(lat)) {
      return core::Status::Corrupt("a vertex coordinate is not a number");
    }
    ring->push_back({lat, lon});
  }
  if (ring->size() < 3) return core::Status::Corrupt("a ring has fewer than 3 vertices");
  return core::Status::Ok();
}

core::Status ParsePolygon(simdjson::dom::array rings_json, std::vector<std::vector<LatLon>>* polygon) {
  for (simdjson::dom::element ring_json : rings_json) {
    simdjson::dom::array ring_array;
    if (ring_json.get_array().get(ring_array)) return core::Status::Corrupt("a ring is not an array");
    polygon->emplace_back();
    TRAFFIC_RETURN_IF_ERROR(ParseRing(ring_array, &polygon->back()));
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<std::vector<NamedShape>> ParseGeoJsonShapes(std::string_view json, std::string_view name_property) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto error = parser.parse(padded).get(doc)) {
    return core::Status::Corrupt(std::string("not valid JSON: ") + simdjson::error_message(error));
  }
  simdjson::dom::array features;
  if (doc["features"].get_array().get(features)) {
    return core::Status::Corrupt("not a GeoJSON FeatureCollection (no \"features\" array)");
  }
  std::vector<NamedShape> shapes;
  size_t index = 0;
  for (simdjson::dom::element feature : features) {
    std::string where = "feature " + std::to_string(index++);
    NamedShape shape;
    simdjson::dom::element name;
    if (feature["properties"][name_property].get(name) == simdjson::SUCCESS) {
      std::string_view s;
      if (name.get_string().get(s) == simdjson::SUCCESS) {
        shape.name = std::string(s);
      } else {
        shape.name = simdjson::to_string(name);
      }
    } else {
      return core::Status::Corrupt(where + ": no property \"" + std::string(name_property) + "\"");
    }
    std::string_view type;
    simdjson::dom::array coordinates;
    if (feature["geometry"]["type"].get_string().get(type) ||
        feature["geometry"]["coordinates"].get_array().get(coordinates)) {
      return core::Status::Corrupt(where + ": no geometry type or coordinates");
    }
    if (type == "Polygon") {
      shape.shape.polygons.emplace_back();
      core::Status st = ParsePolygon(coordinates, &shape.shape.polygons.back());
      if (!st.ok()) return st.WithContext(where);
    } else if (type == "MultiPolygon") {
      for (simdjson::dom::element polygon_json : coordinates) {
        simdjson::dom::array rings;
        if (polygon_json.get_array().get(rings)) return core::Status::Corrupt(where + ": bad polygon");
        shape.shape.polygons.emplace_back();
        core::Status st = ParsePolygon(rings, &shape.shape.polygons.back());
        if (!st.ok()) return st.WithContext(where);
      }
    } else {
      return core::Status::Corrupt(where + ": geometry type " + std::string(type) + " is not Polygon or MultiPolygon");
    }
    shapes.push_back(std::move(shape));
  }
  return shapes;
}

PolygonIndex::PolygonIndex(MultiPolygon shape, double resolution_deg) : shape_(std::move(shape)), res_(resolution_deg) {
  double max_lat, max_lon;
  shape_.BoundingBox(&min_lat_, &min_lon_, &max_lat, &max_lon);
  if (shape_.polygons.empty()) return;
  rows_ = static_cast<int>(std::ceil((max_lat - min_lat_) / res_)) + 1;
  cols_ = static_cast<int>(std::ceil((max_lon - min_lon_) / res_)) + 1;
  cells_.assign(static_cast<size_t>(rows_) * cols_, Cell::kOutside);
  // Interior: one scanline through each raster row's centre; a cell centre is inside when an odd
  // number of edge crossings lie to its west.
  std::vector<double> crossings;
  for (int r = 0; r < rows_; ++r) {
    double y = min_lat_ + (r + 0.5) * res_;
    crossings.clear();
    for (const auto& polygon : shape_.polygons) {
      for (const auto& ring : polygon) {
        for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
          const LatLon& a = ring[i];
          const LatLon& b = ring[j];
          if ((a.lat > y) != (b.lat > y)) {
            crossings.push_back((b.lon - a.lon) * (y - a.lat) / (b.lat - a.lat) + a.lon);
          }
        }
      }
    }
    std::sort(crossings.begin(), crossings.end());
    size_t k = 0;
    for (int c = 0; c < cols_; ++c) {
      double x = min_lon_ + (c + 0.5) * res_;
      while (k < crossings.size() && crossings[k] < x) ++k;
      if (k % 2 == 1) cells_[static_cast<size_t>(r) * cols_ + c] = Cell::kInside;
    }
  }
  // Boundary: every cell an edge's bounding box touches needs the exact test. A point of row r can
  // only cross edges whose latitude span maps to rows including r (the row formula is monotone).
  row_edges_.assign(static_cast<size_t>(rows_), {});
  for (const auto& polygon : shape_.polygons) {
    for (const auto& ring : polygon) {
      for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
        const LatLon& a = ring[i];
        const LatLon& b = ring[j];
        int r0 = static_cast<int>((std::min(a.lat, b.lat) - min_lat_) / res_);
        int r1 = static_cast<int>((std::max(a.lat, b.lat) - min_lat_) / res_);
        int c0 = static_cast<int>((std::min(a.lon, b.lon) - min_lon_) / res_);
        int c1 = static_cast<int>((std::max(a.lon, b.lon) - min_lon_) / res_);
        for (int r = std::max(r0, 0); r <= std::min(r1, rows_ - 1); ++r) {
          row_edges_[static_cast<size_t>(r)].push_back({a, b});
          for (int c = std::max(c0, 0); c <= std::min(c1, cols_ - 1); ++c) {
            cells_[static_cast<size_t>(r) * cols_ + c] = Cell::kBoundary;
          }
        }
      }
    }
  }
}

bool PolygonIndex::Contains(double lat, double lon) const {
  if (cells_.empty()) return false;
  double fr = (lat - min_lat_) / res_;
  double fc = (lon - min_lon_) / res_;
  if (!(fr >= 0 && fr < rows_ && fc >= 0 && fc < cols_)) return false;
  Cell cell = cells_[static_cast<size_t>(fr) * cols_ + static_cast<size_t>(fc)];
  if (cell != Cell::kBoundary) return cell == Cell::kInside;
  // The exact even-odd test of MultiPolygon::Contains, on the edges of this row only.
  bool inside = false;
  for (const Edge& e : row_edges_[static_cast<size_t>(fr)]) {
    if ((e.a.lat > lat) != (e.b.lat > lat) &&
        lon < (e.b.lon - e.a.lon) * (lat - e.a.lat) / (e.b.lat - e.a.lat) + e.a.lon) {
      inside = !inside;
    }
  }
  return inside;
}

}  // namespace traffic::geo
