// The performance engine: the seed's score formula and bottleneck thresholds, the plan
// drawn from what the simulation knows, and performance_score in the simulation.
#include <string>

#include <catch2/catch.hpp>

#include "performance/performance.h"
#include "report/analysis.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

TEST_CASE("performance score follows the seed's weighted penalties", "[performance]") {
  using performance::Inputs;
  CHECK(performance::score(Inputs{}) == 100);
  CHECK(performance::score(Inputs{80, 85, 1000, 50}) == 100);  // every knee, no penalty yet
  // 100 - (95-80) x 0.5 - (90-85) x 0.6 - min(30, 2000/100) - min(20, 100/10)
  CHECK(performance::score(Inputs{95, 90, 3000, 150}) == Approx(59.5));
  // Latency and queue penalties are capped at 30 and 20; the score never goes below 0.
  CHECK(performance::score(Inputs{0, 0, 100000, 0}) == Approx(70));
  CHECK(performance::score(Inputs{0, 0, 0, 100000}) == Approx(80));
  CHECK(performance::score(Inputs{100, 100, 100000, 100000}) == Approx(100 - 10 - 9 - 30 - 20));
  CHECK(performance::score(Inputs{300, 300, 100000, 100000}) == 0);
}

TEST_CASE("bottlenecks have the seed's severities and the plan follows them", "[performance]") {
  performance::ServiceFacts s;
  s.id = "api";
  s.has_scaling = true;
  s.instances = 10;
  s.instances_max = 10;
  s.inputs = {95, 90, 3000, 150};
  const performance::Analysis a = performance::analyze(s.inputs, {s});
  REQUIRE(a.bottlenecks.size() == 4);
  CHECK(a.bottlenecks[0].kind == performance::Kind::cpu);
  CHECK(a.bottlenecks[0].severity == performance::Severity::high);  // above 90
  CHECK(a.bottlenecks[1].severity == performance::Severity::medium);  // memory 90: 85 < x <= 95
  CHECK(a.bottlenecks[2].severity == performance::Severity::medium);  // latency 3000: 2000 < x <= 5000
  CHECK(a.bottlenecks[3].severity == performance::Severity::medium);  // queue 150: 100 < x <= 500
  // Only the high one needs an immediate action: the fleet is at its maximum, so raise it.
  REQUIRE(a.plan.immediate.size() == 1);
  CHECK(a.plan.immediate[0].find("Raise instances.max of api") != std::string::npos);
  // CPU and latency both point at the work per request (no context providers): one item.
  CHECK(a.plan.short_term.size() == 3);
  s.uses_context = true;
  const performance::Analysis with_context = performance::analyze(s.inputs, {s});
  REQUIRE(with_context.plan.short_term.size() == 4);
  CHECK(with_context.plan.short_term[2].find("Shorten context assembly on api") == 0);
  // Scaling without prediction on a strained service: predictive scaling in the long term.
  REQUIRE(a.plan.long_term.size() == 2);
  CHECK(a.plan.long_term[0].find("predictive") != std::string::npos);
  // Relieved to the thresholds (80, 85, 2000, 100) the score would be 85: +25.5.
  CHECK(a.plan.estimated_improvement == Approx(25.5));

  s.has_scaling = false;
  s.inputs = {50, 50, 500, 0};
  const performance::Analysis calm = performance::analyze(s.inputs, {s});
  CHECK(calm.bottlenecks.empty());
  CHECK(calm.plan.immediate.empty());
  CHECK(calm.plan.long_term.empty());  // no fixed list: nothing to say when nothing strains
  CHECK(calm.score == 100);
}

TEST_CASE("performance_score of a run is the time average of its intervals' scores", "[performance]") {
  // One instance of 2 slots for 3 requests/s of 1 s work: overloaded, the queue grows to
  // its capacity and latency climbs, so the intervals' scores fall.
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "perf", "duration": "30m", "seed": 3,
    "services": [{"id": "s", "instance": {"concurrency": 2, "startup": "60s"}, "instances": {"initial": 1, "min": 1, "max": 1},
                  "queue": {"capacity": 400, "timeout": "10m"}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "1s"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
                 "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 3}]}],
    "monitoring": {"scrape_interval": "15s", "retention": "1h"}})");
  Simulation sim(sc, sc.seed);
  sim.run();
  const int col = sim.metrics().find("performance_score");
  const int svc = sim.metrics().find("service.s.performance_score");
  REQUIRE(col >= 0);
  REQUIRE(svc >= 0);
  const SeriesStore& series = sim.series();
  REQUIRE(series.size() == 120);
  double sum = 0, lowest = 100;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double v = series.value(i, static_cast<std::size_t>(col));
    CHECK(v == series.value(i, static_cast<std::size_t>(svc)));  // one service: the same figures
    sum += v;
    lowest = std::min(lowest, v);
  }
  CHECK(lowest < 60);  // saturated CPU, a long queue and minutes of latency
  const auto values = sim.summary_values();
  CHECK(values[static_cast<std::size_t>(col)] == Approx(sum / 120).epsilon(1e-12));

  const performance::Analysis run = analyze_performance(sim, true);
  CHECK(run.score == Approx(sum / 120).epsilon(1e-12));
  bool cpu_high = false;
  for (const performance::Bottleneck& b : run.bottlenecks)
    cpu_high = cpu_high || (b.kind == performance::Kind::cpu && b.severity == performance::Severity::high);
  CHECK(cpu_high);
  const performance::Analysis now = analyze_performance(sim, false);
  CHECK(now.score == series.value(series.size() - 1, static_cast<std::size_t>(col)));
  // No scaling section: the plan says to add one.
  bool add_scaling = false;
  for (const std::string& s : now.plan.immediate) add_scaling = add_scaling || s.find("Add a scaling policy for s") == 0;
  CHECK(add_scaling);
}
