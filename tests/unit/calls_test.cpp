// Agents that call agents (sim/calls.h, sim/request_calls.cpp) against ground truth: retry
// arithmetic, Little's law for a caller's slots, resilience4j's opening condition, the
// AWS backoff formulas and Finagle's budget.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "sim/calls.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// A front agent that calls a back agent on another service; both pools are large enough
// that nobody waits. The calls are added by each test.
std::string two_tier(double rate, double callee_error_percent, const std::string& duration = "2h") {
  return R"({"schema": "opsim/1", "name": "two tiers", "seed": 11, "duration": ")" + duration + R"(",
    "services": [
      {"id": "front", "instance": {"concurrency": 200, "cpu_cores": 100, "memory_mb": 100000},
       "instances": {"initial": 10, "max": 10}, "queue": {"capacity": 100000, "timeout": "1h"}},
      {"id": "back", "instance": {"concurrency": 200, "cpu_cores": 100, "memory_mb": 100000},
       "instances": {"initial": 10, "max": 10}, "queue": {"capacity": 100000, "timeout": "1h"}}],
    "agents": [
      {"id": "caller", "service": "front", "work": {"dist": "constant", "value": "10ms"}},
      {"id": "callee", "service": "back", "work": {"dist": "exponential", "mean": "20ms"},
       "error_percent": )" + std::to_string(callee_error_percent) + R"(}],
    "tenants": [{"id": "t",
      "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 1e9, "max_cpu_cores": 1e6,
                "max_requests_per_minute": 1e7, "max_execution_time": "1h"},
      "load": [{"agent": "caller", "rate": )" + std::to_string(rate) + R"(}]}],
    "monitoring": {"scrape_interval": "1m", "retention": ")" + duration + R"("}})";
}

CallSpec call_to(const Scenario& s, const std::string& agent) {
  CallSpec c;
  c.agent = agent;
  c.agent_index = s.agent_index(agent);
  return c;
}

void add_step(Scenario& s, const std::string& caller, std::vector<CallSpec> calls, bool parallel = false) {
  CallStep step;
  step.calls = std::move(calls);
  step.parallel = parallel;
  s.agents[static_cast<std::size_t>(s.agent_index(caller))].calls.push_back(std::move(step));
}

double value(const Simulation& sim, const std::string& name) { return test::metric(sim, name); }

}  // namespace

TEST_CASE("retries against theory: attempts per request (1 - p^n) / (1 - p), failed share p^n", "[calls]") {
  for (const int n : {2, 3, 4}) {
    const double p = 0.3;
    Scenario s = test::must_load(two_tier(50, 100 * p));
    CallSpec c = call_to(s, "callee");
    c.retry.max_attempts = n;
    c.retry.backoff = 50 * kMicrosPerMilli;
    add_step(s, "caller", {c});
    Simulation sim(s, s.seed);
    sim.run();
    const double requests = value(sim, "requests_succeeded") + value(sim, "requests_failed");
    const double attempts = value(sim, "agent.callee.requests_total");
    const double expected_attempts = (1 - std::pow(p, n)) / (1 - p);
    const double failed_share = value(sim, "requests_failed_dependency") / requests;
    const double sigma = std::sqrt(std::pow(p, n) * (1 - std::pow(p, n)) / requests);
    INFO("n = " << n << ": " << requests << " requests, " << attempts / requests << " attempts each (theory "
                << expected_attempts << "), failed " << failed_share << " (theory " << std::pow(p, n) << ")");
    CHECK(attempts / requests == Approx(expected_attempts).epsilon(0.01));
    CHECK(std::fabs(failed_share - std::pow(p, n)) < 4 * sigma);
    CHECK(value(sim, "requests_failed") == value(sim, "requests_failed_dependency"));
    // Every attempt after the first of each request is a retry, on the edge and at the callee
    // (up to the few requests still in flight at the end).
    CHECK(value(sim, "call.caller.callee.retries") == value(sim, "agent.callee.retries"));
    CHECK(value(sim, "agent.callee.retries") == Approx(attempts - requests).margin(20));
    CHECK(value(sim, "call.caller.callee.attempts") == attempts);
    CHECK(value(sim, "retry_amplification") == Approx(attempts / requests).epsilon(1e-4));
    // Users see one request each: the tenant and the platform do not count the attempts.
    CHECK(value(sim, "tenant.t.requests_total") == value(sim, "agent.caller.requests_total"));
    CHECK(value(sim, "requests_total") == value(sim, "agent.caller.requests_total"));
  }
}

