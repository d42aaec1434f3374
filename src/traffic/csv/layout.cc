#include "traffic/csv/layout.h"

#include <array>
#include <vector>

#include "traffic/core/text.h"

namespace traffic::csv {
namespace {

struct Column {
  const char* what;                     // for error messages
  std::vector<std::string_view> names;  // lower-case
};

const Column kPickupTime{"pickup time",
                         {"tpep_pickup_datetime", "lpep_pickup_datetime", "pickup_datetime", "trip_pickup_datetime"}};
const Column kDropoffTime{
    "dropoff time", {"tpep_dropoff_datetime", "lpep_dropoff_datetime", "dropoff_datetime", "trip_dropoff_datetime"}};
const Column kPickupLat{"pickup latitude", {"pickup_latitude", "start_lat"}};
const Column kPickupLon{"pickup longitude", {"pickup_longitude", "start_lon"}};
const Column kDropoffLat{"dropoff latitude", {"dropoff_latitude", "end_lat"}};
const Column kDropoffLon{"dropoff longitude", {"dropoff_longitude", "end_lon"}};
const Column kDistance{"trip distance", {"trip_distance"}};
const Column kPassengers{"passenger count", {"passenger_count"}};
const Column kPickupZone{"pickup zone", {"pulocationid", "pickup_location_id"}};
const Column kDropoffZone{"dropoff zone", {"dolocationid", "dropoff_location_id"}};
const Column kKaggleDuration{"trip duration", {"trip_duration"}};

int Find(const std::vector<std::string>& header, const Column& column) {
  for (size_t i = 0; i < header.size(); ++i) {
    for (std::string_view name : column.names) {
      if (header[i] == name) return static_cast<int>(i);
    }
  }
  return -1;
}

std::string Describe(const Column& column) {
  std::string out = std::string(column.what) + " (";
  for (size_t i = 0; i < column.names.size(); ++i) {
    if (i > 0) out += ", ";
    out += column.names[i];
  }
  return out + ")";
}

}  // namespace

std::string_view LayoutKindName(LayoutKind kind) {
  switch (kind) {
    case LayoutKind::kCoordinates:
      return "tlc-coordinates";
    case LayoutKind::kZones:
      return "tlc-zones";
    case LayoutKind::kKaggle:
      return "kaggle";
  }
  return "unknown";
}

core::Result<Layout> DetectLayout(std::string_view header_line) {
  header_line = core::Trim(header_line);
  if (header_line.size() >= 3 && header_line.substr(0, 3) == "\xEF\xBB\xBF") {
    header_line.remove_prefix(3);  // UTF-8 byte order mark
  }
  std::vector<std::string> header;
  for (std::string_view name : core::SplitSimple(header_line, ',')) {
    name = core::Trim(name);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    header.push_back(core::ToLower(name));
  }
  Layout layout;
  layout.field_count = static_cast<int>(header.size());
  layout.pickup_time = Find(header, kPickupTime);
  layout.dropoff_time = Find(header, kDropoffTime);
  layout.pickup_lat = Find(header, kPickupLat);
  layout.pickup_lon = Find(header, kPickupLon);
  layout.dropoff_lat = Find(header, kDropoffLat);
  layout.dropoff_lon = Find(header, kDropoffLon);
  layout.distance = Find(header, kDistance);
  layout.passenger_count = Find(header, kPassengers);
  layout.pickup_zone = Find(header, kPickupZone);
  layout.dropoff_zone = Find(header, kDropoffZone);

  bool has_coordinates =
      layout.pickup_lat >= 0 && layout.pickup_lon >= 0 && layout.dropoff_lat >= 0 && layout.dropoff_lon >= 0;
  bool has_zones = layout.pickup_zone >= 0 && layout.dropoff_zone >= 0;
  bool kaggle = has_coordinates && layout.distance < 0 && Find(header, kKaggleDuration) >= 0;
  if (has_coordinates) {
    layout.kind = kaggle ? LayoutKind::kKaggle : LayoutKind::kCoordinates;
    layout.pickup_zone = layout.dropoff_zone = -1;
  } else if (has_zones) {
    layout.kind = LayoutKind::kZones;
  }

  std::vector<std::string> missing;
  if (layout.pickup_time < 0) missing.push_back(Describe(kPickupTime));
  if (layout.dropoff_time < 0) missing.push_back(Describe(kDropoffTime));
  if (!has_coordinates && !has_zones) {
    // Name what is missing of the coordinate form, the common one, and mention zones.
    if (layout.pickup_lat < 0 && layout.pickup_zone < 0)
      missing.push_back(Describe(kPickupLat) + " or " + Describe(kPickupZone));
    else if (layout.pickup_lon < 0 && layout.pickup_zone < 0)
      missing.push_back(Describe(kPickupLon) + " or " + Describe(kPickupZone));
    if (layout.dropoff_lat < 0 && layout.dropoff_zone < 0)
      missing.push_back(Describe(kDropoffLat) + " or " + Describe(kDropoffZone));
    else if (layout.dropoff_lon < 0 && layout.dropoff_zone < 0)
      missing.push_back(Describe(kDropoffLon) + " or " + Describe(kDropoffZone));
  }
  if (layout.distance < 0 && !kaggle) missing.push_back(Describe(kDistance));
  if (!missing.empty()) {
    std::string msg = "unrecognised trip layout, missing columns: ";
    for (size_t i = 0; i < missing.size(); ++i) msg += (i ? "; " : "") + missing[i];
    return core::Status::InvalidArgument(msg);
  }
  for (int index :
       {layout.pickup_time, layout.dropoff_time, layout.pickup_lat, layout.pickup_lon, layout.dropoff_lat,
        layout.dropoff_lon, layout.distance, layout.passenger_count, layout.pickup_zone, layout.dropoff_zone}) {
    layout.last_needed = std::max(layout.last_needed, index);
  }
  return layout;
}

}  // namespace traffic::csv
