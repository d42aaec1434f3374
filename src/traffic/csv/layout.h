// Trip CSV layouts: every TLC yellow/green layout 2009-2016 (coordinates), the Kaggle
// trip-duration layout (no distance column) and the zone-based layouts (LocationIDs), detected
// from the header by column name (case-insensitive, surrounding spaces ignored, so the 2014
// " pickup_datetime" and green's "Trip_type " match).
#pragma once

#include <string>
#include <string_view>

#include "traffic/core/status.h"

namespace traffic::csv {

enum class LayoutKind {
  kCoordinates,  // TLC yellow/green 2009-2016: pickup/dropoff longitude and latitude
  kZones,        // TLC 2016-07 on: PULocationID / DOLocationID, placed at zone centroids
  kKaggle,       // Kaggle trip duration: coordinates, no trip distance (estimated, see parser)
};
std::string_view LayoutKindName(LayoutKind kind);

struct Layout {
  LayoutKind kind = LayoutKind::kCoordinates;
  int field_count = 0;  // fields in the header
  // Column index of each needed field; -1 when the layout does not have it.
  int pickup_time = -1;
  int dropoff_time = -1;
  int pickup_lat = -1;
  int pickup_lon = -1;
  int dropoff_lat = -1;
  int dropoff_lon = -1;
  int distance = -1;
  int passenger_count = -1;  // optional in every layout
  int pickup_zone = -1;
  int dropoff_zone = -1;
  int last_needed = -1;  // the highest index above: a row must reach it
};

// Detects the layout from a header line (without its line ending). A header that cannot yield
// pickup time, dropoff time, pickup and dropoff location and distance gives InvalidArgument
// naming each missing column and the names accepted for it, e.g.
// "missing columns: dropoff time (tpep_dropoff_datetime, ...)". The caller adds the file name.
core::Result<Layout> DetectLayout(std::string_view header);

}  // namespace traffic::csv
