#include "sre/incidents.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "scaling/decision.h"  // format_number, the one number formatter for sentences
#include "sre/slo.h"

namespace opsim::sre {

using scaling::format_number;

// [SECTION] Names

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::sev1: return "sev1";
    case Severity::sev2: return "sev2";
    case Severity::sev3: return "sev3";
    case Severity::sev4: return "sev4";
  }
  return "sev4";
}

bool parse_severity(std::string_view text, Severity& out) {
  for (Severity s : {Severity::sev1, Severity::sev2, Severity::sev3, Severity::sev4})
    if (text == severity_name(s)) {
      out = s;
      return true;
    }
  return false;
}

const char* service_status_name(ServiceStatus s) {
  switch (s) {
    case ServiceStatus::healthy: return "healthy";
    case ServiceStatus::degraded: return "degraded";
    case ServiceStatus::partial_outage: return "partial_outage";
    case ServiceStatus::major_outage: return "major_outage";
  }
  return "healthy";
}

const char* fault_type_name(FaultType t) {
  switch (t) {
    case FaultType::instance_crash: return "instance_crash";
    case FaultType::latency: return "latency";
    case FaultType::errors: return "errors";
    case FaultType::provider_outage: return "provider_outage";
    case FaultType::traffic_spike: return "traffic_spike";
    case FaultType::capacity_loss: return "capacity_loss";
    case FaultType::data_loss: return "data_loss";
    case FaultType::security: return "security";
  }
  return "instance_crash";
}

namespace {

std::string times(int n, const char* noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }
std::string pct(double v) { return format_number(v, 1) + " %"; }
std::string dur(SimDuration d) { return format_duration(std::max<SimDuration>(0, d)); }
std::string scope_name(const std::string& service) { return service.empty() ? "the platform" : service; }
double users_percent(const ServiceSignals& s) {
  return s.users_total == 0 ? 0.0 : 100.0 * static_cast<double>(s.users_affected) / static_cast<double>(s.users_total);
}
bool unavailable(const ServiceSignals& s, const IncidentThresholds& th) {
  return s.requests > 0 && s.availability_percent < th.unavailable_below_percent;
}
// How far p95 stands above its baseline, in percent (0 without a baseline or latency).
double latency_degradation_percent(const ServiceSignals& s) {
  if (s.baseline_latency_p95_ms <= 0 || s.latency_p95_ms <= 0) return 0;
  return 100.0 * (s.latency_p95_ms - s.baseline_latency_p95_ms) / s.baseline_latency_p95_ms;
}
bool is_flag_fault(FaultType t) { return t == FaultType::data_loss || t == FaultType::security; }
// Whether a fault can explain (or flag) an incident of `service`.
bool relevant(const FaultSpec& f, const std::string& service) {
  return service.empty() || f.service.empty() || f.service == service;
}
bool same_fault(const FaultSpec& a, const FaultSpec& b) {
  return a.type == b.type && a.at == b.at && a.service == b.service && a.agent == b.agent && a.tenant == b.tenant &&
         a.provider == b.provider;
}
std::string incident_id(std::size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "INC-%04zu", n);
  return buf;
}

}  // namespace

std::string describe_record(const FaultRecord& r) { return r.change.empty() ? describe_fault(r.spec) : r.change; }

std::string describe_fault(const FaultSpec& f) {
  std::string where;
  if (!f.service.empty()) where = " on " + f.service;
  else if (!f.agent.empty()) where = " on agent " + f.agent;
  if (!f.tenant.empty() && f.type != FaultType::traffic_spike) where += " (tenant " + f.tenant + ")";
  std::string s = fault_type_name(f.type);
  switch (f.type) {
    case FaultType::instance_crash:
      return s + where + (f.count > 0 ? " (" + std::to_string(f.count) + " instances)" : " (" + pct(100 * f.fraction) + " of instances)");
    case FaultType::latency: return s + where + " (+" + dur(f.add) + ")";
    case FaultType::errors: return s + where + " (" + pct(f.error_percent) + " of requests fail)";
    case FaultType::provider_outage: return s + " of context provider " + f.provider;
    case FaultType::traffic_spike: return s + " from tenant " + f.tenant + " (x" + format_number(f.multiplier, 2) + ")";
    case FaultType::capacity_loss: return s + where + " (" + pct(f.concurrency_percent) + " of concurrency)";
    case FaultType::data_loss:
    case FaultType::security: return s + where;
  }
  return s;
}

// [SECTION] Classification and status

namespace {

// classify()'s choice without its sentence: which rule holds, and the threshold it passed.
// Open incidents are classified at every evaluation and almost never change severity, so
// the sentence is written only for the choice that is kept.
struct Decision {
  enum class Rule { none, service_unavailable, users_affected, data_loss, security, performance };
  Severity severity = Severity::sev4;
  Rule rule = Rule::none;
  double limit_percent = 0;  // the users' or latency threshold passed
};

Decision decide(const ServiceSignals& s, bool data_loss, bool security, const IncidentThresholds& th) {
  Decision best;
  auto consider = [&](Severity sev, Decision::Rule rule, double limit_percent) {
    if (more_severe(sev, best.severity)) best = Decision{sev, rule, limit_percent};
  };
  if (unavailable(s, th)) consider(Severity::sev1, Decision::Rule::service_unavailable, th.unavailable_below_percent);
  const double up = users_percent(s);
  if (up > th.users_sev1_percent) consider(Severity::sev1, Decision::Rule::users_affected, th.users_sev1_percent);
  else if (up > th.users_sev2_percent) consider(Severity::sev2, Decision::Rule::users_affected, th.users_sev2_percent);
  else if (up > th.users_sev3_percent) consider(Severity::sev3, Decision::Rule::users_affected, th.users_sev3_percent);
  if (data_loss) consider(Severity::sev1, Decision::Rule::data_loss, 0);
  if (security) consider(Severity::sev1, Decision::Rule::security, 0);
  const double deg = latency_degradation_percent(s);
  if (deg > th.latency_sev2_percent) consider(Severity::sev2, Decision::Rule::performance, th.latency_sev2_percent);
  else if (deg > th.latency_sev3_percent) consider(Severity::sev3, Decision::Rule::performance, th.latency_sev3_percent);
  return best;
}

}  // namespace

