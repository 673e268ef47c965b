// Faults, chaos and incidents where agents call agents (issue 15): a fault on an agent or a
// service that is only ever called acts there and reaches its callers; a chaos experiment
// breaks a dependency while its probes read the caller's metrics, and the callers' error
// budgets guard it; an incident on the user-facing service names the deepest failing
// dependency as its cause and its postmortem says how the failure reached users. The
// library's call-graph stories (slow-dependency, retry-storm) with an `incidents` section
// and an availability SLO on the user-facing service added in this test's copy.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

constexpr SimDuration H = kMicrosPerHour;
constexpr SimDuration M = kMicrosPerMinute;

// A library scenario with top-level members replaced or added (each value as JSON text).
Scenario edited(const std::string& file, const std::vector<std::pair<std::string, std::string>>& set) {
  json::Value doc = test::must_parse(test::read_text(file));
  for (const auto& member : set) {
    const std::string& key = member.first;  // (a lambda may not capture a structured binding in C++17)
    json::Value v = test::must_parse(member.second);
    auto it = std::find_if(doc.members.begin(), doc.members.end(), [&](const auto& m) { return m.first == key; });
    if (it != doc.members.end()) it->second = std::move(v);
    else doc.members.emplace_back(key, std::move(v));
  }
  return test::must_load(json::write(doc));
}

// Incidents from a paging burn-rate alert on an availability SLO of `service`.
std::vector<std::pair<std::string, std::string>> incidents_on(const std::string& service) {
  return {{"slos", R"([{"id": "avail", "service": ")" + service +
                       R"(", "indicator": "availability", "target_percent": 99.9, "window": "30d"}])"},
          {"incidents", R"({"open_on": ["page"], "resolve_after": "10m", "postmortem_for": ["sev1", "sev2"]})"}};
}

const sre::Incident* first_incident_on(const Simulation& sim, const std::string& service) {
  for (const sre::Incident& inc : sim.incidents()->incidents())
    if (inc.service == service) return &inc;
  return nullptr;
}

const sre::Postmortem* postmortem_of(const Simulation& sim, const sre::Incident& inc) {
  for (const sre::Postmortem& pm : sim.incidents()->postmortems())
    if (pm.incident_id == inc.id) return &pm;
  return nullptr;
}

}  // namespace

TEST_CASE("calls: every fault can target a service or an agent that is only ever called", "[calls][faults]") {
  // slow-dependency: support (agents) calls retriever (retrieval); no tenant calls retriever.
  struct Case {
    const char* fault;
    const char* callee_metric;  // moves at the callee
    const char* caller_metric;  // and reaches the caller
  };
  const Case cases[] = {
      {R"({"at": "1h", "duration": "20m", "type": "latency", "agent": "retriever", "add": "3s"})",
       "service.retrieval.latency_p95_ms", "service.agents.slot_utilization"},
      {R"({"at": "1h", "duration": "20m", "type": "latency", "service": "retrieval", "add": "3s"})",
       "service.retrieval.latency_p95_ms", "service.agents.slot_utilization"},
      {R"({"at": "1h", "duration": "20m", "type": "errors", "agent": "retriever", "error_percent": 50})",
       "service.retrieval.requests_failed_agent_error", "service.agents.requests_failed_dependency"},
      {R"({"at": "1h", "duration": "20m", "type": "errors", "service": "retrieval", "error_percent": 50})",
       "service.retrieval.requests_failed_agent_error", "service.agents.requests_failed_dependency"},
      {R"({"at": "1h", "duration": "20m", "type": "instance_crash", "service": "retrieval", "fraction": 1})",
       "service.retrieval.requests_failed_instance_crash", "service.agents.requests_failed_dependency"},
      // 1 slot of 50 left on each of 4 instances: 40 calls a second of 150 ms need 6.
      {R"({"at": "1h", "duration": "20m", "type": "capacity_loss", "service": "retrieval", "concurrency_percent": 98})",
       "service.retrieval.queue_depth_max", "call.support.retriever.latency_p95_ms"},
  };
  for (const Case& c : cases) {
    INFO(c.fault);
    const Scenario s = edited("scenarios/slow-dependency.json", {{"faults", std::string("[") + c.fault + "]"}});
    Simulation sim(s, s.seed);
    sim.run_until(H - M);
    const double callee_before = test::metric(sim, c.callee_metric), caller_before = test::metric(sim, c.caller_metric);
    sim.run_until(H + 15 * M);
    CHECK(test::metric(sim, c.callee_metric) > 1.5 * callee_before + 1);
    // A time average over the run so far (slots) or a count: either way well above before.
    CHECK(test::metric(sim, c.caller_metric) > 1.2 * caller_before + 1);
  }
}

