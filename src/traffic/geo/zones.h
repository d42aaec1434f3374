// TLC taxi zones: zone-based trip records (2016-07 on) carry a LocationID instead of coordinates;
// we place such a trip at its zone's centroid (DESIGN.md "Trips").
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/geo/grid.h"

namespace traffic::geo {

class ZoneCentroids {
 public:
  // Parses taxi_zone_centroids.csv (`LocationID,...,centroid_lon,centroid_lat,...`), columns
  // found by name. `source` names the file in errors.
  static core::Result<ZoneCentroids> Parse(std::string_view csv, std::string_view source);

  // nullopt for an unknown zone (264/265 are "Unknown" in the TLC lookup and have no centroid).
  std::optional<LatLon> Find(int location_id) const {
    if (location_id < 0 || static_cast<size_t>(location_id) >= centroids_.size()) return std::nullopt;
    return centroids_[static_cast<size_t>(location_id)];
  }
  size_t size() const { return count_; }

 private:
  std::vector<std::optional<LatLon>> centroids_;
  size_t count_ = 0;
};

}  // namespace traffic::geo