Classification classify(const ServiceSignals& s, bool data_loss, bool security, const IncidentThresholds& th) {
  const Decision d = decide(s, data_loss, security, th);
  switch (d.rule) {
    case Decision::Rule::none: return {d.severity, "none", "no user impact measured"};
    case Decision::Rule::service_unavailable:
      return {d.severity, "service_unavailable",
              "service unavailable: availability " + pct(s.availability_percent) + " < " + pct(d.limit_percent) + " over " +
                  std::to_string(s.requests) + " requests"};
    case Decision::Rule::users_affected:
      return {d.severity, "users_affected",
              pct(users_percent(s)) + " of users affected (" + std::to_string(s.users_affected) + " of " +
                  std::to_string(s.users_total) + ") > " + pct(d.limit_percent)};
    case Decision::Rule::data_loss: return {d.severity, "data_loss", "data loss reported"};
    case Decision::Rule::security: return {d.severity, "security", "security incident reported"};
    case Decision::Rule::performance:
      return {d.severity, "performance",
              "p95 " + format_number(s.latency_p95_ms, 0) + " ms is " + pct(latency_degradation_percent(s)) +
                  " above the " + format_number(s.baseline_latency_p95_ms, 0) + " ms baseline (> " +
                  pct(d.limit_percent) + ")"};
  }
  return {};
}

Severity classified_severity(const ServiceSignals& s, bool data_loss, bool security, const IncidentThresholds& th) {
  return decide(s, data_loss, security, th).severity;
}

StatusAssessment assess_status(const ServiceSignals& s, const IncidentThresholds& th) {
  const double up = users_percent(s);
  if (unavailable(s, th))
    return {ServiceStatus::major_outage, "availability_percent", "availability " + pct(s.availability_percent)};
  if (up > th.users_sev1_percent) return {ServiceStatus::major_outage, "users_affected_percent", pct(up) + " of users affected"};
  if (s.requests > 0 && s.availability_percent < th.partial_outage_below_percent)
    return {ServiceStatus::partial_outage, "availability_percent", "availability " + pct(s.availability_percent)};
  if (up > th.users_sev2_percent) return {ServiceStatus::partial_outage, "users_affected_percent", pct(up) + " of users affected"};
  if (s.requests > 0 && s.error_rate_percent > th.degraded_error_rate_percent)
    return {ServiceStatus::degraded, "error_rate_percent", "error rate " + pct(s.error_rate_percent)};
  if (up > th.users_sev3_percent) return {ServiceStatus::degraded, "users_affected_percent", pct(up) + " of users affected"};
  const double deg = latency_degradation_percent(s);
  if (deg > th.latency_sev3_percent)
    return {ServiceStatus::degraded, "latency_p95_ms", "p95 " + pct(deg) + " above its baseline"};
  return {ServiceStatus::healthy, "", "healthy"};
}

// [SECTION] Response plans

const ResponsePlan& response_plan(Severity s) {
  constexpr SimDuration M = kMicrosPerMinute;
  // The seed's three tiers, reworded. Times run from when the incident reached the severity.
  static const ResponsePlan sev1{
      {"Name an incident commander", "Page the on-call engineer", "Open an incident bridge",
       "Start updating customers", "Apply emergency measures (fail over, roll back, shed load)"},
      {{"internal", 0, ""}, {"customers", 15 * M, ""}, {"status_page", 15 * M, ""}, {"executives", 30 * M, ""}},
      {{0, "on-call engineer"}, {15 * M, "engineering manager"}, {30 * M, "VP engineering"}, {60 * M, "CTO"}},
      {"Find the cause", "Fix forward or roll back", "Confirm the service is restored", "Hold a postmortem review"},
      true};
  static const ResponsePlan sev2{
      {"Page the primary on-call engineer", "Open an incident record", "Size the impact and scope",
       "Tell customers if they are affected"},
      {{"internal", 15 * M, ""}, {"customers", 30 * M, ""}, {"executives", 60 * M, ""}},
      {{0, "on-call engineer"}, {30 * M, "engineering manager"}, {120 * M, "VP engineering"}},
      {},
      true};
  static const ResponsePlan sev34{
      {"Hand to the owning team", "Open a ticket", "Investigate"},
      {{"internal", 60 * M, ""}, {"customers", 0, "only if the issue is customer-facing"}},
      {{0, "assigned engineer"}, {240 * M, "team lead"}},
      {},
      false};
  switch (s) {
    case Severity::sev1: return sev1;
    case Severity::sev2: return sev2;
    default: return sev34;
  }
}

// [SECTION] Inputs

AlertInfo alert_info(const AlertTransition& t) {
  AlertInfo a;
  a.rule = t.rule;
  a.severity = t.severity;
  a.state = t.state;
  a.service = t.service;
  a.tenant = t.tenant;
  a.metric = t.metric;
  a.value = t.value;
  a.reason = t.metric + " " + op_text(t.op) + " " + format_number(t.threshold) + " (value " +
             (std::isfinite(t.value) ? format_number(t.value) : std::string("no data")) + ")";
  return a;
}

AlertInfo alert_info(const BurnRateTransition& t, const std::string& slo_service) {
  AlertInfo a;
  a.rule = t.rule;
  a.severity = t.severity;
  a.state = t.state;
  a.service = slo_service;
  a.metric = "slo." + t.slo_id + ".burn_rate";
  a.value = t.short_burn_rate;
  a.reason = t.reason;
  return a;
}

EventKind IncidentTransition::event_kind() const {
  switch (kind) {
    case Kind::opened: return EventKind::incident_opened;
    case Kind::severity_changed: return EventKind::incident_severity_changed;
    case Kind::resolved: return EventKind::incident_resolved;
    case Kind::postmortem: return EventKind::postmortem;
  }
  return EventKind::incident_opened;
}

