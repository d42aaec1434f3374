#include "traffic/core/time.h"

#include <cstdio>

namespace traffic::core {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr int64_t kHour = 3600;

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  *out = v;
  return true;
}

int64_t DaysFromCivil(int y, int m, int d) {
  return sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d)).time_since_epoch().count();
}

// Day number of the n-th (1-based) Sunday of a month, or of the last one when n == 0.
int64_t NthSunday(int year, int month, unsigned n) {
  using namespace std::chrono;
  const auto ym = std::chrono::year(year) / std::chrono::month(static_cast<unsigned>(month));
  sys_days d = n == 0 ? sys_days(ym / Sunday[last]) : sys_days(ym / Sunday[n]);
  return d.time_since_epoch().count();
}

// Local (wall-clock-as-UTC) seconds at which DST starts (02:00 standard) and ends (02:00
// daylight) in a year. Cached for the last year asked, since rows come mostly in one year.
struct DstWindow {
  int year = -1;
  int64_t start_local = 0;
  int64_t end_local = 0;
};

const DstWindow& DstFor(int year) {
  thread_local DstWindow cache;
  if (cache.year == year) return cache;
  int64_t start_day, end_day;
  if (year >= 2007) {
    start_day = NthSunday(year, 3, 2);
    end_day = NthSunday(year, 11, 1);
  } else {
    start_day = NthSunday(year, 4, 1);
    end_day = NthSunday(year, 10, 0);
  }
  cache.year = year;
  cache.start_local = start_day * 86400 + 2 * kHour;
  cache.end_local = end_day * 86400 + 2 * kHour;
  return cache;
}

}  // namespace

std::optional<LocalDateTime> ParseLocalDateTime(std::string_view s) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  LocalDateTime t;
  if (!Digits(s, 0, 4, &t.year) || !Digits(s, 5, 2, &t.month) || !Digits(s, 8, 2, &t.day) ||
      !Digits(s, 11, 2, &t.hour) || !Digits(s, 14, 2, &t.minute) || !Digits(s, 17, 2, &t.second)) {
    return std::nullopt;
  }
  if (s.size() > 19) {  // optional fraction ".123"
    if (s[19] != '.') return std::nullopt;
    for (size_t i = 20; i < s.size(); ++i) {
      if (static_cast<unsigned>(s[i] - '0') > 9) return std::nullopt;
    }
  }
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.minute > 59 || t.second > 59) {
    return std::nullopt;
  }
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0;
  int max_day = kDaysInMonth[t.month - 1] + (t.month == 2 && leap ? 1 : 0);
  if (t.day > max_day) return std::nullopt;
  return t;
}

int64_t LocalToEpochSeconds(const LocalDateTime& t) {
  return DaysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * kHour + t.minute * 60 + t.second;
}

LocalDateTime EpochSecondsToLocal(int64_t s) {
  int64_t day = s >= 0 ? s / 86400 : (s - 86399) / 86400;
  int64_t rem = s - day * 86400;
  std::chrono::year_month_day ymd{sys_days(days(day))};
  LocalDateTime t;
  t.year = static_cast<int>(ymd.year());
  t.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  t.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  t.hour = static_cast<int>(rem / kHour);
  t.minute = static_cast<int>(rem % kHour / 60);
  t.second = static_cast<int>(rem % 60);
  return t;
}

UtcTime NewYorkToUtc(const LocalDateTime& local) {
  int64_t l = LocalToEpochSeconds(local);
  const DstWindow& w = DstFor(local.year);
  // EDT (UTC-4) from 03:00 on the spring day (the gap counts as standard time) up to 02:00 on
  // the autumn day (so the repeated hour resolves to its daylight-time reading).
  bool daylight = l >= w.start_local + kHour && l < w.end_local;
  return FromEpochSeconds(l + (daylight ? 4 : 5) * kHour);
}

LocalDateTime UtcToNewYork(UtcTime t) {
  int64_t u = ToEpochSeconds(t);
  // The year of the local reading equals the year of u - 5h except for an hour around New Year,
  // where both candidates give no DST anyway.
  LocalDateTime guess = EpochSecondsToLocal(u - 5 * kHour);
  const DstWindow& w = DstFor(guess.year);
  bool daylight = u >= w.start_local + 5 * kHour && u < w.end_local + 4 * kHour;
  return daylight ? EpochSecondsToLocal(u - 4 * kHour) : guess;
}

int IsoDayOfWeek(const LocalDateTime& local) {
  int64_t d = DaysFromCivil(local.year, local.month, local.day);
  // 1970-01-01 was a Thursday (ISO 4).
  int64_t w = (d + 3) % 7;
  if (w < 0) w += 7;
  return static_cast<int>(w) + 1;
}

std::string FormatIsoUtc(UtcTime t) {
  LocalDateTime c = EpochSecondsToLocal(ToEpochSeconds(t));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour, c.minute, c.second);
  return buf;
}

std::string FormatLocal(const LocalDateTime& c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute, c.second);
  return buf;
}

}  // namespace traffic::core
