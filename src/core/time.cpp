#include "core/time.hpp"

#include <charconv>
#include <cstdio>

namespace darkscope {
namespace {

struct Civil {
  int year;
  unsigned month;
  unsigned day;
};

// Howard Hinnant's civil-from-days algorithm.
Civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}

bool read_int(std::string_view& s, std::size_t digits, int& out) {
  if (s.size() < digits) return false;
  for (std::size_t i = 0; i < digits; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::from_chars(s.data(), s.data() + digits, out);
  s.remove_prefix(digits);
  return true;
}

bool expect(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::int64_t days_from_civil(int year, unsigned month, unsigned day) noexcept {
  const int y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::string format_iso8601(std::int64_t ns) {
  const std::int64_t day_start = floor_to(ns, kNsPerDay);
  const Civil c = civil_from_days(day_start / kNsPerDay);
  const std::int64_t in_day = ns - day_start;
  const auto secs = static_cast<int>(in_day / kNsPerSecond);
  const auto frac = static_cast<long>(in_day % kNsPerSecond);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", c.year, c.month, c.day,
                        secs / 3600, secs / 60 % 60, secs % 60);
  if (frac != 0) {
    if (frac % 1000 == 0) {
      n += std::snprintf(buf + n, sizeof buf - n, ".%06ld", frac / 1000);
    } else {
      n += std::snprintf(buf + n, sizeof buf - n, ".%09ld", frac);
    }
  }
  std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

std::string format_date(std::int64_t ns) {
  const Civil c = civil_from_days(floor_to(ns, kNsPerDay) / kNsPerDay);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buf;
}

std::optional<std::int64_t> parse_time(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.find('-') == std::string_view::npos) {
    std::int64_t secs = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
    if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return secs * kNsPerSecond;
  }
  int year = 0, month = 0, day = 0;
  if (!read_int(s, 4, year) || !expect(s, '-') || !read_int(s, 2, month) || !expect(s, '-') ||
      !read_int(s, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  std::int64_t ns = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
                    kNsPerDay;
  if (s.empty()) return ns;
  if (s.front() != 'T' && s.front() != ' ') return std::nullopt;
  s.remove_prefix(1);
  int hh = 0, mm = 0, ss = 0;
  if (!read_int(s, 2, hh) || !expect(s, ':') || !read_int(s, 2, mm)) return std::nullopt;
  if (!s.empty() && s.front() == ':') {
    s.remove_prefix(1);
    if (!read_int(s, 2, ss)) return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  ns += (std::int64_t{hh} * 3600 + mm * 60 + ss) * kNsPerSecond;
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    std::int64_t frac = 0;
    int digits = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
      if (digits < 9) {
        frac = frac * 10 + (s.front() - '0');
        ++digits;
      }
      s.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    while (digits++ < 9) frac *= 10;
    ns += frac;
  }
  if (!s.empty() && (s == "Z" || s == "z")) s.remove_prefix(1);
  if (!s.empty()) return std::nullopt;
  return ns;
}

}  // namespace darkscope
