// Reference data read from the geo folder (DESIGN.md Part 3 "Reference data"): NYC Open Data's
// taxi-zone centroids and borough boundaries. Default ../shared/data/geo, or --geo-dir /
// $TRAFFIC_GEO_DIR.
#pragma once

#include <memory>
#include <string>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"
#include "traffic/geo/polygon.h"
#include "traffic/geo/zones.h"

namespace traffic::pipeline {

struct ReferenceData {
  std::string geo_dir;
  geo::ZoneCentroids zones;
  geo::PolygonIndex manhattan;  // for is_manhattan
  geo::PolygonIndex land;       // the five boroughs (only when asked for): where generated trips go
};

enum class Needs { kZonesAndManhattan, kAlsoLand };

// The geo folder to use: `flag` when given, else $TRAFFIC_GEO_DIR, else ../shared/data/geo.
std::string ResolveGeoDir(const std::string& flag);

// Loads taxi_zone_centroids.csv and nyc_borough_boundaries.geojson from `geo_dir`; errors name
// the file.
core::Result<std::shared_ptr<const ReferenceData>> LoadReferenceData(fs::FileSystem& local, const std::string& geo_dir,
                                                                     Needs needs = Needs::kZonesAndManhattan);

}  // namespace traffic::pipeline
