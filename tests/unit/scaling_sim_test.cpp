// Autoscaling in the simulation: the HPA and threshold policies resize pools, with startup
// delays and reasons logged.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

std::string scenario(const std::string& scaling) {
  // 20 requests/s of 1 s work: 20 busy slots on average, 4 slots per instance.
  return R"({"schema": "opsim/1", "name": "scale", "duration": "2h", "seed": 12,
    "services": [{"id": "s", "instance": {"concurrency": 4, "startup": "60s", "cost_per_hour": 1},
                  "instances": {"initial": 2, "min": 1, "max": 30}, "queue": {"capacity": 100000, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "1s"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
                 "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 20}]}],
    "scaling": )" + scaling + "}";
}

int scale_events(const Simulation& sim, const char* kind, const char* policy) {
  int n = 0;
  for (const LogEvent& e : sim.recent_events())
    n += e.kind == kind && e.json.find(std::string("\"policy\":\"") + policy + "\"") != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("target tracking settles where utilisation meets its target", "[scaling]") {
  const Scenario sc = test::must_load(scenario(R"({"service": "s", "evaluation_interval": "15s", "max_events_per_hour": 100,
      "policies": [{"id": "hpa", "kind": "target_tracking", "metric": "cpu_utilization", "target": 60}]})"));
  Simulation sim(sc, sc.seed);
  sim.run();
  // 20 busy slots at 60 % of 4 slots each: 20 / 2.4 = 8.3, so 9 instances (55.6 %, inside
  // the 10 % tolerance); 10 would be 50 % and scale back to 9.
  CHECK(sim.pool_view(0).instances >= 8);
  CHECK(sim.pool_view(0).instances <= 10);
  CHECK(scale_events(sim, "scale_out", "hpa") >= 2);
  const auto v = sim.summary_values();
  CHECK(v[static_cast<std::size_t>(sim.metrics().find("scaling_events"))] >= 2);
  CHECK(v[static_cast<std::size_t>(sim.metrics().find("instances_max"))] <= 30);
}

TEST_CASE("a threshold policy scales out by its increment after its evaluation periods", "[scaling]") {
  const Scenario sc = test::must_load(scenario(R"({"service": "s", "evaluation_interval": "60s", "max_events_per_hour": 10,
      "policies": [{"id": "cpu", "kind": "threshold", "trigger": "cpu_utilization", "threshold_up": 75,
                    "threshold_down": 30, "cooldown": "3m", "evaluation_periods": 2, "scale_increment": 2}]})"));
  Simulation sim(sc, sc.seed);
  sim.run_until(2 * kMicrosPerMinute - 1);
  CHECK(sim.pool_view(0).instances == 2);  // one breach at 60 s is not enough
  sim.run_until(2 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).instances == 4);  // the second consecutive breach: +2
  sim.run_until(4 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).instances == 4);  // cooldown of 3 minutes
  sim.run();
  CHECK(sim.pool_view(0).instances >= 8);  // enough for 20 busy slots under 75 %
  CHECK(scale_events(sim, "scale_out", "cpu") >= 3);
  const auto v = sim.summary_values();
  CHECK(v[static_cast<std::size_t>(sim.metrics().find("scaling_events"))] <= 20);  // 10 per hour at most
}
