// The `taxi-trips` message (DESIGN.md "Messages"): one cleaned trip as a JSON object, key =
// cell_id. Example (fields in this order; numbers are the shortest text that reads back to the
// same double):
//   {"event_id":"9f86d081884c7d65","event_time":"2015-01-16T00:23:42Z","cell_id":"27_26",
//    "pickup_time":"2015-01-16T00:05:39Z","dropoff_time":"2015-01-16T00:23:42Z",
//    "pickup_lat":40.7501106262207,"pickup_lon":-73.993896484375,"dropoff_lat":40.75061798095703,
//    "dropoff_lon":-73.97478485107422,"trip_distance":1.59,"speed_mph":5.285318559556787,
//    "passenger_count":1,"is_rush_hour":true,"is_manhattan":true}
//
// Fields:
//   event_id        16 lower-case hex digits of trip::Trip::event_id (stable across replays)
//   event_time      = dropoff_time (a trip becomes an event when it ends)
//   cell_id         "{row}_{col}" of the pickup, also the Kafka key
//   pickup_time, dropoff_time   "YYYY-MM-DDTHH:MM:SSZ", UTC, whole seconds
//   pickup_lat/lon, dropoff_lat/lon, trip_distance (miles)   exact doubles
//   speed_mph       trip::Trip::speed_mph(), for people and dashboards (see below)
//   passenger_count only when recorded
//   is_rush_hour    trip::CalendarAt(event_time).is_rush_hour (New York local time)
//   is_manhattan    from the Manhattan borough polygon, computed by the producer
//   pickup_zone, dropoff_zone   only for zone-based layouts (TLC LocationID)
//   distance_estimated          only when true (layouts without a distance)
//
// Batch/stream parity: the decoded trip carries the exact doubles and whole-second times that
// were encoded, and TripMessage::ToEvent() builds the window::Event with window::EventFromTrip,
// which recomputes speed from distance and duration exactly as trip::Trip::speed_mph() does.
// The message's speed_mph field is never used for windows or features (another producer may
// round it), so the stream's events equal the batch's bit for bit. It is read (it must be a
// finite number >= 0) but not compared with the recomputed speed.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "traffic/codec/decode.h"
#include "traffic/codec/message_key.h"
#include "traffic/geo/grid.h"
#include "traffic/trip/trip.h"
#include "traffic/window/windower.h"

namespace traffic::codec {

namespace internal {
class PaddedParser;
}

// Appends the `taxi-trips` message of `trip` to *out (does not clear it). `cell` is the trip's
// pickup cell (geo::Grid::Locate of the pickup); `is_manhattan` comes from the borough polygon.
// Allocation-free once *out has the capacity. Times must be in years 0000..9999.
void AppendTripMessage(const trip::Trip& trip, geo::CellId cell, bool is_manhattan, std::string* out);

// A decoded `taxi-trips` message.
struct TripMessage {
  // event_id, times, coordinates, trip_distance, passenger_count (-1 when absent or null),
  // zones (-1 when absent), distance_estimated (false when absent): exactly what was encoded.
  trip::Trip trip;
  geo::CellId cell;           // cell_id: in the grid, and the pickup's cell unless check_cell is off
  bool is_manhattan = false;  // as carried
  bool is_rush_hour = false;  // as carried (features recompute the calendar from the time)
  double speed_mph = 0;       // as carried, for display only: ToEvent() does not use it

  // What windowing needs, computed exactly as the batch computes it.
  window::Event ToEvent() const { return window::EventFromTrip(trip, cell); }
};

// Decodes `taxi-trips` messages with simdjson On-Demand. Reuse one decoder: after the first few
// messages, Decode allocates nothing on success. Not thread-safe (one per thread).
//
// Checks, in this order; the first failure is returned (see decode.h for kinds and reasons):
//   - the bytes are one JSON object, valid UTF-8, at most max_message_bytes, with nothing but
//     whitespace after it (an empty message, `null` or a second object is malformed);
//   - every required field is present once with the right JSON type: event_id, event_time,
//     cell_id, pickup_time, dropoff_time (strings); pickup_lat, pickup_lon, dropoff_lat,
//     dropoff_lon, trip_distance, speed_mph (numbers); is_rush_hour, is_manhattan (booleans).
//     Optional: passenger_count, pickup_zone, dropoff_zone (integers or null),
//     distance_estimated (boolean). Fields may come in any order (ours come in the order above,
//     which is the fast path); unknown fields are skipped (checked for structure only); keys are
//     matched as written (an escaped spelling of a name is another key); when a name appears
//     twice, which value is read is unspecified (RFC 8259 leaves it undefined);
//   - ranges: event_id 16 hex digits; times ISO-8601 UTC (a fraction of a second is dropped);
//     latitudes -90..90, longitudes -180..180; trip_distance and speed_mph >= 0; numbers finite
//     (1e400 is out of range; NaN is not JSON); passenger_count and zones 0..32767; cell_id
//     "{row}_{col}" inside the grid;
//   - consistency: event_time == dropoff_time; cell_id is the pickup's cell (check_cell).
// Not checked (the stream's policy, not the format: pipeline::StreamProcessor): the message key,
// how far in the future or past the times are, dropoff after pickup, the cleaning rules.
class TripDecoder {
 public:
  explicit TripDecoder(DecoderOptions options = {});
  ~TripDecoder();
  TripDecoder(TripDecoder&&) noexcept;
  TripDecoder& operator=(TripDecoder&&) noexcept;

  // On failure *out is unspecified. Never throws.
  DecodeStatus Decode(std::string_view json, TripMessage* out);

  const DecoderOptions& options() const { return options_; }

 private:
  DecodeStatus DecodeImpl(std::string_view json, TripMessage* out);

  DecoderOptions options_;
  geo::Grid grid_;
  std::unique_ptr<internal::PaddedParser> parser_;
};

}  // namespace traffic::codec