EventFields IncidentTransition::fields(const Incident& inc) const {
  EventFields f;
  f.add("id", id).add("severity", severity_name(severity));
  switch (kind) {
    case Kind::opened:
      f.add("service", inc.service).add("title", inc.title);
      break;
    case Kind::severity_changed: f.add("previous", severity_name(previous)); break;
    case Kind::resolved:
      f.add("minutes_to_resolve", static_cast<double>(inc.time_to_resolve()) / kMicrosPerMinute);
      break;
    case Kind::postmortem: break;
  }
  return f;
}

// [SECTION] IncidentManager

IncidentManager::IncidentManager(const IncidentsSpec& spec, IncidentThresholds thresholds)
    : spec_(spec), th_(thresholds) {}

bool IncidentManager::opens(const std::string& alert_severity) const {
  return std::find(spec_.open_on.begin(), spec_.open_on.end(), alert_severity) != spec_.open_on.end();
}

bool IncidentManager::postmortem_for(Severity s) const {
  return std::find(spec_.postmortem_for.begin(), spec_.postmortem_for.end(), severity_name(s)) != spec_.postmortem_for.end();
}

int IncidentManager::find_open(const std::string& service) const {
  for (std::size_t i = 0; i < incidents_.size(); ++i)
    if (incidents_[i].open() && incidents_[i].service == service) return static_cast<int>(i);
  return -1;
}

int IncidentManager::open_count() const {
  int n = 0;
  for (const Incident& inc : incidents_) n += inc.open() ? 1 : 0;
  return n;
}

void IncidentManager::add_timeline(Incident& inc, SimTime t, const std::string& kind, const std::string& text) {
  inc.timeline.push_back({t, kind, text});
}

const ServiceSignals* IncidentManager::signals_for(const std::string& service) const {
  for (const ServiceSignals& s : last_signals_)
    if (s.service == service) return &s;
  return nullptr;
}

int IncidentManager::find_cause(const std::string& service, SimTime detected, bool specific_only) const {
  int best = -1;
  bool best_specific = false;
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const FaultRecord& f = faults_[i];
    if (f.started_at > detected || !relevant(f.spec, service) || (specific_only && f.spec.service != service)) continue;
    if (f.ended_at >= 0 && f.ended_at < detected - th_.cause_lookback) continue;
    const bool specific = !service.empty() && f.spec.service == service;
    // Same service first, then the latest start; equal starts: the later record.
    if (best < 0 || specific > best_specific ||
        (specific == best_specific && f.started_at >= faults_[static_cast<std::size_t>(best)].started_at)) {
      best = static_cast<int>(i);
      best_specific = specific;
    }
  }
  return best;
}

// With calls, an incident usually opens on the service users call while its cause is
// downstream: the search follows the failure down the call edges first (the header's order).
void IncidentManager::find_dependency_cause(Incident& inc) const {
  const DependencyPath path = deepest_failing_dependency(graph_, last_graph_, inc.service, th_.propagation);
  inc.dependency_path = path.edges;
  std::vector<int> along;  // the path's services, deepest first, up to the incident's (or its own alone)
  for (std::size_t j = path.edges.size(); j-- > 0;) along.push_back(graph_.callee_service(path.edges[j]));
  if (!path.empty()) along.push_back(graph_.caller_service(path.edges[0]));
  else if (graph_.service_index(inc.service) >= 0) along.push_back(graph_.service_index(inc.service));
  const std::vector<int> others = graph_.dependencies_of(graph_.service_index(inc.service));
  along.insert(along.end(), others.begin(), others.end());
  inc.cause_fault = -1;
  for (std::size_t k = 0; k < along.size() && inc.cause_fault < 0; ++k)
    inc.cause_fault = find_cause(graph_.services[static_cast<std::size_t>(along[k])], inc.detected_at, true);
  if (inc.cause_fault < 0) inc.cause_fault = find_cause(inc.service, inc.detected_at);  // platform-wide
  if (path.empty()) return;
  inc.cause_service = graph_.services[static_cast<std::size_t>(along[0])];
  const std::vector<PropagationStep> steps = propagation_chain(graph_, last_graph_, path, inc.service, th_.propagation);
  inc.cause_failure = inc.cause_service + " failing: " +
                      (steps.empty() ? last_graph_.services[static_cast<std::size_t>(along[0])].status_reason
                                     : steps[0].text + " (" + steps[0].evidence + ")");
}

bool IncidentManager::explains(const FaultSpec& f, const std::string& service) const {
  if (relevant(f, service) || graph_.empty()) return relevant(f, service);
  const std::vector<int> deps = graph_.dependencies_of(graph_.service_index(service));
  return std::binary_search(deps.begin(), deps.end(), graph_.service_index(f.service));
}

std::string IncidentManager::root_cause(const Incident& inc) const {
  if (inc.cause_fault < 0) return inc.cause_failure.empty() ? "unknown" : inc.cause_failure;
  return describe_record(faults_[static_cast<std::size_t>(inc.cause_fault)]);
}

ServiceStatus IncidentManager::service_status(const std::string& service) const {
  auto it = status_.find(service);
  return it == status_.end() ? ServiceStatus::healthy : it->second.status;
}

