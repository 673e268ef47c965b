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
// negative and NaN inputs are the caller's bug.
SimDuration from_seconds(double seconds);

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
  double hour_of_day(SimTime t) const;
  // 0 = Monday .. 6 = Sunday.
  int weekday(SimTime t) const;
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
