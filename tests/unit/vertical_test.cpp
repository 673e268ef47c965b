// Vertical scaling: a size change carried out by a rolling restart, one surge instance at a
// time, with capacity and cost following each instance's size.
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// 20 requests/s of 1 s work: 20 busy slots wanted; 2 instances of 4 slots at size x1.
const char* kScenario = R"({"schema": "opsim/1", "name": "vertical", "duration": "2h", "seed": 5,
  "services": [{"id": "s", "instance": {"concurrency": 4, "memory_mb": 4096, "startup": "60s", "cost_per_hour": 1},
                "instances": {"initial": 2, "min": 1, "max": 10}, "queue": {"capacity": 100000, "timeout": "1h"}}],
  "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "1s"}}],
  "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
               "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 20}]}],
  "scaling": {"service": "s", "evaluation_interval": "60s",
              "policies": [{"id": "size", "kind": "threshold", "trigger": "cpu_utilization", "threshold_up": 90,
                            "threshold_down": 20, "evaluation_periods": 2, "cooldown": "5m",
                            "direction": "vertical", "size_factors": [0.5, 1, 2, 4]}]}})";

const LogEvent* first(const Simulation& sim, EventKind kind) {
  for (const LogEvent& e : sim.recent_events())
    if (e.kind == kind) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("a vertical policy resizes instances by a rolling restart with one surge instance", "[fleet][scaling]") {
  const Scenario sc = test::must_load(kScenario);
  Simulation sim(sc, sc.seed);
  // Saturated from the start: breaches at 60 s and 120 s, so the decision comes at 120 s.
  sim.run_until(120 * kMicrosPerSecond);
  const LogEvent* up = first(sim, EventKind::scale_up);
  REQUIRE(up != nullptr);
  CHECK(up->t == 120 * kMicrosPerSecond);
  CHECK(up->number("from_size") == 1);
  CHECK(up->number("to_size") == 2);
  CHECK(up->number("slots_per_instance") == 8);
  REQUIRE(first(sim, EventKind::rolling_restart_started) != nullptr);
  // One surge instance starting; the count scaling sees stays 2.
  Simulation::PoolView v = sim.pool_view(0);
  CHECK(v.instances == 3);
  CHECK(v.starting_instances == 1);
  CHECK(v.ready_instances == 2);
  CHECK(v.total_slots == 8);
  CHECK(v.rolling_restart);
  CHECK(v.cost_usd_per_hour == Approx(1 + 1 + 2));  // two of size 1, the surge of size 2

  // The surge is ready after the startup: an old instance drains, the next surge starts.
  sim.run_until(180 * kMicrosPerSecond);
  v = sim.pool_view(0);
  CHECK(v.ready_instances == 2);  // one old (4 slots) and one new (8 slots)
  CHECK(v.total_slots == 12);
  CHECK(v.starting_instances == 1);
  CHECK(v.rolling_replaced == 1);

  // Two replacements of 60 s each.
  sim.run_until(240 * kMicrosPerSecond);
  const LogEvent* done = first(sim, EventKind::rolling_restart_finished);
  REQUIRE(done != nullptr);
  CHECK(done->t == 240 * kMicrosPerSecond);
  CHECK(done->number("instances_replaced") == 2);
  CHECK(done->number("took_s") == 120);
  v = sim.pool_view(0);
  CHECK_FALSE(v.rolling_restart);
  CHECK(v.ready_instances == 2);
  CHECK(v.total_slots == 16);
  CHECK(v.size_factor == 2);
  for (const Simulation::InstanceView& in : sim.pool_instances(0))
    if (in.state == Simulation::InstanceState::ready) CHECK(in.slots == 8);

  // 16 slots for 20 busy: still saturated, so after the cooldown it goes to x4 (32 slots,
  // about 62 %, inside the thresholds) and stays.
  sim.run();
  v = sim.pool_view(0);
  CHECK(v.size_factor == 4);
  CHECK(v.total_slots == 32);
  CHECK(v.instances == 2);
  CHECK(v.cost_usd_per_hour == Approx(8));
  const Simulation::PoolScalingStats& st = sim.pool_scaling_stats(0);
  CHECK(st.scale_up == 2);
  CHECK(st.scale_down == 0);
  CHECK(st.scale_out + st.scale_in == 0);
  const auto values = sim.summary_values();
  CHECK(values[static_cast<std::size_t>(sim.metrics().find("scaling_events"))] == 2);
}

TEST_CASE("vertical size factors are validated", "[loader][scaling]") {
  auto errors_for = [](const std::string& policy) {
    std::string text = kScenario;
    const std::string from = R"({"id": "size")";
    const std::size_t at = text.find(from);
    const std::size_t end = text.find("]}]}", at) + 2;
    text.replace(at, end - at, policy);
    LoadResult r = load_scenario(text);
    std::string all;
    for (const auto& d : r.errors) all += d.path + ": " + d.message + "\n";
    return all;
  };
  const std::string base = R"({"id": "v", "kind": "threshold", "trigger": "cpu_utilization", "threshold_up": 90, "threshold_down": 20, )";
  CHECK(errors_for(base + R"("direction": "vertical", "size_factors": [1, 2]})").empty());
  CHECK(errors_for(base + R"("direction": "vertical"})").find("$.scaling.policies[0].size_factors") != std::string::npos);
  CHECK(errors_for(base + R"("size_factors": [1, 2]})").find("unless \"direction\" is \"vertical\"") != std::string::npos);
  CHECK(errors_for(base + R"("direction": "vertical", "size_factors": [2, 1]})").find("factors ascend") != std::string::npos);
  CHECK(errors_for(base + R"("direction": "vertical", "size_factors": [2, 4]})").find("include 1") != std::string::npos);
  CHECK(errors_for(R"({"id": "v", "kind": "threshold", "trigger": "schedule", "direction": "vertical",
                       "schedule": [{"at": "1h", "instances": 2}]})")
            .find("a schedule sets instance counts") != std::string::npos);
}
