#include "traffic/trip/trip.h"

namespace traffic::trip {

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMalformedRow:
      return "malformed_row";
    case RejectReason::kBadField:
      return "bad_field";
    case RejectReason::kUnknownZone:
      return "unknown_zone";
    case RejectReason::kTimeOutOfRange:
      return "time_out_of_range";
    case RejectReason::kPickupOutOfBounds:
      return "pickup_out_of_bounds";
    case RejectReason::kDropoffOutOfBounds:
      return "dropoff_out_of_bounds";
    case RejectReason::kDropoffNotAfterPickup:
      return "dropoff_not_after_pickup";
    case RejectReason::kDurationOutOfRange:
      return "duration_out_of_range";
    case RejectReason::kDistanceOutOfRange:
      return "distance_out_of_range";
    case RejectReason::kSpeedOutOfRange:
      return "speed_out_of_range";
    case RejectReason::kDuplicate:
      return "duplicate";
    case RejectReason::kCount:
      break;
  }
  return "unknown";
}

Calendar CalendarAt(core::UtcTime t) {
  core::LocalDateTime local = core::UtcToNewYork(t);
  Calendar c;
  c.local_hour = local.hour;
  c.iso_weekday = core::IsoDayOfWeek(local);
  c.is_weekend = c.iso_weekday >= 6;
  bool rush_hours = (local.hour >= 7 && local.hour <= 9) || (local.hour >= 17 && local.hour <= 19);
  c.is_rush_hour = !c.is_weekend && rush_hours;
  c.is_night = local.hour >= 22 || local.hour <= 5;
  return c;
}

}  // namespace traffic::trip
