// Incident management (seed 004 part 2, SiteReliabilityManager): incidents opened from
// alerts, severity classification, response plans, a timeline, resolution when the signal
// recovers, MTTR / MTTD and postmortem drafts. A pure library like sre/slo.h: it reads no
// clock and knows nothing about the simulation, which feeds it alerts, faults, events and
// one set of service signals per scrape. Everything it reports is computed from those
// inputs; only the response-plan tables are policy constants.
//
// [SECTION] Index
//   Severity, ServiceStatus, thresholds  what classifies an interval of service signals
//   Response plans                       the per-severity policy tables
//   Inputs                               AlertInfo, ServiceSignals, FaultRecord
//   Incident, Postmortem                 the outputs
//   IncidentManager                      the state machine
//
// [SECTION] Lifecycle
// - Opening (= detection; detected_at == opened_at): a firing alert whose severity is in
//   IncidentsSpec::open_on opens an incident for its service (an unscoped alert: for the
//   platform, service "") unless one is open for that service, which it then joins
//   (de-duplication). Every alert transition of a service with an open incident, whatever
//   its severity, goes on that incident's timeline. A data_loss or security fault opens
//   an incident by itself (no alert rule watches for them; the seed makes either sev1).
//   Ids are "INC-0001", "INC-0002", ... in opening order.
// - Severity: the most severe rule that holds (see classify()), from the service's latest
//   signals at opening, then re-checked at every evaluate(): it is raised when impact
//   grows (a `severity_changed` transition and a timeline entry), never lowered.
// - Resolution: an incident's signal is healthy at an evaluation when no alert of its
//   service with an open_on severity is firing, the service's status is `healthy`, and no
//   data_loss / security fault that flagged it is still active. evaluate(now) looks at the
//   interval (previous evaluation, now]; the healthy streak starts at that interval's start
//   or at the time the service's last such alert resolved, whichever is later. The
//   incident resolves at the first evaluation with now - streak start >= resolve_after
//   (resolved_at = now; recovered_at = the streak start). An unhealthy evaluation or a
//   new firing alert breaks the streak (a `relapse` timeline entry); it starts again.
//   The call order within one scrape does not change when an incident resolves; call
//   evaluate() before the scrape's alerts so that an incident opens classified by the
//   interval that fired it.
// - Root cause: the fault relevant to the incident's service (same service, or
//   platform-wide: a fault without a service, such as provider_outage or traffic_spike;
//   any fault for a platform incident) that started at or before detection and was still
//   active then or ended at most cause_lookback before (windowed alerts lag the signal);
//   a same-service fault wins over a platform-wide one, then the latest start. None:
//   "unknown". The simulation fills `service` of an agent-scoped fault with the agent's
//   service if it wants the fault tied to that service.
//   With calls (set_call_graph), the cause is searched along the call graph first
//   (sre/propagation.h): the deepest failing dependency of the incident's service at
//   detection, read from the detection interval's figures; a fault on it wins, then one on
//   each service up the path to the incident's own, then one on any other dependency,
//   then a platform-wide one. With no fault, the failing dependency itself is the cause,
//   described by what failed (`cause_failure`). A fault on a dependency also goes on the
//   timelines of its callers' open incidents.
// - MTTD of an incident = detected_at - the root-cause fault's start (only with a cause).
// - Propagation (with calls): the postmortem's chain from the deepest failing dependency
//   found at detection up to the incident's service, read from the figures summed over the
//   incident's evaluated intervals (the detection interval included), as for its impact.
//
// [SECTION] Metrics
//   incidents_total, incidents_sev1..4  by each incident's current (final) severity
//   mttr_minutes  "mean time to resolve": mean of resolved_at - opened_at over resolved
//                 incidents, opening being detection (resolve_after is part of it; NaN
//                 when none resolved). Incidents still open are left out.
//   mttd_minutes  mean time to detect over incidents with a root-cause fault (NaN: none).
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sim_time.h"
#include "monitoring/alert_rules.h"
#include "scenario/scenario.h"
#include "sre/propagation.h"

