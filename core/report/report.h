// What a run produces, as text: summary.json, time-series rows, objective verdicts and the
// summary table. Shared by the runner and the front end so that both show the same bytes.
#pragma once
#include <string>
#include <vector>

#include "sim/simulation.h"

namespace opsim {

struct ObjectiveResult {
  const ObjectiveSpec* spec = nullptr;
  bool measured = false;  // false when the metric's subsystem is not simulated
  double actual = 0;
  bool passed = false;
};

std::vector<ObjectiveResult> evaluate_objectives(const Simulation& sim, const std::vector<double>& summary);

// {"scenario", "seed", "duration_s", "metrics", "slos", "incidents", "postmortems", "chaos",
//  "deployments", "sre", "scaling", "performance", "objectives"}: the SRE dashboard (report/sre_dashboard.h),
//  the scaling report and the performance analysis of the run.
// A run stopped before its end gives `requested_end` (the simulated time it was to reach):
// "interrupted": true and "requested_duration_s" follow "duration_s".
std::string summary_json(const Simulation& sim, SimTime requested_end = -1);
// The "slos" list of summary.json: each SLO's figures over its window at the end.
std::string slos_json(const Simulation& sim);
// The "incidents" and "postmortems" lists of summary.json ([] without an incidents section).
std::string incidents_json(const Simulation& sim);
std::string postmortems_json(const Simulation& sim);
// The "chaos" list (every experiment: result, probes before and after, score) and the
// "deployments" list (phase, instances by version, analyses, outcome) of summary.json.
std::string chaos_json(const Simulation& sim);
std::string deployments_json(const Simulation& sim);
// The "metrics" object of summary.json alone ({"name": value, ...}), from summary values.
std::string metrics_json(const Simulation& sim, const std::vector<double>& values, bool pretty);
// {"t_s": now, "metrics": {...}}: the front end's state, same names and values as summary.json.
std::string state_json(const Simulation& sim);

std::string timeseries_csv_header(const MetricRegistry& registry);
std::string timeseries_csv_row(SimTime t, const std::vector<double>& row);

// Human-readable summary: totals, then one line per tenant and per service.
std::string summary_table(const Simulation& sim);
// The objectives as a pass/fail table (for `opsim grade`).
std::string objectives_table(const std::vector<ObjectiveResult>& results);

}  // namespace opsim
