#include "sim/load_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/portable_math.h"

namespace opsim {
namespace {

// Raised cosine: 1 at peak_hour, trough_factor twelve hours away. `turns` is the time from
// the peak as a fraction of a day.
double diurnal_at_turns(const PatternSpec& p, double turns) {
  return p.trough_factor + (1.0 - p.trough_factor) * (1.0 + pmath::cos_turns(turns)) / 2.0;
}

double diurnal(const PatternSpec& p, double hour) { return diurnal_at_turns(p, (hour - p.peak_hour) * (1.0 / 24)); }

// The same at simulated time t, from the calendar's microseconds without the division that
// hour_of_day makes: this is evaluated for every candidate arrival.
double diurnal(const PatternSpec& p, const Calendar& cal, SimTime t) {
  const double from_peak_us = static_cast<double>(cal.micros_of_day(t)) - p.peak_hour * static_cast<double>(kMicrosPerHour);
  return diurnal_at_turns(p, from_peak_us * (1.0 / static_cast<double>(kMicrosPerDay)));
}

// The rate at the trace's own time u (negative: before it starts).
double points_rate(const PatternSpec& p, SimTime u) {
  const auto& pts = p.points;
  if (u <= pts.front().first) return pts.front().second;
  if (u >= pts.back().first) return pts.back().second;
  const auto it = std::upper_bound(pts.begin(), pts.end(), u,
                                   [](SimTime x, const std::pair<SimTime, double>& pt) { return x < pt.first; });
  const auto& hi = *it;
  const auto& lo = *(it - 1);
  const double f = static_cast<double>(u - lo.first) / static_cast<double>(hi.first - lo.first);
  return lo.second + f * (hi.second - lo.second);
}

// The trace's own time at simulated time t: from its start (`shift` after the scenario's),
// looped by `repeat` once started.
SimTime trace_time(const PatternSpec& p, SimTime t) {
  SimTime u = t - p.shift;
  if (p.repeat > 0 && u > 0) u %= p.repeat;
  return u;
}

double trace_rate(const PatternSpec& p, SimTime t) { return points_rate(p, trace_time(p, t)); }

// The trace's maximum over [a, b]: piecewise linear, it is at an end, at a point inside, or
// (looped) where a period starts again.
double trace_bound(const PatternSpec& p, SimTime a, SimTime b) {
  double rate = std::max(trace_rate(p, a), trace_rate(p, b));
  const SimTime ua = a - p.shift, ub = b - p.shift;
  if (p.repeat <= 0) {
    for (const auto& pt : p.points)
      if (pt.first > ua && pt.first < ub) rate = std::max(rate, pt.second);
    return rate;
  }
  if (ub <= 0) return rate;  // before the trace starts: its first rate
  const SimTime r = p.repeat;
  if (ub - std::max<SimTime>(ua, 0) >= r) {
    for (const auto& pt : p.points) rate = std::max(rate, pt.second);
    return rate;
  }
  for (SimTime k = std::max<SimTime>(ua, 0) / r; k <= ub / r; ++k) {
    const SimTime start = k * r;
    if (start > ua && start < ub) rate = std::max(rate, points_rate(p, 0));
    // A point at the period's end is approached from below, then the period starts again.
    for (const auto& pt : p.points) {
      const SimTime at = start + pt.first;
      if (at > ua && at <= ub) rate = std::max(rate, pt.second);
    }
  }
  return rate;
}

}  // namespace

double pattern_factor(const PatternSpec& p, const Calendar& cal, SimTime t) {
  using T = PatternSpec::Type;
  // Most loads are diurnal: tested first, one well-predicted branch instead of a switch.
  if (p.type == T::diurnal) return diurnal(p, cal, t);
  switch (p.type) {
    case T::constant: return p.factor;
    case T::diurnal: return diurnal(p, cal, t);
    case T::weekly: return p.weekly_factors[static_cast<std::size_t>(cal.weekday(t))];
    case T::ramp:
      if (t <= p.at) return p.from;
      if (t >= p.at + p.duration) return p.to;
      return p.from + (p.to - p.from) * static_cast<double>(t - p.at) / static_cast<double>(p.duration);
    case T::spike: return (t >= p.at && t < p.at + p.duration) ? p.multiplier : 1.0;
    case T::trace: return 1.0;  // the trace replaces the base rate instead (see load_rate)
  }
  return 1.0;
}

namespace {

// The end hours' factors the bound has seen, by exact hour (LoadRateMemo::end_hours).
struct EndMemo {
  double* hour;
  double* factor;
};

// pattern_factor_bound; `factor_at_a`, when given, is pattern_factor(p, cal, a).
double factor_bound(const PatternSpec& p, const Calendar& cal, SimTime a, SimTime b, const double* factor_at_a,
                    EndMemo end = {nullptr, nullptr}) {
  using T = PatternSpec::Type;
  if (p.type == T::diurnal) {  // the common case first, as in pattern_factor
    if (b - a >= kMicrosPerDay) return 1.0;
    // Between two peaks the curve falls then rises, so off a peak the maximum is at an end.
    const double ha = cal.hour_of_day(a);
    const double hb = ha + to_seconds(b - a) * (1.0 / 3600);
    double next_peak = p.peak_hour;
    while (next_peak < ha) next_peak += 24.0;
    if (next_peak <= hb) return 1.0;
    double at_b;
    if (end.hour && *end.hour == hb) {
      at_b = *end.factor;
    } else {
      at_b = diurnal(p, hb);
      if (end.hour) *end.hour = hb, *end.factor = at_b;
    }
    return std::max(factor_at_a ? *factor_at_a : diurnal(p, cal, a), at_b);
  }
  switch (p.type) {
    case T::constant: return p.factor;
    case T::diurnal: break;  // above
    case T::weekly: {
      double m = p.weekly_factors[static_cast<std::size_t>(cal.weekday(a))];
      for (SimTime t = cal.next_midnight(a); t < b; t = cal.next_midnight(t))
        m = std::max(m, p.weekly_factors[static_cast<std::size_t>(cal.weekday(t))]);
      return m;
    }
    case T::ramp: return std::max(pattern_factor(p, cal, a), pattern_factor(p, cal, b));
    case T::spike: {
      const SimTime s0 = p.at, s1 = p.at + p.duration;
      if (b <= s0 || a >= s1) return 1.0;
      if (a >= s0 && b <= s1) return p.multiplier;
      return std::max(1.0, p.multiplier);
    }
    case T::trace: return 1.0;
  }
  return 1.0;
}

}  // namespace

double pattern_factor_bound(const PatternSpec& p, const Calendar& cal, SimTime a, SimTime b) {
  return factor_bound(p, cal, a, b, nullptr);
}

double load_rate(const LoadSpec& load, const Calendar& cal, SimTime t) {
  double rate = load.rate;
  for (const PatternSpec& p : load.patterns)
    if (p.type == PatternSpec::Type::trace) rate = trace_rate(p, t);
  for (const PatternSpec& p : load.patterns) rate *= pattern_factor(p, cal, t);
  return rate;
}

double load_rate(const LoadSpec& load, const Calendar& cal, SimTime t, LoadRateMemo& memo) {
  double rate = load.rate;
  for (const PatternSpec& p : load.patterns)
    if (p.type == PatternSpec::Type::trace) rate = trace_rate(p, t);
  memo.factors.resize(load.patterns.size());
  for (std::size_t i = 0; i < load.patterns.size(); ++i) {
    const double f = pattern_factor(load.patterns[i], cal, t);
    memo.factors[i] = f;
    rate *= f;
  }
  memo.valid = true;
  memo.at = t;
  return rate;
}

namespace {

// The base rate's bound over [a, b): a trace's maximum there, or the load's rate.
double base_rate_bound(const LoadSpec& load, SimTime a, SimTime b) {
  double rate = load.rate;
  for (const PatternSpec& p : load.patterns)
    if (p.type == PatternSpec::Type::trace) rate = trace_bound(p, a, b);
  return rate;
}

}  // namespace

double load_rate_bound(const LoadSpec& load, const Calendar& cal, SimTime a, SimTime b) {
  double rate = base_rate_bound(load, a, b);
  for (const PatternSpec& p : load.patterns) rate *= factor_bound(p, cal, a, b, nullptr);
  return rate;
}

double load_rate_bound(const LoadSpec& load, const Calendar& cal, SimTime a, SimTime b, LoadRateMemo& memo) {
  const bool at_a = memo.valid && memo.at == a && memo.factors.size() == load.patterns.size();
  if (memo.end_hours.size() != load.patterns.size()) {
    memo.end_hours.assign(load.patterns.size(), std::numeric_limits<double>::quiet_NaN());
    memo.end_factors.assign(load.patterns.size(), 0.0);
  }
  double rate = base_rate_bound(load, a, b);
  for (std::size_t i = 0; i < load.patterns.size(); ++i)
    rate *= factor_bound(load.patterns[i], cal, a, b, at_a ? &memo.factors[i] : nullptr,
                         EndMemo{&memo.end_hours[i], &memo.end_factors[i]});
  return rate;
}

}  // namespace opsim
