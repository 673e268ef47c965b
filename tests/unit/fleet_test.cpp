// The instance lifecycle (starting -> ready -> draining -> gone), its cost, and the faults
// that act on the fleet (instance_crash, capacity_loss).
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

const char* kFleet = R"({"schema": "opsim/1", "name": "fleet", "duration": "2h", "seed": 2,
  "services": [{"id": "s", "instance": {"concurrency": 4, "startup": "90s", "cost_per_hour": 1},
                "instances": {"initial": 2, "min": 1, "max": 10}, "queue": {"capacity": 10000, "timeout": "1h"}}],
  "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "10s"}}],
  "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
               "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 0.5}]}]})";

int count(const std::vector<Simulation::InstanceView>& v, Simulation::InstanceState s) {
  int n = 0;
  for (const auto& i : v) n += i.state == s;
  return n;
}

}  // namespace

TEST_CASE("new instances cost from their start and serve only after the startup delay", "[fleet]") {
  const Scenario sc = test::must_load(kFleet);
  Simulation sim(sc, 1);
  sim.run_until(10 * kMicrosPerMinute);
  sim.scale_pool(0, 5, "test");
  auto v = sim.pool_view(0);
  CHECK(v.instances == 5);
  CHECK(v.ready_instances == 2);
  CHECK(v.starting_instances == 3);
  CHECK(v.total_slots == 8);  // starting instances add no capacity
  sim.run_until(10 * kMicrosPerMinute + 89 * kMicrosPerSecond);
  CHECK(sim.pool_view(0).ready_instances == 2);
  sim.run_until(10 * kMicrosPerMinute + 90 * kMicrosPerSecond);
  CHECK(sim.pool_view(0).ready_instances == 5);
  CHECK(sim.pool_view(0).total_slots == 20);
  // Scale in: two instances drain, finish their work, and are gone.
  sim.scale_pool(0, 3, "test");
  CHECK(sim.pool_view(0).ready_instances == 3);
  sim.run_until(12 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).instances == 3);
  CHECK(count(sim.pool_instances(0), Simulation::InstanceState::draining) == 0);
  sim.run();
  const auto m = sim.summary_values();
  const auto get = [&](const char* n) { return m[static_cast<std::size_t>(sim.metrics().find(n))]; };
  // Cost: 2 instances for 10 min, 5 for the next ~2 min (starting ones included), then 3.
  CHECK(get("instances_max") == 5);
  CHECK(get("cost_usd") > (2.0 * 10 + 3.0 * 110) / 60);
  CHECK(get("cost_usd") < (2.0 * 10 + 5.0 * 2 + 3.0 * 108) / 60 + 0.01);
  bool out = false, in = false;
  for (const LogEvent& e : sim.recent_events()) {
    out = out || (e.kind == EventKind::scale_out && e.number("from") == 2 && e.number("to") == 5);
    in = in || (e.kind == EventKind::scale_in && e.number("from") == 5 && e.number("to") == 3);
  }
  CHECK(out);
  CHECK(in);
}

TEST_CASE("an instance crash fails the work in progress and the instances restart when the fault ends", "[fleet]") {
  std::string text = kFleet;
  text.replace(text.rfind('}'), 1, R"(, "faults": [{"type": "instance_crash", "service": "s", "count": 1, "at": "30m", "duration": "10m"}]})");
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, 1);
  sim.run_until(30 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).instances == 1);
  CHECK(sim.pool_view(0).total_slots == 4);
  sim.run_until(40 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).instances == 2);  // restarted, starting
  CHECK(sim.pool_view(0).ready_instances == 1);
  sim.run_until(42 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).ready_instances == 2);
  sim.run();
  const auto m = sim.summary_values();
  const auto get = [&](const char* n) { return m[static_cast<std::size_t>(sim.metrics().find(n))]; };
  // At 0.5/s and 10 s of work about 5 requests run at a time over 8 slots: the crash of one
  // of two instances catches about half of them.
  CHECK(get("requests_failed_instance_crash") >= 1);
  CHECK(get("requests_failed_instance_crash") <= 4);
  CHECK(get("requests_total") == get("requests_succeeded") + get("requests_failed") + get("requests_rejected") +
                                     get("requests_in_flight"));
}

TEST_CASE("capacity loss lowers the slots per instance while it lasts", "[fleet]") {
  std::string text = kFleet;
  text.replace(text.rfind('}'), 1, R"(, "faults": [{"type": "capacity_loss", "service": "s", "concurrency_percent": 50, "at": "30m", "duration": "20m"}]})");
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, 1);
  sim.run_until(31 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).total_slots == 4);  // 2 instances x 2 slots
  for (const auto& i : sim.pool_instances(0)) CHECK(i.busy_slots <= 4);
  sim.run_until(51 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).total_slots == 8);
}