namespace opsim::sre {

struct BurnRateTransition;

// [SECTION] Severity, ServiceStatus, thresholds

enum class Severity { sev1 = 1, sev2 = 2, sev3 = 3, sev4 = 4 };  // sev1 is the worst
const char* severity_name(Severity s);  // "sev1" .. "sev4"
bool parse_severity(std::string_view text, Severity& out);
inline bool more_severe(Severity a, Severity b) { return static_cast<int>(a) < static_cast<int>(b); }

enum class ServiceStatus { healthy, degraded, partial_outage, major_outage };
const char* service_status_name(ServiceStatus s);  // "healthy", "degraded", ...

const char* fault_type_name(FaultType t);  // the scenario's spelling, "instance_crash", ...

struct IncidentThresholds {
  // Classification (the seed's rules).
  double unavailable_below_percent = 5;  // availability below this, with requests: unavailable
  double users_sev1_percent = 50, users_sev2_percent = 10, users_sev3_percent = 1;
  double latency_sev2_percent = 50, latency_sev3_percent = 20;  // p95 above the baseline
  // Status (ours): major_outage = unavailable or users > sev1 %; partial_outage =
  // availability below partial_outage_below_percent or users > sev2 %; degraded = error
  // rate above degraded_error_rate_percent, users > sev3 % or p95 > sev3 % above the
  // baseline; otherwise healthy. So "healthy" is exactly "would classify as sev4".
  double partial_outage_below_percent = 90;
  double degraded_error_rate_percent = 1;
  // Root cause and postmortem judgement.
  SimDuration cause_lookback = 15 * kMicrosPerMinute;
  SimDuration slow_detection = 5 * kMicrosPerMinute;  // detection later than this is slow
  SimDuration mttr_target = 30 * kMicrosPerMinute;    // the seed's mttr_target_minutes
  double budget_alarm_percent = 10;  // an incident burning more of an SLO budget is called out
  PropagationThresholds propagation;  // the call graph's: what counts as failing, slots exhausted
};

// [SECTION] Inputs

struct AlertInfo {
  std::string rule, severity;
  AlertState state = AlertState::firing;  // firing or resolved (others are ignored)
  std::string service;  // empty = not scoped to a service: the platform
  std::string tenant, metric;
  double value = std::numeric_limits<double>::quiet_NaN();
  std::string reason;
};
AlertInfo alert_info(const AlertTransition& t);
AlertInfo alert_info(const BurnRateTransition& t, const std::string& slo_service);

// One scrape interval (previous scrape, now] of one service, as the simulation measured it.
struct ServiceSignals {
  std::string service;  // "" = the platform as a whole; aggregated from the others if absent
  double availability_percent = 100;  // succeeded / (succeeded + failed); 100 without requests
  double error_rate_percent = 0;
  double latency_p95_ms = 0;  // successful requests; 0 = none
  // What "normal" is for this service: we expect the median of the p95s of the intervals
  // in which the service was healthy (or the p95 measured before any fault). 0 = no
  // baseline: the performance rule is off.
  double baseline_latency_p95_ms = 0;
  std::uint64_t users_total = 0;     // distinct users with requests in the interval
  std::uint64_t users_affected = 0;  // of these, users who saw at least one failure
  std::uint64_t requests = 0;        // succeeded + failed in the interval
  bool at_max_instances = false;          // the service stood at its instances.max
  bool scaling_cooldown_blocked = false;  // a scaling policy wanted to act but its cooldown held it
  // Percent of the service's SLO error budget consumed in this interval; NaN = not given.
  double budget_burned_percent = std::numeric_limits<double>::quiet_NaN();
};

struct Classification {
  Severity severity = Severity::sev4;
  std::string rule;    // service_unavailable | users_affected | data_loss | security | performance | none
  std::string reason;  // one sentence with the numbers
};
// The seed's rules; unlike the seed (whose early return at "> 1 % of users" hides data
// loss), the most severe rule that holds wins; ties go to the seed's order.
Classification classify(const ServiceSignals& s, bool data_loss, bool security, const IncidentThresholds& th = {});
// classify()'s severity alone (without writing its reason).
Severity classified_severity(const ServiceSignals& s, bool data_loss, bool security, const IncidentThresholds& th = {});

struct StatusAssessment {
  ServiceStatus status = ServiceStatus::healthy;
  std::string metric;  // the signal that set it: availability_percent, users_affected_percent, ...
  std::string reason;
};
StatusAssessment assess_status(const ServiceSignals& s, const IncidentThresholds& th = {});

struct FaultRecord {
  FaultSpec spec;
  SimTime started_at = 0, ended_at = -1;  // -1: still active
  // Not empty: a change (a deployment) rather than a fault; only spec.service is set. A
  // release stays "active" until it is rolled back.
  std::string change;
  bool active_at(SimTime t) const { return started_at <= t && (ended_at < 0 || ended_at > t); }
};
std::string describe_fault(const FaultSpec& f);  // "instance_crash on agents-eu (50 % of instances)"
std::string describe_record(const FaultRecord& r);  // the change's description, or describe_fault

// [SECTION] Response plans (policy tables, after the seed's)

struct Notice {
  std::string audience;  // internal, customers, executives, status_page
  SimDuration within = 0;  // after the incident reached this severity; 0 = at once
  std::string condition;   // empty = always
};
struct EscalationStep {
  SimDuration after = 0;
  std::string role;
};
struct ResponsePlan {
  std::vector<std::string> immediate_actions;
  std::vector<Notice> communication;
  std::vector<EscalationStep> escalation;
  std::vector<std::string> recovery_procedures;
  bool escalation_required = false;  // sev1 and sev2
};
const ResponsePlan& response_plan(Severity s);

// [SECTION] Incident, Postmortem

struct TimelineEntry {
  SimTime t = 0;
  std::string kind;  // opened, alert_firing, alert_resolved, fault_started, fault_ended,
                     // severity_changed, healthy, relapse, resolved, or an on_event kind
  std::string text;
};

struct SeverityChange {
  SimTime t = 0;
  Severity severity = Severity::sev4;
  std::string reason;
};

struct ContributingFactor {
  std::string kind;  // at_max_instances | scaling_cooldown_blocked
  std::string service;
  SimTime first_seen = 0;
  int intervals = 0;
  SimDuration duration = 0;  // the summed length of those intervals
};

struct Incident {
  std::string id, title;
  std::string service;  // "" = the platform
  std::string opened_by;  // the rule of the alert (or the fault) that opened it
  Severity severity = Severity::sev4;
  std::vector<SeverityChange> severity_history;  // the first entry is the opening classification
  SimTime opened_at = 0, detected_at = 0;
  SimTime recovered_at = -1, resolved_at = -1;  // -1 while open
  SimTime signal_recovered_at = -1;  // when its status last became healthy (firing alerts may still hold it open)
  SimTime impact_started_at = -1;  // when its status last left healthy before detection (-1: was healthy)
  std::string impact_metric;       // the signal that showed that impact first
  int cause_fault = -1;            // index into IncidentManager::faults(); -1 = unknown
  // With calls: the edges from its service down to the deepest failing dependency at
  // detection (empty: none failing), that dependency's service, and, when no fault explains
  // it, how it failed ("retriever timeouts (...)").
  std::vector<int> dependency_path;
  std::string cause_service, cause_failure;
  SimDuration mttd = -1;           // -1 without a cause
  bool data_loss = false, security = false;
  ServiceStatus worst_status = ServiceStatus::healthy;
  // Impact, summed over the evaluated intervals while open (the detection interval included).
  double failed_requests = 0;  // sum of requests x (100 - availability) / 100
  std::uint64_t peak_users_affected = 0;
  double peak_users_affected_percent = 0;
  double worst_availability_percent = 100;
  double peak_latency_p95_ms = 0;
  double budget_burned_percent = std::numeric_limits<double>::quiet_NaN();  // NaN: never given
  std::vector<std::string> services_impacted;  // with a non-healthy status while open
  std::vector<ContributingFactor> factors;
  int capacity_events = 0;      // scale_out / scale_up events while open
  SimTime first_capacity_at = -1;
  int rollbacks = 0;            // rollback events while open
  std::vector<TimelineEntry> timeline;

