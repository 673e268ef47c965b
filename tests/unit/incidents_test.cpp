// Incident management (core/sre/incidents): the seed's severity rules, de-duplication,
// upgrades, resolution after `resolve_after` of healthy signal, MTTR, MTTD and postmortems,
// driven as the simulation drives it: evaluate() at each scrape, then that scrape's alerts.
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "json/json.h"
#include "sre/incidents.h"

using namespace opsim;
using namespace opsim::sre;

namespace {

constexpr SimDuration S = kMicrosPerSecond;
constexpr SimDuration M = kMicrosPerMinute;

ServiceSignals healthy(const std::string& service) {
  ServiceSignals s;
  s.service = service;
  s.availability_percent = 100;
  s.error_rate_percent = 0;
  s.latency_p95_ms = 500;
  s.baseline_latency_p95_ms = 500;
  s.users_total = 1000;
  s.users_affected = 0;
  s.requests = 10000;
  return s;
}

// `users_percent` of the users saw a failure; availability falls with it.
ServiceSignals hurt(const std::string& service, double users_percent, double availability = 95) {
  ServiceSignals s = healthy(service);
  s.users_affected = static_cast<std::uint64_t>(users_percent * 10);  // of 1000
  s.availability_percent = availability;
  s.error_rate_percent = 100 - availability;
  return s;
}

AlertInfo alert(const std::string& service, AlertState state = AlertState::firing, const std::string& rule = "availability",
                const std::string& severity = "page") {
  AlertInfo a;
  a.rule = rule;
  a.severity = severity;
  a.state = state;
  a.service = service;
  a.metric = "availability_percent";
  a.reason = "availability below target";
  return a;
}

IncidentsSpec spec(SimDuration resolve_after = 10 * M, std::vector<std::string> postmortem_for = {"sev1", "sev2"}) {
  IncidentsSpec s;
  s.resolve_after = resolve_after;
  s.postmortem_for = std::move(postmortem_for);
  return s;
}

// A one-minute scrape loop: evaluate first, then the scrape's alerts, as the header advises.
struct Run {
  IncidentManager mgr;
  SimTime now = 0;
  std::vector<IncidentTransition> log;