TEST_CASE("calls: a chaos experiment breaks a dependency while its probes read the caller's metrics", "[calls][chaos]") {
  const std::string experiment = R"([{"id": "break-retriever", "at": "1h",
      "hypothesis": {"title": "support survives a failing retriever",
                     "probes": [{"metric": "agent.support.availability_percent", "window": "5m", "tolerance": [99, 100]}]},
      "method": [{"fault": {"type": "errors", "agent": "retriever", "error_percent": 100}, "duration": "5m"}],
      "rollbacks": [{"restore": "faults"}]}])";
  SECTION("failing calls fail the caller: the hypothesis does not hold") {
    const Scenario s = edited("scenarios/slow-dependency.json", {{"faults", "[]"}, {"chaos", experiment}});
    Simulation sim(s, s.seed);
    sim.run_until(H + 10 * M);
    const sre::ChaosResult& r = *sim.chaos_view(0).result;
    CHECK(r.verdict == sre::ChaosVerdict::failed);
    REQUIRE(r.before.size() == 1);
    CHECK(r.before[0].value == 100.0);
    CHECK(r.after[0].value < 1.0);
    CHECK(test::metric(sim, "service.agents.requests_failed_dependency") > 0);
  }
  SECTION("a fallback (on_failure continue) keeps the caller up: it holds, degraded") {
    Scenario s = edited("scenarios/slow-dependency.json", {{"faults", "[]"}, {"chaos", experiment}});
    s.agents[0].calls.at(0).calls.at(0).continue_on_failure = true;
    Simulation sim(s, s.seed);
    sim.run_until(H + 10 * M);
    const sre::ChaosResult& r = *sim.chaos_view(0).result;
    CHECK(r.verdict == sre::ChaosVerdict::passed);
    CHECK(r.after[0].value == 100.0);
    CHECK(test::metric(sim, "agent.support.requests_degraded") > 0);
  }
  SECTION("the callers' error budgets guard it: a spent budget on the caller skips the experiment") {
    // An earlier half hour of failing calls spends most of the agents SLO's budget: 0.5 h
    // of 100 % failures against the 0.72 h that 0.1 % of 30 days allows, 69 %.
    std::vector<std::pair<std::string, std::string>> set = incidents_on("agents");
    set.erase(set.begin() + 1);  // the SLO only
    set.push_back({"faults", R"([{"at": "20m", "duration": "30m", "type": "errors", "agent": "retriever", "error_percent": 100}])"});
    std::string guarded = experiment;
    guarded.replace(guarded.find(R"("rollbacks")"), 0, R"("safety": {"min_error_budget_remaining_percent": 50}, )");
    set.push_back({"chaos", guarded});
    const Scenario s = edited("scenarios/slow-dependency.json", set);
    Simulation sim(s, s.seed);
    sim.run_until(H + 10 * M);
    const sre::ChaosResult& r = *sim.chaos_view(0).result;
    INFO(r.reason);
    CHECK(r.verdict == sre::ChaosVerdict::skipped);
    CHECK(r.reason.find("SLO avail has") != std::string::npos);
  }
}

