// A taxi trip as every stage after parsing sees it (DESIGN.md "Trips"), and the reasons a raw
// record can be rejected. Times are UTC instants; calendar fields derive from New York local time.
#pragma once

#include <cstdint>
#include <string_view>

#include "traffic/core/time.h"

namespace traffic::trip {

struct Trip {
  core::UtcTime pickup_time;
  core::UtcTime dropoff_time;
  double pickup_lat = 0;
  double pickup_lon = 0;
  double dropoff_lat = 0;
  double dropoff_lon = 0;
  double distance_mi = 0;
  int16_t passenger_count = -1;  // -1: not recorded
  int16_t pickup_zone = -1;      // TLC LocationID for zone-based layouts, else -1
  int16_t dropoff_zone = -1;
  bool distance_estimated = false;  // true when the layout has no distance (Kaggle)
  // Stable id, so replaying the same file gives the same ids: for a CSV record,
  // core::StableHash64 of the record's bytes as in the file without the line terminator ("\n" or
  // "\r\n"); for a generated trip, of its generator key. Frozen (golden in trip_parser_test.cc):
  // `taxi-trips` consumers deduplicate on it.
  uint64_t event_id = 0;

  int64_t duration_s() const { return (dropoff_time - pickup_time).count(); }
  // speed_mph = distance (miles) / duration (hours); 0 for a non-positive duration.
  double speed_mph() const {
    int64_t d = duration_s();
    return d > 0 ? distance_mi * 3600.0 / static_cast<double>(d) : 0.0;
  }
  // A trip becomes an event when it ends (DESIGN.md "Events").
  core::UtcTime event_time() const { return dropoff_time; }
};

// Why a raw record did not become a clean trip: the first rule it failed. Order = check order.
enum class RejectReason : uint8_t {
  kMalformedRow = 0,   // wrong field count, NUL byte, unterminated quote
  kBadField,           // a needed field is empty or does not parse
  kUnknownZone,        // zone-based record whose LocationID has no centroid
  kTimeOutOfRange,     // pickup or dropoff outside the accepted time range (e.g. year 1900)
  kPickupOutOfBounds,  // pickup outside the cleaning box (includes 0,0 missing GPS)
  kDropoffOutOfBounds,
  kDropoffNotAfterPickup,
  kDurationOutOfRange,
  kDistanceOutOfRange,
  kSpeedOutOfRange,
  kDuplicate,  // exact duplicate of an earlier record in the same month
  kCount
};
inline constexpr int kRejectReasonCount = static_cast<int>(RejectReason::kCount);

// snake_case names used in summaries, JSON and rejects files.
std::string_view RejectReasonName(RejectReason reason);

// Calendar of a local time, shared by messages and features.
struct Calendar {
  int local_hour = 0;   // 0..23, New York
  int iso_weekday = 1;  // Monday = 1 ... Sunday = 7
  bool is_weekend = false;
  bool is_rush_hour = false;  // weekdays, local hours 7-9 and 17-19 (07:00-09:59, 17:00-19:59)
  bool is_night = false;      // local hours 22-05 (22:00-05:59)
};
Calendar CalendarAt(core::UtcTime t);

}  // namespace traffic::trip
