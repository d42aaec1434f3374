// Internal to traffic_codec: reading one field's value with simdjson On-Demand and turning every
// failure into a DecodeStatus that names the field. The happy path is inline and allocates
// nothing; the error paths are out of line and build the reason text.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "traffic/codec/decode.h"
#include "traffic/core/time.h"

namespace traffic::codec::internal {

namespace od = simdjson::ondemand;

// Copies a message into a buffer with simdjson's padding and parses it. One per decoder; the
// buffer and the parser's internal buffers grow to the largest message seen, then no allocation.
class PaddedParser {
 public:
  explicit PaddedParser(size_t max_message_bytes) : max_bytes_(max_message_bytes) {}
  // On success *object is the message's top-level object; it and every string_view read from it
  // stay valid until the next Open.
  DecodeStatus Open(std::string_view json, od::document* doc, od::object* object);

 private:
  size_t max_bytes_;
  od::parser parser_;
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
};

// Every simdjson error outside a field: "malformed JSON: <what>".
DecodeStatus MalformedJson(simdjson::error_code error);
DecodeStatus MalformedJson(std::string_view what);

// Field lookup: simdjson's find_field_unordered, asked in the order we encode, so that our own
// messages are read in one forward pass (measured faster here than iterating the object's fields,
// whose per-field copies stall store forwarding), while any order is still accepted. Unknown
// fields are skipped. When a field appears twice, which one is read is unspecified (RFC 8259
// leaves duplicate names undefined).
// Returns true with *v set when the field is there; false when it is absent (*st untouched) or
// the JSON around it is broken (*st set: check st->ok()).
inline bool Find(od::object& object, std::string_view name, od::value* v, DecodeStatus* st) {
  simdjson::error_code e = object.find_field_unordered(name).get(*v);
  if (e == simdjson::SUCCESS) [[likely]]
    return true;
  if (e != simdjson::NO_SUCH_FIELD) *st = MalformedJson(e);
  return false;
}
// A required field: absent -> "name: missing".
bool Require(od::object& object, std::string_view name, od::value* v, DecodeStatus* st);

DecodeStatus Missing(std::string_view field);
DecodeStatus Duplicate(std::string_view field);
DecodeStatus OutOfRange(std::string_view field, std::string_view detail);  // "f: out of range: d"
// "field: text" of the given kind.
DecodeStatus FieldError(DecodeErrorKind kind, std::string_view field, std::string_view text);
// For a value whose conversion to `expected` ("a number") failed with `error`.
DecodeStatus BadValue(std::string_view field, std::string_view expected, simdjson::error_code error, od::value& v);

inline bool ReadDouble(od::value& v, std::string_view field, double* out, DecodeStatus* st) {
  simdjson::error_code e = v.get_double().get(*out);
  if (e == simdjson::SUCCESS) [[likely]]
    return true;
  *st = BadValue(field, "a number", e, v);
  return false;
}

inline bool ReadInt(od::value& v, std::string_view field, int64_t* out, DecodeStatus* st) {
  simdjson::error_code e = v.get_int64().get(*out);
  if (e == simdjson::SUCCESS) [[likely]]
    return true;
  *st = BadValue(field, "an integer", e, v);
  return false;
}

inline bool ReadBool(od::value& v, std::string_view field, bool* out, DecodeStatus* st) {
  simdjson::error_code e = v.get_bool().get(*out);
  if (e == simdjson::SUCCESS) [[likely]]
    return true;
  *st = BadValue(field, "true or false", e, v);
  return false;
}

// The unescaped string, valid until the next PaddedParser::Open.
inline bool ReadString(od::value& v, std::string_view field, std::string_view* out, DecodeStatus* st) {
  simdjson::error_code e = v.get_string().get(*out);
  if (e == simdjson::SUCCESS) [[likely]]
    return true;
  *st = BadValue(field, "a string", e, v);
  return false;
}

// true (and consumes it) when the value is JSON null.
inline bool IsNull(od::value& v, std::string_view field, bool* is_null, DecodeStatus* st) {
  simdjson::error_code e = v.is_null().get(*is_null);
  if (e == simdjson::SUCCESS) [[likely]]
    return true;
  *st = BadValue(field, "a value", e, v);
  return false;
}

// Reads the time format of every message (see json_append.h ParseIsoUtc).
bool ReadTime(od::value& v, std::string_view field, core::UtcTime* out, DecodeStatus* st);

// Runs a decode and turns any exception from simdjson or the standard library into a
// malformed-JSON status, so that no exception escapes the codec.
template <typename Decode>
DecodeStatus GuardedDecode(Decode&& decode) {
  try {
    return decode();
  } catch (const std::exception& e) {
    return {DecodeErrorKind::kMalformed, std::string("malformed JSON: ") + e.what()};
  } catch (...) {
    return {DecodeErrorKind::kMalformed, "malformed JSON: unexpected failure"};
  }
}

}  // namespace traffic::codec::internal
