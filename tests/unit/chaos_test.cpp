// Chaos experiments: the judging library (probe scores, blast radius, safety) against hand
// arithmetic, and experiments in the simulation: a pass, a failed steady state that skips,
// a blast radius over the limit, a safety breach that aborts and rolls back, and a probe
// outside its tolerance that fails the hypothesis.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "report/report.h"
#include "sim/simulation.h"
#include "sre/chaos.h"
#include "test_support.h"

using namespace opsim;

TEST_CASE("probe scores, blast radius and safety checks follow their definitions", "[chaos]") {
  ProbeSpec p;
  p.low = 99;
  p.high = 100;
  CHECK(sre::read_probe(p, 99.5).within);
  CHECK(sre::read_probe(p, 99.5).score == 1);
  CHECK_FALSE(sre::read_probe(p, 95).within);
  CHECK(sre::read_probe(p, 95).score == Approx(1 - 4.0 / 99));
  CHECK(sre::read_probe(p, std::numeric_limits<double>::quiet_NaN()).score == 0);  // no data
  ProbeSpec latency;
  latency.low = 0;
  latency.high = 2000;
  CHECK(sre::read_probe(latency, 3000).score == Approx(0.5));
  CHECK(sre::read_probe(latency, 5000).score == 0);  // floored
  ProbeSpec zero;  // [0, 0]: the miss is measured against 1
  CHECK(sre::read_probe(zero, 0.25).score == Approx(0.75));

  FaultSpec crash;
  crash.type = FaultType::instance_crash;
  crash.fraction = 0.5;
  CHECK(sre::blast_radius_percent(crash, 6) == 50);
  crash.fraction = 0.4;  // 2.4 rounds to 2 of 6
  CHECK(sre::blast_radius_percent(crash, 6) == Approx(100.0 * 2 / 6));
  crash.fraction = 0;
  crash.count = 9;  // more than there are: all of them
  CHECK(sre::blast_radius_percent(crash, 6) == 100);
  FaultSpec cap;
  cap.type = FaultType::capacity_loss;
  cap.concurrency_percent = 30;
  CHECK(sre::blast_radius_percent(cap, 6) == 30);
  FaultSpec lat;
  lat.type = FaultType::latency;
  CHECK(sre::blast_radius_percent(lat, 6) == 100);

  ChaosSpec c;
  c.max_blast_radius_percent = 60;
  c.min_error_budget_remaining_percent = 25;
  c.abort_on = {"sev1"};
  sre::SafetyInputs in;
  in.blast_radius_percent = 50;
  in.min_budget_remaining_percent = 30;
  in.min_budget_slo = "avail";
  CHECK(sre::validate_safety(c, in, true).empty());
  in.blast_radius_percent = 75;
  in.min_budget_remaining_percent = 20;
  in.open_incident_severities = {"sev2", "sev1"};
  in.open_incident_ids = {"INC-0001", "INC-0002"};
  const std::vector<std::string> problems = sre::validate_safety(c, in, true);
  REQUIRE(problems.size() == 3);
  CHECK(problems[0] == "blast radius 75 % is over the limit of 60 %");
  CHECK(problems[1].find("SLO avail has 20 %") == 0);
  CHECK(problems[2] == "incident INC-0002 (sev1) is open");
  CHECK(sre::validate_safety(c, in, false).size() == 2);  // the radius is checked only at the start
}

