// The incident manager's JSON (sre/incidents.h): one incident with its response plan, one
// postmortem, and the manager's report. The one writer of these objects: summary.json's
// "incidents" and "postmortems" (core/report/report.cpp) take them from here.
#include <cmath>
#include <limits>

#include "json/json.h"
#include "sre/incidents.h"

namespace opsim::sre {

namespace {

std::string string_array(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + json::quote(v[i]);
  return s + "]";
}

template <class T, class F>
std::string array_of(const std::vector<T>& v, F&& one) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + one(v[i]);
  return s + "]";
}

void time_field(json::ObjectWriter& w, std::string_view key, SimTime t) {
  if (t < 0) w.raw(key, "null");
  else w.field(key, to_seconds(t));
}

double in_minutes(SimDuration d) {
  return d < 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(d) / kMicrosPerMinute;
}

std::string timeline_json(const std::vector<TimelineEntry>& t) {
  return array_of(t, [](const TimelineEntry& e) {
    return json::ObjectWriter().field("t_s", to_seconds(e.t)).field("kind", e.kind).field("text", e.text).str();
  });
}

}  // namespace

std::string IncidentManager::incident_json(const Incident& inc, SimTime now) const {
  bool monitoring = false;  // open with a healthy streak running
  for (std::size_t i = 0; i < incidents_.size(); ++i)
    if (&incidents_[i] == &inc) monitoring = inc.open() && tracking_[i].healthy_since >= 0;
  const SimTime until = inc.open() ? now : inc.resolved_at;
  const SimTime since = inc.severity_since();
  const ResponsePlan& plan = response_plan(inc.severity);
  json::ObjectWriter w;
  w.field("id", inc.id).field("title", inc.title);
  if (inc.service.empty()) w.raw("service", "null");
  else w.field("service", inc.service);
  w.field("opened_by", inc.opened_by)
      .field("severity", severity_name(inc.severity))
      .field("status", inc.open() ? (monitoring ? "monitoring" : "investigating") : "resolved");
  time_field(w, "opened_at_s", inc.opened_at);
  time_field(w, "detected_at_s", inc.detected_at);
  time_field(w, "recovered_at_s", inc.recovered_at);
  time_field(w, "resolved_at_s", inc.resolved_at);
  w.field("minutes_to_resolve", in_minutes(inc.time_to_resolve()))
      .field("root_cause", root_cause(inc))
      .field("mttd_minutes", in_minutes(inc.mttd));
  time_field(w, "impact_started_at_s", inc.impact_started_at);
  w.field("data_loss", inc.data_loss).field("security", inc.security).field("worst_status", service_status_name(inc.worst_status));
  w.raw("impact", json::ObjectWriter()
                      .field("failed_requests", std::round(inc.failed_requests))
                      .field("peak_users_affected", inc.peak_users_affected)
                      .field("peak_users_affected_percent", inc.peak_users_affected_percent)
                      .field("worst_availability_percent", inc.worst_availability_percent)
                      .field("peak_latency_p95_ms", inc.peak_latency_p95_ms)
                      .field("budget_burned_percent", inc.budget_burned_percent)
                      .raw("services", string_array(inc.services_impacted))
                      .str());
  w.raw("severity_history", array_of(inc.severity_history, [](const SeverityChange& c) {
          return json::ObjectWriter().field("t_s", to_seconds(c.t)).field("severity", severity_name(c.severity)).field("reason", c.reason).str();
        }));
  w.raw("contributing_factors", array_of(inc.factors, [](const ContributingFactor& f) {
          return json::ObjectWriter()
              .field("kind", f.kind)
              .field("service", f.service)
              .field("first_seen_s", to_seconds(f.first_seen))
              .field("intervals", f.intervals)
              .field("minutes", in_minutes(f.duration))
              .str();
        }));
  w.raw("response_plan",
        json::ObjectWriter()
            .field("escalation_required", plan.escalation_required)
            .raw("immediate_actions", string_array(plan.immediate_actions))
            .raw("communication", array_of(plan.communication,
                                           [&](const Notice& n) {
                                             json::ObjectWriter o;
                                             o.field("audience", n.audience).field("due_at_s", to_seconds(since + n.within));
                                             if (!n.condition.empty()) o.field("condition", n.condition);
                                             return o.field("due_reached", since + n.within <= until).str();
                                           }))
            .raw("escalation", array_of(plan.escalation,
                                        [&](const EscalationStep& e) {
                                          return json::ObjectWriter()
                                              .field("role", e.role)
                                              .field("at_s", to_seconds(since + e.after))
                                              .field("reached", since + e.after <= until)
                                              .str();
                                        }))
            .raw("recovery_procedures", string_array(plan.recovery_procedures))
            .str());
  w.raw("timeline", timeline_json(inc.timeline));
  return w.str();
}