std::size_t IncidentManager::open_incident(SimTime t, const std::string& service, const std::string& title,
                                           const std::string& opened_by, std::vector<IncidentTransition>& out) {
  const std::size_t idx = incidents_.size();
  Incident inc;
  Tracking tr;
  inc.id = incident_id(idx + 1);
  inc.title = title;
  inc.service = service;
  inc.opened_by = opened_by;
  inc.opened_at = inc.detected_at = t;
  inc.cause_fault = find_cause(service, t);
  if (!graph_.empty()) find_dependency_cause(inc);
  if (inc.cause_fault >= 0) {
    const FaultRecord& f = faults_[static_cast<std::size_t>(inc.cause_fault)];
    inc.mttd = t - f.started_at;
    add_timeline(inc, f.started_at, f.change.empty() ? "fault_started" : "change", describe_record(f) + " (the likely cause)");
  }
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const FaultRecord& f = faults_[i];
    if (!is_flag_fault(f.spec.type) || !f.active_at(t) || !relevant(f.spec, service)) continue;
    (f.spec.type == FaultType::data_loss ? inc.data_loss : inc.security) = true;
    tr.flag_faults.push_back(static_cast<int>(i));
  }
  auto since = unhealthy_since_.find(service);
  if (since != unhealthy_since_.end()) {
    const StatusAssessment& first = since->second.first;
    inc.impact_started_at = since->second.t;
    inc.impact_metric = first.metric;
    add_timeline(inc, since->second.t, "impact",
                 scope_name(service) + " became " + service_status_name(first.status) + ": " + first.reason);
  }
  std::stable_sort(inc.timeline.begin(), inc.timeline.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.t < b.t; });
  const ServiceSignals* sig = signals_for(service);
  ServiceSignals none;
  none.service = service;
  Classification c = classify(sig ? *sig : none, inc.data_loss, inc.security, th_);
  if (!sig && c.rule == "none") c.reason = "no signals measured yet";
  inc.severity = c.severity;
  inc.severity_history.push_back({t, c.severity, c.reason});
  add_timeline(inc, t, "opened",
               "Opened by " + opened_by + " as " + severity_name(c.severity) + ": " + c.reason + "; cause " + root_cause(inc));
  incidents_.push_back(std::move(inc));
  tracking_.push_back(std::move(tr));
  // evaluate() already ran at this time: its interval is the one that fired the alert.
  if (sig && last_eval_ == t) account(idx, last_interval_start_, t, last_signals_);
  IncidentTransition tx;
  tx.kind = IncidentTransition::Kind::opened;
  tx.t = t;
  tx.incident = idx;
  tx.id = incidents_[idx].id;
  tx.severity = tx.previous = c.severity;
  out.push_back(tx);
  return idx;
}

void IncidentManager::raise_severity(std::size_t i, SimTime t, const ServiceSignals& s, std::vector<IncidentTransition>& out) {
  Incident& inc = incidents_[i];
  if (!more_severe(classified_severity(s, inc.data_loss, inc.security, th_), inc.severity)) return;  // never downgraded
  const Classification c = classify(s, inc.data_loss, inc.security, th_);
  IncidentTransition tx;
  tx.kind = IncidentTransition::Kind::severity_changed;
  tx.t = t;
  tx.incident = i;
  tx.id = inc.id;
  tx.previous = inc.severity;
  tx.severity = c.severity;
  add_timeline(inc, t, "severity_changed",
               std::string(severity_name(inc.severity)) + " -> " + severity_name(c.severity) + ": " + c.reason);
  inc.severity = c.severity;
  inc.severity_history.push_back({t, c.severity, c.reason});
  out.push_back(tx);
}

void IncidentManager::flag(std::size_t i, SimTime t, int fault_index, std::vector<IncidentTransition>& out) {
  Incident& inc = incidents_[i];
  Tracking& tr = tracking_[i];
  if (std::find(tr.flag_faults.begin(), tr.flag_faults.end(), fault_index) != tr.flag_faults.end()) return;
  tr.flag_faults.push_back(fault_index);
  const FaultSpec& f = faults_[static_cast<std::size_t>(fault_index)].spec;
  (f.type == FaultType::data_loss ? inc.data_loss : inc.security) = true;
  const ServiceSignals* sig = signals_for(inc.service);
  ServiceSignals none;
  raise_severity(i, t, sig ? *sig : none, out);
}

std::vector<IncidentTransition> IncidentManager::on_alert(SimTime t, const AlertInfo& a) {
  std::vector<IncidentTransition> out;
  const bool paging = opens(a.severity);
  if (a.state == AlertState::firing) {
    if (paging) firing_[a.service][a.rule] = t;
    int idx = find_open(a.service);
    if (idx < 0 && paging) {
      const std::string title =
          a.rule + " on " + scope_name(a.service) + (a.tenant.empty() ? std::string() : " (tenant " + a.tenant + ")");
      idx = static_cast<int>(open_incident(t, a.service, title, a.rule, out));
    }
    if (idx < 0) return out;
    Incident& inc = incidents_[static_cast<std::size_t>(idx)];
    add_timeline(inc, t, "alert_firing", a.rule + " (" + a.severity + ") fired" + (a.reason.empty() ? "" : ": " + a.reason));
    Tracking& tr = tracking_[static_cast<std::size_t>(idx)];
    if (paging && tr.healthy_since >= 0) {
      add_timeline(inc, t, "relapse", a.rule + " fired again; the healthy streak since " + dur(tr.healthy_since) + " ends");
      tr.healthy_since = -1;
    }
  } else if (a.state == AlertState::resolved) {
    auto it = firing_.find(a.service);
    if (it != firing_.end() && it->second.erase(a.rule) > 0 && it->second.empty()) alerts_clear_at_[a.service] = t;
    const int idx = find_open(a.service);
    if (idx >= 0)
      add_timeline(incidents_[static_cast<std::size_t>(idx)], t, "alert_resolved",
                   a.rule + " (" + a.severity + ") resolved" + (a.reason.empty() ? "" : ": " + a.reason));
  }
  return out;
}

