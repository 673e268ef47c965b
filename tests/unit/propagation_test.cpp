// The call graph's cause and propagation chain (core/sre/propagation), as pure functions on
// small graphs with figures written for each case, then through the incident manager: a
// dependency's fault explains its caller's incident, a dependency failing with no fault is
// the cause itself.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "json/json.h"
#include "metrics/metric_catalog.h"
#include "sre/incidents.h"
#include "sre/propagation.h"

using namespace opsim;
using namespace opsim::sre;

namespace {

constexpr SimDuration M = kMicrosPerMinute;

// Builds graphs by name: services, agents on them, calls between agents.
struct GraphBuilder {
  CallGraph g;
  int service(const std::string& id) {
    g.services.push_back(id);
    return static_cast<int>(g.services.size() - 1);
  }
  int agent(const std::string& id, int service) {
    g.agents.push_back({id, service});
    return static_cast<int>(g.agents.size() - 1);
  }
  int call(int caller, int callee) {
    g.edges.push_back({caller, callee});
    return static_cast<int>(g.edges.size() - 1);
  }
};

// Healthy figures for every service and edge of `g`: 1,000 requests each, 1,000 attempts per edge.
GraphFigures quiet(const CallGraph& g) {
  GraphFigures f;
  for (std::size_t v = 0; v < g.services.size(); ++v) {
    ServiceFigures s;
    s.requests = 1000;
    s.failed_by_reason.assign(failure_reasons().size(), 0.0);
    s.slot_utilization_percent = 30;
    s.latency_p95_ms = s.baseline_latency_p95_ms = 200;
    f.services.push_back(s);
  }
  for (std::size_t k = 0; k < g.edges.size(); ++k) {
    EdgeFigures e;
    e.attempts = 1000;
    e.latency_p95_ms = 200;
    f.edges.push_back(e);
  }
  return f;
}

std::size_t reason(const char* kind) {
  const auto& t = failure_reasons();
  const auto it = std::find_if(t.begin(), t.end(), [&](const FailureReason& r) { return std::string(r.kind) == kind; });
  REQUIRE(it != t.end());
  return static_cast<std::size_t>(it - t.begin());
}

void fail(ServiceFigures& s, const char* kind, double n) {
  s.failed += n;
  s.failed_by_reason[reason(kind)] += n;
  s.unhealthy = true;
  s.status_metric = "error_rate_percent";
}

void slow(ServiceFigures& s, double p95_ms) {
  s.latency_p95_ms = p95_ms;
  s.unhealthy = true;
  s.status_metric = "latency_p95_ms";
}

// The example: support (agents) calls retriever (retrieval), which times out; the
// support requests waiting on it hold every slot of agents, whose queue fills.
struct SupportRetriever {
  GraphBuilder b;
  int agents = b.service("agents"), retrieval = b.service("retrieval"), models = b.service("models");
  int support = b.agent("support", agents), retriever = b.agent("retriever", retrieval), llm = b.agent("llm-call", models);
  int to_retriever = b.call(support, retriever), to_llm = b.call(support, llm);
  GraphFigures f = quiet(b.g);

  SupportRetriever() {
    EdgeFigures& e = f.edges[static_cast<std::size_t>(to_retriever)];
    e.timeouts = e.failures = 300;
    e.retries = 120;
    slow(f.services[static_cast<std::size_t>(retrieval)], 2500);
    ServiceFigures& a = f.services[static_cast<std::size_t>(agents)];
    a.slot_utilization_percent = 100;
    a.queue_depth = 180;
    fail(a, "queue_full", 400);
    fail(a, "queue_timeout", 100);
  }
};

}  // namespace

