// Small text helpers shared by every layer: trimming, splitting, strict number parsing.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace traffic::core {

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits on `sep` with no quoting rules (for files known to have no quotes).
std::vector<std::string_view> SplitSimple(std::string_view s, char sep);

std::string ToLower(std::string_view s);

// Strict: the whole text must be the number ("1.5", ".70", "-73.99", "1e3"); no spaces, no
// trailing junk. nullopt otherwise.
inline std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

inline std::optional<int64_t> ParseInt(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  int64_t v;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// 1234567 -> "1,234,567"
std::string WithThousands(int64_t n);

}  // namespace traffic::core