  bool open() const { return resolved_at < 0; }
  SimTime severity_since() const { return severity_history.empty() ? opened_at : severity_history.back().t; }
  SimDuration time_to_resolve() const { return open() ? -1 : resolved_at - opened_at; }
};

struct ActionItem {
  std::string priority;  // P1 (do now), P2 (this cycle), P3 (backlog)
  std::string title;
  std::string because;  // the observation it comes from
};

struct Postmortem {
  std::string incident_id, title, service;
  Severity severity = Severity::sev4;
  SimTime written_at = 0;  // the resolution time
  SimDuration duration = 0;
  std::string summary;
  double failed_requests = 0;
  std::uint64_t peak_users_affected = 0;
  double peak_users_affected_percent = 0;
  double budget_burned_percent = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::string> services;
  std::vector<TimelineEntry> timeline;
  std::string primary_cause;  // describe_fault(...), a failing dependency, or "unknown"
  // With calls (and only then in its JSON): how the failure reached users, deepest first.
  bool propagation_measured = false;
  std::vector<PropagationStep> propagation;
  std::vector<std::string> contributing_factors;
  std::string detection;  // how and how fast it was detected
  std::vector<std::string> went_well, went_poorly;
  std::vector<ActionItem> action_items;  // P1 first, then P2, P3
};

// What evaluate() / on_alert() / on_fault() changed, for the caller's log:
// incident_opened, incident_severity_changed, incident_resolved, postmortem.
struct IncidentTransition {
  enum class Kind { opened, severity_changed, resolved, postmortem };
  Kind kind = Kind::opened;
  SimTime t = 0;
  std::size_t incident = 0;  // index into IncidentManager::incidents()
  std::string id;
  Severity severity = Severity::sev4, previous = Severity::sev4;

