#include "traffic/geo/zones.h"

#include <algorithm>
#include <string>

#include "traffic/core/text.h"

namespace traffic::geo {

core::Result<ZoneCentroids> ZoneCentroids::Parse(std::string_view csv, std::string_view source) {
  std::vector<std::string_view> lines = core::SplitSimple(csv, '\n');
  if (lines.empty() || core::Trim(lines[0]).empty()) {
    return core::Status::Corrupt(std::string(source) + ": empty zone centroid file");
  }
  std::vector<std::string_view> header = core::SplitSimple(core::Trim(lines[0]), ',');
  int id_col = -1, lon_col = -1, lat_col = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = core::ToLower(core::Trim(header[i]));
    if (name == "locationid") id_col = static_cast<int>(i);
    if (name == "centroid_lon") lon_col = static_cast<int>(i);
    if (name == "centroid_lat") lat_col = static_cast<int>(i);
  }
  if (id_col < 0 || lon_col < 0 || lat_col < 0) {
    return core::Status::Corrupt(std::string(source) + ": header lacks LocationID, centroid_lon or centroid_lat");
  }
  ZoneCentroids zones;
  for (size_t line = 1; line < lines.size(); ++line) {
    std::string_view text = core::Trim(lines[line]);
    if (text.empty()) continue;
    std::vector<std::string_view> f = core::SplitSimple(text, ',');
    size_t need = static_cast<size_t>(std::max({id_col, lon_col, lat_col}));
    auto where = [&] { return std::string(source) + ":" + std::to_string(line + 1); };
    if (f.size() <= need) return core::Status::Corrupt(where() + ": too few fields");
    auto id = core::ParseInt(f[static_cast<size_t>(id_col)]);
    auto lon = core::ParseDouble(f[static_cast<size_t>(lon_col)]);
    auto lat = core::ParseDouble(f[static_cast<size_t>(lat_col)]);
    if (!id || *id < 0 || *id > 100000) return core::Status::Corrupt(where() + ": bad LocationID");
    if (!lon || !lat) return core::Status::Corrupt(where() + ": bad centroid_lon/centroid_lat");
    if (zones.centroids_.size() <= static_cast<size_t>(*id)) zones.centroids_.resize(*id + 1);
    zones.centroids_[static_cast<size_t>(*id)] = LatLon{*lat, *lon};
    ++zones.count_;
  }
  return zones;
}

}  // namespace traffic::geo
