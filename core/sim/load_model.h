// Offered load: the rate of one (tenant, agent) load at a simulated instant, and an upper
// bound of that rate over an interval, which the arrival process needs for thinning.
#pragma once
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

}  // namespace opsim