namespace {

// 20 requests/s of 100 ms constant work on 4 instances of 50 slots: losing one instance
// changes nothing users see.
std::string scenario(const std::string& chaos, const std::string& extra = "") {
  return R"({"schema": "opsim/1", "name": "chaos", "duration": "3h", "seed": 6,
    "services": [{"id": "api", "instance": {"concurrency": 50, "startup": "60s", "cost_per_hour": 1},
                  "instances": {"initial": 4, "min": 1, "max": 8}, "queue": {"capacity": 1000, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "api", "work": {"dist": "constant", "value": "100ms"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
                 "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 20}]}],
    "monitoring": {"scrape_interval": "15s", "retention": "1d"},
    "chaos": [)" +
         chaos + "]" + extra + "}";
}

const char* kProbes = R"("hypothesis": {"title": "users barely notice", "probes": [
    {"metric": "availability_percent", "window": "10m", "tolerance": [99, 100]},
    {"metric": "latency_p95_ms", "window": "10m", "tolerance": [0, 200]}]})";

}  // namespace

TEST_CASE("a chaos experiment whose hypothesis holds passes with a resilience score of 100", "[chaos]") {
  const Scenario sc = test::must_load(scenario(std::string(R"({"id": "kill-one", "title": "Lose an instance", "at": "1h", )") +
                                               kProbes + R"(,
      "method": [{"fault": {"type": "instance_crash", "service": "api", "count": 1}, "duration": "10m"}],
      "rollbacks": [{"restore": "instances"}],
      "safety": {"max_blast_radius_percent": 30}})"));
  Simulation sim(sc, sc.seed);
  test::EventRecorder rec;
  sim.add_observer(&rec);
  sim.run_until(kMicrosPerHour + 5 * kMicrosPerMinute);
  CHECK(sim.chaos_view(0).step == 0);
  CHECK(sim.pool_view(0).instances == 3);
  sim.run();
  const sre::ChaosResult& r = *sim.chaos_view(0).result;
  CHECK(r.verdict == sre::ChaosVerdict::passed);
  CHECK(r.blast_radius_percent == 25);
  CHECK(r.resilience_score == 100);
  REQUIRE(r.before.size() == 2);
  CHECK(r.before[0].value == 100);
  CHECK(r.before[1].value == Approx(100).epsilon(0.01));
  CHECK(r.ended_at == kMicrosPerHour + 10 * kMicrosPerMinute);
  CHECK(test::metric(sim, "chaos.kill-one.passed") == 1);
  CHECK(test::metric(sim, "chaos.kill-one.resilience_score") == 100);
  REQUIRE(rec.first(EventKind::chaos_started) != nullptr);
  CHECK(rec.first(EventKind::chaos_started)->t == kMicrosPerHour);
  // The summary lists it.
  const std::string summary = summary_json(sim);
  CHECK(summary.find("\"id\":\"kill-one\"") != std::string::npos);
  CHECK(summary.find("\"verdict\":\"passed\"") != std::string::npos);
}

TEST_CASE("a failed steady state or a blast radius over the limit skips the experiment: nothing is injected",
          "[chaos]") {
  SECTION("steady state") {
    const Scenario sc = test::must_load(scenario(R"({"id": "x", "at": "1h",
        "hypothesis": {"probes": [{"metric": "latency_p95_ms", "window": "10m", "tolerance": [0, 50]}]},
        "method": [{"fault": {"type": "instance_crash", "service": "api", "count": 1}, "duration": "10m"}]})"));
    Simulation sim(sc, sc.seed);
    test::EventRecorder rec;
    sim.add_observer(&rec);
    sim.run();
    const sre::ChaosResult& r = *sim.chaos_view(0).result;
    CHECK(r.verdict == sre::ChaosVerdict::skipped);
    CHECK(r.reason.find("steady state not met: latency_p95_ms 100") == 0);
    CHECK(r.steps_run == 0);
    CHECK(rec.first(EventKind::fault_started) == nullptr);
    CHECK(test::metric(sim, "chaos.x.passed") == 0);
  }
  SECTION("blast radius") {
    const Scenario sc = test::must_load(scenario(std::string(R"({"id": "x", "at": "1h", )") + kProbes + R"(,
        "method": [{"fault": {"type": "instance_crash", "service": "api", "fraction": 0.75}, "duration": "10m"}],
        "safety": {"max_blast_radius_percent": 60}})"));
    Simulation sim(sc, sc.seed);
    test::EventRecorder rec;
    sim.add_observer(&rec);
    sim.run();
    const sre::ChaosResult& r = *sim.chaos_view(0).result;
    CHECK(r.verdict == sre::ChaosVerdict::skipped);
    CHECK(r.reason == "safety: blast radius 75 % is over the limit of 60 %");
    CHECK(rec.first(EventKind::fault_started) == nullptr);
  }
}

namespace {

// A 100 % error fault for 30 minutes: the 14.4x page opens a sev1 incident, which the
// experiment's safety forbids. `rollbacks` is the experiment's rollbacks member, or empty.
Scenario error_storm(const std::string& rollbacks) {
  return test::must_load(scenario(std::string(R"({"id": "errors", "at": "1h", )") + kProbes + R"(,
      "method": [{"fault": {"type": "errors", "service": "api", "error_percent": 100}, "duration": "30m"}],)" +
                                      rollbacks + R"( "safety": {"abort_on": ["sev1"]}})",
                                  R"(, "slos": [{"id": "avail", "service": "api", "indicator": "availability",
                   "target_percent": 99.9, "window": "30d"}],
      "incidents": {"open_on": ["page"]})"));
}

}  // namespace

