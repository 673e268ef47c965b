// The performance analysis and the scaling report of a simulation, at any moment: what
// the front end's panels show and what summary.json carries at the end of a run.
#pragma once
#include <string>
#include <vector>

#include "performance/performance.h"
#include "sim/simulation.h"

namespace opsim {

// Bottlenecks and plan from each service's figures: over the last scrape interval
// (whole_run false, the front end's "now") or over the run so far. `score` is the
// performance_score metric of the same span (the last interval's, or the run's time
// average of interval scores).
performance::Analysis analyze_performance(const Simulation& sim, bool whole_run);
std::string performance_json(const performance::Analysis& a);

// The seed's scaling report (generate_scaling_report) over the run so far, with figures
// the seed leaves out (cost, forecast error, time at the maximum) and recommendations
// drawn from them.
struct ScalingReport {
  double hours = 0;
  int decisions = 0, scale_out = 0, scale_in = 0, scale_up = 0, scale_down = 0, predictive = 0;
  double decisions_per_hour = 0;
  struct Service {
    std::string id;
    bool scaled = false;  // a scaling section evaluates it
    int instances = 0, instances_max_reached = 0, instances_max = 0;
    int decisions = 0;
    double last_decision_s = -1;  // simulated seconds, -1 never
    double cost_usd = 0, cpu_utilization = 0;
    double size_factor = 1;
    bool predictive = false;
    double forecast_error_percent = 0;
  };
  struct Policy {
    std::string service, id, kind;  // kind: threshold, vertical, schedule, target_tracking, predictive, manual
    int decisions = 0;
    double per_hour = 0;
  };
  std::vector<Service> services;
  std::vector<Policy> policies;
  std::vector<std::string> recommendations;
};
ScalingReport scaling_report(const Simulation& sim);
std::string scaling_report_json(const ScalingReport& r);

}  // namespace opsim
