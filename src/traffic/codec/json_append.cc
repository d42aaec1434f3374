#include "traffic/codec/json_append.h"

namespace traffic::codec::internal {
namespace {

inline void Put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

inline void AppendSmallInt(std::string* out, int v) {
  char buf[8];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  *out = v;
  return true;
}

}  // namespace

void AppendCell(std::string* out, geo::CellId cell, bool quoted) {
  if (quoted) out->push_back('"');
  AppendSmallInt(out, cell.row);
  out->push_back('_');
  AppendSmallInt(out, cell.col);
  if (quoted) out->push_back('"');
}

void AppendIsoUtc(std::string* out, core::UtcTime t) {
  core::LocalDateTime c = core::EpochSecondsToLocal(core::ToEpochSeconds(t));
  if (c.year < 0 || c.year > 9999) {  // not representable in the format; readers will refuse it
    out->push_back('"');
    AppendSmallInt(out, c.year);
    out->append("-out-of-range\"");
    return;
  }
  char b[23] = "\"0000-00-00T00:00:00Z\"";
  Put2(b + 1, c.year / 100);
  Put2(b + 3, c.year % 100);
  Put2(b + 6, c.month);
  Put2(b + 9, c.day);
  Put2(b + 12, c.hour);
  Put2(b + 15, c.minute);
  Put2(b + 18, c.second);
  out->append(b, 22);
}

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"", 2);
        break;
      case '\\':
        out->append("\\\\", 2);
        break;
      case '\n':
        out->append("\\n", 2);
        break;
      case '\r':
        out->append("\\r", 2);
        break;
      case '\t':
        out->append("\\t", 2);
        break;
      case '\b':
        out->append("\\b", 2);
        break;
      case '\f':
        out->append("\\f", 2);
        break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(u, 6);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

std::optional<core::UtcTime> ParseIsoUtc(std::string_view s) {
  size_t end;
  if (!s.empty() && s.back() == 'Z') {
    end = s.size() - 1;
  } else if (s.size() >= 6 && s.substr(s.size() - 6) == "+00:00") {
    end = s.size() - 6;
  } else {
    return std::nullopt;
  }
  if (end < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  core::LocalDateTime t;
  if (!Digits(s, 0, 4, &t.year) || !Digits(s, 5, 2, &t.month) || !Digits(s, 8, 2, &t.day) ||
      !Digits(s, 11, 2, &t.hour) || !Digits(s, 14, 2, &t.minute) || !Digits(s, 17, 2, &t.second)) {
    return std::nullopt;
  }
  if (end > 19) {  // ".123"
    if (s[19] != '.' || end == 20) return std::nullopt;
    for (size_t i = 20; i < end; ++i) {
      if (static_cast<unsigned char>(s[i]) - unsigned{'0'} > 9) return std::nullopt;
    }
  }
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.minute > 59 || t.second > 59) {
    return std::nullopt;
  }
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0;
  if (t.day > kDaysInMonth[t.month - 1] + (t.month == 2 && leap ? 1 : 0)) return std::nullopt;
  return core::FromEpochSeconds(core::LocalToEpochSeconds(t));
}

std::string Excerpt(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t n = max_bytes;
  // Back up over continuation bytes (10xxxxxx) so as not to split a character.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

std::string DoubleText(double v) {
  std::string s;
  AppendDouble(&s, v);
  return s;
}

}  // namespace traffic::codec::internal