TEST_CASE("a safety breach mid-way aborts the experiment; the faults rollback ends the fault at once", "[chaos]") {
  SECTION("with the faults rollback") {
    const Scenario sc = error_storm(R"("rollbacks": [{"restore": "faults"}],)");
    Simulation sim(sc, sc.seed);
    test::EventRecorder rec;
    sim.add_observer(&rec);
    sim.run();
    const LogEvent* opened = rec.first(EventKind::incident_opened);
    const LogEvent* aborted = rec.first(EventKind::chaos_aborted);
    const LogEvent* ended = rec.first(EventKind::fault_ended);
    REQUIRE(opened != nullptr);
    REQUIRE(aborted != nullptr);
    REQUIRE(ended != nullptr);
    CHECK(aborted->t == opened->t);  // the same scrape
    CHECK(ended->t == aborted->t);   // rolled back, not left to run its 30 minutes
    CHECK(aborted->t < kMicrosPerHour + 5 * kMicrosPerMinute);
    const sre::ChaosResult& r = *sim.chaos_view(0).result;
    CHECK(r.verdict == sre::ChaosVerdict::aborted);
    CHECK(r.resilience_score == 0);
    CHECK(r.reason.find("(sev1) is open") != std::string::npos);
    REQUIRE(r.rollbacks_done.size() == 1);
    CHECK(r.rollbacks_done[0] == "faults: ended 1 still active");
    CHECK(test::metric(sim, "chaos.errors.passed") == 0);
  }
  SECTION("without it the fault runs its course") {
    const Scenario sc = error_storm("");
    Simulation sim(sc, sc.seed);
    test::EventRecorder rec;
    sim.add_observer(&rec);
    sim.run();
    REQUIRE(rec.first(EventKind::chaos_aborted) != nullptr);
    REQUIRE(rec.first(EventKind::fault_ended) != nullptr);
    CHECK(rec.first(EventKind::fault_ended)->t == kMicrosPerHour + 30 * kMicrosPerMinute);
    CHECK(sim.chaos_view(0).result->rollbacks_done.empty());
  }
}

TEST_CASE("a probe outside its tolerance fails the hypothesis and lowers the score by its miss", "[chaos]") {
  // +200 ms on 100 ms work: p95 300 ms against [0, 200]: score 1 - 100 / 200 = 0.5; the
  // availability probe holds: resilience 100 x (1 + 0.5) / 2 = 75.
  const Scenario sc = test::must_load(scenario(std::string(R"({"id": "slow", "at": "1h", )") + kProbes + R"(,
      "method": [{"fault": {"type": "latency", "service": "api", "add": "200ms"}, "duration": "10m"}]})"));
  Simulation sim(sc, sc.seed);
  sim.run();
  const sre::ChaosResult& r = *sim.chaos_view(0).result;
  CHECK(r.verdict == sre::ChaosVerdict::failed);
  REQUIRE(r.after.size() == 2);
  CHECK(r.after[0].within);
  CHECK_FALSE(r.after[1].within);
  CHECK(r.after[1].value == Approx(300).epsilon(0.01));
  CHECK(r.resilience_score == Approx(75).margin(0.5));
  CHECK(r.reason.find("latency_p95_ms") != std::string::npos);
  CHECK(test::metric(sim, "chaos.slow.resilience_score") == Approx(r.resilience_score));
}

