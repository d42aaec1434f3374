// Time in Smart City Traffic: instants are UTC (std::chrono::sys_seconds); TLC timestamps are New
// York wall-clock times, converted here with the US Eastern DST rules (DST-aware, no tz database
// needed, so the domain stays free of I/O). Calendar features use local time; day of week is ISO
// (Monday = 1 ... Sunday = 7) everywhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace traffic::core {

using UtcTime = std::chrono::sys_seconds;

// A wall-clock reading with no zone attached.
struct LocalDateTime {
  int year = 1970;
  int month = 1;   // 1..12
  int day = 1;     // 1..31
  int hour = 0;    // 0..23
  int minute = 0;  // 0..59
  int second = 0;  // 0..59
  bool operator==(const LocalDateTime&) const = default;
};

// Parses "YYYY-MM-DD HH:MM:SS" (or with 'T'), optionally followed by fractional seconds, which
// are dropped. Returns nullopt for anything else, including impossible dates (2015-02-30).
std::optional<LocalDateTime> ParseLocalDateTime(std::string_view text);

// New York wall clock -> UTC. Rules: 2007 on, DST from the second Sunday of March to the first
// Sunday of November; 1987-2006, first Sunday of April to last Sunday of October (earlier years
// use the 1987 rule). At the spring-forward gap (02:00-02:59, which never happened) the reading is
// taken as standard time, i.e. moved forward an hour; at the fall-back repeat (01:00-01:59, which
// happened twice) the first, daylight-time, occurrence is chosen.
UtcTime NewYorkToUtc(const LocalDateTime& local);

// UTC -> New York wall clock (exact: every instant has one local reading).
LocalDateTime UtcToNewYork(UtcTime t);

// ISO day of week of a local date: Monday = 1 ... Sunday = 7.
int IsoDayOfWeek(const LocalDateTime& local);

// Seconds since the Unix epoch treating the reading as UTC (no zone shift); for arithmetic.
int64_t LocalToEpochSeconds(const LocalDateTime& local);
LocalDateTime EpochSecondsToLocal(int64_t seconds);

// "2016-01-01T05:00:00Z"
std::string FormatIsoUtc(UtcTime t);
// "2016-01-01 00:00:00"
std::string FormatLocal(const LocalDateTime& local);

inline int64_t ToEpochSeconds(UtcTime t) { return t.time_since_epoch().count(); }
inline UtcTime FromEpochSeconds(int64_t s) { return UtcTime(std::chrono::seconds(s)); }

}  // namespace traffic::core