TEST_CASE("Little's law: a caller holds its slot through its call, L = lambda x W", "[calls]") {
  Scenario s = test::must_load(two_tier(100, 0));
  add_step(s, "caller", {call_to(s, "callee")});
  Simulation sim(s, s.seed);
  sim.run();
  const double lambda = value(sim, "requests_total") / to_seconds(s.duration);
  const double w_s = value(sim, "latency_avg_ms") / 1000;
  const double slots = 10 * 200;
  const double held = value(sim, "service.front.slot_utilization") / 100 * slots;
  INFO("lambda " << lambda << "/s, W " << w_s << " s, L " << held);
  // W is the caller's own 10 ms and the callee's 20 ms on average.
  CHECK(w_s == Approx(0.030).epsilon(0.02));
  CHECK(held == Approx(lambda * w_s).epsilon(0.01));
  // Waiting for its call, a caller holds a slot but does not use its CPU: only its own
  // 10 ms of work counts.
  const double working = value(sim, "service.front.cpu_utilization") / 100 * slots;
  CHECK(working == Approx(lambda * 0.010).epsilon(0.02));
}

TEST_CASE("a timeout fails the caller while the callee goes on serving, unless the attempt is cancelled", "[calls]") {
  for (const bool cancel : {false, true}) {
    Scenario s = test::must_load(two_tier(20, 0, "30m"));
    // One slot at the callee, 20 ms each at 20 requests/s: it keeps up, but a 5 ms timeout
    // gives up on every attempt.
    s.services[1].instances_initial = s.services[1].instances_min = s.services[1].instances_max = 1;
    s.services[1].concurrency = 1;
    s.agents[1].work = Distribution::constant(0.020);
    CallSpec c = call_to(s, "callee");
    c.timeout = 5 * kMicrosPerMilli;
    c.cancel_on_timeout = cancel;
    add_step(s, "caller", {c});
    Simulation sim(s, s.seed);
    sim.run();
    const double requests = value(sim, "requests_total");
    INFO("cancel_on_timeout " << cancel);
    CHECK(value(sim, "requests_succeeded") == 0);
    CHECK(value(sim, "requests_failed_dependency") == Approx(requests).margin(5));
    CHECK(value(sim, "call.caller.callee.timeouts") == Approx(requests).margin(5));
    if (!cancel) {
      // Wasted work: the callee completes what nobody waits for any more.
      CHECK(value(sim, "agent.callee.requests_succeeded") > 0.9 * requests);
    } else {
      // Those still queued when their caller gave up were taken out of the queue.
      CHECK(value(sim, "agent.callee.requests_failed_timeout") > 0);
      CHECK(value(sim, "agent.callee.requests_succeeded") < value(sim, "agent.callee.requests_total"));
    }
  }
}

TEST_CASE("a call that may fail degrades its caller instead of failing it", "[calls]") {
  Scenario s = test::must_load(two_tier(50, 40, "1h"));
  CallSpec c = call_to(s, "callee");
  c.continue_on_failure = true;
  add_step(s, "caller", {c});
  Simulation sim(s, s.seed);
  sim.run();
  const double requests = value(sim, "requests_total");
  CHECK(value(sim, "requests_failed") == 0);
  CHECK(value(sim, "requests_succeeded") == Approx(requests).margin(5));
  CHECK(value(sim, "requests_degraded") == value(sim, "agent.callee.requests_failed"));
  CHECK(value(sim, "requests_degraded") / requests == Approx(0.40).margin(0.02));
}

TEST_CASE("parallel calls: the step lasts as long as its slowest call; count repeats a call in sequence", "[calls]") {
  Scenario s = test::must_load(two_tier(50, 0, "1h"));
  s.agents[1].work = Distribution::constant(0.020);
  CallSpec twice = call_to(s, "callee");
  twice.count = 2;
  add_step(s, "caller", {call_to(s, "callee"), twice}, true);
  Simulation sim(s, s.seed);
  sim.run();
  // 10 ms of its own, then max(20 ms, 2 x 20 ms).
  CHECK(value(sim, "agent.caller.latency_avg_ms") == Approx(50).epsilon(0.001));
  CHECK(value(sim, "agent.callee.requests_total") == Approx(3 * value(sim, "requests_total")).margin(10));
}

