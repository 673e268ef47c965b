#include "sre/propagation.h"

#include <algorithm>

#include "scaling/decision.h"  // format_number, the one number formatter for sentences

namespace opsim::sre {

using scaling::format_number;

// [SECTION] CallGraph

CallGraph call_graph(const Scenario& s) {
  CallGraph g;
  for (const ServiceSpec& v : s.services) g.services.push_back(v.id);
  for (const AgentSpec& a : s.agents) g.agents.push_back({a.id, a.service_index});
  for (const CallEdge& e : call_edges(s)) g.edges.push_back({e.caller, e.callee});
  return g;
}

int CallGraph::service_index(const std::string& id) const {
  for (std::size_t v = 0; v < services.size(); ++v)
    if (services[v] == id) return static_cast<int>(v);
  return -1;
}

namespace {

// The services of the agents reached from `seeds` by following edges forward (callee of a
// reached caller) or backward (caller of a reached callee); the seeds themselves count only
// when reached again.
std::vector<int> reach(const CallGraph& g, std::vector<bool> seeds, bool forward) {
  std::vector<bool> reached(g.agents.size(), false);
  std::vector<int> frontier;
  for (std::size_t a = 0; a < seeds.size(); ++a)
    if (seeds[a]) frontier.push_back(static_cast<int>(a));
  while (!frontier.empty()) {
    const int a = frontier.back();
    frontier.pop_back();
    for (const CallGraph::Edge& e : g.edges) {
      const int from = forward ? e.caller : e.callee, to = forward ? e.callee : e.caller;
      if (from != a || reached[static_cast<std::size_t>(to)]) continue;
      reached[static_cast<std::size_t>(to)] = true;
      frontier.push_back(to);
    }
  }
  std::vector<int> out;
  for (std::size_t a = 0; a < reached.size(); ++a)
    if (reached[a]) out.push_back(g.agents[a].service);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::vector<int> CallGraph::dependencies_of(int service) const {
  std::vector<bool> seeds(agents.size(), false);
  for (std::size_t a = 0; a < agents.size(); ++a) seeds[a] = agents[a].service == service;
  return reach(*this, std::move(seeds), true);
}

std::vector<int> CallGraph::callers_of(int service, int agent) const {
  std::vector<bool> seeds(agents.size(), false);
  for (std::size_t a = 0; a < agents.size(); ++a)
    seeds[a] = agent >= 0 ? static_cast<int>(a) == agent : agents[a].service == service;
  return reach(*this, std::move(seeds), false);
}

// [SECTION] Failure reasons

const std::vector<FailureReason>& failure_reasons() {
  // In the order of core/sim/outcome.h's Failure. Phrases name what users of that service
  // met; a call's attempt that waited too long in the callee's queue fails there as a
  // queue timeout.
  static const std::vector<FailureReason> table{
      {"requests_failed_queue_full", "queue_full", "queue full"},
      {"requests_failed_timeout", "queue_timeout", "queue timeouts"},
      {"requests_failed_agent_error", "errors", "errors"},
      {"requests_failed_execution_limit", "execution_limit", "executions cut off"},
      {"requests_failed_context", "context", "context failures"},
      {"requests_failed_instance_crash", "instance_crash", "crashed instances"},
      {"requests_failed_dependency", "dependency", "dependency failures"},
      {"requests_failed_circuit_open", "circuit_open", "circuit open"},
      {"requests_failed_throttled", "throttled", "throttled model calls"},
      {"requests_shed", "shed", "requests shed"},
  };
  return table;
}

// [SECTION] Figures

namespace {

// How many times its baseline a p95 is (0 without a baseline or a p95).
double slowdown(double p95_ms, double baseline_ms) { return baseline_ms > 0 && p95_ms > 0 ? p95_ms / baseline_ms : 0; }
double share_percent(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0; }

}  // namespace

void ServiceFigures::add(const ServiceFigures& in) {
  requests += in.requests;
  failed += in.failed;
  if (failed_by_reason.size() < in.failed_by_reason.size()) failed_by_reason.resize(in.failed_by_reason.size(), 0.0);
  for (std::size_t i = 0; i < in.failed_by_reason.size(); ++i) failed_by_reason[i] += in.failed_by_reason[i];
  slot_utilization_percent = std::max(slot_utilization_percent, in.slot_utilization_percent);
  queue_depth = std::max(queue_depth, in.queue_depth);
  const double now = slowdown(latency_p95_ms, baseline_latency_p95_ms), then = slowdown(in.latency_p95_ms, in.baseline_latency_p95_ms);
  if (then > now || (now == 0 && then == 0 && in.latency_p95_ms > latency_p95_ms)) {
    latency_p95_ms = in.latency_p95_ms;
    baseline_latency_p95_ms = in.baseline_latency_p95_ms;
  }
  if (in.unhealthy && !unhealthy) {
    unhealthy = true;
    status_metric = in.status_metric;
    status_reason = in.status_reason;
  }
}

void EdgeFigures::add(const EdgeFigures& in) {
  attempts += in.attempts;
  retries += in.retries;
  timeouts += in.timeouts;
  failures += in.failures;
  circuit_open_percent = std::max(circuit_open_percent, in.circuit_open_percent);
  latency_p95_ms = std::max(latency_p95_ms, in.latency_p95_ms);
}

void GraphFigures::add(const GraphFigures& in) {
  if (empty()) {
    *this = in;
    return;
  }
  for (std::size_t v = 0; v < std::min(services.size(), in.services.size()); ++v) services[v].add(in.services[v]);
  for (std::size_t k = 0; k < std::min(edges.size(), in.edges.size()); ++k) edges[k].add(in.edges[k]);
}

// [SECTION] Deepest failing dependency

bool edge_failing(const EdgeFigures& e, const PropagationThresholds& th) {
  return (e.attempts > 0 && share_percent(e.failures, e.attempts) >= th.failing_percent) || e.circuit_open_percent > 0;
}

namespace {

const ServiceFigures* service_figures(const GraphFigures& f, int v) {
  return v >= 0 && static_cast<std::size_t>(v) < f.services.size() ? &f.services[static_cast<std::size_t>(v)] : nullptr;
}

class Walk {
 public:
  Walk(const CallGraph& g, const GraphFigures& f, const PropagationThresholds& th)
      : g_(g), f_(f), th_(th), out_(g.agents.size()), memo_(g.agents.size()), done_(g.agents.size(), false) {
    for (std::size_t k = 0; k < g.edges.size(); ++k) out_[static_cast<std::size_t>(g.edges[k].caller)].push_back(static_cast<int>(k));
  }

  struct Best {
    std::vector<int> edges;
    double weight = 0;  // how much the last edge and its callee failed
  };
  static bool better(const Best& a, const Best& b) {
    return a.edges.size() > b.edges.size() || (a.edges.size() == b.edges.size() && a.weight > b.weight);
  }

  // The deepest failing path of calls from `agent`.
  const Best& from(int agent) {
    const std::size_t a = static_cast<std::size_t>(agent);
    if (done_[a]) return memo_[a];
    Best best;
    for (int k : out_[a]) {
      if (!failing(k)) continue;
      const Best& below = from(g_.edges[static_cast<std::size_t>(k)].callee);
      Best c;
      c.edges.push_back(k);
      c.edges.insert(c.edges.end(), below.edges.begin(), below.edges.end());
      c.weight = below.edges.empty() ? weight(k) : below.weight;
      if (better(c, best)) best = std::move(c);
    }
    done_[a] = true;
    memo_[a] = std::move(best);
    return memo_[a];
  }

 private:
  const ServiceFigures* callee_service(int k) const {
    return service_figures(f_, g_.callee_service(k));
  }
  bool failing(int k) const {
    if (static_cast<std::size_t>(k) >= f_.edges.size()) return false;
    const EdgeFigures& e = f_.edges[static_cast<std::size_t>(k)];
    if (edge_failing(e, th_)) return true;
    // An unhealthy callee is this caller's trouble only if the caller called it.
    const ServiceFigures* s = callee_service(k);
    return e.attempts > 0 && s && s->unhealthy;
  }
  double weight(int k) const {
    const ServiceFigures* s = callee_service(k);
    return f_.edges[static_cast<std::size_t>(k)].failures + (s ? s->failed : 0.0);
  }

  const CallGraph& g_;
  const GraphFigures& f_;
  const PropagationThresholds& th_;
  std::vector<std::vector<int>> out_;  // per agent: the edges it calls, in edge order
  std::vector<Best> memo_;
  std::vector<bool> done_;
};

}  // namespace

DependencyPath deepest_failing_dependency(const CallGraph& g, const GraphFigures& f, const std::string& service,
                                          const PropagationThresholds& th) {
  DependencyPath path;
  if (g.empty() || f.edges.size() < g.edges.size()) return path;
  std::vector<bool> start(g.agents.size(), false);
  if (service.empty()) {
    // The platform: where users' requests start, the agents no one calls.
    std::vector<bool> called(g.agents.size(), false);
    for (const CallGraph::Edge& e : g.edges) called[static_cast<std::size_t>(e.callee)] = true;
    for (std::size_t a = 0; a < g.agents.size(); ++a) start[a] = !called[a];
  } else {
    const int v = g.service_index(service);
    if (v < 0) return path;
    for (std::size_t a = 0; a < g.agents.size(); ++a) start[a] = g.agents[a].service == v;
  }
  Walk walk(g, f, th);
  Walk::Best best;
  for (std::size_t a = 0; a < g.agents.size(); ++a) {
    if (!start[a]) continue;
    const Walk::Best& b = walk.from(static_cast<int>(a));
    if (Walk::better(b, best)) best = b;
  }
  path.edges = std::move(best.edges);
  return path;
}

// [SECTION] Propagation chain

namespace {

std::string count_text(double v) { return format_number(v, 0); }

class Chain {
 public:
  Chain(const CallGraph& g, const GraphFigures& f, const PropagationThresholds& th) : g_(g), f_(f), th_(th) {}

  const std::vector<PropagationStep>& steps() const { return steps_; }
  const std::string& service_id(int v) const { return g_.services[static_cast<std::size_t>(v)]; }
  const std::string& agent_id(int a) const { return g_.agents[static_cast<std::size_t>(a)].id; }
  int service_of(int agent) const { return g_.agents[static_cast<std::size_t>(agent)].service; }
  const ServiceFigures& figures(int v) const {
    static const ServiceFigures none;
    const ServiceFigures* s = service_figures(f_, v);
    return s ? *s : none;
  }
  const EdgeFigures& edge(int k) const { return f_.edges[static_cast<std::size_t>(k)]; }

  // The reason most of the service's failures had, when its failures matter; -1 otherwise.
  int dominant_reason(int v) const {
    const ServiceFigures& s = figures(v);
    if (share_percent(s.failed, s.requests) < th_.failing_percent) return -1;
    int best = -1;
    for (std::size_t i = 0; i < s.failed_by_reason.size() && i < failure_reasons().size(); ++i)
      if (s.failed_by_reason[i] > 0 && (best < 0 || s.failed_by_reason[i] > s.failed_by_reason[static_cast<std::size_t>(best)]))
        best = static_cast<int>(i);
    return best;
  }
  bool slow(int v) const {
    const ServiceFigures& s = figures(v);
    return s.unhealthy && s.status_metric == "latency_p95_ms";
  }

  // A service's own failures, by its dominant reason.
  bool reason(int v) {
    const int r = dominant_reason(v);
    if (r < 0) return false;
    const ServiceFigures& s = figures(v);
    const FailureReason& fr = failure_reasons()[static_cast<std::size_t>(r)];
    std::string by;
    for (std::size_t i = 0; i < s.failed_by_reason.size() && i < failure_reasons().size(); ++i)
      if (s.failed_by_reason[i] > 0)
        by += (by.empty() ? "" : ", ") + count_text(s.failed_by_reason[i]) + " " + failure_reasons()[i].phrase;
    std::string evidence = count_text(s.failed) + " of " + count_text(s.requests) + " requests at " + service_id(v) +
                           " failed (" + format_number(share_percent(s.failed, s.requests), 1) + " %): " + by;
    if (s.queue_depth > 0) evidence += "; queue depth up to " + format_number(s.queue_depth, 1);
    push({service_id(v), "", fr.kind, "service." + service_id(v) + "." + fr.metric, s.failed_by_reason[static_cast<std::size_t>(r)],
          std::string(fr.phrase) + " at " + service_id(v), evidence});
    return true;
  }
  void slow_step(int v, const std::string& who) {
    const ServiceFigures& s = figures(v);
    push({service_id(v), who == service_id(v) ? "" : who, "slow", "service." + service_id(v) + ".latency_p95_ms",
          s.latency_p95_ms, who + " slow",
          "p95 at " + service_id(v) + " up to " + format_number(s.latency_p95_ms, 0) + " ms against a " +
              format_number(s.baseline_latency_p95_ms, 0) + " ms baseline"});
  }
  bool slots(int v, int caller) {
    const ServiceFigures& s = figures(v);
    if (s.slot_utilization_percent < th_.slots_exhausted_percent) return false;
    const std::string who = caller >= 0 ? agent_id(caller) + " slots exhausted" : "slots exhausted at " + service_id(v);
    push({service_id(v), caller >= 0 ? agent_id(caller) : "", "slots_exhausted", "service." + service_id(v) + ".slot_utilization",
          s.slot_utilization_percent, who,
          "slot_utilization of " + service_id(v) + " up to " + format_number(s.slot_utilization_percent, 1) +
              " % (slots held, working or waiting for calls)"});
    return true;
  }
  // The edge as its caller saw it. `deepest` and `callee_named`: on the deepest edge, whose
  // callee's own failures were (or were not) named already.
  void edge_link(int k, bool deepest, bool callee_named) {
    const CallGraph::Edge& ge = g_.edges[static_cast<std::size_t>(k)];
    const EdgeFigures& e = edge(k);
    const std::string& caller = agent_id(ge.caller);
    const std::string& callee = agent_id(ge.callee);
    const std::string& where = service_id(service_of(ge.callee));
    const std::string series = "call." + caller + "." + callee + ".";
    const std::string attempts = " of " + count_text(e.attempts) + " attempts from " + caller;
    const std::string retries = e.retries > 0 ? ", " + count_text(e.retries) + " of them retries" : "";
    if (e.attempts > 0 && share_percent(e.timeouts, e.attempts) >= th_.failing_percent) {
      push({where, callee, "timeouts", series + "timeouts", e.timeouts, callee + " timeouts",
            count_text(e.timeouts) + attempts + " timed out" + retries});
    } else if (e.circuit_open_percent > 0) {
      push({where, callee, "circuit_open", series + "circuit_open_percent", e.circuit_open_percent, callee + " circuit open",
            "the circuit breaker on calls from " + caller + " was open up to " + format_number(e.circuit_open_percent, 1) +
                " % of an interval"});
    } else if (deepest && !callee_named && e.attempts > 0 && share_percent(e.failures, e.attempts) >= th_.failing_percent) {
      push({where, callee, "errors", series + "failures", e.failures, callee + " errors",
            count_text(e.failures) + attempts + " failed" + retries});
    }
  }

 private:
  void push(PropagationStep s) {
    for (const PropagationStep& t : steps_)
      if (t.kind == s.kind && t.service == s.service && t.agent == s.agent) return;  // a service met twice on the path
    steps_.push_back(std::move(s));
  }

  const CallGraph& g_;
  const GraphFigures& f_;
  const PropagationThresholds& th_;
  std::vector<PropagationStep> steps_;
};

}  // namespace

std::vector<PropagationStep> propagation_chain(const CallGraph& g, const GraphFigures& f, const DependencyPath& path,
                                               const std::string& service, const PropagationThresholds& th) {
  if (g.services.empty() || f.services.size() < g.services.size() || f.edges.size() < g.edges.size()) return {};
  Chain c(g, f, th);
  if (path.empty()) {
    // No failing dependency: the service's own failure reached its users directly.
    const int v = g.service_index(service);
    if (v < 0) return {};
    const bool saturated = c.slots(v, -1);
    if (!c.reason(v) && !saturated && c.slow(v)) c.slow_step(v, service);
    return c.steps();
  }
  // The deepest dependency: its own failures, or its slowness when no timeout shows it.
  const int last = path.edges.back();
  const CallGraph::Edge& deepest = g.edges[static_cast<std::size_t>(last)];
  const int callee_service = c.service_of(deepest.callee);
  const EdgeFigures& e = c.edge(last);
  const bool named = c.reason(callee_service);
  if (!named && c.slow(callee_service) && share_percent(e.timeouts, e.attempts) < th.failing_percent)
    c.slow_step(callee_service, c.agent_id(deepest.callee));
  c.edge_link(last, true, named);
  // Up the path: each caller's service, then the edge into that caller from above.
  for (std::size_t j = path.edges.size(); j-- > 0;) {
    const int caller = g.edges[static_cast<std::size_t>(path.edges[j])].caller;
    const int v = c.service_of(caller);
    const bool saturated = c.slots(v, caller);
    const bool failed = c.reason(v);
    if (j > 0) c.edge_link(path.edges[j - 1], false, true);
    else if (!saturated && !failed && c.slow(v)) c.slow_step(v, c.service_id(v));
  }
  return c.steps();
}

std::string chain_text(const std::vector<PropagationStep>& steps) {
  std::string s;
  for (const PropagationStep& p : steps) s += (s.empty() ? "" : " -> ") + p.text;
  return s;
}

}  // namespace opsim::sre
