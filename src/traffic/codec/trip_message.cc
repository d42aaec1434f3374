#include "traffic/codec/trip_message.h"

#include <cmath>
#include <string>

#include "traffic/codec/field_reader.h"
#include "traffic/codec/json_append.h"

namespace traffic::codec {
namespace {

using internal::AppendBool;
using internal::AppendDouble;
using internal::AppendInt;
using internal::AppendIsoUtc;
using internal::AppendKey;

bool ParseHex64(std::string_view s, uint64_t* out) {
  if (s.size() != 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9')
      d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<unsigned>(c - 'A' + 10);
    else
      return false;
    v = (v << 4) | d;
  }
  *out = v;
  return true;
}

void AppendHex64(std::string* out, uint64_t h) {
  static constexpr char kHex[] = "0123456789abcdef";
  char b[18];
  b[0] = b[17] = '"';
  for (int i = 16; i >= 1; --i, h >>= 4) b[i] = kHex[h & 0xF];
  out->append(b, 18);
}

// An optional small integer field: null or absent -> -1.
bool ReadSmall(internal::od::value& v, std::string_view field, int16_t* out, DecodeStatus* st) {
  bool is_null;
  if (!internal::IsNull(v, field, &is_null, st)) return false;
  if (is_null) {
    *out = -1;
    return true;
  }
  int64_t n;
  if (!internal::ReadInt(v, field, &n, st)) return false;
  if (n < 0 || n > 32767) {
    *st = internal::OutOfRange(field, std::to_string(n) + " (expected 0..32767)");
    return false;
  }
  *out = static_cast<int16_t>(n);
  return true;
}

bool CheckRange(double v, double lo, double hi, std::string_view field, DecodeStatus* st) {
  if (v >= lo && v <= hi) [[likely]]
    return true;  // false for NaN too
  std::string range = internal::DoubleText(lo) + ".." + internal::DoubleText(hi);
  if (std::isinf(hi)) range = ">= " + internal::DoubleText(lo);
  *st = internal::OutOfRange(field, internal::DoubleText(v) + " (expected " + range + ")");
  return false;
}

}  // namespace

void AppendTripMessage(const trip::Trip& t, geo::CellId cell, bool is_manhattan, std::string* out) {
  out->push_back('{');
  AppendKey(out, "event_id", /*first=*/true);
  AppendHex64(out, t.event_id);
  AppendKey(out, "event_time");
  AppendIsoUtc(out, t.event_time());
  AppendKey(out, "cell_id");
  internal::AppendCell(out, cell, true);
  AppendKey(out, "pickup_time");
  AppendIsoUtc(out, t.pickup_time);
  AppendKey(out, "dropoff_time");
  AppendIsoUtc(out, t.dropoff_time);
  AppendKey(out, "pickup_lat");
  AppendDouble(out, t.pickup_lat);
  AppendKey(out, "pickup_lon");
  AppendDouble(out, t.pickup_lon);
  AppendKey(out, "dropoff_lat");
  AppendDouble(out, t.dropoff_lat);
  AppendKey(out, "dropoff_lon");
  AppendDouble(out, t.dropoff_lon);
  AppendKey(out, "trip_distance");
  AppendDouble(out, t.distance_mi);
  AppendKey(out, "speed_mph");
  AppendDouble(out, t.speed_mph());
  if (t.passenger_count >= 0) {
    AppendKey(out, "passenger_count");
    AppendInt(out, t.passenger_count);
  }
  AppendKey(out, "is_rush_hour");
  AppendBool(out, trip::CalendarAt(t.event_time()).is_rush_hour);
  AppendKey(out, "is_manhattan");
  AppendBool(out, is_manhattan);
  if (t.pickup_zone >= 0) {
    AppendKey(out, "pickup_zone");
    AppendInt(out, t.pickup_zone);
  }
  if (t.dropoff_zone >= 0) {
    AppendKey(out, "dropoff_zone");
    AppendInt(out, t.dropoff_zone);
  }
  if (t.distance_estimated) {
    AppendKey(out, "distance_estimated");
    AppendBool(out, true);
  }
  out->push_back('}');
}

TripDecoder::TripDecoder(DecoderOptions options)
    : options_(options),
      grid_(options.grid),
      parser_(std::make_unique<internal::PaddedParser>(options.max_message_bytes)) {}
TripDecoder::~TripDecoder() = default;
TripDecoder::TripDecoder(TripDecoder&&) noexcept = default;
TripDecoder& TripDecoder::operator=(TripDecoder&&) noexcept = default;

DecodeStatus TripDecoder::Decode(std::string_view json, TripMessage* out) {
  // simdjson reports by value; the guard is a safety net.
  return internal::GuardedDecode([&] { return DecodeImpl(json, out); });
}

// Long because it is the message schema, one field after another, each with its own error.
DecodeStatus TripDecoder::DecodeImpl(std::string_view json, TripMessage* out) {
  namespace od = internal::od;
  od::document doc;
  od::object object;
  DecodeStatus st = parser_->Open(json, &doc, &object);
  if (!st.ok()) return st;

  trip::Trip& t = out->trip;
  t = trip::Trip{};
  core::UtcTime event_time;
  std::string_view event_id, cell_text;
  od::value v;
  using internal::ReadDouble;
  using internal::ReadString;
  using internal::ReadTime;
  using internal::Require;
  // Required fields, in encoding order (see internal::Find).
  if (!Require(object, "event_id", &v, &st) || !ReadString(v, "event_id", &event_id, &st) ||
      !Require(object, "event_time", &v, &st) || !ReadTime(v, "event_time", &event_time, &st) ||
      !Require(object, "cell_id", &v, &st) || !ReadString(v, "cell_id", &cell_text, &st) ||
      !Require(object, "pickup_time", &v, &st) || !ReadTime(v, "pickup_time", &t.pickup_time, &st) ||
      !Require(object, "dropoff_time", &v, &st) || !ReadTime(v, "dropoff_time", &t.dropoff_time, &st) ||
      !Require(object, "pickup_lat", &v, &st) || !ReadDouble(v, "pickup_lat", &t.pickup_lat, &st) ||
      !Require(object, "pickup_lon", &v, &st) || !ReadDouble(v, "pickup_lon", &t.pickup_lon, &st) ||
      !Require(object, "dropoff_lat", &v, &st) || !ReadDouble(v, "dropoff_lat", &t.dropoff_lat, &st) ||
      !Require(object, "dropoff_lon", &v, &st) || !ReadDouble(v, "dropoff_lon", &t.dropoff_lon, &st) ||
      !Require(object, "trip_distance", &v, &st) || !ReadDouble(v, "trip_distance", &t.distance_mi, &st) ||
      !Require(object, "speed_mph", &v, &st) || !ReadDouble(v, "speed_mph", &out->speed_mph, &st)) {
    return st;
  }
  if (internal::Find(object, "passenger_count", &v, &st)) {
    if (!ReadSmall(v, "passenger_count", &t.passenger_count, &st)) return st;
  } else if (!st.ok()) {
    return st;
  }
  if (!Require(object, "is_rush_hour", &v, &st) || !internal::ReadBool(v, "is_rush_hour", &out->is_rush_hour, &st) ||
      !Require(object, "is_manhattan", &v, &st) || !internal::ReadBool(v, "is_manhattan", &out->is_manhattan, &st)) {
    return st;
  }
  for (auto [name, zone] : {std::pair{"pickup_zone", &t.pickup_zone}, std::pair{"dropoff_zone", &t.dropoff_zone}}) {
    if (internal::Find(object, name, &v, &st)) {
      if (!ReadSmall(v, name, zone, &st)) return st;
    } else if (!st.ok()) {
      return st;
    }
  }
  if (internal::Find(object, "distance_estimated", &v, &st)) {
    bool is_null;
    if (!internal::IsNull(v, "distance_estimated", &is_null, &st)) return st;
    if (!is_null && !internal::ReadBool(v, "distance_estimated", &t.distance_estimated, &st)) {
      return st;
    }
  } else if (!st.ok()) {
    return st;
  }

  // Ranges.
  if (!ParseHex64(event_id, &t.event_id)) {
    return internal::OutOfRange("event_id", "\"" + internal::Excerpt(event_id) + "\" is not 16 hex digits");
  }
  if (!CheckRange(t.pickup_lat, -90, 90, "pickup_lat", &st) ||
      !CheckRange(t.pickup_lon, -180, 180, "pickup_lon", &st) ||
      !CheckRange(t.dropoff_lat, -90, 90, "dropoff_lat", &st) ||
      !CheckRange(t.dropoff_lon, -180, 180, "dropoff_lon", &st) ||
      !CheckRange(t.distance_mi, 0, HUGE_VAL, "trip_distance", &st) ||
      !CheckRange(out->speed_mph, 0, HUGE_VAL, "speed_mph", &st)) {
    return st;
  }
  // isfinite: from_chars-style overflow is already refused by simdjson; belt and braces.
  if (!std::isfinite(t.distance_mi)) return internal::OutOfRange("trip_distance", "not finite");
  if (!std::isfinite(out->speed_mph)) return internal::OutOfRange("speed_mph", "not finite");
  std::optional<geo::CellId> cell = geo::CellId::Parse(cell_text);
  if (!cell) {
    return internal::FieldError(DecodeErrorKind::kOutOfRange, "cell_id",
                                "\"" + internal::Excerpt(cell_text) + "\" is not {row}_{col}");
  }
  if (!grid_.Contains(*cell)) {
    return internal::OutOfRange("cell_id", std::string(cell_text) + " is outside the " +
                                               std::to_string(grid_.spec().rows) + " x " +
                                               std::to_string(grid_.spec().cols) + " grid");
  }
  out->cell = *cell;

  // Consistency.
  if (event_time != t.dropoff_time) {
    return internal::FieldError(
        DecodeErrorKind::kInconsistent, "event_time",
        core::FormatIsoUtc(event_time) + " is not dropoff_time " + core::FormatIsoUtc(t.dropoff_time));
  }
  if (options_.check_cell) {
    std::optional<geo::CellId> located = grid_.Locate(t.pickup_lat, t.pickup_lon);
    if (located != cell) [[unlikely]] {
      std::string where =
          located ? "which is in cell " + located->ToString() : std::string("which is outside the grid");
      return internal::FieldError(DecodeErrorKind::kInconsistent, "cell_id",
                                  std::string(cell_text) + " does not match pickup (" +
                                      internal::DoubleText(t.pickup_lat) + ", " + internal::DoubleText(t.pickup_lon) +
                                      "), " + where);
    }
  }
  return {};
}

}  // namespace traffic::codec
