// How a failure travels along the call graph (issue 15): the deepest failing dependency of
// a service, which is an incident's primary cause, and the chain by which the failure
// reached that service's users ("retriever timeouts -> support slots exhausted -> queue
// full at agents"), each link read from measured figures. A pure library like
// sre/incidents.h: the simulation hands it the call graph once and the figures of each
// scrape interval; nothing here knows a scenario by name.
//
// [SECTION] Index
//   CallGraph                    services, agents and the call edges between agents
//   Failure reasons              the one table of requests_failed_<reason> counters and their phrases
//   Figures                      one service's and one edge's figures over a span of scrape intervals
//   Deepest failing dependency   the walk down the call edges
//   Propagation chain            the links, deepest first
//
// [SECTION] Rules
// - An edge is *failing* over a span when its failed attempts (timeouts included) are at
//   least `failing_percent` of its attempts, or its circuit breaker was open. A dependency
//   (the callee of an edge) is failing when its edge is, or its service's status left
//   healthy (sre/incidents.h assess_status: availability, users affected, p95 above its
//   baseline).
// - The walk starts at the agents of the incident's service (for the platform, "": at the
//   agents no one calls) and follows failing edges only, so every hop of the path carried
//   the failure. The deepest failing dependency ends the longest such path; among paths of
//   one length, the one whose last edge and callee failed most (failed attempts plus the
//   callee service's failed requests), then the first in edge order. The graph is acyclic
//   (the loader refuses cycles), so a walk memoised per agent is linear in the edges.
// - The chain reads from the deepest dependency up to the incident's service:
//     at the deepest callee: its own failures (the dominant reason, when failed requests
//       reach `failing_percent` of its requests), or "<callee> slow" when its p95 was what
//       made it unhealthy and the caller saw no timeouts;
//     on each edge, as its caller saw it: "<callee> timeouts" (timeouts reach
//       `failing_percent` of attempts), else "<callee> circuit open" (its breaker was
//       open), else, on the deepest edge when the callee named no reason of its own,
//       "<callee> errors";
//     at each caller's service: "<caller> slots exhausted" (slot_utilization at least
//       `slots_exhausted_percent` in an interval: callers waiting on calls hold them), then
//       its dominant failure reason ("queue full at agents", "dependency failures at
//       gateway");
//     at the incident's own service, when none of these holds and its p95 was what made it
//       unhealthy: "<service> slow".
//   Each link carries the series it was read from, its value and a sentence of evidence.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace opsim::sre {

// [SECTION] CallGraph

struct CallGraph {
  struct Agent {
    std::string id;
    int service = -1;
  };
  struct Edge {
    int caller = -1, callee = -1;  // agent indices
  };
  std::vector<std::string> services;  // ids, by service index
  std::vector<Agent> agents;          // by agent index
  std::vector<Edge> edges;            // call_edges() order: the registry's call.<caller>.<callee> scopes

  bool empty() const { return edges.empty(); }
  int service_index(const std::string& id) const;  // -1 if unknown
  int caller_service(int edge) const { return agents[static_cast<std::size_t>(edges[static_cast<std::size_t>(edge)].caller)].service; }
  int callee_service(int edge) const { return agents[static_cast<std::size_t>(edges[static_cast<std::size_t>(edge)].callee)].service; }
  // Services whose agents an agent of `service` reaches through calls, directly or not
  // (itself excluded unless a path comes back to it), ascending.
  std::vector<int> dependencies_of(int service) const;
  // Services whose agents reach, through calls, directly or not, an agent of `service`
  // (only agent `agent` when >= 0): the callers a failure there can reach. Ascending.
  std::vector<int> callers_of(int service, int agent = -1) const;
};
// The scenario's graph (empty edges without calls).
CallGraph call_graph(const Scenario& s);

// [SECTION] Failure reasons

// One row per counter of failed requests by reason. Adding a reason (throttled, shed) is
// one row here, naming its counter as the metric catalogue spells it; the simulation reads
// each service's counters from these names.
struct FailureReason {
  const char* metric;  // the service-scoped counter, "requests_failed_queue_full"
  const char* kind;    // the chain link's kind, "queue_full"
  const char* phrase;  // how it reads at a service: "queue full" -> "queue full at agents"
};
const std::vector<FailureReason>& failure_reasons();

// [SECTION] Figures

// One service over a span of scrape intervals: counts are summed, levels are the highest
// interval's.
struct ServiceFigures {
  double requests = 0;  // ended: succeeded + failed (a service counts every attempt it serves)
  double failed = 0;
  std::vector<double> failed_by_reason;  // parallel to failure_reasons(); empty = none
  double slot_utilization_percent = 0;   // slots held, working or waiting for calls
  double queue_depth = 0;                // time-averaged
  // The interval whose p95 stood furthest above its baseline.
  double latency_p95_ms = 0, baseline_latency_p95_ms = 0;
  // Its status left healthy in the span; the signal that did it first.
  bool unhealthy = false;
  std::string status_metric, status_reason;

  void add(const ServiceFigures& interval);
};

// One call edge (call.<caller>.<callee>.*) over a span.
struct EdgeFigures {
  double attempts = 0, retries = 0, timeouts = 0;
  double failures = 0;  // failed attempts, timeouts included
  double circuit_open_percent = 0;  // the highest interval's share of time its breakers were open
  double latency_p95_ms = 0;        // the highest interval's, of its successful calls

  void add(const EdgeFigures& interval);
};

struct GraphFigures {
  std::vector<ServiceFigures> services;  // by service index
  std::vector<EdgeFigures> edges;        // by edge index
  bool empty() const { return services.empty() && edges.empty(); }
  void add(const GraphFigures& interval);  // an empty one takes the interval's shape
};

struct PropagationThresholds {
  double failing_percent = 1;           // of an edge's attempts, or of a service's requests
  double slots_exhausted_percent = 95;  // slot_utilization in an interval
};

// [SECTION] Deepest failing dependency

// The call edges from a service down to its deepest failing dependency; empty: no
// dependency was failing.
struct DependencyPath {
  std::vector<int> edges;  // edges[0] leaves an agent of the service; edges.back() reaches the cause
  bool empty() const { return edges.empty(); }
};

bool edge_failing(const EdgeFigures& e, const PropagationThresholds& th);
DependencyPath deepest_failing_dependency(const CallGraph& g, const GraphFigures& f, const std::string& service,
                                          const PropagationThresholds& th = {});

// [SECTION] Propagation chain

struct PropagationStep {
  std::string service;  // where it was seen
  std::string agent;    // the agent it concerns; "" = the service as a whole
  std::string kind;     // slow | timeouts | circuit_open | errors | slots_exhausted | a FailureReason kind
  std::string metric;   // the series that shows it: "call.support.retriever.timeouts"
  double value = 0;     // that series over the span: a count, or the highest interval's level
  std::string text;     // the link: "retriever timeouts"
  std::string evidence; // the figures behind it
};

// The links from the deepest dependency on `path` up to `service` (with an empty path:
// `service`'s own). Empty when the figures show nothing that the rules name.
std::vector<PropagationStep> propagation_chain(const CallGraph& g, const GraphFigures& f, const DependencyPath& path,
                                               const std::string& service, const PropagationThresholds& th = {});
// "a -> b -> c" (ASCII, like the rest of opsim's text); "" for no steps.
std::string chain_text(const std::vector<PropagationStep>& steps);

}  // namespace opsim::sre
