// How a message that cannot be decoded is reported: a value, never an exception or a crash.
//
// A failure carries a kind (for counters and the dead-letter kind) and a one-line reason that
// starts with the field it is about, e.g.
//   "pickup_lat: missing"
//   "pickup_lat: wrong type: expected a number, got a string"
//   "trip_distance: out of range: 1e400"
//   "cell_id: 28_27 does not match pickup (40.1, -73.2), which is in cell 3_5"
//   "malformed JSON: the input is not valid UTF-8"
// Success allocates nothing (the reason is an empty std::string).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "traffic/geo/grid.h"

namespace traffic::codec {

enum class DecodeErrorKind : uint8_t {
  kNone = 0,
  kMalformed,     // not JSON, not UTF-8, truncated, not an object, trailing bytes, too large,
                  // a token that is no JSON value (NaN, Infinity, 1.5x)
  kMissingField,  // a required field is absent
  kWrongType,     // a field of the wrong JSON type (string for number, number for bool, ...)
  kOutOfRange,    // a value of the right type that is not acceptable: lat 91, 1e400, a date
                  // that does not exist, an event_id that is not 16 hex digits
  kInconsistent,  // fields that contradict each other: event_time != dropoff_time, a cell_id
                  // that is not the pickup's cell
};
// "malformed", "missing_field", "wrong_type", "out_of_range", "inconsistent" ("ok" for kNone).
std::string_view DecodeErrorKindName(DecodeErrorKind kind);

// What goes to the dead-letter topic (DESIGN.md "Events, windows and watermarks").
//   kMalformed: the message could not be read (syntax, missing field, wrong type).
//   kLate:      a well-formed event whose window was already closed (the windower says so).
//   kInvalid:   readable, but a value is unacceptable or contradicts another (out of range,
//               inconsistent), or the stream's policy refuses it (outside the grid, far future).
enum class DeadLetterKind : uint8_t { kMalformed = 0, kLate, kInvalid };
// "malformed", "late", "invalid".
std::string_view DeadLetterKindName(DeadLetterKind kind);
std::optional<DeadLetterKind> ParseDeadLetterKind(std::string_view name);
// kMalformed for malformed, missing and wrong-typed fields; kInvalid for out of range and
// inconsistent ones.
DeadLetterKind DeadLetterKindFor(DecodeErrorKind kind);

class [[nodiscard]] DecodeStatus {
 public:
  DecodeStatus() = default;  // OK
  DecodeStatus(DecodeErrorKind kind, std::string reason) : kind_(kind), reason_(std::move(reason)) {}

  bool ok() const { return kind_ == DecodeErrorKind::kNone; }
  DecodeErrorKind kind() const { return kind_; }
  // Empty when ok().
  const std::string& reason() const { return reason_; }

 private:
  DecodeErrorKind kind_ = DecodeErrorKind::kNone;
  std::string reason_;
};

struct DecoderOptions {
  // The grid cell ids refer to; a `taxi-trips` cell_id must lie in it.
  geo::GridSpec grid;
  // Require a `taxi-trips` cell_id to be the cell of its pickup coordinates in `grid` (the
  // stream windows by cell_id; a producer with another grid or a bug would otherwise put trips
  // in the wrong cell silently). Off only to read messages of a producer with another grid.
  bool check_cell = true;
  // Larger messages are refused as malformed before parsing (the parser's buffers grow to the
  // largest message accepted and stay that size). Ours are ~400 bytes.
  size_t max_message_bytes = size_t{1} << 20;
};

}  // namespace traffic::codec
