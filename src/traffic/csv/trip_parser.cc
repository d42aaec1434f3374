#include "traffic/csv/trip_parser.h"

#include <cmath>
#include <cstring>

#include "traffic/core/hash.h"
#include "traffic/core/text.h"

namespace traffic::csv {
namespace {

using trip::RejectReason;

std::string_view Unquote(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

RowReject BadField(std::string_view column, std::string_view text, std::string_view what) {
  return {RejectReason::kBadField,
          "field " + std::string(column) + ": '" + std::string(text.substr(0, 40)) + "' " + std::string(what)};
}

const char* kColumnNames[] = {"pickup_datetime",    "dropoff_datetime",   "pickup_latitude", "pickup_longitude",
                              "dropoff_latitude",   "dropoff_longitude",  "trip_distance",   "passenger_count",
                              "pickup_location_id", "dropoff_location_id"};

}  // namespace

double HaversineMiles(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusMi = 3958.7613;
  constexpr double kRad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * kRad;
  double dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusMi * std::asin(std::min(1.0, std::sqrt(a)));
}

TripRowParser::TripRowParser(Layout layout, const geo::ZoneCentroids* zones, ParseOptions options)
    : layout_(layout), zones_(zones), options_(options) {}

std::optional<RowReject> TripRowParser::Split(std::string_view line) {
  field_count_ = 0;
  const char* p = line.data();
  const char* end = p + line.size();
  bool quoted = std::memchr(p, '"', line.size()) != nullptr;
  while (true) {
    if (field_count_ == kMaxFields) {
      return RowReject{RejectReason::kMalformedRow, "more than " + std::to_string(kMaxFields) + " fields"};
    }
    const char* start = p;
    if (quoted && p < end && *p == '"') {
      // Quoted field: runs to the closing quote ("" is an escaped quote inside).
      ++p;
      while (true) {
        const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
        if (q == nullptr) return RowReject{RejectReason::kMalformedRow, "unterminated quoted field"};
        p = q + 1;
        if (p < end && *p == '"') {
          ++p;
          continue;
        }
        break;
      }
      if (p < end && *p != ',') return RowReject{RejectReason::kMalformedRow, "text after a closing quote"};
    } else {
      while (p < end && *p != ',') ++p;  // fields are short: a plain loop beats memchr here
    }
    fields_[static_cast<size_t>(field_count_++)] = std::string_view(start, static_cast<size_t>(p - start));
    if (p == end) break;
    ++p;  // past the comma
  }
  if (field_count_ < layout_.field_count) {
    return RowReject{RejectReason::kMalformedRow, std::to_string(field_count_) + " fields, header has " +
                                                      std::to_string(layout_.field_count) + " (truncated row?)"};
  }
  // Extra fields are tolerated only when empty (green 2015-16 rows end with two empty ones).
  for (int i = layout_.field_count; i < field_count_; ++i) {
    if (!Unquote(fields_[static_cast<size_t>(i)]).empty()) {
      return RowReject{RejectReason::kMalformedRow,
                       std::to_string(field_count_) + " fields, header has " + std::to_string(layout_.field_count)};
    }
  }
  return std::nullopt;
}

std::optional<RowReject> TripRowParser::Parse(std::string_view line, trip::Trip* out, bool may_contain_nul) {
  if (may_contain_nul && std::memchr(line.data(), '\0', line.size()) != nullptr) {
    return RowReject{RejectReason::kMalformedRow, "NUL byte in the row"};
  }
  if (auto reject = Split(line)) return reject;
  auto field = [&](int index) { return Unquote(fields_[static_cast<size_t>(index)]); };

  *out = trip::Trip{};
  out->event_id = core::StableHash64(line);

  auto parse_time = [&](int index, const char* name, core::UtcTime* t) -> std::optional<RowReject> {
    std::string_view text = field(index);
    auto local = core::ParseLocalDateTime(text);
    if (!local) return BadField(name, text, text.empty() ? "is empty" : "is not a date-time");
    *t = core::NewYorkToUtc(*local);
    return std::nullopt;
  };
  auto parse_number = [&](int index, const char* name, double* v) -> std::optional<RowReject> {
    std::string_view text = field(index);
    auto parsed = core::ParseDouble(text);
    if (!parsed || !std::isfinite(*parsed)) {
      return BadField(name, text, text.empty() ? "is empty" : "is not a number");
    }
    *v = *parsed;
    return std::nullopt;
  };

  if (auto r = parse_time(layout_.pickup_time, kColumnNames[0], &out->pickup_time)) return r;
  if (auto r = parse_time(layout_.dropoff_time, kColumnNames[1], &out->dropoff_time)) return r;

  if (layout_.kind == LayoutKind::kZones) {
    for (int side = 0; side < 2; ++side) {
      int index = side == 0 ? layout_.pickup_zone : layout_.dropoff_zone;
      const char* name = kColumnNames[8 + side];
      std::string_view text = field(index);
      auto id = core::ParseInt(text);
      if (!id) return BadField(name, text, text.empty() ? "is empty" : "is not a zone id");
      auto centroid = (zones_ && *id >= 0 && *id < 32768) ? zones_->Find(static_cast<int>(*id)) : std::nullopt;
      if (!centroid) {
        return RowReject{RejectReason::kUnknownZone,
                         "field " + std::string(name) + ": zone " + std::string(text) + " has no centroid"};
      }
      int16_t zone = static_cast<int16_t>(*id);
      if (side == 0) {
        out->pickup_zone = zone;
        out->pickup_lat = centroid->lat;
        out->pickup_lon = centroid->lon;
      } else {
        out->dropoff_zone = zone;
        out->dropoff_lat = centroid->lat;
        out->dropoff_lon = centroid->lon;
      }
    }
  } else {
    if (auto r = parse_number(layout_.pickup_lat, kColumnNames[2], &out->pickup_lat)) return r;
    if (auto r = parse_number(layout_.pickup_lon, kColumnNames[3], &out->pickup_lon)) return r;
    if (auto r = parse_number(layout_.dropoff_lat, kColumnNames[4], &out->dropoff_lat)) return r;
    if (auto r = parse_number(layout_.dropoff_lon, kColumnNames[5], &out->dropoff_lon)) return r;
  }

  if (layout_.kind == LayoutKind::kKaggle) {
    out->distance_mi = HaversineMiles(out->pickup_lat, out->pickup_lon, out->dropoff_lat, out->dropoff_lon) *
                       options_.kaggle_route_factor;
    out->distance_estimated = true;
  } else if (auto r = parse_number(layout_.distance, kColumnNames[6], &out->distance_mi)) {
    return r;
  }

  if (layout_.passenger_count >= 0) {
    // Optional: an empty or odd count does not make the trip unusable for traffic.
    auto count = core::ParseInt(field(layout_.passenger_count));
    if (count && *count >= 0 && *count < 1000) out->passenger_count = static_cast<int16_t>(*count);
  }
  return std::nullopt;
}

}  // namespace traffic::csv