  EventKind event_kind() const;
  // id, severity, plus previous (severity_changed), service and title (opened),
  // minutes_to_resolve (resolved).
  EventFields fields(const Incident& inc) const;
};

// [SECTION] IncidentManager

class IncidentManager {
 public:
  explicit IncidentManager(const IncidentsSpec& spec, IncidentThresholds thresholds = {});

  // Inputs. Times must not decrease across calls.
  std::vector<IncidentTransition> on_alert(SimTime t, const AlertInfo& alert);
  // At a fault's start and end (data_loss and security included: they have no other
  // effect in the simulation, but they open and flag incidents). An end is matched to the
  // latest started, unended record of the same fault.
  std::vector<IncidentTransition> on_fault(SimTime t, const FaultSpec& fault, bool started);
  // Appended to the timelines of open incidents of `service` and of the platform ("":
  // every open incident). Kinds scale_out / scale_up count as capacity added, rollback as
  // a rollback, for the postmortem.
  void on_event(SimTime t, const std::string& service, const std::string& kind, const std::string& text);
  // A change to a service (a deployment) that may cause incidents like a fault: a candidate
  // root cause from `t` until end_change. Returns its record's index.
  int on_change(SimTime t, const std::string& service, const std::string& description);
  void end_change(SimTime t, int record);
  // At each scrape, with one entry per service for the interval (previous call, now]; the
  // first interval starts at 0. A service left out keeps its last status; a platform entry
  // (service "") is aggregated from the others when not given.
  // `graph`: the interval's call-graph figures (with calls; see set_call_graph), whose
  // status fields evaluate() fills from the signals.
  std::vector<IncidentTransition> evaluate(SimTime now, const std::vector<ServiceSignals>& signals,
                                           const GraphFigures* graph = nullptr);
  // The call graph (once, before the first evaluation; without one, nothing above differs).
  void set_call_graph(CallGraph g) { graph_ = std::move(g); }
  const CallGraph& call_graph() const { return graph_; }

