// Simulated time. opsim keeps time as 64-bit integer microseconds since the scenario's
// `start`: integer ticks make event ordering exact and identical on every platform (no
// floating-point drift when a 30-day run adds up millions of small delays), and 2^63 us is
// about 292,000 years, far beyond any scenario.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace opsim {

using SimTime = std::int64_t;  // microseconds since the scenario's start
using SimDuration = std::int64_t;  // microseconds

constexpr SimDuration kMicrosPerMilli = 1000;
constexpr SimDuration kMicrosPerSecond = 1000 * kMicrosPerMilli;
constexpr SimDuration kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr SimDuration kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr SimDuration kMicrosPerDay = 24 * kMicrosPerHour;

inline double to_seconds(SimDuration d) { return static_cast<double>(d) / kMicrosPerSecond; }
inline double to_millis(SimDuration d) { return static_cast<double>(d) / kMicrosPerMilli; }
// Rounds to the nearest microsecond, saturating at +-2^62 us (so +infinity gives 2^62);
// negative and NaN inputs are the caller's bug. (Inline, as the calendar functions below:
// each runs several times per simulated request, and WebAssembly builds have no link-time
// inlining across files.)
inline SimDuration from_seconds(double seconds) {
  const double us = seconds * kMicrosPerSecond;
  // Saturate at +-2^62 us (146,000 years). A delay drawn at a tiny rate (an exponential gap
  // at 1e-20 requests per second is about 1e20 s) exceeds what int64 holds, and casting it
  // would be undefined behaviour (found by fuzz_simulation). 2^62 still leaves room to add
  // it to any time of a run without overflow, and the sum lies past every scenario's end.
  constexpr double kLimitUs = 4611686018427387904.0;  // 2^62
  if (us >= kLimitUs) return SimDuration{1} << 62;
  if (us <= -kLimitUs) return -(SimDuration{1} << 62);
  // Rounding half up; the truncating cast is a floor for the non-negative values used here.
  return us >= 0 ? static_cast<SimDuration>(us + 0.5) : -static_cast<SimDuration>(-us + 0.5);
}

// Integer division rounding towards minus infinity.
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Parses "250ms", "15s", "5m", "2h", "7d", "1w", "1h30m", "1.5s", "10us". Returns false
// (leaving `out` alone) on anything else, including plain numbers and negative values.
bool parse_duration(std::string_view text, SimDuration& out);
// The shortest exact form of a duration in the same syntax ("1h30m", "250ms", "0s").
std::string format_duration(SimDuration d);

// A calendar anchored at the scenario's start, in UTC (no time zones, no leap seconds).
class Calendar {
 public:
  Calendar() = default;
  explicit Calendar(std::int64_t start_unix_s) : start_unix_s_(start_unix_s) {}
  std::int64_t start_unix_s() const { return start_unix_s_; }
  // Hour of day in [0, 24) as a real number, at simulated time t.
  double hour_of_day(SimTime t) const { return static_cast<double>(micros_of_day(t)) / kMicrosPerHour; }
  // Microseconds since the last UTC midnight, in [0, kMicrosPerDay).
  std::int64_t micros_of_day(SimTime t) const {
    const std::int64_t abs_us = start_unix_s_ * kMicrosPerSecond + t;
    return abs_us - floor_div(abs_us, kMicrosPerDay) * kMicrosPerDay;
  }
  // 0 = Monday .. 6 = Sunday.
  int weekday(SimTime t) const {
    const std::int64_t abs_us = start_unix_s_ * kMicrosPerSecond + t;
    const std::int64_t days = floor_div(abs_us, kMicrosPerDay);
    // 1970-01-01 was a Thursday (index 3 when Monday is 0).
    return static_cast<int>(((days + 3) % 7 + 7) % 7);
  }
  // Simulated time of the next UTC midnight strictly after t.
  SimTime next_midnight(SimTime t) const;
  // "2026-01-05T14:30:00Z" (whole seconds).
  std::string iso8601(SimTime t) const;

 private:
  std::int64_t start_unix_s_ = 0;
};

// Parses "YYYY-MM-DDTHH:MM:SSZ" (optional fractional seconds, "Z" or "+00:00") into Unix
// seconds. Returns false on malformed or out-of-range input.
bool parse_iso8601_utc(std::string_view text, std::int64_t& unix_s);

}  // namespace opsim
