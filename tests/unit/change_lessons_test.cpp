// The built-in lessons about changes: the same bad release rolled out everywhere (caught by
// a page, rolled back by the incident's response) and behind a canary (rolled back by its
// first analysis); and a chaos game day whose four experiments pass, get skipped for their
// blast radius, fail their hypothesis and abort for safety. Each runs with its own seed and
// two others, and what the scenario's description promises must hold for each.
#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

TEST_CASE("a bad release: a canary stops it in one step, a rolling update lets it burn the budget", "[lessons][deployments]") {
  const Scenario rolling = test::must_load(test::read_text("scenarios/deploy-bad-rolling.json"));
  const Scenario canary = test::must_load(test::read_text("scenarios/deploy-bad-canary.json"));
  for (std::uint64_t offset = 0; offset < 3; ++offset) {
    const std::uint64_t seed = rolling.seed + offset;
    INFO("seed " << seed);
    Simulation r(rolling, seed), c(canary, seed);
    test::EventRecorder rf, cf;
    r.add_observer(&rf);
    c.add_observer(&cf);
    r.run();
    c.run();
    // Rolling: every instance runs it in 9 minutes (6 x 90 s); a page opens an incident
    // whose response rolls it back 10 minutes later.
    const Simulation::DeploymentView rv = r.deployment_view(0);
    CHECK(rv.phase == "rolled_back");
    const LogEvent* opened = rf.first(EventKind::incident_opened);
    const LogEvent* rolled = rf.first(EventKind::deployment_rolled_back);
    REQUIRE(opened != nullptr);
    REQUIRE(rolled != nullptr);
    CHECK(opened->t - 10 * kMicrosPerHour < 30 * kMicrosPerMinute);
    CHECK(rolled->t == opened->t + Simulation::kRollbackDecisionDelay);
    CHECK(test::metric(r, "incidents_total") == 1);
    CHECK(r.incidents()->root_cause(r.incidents()->incidents()[0]) == "deployment v2 of chat (rolling)");
    // Canary: the first analysis, 10 minutes in, fails and rolls back; no incident.
    const Simulation::DeploymentView cv = c.deployment_view(0);
    CHECK(cv.phase == "rolled_back");
    CHECK(cv.finished_at == 10 * kMicrosPerHour + 10 * kMicrosPerMinute);
    CHECK(cv.analyses.size() == 1);
    CHECK(test::metric(c, "incidents_total") == 0);
    // The budget: about 4 % of the month's spent against under 0.1 %.
    const double r_left = test::metric(r, "slo.availability.budget_remaining_percent");
    const double c_left = test::metric(c, "slo.availability.budget_remaining_percent");
    CHECK(r_left < 97);
    CHECK(c_left > 99.85);
    CHECK(test::metric(c, "requests_failed") * 20 < test::metric(r, "requests_failed"));
  }
}

TEST_CASE("the chaos game day: a pass, a skip for blast radius, a failed hypothesis and a safety abort", "[lessons][chaos]") {
  const Scenario sc = test::must_load(test::read_text("scenarios/chaos-game-day.json"));
  for (std::uint64_t offset = 0; offset < 3; ++offset) {
    const std::uint64_t seed = sc.seed + offset;
    INFO("seed " << seed);
    Simulation sim(sc, seed);
    sim.run();
    REQUIRE(sim.chaos_count() == 4);
    const sre::ChaosResult& quarter = *sim.chaos_view(0).result;
    const sre::ChaosResult& most = *sim.chaos_view(1).result;
    const sre::ChaosResult& slow = *sim.chaos_view(2).result;
    const sre::ChaosResult& storm = *sim.chaos_view(3).result;
    CHECK(quarter.verdict == sre::ChaosVerdict::passed);
    CHECK(quarter.resilience_score == 100);
    CHECK(most.verdict == sre::ChaosVerdict::skipped);
    CHECK(most.reason == "safety: blast radius 75 % is over the limit of 50 %");
    CHECK(slow.verdict == sre::ChaosVerdict::failed);
    CHECK(slow.resilience_score > 70);
    CHECK(slow.resilience_score < 95);
    CHECK(storm.verdict == sre::ChaosVerdict::aborted);
    // Aborted within a few minutes of the start, at the scrape that opened the incident.
    CHECK(storm.ended_at - 16 * kMicrosPerHour < 5 * kMicrosPerMinute);
    CHECK(test::metric(sim, "chaos.lose-quarter.passed") == 1);
    CHECK(test::metric(sim, "chaos.slow-model.resilience_score") == Approx(slow.resilience_score));
    CHECK(test::metric(sim, "incidents_total") == 1);
  }
}
