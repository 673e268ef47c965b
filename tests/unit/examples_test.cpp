// The examples users are pointed to (README, "Files a scenario names"): each loads with the
// files beside it, runs, and does what its description says.
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "json/json.h"
#include "scenario/loader.h"
#include "scenario/trace_file.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

Scenario load_example(const std::string& folder, const std::string& file) {
  const LoadResult r = load_scenario(test::read_text(folder + file), test::files_in(folder));
  std::string errors;
  for (const auto& d : r.errors) errors += format_diagnostic(d, folder + file, "error") + "\n";
  INFO(errors);
  REQUIRE(r.ok);
  CHECK(r.warnings.empty());
  return r.scenario;
}

// The integral of a trace file's rates (trapezoids), per second, from its first row to its last.
double integral_of(const std::string& path, const std::string& column, double factor) {
  std::vector<TracePoint> rows;
  std::vector<Diagnostic> errors;
  REQUIRE(read_trace_file(test::read_text(path), column, 100000, "limit", rows, errors));
  double sum = 0;
  for (std::size_t i = 1; i < rows.size(); ++i)
    sum += (rows[i].unix_s - rows[i - 1].unix_s) * (rows[i].value + rows[i - 1].value) / 2 * factor;
  return sum;
}

}  // namespace

TEST_CASE("examples/kubernetes: the manifest's two metrics scale the service through its day") {
  const Scenario s = load_example("examples/kubernetes/", "scenario.json");
  const ScalingPolicySpec& p = s.scaling.at(0).policies.at(0);
  CHECK(p.manifest == "hpa.yaml");
  CHECK(p.metric == "cpu_utilization");
  REQUIRE(p.more_metrics.size() == 1);
  CHECK(p.more_metrics[0].metric == "request_rate");
  CHECK(p.min_instances == 3);
  test::RecordedRun run(s, s.seed);
  run.sim.run();
  CHECK(run.events.count(EventKind::scale_out) >= 3);  // up to the afternoon peak
  CHECK(run.events.count(EventKind::scale_in) >= 3);   // and down after it
  CHECK(test::metric(run.sim, "availability_percent") > 99.9);
}

TEST_CASE("examples/traces: a spreadsheet's day and a Prometheus export drive the arrivals they hold") {
  {
    const Scenario s = load_example("examples/traces/", "scenario-csv.json");
    Simulation sim(s, s.seed);
    sim.run();
    const double expected = integral_of("examples/traces/requests.csv", "requests_per_minute", 1.0 / 60);
    const double total = test::metric(sim, "requests_total");
    CHECK(std::fabs(total - expected) < 0.02 * expected);
  }
  {
    // 30 minutes at the first rate, then the 6-hour export three times, at twice its rate.
    const Scenario s = load_example("examples/traces/", "scenario-prometheus.json");
    const PatternSpec& p = s.tenants[0].load[0].patterns[0];
    CHECK(p.points.size() == 361);
    Simulation sim(s, s.seed);
    sim.run();
    const double six_hours = integral_of("examples/traces/prometheus-query-range.json", "", 2);
    const double expected = 1800 * p.points.front().second + 3 * six_hours;
    const double total = test::metric(sim, "requests_total");
    CHECK(std::fabs(total - expected) < 0.02 * expected);
  }
}