TEST_CASE("an experiment and a fault started now from the what-if interface", "[chaos]") {
  const Scenario sc = test::must_load(scenario(""));
  Simulation sim(sc, sc.seed);
  sim.run_until(kMicrosPerHour);
  ChaosSpec c;
  c.id = "now";
  ProbeSpec p;
  p.metric = "availability_percent";
  p.low = 99;
  p.high = 100;
  c.probes.push_back(p);
  FaultSpec crash;
  crash.type = FaultType::instance_crash;
  crash.service = "api";
  crash.service_index = 0;
  crash.count = 3;
  c.method.emplace_back(crash, 5 * kMicrosPerMinute);
  c.max_blast_radius_percent = 50;
  const std::vector<std::string> problems = sim.check_chaos_safety(c);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "blast radius 75 % is over the limit of 50 %");
  c.max_blast_radius_percent = 100;
  CHECK(sim.check_chaos_safety(c).empty());
  const std::size_t i = sim.start_chaos(c);
  CHECK(i == 0);
  CHECK(sim.chaos_view(i).result->verdict == sre::ChaosVerdict::running);
  CHECK(sim.pool_view(0).instances == 1);
  sim.run_until(kMicrosPerHour + 6 * kMicrosPerMinute);
  CHECK(sim.chaos_view(i).result->verdict == sre::ChaosVerdict::passed);
  // A fault injected now: 100 % errors for a minute.
  FaultSpec errors;
  errors.type = FaultType::errors;
  errors.service = "api";
  errors.service_index = 0;
  errors.error_percent = 100;
  errors.duration = kMicrosPerMinute;
  const double failed_before = test::metric(sim, "requests_failed");
  sim.inject_fault(errors);
  sim.run_until(kMicrosPerHour + 8 * kMicrosPerMinute);
  CHECK(test::metric(sim, "requests_failed") - failed_before == Approx(1200).epsilon(0.1));
}

TEST_CASE("a budget below the safety minimum aborts, and the faults rollback ends a traffic spike early", "[chaos]") {
  // 10 minutes of total failure at 30m (burn rate 1000) spend 10 x 1000 / 43,200 = 23.1 % of
  // the 30-day budget, so the experiment starts at 1h with 76.9 % left (the minimum is
  // 50 %); from 1h05m every request fails again, and 26.9 % more takes 11.6 minutes: the
  // scrape at 1h16m45s aborts it, and the tripled traffic of the method stops at once.
  const Scenario sc = test::must_load(scenario(R"({"id": "surge", "at": "1h",
      "hypothesis": {"probes": [{"metric": "availability_percent", "window": "10m", "tolerance": [0, 100]}]},
      "method": [{"fault": {"type": "traffic_spike", "tenant": "t", "multiplier": 3}, "duration": "1h"}],
      "rollbacks": [{"restore": "faults"}],
      "safety": {"min_error_budget_remaining_percent": 50}})",
                                               R"(, "slos": [{"id": "avail", "service": "api", "indicator": "availability",
                   "target_percent": 99.9, "window": "30d"}],
      "faults": [{"at": "30m", "duration": "10m", "type": "errors", "service": "api", "error_percent": 100},
                 {"at": "65m", "duration": "30m", "type": "errors", "service": "api", "error_percent": 100}])"));
  Simulation sim(sc, sc.seed);
  sim.run_until(kMicrosPerHour + 2 * kMicrosPerMinute);
  const double before = test::metric(sim, "requests_total");
  sim.run_until(kMicrosPerHour + 4 * kMicrosPerMinute);
  CHECK(test::metric(sim, "requests_total") - before == Approx(3 * 20 * 120).epsilon(0.1));  // tripled
  sim.run();
  const sre::ChaosResult& r = *sim.chaos_view(0).result;
  REQUIRE(r.verdict == sre::ChaosVerdict::aborted);
  CHECK(r.reason.find("SLO avail has") != std::string::npos);
  CHECK(r.ended_at == kMicrosPerHour + 16 * kMicrosPerMinute + 45 * kMicrosPerSecond);
  // A second run of the same seed, read just after the abort: the rate is back to 20/s.
  Simulation again(sc, sc.seed);
  again.run_until(r.ended_at + 5 * kMicrosPerMinute);
  const double after = test::metric(again, "requests_total");
  again.run_until(r.ended_at + 7 * kMicrosPerMinute);
  CHECK(test::metric(again, "requests_total") - after == Approx(20 * 120).epsilon(0.1));
}
