// Faults that change the work: `errors` raises the error rate, `latency` adds to the work
// time, `traffic_spike` multiplies a tenant's arrivals; each only while it lasts.
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// 10 requests/s of 100 ms constant work on plenty of capacity: no queueing, so latency is
// the work time and the error rate is the agent's.
std::string scenario(const std::string& faults) {
  return R"({"schema": "opsim/1", "name": "faults", "duration": "3h", "seed": 21,
    "services": [{"id": "s", "instance": {"concurrency": 50}, "instances": {"initial": 4, "min": 1, "max": 4},
                  "queue": {"capacity": 1000, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "100ms"}, "error_percent": 1},
               {"id": "b", "service": "s", "work": {"dist": "constant", "value": "100ms"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
                 "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 10}, {"agent": "b", "rate": 10}]}],
    "monitoring": {"scrape_interval": "1m", "retention": "1d"},
    "faults": )" + faults + "}";
}

// A metric's mean over the series rows whose end time is in (from, to].
double mean_between(const Simulation& sim, const std::string& metric, SimTime from, SimTime to) {
  const int col = sim.metrics().find(metric);
  REQUIRE(col >= 0);
  double sum = 0;
  int n = 0;
  for (std::size_t i = 0; i < sim.series().size(); ++i)
    if (sim.series().time(i) > from && sim.series().time(i) <= to) {
      sum += sim.series().value(i, static_cast<std::size_t>(col));
      ++n;
    }
  REQUIRE(n > 0);
  return sum / n;
}

}  // namespace

TEST_CASE("an errors fault adds its error rate to the agents it hits while it lasts", "[faults]") {
  const Scenario sc = test::must_load(scenario(R"([{"at": "1h", "duration": "1h", "type": "errors", "agent": "b", "error_percent": 20}])"));
  Simulation sim(sc, sc.seed);
  sim.run();
  const SimTime h = kMicrosPerHour;
  // Agent a fails 1 %, b 0 % before; b fails 20 % during: (1 + 20) / 2 = 10.5 % overall.
  CHECK(mean_between(sim, "error_rate_percent", 0, h) == Approx(0.5).margin(0.25));
  CHECK(mean_between(sim, "error_rate_percent", h, 2 * h) == Approx(10.5).margin(1.0));
  CHECK(mean_between(sim, "error_rate_percent", 2 * h, 3 * h) == Approx(0.5).margin(0.25));
  int started = 0, ended = 0;
  for (const LogEvent& e : sim.recent_events()) {
    started += e.kind == EventKind::fault_started && e.text("type") == "errors" && e.text("agent") == "b" && e.number("error_percent") == 20;
    ended += e.kind == EventKind::fault_ended;
  }
  CHECK(started == 1);
  CHECK(ended == 1);
}

TEST_CASE("a latency fault adds to the work time of its service's requests", "[faults]") {
  const Scenario sc = test::must_load(scenario(R"([{"at": "1h", "duration": "1h", "type": "latency", "service": "s", "add": "400ms"}])"));
  Simulation sim(sc, sc.seed);
  sim.run();
  const SimTime h = kMicrosPerHour;
  CHECK(mean_between(sim, "latency_avg_ms", 0, h) == Approx(100).margin(0.5));
  // Requests that started before the fault keep their work time: skip its first minute.
  CHECK(mean_between(sim, "latency_avg_ms", h + kMicrosPerMinute, 2 * h) == Approx(500).margin(0.5));
  CHECK(mean_between(sim, "latency_avg_ms", 2 * h + kMicrosPerMinute, 3 * h) == Approx(100).margin(0.5));
}

TEST_CASE("a traffic spike multiplies a tenant's arrivals while it lasts", "[faults]") {
  const Scenario sc = test::must_load(scenario(R"([{"at": "1h", "duration": "1h", "type": "traffic_spike", "tenant": "t", "multiplier": 3}])"));
  Simulation sim(sc, sc.seed);
  sim.run();
  const SimTime h = kMicrosPerHour;
  CHECK(mean_between(sim, "request_rate", 0, h) == Approx(20).epsilon(0.03));
  CHECK(mean_between(sim, "request_rate", h, 2 * h) == Approx(60).epsilon(0.03));
  CHECK(mean_between(sim, "request_rate", 2 * h, 3 * h) == Approx(20).epsilon(0.03));
}