TEST_CASE("propagation: the issue's example reads from the dependency's timeouts up to the users' queue", "[incidents][calls]") {
  SupportRetriever x;
  const DependencyPath path = deepest_failing_dependency(x.b.g, x.f, "agents");
  REQUIRE(path.edges == std::vector<int>{x.to_retriever});
  const std::vector<PropagationStep> steps = propagation_chain(x.b.g, x.f, path, "agents");
  CHECK(chain_text(steps) == "retriever timeouts -> support slots exhausted -> queue full at agents");
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].service == "retrieval");
  CHECK(steps[0].agent == "retriever");
  CHECK(steps[0].metric == "call.support.retriever.timeouts");
  CHECK(steps[0].value == 300);
  CHECK(steps[0].evidence == "300 of 1000 attempts from support timed out, 120 of them retries");
  CHECK(steps[1].metric == "service.agents.slot_utilization");
  CHECK(steps[1].value == 100);
  CHECK(steps[2].kind == "queue_full");
  CHECK(steps[2].metric == "service.agents.requests_failed_queue_full");
  CHECK(steps[2].evidence == "500 of 1000 requests at agents failed (50 %): 400 queue full, 100 queue timeouts; queue depth up to 180");

  // Without timeouts the dependency's slowness is what the chain names; with the queue
  // timeouts dominant, they are.
  EdgeFigures& e = x.f.edges[static_cast<std::size_t>(x.to_retriever)];
  e.timeouts = e.failures = 0;
  ServiceFigures& a = x.f.services[static_cast<std::size_t>(x.agents)];
  a.failed_by_reason[reason("queue_timeout")] = 450;
  CHECK(chain_text(propagation_chain(x.b.g, x.f, deepest_failing_dependency(x.b.g, x.f, "agents"), "agents")) ==
        "retriever slow -> support slots exhausted -> queue timeouts at agents");
}

TEST_CASE("propagation: the deepest failing dependency is the end of the longest failing path", "[incidents][calls]") {
  // checkout (gateway) calls cache and planner (mid); planner calls lookup (db).
  GraphBuilder b;
  const int gateway = b.service("gateway"), mid = b.service("mid"), db = b.service("db"), cache = b.service("cache");
  const int checkout = b.agent("checkout", gateway), planner = b.agent("planner", mid), lookup = b.agent("lookup", db),
            get = b.agent("get", cache);
  const int to_cache = b.call(checkout, get), to_planner = b.call(checkout, planner), to_lookup = b.call(planner, lookup);
  GraphFigures f = quiet(b.g);
  // The cache fails more than anything, one hop down; db fails two hops down.
  f.edges[static_cast<std::size_t>(to_cache)].failures = 900;
  fail(f.services[static_cast<std::size_t>(cache)], "errors", 900);
  f.edges[static_cast<std::size_t>(to_lookup)].failures = 50;
  fail(f.services[static_cast<std::size_t>(db)], "instance_crash", 50);
  fail(f.services[static_cast<std::size_t>(gateway)], "dependency", 300);

  SECTION("a failure travels only along failing edges: a healthy planner stops the walk") {
    const DependencyPath path = deepest_failing_dependency(b.g, f, "gateway");
    CHECK(path.edges == std::vector<int>{to_cache});
    CHECK(chain_text(propagation_chain(b.g, f, path, "gateway")) == "errors at cache -> dependency failures at gateway");
  }
  SECTION("with the planner failing too, the deeper path wins over the larger failure") {
    f.edges[static_cast<std::size_t>(to_planner)].failures = 40;
    fail(f.services[static_cast<std::size_t>(mid)], "dependency", 40);
    const DependencyPath path = deepest_failing_dependency(b.g, f, "gateway");
    CHECK(path.edges == std::vector<int>{to_planner, to_lookup});
    const std::vector<PropagationStep> steps = propagation_chain(b.g, f, path, "gateway");
    CHECK(chain_text(steps) == "crashed instances at db -> dependency failures at mid -> dependency failures at gateway");
    CHECK(steps.front().service == "db");
    CHECK(steps.back().service == "gateway");
    // The platform's walk starts at the agents no one calls: the same path.
    CHECK(deepest_failing_dependency(b.g, f, "").edges == path.edges);
    // From mid, its own dependency.
    CHECK(deepest_failing_dependency(b.g, f, "mid").edges == std::vector<int>{to_lookup});
  }
  SECTION("an unhealthy callee that was never called is not its caller's trouble") {
    f.edges[static_cast<std::size_t>(to_cache)] = EdgeFigures{};
    slow(f.services[static_cast<std::size_t>(cache)], 5000);
    CHECK(deepest_failing_dependency(b.g, f, "gateway").empty());
    // No failing dependency: the chain is the service's own failure.
    CHECK(chain_text(propagation_chain(b.g, f, DependencyPath{}, "gateway")) == "dependency failures at gateway");
  }
  SECTION("an open breaker fails the edge even with no attempt let through") {
    f.edges[static_cast<std::size_t>(to_cache)] = EdgeFigures{};
    f.edges[static_cast<std::size_t>(to_cache)].circuit_open_percent = 80;
    f.services[static_cast<std::size_t>(cache)] = quiet(b.g).services[0];
    ServiceFigures& g = f.services[static_cast<std::size_t>(gateway)];
    g = quiet(b.g).services[0];
    fail(g, "circuit_open", 300);
    const DependencyPath path = deepest_failing_dependency(b.g, f, "gateway");
    CHECK(path.edges == std::vector<int>{to_cache});
    CHECK(chain_text(propagation_chain(b.g, f, path, "gateway")) == "get circuit open -> circuit open at gateway");
  }
}