std::string IncidentManager::postmortem_json(const Postmortem& pm) {
  json::ObjectWriter root_cause_analysis;
  root_cause_analysis.field("primary_cause", pm.primary_cause);
  // Only where agents make calls, so that other scenarios' postmortems keep their shape.
  if (pm.propagation_measured)
    root_cause_analysis.raw(
        "propagation", json::ObjectWriter()
                           .field("chain", chain_text(pm.propagation))
                           .raw("steps", array_of(pm.propagation, [](const PropagationStep& p) {
                                  json::ObjectWriter o;
                                  o.field("service", p.service);
                                  if (p.agent.empty()) o.raw("agent", "null");
                                  else o.field("agent", p.agent);
                                  return o.field("kind", p.kind)
                                      .field("text", p.text)
                                      .field("metric", p.metric)
                                      .field("value", p.value)
                                      .field("evidence", p.evidence)
                                      .str();
                                }))
                           .str());
  root_cause_analysis.raw("contributing_factors", string_array(pm.contributing_factors)).field("detection", pm.detection);
  json::ObjectWriter w;
  w.field("incident_id", pm.incident_id).field("title", pm.title);
  if (pm.service.empty()) w.raw("service", "null");
  else w.field("service", pm.service);
  w.field("severity", severity_name(pm.severity))
      .field("written_at_s", to_seconds(pm.written_at))
      .field("duration_minutes", in_minutes(pm.duration))
      .field("summary", pm.summary)
      .raw("impact", json::ObjectWriter()
                         .field("failed_requests", std::round(pm.failed_requests))
                         .field("peak_users_affected", pm.peak_users_affected)
                         .field("peak_users_affected_percent", pm.peak_users_affected_percent)
                         .field("budget_burned_percent", pm.budget_burned_percent)
                         .raw("services", string_array(pm.services))
                         .str())
      .raw("timeline", timeline_json(pm.timeline))
      .raw("root_cause_analysis", root_cause_analysis.str())
      .raw("what_went_well", string_array(pm.went_well))
      .raw("what_went_poorly", string_array(pm.went_poorly))
      .raw("action_items", array_of(pm.action_items, [](const ActionItem& a) {
             return json::ObjectWriter().field("priority", a.priority).field("title", a.title).field("because", a.because).str();
           }));
  return w.str();
}

std::string IncidentManager::report_json(SimTime now) const {
  json::ObjectWriter metrics;
  metrics.field("incidents_total", incidents_total())
      .field("incidents_sev1", incidents_with_severity(Severity::sev1))
      .field("incidents_sev2", incidents_with_severity(Severity::sev2))
      .field("incidents_sev3", incidents_with_severity(Severity::sev3))
      .field("incidents_sev4", incidents_with_severity(Severity::sev4))
      .field("incidents_open", open_count())
      .field("mttr_minutes", mttr_minutes())
      .field("mttd_minutes", mttd_minutes());
  json::ObjectWriter status;
  for (const auto& [service, a] : status_)
    if (!service.empty()) status.field(service, service_status_name(a.status));
  json::ObjectWriter w;
  w.raw("metrics", metrics.str())
      .field("platform_status", service_status_name(service_status("")))
      .raw("service_status", status.str())
      .raw("incidents", array_of(incidents_, [&](const Incident& inc) { return incident_json(inc, now); }))
      .raw("postmortems", array_of(postmortems_, [](const Postmortem& pm) { return postmortem_json(pm); }));
  return w.str();
}

}  // namespace opsim::sre