std::vector<IncidentTransition> IncidentManager::on_fault(SimTime t, const FaultSpec& fault, bool started) {
  std::vector<IncidentTransition> out;
  if (started) {
    faults_.push_back({fault, t, -1, {}});
    const int fi = static_cast<int>(faults_.size() - 1);
    for (std::size_t i = 0; i < incidents_.size(); ++i) {
      if (!incidents_[i].open() || !explains(fault, incidents_[i].service)) continue;
      add_timeline(incidents_[i], t, "fault_started", describe_fault(fault));
      if (is_flag_fault(fault.type) && relevant(fault, incidents_[i].service)) flag(i, t, fi, out);
    }
    // Data loss and security are incidents by themselves: no alert rule watches for them.
    if (is_flag_fault(fault.type) && find_open(fault.service) < 0)
      open_incident(t, fault.service, std::string(fault_type_name(fault.type)) + " on " + scope_name(fault.service),
                    std::string("fault:") + fault_type_name(fault.type), out);
    return out;
  }
  for (std::size_t k = faults_.size(); k-- > 0;) {
    FaultRecord& f = faults_[k];
    if (f.ended_at >= 0 || !f.change.empty() || !same_fault(f.spec, fault)) continue;
    f.ended_at = t;
    for (Incident& inc : incidents_)
      if (inc.open() && explains(fault, inc.service)) add_timeline(inc, t, "fault_ended", describe_fault(fault));
    break;
  }
  return out;
}

int IncidentManager::on_change(SimTime t, const std::string& service, const std::string& description) {
  FaultRecord r;
  r.spec.service = service;
  r.started_at = t;
  r.change = description;
  faults_.push_back(r);
  on_event(t, service, "change", description);
  return static_cast<int>(faults_.size() - 1);
}

void IncidentManager::end_change(SimTime t, int record) {
  FaultRecord& r = faults_[static_cast<std::size_t>(record)];
  if (r.ended_at < 0) r.ended_at = t;
}

void IncidentManager::on_event(SimTime t, const std::string& service, const std::string& kind, const std::string& text) {
  for (Incident& inc : incidents_) {
    if (!inc.open() || !(service.empty() || inc.service.empty() || inc.service == service)) continue;
    add_timeline(inc, t, kind, text);
    if (kind == "scale_out" || kind == "scale_up") {
      if (inc.capacity_events++ == 0) inc.first_capacity_at = t;
    }
    if (kind == "rollback") ++inc.rollbacks;
  }
}

void IncidentManager::account(std::size_t i, SimTime interval_start, SimTime now, const std::vector<ServiceSignals>& signals) {
  Incident& inc = incidents_[i];
  if (!last_graph_.empty()) tracking_[i].figures.add(last_graph_);
  const ServiceSignals* sig = signals_for(inc.service);
  if (sig) {
    inc.failed_requests += static_cast<double>(sig->requests) * (100.0 - sig->availability_percent) / 100.0;
    if (sig->users_affected > inc.peak_users_affected) inc.peak_users_affected = sig->users_affected;
    inc.peak_users_affected_percent = std::max(inc.peak_users_affected_percent, users_percent(*sig));
    if (sig->requests > 0) inc.worst_availability_percent = std::min(inc.worst_availability_percent, sig->availability_percent);
    inc.peak_latency_p95_ms = std::max(inc.peak_latency_p95_ms, sig->latency_p95_ms);
    if (std::isfinite(sig->budget_burned_percent))
      inc.budget_burned_percent = (std::isnan(inc.budget_burned_percent) ? 0.0 : inc.budget_burned_percent) + sig->budget_burned_percent;
  }
  const ServiceStatus st = service_status(inc.service);
  if (static_cast<int>(st) > static_cast<int>(inc.worst_status)) inc.worst_status = st;
  // The services that count: its own, or every service for a platform incident, and those
  // its failure came through (the dependency path found at detection).
  auto on_path = [&](const std::string& service) {
    for (int k : inc.dependency_path)
      if (graph_.services[static_cast<std::size_t>(graph_.callee_service(k))] == service) return true;
    return false;
  };
  for (const ServiceSignals& s : signals) {
    if (s.service.empty() || !(inc.service.empty() || s.service == inc.service || on_path(s.service))) continue;
    if (service_status(s.service) != ServiceStatus::healthy &&
        std::find(inc.services_impacted.begin(), inc.services_impacted.end(), s.service) == inc.services_impacted.end())
      inc.services_impacted.push_back(s.service);
    auto note = [&](bool seen, const char* kind, const std::string& text) {
      if (!seen) return;
      auto it = std::find_if(inc.factors.begin(), inc.factors.end(),
                             [&](const ContributingFactor& f) { return f.kind == kind && f.service == s.service; });
      if (it == inc.factors.end()) {
        inc.factors.push_back({kind, s.service, now, 0, 0});
        it = inc.factors.end() - 1;
        add_timeline(inc, now, kind, text);
      }
      ++it->intervals;
      it->duration += now - interval_start;
    };
    note(s.at_max_instances, "at_max_instances", s.service + " stands at its maximum instance count");
    note(s.scaling_cooldown_blocked, "scaling_cooldown_blocked", "a cooldown holds back scaling of " + s.service);
  }
}