TEST_CASE("a circuit breaker opens at exactly resilience4j's condition", "[calls]") {
  CircuitBreakerSpec spec;
  spec.enabled = true;
  spec.failure_percent = 50;
  spec.window = 30 * kMicrosPerSecond;
  spec.min_calls = 20;
  spec.open_for = 10 * kMicrosPerSecond;
  spec.half_open_calls = 4;
  CircuitBreaker::Change change;
  std::uint32_t epoch = 0;

  SECTION("not before min_calls calls have ended in the window") {
    CircuitBreaker b(spec);
    for (int i = 0; i < 19; ++i) {
      REQUIRE(b.permit(i * kMicrosPerSecond / 2, change, epoch));
      REQUIRE(b.record(i * kMicrosPerSecond / 2, true, epoch) == CircuitBreaker::Change::none);
    }
    REQUIRE(b.permit(10 * kMicrosPerSecond, change, epoch));
    CHECK(b.record(10 * kMicrosPerSecond, true, epoch) == CircuitBreaker::Change::opened);
    CHECK(b.calls() == 20);
    CHECK(b.failures() == 20);
  }
  SECTION("at a failure rate equal to the threshold, not below it") {
    CircuitBreaker below(spec), equal(spec);
    for (int i = 0; i < 20; ++i) {
      const SimTime t = i * kMicrosPerSecond;
      below.permit(t, change, epoch);
      CHECK(below.record(t, i < 9, epoch) == CircuitBreaker::Change::none);  // 9 of 20: 45 %
      equal.permit(t, change, epoch);
      const auto c = equal.record(t, i < 10, epoch);  // 10 of 20: 50 %
      CHECK(c == (i == 19 ? CircuitBreaker::Change::opened : CircuitBreaker::Change::none));
    }
  }
  SECTION("outcomes older than the window no longer count") {
    CircuitBreaker b(spec);
    for (int i = 0; i < 15; ++i) {  // 15 failures in the first second
      b.permit(0, change, epoch);
      b.record(0, true, epoch);
    }
    // 30 s later the first second has left the window: 5 more failures make 5, not 20.
    for (int i = 0; i < 5; ++i) {
      b.permit(30 * kMicrosPerSecond, change, epoch);
      CHECK(b.record(30 * kMicrosPerSecond, true, epoch) == CircuitBreaker::Change::none);
    }
    // Within the window (29.x s later) they would have counted.
    CircuitBreaker c(spec);
    for (int i = 0; i < 15; ++i) {
      c.permit(0, change, epoch);
      c.record(0, true, epoch);
    }
    for (int i = 0; i < 5; ++i) {
      c.permit(29 * kMicrosPerSecond + 999999, change, epoch);
      const auto ch = c.record(29 * kMicrosPerSecond + 999999, true, epoch);
      CHECK(ch == (i == 4 ? CircuitBreaker::Change::opened : CircuitBreaker::Change::none));
    }
  }
  SECTION("open: refused for open_for; then half-open trials decide") {
    CircuitBreaker b(spec);
    for (int i = 0; i < 20; ++i) {
      b.permit(0, change, epoch);
      b.record(0, true, epoch);
    }
    REQUIRE(b.state() == CircuitBreaker::State::open);
    CHECK_FALSE(b.permit(10 * kMicrosPerSecond - 1, change, epoch));
    // A call let through before it opened does not count when it ends.
    CHECK(b.record(10 * kMicrosPerSecond - 1, false, 0) == CircuitBreaker::Change::none);
    std::uint32_t trial = 0;
    CHECK(b.permit(10 * kMicrosPerSecond, change, trial));
    CHECK(change == CircuitBreaker::Change::half_opened);
    for (int i = 1; i < 4; ++i) CHECK(b.permit(10 * kMicrosPerSecond, change, trial));
    CHECK_FALSE(b.permit(10 * kMicrosPerSecond, change, trial));  // only half_open_calls trials
    CHECK(b.record(11 * kMicrosPerSecond, true, trial) == CircuitBreaker::Change::none);
    CHECK(b.record(11 * kMicrosPerSecond, false, trial) == CircuitBreaker::Change::none);
    CHECK(b.record(11 * kMicrosPerSecond, false, trial) == CircuitBreaker::Change::none);
    CHECK(b.record(11 * kMicrosPerSecond, false, trial) == CircuitBreaker::Change::closed);  // 1 of 4 failed
    CHECK(b.state() == CircuitBreaker::State::closed);
    // Half-open again after a new opening: 2 of 4 trials failing (50 %) open it again.
    for (int i = 0; i < 20; ++i) {
      b.permit(12 * kMicrosPerSecond, change, epoch);
      b.record(12 * kMicrosPerSecond, true, epoch);
    }
    REQUIRE(b.state() == CircuitBreaker::State::open);
    for (int i = 0; i < 4; ++i) b.permit(22 * kMicrosPerSecond, change, trial);
    b.record(23 * kMicrosPerSecond, true, trial);
    b.record(23 * kMicrosPerSecond, true, trial);
    b.record(23 * kMicrosPerSecond, false, trial);
    CHECK(b.record(23 * kMicrosPerSecond, false, trial) == CircuitBreaker::Change::opened);
    CHECK(b.from_trials());
  }
}

