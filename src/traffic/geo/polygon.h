// Polygons on lon/lat, point-in-polygon tests, and a raster index that makes the test cheap for
// the millions of points a clean run asks about (is this pickup in Manhattan? on land?).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/geo/grid.h"

namespace traffic::geo {

// Rings of (lon, lat) vertices; the first ring of a polygon is its outline, later ones holes.
// Even-odd rule over all rings, which is correct for GeoJSON polygons with holes.
struct MultiPolygon {
  std::vector<std::vector<std::vector<LatLon>>> polygons;
  bool Contains(double lat, double lon) const;
  void BoundingBox(double* min_lat, double* min_lon, double* max_lat, double* max_lon) const;
};

struct NamedShape {
  std::string name;
  MultiPolygon shape;
};

// Parses a GeoJSON FeatureCollection of Polygon/MultiPolygon features; `name_property` picks the
// feature's name (e.g. "BoroName"). Errors name the feature index and what was wrong.
core::Result<std::vector<NamedShape>> ParseGeoJsonShapes(std::string_view json, std::string_view name_property);

// Answers Contains() through a raster of `resolution_deg` cells over the shape's bounding box:
// cells wholly inside or outside answer at once; only cells the boundary crosses run the exact test,
// and that test visits only the edges spanning the cell's raster row (same answer, far fewer edges).
class PolygonIndex {
 public:
  PolygonIndex() = default;
  PolygonIndex(MultiPolygon shape, double resolution_deg = 0.002);
  bool Contains(double lat, double lon) const;
  bool empty() const { return shape_.polygons.empty(); }

 private:
  enum class Cell : unsigned char { kOutside, kInside, kBoundary };
  struct Edge {
    LatLon a, b;
  };
  MultiPolygon shape_;
  std::vector<std::vector<Edge>> row_edges_;  // per raster row, the edges whose latitudes reach it
  double min_lat_ = 0, min_lon_ = 0, res_ = 1;
  int rows_ = 0, cols_ = 0;
  std::vector<Cell> cells_;
};

}  // namespace traffic::geo