TEST_CASE("propagation: figures over a span add counts and keep the highest levels", "[incidents][calls]") {
  SupportRetriever x;
  GraphFigures sum;
  sum.add(x.f);
  sum.add(x.f);
  const ServiceFigures& a = sum.services[static_cast<std::size_t>(x.agents)];
  CHECK(a.requests == 2000);
  CHECK(a.failed == 1000);
  CHECK(a.failed_by_reason[reason("queue_full")] == 800);
  CHECK(a.slot_utilization_percent == 100);
  CHECK(sum.edges[static_cast<std::size_t>(x.to_retriever)].timeouts == 600);
  CHECK(sum.services[static_cast<std::size_t>(x.retrieval)].latency_p95_ms == 2500);
  CHECK(sum.services[static_cast<std::size_t>(x.retrieval)].unhealthy);
}

TEST_CASE("propagation: callers and dependencies through the graph", "[incidents][calls]") {
  GraphBuilder b;
  const int front = b.service("front"), mid = b.service("mid"), back = b.service("back"), side = b.service("side");
  const int a = b.agent("a", front), m1 = b.agent("m1", mid), m2 = b.agent("m2", mid), z = b.agent("z", back);
  b.agent("s", side);
  b.call(a, m1);
  b.call(m1, z);
  b.call(m2, z);
  CHECK(b.g.dependencies_of(front) == std::vector<int>{mid, back});
  CHECK(b.g.dependencies_of(back).empty());
  CHECK(b.g.callers_of(back) == std::vector<int>{front, mid});
  // m2 is called by no one: a fault on it reaches no caller.
  CHECK(b.g.callers_of(mid, m2).empty());
  CHECK(b.g.callers_of(mid, m1) == std::vector<int>{front});
  CHECK(b.g.callers_of(side).empty());
}

TEST_CASE("propagation: every failure reason names a catalogued service counter, once", "[incidents][calls]") {
  std::set<std::string> kinds, metrics;
  for (const FailureReason& r : failure_reasons()) {
    INFO(r.metric);
    MetricRef ref;
    std::string why;
    REQUIRE(parse_metric_name(std::string("service.x.") + r.metric, ref, why));
    CHECK((ref.info->scopes & kService) != 0);
    CHECK(kinds.insert(r.kind).second);
    CHECK(metrics.insert(r.metric).second);
    CHECK(std::string(r.phrase).size() > 0);
  }
  // Each requests_failed_<reason> counter of the catalogue has its row.
  for (const MetricInfo& m : metric_catalog())
    if (std::string(m.name).rfind("requests_failed_", 0) == 0) CHECK(metrics.count(m.name) == 1);
}

namespace {

ServiceSignals signals(const std::string& service, double availability, double p95_ms = 200) {
  ServiceSignals s;
  s.service = service;
  s.requests = 1000;
  s.availability_percent = availability;
  s.error_rate_percent = 100 - availability;
  s.latency_p95_ms = p95_ms;
  s.baseline_latency_p95_ms = 200;
  s.users_total = 100;
  s.users_affected = availability < 99 ? 60 : 0;
  return s;
}

AlertInfo page(const std::string& service, AlertState state) {
  AlertInfo a;
  a.rule = "availability";
  a.severity = "page";
  a.state = state;
  a.service = service;
  return a;
}

// One minute of the example: agents failing while the retriever is slow and times out.
struct ManagerRun {
  SupportRetriever x;
  IncidentManager mgr{IncidentsSpec{}};  // postmortems for sev1 and sev2
  SimTime now = 0;