TEST_CASE("a circuit breaker keeps calls off a failing dependency and its fallback degrades the caller", "[calls]") {
  Scenario s = test::must_load(two_tier(50, 100, "30m"));
  CallSpec c = call_to(s, "callee");
  c.continue_on_failure = true;
  c.circuit_breaker.enabled = true;
  c.circuit_breaker.min_calls = 20;
  c.circuit_breaker.window = 30 * kMicrosPerSecond;
  c.circuit_breaker.open_for = 30 * kMicrosPerSecond;
  c.circuit_breaker.half_open_calls = 5;
  add_step(s, "caller", {c});
  Simulation sim(s, s.seed);
  test::EventRecorder events;
  sim.add_observer(&events);
  sim.run();
  const double requests = value(sim, "requests_total");
  // Every 30 s of refusals is followed by 5 trials that fail: about 5 calls reach the
  // callee per 30 s, against 1,500 requests.
  CHECK(value(sim, "agent.callee.requests_total") < 0.01 * requests);
  CHECK(value(sim, "requests_failed") == 0);
  CHECK(value(sim, "requests_degraded") == Approx(requests).margin(5));
  CHECK(value(sim, "call.caller.callee.circuit_open_percent") > 95);
  CHECK(events.count(EventKind::circuit_opened) >= 50);
  CHECK(events.count(EventKind::circuit_half_open) >= 50);
  CHECK(events.count(EventKind::circuit_closed) == 0);
}

TEST_CASE("backoff: exponential, capped, and the AWS jitters", "[calls]") {
  RetrySpec r;
  r.max_attempts = 10;
  r.backoff = 100 * kMicrosPerMilli;
  r.multiplier = 2;
  r.max_backoff = kMicrosPerSecond;
  Rng rng(3);
  SimDuration previous = r.backoff;
  const SimDuration expected[] = {100000, 200000, 400000, 800000, 1000000, 1000000};
  for (int k = 1; k <= 6; ++k) CHECK(retry_backoff(r, k, previous, rng) == expected[k - 1]);
  for (const Jitter j : {Jitter::full, Jitter::equal, Jitter::decorrelated}) {
    r.jitter = j;
    double sum = 0;
    const int n = 20000;
    previous = r.backoff;
    for (int i = 0; i < n; ++i) {
      const SimDuration w = retry_backoff(r, 3, previous, rng);  // b = 400 ms
      if (j == Jitter::full) CHECK((w >= 0 && w < 400000));
      if (j == Jitter::equal) CHECK((w >= 200000 && w < 400000));
      if (j == Jitter::decorrelated) CHECK((w >= 100000 && w <= 1000000));
      sum += static_cast<double>(w);
    }
    if (j == Jitter::full) CHECK(sum / n == Approx(200000).epsilon(0.02));
    if (j == Jitter::equal) CHECK(sum / n == Approx(300000).epsilon(0.02));
  }
}

TEST_CASE("a retry budget caps retries at its share of first attempts over 10 s", "[calls]") {
  RetryBudget b(10);
  int retries = 0;
  for (int i = 0; i < 1000; ++i) {
    const SimTime t = i * 5 * kMicrosPerMilli;  // 200 first attempts per second, for 5 s
    b.first_attempt(t);
    retries += b.try_retry(t);
  }
  CHECK(retries == 100);  // 10 % of 1,000 first attempts in the window
  // 10 s on, the deposits have expired: no room without new first attempts.
  CHECK_FALSE(b.try_retry(16 * kMicrosPerSecond));

  Scenario s = test::must_load(two_tier(50, 60, "1h"));
  CallSpec c = call_to(s, "callee");
  c.retry.max_attempts = 5;
  c.retry.backoff = 10 * kMicrosPerMilli;
  c.retry.budget_percent = 10;
  add_step(s, "caller", {c});
  Simulation sim(s, s.seed);
  sim.run();
  const double first = value(sim, "requests_total");
  CHECK(value(sim, "retries") <= 0.101 * first);
  CHECK(value(sim, "retries") >= 0.09 * first);  // the budget, not the failures, is what limits
}