  // Outputs.
  const std::vector<Incident>& incidents() const { return incidents_; }
  const std::vector<Postmortem>& postmortems() const { return postmortems_; }
  const std::vector<FaultRecord>& faults() const { return faults_; }
  std::string root_cause(const Incident& inc) const;  // describe_fault(...), cause_failure or "unknown"
  ServiceStatus service_status(const std::string& service) const;  // healthy if never seen
  const std::map<std::string, StatusAssessment>& service_statuses() const { return status_; }
  int open_count() const;

  std::uint64_t incidents_total() const { return incidents_.size(); }
  std::uint64_t incidents_with_severity(Severity s) const;
  double mttr_minutes() const;
  double mttd_minutes() const;

  // JSON. incident_json: one incident with its plan (notice and escalation times are
  // absolute, from when it reached its severity; `reached` says whether it lasted that
  // long, up to `now` while open). report_json: {"metrics":{...},"service_status":{...},
  // "incidents":[...],"postmortems":[...]}.
  std::string incident_json(const Incident& inc, SimTime now) const;
  static std::string postmortem_json(const Postmortem& pm);
  std::string report_json(SimTime now) const;

  const IncidentsSpec& spec() const { return spec_; }
  const IncidentThresholds& thresholds() const { return th_; }

 private:
  struct Tracking {
    SimTime healthy_since = -1;  // start of the current healthy streak, -1: none
    SimTime status_healthy_since = -1;  // start of the current run of healthy status (alerts aside)
    std::vector<int> flag_faults;  // data_loss / security faults that flagged it
    GraphFigures figures;          // with calls: summed over its evaluated intervals
  };
  bool opens(const std::string& alert_severity) const;
  bool postmortem_for(Severity s) const;
  std::size_t open_incident(SimTime t, const std::string& service, const std::string& title, const std::string& opened_by,
                            std::vector<IncidentTransition>& out);
  int find_open(const std::string& service) const;
  void add_timeline(Incident& inc, SimTime t, const std::string& kind, const std::string& text);
  // Raises incident i to the severity its signals now give, when that is more severe.
  void raise_severity(std::size_t i, SimTime t, const ServiceSignals& s, std::vector<IncidentTransition>& out);
  void flag(std::size_t i, SimTime t, int fault_index, std::vector<IncidentTransition>& out);
  int find_cause(const std::string& service, SimTime detected, bool specific_only = false) const;
  void find_dependency_cause(Incident& inc) const;
  bool explains(const FaultSpec& f, const std::string& service) const;  // relevant, or on a dependency
  const ServiceSignals* signals_for(const std::string& service) const;
  void account(std::size_t i, SimTime interval_start, SimTime now, const std::vector<ServiceSignals>& signals);
  void resolve(std::size_t i, SimTime now, std::vector<IncidentTransition>& out);
  Postmortem write_postmortem(const Incident& inc, const GraphFigures& figures) const;

  IncidentsSpec spec_;
  IncidentThresholds th_;
  std::vector<Incident> incidents_;
  std::vector<Tracking> tracking_;  // parallel to incidents_
  std::vector<Postmortem> postmortems_;
  std::vector<FaultRecord> faults_;
  // Alerts with an open_on severity that are firing, by service; and when the last of a
  // service's such alerts resolved.
  std::map<std::string, std::map<std::string, SimTime>> firing_;
  std::map<std::string, SimTime> alerts_clear_at_;
  // The latest evaluation: signals by service ("" included, aggregated if not given),
  // statuses, and when each unhealthy service's status left healthy, with how it looked then.
  std::vector<ServiceSignals> last_signals_;
  CallGraph graph_;
  GraphFigures last_graph_;  // the latest interval's, with calls
  SimTime last_eval_ = -1, last_interval_start_ = -1;
  std::map<std::string, StatusAssessment> status_;
  struct ImpactStart {
    SimTime t = 0;
    StatusAssessment first;
  };
  std::map<std::string, ImpactStart> unhealthy_since_;
};

}  // namespace opsim::sre
