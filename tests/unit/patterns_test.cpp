// Load patterns and the non-homogeneous Poisson arrivals built from them.
#include <cmath>

#include <catch2/catch.hpp>

#include "engine/random.h"
#include "sim/load_model.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

const Calendar kMonday(1767571200);  // 2026-01-05T00:00:00Z

SimTime at_hours(double h) { return static_cast<SimTime>(h * kMicrosPerHour); }

PatternSpec diurnal(double peak, double trough) {
  PatternSpec p;
  p.type = PatternSpec::Type::diurnal;
  p.peak_hour = peak;
  p.trough_factor = trough;
  return p;
}

}  // namespace

TEST_CASE("diurnal: 1 at the peak hour, the trough factor 12 hours away", "[patterns]") {
  const PatternSpec p = diurnal(14, 0.3);
  CHECK(pattern_factor(p, kMonday, at_hours(14)) == Approx(1.0));
  CHECK(pattern_factor(p, kMonday, at_hours(2)) == Approx(0.3));
  CHECK(pattern_factor(p, kMonday, at_hours(24 + 14)) == Approx(1.0));
  CHECK(pattern_factor(p, kMonday, at_hours(8)) == Approx(0.65));  // a quarter day away: midway
}

TEST_CASE("weekly factors follow the calendar, Monday first", "[patterns]") {
  PatternSpec p;
  p.type = PatternSpec::Type::weekly;
  p.weekly_factors = {1, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3};
  CHECK(pattern_factor(p, kMonday, at_hours(1)) == 1.0);
  CHECK(pattern_factor(p, kMonday, at_hours(24 * 5 + 3)) == 0.4);  // Saturday
  CHECK(pattern_factor(p, kMonday, at_hours(24 * 6 + 23)) == 0.3);  // Sunday night
  CHECK(pattern_factor(p, kMonday, at_hours(24 * 7)) == 1.0);  // Monday again
  // A calendar starting on a Wednesday shifts the week.
  const Calendar wednesday(1767571200 + 2 * 86400);
  CHECK(pattern_factor(p, wednesday, at_hours(1)) == 0.8);
}

TEST_CASE("ramp, spike and constant patterns", "[patterns]") {
  PatternSpec ramp;
  ramp.type = PatternSpec::Type::ramp;
  ramp.at = at_hours(2);
  ramp.duration = at_hours(4);
  ramp.from = 1;
  ramp.to = 3;
  CHECK(pattern_factor(ramp, kMonday, at_hours(1)) == 1.0);
  CHECK(pattern_factor(ramp, kMonday, at_hours(4)) == Approx(2.0));
  CHECK(pattern_factor(ramp, kMonday, at_hours(7)) == 3.0);

  PatternSpec spike;
  spike.type = PatternSpec::Type::spike;
  spike.at = at_hours(10);
  spike.duration = 45 * kMicrosPerMinute;
  spike.multiplier = 6;
  CHECK(pattern_factor(spike, kMonday, at_hours(9.99)) == 1.0);
  CHECK(pattern_factor(spike, kMonday, at_hours(10)) == 6.0);
  CHECK(pattern_factor(spike, kMonday, at_hours(10.74)) == 6.0);
  CHECK(pattern_factor(spike, kMonday, at_hours(10.75)) == 1.0);

  PatternSpec c;
  c.type = PatternSpec::Type::constant;
  c.factor = 0.5;
  CHECK(pattern_factor(c, kMonday, at_hours(3)) == 0.5);
}

TEST_CASE("a trace replaces the base rate and interpolates linearly", "[patterns]") {
  LoadSpec l;
  l.rate = 100;  // ignored under a trace
  PatternSpec t;
  t.type = PatternSpec::Type::trace;
  t.points = {{at_hours(1), 10}, {at_hours(2), 30}, {at_hours(4), 0}};
  l.patterns = {t};
  CHECK(load_rate(l, kMonday, 0) == 10);
  CHECK(load_rate(l, kMonday, at_hours(1.5)) == Approx(20));
  CHECK(load_rate(l, kMonday, at_hours(3)) == Approx(15));
  CHECK(load_rate(l, kMonday, at_hours(9)) == 0);
  CHECK(load_rate_bound(l, kMonday, at_hours(1.2), at_hours(3.5)) == Approx(30));
}

