// Turns one CSV record of a detected layout into a trip::Trip, or says why it cannot: a
// malformed row (field count, NUL byte, unterminated quote) or a needed field that is empty or
// does not parse, naming the field and its text. Cleaning rules are not applied here
// (traffic::clean does that), so every layout goes through one rule set.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "traffic/csv/layout.h"
#include "traffic/geo/zones.h"
#include "traffic/trip/trip.h"

namespace traffic::csv {

struct ParseOptions {
  // The Kaggle layout has no trip distance: we estimate it as the great-circle distance between
  // pickup and dropoff times this factor (streets are not straight; ~1.3 is typical for NYC),
  // and mark the trip distance_estimated.
  double kaggle_route_factor = 1.3;
};

struct RowReject {
  trip::RejectReason reason;
  std::string detail;  // e.g. "field trip_distance: 'abc' is not a number"
};

class TripRowParser {
 public:
  static constexpr int kMaxFields = 64;

  // `zones` must outlive the parser; it is required for LayoutKind::kZones.
  TripRowParser(Layout layout, const geo::ZoneCentroids* zones, ParseOptions options = {});

  // `line` excludes the line ending ("\n" or "\r\n"). On success fills *out (event_id is the
  // stable hash of the line) and returns nullopt.
  // `may_contain_nul`: false when the caller already knows the line has no NUL byte (it checked
  // a whole read buffer at once), to skip the per-line scan.
  std::optional<RowReject> Parse(std::string_view line, trip::Trip* out, bool may_contain_nul = true);

  const Layout& layout() const { return layout_; }

 private:
  std::optional<RowReject> Split(std::string_view line);

  Layout layout_;
  const geo::ZoneCentroids* zones_;
  ParseOptions options_;
  std::array<std::string_view, kMaxFields> fields_;
  int field_count_ = 0;
};

// Great-circle distance in miles.
double HaversineMiles(double lat1, double lon1, double lat2, double lon2);

}  // namespace traffic::csv