  explicit Run(const IncidentsSpec& s) : mgr(s) {}
  void scrape(const std::vector<ServiceSignals>& signals, const std::vector<AlertInfo>& alerts = {}) {
    now += M;
    append(mgr.evaluate(now, signals));
    for (const AlertInfo& a : alerts) append(mgr.on_alert(now, a));
  }
  void scrapes(int n, const std::vector<ServiceSignals>& signals) {
    for (int i = 0; i < n; ++i) scrape(signals);
  }
  void append(const std::vector<IncidentTransition>& v) { log.insert(log.end(), v.begin(), v.end()); }
  int count(IncidentTransition::Kind k) const {
    int n = 0;
    for (const IncidentTransition& t : log) n += t.kind == k ? 1 : 0;
    return n;
  }
};

int timeline_count(const Incident& inc, const std::string& kind) {
  int n = 0;
  for (const TimelineEntry& e : inc.timeline) n += e.kind == kind ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("the seed's severity rules, each on its own", "[incidents]") {
  ServiceSignals s = healthy("a");
  CHECK(classify(s, false, false).severity == Severity::sev4);
  CHECK(classify(s, false, false).rule == "none");

  SECTION("service unavailable: availability below 5 % with traffic") {
    s.availability_percent = 2;
    CHECK(classify(s, false, false).severity == Severity::sev1);
    CHECK(classify(s, false, false).rule == "service_unavailable");
    s.requests = 0;  // no traffic, no evidence
    CHECK(classify(s, false, false).severity == Severity::sev4);
  }
  SECTION("affected users: > 50 % sev1, > 10 % sev2, > 1 % sev3") {
    s.users_affected = 501;
    CHECK(classify(s, false, false).severity == Severity::sev1);
    s.users_affected = 500;
    CHECK(classify(s, false, false).severity == Severity::sev2);
    s.users_affected = 101;
    CHECK(classify(s, false, false).severity == Severity::sev2);
    s.users_affected = 100;
    CHECK(classify(s, false, false).severity == Severity::sev3);
    s.users_affected = 11;
    CHECK(classify(s, false, false).severity == Severity::sev3);
    CHECK(classify(s, false, false).rule == "users_affected");
    s.users_affected = 10;  // exactly 1 %: not above
    CHECK(classify(s, false, false).severity == Severity::sev4);
  }
  SECTION("data loss and security are sev1") {
    CHECK(classify(s, true, false).severity == Severity::sev1);
    CHECK(classify(s, true, false).rule == "data_loss");
    CHECK(classify(s, false, true).severity == Severity::sev1);
    CHECK(classify(s, false, true).rule == "security");
  }
  SECTION("performance degradation: p95 > 50 % over baseline sev2, > 20 % sev3") {
    s.latency_p95_ms = 760;  // +52 %
    CHECK(classify(s, false, false).severity == Severity::sev2);
    CHECK(classify(s, false, false).rule == "performance");
    s.latency_p95_ms = 650;  // +30 %
    CHECK(classify(s, false, false).severity == Severity::sev3);
    s.latency_p95_ms = 600;  // +20 %: not above
    CHECK(classify(s, false, false).severity == Severity::sev4);
    s.latency_p95_ms = 5000;
    s.baseline_latency_p95_ms = 0;  // no baseline, no rule
    CHECK(classify(s, false, false).severity == Severity::sev4);
  }
  SECTION("the most severe rule wins (the seed would stop at sev3 for 2 % of users)") {
    s.users_affected = 20;
    const Classification c = classify(s, true, false);
    CHECK(c.severity == Severity::sev1);
    CHECK(c.rule == "data_loss");
  }
}

TEST_CASE("service status thresholds", "[incidents]") {
  CHECK(assess_status(healthy("a")).status == ServiceStatus::healthy);
  CHECK(assess_status(hurt("a", 0, 2)).status == ServiceStatus::major_outage);
  CHECK(assess_status(hurt("a", 60, 99.5)).status == ServiceStatus::major_outage);
  CHECK(assess_status(hurt("a", 0, 80)).status == ServiceStatus::partial_outage);
  CHECK(assess_status(hurt("a", 20, 99.5)).status == ServiceStatus::partial_outage);
  CHECK(assess_status(hurt("a", 0, 98)).status == ServiceStatus::degraded);  // error rate 2 %
  ServiceSignals slow = healthy("a");
  slow.latency_p95_ms = 700;
  CHECK(assess_status(slow).status == ServiceStatus::degraded);
  CHECK(assess_status(slow).metric == "latency_p95_ms");
}

TEST_CASE("a second alert of the same service joins the open incident", "[incidents]") {
  Run r(spec());
  const std::vector<ServiceSignals> sig = {hurt("a", 20), hurt("b", 20)};
  r.scrape(sig, {alert("a"), alert("a", AlertState::firing, "latency")});
  REQUIRE(r.mgr.incidents().size() == 1);
  const Incident& a = r.mgr.incidents()[0];
  CHECK(a.id == "INC-0001");
  CHECK(a.service == "a");
  CHECK(a.opened_by == "availability");
  CHECK(timeline_count(a, "alert_firing") == 2);
  CHECK(r.count(IncidentTransition::Kind::opened) == 1);

  // A ticket does not open one; a page on another service does; an unscoped page opens
  // a platform incident.
  r.scrape(sig, {alert("b", AlertState::firing, "slow", "ticket")});
  CHECK(r.mgr.incidents().size() == 1);
  r.scrape(sig, {alert("b"), alert("")});
  REQUIRE(r.mgr.incidents().size() == 3);
  CHECK(r.mgr.incidents()[1].id == "INC-0002");
  CHECK(r.mgr.incidents()[1].service == "b");
  CHECK(r.mgr.incidents()[2].id == "INC-0003");
  CHECK(r.mgr.incidents()[2].service.empty());
  CHECK(r.mgr.incidents_total() == 3);
}

TEST_CASE("severity is raised when impact grows, never lowered", "[incidents]") {
  Run r(spec());
  r.scrape({hurt("a", 2)}, {alert("a")});
  REQUIRE(r.mgr.incidents().size() == 1);
  CHECK(r.mgr.incidents()[0].severity == Severity::sev3);  // classified by the interval that fired it
  CHECK(r.log.back().severity == Severity::sev3);

  r.scrape({hurt("a", 60)});
  const Incident& inc = r.mgr.incidents()[0];
  CHECK(inc.severity == Severity::sev1);
  REQUIRE(r.log.back().kind == IncidentTransition::Kind::severity_changed);
  CHECK(r.log.back().previous == Severity::sev3);
  CHECK(r.log.back().severity == Severity::sev1);
  CHECK(timeline_count(inc, "severity_changed") == 1);

  r.scrape({hurt("a", 5)});
  r.scrape({healthy("a")});
  CHECK(r.mgr.incidents()[0].severity == Severity::sev1);
  CHECK(r.mgr.incidents()[0].severity_history.size() == 2);
  CHECK(r.count(IncidentTransition::Kind::severity_changed) == 1);
}

TEST_CASE("resolution after resolve_after of healthy signal, and a relapse resets it", "[incidents]") {
  Run r(spec(10 * M));
  const auto bad = std::vector<ServiceSignals>{hurt("a", 20)};
  const auto good = std::vector<ServiceSignals>{healthy("a")};
  r.scrape(bad, {alert("a")});                            // 1m: opened
  r.scrape(bad);                                          // 2m
  r.scrape(good, {alert("a", AlertState::resolved)});     // 3m: alert clears, streak starts at 3m

  SECTION("exactly resolve_after later") {
    r.scrapes(9, good);  // up to 12m
    CHECK(r.mgr.incidents()[0].open());
    CHECK(r.mgr.incident_json(r.mgr.incidents()[0], r.now).find("\"status\":\"monitoring\"") != std::string::npos);
    r.scrape(good);  // 13m
    const Incident& inc = r.mgr.incidents()[0];
    REQUIRE_FALSE(inc.open());
    CHECK(inc.resolved_at == 13 * M);
    CHECK(inc.recovered_at == 3 * M);
    CHECK(inc.time_to_resolve() == 12 * M);
    CHECK(r.count(IncidentTransition::Kind::resolved) == 1);
  }
  SECTION("a bad interval at 8m starts the wait again from 8m") {
    r.scrapes(4, good);  // 7m
    r.scrape(bad);       // 8m: relapse
    CHECK(timeline_count(r.mgr.incidents()[0], "relapse") == 1);
    r.scrapes(9, good);  // 17m
    CHECK(r.mgr.incidents()[0].open());
    r.scrape(good);  // 18m
    REQUIRE_FALSE(r.mgr.incidents()[0].open());
    CHECK(r.mgr.incidents()[0].resolved_at == 18 * M);
    CHECK(r.mgr.incidents()[0].recovered_at == 8 * M);
  }
  SECTION("a page firing again breaks the streak") {
    r.scrapes(2, good);                  // 5m
    r.scrape(good, {alert("a")});        // 6m: fires again
    r.scrape(good, {alert("a", AlertState::resolved)});  // 7m: clears again
    r.scrapes(9, good);                  // 16m
    CHECK(r.mgr.incidents()[0].open());
    r.scrape(good);                      // 17m
    CHECK_FALSE(r.mgr.incidents()[0].open());
    CHECK(r.mgr.incidents()[0].recovered_at == 7 * M);
    CHECK(r.mgr.incidents().size() == 1);
  }
}

TEST_CASE("MTTR is the mean time from opening to resolution", "[incidents]") {
  Run r(spec(5 * M));
  CHECK(std::isnan(r.mgr.mttr_minutes()));
  // a: opened at 1m, clears at 6m, resolved at 11m (10 min). b: opened at 2m, clears at
  // 27m, resolved at 32m (30 min).
  r.scrape({hurt("a", 20), hurt("b", 20)}, {alert("a")});
  r.scrape({hurt("a", 20), hurt("b", 20)}, {alert("b")});
  while (r.now < 40 * M) {
    std::vector<AlertInfo> alerts;
    if (r.now + M == 6 * M) alerts.push_back(alert("a", AlertState::resolved));
    if (r.now + M == 27 * M) alerts.push_back(alert("b", AlertState::resolved));
    r.scrape({r.now + M >= 6 * M ? healthy("a") : hurt("a", 20), r.now + M >= 27 * M ? healthy("b") : hurt("b", 20)},
             alerts);
  }
  REQUIRE(r.mgr.incidents().size() == 2);
  CHECK(r.mgr.incidents()[0].time_to_resolve() == 10 * M);
  CHECK(r.mgr.incidents()[1].time_to_resolve() == 30 * M);
  CHECK(r.mgr.mttr_minutes() == Approx(20.0));
  CHECK(r.mgr.incidents_with_severity(Severity::sev2) == 2);
  // Failed requests: 10,000 requests at 95 % availability, per bad interval while open.
  CHECK(r.mgr.incidents()[0].failed_requests == Approx(5 * 500.0));
}

TEST_CASE("root cause and MTTD from the fault active at detection", "[incidents]") {
  Run r(spec());
  FaultSpec crash;
  crash.type = FaultType::instance_crash;
  crash.service = "a";
  crash.fraction = 0.5;
  crash.at = 30 * S;
  FaultSpec other = crash;
  other.service = "b";
  other.at = 60 * S;
  FaultSpec provider;
  provider.type = FaultType::provider_outage;
  provider.provider = "crm";
  provider.at = 90 * S;
  r.mgr.on_fault(30 * S, crash, true);
  r.mgr.on_fault(60 * S, other, true);
  r.mgr.on_fault(90 * S, provider, true);
  r.scrape({hurt("a", 20)});
  r.scrape({hurt("a", 20)});
  r.now = 3 * M - M;
  r.scrape({hurt("a", 20)}, {alert("a")});  // 3m
  const Incident& inc = r.mgr.incidents()[0];
  REQUIRE(inc.cause_fault == 0);  // the same-service fault, not b's nor the later platform-wide one
  CHECK(r.mgr.root_cause(inc) == "instance_crash on a (50 % of instances)");
  CHECK(inc.mttd == 150 * S);
  CHECK(r.mgr.mttd_minutes() == Approx(2.5));
  CHECK(inc.impact_started_at == 0);  // the status left healthy in the first interval

  // A service with no fault of its own: the platform-wide provider outage explains it.
  r.scrape({hurt("a", 20), hurt("c", 20)}, {alert("c")});
  CHECK(r.mgr.root_cause(r.mgr.incidents()[1]) == "provider_outage of context provider crm");

  // Long after every fault has ended: unknown, and no MTTD.
  r.mgr.on_fault(r.now, crash, false);
  r.mgr.on_fault(r.now, other, false);
  r.mgr.on_fault(r.now, provider, false);
  r.now += 60 * M;
  r.scrape({healthy("d")}, {alert("d")});
  CHECK(r.mgr.root_cause(r.mgr.incidents()[2]) == "unknown");
  CHECK(r.mgr.incidents()[2].mttd == -1);
  CHECK(r.mgr.mttd_minutes() == Approx((2.5 + (4 - 1.5)) / 2));
}

TEST_CASE("postmortems for the listed severities, from what was observed", "[incidents]") {
  Run r(spec(5 * M, {"sev1"}));
  FaultSpec crash;
  crash.type = FaultType::instance_crash;
  crash.service = "a";
  crash.count = 3;
  r.mgr.on_fault(0, crash, true);
  ServiceSignals a = hurt("a", 60);
  a.at_max_instances = true;
  r.scrape({a, hurt("b", 5)}, {alert("a"), alert("b")});  // a: sev1, b: sev3
  r.scrape({a, hurt("b", 5)});
  r.mgr.on_event(r.now, "a", "scale_out", "threshold policy: 4 -> 6 instances");
  r.mgr.on_fault(r.now, crash, false);
  r.scrape({healthy("a"), healthy("b")}, {alert("a", AlertState::resolved), alert("b", AlertState::resolved)});
  r.scrapes(5, {healthy("a"), healthy("b")});
  REQUIRE_FALSE(r.mgr.incidents()[0].open());
  REQUIRE_FALSE(r.mgr.incidents()[1].open());
  CHECK(r.mgr.incidents()[1].severity == Severity::sev3);
  REQUIRE(r.mgr.postmortems().size() == 1);  // sev3 is not listed
  CHECK(r.count(IncidentTransition::Kind::postmortem) == 1);

  const Postmortem& pm = r.mgr.postmortems()[0];
  CHECK(pm.incident_id == "INC-0001");
  CHECK(pm.severity == Severity::sev1);
  CHECK(pm.primary_cause == "instance_crash on a (3 instances)");
  CHECK(pm.duration == 7 * M);  // opened 1m, clears 3m, resolved 8m
  REQUIRE(pm.contributing_factors.size() == 1);
  CHECK(pm.contributing_factors[0].find("a stood at its maximum instance count for 2m") == 0);
  bool raise_max = false, headroom = false, cooldown = false;
  for (const ActionItem& item : pm.action_items) {
    if (item.title.find("Raise instances.max of a") == 0) raise_max = item.priority == "P1";
    if (item.title.find("Keep enough headroom on a to lose 3 instances") == 0) headroom = item.priority == "P1";
    if (item.title.find("cooldown") != std::string::npos) cooldown = true;
  }
  CHECK(raise_max);
  CHECK(headroom);
  CHECK_FALSE(cooldown);  // never observed
  bool detected_fast = false, scaled = false;
  for (const std::string& s : pm.went_well) {
    detected_fast = detected_fast || s.find("detected 1m after the fault started") == 0;
    scaled = scaled || s.find("scaling added capacity 1 time,") == 0;
  }
  CHECK(detected_fast);
  CHECK(scaled);

  json::Value v;
  json::ParseError err;
  REQUIRE(json::parse(IncidentManager::postmortem_json(pm), v, err));
  CHECK(v.find("root_cause_analysis")->find("primary_cause")->text == pm.primary_cause);
}

TEST_CASE("a data loss fault opens a sev1 incident that stays open while it lasts", "[incidents]") {
  Run r(spec(5 * M));
  FaultSpec loss;
  loss.type = FaultType::data_loss;
  loss.service = "a";
  r.scrape({healthy("a")});
  const auto tx = r.mgr.on_fault(r.now, loss, true);
  REQUIRE(tx.size() == 1);
  CHECK(tx[0].kind == IncidentTransition::Kind::opened);
  const Incident& inc = r.mgr.incidents()[0];
  CHECK(inc.severity == Severity::sev1);
  CHECK(inc.data_loss);
  CHECK(inc.mttd == 0);
  r.scrapes(20, {healthy("a")});
  CHECK(r.mgr.incidents()[0].open());
  r.mgr.on_fault(r.now, loss, false);  // ends at 21m
  r.scrapes(4, {healthy("a")});
  CHECK(r.mgr.incidents()[0].open());
  r.scrape({healthy("a")});
  CHECK_FALSE(r.mgr.incidents()[0].open());
  CHECK(r.mgr.incidents()[0].resolved_at == 26 * M);
}

TEST_CASE("the incidents report is valid, deterministic JSON", "[incidents]") {
  auto run = [] {
    Run r(spec(2 * M));
    r.scrape({hurt("a", 30)}, {alert("a")});
    r.scrape({healthy("a")}, {alert("a", AlertState::resolved)});
    r.scrapes(3, {healthy("a")});
    return r.mgr.report_json(r.now);
  };
  const std::string text = run();
  CHECK(text == run());
  json::Value v;
  json::ParseError err;
  INFO(text);
  REQUIRE(json::parse(text, v, err));
  const json::Value* metrics = v.find("metrics");
  REQUIRE(metrics);
  CHECK(metrics->find("incidents_total")->number == 1);
  CHECK(metrics->find("incidents_sev2")->number == 1);
  CHECK(metrics->find("mttr_minutes")->number == 3);
  const json::Value& inc = v.find("incidents")->items.at(0);
  CHECK(inc.find("id")->text == "INC-0001");
  CHECK(inc.find("status")->text == "resolved");
  CHECK(inc.find("root_cause")->text == "unknown");
  CHECK(inc.find("response_plan")->find("escalation")->items.at(0).find("role")->text == "on-call engineer");
  CHECK(v.find("postmortems")->items.size() == 1);
}