TEST_CASE("calls: a slow dependency's incident names it as the cause and the postmortem traces it to users", "[calls][incidents]") {
  const Scenario s = edited("scenarios/slow-dependency.json", incidents_on("agents"));
  Simulation sim(s, s.seed);
  sim.run();
  const sre::Incident* inc = first_incident_on(sim, "agents");
  REQUIRE(inc);
  // The retriever's latency fault (at 01:00), on the service that users never call.
  CHECK(sim.incidents()->root_cause(*inc) == "latency on retrieval (+3s)");
  CHECK(inc->cause_service == "retrieval");
  CHECK(inc->mttd == inc->detected_at - H);
  REQUIRE(!inc->open());
  const sre::Postmortem* pm = postmortem_of(sim, *inc);
  REQUIRE(pm);
  REQUIRE(pm->propagation.size() >= 2);
  INFO(sre::chain_text(pm->propagation));
  CHECK(pm->propagation.front().service == "retrieval");
  CHECK(pm->propagation.front().agent == "retriever");
  CHECK(pm->propagation.back().service == "agents");
  CHECK(sre::chain_text(pm->propagation) == "retriever slow -> support slots exhausted -> queue full at agents");
  // The links' figures are the run's own: the p95 the retriever reached, the slots, the failures.
  CHECK(pm->propagation[0].value > 3000);
  CHECK(pm->propagation[1].value > 99);
  CHECK(pm->propagation[2].value > 0);
  CHECK(pm->propagation[2].value <= test::metric(sim, "service.agents.requests_failed_queue_full"));
  CHECK(std::find(pm->services.begin(), pm->services.end(), "retrieval") != pm->services.end());
  // In the postmortem's JSON.
  const json::Value v = test::must_parse(sre::IncidentManager::postmortem_json(*pm));
  const json::Value* prop = v.find("root_cause_analysis")->find("propagation");
  REQUIRE(prop);
  CHECK(prop->find("chain")->text == sre::chain_text(pm->propagation));
  CHECK(prop->find("steps")->items.front().find("service")->text == "retrieval");
}

TEST_CASE("calls: a retry storm's incident is traced from the callee's queue through the caller's timeouts", "[calls][incidents]") {
  // With a 10 % retry budget the storm ends and the incident resolves (with naive retries it never does).
  Scenario s = edited("scenarios/retry-storm.json", incidents_on("gateway"));
  s.agents[0].calls.at(0).calls.at(0).retry.budget_percent = 10;
  Simulation sim(s, s.seed);
  sim.run();
  const sre::Incident* inc = first_incident_on(sim, "gateway");
  REQUIRE(inc);
  CHECK(sim.incidents()->root_cause(*inc) == "latency on inventory (+1s)");
  const sre::Postmortem* pm = postmortem_of(sim, *inc);
  REQUIRE(pm);
  INFO(sre::chain_text(pm->propagation));
  REQUIRE(pm->propagation.size() >= 2);
  CHECK(pm->propagation.front().service == "inventory");
  CHECK(pm->propagation.back().service == "gateway");
  CHECK(pm->propagation.back().kind == "dependency");
  bool timeouts = false;
  for (const sre::PropagationStep& p : pm->propagation) timeouts = timeouts || p.text == "stock timeouts";
  CHECK(timeouts);
}

TEST_CASE("calls: scenarios without calls keep their postmortems' shape", "[calls][incidents]") {
  const Scenario s = test::must_load(test::read_text("scenarios/outage-postmortem.json"));
  REQUIRE(!s.has_calls());
  Simulation sim(s, s.seed);
  sim.run();
  REQUIRE(!sim.incidents()->postmortems().empty());
  for (const sre::Postmortem& pm : sim.incidents()->postmortems()) {
    CHECK(!pm.propagation_measured);
    CHECK(sre::IncidentManager::postmortem_json(pm).find("propagation") == std::string::npos);
  }
}
