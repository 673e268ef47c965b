#include "engine/sim_time.h"

#include <cmath>
#include <cstdio>

namespace opsim {

namespace {

bool unit_scale(std::string_view unit, SimDuration& micros) {
  if (unit == "us") micros = 1;
  else if (unit == "ms") micros = kMicrosPerMilli;
  else if (unit == "s") micros = kMicrosPerSecond;
  else if (unit == "m") micros = kMicrosPerMinute;
  else if (unit == "h") micros = kMicrosPerHour;
  else if (unit == "d") micros = kMicrosPerDay;
  else if (unit == "w") micros = 7 * kMicrosPerDay;
  else return false;
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return c >= 'a' && c <= 'z'; }

}  // namespace

bool parse_duration(std::string_view text, SimDuration& out) {
  if (text.empty()) return false;
  // Each term is digits[.digits] followed by a unit. Whole and fractional parts are kept as
  // integers so that "0.1s" is exactly 100000 us with no floating-point rounding.
  constexpr SimDuration kMax = std::int64_t{1} << 62;
  SimDuration total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t whole = 0;
    std::size_t digits = 0;
    while (i < text.size() && is_digit(text[i])) {
      if (whole > kMax / 10) return false;
      whole = whole * 10 + (text[i] - '0');
      ++i;
      ++digits;
    }
    std::int64_t frac = 0, frac_scale = 1;
    if (i < text.size() && text[i] == '.') {
      ++i;
      std::size_t frac_digits = 0;
      while (i < text.size() && is_digit(text[i])) {
        // Six fractional digits keep frac x scale within 64 bits for every unit (a week is
        // 6.048e11 us); scenario authors have no use for finer ones.
        if (++frac_digits > 6) return false;
        frac = frac * 10 + (text[i] - '0');
        frac_scale *= 10;
        ++i;
      }
      if (frac_digits == 0) return false;
    }
    if (digits == 0) return false;
    std::size_t unit_begin = i;
    while (i < text.size() && is_alpha(text[i])) ++i;
    SimDuration scale = 0;
    if (!unit_scale(text.substr(unit_begin, i - unit_begin), scale)) return false;
    if (whole > kMax / scale) return false;
    // The fractional part must land on whole microseconds: "1.5us" is refused.
    if ((frac * scale) % frac_scale != 0) return false;
    total += whole * scale + frac * scale / frac_scale;
    if (total > kMax) return false;
  }
  out = total;
  return true;
}

std::string format_duration(SimDuration d) {
  if (d == 0) return "0s";
  std::string s;
  if (d < 0) {
    s = "-";
    d = -d;
  }
  struct Unit {
    SimDuration micros;
    const char* name;
  };
  static const Unit units[] = {{kMicrosPerDay, "d"},      {kMicrosPerHour, "h"},
                               {kMicrosPerMinute, "m"},   {kMicrosPerSecond, "s"},
                               {kMicrosPerMilli, "ms"},   {1, "us"}};
  for (const Unit& u : units) {
    if (d >= u.micros) {
      s += std::to_string(d / u.micros);
      s += u.name;
      d %= u.micros;
    }
  }
  return s;
}

namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (era-based day counting).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

SimTime Calendar::next_midnight(SimTime t) const {
  const std::int64_t abs_us = start_unix_s_ * kMicrosPerSecond + t;
  const std::int64_t next_day = floor_div(abs_us, kMicrosPerDay) + 1;
  return next_day * kMicrosPerDay - start_unix_s_ * kMicrosPerSecond;
}

std::string Calendar::iso8601(SimTime t) const {
  const std::int64_t abs_s = start_unix_s_ + floor_div(t, kMicrosPerSecond);
  const std::int64_t days = floor_div(abs_s, 86400);
  const std::int64_t secs = abs_s - days * 86400;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

bool parse_iso8601_utc(std::string_view s, std::int64_t& unix_s) {
  int y, mo, d, h, mi, sec;
  if (!read_int(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !read_int(s, 5, 2, mo) ||
      s[7] != '-' || !read_int(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') ||
      !read_int(s, 11, 2, h) || s[13] != ':' || !read_int(s, 14, 2, mi) || s[16] != ':' ||
      !read_int(s, 17, 2, sec))
    return false;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t begin = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == begin) return false;
  }
  std::string_view zone = s.substr(i);
  if (zone != "Z" && zone != "z" && zone != "+00:00") return false;
  static const int days_in_month[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month[mo - 1] || h > 23 ||
      mi > 59 || sec > 59)
    return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  unix_s = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
           h * 3600 + mi * 60 + sec;
  return true;
}

}  // namespace opsim