std::vector<IncidentTransition> IncidentManager::evaluate(SimTime now, const std::vector<ServiceSignals>& signals,
                                                         const GraphFigures* graph) {
  std::vector<IncidentTransition> out;
  const SimTime interval_start = last_eval_ < 0 ? 0 : last_eval_;  // the first interval runs from the start
  last_signals_ = signals;
  if (!signals_for("")) {
    // The platform as a whole: sums, request-weighted rates, the worst latency degradation.
    ServiceSignals p;
    double avail = 0, errors = 0, worst_deg = -1;
    for (const ServiceSignals& s : signals) {
      p.requests += s.requests;
      p.users_total += s.users_total;
      p.users_affected += s.users_affected;
      avail += static_cast<double>(s.requests) * s.availability_percent;
      errors += static_cast<double>(s.requests) * s.error_rate_percent;
      p.at_max_instances = p.at_max_instances || s.at_max_instances;
      p.scaling_cooldown_blocked = p.scaling_cooldown_blocked || s.scaling_cooldown_blocked;
      const double deg = latency_degradation_percent(s);
      if (s.latency_p95_ms > 0 && deg > worst_deg) {
        worst_deg = deg;
        p.latency_p95_ms = s.latency_p95_ms;
        p.baseline_latency_p95_ms = s.baseline_latency_p95_ms;
      }
    }
    if (p.requests > 0) {
      p.availability_percent = avail / static_cast<double>(p.requests);
      p.error_rate_percent = errors / static_cast<double>(p.requests);
    }
    last_signals_.push_back(p);
  }
  for (const ServiceSignals& s : last_signals_) {
    const StatusAssessment a = assess_status(s, th_);
    if (a.status == ServiceStatus::healthy) unhealthy_since_.erase(s.service);
    else unhealthy_since_.emplace(s.service, ImpactStart{interval_start, a});  // kept if already there
    status_[s.service] = a;
  }
  // The call graph's figures take each service's status and p95 from the same signals.
  last_graph_ = graph && !graph_.empty() ? *graph : GraphFigures{};
  for (std::size_t v = 0; v < last_graph_.services.size() && v < graph_.services.size(); ++v) {
    const ServiceSignals* s = signals_for(graph_.services[v]);
    if (!s) continue;
    const StatusAssessment& a = status_[s->service];
    ServiceFigures& sf = last_graph_.services[v];
    sf.latency_p95_ms = s->latency_p95_ms;
    sf.baseline_latency_p95_ms = s->baseline_latency_p95_ms;
    sf.unhealthy = a.status != ServiceStatus::healthy;
    sf.status_metric = a.metric;
    sf.status_reason = a.reason;
  }
  for (std::size_t i = 0; i < incidents_.size(); ++i) {
    if (!incidents_[i].open() || incidents_[i].opened_at > now) continue;
    account(i, interval_start, now, last_signals_);
    Incident& inc = incidents_[i];
    Tracking& tr = tracking_[i];
    const ServiceSignals* sig = signals_for(inc.service);
    ServiceSignals none;
    raise_severity(i, now, sig ? *sig : none, out);

    // Resolution: healthy signal for resolve_after, continuously.
    SimTime clear = std::max(interval_start, inc.opened_at);
    auto ca = alerts_clear_at_.find(inc.service);
    if (ca != alerts_clear_at_.end()) clear = std::max(clear, ca->second);
    std::string why_not;
    auto fa = firing_.find(inc.service);
    if (fa != firing_.end() && !fa->second.empty()) why_not = fa->second.begin()->first + " is firing";
    for (int fi : tr.flag_faults) {
      const FaultRecord& f = faults_[static_cast<std::size_t>(fi)];
      if (f.ended_at < 0 || f.ended_at > now) why_not = describe_fault(f.spec) + " is still active";
      else clear = std::max(clear, f.ended_at);
    }
    const StatusAssessment& st = status_[inc.service];
    if (st.status != ServiceStatus::healthy) tr.status_healthy_since = -1;
    else if (tr.status_healthy_since < 0) tr.status_healthy_since = interval_start;
    if (why_not.empty() && st.status != ServiceStatus::healthy)
      why_not = scope_name(inc.service) + " is " + service_status_name(st.status) + ": " + st.reason;
    if (!why_not.empty()) {
      if (tr.healthy_since >= 0) add_timeline(inc, now, "relapse", "healthy streak since " + dur(tr.healthy_since) + " ends: " + why_not);
      tr.healthy_since = -1;
      continue;
    }
    if (tr.healthy_since < 0) {
      tr.healthy_since = clear;
      add_timeline(inc, now, "healthy",
                   "signal healthy since " + dur(clear) + "; resolves at " + dur(clear + spec_.resolve_after) + " if it stays so");
    }
    if (now - tr.healthy_since >= spec_.resolve_after) resolve(i, now, out);
  }
  last_interval_start_ = interval_start;
  last_eval_ = now;
  return out;
}

void IncidentManager::resolve(std::size_t i, SimTime now, std::vector<IncidentTransition>& out) {
  Incident& inc = incidents_[i];
  inc.resolved_at = now;
  inc.recovered_at = tracking_[i].healthy_since;
  inc.signal_recovered_at = tracking_[i].status_healthy_since >= 0 ? tracking_[i].status_healthy_since : inc.recovered_at;
  add_timeline(inc, now, "resolved",
               "resolved " + dur(inc.time_to_resolve()) + " after detection; healthy since " + dur(inc.recovered_at));
  IncidentTransition tx;
  tx.kind = IncidentTransition::Kind::resolved;
  tx.t = now;
  tx.incident = i;
  tx.id = inc.id;
  tx.severity = tx.previous = inc.severity;
  out.push_back(tx);
  if (!postmortem_for(inc.severity)) return;
  postmortems_.push_back(write_postmortem(inc, tracking_[i].figures));
  add_timeline(inc, now, "postmortem",
               "postmortem drafted with " + times(static_cast<int>(postmortems_.back().action_items.size()), "action item"));
  tx.kind = IncidentTransition::Kind::postmortem;
  out.push_back(tx);
}

std::uint64_t IncidentManager::incidents_with_severity(Severity s) const {
  std::uint64_t n = 0;
  for (const Incident& inc : incidents_) n += inc.severity == s ? 1 : 0;
  return n;
}

double IncidentManager::mttr_minutes() const {
  double sum = 0;
  int n = 0;
  for (const Incident& inc : incidents_)
    if (!inc.open()) {
      sum += static_cast<double>(inc.time_to_resolve()) / kMicrosPerMinute;
      ++n;
    }
  return n == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / n;
}

double IncidentManager::mttd_minutes() const {
  double sum = 0;
  int n = 0;
  for (const Incident& inc : incidents_)
    if (inc.mttd >= 0) {
      sum += static_cast<double>(inc.mttd) / kMicrosPerMinute;
      ++n;
    }
  return n == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / n;
}

// [SECTION] Postmortem

