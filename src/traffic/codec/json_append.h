// Internal to traffic_codec: the pieces every encoder appends with, and the time format every
// decoder reads. Appending to a caller's std::string (no DOM, no temporaries) keeps encoding at a
// few hundred nanoseconds a message; core::JsonWriter owns its buffer and prints doubles with a
// fixed precision, which is why the hot path does not use it.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "traffic/core/time.h"
#include "traffic/geo/grid.h"

namespace traffic::codec::internal {

// `"key":` (key must need no escaping; all of ours are fixed ASCII names). `first` = no comma.
inline void AppendKey(std::string* out, std::string_view key, bool first = false) {
  if (!first) out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":", 2);
}

// The shortest text that reads back to exactly the same double (std::to_chars), so decoding
// gives back the bits that were encoded; NaN and infinities (which JSON cannot hold) become null.
inline void AppendDouble(std::string* out, double v) {
  if (!std::isfinite(v)) {
    out->append("null", 4);
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

inline void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

inline void AppendBool(std::string* out, bool v) {
  if (v)
    out->append("true", 4);
  else
    out->append("false", 5);
}

// `"28_27"` with the quotes when `quoted`.
void AppendCell(std::string* out, geo::CellId cell, bool quoted);

// `"2016-01-01T05:00:00Z"` with the quotes. Years 0000..9999 (others print but do not parse back).
void AppendIsoUtc(std::string* out, core::UtcTime t);

// A JSON string literal with the quotes, escaped per RFC 8259 (", \, control characters).
// Precondition: s is valid UTF-8 (bytes >= 0x80 are copied as they are).
void AppendJsonString(std::string* out, std::string_view s);

// Reads "YYYY-MM-DDTHH:MM:SSZ"; also accepts a fraction of a second (dropped, as the batch
// parser drops it) and "+00:00" for "Z". nullopt for anything else, including a date that does
// not exist or a time without a zone (a bare wall-clock time would be ambiguous).
std::optional<core::UtcTime> ParseIsoUtc(std::string_view s);

// At most `max_bytes` of s for a message, cut at a UTF-8 character boundary, with "..." when cut.
std::string Excerpt(std::string_view s, size_t max_bytes = 40);

// Shortest round-trip text of a double, for reasons ("40.1").
std::string DoubleText(double v);

}  // namespace traffic::codec::internal
