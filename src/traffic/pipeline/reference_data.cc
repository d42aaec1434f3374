#include "traffic/pipeline/reference_data.h"

#include <cstdlib>

namespace traffic::pipeline {

std::string ResolveGeoDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("TRAFFIC_GEO_DIR"); env != nullptr && *env != '\0') return env;
  return "../shared/data/geo";
}

core::Result<std::shared_ptr<const ReferenceData>> LoadReferenceData(fs::FileSystem& local, const std::string& geo_dir,
                                                                     Needs needs) {
  auto data = std::make_shared<ReferenceData>();
  data->geo_dir = geo_dir;
  const std::string centroids_path = fs::JoinPath(geo_dir, "taxi_zone_centroids.csv");
  auto centroids_text = local.ReadAll(centroids_path);
  if (!centroids_text.ok()) {
    return centroids_text.status().WithContext(
        "reference data (set --geo-dir or TRAFFIC_GEO_DIR to the NYC taxi-zone/borough folder)");
  }
  TRAFFIC_ASSIGN_OR_RETURN(data->zones, geo::ZoneCentroids::Parse(*centroids_text, centroids_path));

  const std::string boroughs_path = fs::JoinPath(geo_dir, "nyc_borough_boundaries.geojson");
  TRAFFIC_ASSIGN_OR_RETURN(std::string boroughs_text, local.ReadAll(boroughs_path));
  auto shapes = geo::ParseGeoJsonShapes(boroughs_text, "BoroName");
  if (!shapes.ok()) return shapes.status().WithContext(boroughs_path);
  geo::MultiPolygon land;
  bool found_manhattan = false;
  for (auto& shape : *shapes) {
    if (shape.name == "Manhattan") {
      // Fine raster: Manhattan is narrow, so coarse cells would mostly straddle its shore.
      data->manhattan = geo::PolygonIndex(shape.shape, 0.0005);
      found_manhattan = true;
    }
    for (auto& polygon : shape.shape.polygons) land.polygons.push_back(std::move(polygon));
  }
  if (!found_manhattan) return core::Status::Corrupt(boroughs_path + ": no feature with BoroName Manhattan");
  if (needs == Needs::kAlsoLand) data->land = geo::PolygonIndex(std::move(land), 0.002);
  return std::shared_ptr<const ReferenceData>(std::move(data));
}

}  // namespace traffic::pipeline
