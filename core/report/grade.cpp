#include "report/grade.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "json/json.h"

namespace opsim {

namespace {

// An unmeasured objective, or a value that is not a number, is worse than any measured one.
double margin_of(const ObjectiveSpec& o, const ObjectiveMeasure& m) {
  if (!m.measured || std::isnan(m.actual)) return -std::numeric_limits<double>::infinity();
  return objective_margin(o, m.actual);
}

std::string pad(std::string s, std::size_t width, bool left = false) {
  if (s.size() >= width) return s;
  return left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
}

}  // namespace

double objective_margin(const ObjectiveSpec& o, double actual) {
  switch (o.op) {
    case CompareOp::lt:
    case CompareOp::le: return o.value - actual;
    case CompareOp::gt:
    case CompareOp::ge: return actual - o.value;
    case CompareOp::eq: return -std::fabs(actual - o.value);
    case CompareOp::ne: return std::fabs(actual - o.value);
  }
  return 0;
}

GradeRun grade_run(const Simulation& sim) {
  GradeRun run;
  run.seed = sim.seed();
  for (const ObjectiveResult& r : evaluate_objectives(sim, sim.summary_values()))
    run.measures.push_back({r.measured, r.actual, r.passed});
  return run;
}

Grade aggregate_grade(const std::vector<ObjectiveSpec>& objectives, const std::vector<GradeRun>& runs) {
  Grade g;
  for (const GradeRun& r : runs) g.seeds.push_back(r.seed);
  for (std::size_t i = 0; i < objectives.size(); ++i) {
    ObjectiveGrade og;
    og.spec = objectives[i];
    og.measured = true;
    double worst_margin = 0;
    for (const GradeRun& r : runs) {
      const ObjectiveMeasure m = i < r.measures.size() ? r.measures[i] : ObjectiveMeasure{};
      og.by_seed.push_back(m);
      ++og.runs;
      if (m.passed) ++og.passes;
      og.measured = og.measured && m.measured;
      const double margin = margin_of(og.spec, m);
      if (og.runs == 1 || margin < worst_margin) {
        worst_margin = margin;
        og.worst = m.actual;
        og.worst_seed = r.seed;
      }
    }
    og.measured = og.measured && og.runs > 0;
    og.passed = og.runs > 0 && og.passes == og.runs;
    g.objectives.push_back(og);
  }
  g.passed = !g.objectives.empty();
  for (const ObjectiveGrade& og : g.objectives) g.passed = g.passed && og.passed;
  return g;
}

Grade grade_scenario(const Scenario& scenario, std::uint64_t first_seed, int count, SimTime until,
                     const std::function<void(const GradeRun& run, int index)>& on_run) {
  std::vector<GradeRun> runs;
  const SimTime end = until > 0 ? std::min(until, scenario.duration) : scenario.duration;
  for (int i = 0; i < count; ++i) {
    Simulation sim(scenario, first_seed + static_cast<std::uint64_t>(i));
    sim.run_until(end);
    runs.push_back(grade_run(sim));
    if (on_run) on_run(runs.back(), i);
  }
  return aggregate_grade(scenario.objectives, runs);
}

std::string grade_table(const Grade& g) {
  const bool several = g.seeds.size() > 1;
  std::size_t id_width = 10, metric_width = 7, seed_width = 6;
  for (const ObjectiveGrade& o : g.objectives) {
    id_width = std::max(id_width, o.spec.id.size() + 1);
    metric_width = std::max(metric_width, o.spec.metric.size() + 1);
    seed_width = std::max(seed_width, std::to_string(o.worst_seed).size() + 2);
  }
  std::string s;
  if (several)
    s += "graded over " + std::to_string(g.seeds.size()) + " seeds (" + std::to_string(g.seeds.front()) + " to " +
         std::to_string(g.seeds.back()) + "): an objective passes only if it passes on every seed; worst = the value "
         "closest to failing, or the failing one furthest beyond its target\n";
  s += pad("objective", id_width, true) + pad("metric", metric_width, true) + pad("target", 14, true) +
       pad(several ? "worst" : "actual", 14) + (several ? pad("seed", seed_width) + pad("passed", 8) : "") + "  result\n";
  for (const ObjectiveGrade& o : g.objectives) {
    const std::string target = std::string(op_text(o.spec.op)) + " " + json::number(o.spec.value);
    s += pad(o.spec.id, id_width, true) + pad(o.spec.metric, metric_width, true) + pad(target, 14, true) +
         pad(o.measured && std::isfinite(o.worst) ? json::number(o.worst) : "n/a", 14);
    if (several) s += pad(std::to_string(o.worst_seed), seed_width) + pad(std::to_string(o.passes) + "/" + std::to_string(o.runs), 8);
    s += std::string("  ") + (o.passed ? "PASS" : o.measured ? "FAIL" : "FAIL (metric not simulated)") + "\n";
  }
  return s;
}

std::string grade_json(const Grade& g, const std::string& scenario_name) {
  std::string seeds = "[";
  for (std::size_t i = 0; i < g.seeds.size(); ++i) seeds += (i ? ", " : "") + std::to_string(g.seeds[i]);
  seeds += "]";
  std::string objectives = "[";
  for (std::size_t i = 0; i < g.objectives.size(); ++i) {
    const ObjectiveGrade& o = g.objectives[i];
    std::string actual = "[";
    for (std::size_t k = 0; k < o.by_seed.size(); ++k)
      actual += (k ? ", " : "") + (o.by_seed[k].measured ? json::number(o.by_seed[k].actual) : std::string("null"));
    actual += "]";
    json::ObjectWriter w;
    w.field("id", o.spec.id)
        .field("description", o.spec.description)
        .field("metric", o.spec.metric)
        .field("op", op_text(o.spec.op))
        .field("value", o.spec.value);
    if (o.measured) w.field("worst", o.worst);
    else w.raw("worst", "null");
    w.field("worst_seed", o.worst_seed).field("passes", o.passes).field("runs", o.runs).field("passed", o.passed).raw("actual", actual);
    objectives += (i ? ",\n    " : "\n    ") + w.str();
  }
  objectives += g.objectives.empty() ? "]" : "\n  ]";
  std::string s = "{\n";
  s += "  \"scenario\": " + json::quote(scenario_name) + ",\n";
  s += "  \"seeds\": " + seeds + ",\n";
  s += "  \"passed\": " + std::string(g.passed ? "true" : "false") + ",\n";
  s += "  \"objectives\": " + objectives + "\n}\n";
  return s;
}

std::string solution_location(const std::string& exercise, const std::string& solution, bool builtin) {
  const std::size_t slash = exercise.rfind('/');
  std::string s = (slash == std::string::npos ? std::string() : exercise.substr(0, slash + 1)) + solution;
  if (builtin && s.size() >= 5 && s.compare(s.size() - 5, 5, ".json") == 0) s.resize(s.size() - 5);
  return s;
}

}  // namespace opsim