  explicit ManagerRun(bool with_graph) {
    if (with_graph) mgr.set_call_graph(x.b.g);
  }
  void scrape(bool failing, std::vector<AlertInfo> alerts = {}) {
    now += M;
    GraphFigures f = failing ? x.f : quiet(x.b.g);
    mgr.evaluate(now,
                 {signals("agents", failing ? 50 : 100), signals("retrieval", 100, failing ? 2500 : 200),
                  signals("models", 100)},
                 &f);
    for (const AlertInfo& a : alerts) mgr.on_alert(now, a);
  }
};

}  // namespace

TEST_CASE("incidents with calls: the dependency's fault is the caller's incident's cause", "[incidents][calls]") {
  FaultSpec latency;
  latency.type = FaultType::latency;
  latency.service = "retrieval";
  latency.add = 2 * kMicrosPerSecond;
  for (const bool with_graph : {false, true}) {
    INFO("with the call graph: " << with_graph);
    ManagerRun r(with_graph);
    r.scrape(false);
    r.mgr.on_fault(r.now, latency, true);
    r.scrape(true);
    r.scrape(true, {page("agents", AlertState::firing)});
    REQUIRE(r.mgr.incidents().size() == 1);
    const Incident& inc = r.mgr.incidents()[0];
    CHECK(inc.service == "agents");
    if (!with_graph) {
      // The manager alone sees only the incident's own service: nothing explains it.
      CHECK(r.mgr.root_cause(inc) == "unknown");
      continue;
    }
    CHECK(r.mgr.root_cause(inc) == "latency on retrieval (+2s)");
    CHECK(inc.cause_service == "retrieval");
    CHECK(inc.dependency_path == std::vector<int>{r.x.to_retriever});
    CHECK(inc.mttd == 2 * M);
    r.scrape(true);
    r.mgr.on_fault(r.now + M / 2, latency, false);
    for (int k = 0; k < 3; ++k) r.scrape(false);
    r.mgr.on_alert(r.now, page("agents", AlertState::resolved));
    for (int k = 0; k < 12; ++k) r.scrape(false);
    REQUIRE(!inc.open());
    REQUIRE(r.mgr.postmortems().size() == 1);
    const Postmortem& pm = r.mgr.postmortems()[0];
    CHECK(pm.primary_cause == "latency on retrieval (+2s)");
    CHECK(pm.propagation_measured);
    // Summed over the incident's two failing minutes and its healthy tail.
    CHECK(chain_text(pm.propagation) == "retriever timeouts -> support slots exhausted -> queue full at agents");
    CHECK(pm.propagation.front().value == 600);
    CHECK(pm.summary.find("It reached users as: retriever timeouts -> ") != std::string::npos);
    // Both the fault's start and end are on the caller's incident's timeline.
    int fault_entries = 0;
    for (const TimelineEntry& e : inc.timeline) fault_entries += e.kind == "fault_started" || e.kind == "fault_ended";
    CHECK(fault_entries == 2);
    json::Value v;
    json::ParseError err;
    REQUIRE(json::parse(IncidentManager::postmortem_json(pm), v, err));
    const json::Value* prop = v.find("root_cause_analysis")->find("propagation");
    REQUIRE(prop);
    CHECK(prop->find("chain")->text == chain_text(pm.propagation));
    REQUIRE(prop->find("steps")->items.size() == 3);
    CHECK(prop->find("steps")->items[0].find("metric")->text == "call.support.retriever.timeouts");
  }
}

TEST_CASE("incidents with calls: a dependency failing with no fault is the cause, described by what failed", "[incidents][calls]") {
  ManagerRun r(true);
  r.scrape(false);
  r.scrape(true, {page("agents", AlertState::firing)});
  REQUIRE(r.mgr.incidents().size() == 1);
  const Incident& inc = r.mgr.incidents()[0];
  CHECK(inc.cause_fault == -1);
  CHECK(r.mgr.root_cause(inc) ==
        "retrieval failing: retriever timeouts (300 of 1000 attempts from support timed out, 120 of them retries)");
  CHECK(inc.mttd == -1);
}