namespace {

// What would have caught the fault's effect first, for an "add an alert" item.
const char* metric_for(FaultType t) {
  switch (t) {
    case FaultType::latency: return "latency_p95_ms";
    case FaultType::provider_outage: return "context_failures";
    case FaultType::traffic_spike: return "request_rate";
    case FaultType::capacity_loss: return "queue_depth";
    default: return "error_rate_percent";
  }
}

// The remedy for a cause, with what was observed about it.
ActionItem cause_item(const FaultSpec& f, const std::string& priority) {
  const std::string svc = f.service.empty() ? (f.agent.empty() ? std::string("the platform") : "agent " + f.agent) : f.service;
  switch (f.type) {
    case FaultType::instance_crash:
      return {priority, "Keep enough headroom on " + svc + " to lose " +
                            (f.count > 0 ? std::to_string(f.count) + " instances" : pct(100 * f.fraction) + " of its instances") +
                            ": raise instances.min or spread instances over failure domains",
              describe_fault(f) + " caused the incident"};
    case FaultType::latency:
      return {priority, "Put a timeout and a fallback in front of " + svc + " so that +" + dur(f.add) + " does not reach users",
              describe_fault(f) + " caused the incident"};
    case FaultType::errors:
      return {priority, "Add retries with backoff or a circuit breaker for " + svc,
              describe_fault(f) + " caused the incident"};
    case FaultType::provider_outage:
      return {priority, "Serve from cache or degrade gracefully when context provider " + f.provider + " is down",
              describe_fault(f) + " caused the incident"};
    case FaultType::traffic_spike:
      return {priority, "Prepare for spikes from tenant " + f.tenant + " (x" + format_number(f.multiplier, 2) +
                            "): predictive or scheduled scaling, or a tighter rate limit for the tenant",
              describe_fault(f) + " caused the incident"};
    case FaultType::capacity_loss:
      return {priority, "Add capacity headroom on " + svc + " to absorb losing " + pct(f.concurrency_percent) + " of concurrency",
              describe_fault(f) + " caused the incident"};
    case FaultType::data_loss:
      return {priority, "Verify the backups of " + svc + " and rehearse a restore", describe_fault(f) + " was reported"};
    case FaultType::security:
      return {priority, "Rotate credentials and review access to " + svc, describe_fault(f) + " was reported"};
  }
  return {priority, "Review " + describe_fault(f), "it caused the incident"};
}

}  // namespace

