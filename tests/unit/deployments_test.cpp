// Deployments in the simulation: a rolling update keeps to max_surge / max_unavailable, a
// canary routes its step's share of traffic and is rolled back by its analysis, blue-green
// holds the new fleet out of service until all of it is ready, and an incident's response
// rolls back the release that preceded it.
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "builtin.h"
#include "json/json.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// 20 requests/s of 100 ms constant work on 4 instances of 50 slots (2 busy on average):
// capacity is never short, so every failure is the release's.
std::string scenario(const std::string& deployment, const std::string& extra = "", const std::string& startup = "60s") {
  return R"({"schema": "opsim/1", "name": "deploy", "duration": "3h", "seed": 4,
    "services": [{"id": "api", "instance": {"concurrency": 50, "startup": ")" +
         startup + R"(", "cost_per_hour": 1}, "instances": {"initial": 4, "min": 1, "max": 12},
                  "queue": {"capacity": 1000, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "api", "work": {"dist": "constant", "value": "100ms"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
                 "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 20}]}],
    "monitoring": {"scrape_interval": "15s", "retention": "1d"},
    "deployments": [)" +
         deployment + "]" + extra + "}";
}

}  // namespace

TEST_CASE("a rolling update replaces max_surge instances at a time and keeps every one ready", "[deployments]") {
  const Scenario sc = test::must_load(scenario(
      R"({"id": "v2", "service": "api", "at": "1h", "strategy": "rolling", "version": {"error_percent": 10},
          "rolling": {"max_surge": 1, "max_unavailable": 0}})"));
  Simulation sim(sc, sc.seed);
  test::EventRecorder rec;
  sim.add_observer(&rec);
  // Halfway through the second replacement: one surge instance starting, four ready.
  sim.run_until(kMicrosPerHour + 90 * kMicrosPerSecond);
  Simulation::PoolView pv = sim.pool_view(0);
  CHECK(pv.ready_instances == 4);
  CHECK(pv.starting_instances == 1);
  Simulation::DeploymentView dv = sim.deployment_view(0);
  CHECK(dv.phase == "rolling");
  CHECK(dv.new_instances == 2);  // one ready, one starting
  sim.run();
  // Four replacements of one 60 s start-up each.
  const LogEvent* done = rec.first(EventKind::deployment_finished);
  REQUIRE(done != nullptr);
  CHECK(done->t == kMicrosPerHour + 240 * kMicrosPerSecond);
  dv = sim.deployment_view(0);
  CHECK(dv.phase == "completed");
  CHECK(dv.new_instances == 4);
  CHECK(dv.old_instances == 0);
  // No analysis stops a rolling update: the new version's 10 % of errors hit everything
  // served after it, about 10 % of the last 2 hours (36,000 requests x 2 / 3).
  const double failed = test::metric(sim, "requests_failed");
  CHECK(failed > 0.1 * 144000 * 0.9);
  CHECK(failed < 0.1 * 144000 * 1.1);
}

TEST_CASE("a rolling update with max_unavailable takes instances down before their replacements are ready",
          "[deployments]") {
  const Scenario sc = test::must_load(scenario(
      R"({"id": "v2", "service": "api", "at": "1h", "strategy": "rolling",
          "rolling": {"max_surge": 0, "max_unavailable": 2}})"));
  Simulation sim(sc, sc.seed);
  test::EventRecorder rec;
  sim.add_observer(&rec);
  sim.run_until(kMicrosPerHour + 30 * kMicrosPerSecond);
  const Simulation::PoolView pv = sim.pool_view(0);
  CHECK(pv.ready_instances == 2);  // 4 - max_unavailable
  CHECK(pv.starting_instances == 2);
  CHECK(pv.instances - pv.draining_instances == 4);  // never above the size: max_surge 0
  sim.run();
  const LogEvent* done = rec.first(EventKind::deployment_finished);
  REQUIRE(done != nullptr);
  CHECK(done->t == kMicrosPerHour + 120 * kMicrosPerSecond);  // two rounds of two
  CHECK(test::metric(sim, "requests_failed") == 0);
}

TEST_CASE("a bad canary is rolled back by its first analysis; a good one is promoted step by step", "[deployments]") {
  SECTION("bad: 20 % errors against a 1 % gate") {
    const Scenario sc = test::must_load(scenario(
        R"({"id": "v2", "service": "api", "at": "1h", "strategy": "canary", "version": {"error_percent": 20},
            "canary": {"steps": [5, 25, 50, 100], "step_duration": "10m", "max_error_rate_percent": 1},
            "auto_rollback": true})"));
    Simulation sim(sc, sc.seed);
    test::EventRecorder rec;
    sim.add_observer(&rec);
    sim.run();
    const Simulation::DeploymentView dv = sim.deployment_view(0);
    CHECK(dv.phase == "rolled_back");
    CHECK(dv.finished_at == kMicrosPerHour + 10 * kMicrosPerMinute);
    REQUIRE(dv.analyses.size() == 1);
    const sre::CanaryAnalysis& a = dv.analyses[0];
    CHECK_FALSE(a.passed);
    // 5 % of 12,000 requests in the step: 600, within four standard deviations.
    const double sd = std::sqrt(12000 * 0.05 * 0.95);
    CHECK(std::fabs(static_cast<double>(a.canary_requests) - 600) < 4 * sd);
    CHECK(a.canary_requests + a.baseline_requests >= 11900);
    CHECK(a.baseline_error_percent == 0);
    CHECK(a.canary_error_percent == Approx(20).margin(6));
    // Only the canary's share failed: about 600 x 20 % = 120 requests, then none.
    const double failed = test::metric(sim, "requests_failed");
    CHECK(failed == Approx(a.canary_error_percent / 100.0 * static_cast<double>(a.canary_requests)).margin(2));
    CHECK(dv.new_instances == 0);  // the router's model: the fleet never changed
    REQUIRE(rec.first(EventKind::deployment_rolled_back) != nullptr);
    CHECK(rec.first(EventKind::deployment_rolled_back)->text("reason").find("canary analysis failed at step 1") != std::string::npos);
  }
  SECTION("slow: a latency gate") {
    const Scenario sc = test::must_load(scenario(
        R"({"id": "v2", "service": "api", "at": "1h", "strategy": "canary", "version": {"latency_factor": 3},
            "canary": {"steps": [10, 100], "step_duration": "5m", "max_error_rate_percent": 1, "max_latency_p95_ms": 200}})"));
    Simulation sim(sc, sc.seed);
    sim.run();
    const Simulation::DeploymentView dv = sim.deployment_view(0);
    CHECK(dv.phase == "rolled_back");
    REQUIRE(dv.analyses.size() == 1);
    CHECK(dv.analyses[0].canary_p95_ms == Approx(300).epsilon(0.01));
    CHECK(dv.analyses[0].baseline_p95_ms == Approx(100).epsilon(0.01));
  }
  SECTION("good: four steps, then the new version is stable") {
    const Scenario sc = test::must_load(scenario(
        R"({"id": "v2", "service": "api", "at": "1h", "strategy": "canary", "version": {"error_percent": 0.5},
            "canary": {"steps": [5, 25, 50, 100], "step_duration": "10m", "max_error_rate_percent": 2}})"));
    Simulation sim(sc, sc.seed);
    test::EventRecorder rec;
    sim.add_observer(&rec);
    sim.run();
    const Simulation::DeploymentView dv = sim.deployment_view(0);
    CHECK(dv.phase == "completed");
    CHECK(dv.finished_at == kMicrosPerHour + 40 * kMicrosPerMinute);
    REQUIRE(dv.analyses.size() == 4);
    for (const sre::CanaryAnalysis& a : dv.analyses) CHECK(a.passed);
    CHECK(dv.analyses[2].weight_percent == 50);
    // The share routed follows the steps: about half of the third step's requests.
    const sre::CanaryAnalysis& half = dv.analyses[2];
    CHECK(static_cast<double>(half.canary_requests) / static_cast<double>(half.canary_requests + half.baseline_requests) ==
          Approx(0.5).margin(0.03));
    CHECK(dv.new_instances == 4);
    CHECK(rec.count(EventKind::deployment_step) == 4);
  }
  SECTION("without traffic the step is extended, then fails") {
    Scenario sc = test::must_load(scenario(
        R"({"id": "v2", "service": "api", "at": "1h", "strategy": "canary",
            "canary": {"steps": [1, 100], "step_duration": "1m"}})"));
    sc.tenants[0].load[0].rate = 0.01;  // about 0.6 requests a minute
    Simulation sim(sc, sc.seed);
    sim.run();
    const Simulation::DeploymentView dv = sim.deployment_view(0);
    CHECK(dv.phase == "rolled_back");
    CHECK(dv.analyses.size() == 6);  // the step and its five extensions
    CHECK_FALSE(dv.analyses.back().enough_data);
  }
}

TEST_CASE("blue-green starts a second fleet, switches when all of it is ready and switches back on a failed analysis",
          "[deployments]") {
  const Scenario sc = test::must_load(scenario(
      R"({"id": "v2", "service": "api", "at": "1h", "strategy": "blue_green", "version": {"error_percent": 30},
          "canary": {"step_duration": "10m", "max_error_rate_percent": 1}})"));
  Simulation sim(sc, sc.seed);
  test::EventRecorder rec;
  sim.add_observer(&rec);
  // Warming: eight instances paid for, four serving, the new four out of service.
  sim.run_until(kMicrosPerHour + 30 * kMicrosPerSecond);
  Simulation::PoolView pv = sim.pool_view(0);
  CHECK(pv.instances == 8);
  CHECK(pv.ready_instances == 4);
  CHECK(pv.cost_usd_per_hour == Approx(8));
  CHECK(test::metric(sim, "requests_failed") == 0);  // the new fleet has served nothing
  // Switched at the end of the 60 s start-up; the old fleet stands by.
  sim.run_until(kMicrosPerHour + 5 * kMicrosPerMinute);
  const LogEvent* sw = rec.first(EventKind::deployment_switched);
  REQUIRE(sw != nullptr);
  CHECK(sw->t == kMicrosPerHour + 60 * kMicrosPerSecond);
  pv = sim.pool_view(0);
  CHECK(pv.ready_instances == 4);
  CHECK(pv.draining_instances == 4);  // standing by, still paid for
  CHECK(pv.cost_usd_per_hour == Approx(8));
  CHECK(sim.deployment_view(0).phase == "baking");
  sim.run();
  // The analysis 10 minutes after the switch fails and traffic switches back at once.
  const Simulation::DeploymentView dv = sim.deployment_view(0);
  CHECK(dv.phase == "rolled_back");
  CHECK(dv.finished_at == kMicrosPerHour + 11 * kMicrosPerMinute);
  REQUIRE(dv.analyses.size() == 1);
  CHECK(dv.analyses[0].canary_error_percent == Approx(30).margin(2));
  CHECK(dv.analyses[0].baseline_requests > 1000);  // the old fleet during the warm-up
  pv = sim.pool_view(0);
  CHECK(pv.instances == 4);
  CHECK(dv.old_instances == 4);
  // 10 minutes of 30 % errors: about 12,000 x 0.3.
  CHECK(test::metric(sim, "requests_failed") == Approx(3600).epsilon(0.1));
}

TEST_CASE("an incident's response rolls back the rolling release that preceded it", "[deployments][incidents]") {
  const Scenario sc = test::must_load(scenario(
      R"({"id": "v2", "service": "api", "at": "1h", "strategy": "rolling", "version": {"error_percent": 50},
          "rolling": {"max_surge": 2, "max_unavailable": 0}})",
      R"(, "slos": [{"id": "avail", "service": "api", "indicator": "availability", "target_percent": 99.9, "window": "30d"}],
         "incidents": {"open_on": ["page"], "resolve_after": "10m", "postmortem_for": ["sev1", "sev2"]})"));
  Simulation sim(sc, sc.seed);
  test::EventRecorder rec;
  sim.add_observer(&rec);
  sim.run();
  const LogEvent* opened = rec.first(EventKind::incident_opened);
  const LogEvent* rolled = rec.first(EventKind::deployment_rolled_back);
  REQUIRE(opened != nullptr);
  REQUIRE(rolled != nullptr);
  CHECK(rolled->t == opened->t + Simulation::kRollbackDecisionDelay);
  CHECK(rolled->text("reason").find("incident INC-0001") != std::string::npos);
  REQUIRE(rec.first(EventKind::deployment_rollback_finished) != nullptr);
  const sre::IncidentManager* im = sim.incidents();
  REQUIRE(im != nullptr);
  REQUIRE(im->incidents().size() == 1);
  const sre::Incident& inc = im->incidents()[0];
  CHECK_FALSE(inc.open());
  CHECK(inc.rollbacks == 1);
  // The release is the root cause, and detection is timed from it.
  CHECK(im->root_cause(inc) == "deployment v2 of api (rolling)");
  CHECK(inc.mttd == opened->t - kMicrosPerHour);
  REQUIRE(!im->postmortems().empty());
  bool canary_item = false;
  for (const sre::ActionItem& a : im->postmortems()[0].action_items)
    canary_item |= a.title.find("canary") != std::string::npos;
  CHECK(canary_item);
  CHECK(sim.deployment_view(0).old_instances == 4);
}

TEST_CASE("a second deployment of a service waits for the first", "[deployments]") {
  const Scenario sc = test::must_load(scenario(
      R"({"id": "v2", "service": "api", "at": "1h", "strategy": "rolling"},
         {"id": "v3", "service": "api", "at": "1h1m", "strategy": "rolling"})"));
  Simulation sim(sc, sc.seed);
  test::EventRecorder rec;
  sim.add_observer(&rec);
  sim.run();
  REQUIRE(rec.first(EventKind::deployment_waiting) != nullptr);
  CHECK(sim.deployment_view(0).finished_at == kMicrosPerHour + 240 * kMicrosPerSecond);
  CHECK(sim.deployment_view(1).started_at == sim.deployment_view(0).finished_at);
  CHECK(sim.deployment_view(1).new_instances == 4);
  CHECK(sim.deployment_view(0).new_instances == 0);
}

// Found by the invariant checker through the browser's Roll back now: a surge instance
// still starting when the rollout was rolled back was replaced by a plain one, and the
// pool counted one instance more than its size (7 of a fixed 6) from then on.
TEST_CASE("a rollout rolled back by hand while a surge instance starts keeps the pool at its size", "[deployments]") {
  const Scenario sc = test::must_load(find_builtin_scenario("deploy-bad-rolling")->text);
  Simulation sim(sc, sc.seed);
  sim.run_until(10 * kMicrosPerHour + 5 * kMicrosPerMinute);  // five minutes into the rollout
  const int fixed_size = sc.services[0].instances_max;
  REQUIRE(sc.services[0].instances_min == fixed_size);
  REQUIRE(sim.can_roll_back(0));
  sim.rollback_deployment(0, "by hand");
  REQUIRE_NOTHROW(sim.run_until(11 * kMicrosPerHour));  // the fleet invariant holds at every scrape
  CHECK(sim.invariant_checks() > 0);
  CHECK(sim.deployment_view(0).phase == "rolled_back");
  // Back on the old version everywhere, at the fixed size (plus nothing left surging).
  const Simulation::PoolView v = sim.pool_view(0);
  CHECK(v.instances == fixed_size);
  CHECK(v.ready_instances == fixed_size);
}
