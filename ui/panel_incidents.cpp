// Incidents: the services' statuses and the incident metrics (total, by severity, MTTR,
// MTTD, open); the incidents, opened from page alerts and faults, with their severity,
// service, times and root cause; and, for the one selected, its severity history, response
// plan (immediate actions, communication and escalation with their deadlines), contributing
// factors, impact (with calls: the deepest failing dependency and the calls that led to it),
// timeline and, once written, its postmortem (with calls: how the failure reached users, one
// link per row with the series and figures behind it).
//
// Only when the scenario has an `incidents` section (Simulation::incidents() is null
// otherwise). The root causes are derived once per simulated instant (cached by
// App::run_id() and sim.now()), not once per frame.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "panels.h"
#include "style.h"

namespace opsim::ui {
namespace {

// A duration to the second: "23m17s".
std::string seconds_text(SimDuration d) { return format_duration(d - d % kMicrosPerSecond); }

void severity_text(sre::Severity s) { ImGui::TextColored(severity_color(s), "%s", sre::severity_name(s)); }

struct Derived {
  DerivedStamp stamp;
  std::vector<std::string> root_causes;  // parallel to incidents()
  std::vector<int> postmortem;           // parallel to incidents(): index into postmortems(), -1 = none
};

struct PanelState {
  Derived derived;
  std::uint64_t run_id = ~std::uint64_t{0};
  std::string selected;  // an incident's id; empty: the latest
};

PanelState& state() {
  static PanelState s;  // one App per process; the cache is keyed by run_id and time
  return s;
}

void derive(const sre::IncidentManager& im, Derived& d) {
  d.root_causes.clear();
  d.postmortem.clear();
  for (const sre::Incident& inc : im.incidents()) {
    d.root_causes.push_back(im.root_cause(inc));
    int pm = -1;
    for (std::size_t k = 0; k < im.postmortems().size(); ++k)
      if (im.postmortems()[k].incident_id == inc.id) pm = static_cast<int>(k);
    d.postmortem.push_back(pm);
  }
}

void bullets(const std::vector<std::string>& items) {
  if (items.empty()) ImGui::TextDisabled("none");
  for (const std::string& s : items) ImGui::BulletText("%s", s.c_str());
}

void draw_no_incidents() {
  ImGui::TextWrapped("This scenario has no `incidents` section, so no incidents are opened. Add one to the scenario "
                     "(Scenario tab), for example:");
  ImGui::Indent();
  ImGui::TextUnformatted(
      "\"incidents\": {\"open_on\": [\"page\"], \"resolve_after\": \"10m\", \"postmortem_for\": [\"sev1\", \"sev2\"]}");
  ImGui::Unindent();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("Alerts of an open_on severity (and faults) open incidents; one resolves after its service has been "
                     "healthy for resolve_after with no such alert firing; incidents of a postmortem_for severity get a "
                     "postmortem when they resolve.");
  ImGui::PopStyleColor();
}

void draw_summary(const sre::IncidentManager& im) {
  ImGui::TextUnformatted("Status:");
  bool any = false;
  for (const auto& [service, a] : im.service_statuses()) {
    if (service.empty()) continue;
    if (any) {
      ImGui::SameLine();
      ImGui::TextDisabled("|");
    }
    any = true;
    ImGui::SameLine();
    ImGui::TextUnformatted(service.c_str());
    ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
    ImGui::TextColored(status_color(a.status), "%s", sre::service_status_name(a.status));
    if (ImGui::IsItemHovered() && !a.reason.empty()) ImGui::SetTooltip("%s", a.reason.c_str());
  }
  if (!any) {
    ImGui::SameLine();
    ImGui::TextDisabled("no evaluation yet");
  }

  ImGui::Text("Incidents: %llu", static_cast<unsigned long long>(im.incidents_total()));
  for (const sre::Severity s : {sre::Severity::sev1, sre::Severity::sev2, sre::Severity::sev3, sre::Severity::sev4}) {
    ImGui::SameLine();
    ImGui::TextColored(severity_color(s), "%s %llu", sre::severity_name(s),
                       static_cast<unsigned long long>(im.incidents_with_severity(s)));
  }
  ImGui::SameLine();
  ImGui::TextDisabled("|");
  ImGui::SameLine();
  const double mttr = im.mttr_minutes(), mttd = im.mttd_minutes();
  if (std::isnan(mttr)) ImGui::TextUnformatted("MTTR -");
  else if (mttr * kMicrosPerMinute > static_cast<double>(im.thresholds().mttr_target))
    ImGui::TextColored(kAmber, "MTTR %.1f min", mttr);
  else ImGui::Text("MTTR %.1f min", mttr);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Mean time from opening to resolution, over the resolved incidents (target %s).",
                      format_duration(im.thresholds().mttr_target).c_str());
  ImGui::SameLine();
  if (std::isnan(mttd)) ImGui::TextUnformatted("MTTD -");
  else ImGui::Text("MTTD %.1f min", mttd);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Mean time from the causing fault's start to detection.");
  ImGui::SameLine();
  const int open = im.open_count();
  if (open > 0) ImGui::TextColored(kRed, "open %d", open);
  else ImGui::TextColored(kGreen, "open 0");
}

void draw_incident_table(const Simulation& sim, const sre::IncidentManager& im, const Derived& d, std::size_t sel,
                         PanelState& st) {
  const Calendar& cal = sim.scenario().calendar;
  const auto& incs = im.incidents();
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_SizingFixedFit;
  const float rows = std::min(8.0f, static_cast<float>(incs.size()) + 1.5f);
  if (!ImGui::BeginTable("incidents", 7, flags, ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * rows))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* h : {"id", "severity", "service", "opened", "resolved", "time to resolve", "root cause"})
    ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (std::size_t i = 0; i < incs.size(); ++i) {
    const sre::Incident& inc = incs[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (ImGui::Selectable(inc.id.c_str(), i == sel,
                          ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
      st.selected = inc.id;
    ImGui::TableNextColumn();
    severity_text(inc.severity);
    ImGui::TableNextColumn();
    if (inc.service.empty()) ImGui::TextDisabled("platform");
    else ImGui::TextUnformatted(inc.service.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(short_time(cal, inc.opened_at).c_str());
    ImGui::TableNextColumn();
    if (inc.open()) ImGui::TextColored(kRed, "open");
    else ImGui::TextUnformatted(short_time(cal, inc.resolved_at).c_str());
    ImGui::TableNextColumn();
    if (inc.open()) ImGui::TextDisabled("%s so far", seconds_text(sim.now() - inc.opened_at).c_str());
    else ImGui::TextUnformatted(seconds_text(inc.time_to_resolve()).c_str());
    ImGui::TableNextColumn();
    const std::string& cause = i < d.root_causes.size() ? d.root_causes[i] : std::string();
    if (cause.empty() || cause == "unknown") ImGui::TextDisabled("unknown");
    else ImGui::TextUnformatted(cause.c_str());
    ImGui::PopID();
  }
  ImGui::EndTable();
}

void draw_plan(const Simulation& sim, const sre::Incident& inc) {
  const Calendar& cal = sim.scenario().calendar;
  const sre::ResponsePlan& plan = sre::response_plan(inc.severity);
  const SimTime since = inc.severity_since();
  const SimTime until = inc.open() ? sim.now() : inc.resolved_at;
  ImGui::TextDisabled("for %s, reached %s%s", sre::severity_name(inc.severity), short_time(cal, since).c_str(),
                      plan.escalation_required ? "; escalation required" : "");
  ImGui::TextUnformatted("Immediate actions");
  bullets(plan.immediate_actions);
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  ImGui::TextUnformatted("Communication");
  if (plan.communication.empty()) ImGui::TextDisabled("none");
  else if (ImGui::BeginTable("communication", 4, flags)) {
    for (const char* h : {"audience", "within", "deadline", "condition"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const sre::Notice& n : plan.communication) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(n.audience.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(n.within == 0 ? "at once" : format_duration(n.within).c_str());
      ImGui::TableNextColumn();
      const SimTime due = since + n.within;
      if (due <= until) ImGui::TextUnformatted(short_time(cal, due).c_str());
      else ImGui::TextDisabled("%s (not reached)", short_time(cal, due).c_str());
      ImGui::TableNextColumn();
      if (n.condition.empty()) ImGui::TextDisabled("always");
      else ImGui::TextUnformatted(n.condition.c_str());
    }
    ImGui::EndTable();
  }
  ImGui::TextUnformatted("Escalation");
  if (plan.escalation.empty()) ImGui::TextDisabled("none");
  else if (ImGui::BeginTable("escalation", 3, flags)) {
    for (const char* h : {"after", "at", "role"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const sre::EscalationStep& e : plan.escalation) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_duration(e.after).c_str());
      ImGui::TableNextColumn();
      const SimTime at = since + e.after;
      if (at <= until) ImGui::TextUnformatted(short_time(cal, at).c_str());
      else ImGui::TextDisabled("%s (not reached)", short_time(cal, at).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(e.role.c_str());
    }
    ImGui::EndTable();
  }
  if (!plan.recovery_procedures.empty()) {
    ImGui::TextUnformatted("Recovery procedures");
    bullets(plan.recovery_procedures);
  }
}

void draw_timeline(const Calendar& cal, const std::vector<sre::TimelineEntry>& timeline, const char* id) {
  if (timeline.empty()) {
    ImGui::TextDisabled("empty");
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_SizingFixedFit;
  const float rows = std::min(12.0f, static_cast<float>(timeline.size()) + 1.5f);
  if (!ImGui::BeginTable(id, 3, flags, ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * rows))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("time");
  ImGui::TableSetupColumn("kind");
  ImGui::TableSetupColumn("text", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(timeline.size()));
  while (clipper.Step())
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const sre::TimelineEntry& e = timeline[static_cast<std::size_t>(row)];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(short_time(cal, e.t).c_str());
      ImGui::TableNextColumn();
      if (e.kind == "opened" || e.kind == "alert_firing" || e.kind == "fault_started" || e.kind == "relapse")
        ImGui::TextColored(kRed, "%s", e.kind.c_str());
      else if (e.kind == "resolved" || e.kind == "healthy" || e.kind == "alert_resolved" || e.kind == "fault_ended")
        ImGui::TextColored(kGreen, "%s", e.kind.c_str());
      else ImGui::TextUnformatted(e.kind.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(e.text.c_str());
    }
  ImGui::EndTable();
}

void draw_impact(const Simulation& sim, const sre::Incident& inc) {
  const Calendar& cal = sim.scenario().calendar;
  ImGui::Text("worst status: ");
  ImGui::SameLine(0, 0);
  ImGui::TextColored(status_color(inc.worst_status), "%s", sre::service_status_name(inc.worst_status));
  ImGui::Text("failed requests: %.0f   peak users affected: %llu (%.1f %%)", inc.failed_requests,
              static_cast<unsigned long long>(inc.peak_users_affected), inc.peak_users_affected_percent);
  ImGui::Text("worst availability: %.2f %%   peak p95 latency: %.0f ms", inc.worst_availability_percent,
              inc.peak_latency_p95_ms);
  if (std::isnan(inc.budget_burned_percent)) ImGui::TextDisabled("SLO budget burned: not measured");
  else ImGui::Text("SLO budget burned: %.2f %%", inc.budget_burned_percent);
  std::string services;
  for (const std::string& s : inc.services_impacted) services += (services.empty() ? "" : ", ") + (s.empty() ? "platform" : s);
  ImGui::Text("services impacted: %s", services.empty() ? "-" : services.c_str());
  if (!inc.cause_service.empty()) {
    // The calls from the incident's service down to the dependency found failing at detection.
    const sre::CallGraph& g = sim.incidents()->call_graph();
    std::string calls;
    for (int k : inc.dependency_path)
      calls += (calls.empty() ? g.agents[static_cast<std::size_t>(g.edges[static_cast<std::size_t>(k)].caller)].id : "") +
               " -> " + g.agents[static_cast<std::size_t>(g.edges[static_cast<std::size_t>(k)].callee)].id;
    ImGui::Text("deepest failing dependency: %s (%s)", inc.cause_service.c_str(), calls.c_str());
  }
  ImGui::Text("detected %s%s", short_time(cal, inc.detected_at).c_str(),
              inc.mttd >= 0 ? (", " + seconds_text(inc.mttd) + " after the fault").c_str() : "");
  if (inc.impact_started_at >= 0)
    ImGui::Text("impact started %s (%s)", short_time(cal, inc.impact_started_at).c_str(), inc.impact_metric.c_str());
  ImGui::Text("capacity added: %d time%s   rollbacks: %d", inc.capacity_events, inc.capacity_events == 1 ? "" : "s",
              inc.rollbacks);
  if (inc.data_loss) ImGui::TextColored(kRed, "data loss");
  if (inc.security) ImGui::TextColored(kRed, "security");
}

// How the failure reached users, deepest first: the chain, then each link's figures.
void draw_propagation(const std::vector<sre::PropagationStep>& steps) {
  ImGui::TextUnformatted("How it reached users:");
  ImGui::SameLine();
  if (steps.empty()) {
    ImGui::TextDisabled("no link measured (no failing dependency, no failure over 1 %% of requests)");
    return;
  }
  ImGui::TextWrapped("%s", sre::chain_text(steps).c_str());
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("propagation", 4, flags)) return;
  ImGui::TableSetupColumn("link");
  ImGui::TableSetupColumn("series");
  ImGui::TableSetupColumn("value");
  ImGui::TableSetupColumn("evidence", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const sre::PropagationStep& p = steps[i];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    // The first link is the cause; the last is what users met.
    if (i == 0) ImGui::TextColored(kRed, "%s", p.text.c_str());
    else if (i + 1 == steps.size()) ImGui::TextColored(kAmber, "%s", p.text.c_str());
    else ImGui::TextUnformatted(p.text.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(p.metric.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.0f", p.value);
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", p.evidence.c_str());
  }
  ImGui::EndTable();
}

void draw_postmortem(const Simulation& sim, const sre::Postmortem& pm) {
  const Calendar& cal = sim.scenario().calendar;
  ImGui::TextDisabled("written %s; %s, lasted %s", short_time(cal, pm.written_at).c_str(), sre::severity_name(pm.severity),
                      seconds_text(pm.duration).c_str());
  ImGui::TextWrapped("%s", pm.summary.c_str());
  ImGui::Spacing();
  ImGui::Text("Impact: %.0f failed requests, peak %llu users affected (%.1f %%)", pm.failed_requests,
              static_cast<unsigned long long>(pm.peak_users_affected), pm.peak_users_affected_percent);
  if (!std::isnan(pm.budget_burned_percent)) {
    ImGui::SameLine();
    ImGui::Text(", %.2f %% of the SLO budget", pm.budget_burned_percent);
  }
  ImGui::TextUnformatted("Primary cause:");
  ImGui::SameLine();
  ImGui::TextWrapped("%s", pm.primary_cause.c_str());
  if (pm.propagation_measured) draw_propagation(pm.propagation);
  ImGui::TextUnformatted("Contributing factors");
  bullets(pm.contributing_factors);
  ImGui::TextUnformatted("Detection:");
  ImGui::SameLine();
  ImGui::TextWrapped("%s", pm.detection.c_str());
  ImGui::TextColored(kGreen, "Went well");
  bullets(pm.went_well);
  ImGui::TextColored(kAmber, "Went poorly");
  bullets(pm.went_poorly);
  ImGui::TextUnformatted("Action items");
  if (pm.action_items.empty()) {
    ImGui::TextDisabled("none");
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("actions", 3, flags)) return;
  ImGui::TableSetupColumn("priority");
  ImGui::TableSetupColumn("action");
  ImGui::TableSetupColumn("because", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  for (const sre::ActionItem& a : pm.action_items) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextColored(priority_color(a.priority), "%s", a.priority.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(a.title.c_str());
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", a.because.c_str());
  }
  ImGui::EndTable();
}

void draw_details(const Simulation& sim, const sre::IncidentManager& im, const sre::Incident& inc, int postmortem) {
  const Calendar& cal = sim.scenario().calendar;
  ImGui::Separator();
  ImGui::Text("%s", inc.id.c_str());
  ImGui::SameLine();
  severity_text(inc.severity);
  ImGui::SameLine();
  ImGui::TextUnformatted(inc.title.c_str());
  if (inc.title.find(inc.opened_by) == std::string::npos)
    ImGui::TextDisabled("opened by %s", inc.opened_by.c_str());

  if (ImGui::CollapsingHeader("Severity history", ImGuiTreeNodeFlags_DefaultOpen)) {
    for (const sre::SeverityChange& c : inc.severity_history) {
      ImGui::TextUnformatted(short_time(cal, c.t).c_str());
      ImGui::SameLine();
      severity_text(c.severity);
      ImGui::SameLine();
      ImGui::TextWrapped("%s", c.reason.c_str());
    }
  }
  if (ImGui::CollapsingHeader("Response plan", ImGuiTreeNodeFlags_DefaultOpen)) draw_plan(sim, inc);
  if (ImGui::CollapsingHeader("Contributing factors", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (inc.factors.empty()) ImGui::TextDisabled("none seen");
    for (const sre::ContributingFactor& f : inc.factors)
      ImGui::BulletText("%s on %s: from %s, %d interval%s (%s)", f.kind.c_str(),
                        f.service.empty() ? "the platform" : f.service.c_str(), short_time(cal, f.first_seen).c_str(),
                        f.intervals, f.intervals == 1 ? "" : "s", seconds_text(f.duration).c_str());
  }
  if (ImGui::CollapsingHeader("Impact", ImGuiTreeNodeFlags_DefaultOpen)) draw_impact(sim, inc);
  if (ImGui::CollapsingHeader("Timeline", ImGuiTreeNodeFlags_DefaultOpen)) draw_timeline(cal, inc.timeline, "timeline");
  if (postmortem >= 0 && static_cast<std::size_t>(postmortem) < im.postmortems().size()) {
    if (ImGui::CollapsingHeader("Postmortem", ImGuiTreeNodeFlags_DefaultOpen))
      draw_postmortem(sim, im.postmortems()[static_cast<std::size_t>(postmortem)]);
  } else if (inc.open()) {
    ImGui::TextDisabled("No postmortem yet: one is written when the incident resolves, if its severity calls for it.");
  } else {
    ImGui::TextDisabled("No postmortem: %s is not among postmortem_for.", sre::severity_name(inc.severity));
  }
}

}  // namespace

void draw_incidents(App& app) {
  const Simulation& sim = app.sim();
  PanelState& st = state();
  ImGui::BeginChild("incidents");
  ImGui::TextDisabled("incidents opened by page alerts and faults, their response and postmortems");
  app.remember_widget("panel:incidents");
  const sre::IncidentManager* im = sim.incidents();
  if (!im) {
    draw_no_incidents();
    ImGui::EndChild();
    return;
  }
  if (st.run_id != app.run_id()) {
    st.run_id = app.run_id();
    st.selected.clear();
  }
  Derived& d = st.derived;
  if (d.stamp.stale(app)) derive(*im, d);
  draw_summary(*im);

  const auto& incs = im->incidents();
  ImGui::Spacing();
  if (incs.empty()) {
    ImGui::TextDisabled("No incidents yet.");
    ImGui::EndChild();
    return;
  }
  std::size_t sel = incs.size() - 1;  // the latest, until one is chosen
  for (std::size_t i = 0; i < incs.size(); ++i)
    if (incs[i].id == st.selected) sel = i;
  draw_incident_table(sim, *im, d, sel, st);
  const int pm = sel < d.postmortem.size() ? d.postmortem[sel] : -1;
  draw_details(sim, *im, incs[sel], pm);
  ImGui::EndChild();
}

}  // namespace opsim::ui
