// Offered load: the rate of one (tenant, agent) load at a simulated instant, and an upper
// bound of that rate over an interval, which the arrival process needs for thinning.
#pragma once
#include <vector>

#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim {

// Multiplicative factor of one pattern at time t.
double pattern_factor(const PatternSpec& p, const Calendar& cal, SimTime t);
// An upper bound of pattern_factor over [a, b).
double pattern_factor_bound(const PatternSpec& p, const Calendar& cal, SimTime a, SimTime b);

// Requests per second: the base rate (or the trace's rate) times every other pattern.
double load_rate(const LoadSpec& load, const Calendar& cal, SimTime t);
// An upper bound of load_rate over [a, b): the product of the patterns' bounds.
double load_rate_bound(const LoadSpec& load, const Calendar& cal, SimTime a, SimTime b);

// The arrival process evaluates the rate at a candidate time and then, once it is accepted
// or rejected, the bound from that same time: the diurnal factors (a cosine each, the
// costliest part) at the last time load_rate saw are kept for load_rate_bound. The values
// are those the functions above compute.
struct LoadRateMemo {
  bool valid = false;
  SimTime at = 0;
  std::vector<double> factors;  // per pattern at `at`; read for diurnal patterns only
  // The bound's other end: successive bounds of one segment end at the same time, and the
  // hour computed for it often comes out as the same double (the factor is looked up by
  // that exact value).
  std::vector<double> end_hours, end_factors;  // per pattern; NaN hour: none yet
};
double load_rate(const LoadSpec& load, const Calendar& cal, SimTime t, LoadRateMemo& memo);
double load_rate_bound(const LoadSpec& load, const Calendar& cal, SimTime a, SimTime b, LoadRateMemo& memo);

}  // namespace opsim
