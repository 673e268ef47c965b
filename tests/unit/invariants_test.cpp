// The invariant checker: quiet on real runs, and each invariant fires when the state it
// guards is broken on purpose.
#include <catch2/catch.hpp>

#include "builtin.h"
#include "sim/invariants.h"
#include "sim/simulation.h"
#include "test_support.h"

namespace opsim {

// Befriended by Simulation: reaches into the state to break one thing at a time.
struct InvariantTestAccess {
  static ScopeStats& tenant(Simulation& s, int t) { return s.registry_.tenant(t); }
  static ScopeStats& slo(Simulation& s, int k) { return s.registry_.slo(k); }
  static void set_now(Simulation& s, SimTime t) { s.engine_.now_ = t; }
  static void forget_first_admission(Simulation& s) {
    RequestPath& p = s.requests_;
    for (std::size_t id = 0; id < p.requests_.size(); ++id) {
      bool free = false;
      for (std::uint32_t f : p.free_requests_) free = free || f == id;
      if (!free && p.requests_[id].admitted) {
        p.requests_[id].admitted = false;
        return;
      }
    }
    FAIL("no admitted request in flight");
  }
  static void miscount_ready(Simulation& s) { s.fleet_.pools_[0].ready_instances += 1; }
  static void lower_max(Simulation& s) { s.scenario_.services[0].instances_max = 0; }
  static void push_event_in_past(Simulation& s) { s.engine_.queue_.push(s.engine_.now_ - kMicrosPerSecond, 0, 0, 0); }
};

}  // namespace opsim

using namespace opsim;
using Access = InvariantTestAccess;
using Catch::Matchers::Contains;

namespace {

// A scenario hours in, with requests in flight and queues (the default scenario), or SLOs
// (slo-slow-burn).
struct Running {
  Scenario sc;
  Simulation sim;
  InvariantChecker checker;
  explicit Running(const char* name = "default")
      : sc(test::must_load(find_builtin_scenario(name)->text)), sim(sc, sc.seed) {
    sim.set_invariant_checks(false);  // this test runs its own checker
    sim.run_until(11 * kMicrosPerHour + 30 * kMicrosPerMinute);
    checker.check(sim);  // quiet before anything is broken
  }
};

}  // namespace

TEST_CASE("invariants: checked at every scrape of a run, quietly", "[invariants]") {
  const Scenario sc = test::must_load(find_builtin_scenario("default")->text);
  Simulation sim(sc, sc.seed);
  REQUIRE_NOTHROW(sim.run_until(6 * kMicrosPerHour));
  CHECK(sim.invariant_checks() == static_cast<std::uint64_t>(6 * kMicrosPerHour / sc.monitoring.scrape_interval));
  sim.set_invariant_checks(false);
  sim.run_until(7 * kMicrosPerHour);
  CHECK(sim.invariant_checks() == 0);
}

TEST_CASE("invariants: each one fires when its state is broken", "[invariants]") {
  SECTION("conservation: a success counted twice") {
    Running r;
    Access::tenant(r.sim, 0).window.succeeded += 1;
    CHECK_THROWS_WITH(r.checker.check(r.sim), Contains("invariant conservation broken") &&
                                                  Contains("tenant " + r.sc.tenants[0].id));
  }
  SECTION("counters: a failure without a reason") {
    Running r;
    Access::tenant(r.sim, 0).window.failed_timeout += 1;
    CHECK_THROWS_WITH(r.checker.check(r.sim), Contains("invariant counters broken") &&
                                                  Contains("failures by reason"));
  }
  SECTION("counters: a cumulative counter that goes down") {
    Running r;
    Access::tenant(r.sim, 0).total.queued -= 1;
    CHECK_THROWS_WITH(r.checker.check(r.sim), Contains("invariant counters broken") && Contains("went down"));
  }
  SECTION("quota: a reservation no request holds") {
    Running r;
    Access::forget_first_admission(r.sim);
    CHECK_THROWS_WITH(r.checker.check(r.sim), Contains("invariant quota broken"));
  }
  SECTION("fleet: a miscounted ready instance") {
    Running r;
    Access::miscount_ready(r.sim);
    CHECK_THROWS_WITH(r.checker.check(r.sim), Contains("invariant fleet broken") && Contains("ready"));
  }
  SECTION("fleet: more instances than the service's max") {
    Running r;
    Access::lower_max(r.sim);
    CHECK_THROWS_WITH(r.checker.check(r.sim), Contains("invariant fleet broken") && Contains("outside [2, 0]"));
  }
  SECTION("time: the clock goes back") {
    Running r;
    Access::set_now(r.sim, r.sim.now() - kMicrosPerMinute);
    CHECK_THROWS_WITH(r.checker.check(r.sim), Contains("invariant time broken") && Contains("went back"));
  }
  SECTION("time: an event pending before the clock") {
    Running r;
    Access::push_event_in_past(r.sim);
    CHECK_THROWS_WITH(r.checker.check(r.sim), Contains("invariant time broken") && Contains("pending"));
  }
  SECTION("budget: a budget figure that is not the events' arithmetic") {
    Running r("slo-slow-burn");
    REQUIRE_FALSE(r.sc.slos.empty());
    Access::slo(r.sim, 0).slo_budget_remaining_percent += 5;
    CHECK_THROWS_WITH(r.checker.check(r.sim), Contains("invariant budget broken") &&
                                                  Contains("SLO " + r.sc.slos[0].id));
  }
}

TEST_CASE("invariants: a violation during a run stops it with the invariant's name", "[invariants]") {
  const Scenario sc = test::must_load(find_builtin_scenario("default")->text);
  Simulation sim(sc, sc.seed);
  sim.run_until(kMicrosPerHour);
  Access::miscount_ready(sim);
  CHECK_THROWS_AS(sim.run_until(2 * kMicrosPerHour), InvariantViolation);
}