TEST_CASE("patterns combine by multiplication and the bound covers the rate", "[patterns]") {
  LoadSpec l;
  l.rate = 12.5;
  PatternSpec weekly;
  weekly.type = PatternSpec::Type::weekly;
  weekly.weekly_factors = {1, 1, 1, 1, 0.9, 0.4, 0.3};
  PatternSpec spike;
  spike.type = PatternSpec::Type::spike;
  spike.at = at_hours(58);
  spike.duration = 45 * kMicrosPerMinute;
  spike.multiplier = 6;
  PatternSpec ramp;
  ramp.type = PatternSpec::Type::ramp;
  ramp.at = at_hours(30);
  ramp.duration = at_hours(50);
  ramp.from = 0.5;
  ramp.to = 2;
  l.patterns = {diurnal(14, 0.3), weekly, spike, ramp};
  const SimTime t = at_hours(58.2);
  CHECK(load_rate(l, kMonday, t) == Approx(12.5 * pattern_factor(l.patterns[0], kMonday, t) * 1.0 * 6.0 *
                                           pattern_factor(l.patterns[3], kMonday, t)));
  // The thinning bound must never be below the rate anywhere in its interval.
  Rng rng(3);
  for (int i = 0; i < 3000; ++i) {
    const SimTime a = static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(at_hours(24 * 7))));
    const SimTime b = a + 1 + static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(at_hours(3))));
    const double bound = load_rate_bound(l, kMonday, a, b);
    for (int k = 0; k <= 20; ++k) {
      const SimTime x = a + (b - 1 - a) * k / 20;
      REQUIRE(load_rate(l, kMonday, x) <= bound * (1 + 1e-12));
    }
  }
}

TEST_CASE("the memoised rate and bound are the plain ones, bit for bit", "[patterns]") {
  // The arrival process keeps the diurnal factors of its last candidate time for the next
  // bound, and those of the bound's end by exact hour (LoadRateMemo); results must not move
  // by one bit.
  LoadSpec l;
  l.rate = 7.25;
  PatternSpec weekly;
  weekly.type = PatternSpec::Type::weekly;
  weekly.weekly_factors = {1, 1, 1, 1, 0.9, 0.4, 0.3};
  PatternSpec spike;
  spike.type = PatternSpec::Type::spike;
  spike.at = at_hours(30);
  spike.duration = 20 * kMicrosPerMinute;
  spike.multiplier = 4;
  l.patterns = {diurnal(14, 0.3), weekly, diurnal(9.5, 0.6), spike};
  LoadRateMemo memo;
  Rng rng(17);
  SimTime t = 0;
  for (int i = 0; i < 20000; ++i) {
    t += 1 + static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(40 * kMicrosPerMinute)));
    // Several bounds end at the same segment end, as the arrival process's do.
    const SimTime end = i % 3 ? (t / (5 * kMicrosPerMinute) + 1) * 5 * kMicrosPerMinute
                              : t + 1 + static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(at_hours(2))));
    REQUIRE(load_rate_bound(l, kMonday, t, end, memo) == load_rate_bound(l, kMonday, t, end));
    REQUIRE(load_rate(l, kMonday, t, memo) == load_rate(l, kMonday, t));
    REQUIRE(load_rate_bound(l, kMonday, t, end, memo) == load_rate_bound(l, kMonday, t, end));  // memo at t
  }
  // A pattern added later (a chaos spike) is not read from a memo made without it.
  l.patterns.push_back(spike);
  CHECK(load_rate_bound(l, kMonday, t, t + kMicrosPerHour, memo) == load_rate_bound(l, kMonday, t, t + kMicrosPerHour));
}

TEST_CASE("arrivals follow the integral of the rate (non-homogeneous Poisson)", "[patterns]") {
  // Diurnal over whole days: the mean factor is (1 + trough) / 2. Plenty of capacity, so
  // nothing is lost; the count is Poisson with mean = integral of the rate.
  const char* text = R"({"schema": "opsim/1", "name": "nhpp", "duration": "3d", "seed": 17,
    "services": [{"id": "s", "instance": {"concurrency": 1000}, "instances": {"initial": 1}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "10ms"}}],
    "tenants": [{"id": "t", "load": [{"agent": "a", "rate": 5,
      "patterns": [{"type": "diurnal", "peak_hour": 14, "trough_factor": 0.2},
                   {"type": "spike", "at": "1d12h", "duration": "1h", "multiplier": 4}]}]}]})";
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, sc.seed);
  sim.run();
  const auto v = sim.summary_values();
  const double arrivals = v[static_cast<std::size_t>(sim.metrics().find("requests_total"))];
  // Integral: 3 days at mean factor 0.6, plus the spike's extra 3x over one hour around 12:00.
  double spike_extra = 0;
  const PatternSpec d = sc.tenants[0].load[0].patterns[0];
  for (int k = 0; k < 3600; ++k)
    spike_extra += 5 * 3 * pattern_factor(d, sc.calendar, 36 * kMicrosPerHour + k * kMicrosPerSecond + kMicrosPerSecond / 2);
  const double expected = 5 * 0.6 * 3 * 86400 + spike_extra;
  CHECK(std::fabs(arrivals - expected) < 4 * std::sqrt(expected));
}
