// Grading a scenario's objectives over one or several seeds: `opsim grade --seeds N`, the
// exercise tests and the front end's exercise mode share these rules.
//
// Aggregation over seeds s, s+1, ..., s+N-1:
//   - an objective passes only if it passes on every seed ("k/N" counts the seeds it passes);
//   - its reported value is the worst one: the value with the smallest margin to its target
//     over the seeds, that is the one closest to failing, or the failing one furthest beyond
//     it. The margin is value - actual for "<" and "<=", actual - value for ">" and ">=",
//     -|actual - value| for "==" and |actual - value| for "!="; ties go to the earlier seed;
//   - an objective whose metric is not measured (or not a number) on some seed fails, and that
//     seed is its worst;
//   - the grade passes when every objective passes (and there is at least one objective).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "report/report.h"

namespace opsim {

// One objective measured at the end of one run.
struct ObjectiveMeasure {
  bool measured = false;  // false when the metric's subsystem is not simulated
  double actual = 0;
  bool passed = false;
};

// One run: its seed and a measure per objective of the scenario, in the scenario's order.
struct GradeRun {
  std::uint64_t seed = 0;
  std::vector<ObjectiveMeasure> measures;
};

struct ObjectiveGrade {
  ObjectiveSpec spec;
  int runs = 0, passes = 0;
  bool passed = false;  // passed on every run
  bool measured = false;  // measured on every run
  double worst = 0;  // the value with the smallest margin (see above); meaningful when measured
  std::uint64_t worst_seed = 0;
  std::vector<ObjectiveMeasure> by_seed;  // in the order of Grade::seeds
};

struct Grade {
  std::vector<std::uint64_t> seeds;
  std::vector<ObjectiveGrade> objectives;
  bool passed = false;
};

// How far `actual` is inside the objective's target (negative: how far beyond it).
double objective_margin(const ObjectiveSpec& objective, double actual);

// The objectives of the simulation's scenario, measured now (at the end of a run).
GradeRun grade_run(const Simulation& sim);

// Applies the rules above to runs of one scenario (each with a measure per objective).
Grade aggregate_grade(const std::vector<ObjectiveSpec>& objectives, const std::vector<GradeRun>& runs);

// Runs the scenario `count` times, with seeds first_seed, first_seed + 1, ..., each to `until`
// (0: its duration), and grades it; `on_run` is told of each run as it finishes.
Grade grade_scenario(const Scenario& scenario, std::uint64_t first_seed, int count, SimTime until = 0,
                     const std::function<void(const GradeRun& run, int index)>& on_run = {});

// The pass/fail table of `opsim grade`: per objective its target, the worst value, the seed
// it came from, "k/N" and PASS or FAIL.
std::string grade_table(const Grade& grade);
// {"scenario", "seeds", "passed", "objectives": [{"id", "description", "metric", "op",
//  "value", "worst", "worst_seed", "passes", "runs", "passed", "actual": [one per seed]}]}
std::string grade_json(const Grade& grade, const std::string& scenario_name);

// Where an exercise's solution is: `solution` taken relative to the folder of `exercise`,
// which is a file path ("scenarios/exercises/cooldown.json") or a built-in scenario's name
// ("exercises/cooldown"); the result has the same form ("exercises/solutions/cooldown" for
// a built-in name, without ".json").
std::string solution_location(const std::string& exercise, const std::string& solution, bool builtin);

}  // namespace opsim
