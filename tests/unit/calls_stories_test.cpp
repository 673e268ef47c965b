// The library's call-graph stories (scenarios/slow-dependency.json, retry-storm.json,
// circuit-breaker-fallback.json): what each description promises, with its own seed and
// one other. Figures over a stretch of the run are differences of the cumulative counters
// read before and after it.
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

constexpr SimDuration H = kMicrosPerHour;
constexpr SimDuration M = kMicrosPerMinute;

struct Counts {
  double succeeded = 0, failed = 0;
};
Counts counts(const Simulation& sim) { return {test::metric(sim, "requests_succeeded"), test::metric(sim, "requests_failed")}; }
// Availability of the requests that ended between two readings.
double availability_between(const Counts& a, const Counts& b) {
  const double ok = b.succeeded - a.succeeded, bad = b.failed - a.failed;
  return ok + bad > 0 ? 100.0 * ok / (ok + bad) : 100.0;
}

// The retry-storm scenario's availability over its last hour, with the caller's retry
// settings changed by `edit`.
template <typename Edit>
double retry_storm_last_hour(std::uint64_t seed_offset, Edit&& edit) {
  Scenario s = test::must_load(test::read_text("scenarios/retry-storm.json"));
  edit(s.agents[0].calls.at(0).calls.at(0).retry);
  Simulation sim(s, s.seed + seed_offset);
  sim.run_until(2 * H);
  const Counts before = counts(sim);
  sim.run();
  return availability_between(before, counts(sim));
}

}  // namespace

TEST_CASE("retry-storm: naive retries sustain a two-minute blip; no retries or a 10 % budget recover", "[calls][library]") {
  for (const std::uint64_t offset : {0, 1}) {
    INFO("seed offset " << offset);
    // The fault ends at 01:02; an hour later nothing has recovered.
    CHECK(retry_storm_last_hour(offset, [](RetrySpec&) {}) < 1.0);
    CHECK(retry_storm_last_hour(offset, [](RetrySpec& r) { r = RetrySpec{}; }) > 99.9);
    CHECK(retry_storm_last_hour(offset, [](RetrySpec& r) { r.budget_percent = 10; }) > 99.9);
  }
  // Before the fault it is healthy: the storm needs its trigger.
  Scenario s = test::must_load(test::read_text("scenarios/retry-storm.json"));
  Simulation sim(s, s.seed);
  sim.run_until(59 * M);
  CHECK(test::metric(sim, "availability_percent") == 100.0);
  CHECK(test::metric(sim, "retries") < 0.001 * test::metric(sim, "requests_total"));
}

TEST_CASE("slow-dependency: waiting callers exhaust the slots while CPU stays low and the autoscaler idles", "[calls][library]") {
  for (const std::uint64_t offset : {0, 1}) {
    INFO("seed offset " << offset);
    Scenario s = test::must_load(test::read_text("scenarios/slow-dependency.json"));
    Simulation sim(s, s.seed + offset);
    sim.run_until(H);
    const Counts before = counts(sim);
    CHECK(test::metric(sim, "availability_percent") == 100.0);
    sim.run_until(H + 30 * M);
    const Counts during = counts(sim);
    sim.run();
    CHECK(availability_between(before, during) < 85.0);
    CHECK(availability_between(during, counts(sim)) > 99.0);  // it recovers with its trigger
    CHECK(test::metric(sim, "service.agents.requests_failed_queue_full") > 0);
    CHECK(test::metric(sim, "service.retrieval.requests_failed") == 0);  // nothing fails at the dependency
    CHECK(test::metric(sim, "service.agents.cpu_utilization") < 15.0);
    CHECK(test::metric(sim, "service.agents.slot_utilization") > 3 * test::metric(sim, "service.agents.cpu_utilization"));
    CHECK(test::metric(sim, "service.agents.scaling_events") == 0);
  }
}

TEST_CASE("circuit-breaker-fallback: the breaker keeps calls off a failing recommender; requests succeed degraded",
          "[calls][library]") {
  for (const std::uint64_t offset : {0, 1}) {
    INFO("seed offset " << offset);
    Scenario s = test::must_load(test::read_text("scenarios/circuit-breaker-fallback.json"));
    test::RecordedRun run(s, s.seed + offset);
    Simulation& sim = run.sim;
    const test::EventRecorder& events = run.events;
    sim.run_until(H);
    const double calls_before = test::metric(sim, "agent.recommender.requests_total");
    const double requests_before = test::metric(sim, "requests_total");
    sim.run_until(H + 40 * M);
    const double calls = test::metric(sim, "agent.recommender.requests_total") - calls_before;
    const double requests = test::metric(sim, "requests_total") - requests_before;
    sim.run();
    // Half of its 30 s window failed (about 450 calls) opens it, then 5 trials every 30 s:
    // about 850 calls of 72,000 requests reach the recommender.
    CHECK(calls < 0.015 * requests);
    CHECK(test::metric(sim, "availability_percent") == 100.0);
    // Every request of the 40 minutes does without its suggestions, and only those.
    CHECK(test::metric(sim, "requests_degraded") == Approx(requests).epsilon(0.01));
    CHECK(events.count(EventKind::circuit_opened) >= 70);
    CHECK(events.count(EventKind::circuit_closed) == 1);  // once the fault is over
  }
}