Postmortem IncidentManager::write_postmortem(const Incident& inc, const GraphFigures& figures) const {
  Postmortem pm;
  const std::string where = scope_name(inc.service);
  const bool high = inc.severity == Severity::sev1 || inc.severity == Severity::sev2;
  const char* p_high = high ? "P1" : "P2";
  const FaultRecord* cause = inc.cause_fault >= 0 ? &faults_[static_cast<std::size_t>(inc.cause_fault)] : nullptr;
  const SimDuration ttr = inc.time_to_resolve();
  pm.incident_id = inc.id;
  pm.title = inc.title;
  pm.service = inc.service;
  pm.severity = inc.severity;
  pm.written_at = inc.resolved_at;
  pm.duration = ttr;
  pm.failed_requests = inc.failed_requests;
  pm.peak_users_affected = inc.peak_users_affected;
  pm.peak_users_affected_percent = inc.peak_users_affected_percent;
  pm.budget_burned_percent = inc.budget_burned_percent;
  pm.services = inc.services_impacted;
  if (pm.services.empty() && !inc.service.empty()) pm.services.push_back(inc.service);
  pm.timeline = inc.timeline;
  pm.primary_cause = root_cause(inc);
  pm.summary = std::string(severity_name(inc.severity)) + " incident on " + where + ", open " + dur(ttr) + " (" +
               dur(inc.opened_at) + " to " + dur(inc.resolved_at) + "): " + format_number(inc.failed_requests, 0) +
               " requests failed, up to " + std::to_string(inc.peak_users_affected) + " users affected (" +
               pct(inc.peak_users_affected_percent) + "); worst status " + service_status_name(inc.worst_status) +
               "; cause: " + pm.primary_cause + ".";
  if (!graph_.empty()) {
    pm.propagation_measured = true;
    pm.propagation = propagation_chain(graph_, figures, DependencyPath{inc.dependency_path}, inc.service, th_.propagation);
    if (!pm.propagation.empty()) pm.summary += " It reached users as: " + chain_text(pm.propagation) + ".";
  }

  // Detection.
  const SimDuration lead = inc.impact_started_at >= 0 ? inc.opened_at - inc.impact_started_at : -1;
  pm.detection = "detected by " + inc.opened_by;
  if (cause) pm.detection += " " + dur(inc.mttd) + " after " + describe_record(*cause) + " started";
  else pm.detection += "; no fault was active on " + where + " at detection";
  if (lead > 0) pm.detection += "; its status had left healthy " + dur(lead) + " earlier (" + inc.impact_metric + ")";
  const bool slow_fault = cause && inc.mttd > th_.slow_detection;
  const bool slow_impact = lead > th_.slow_detection;
  const std::string cause_kind = cause && !cause->change.empty() ? "the change" : "the fault";
  if (cause && !slow_fault) pm.went_well.push_back("detected " + dur(inc.mttd) + " after " + cause_kind + " started (within " + dur(th_.slow_detection) + ")");
  if (slow_fault) pm.went_poorly.push_back("detection took " + dur(inc.mttd) + " after " + cause_kind + " started (more than " + dur(th_.slow_detection) + ")");
  if (slow_impact) pm.went_poorly.push_back("users were affected for " + dur(lead) + " before the incident opened");
  if (slow_fault || slow_impact) {
    const std::string metric = !inc.impact_metric.empty() && inc.impact_metric != "users_affected_percent"
                                   ? inc.impact_metric
                                   : (cause ? metric_for(cause->spec.type) : "error_rate_percent");
    const std::string series = inc.service.empty() ? metric : "service." + inc.service + "." + metric;
    pm.action_items.push_back({"P2", "Add an alert on " + series + " with a shorter window than " + inc.opened_by,
                               "detection came " + dur(slow_fault ? inc.mttd : lead) + " after the impact began"});
  }

  // Cause.
  if (cause) {
    if (cause->change.empty()) pm.action_items.push_back(cause_item(cause->spec, p_high));
    else
      pm.action_items.push_back({p_high,
                                 "Release " + scope_name(cause->spec.service) +
                                     " behind a canary with automatic analysis and rollback",
                                 cause->change + " caused the incident"});
    if (inc.recovered_at - inc.signal_recovered_at > th_.slow_detection)
      pm.went_poorly.push_back("the signal was healthy again at " + dur(inc.signal_recovered_at) +
                               " but a firing alert held the incident open until " + dur(inc.recovered_at) +
                               " (a windowed alert resolves only when its window is clean)");
    if (cause->ended_at >= 0 && inc.signal_recovered_at - cause->ended_at > th_.slow_detection) {
      const SimDuration lag = inc.signal_recovered_at - cause->ended_at;
      pm.went_poorly.push_back(where + " took " + dur(lag) + " to recover after the fault ended at " + dur(cause->ended_at));
      pm.action_items.push_back({"P2", "Shorten the recovery of " + where + " (instance start-up, queue drain, cache warm-up)",
                                 "it stayed unhealthy " + dur(lag) + " after the fault ended"});
    }
  } else if (!inc.cause_failure.empty()) {
    pm.went_poorly.push_back("no fault explains it: " + inc.cause_service + " failed without one");
    pm.action_items.push_back({p_high, "Find why " + inc.cause_service + " failed and instrument it", inc.cause_failure});
  } else {
    pm.went_poorly.push_back("no fault explains it: the cause is unknown");
    pm.action_items.push_back({p_high, "Find what caused the incident on " + where + " and instrument it",
                               "no fault was active at detection"});
  }

  // How it spread: the call on the path nearest the cause (unless the cause's own item asks
  // for a timeout and a fallback already), and callers' slots.
  const bool fallback_named = cause && (cause->spec.type == FaultType::latency || cause->spec.type == FaultType::errors);
  if (!inc.dependency_path.empty() && !pm.propagation.empty() && !fallback_named) {
    const CallGraph::Edge& e = graph_.edges[static_cast<std::size_t>(inc.dependency_path.back())];
    const EdgeFigures& ef = figures.edges[static_cast<std::size_t>(inc.dependency_path.back())];
    const std::string& caller = graph_.agents[static_cast<std::size_t>(e.caller)].id;
    const std::string& callee = graph_.agents[static_cast<std::size_t>(e.callee)].id;
    pm.action_items.push_back(
        {p_high,
         "Contain failures of " + callee + " at " + caller +
             ": a timeout with a fallback (on_failure continue) or a circuit breaker on its calls" +
             (ef.retries > 0 ? ", and a retry budget (" + format_number(ef.retries, 0) + " retries were sent)" : ""),
         "the failure reached users as: " + chain_text(pm.propagation)});
  }
  for (const PropagationStep& step : pm.propagation)
    if (step.kind == "slots_exhausted")
      pm.action_items.push_back({"P2", "Scale " + step.service + " on slot_utilization, or give it slots for callers waiting on calls",
                                 step.evidence});

  // Contributing factors.
  for (const ContributingFactor& f : inc.factors) {
    if (f.kind == "at_max_instances") {
      const std::string text = f.service + " stood at its maximum instance count for " + dur(f.duration) + " (" +
                               times(f.intervals, "interval") + ", first at " + dur(f.first_seen) + ")";
      pm.contributing_factors.push_back(text);
      pm.went_poorly.push_back("scaling could not add capacity: " + text);
      pm.action_items.push_back({p_high, "Raise instances.max of " + f.service + " or cut its per-request cost", text});
    } else if (f.kind == "scaling_cooldown_blocked") {
      const std::string text = "a cooldown held back scaling of " + f.service + " in " + times(f.intervals, "interval") +
                               " (first at " + dur(f.first_seen) + ")";
      pm.contributing_factors.push_back(text);
      pm.went_poorly.push_back(text);
      pm.action_items.push_back({"P2", "Shorten the scale-out cooldown of " + f.service, text});
    }
  }
  if (inc.severity_history.size() > 1) {
    const SeverityChange& first = inc.severity_history.front();
    const SeverityChange& last = inc.severity_history.back();
    const std::string text = std::string("impact grew after detection: ") + severity_name(first.severity) + " at opening, " +
                             severity_name(last.severity) + " at " + dur(last.t) + " (" + last.reason + ")";
    pm.contributing_factors.push_back(text);
    pm.went_poorly.push_back(text);
  }
  if (std::isfinite(inc.budget_burned_percent) && inc.budget_burned_percent >= th_.budget_alarm_percent) {
    const std::string text = "it burned " + pct(inc.budget_burned_percent) + " of the error budget";
    pm.went_poorly.push_back(text);
    pm.action_items.push_back({"P1", "Hold risky changes to " + where + " until its error budget recovers", text});
  }

  // Response.
  if (inc.capacity_events > 0)
    pm.went_well.push_back("scaling added capacity " + times(inc.capacity_events, "time") + ", first " +
                           dur(inc.first_capacity_at - inc.opened_at) + " after detection");
  if (inc.rollbacks > 0) pm.went_well.push_back(times(inc.rollbacks, "rollback") + " during the incident");
  if (inc.failed_requests < 0.5) pm.went_well.push_back("no request failed during the incident");
  if (ttr <= th_.mttr_target) {
    pm.went_well.push_back("resolved in " + dur(ttr) + ", within the " + dur(th_.mttr_target) + " target");
  } else {
    pm.went_poorly.push_back("resolution took " + dur(ttr) + ", over the " + dur(th_.mttr_target) + " target");
    pm.action_items.push_back({"P3", "Write a runbook for " + pm.primary_cause + " on " + where,
                               "resolution took " + dur(ttr) + " against a " + dur(th_.mttr_target) + " target"});
  }
  std::stable_sort(pm.action_items.begin(), pm.action_items.end(),
                   [](const ActionItem& a, const ActionItem& b) { return a.priority < b.priority; });
  return pm;
}

}  // namespace opsim::sre
