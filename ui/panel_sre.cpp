// SRE: the reliability review of the run so far (core/report/sre_dashboard.h): each
// service's availability against its SLO target and its status; each SLO's budget and
// burn rates with the burn-rate alerts firing; incidents of the last 30 days by severity
// with MTTR, MTTD and postmortem coverage; trends of availability, error rate, p95 latency
// and cost rate (the latest period of the history against the one before); and the
// recommendations, each with the figures that triggered it.
//
// The dashboard is derived once per simulated instant (cached by App::run_id() and
// sim.now()), not once per frame.
#include <cmath>
#include <cstdint>
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"
#include "style.h"
#include "report/sre_dashboard.h"

namespace opsim::ui {
namespace {

void burn_text(double burn) {
  if (burn > 6) ImGui::TextColored(kRed, "%.2f", burn);  // the workbook's slower page
  else if (burn > 1) ImGui::TextColored(kAmber, "%.2f", burn);
  else ImGui::Text("%.2f", burn);
}

struct PanelState {
  DerivedStamp stamp;
  SreDashboard dashboard;
};

PanelState& state() {
  static PanelState s;  // one App per process; the cache is keyed by run_id and time
  return s;
}

void services_table(const SreDashboard& d) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("sre-services", 5, flags)) return;
  for (const char* h : {"service", "availability", "target", "met", "status now"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (const SreServiceRow& s : d.services) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(s.service.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.3f %%", s.availability_percent);
    tooltip("Succeeded / (succeeded + failed) over the run so far.");
    ImGui::TableNextColumn();
    if (s.has_target) {
      ImGui::Text("%g %%", s.target_percent);
      tooltip("From SLO " + s.target_slo + " (the service's own availability SLO, else one for every service).");
    } else {
      ImGui::TextDisabled("none");
      tooltip("No availability SLO covers this service.");
    }
    ImGui::TableNextColumn();
    if (!s.has_target) ImGui::TextDisabled("-");
    else if (s.met) ImGui::TextColored(kGreen, "met");
    else ImGui::TextColored(kRed, "NOT MET");
    ImGui::TableNextColumn();
    ImGui::TextColored(status_color(s.status), "%s", sre::service_status_name(s.status));
    tooltip(s.status_reason);
  }
  ImGui::EndTable();
}

void slos_table(const Simulation& sim, const SreDashboard& d) {
  if (d.slos.empty()) {
    ImGui::TextDisabled("No SLOs in this scenario (see the SLOs tab for an example).");
    return;
  }
  const Calendar& cal = sim.scenario().calendar;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("sre-slos", 8, flags)) return;
  for (const char* h : {"SLO", "SLI", "target", "budget left", "burn 1 h", "burn 6 h", "compliant", "alerts firing"})
    ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (const SreSloRow& r : d.slos) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(r.id.c_str());
    tooltip(r.indicator + " of " + (r.service.empty() ? "every service" : r.service) + " over " +
            format_duration(r.window));
    ImGui::TableNextColumn();
    ImGui::Text("%.3f %%", r.sli_percent);
    ImGui::TableNextColumn();
    ImGui::Text("%g %%", r.target_percent);
    ImGui::TableNextColumn();
    const ImVec4 budget = r.budget_remaining_percent < 0    ? kRed
                          : r.budget_remaining_percent < 25 ? kAmber
                                                            : ImGui::GetStyleColorVec4(ImGuiCol_Text);
    ImGui::TextColored(budget, "%.1f %%", r.budget_remaining_percent);
    ImGui::TableNextColumn();
    burn_text(r.burn_rate_1h);
    ImGui::TableNextColumn();
    burn_text(r.burn_rate_6h);
    ImGui::TableNextColumn();
    if (r.compliant) ImGui::TextColored(kGreen, "yes");
    else ImGui::TextColored(kRed, "no");
    ImGui::TableNextColumn();
    if (r.firing.empty()) ImGui::TextDisabled("none");
    for (std::size_t i = 0; i < r.firing.size(); ++i) {
      const SreSloRow::FiringRule& f = r.firing[i];
      if (i) ImGui::SameLine();
      ImGui::TextColored(f.severity == "page" ? kRed : kAmber, "%gx %s", f.factor, f.severity.c_str());
      tooltip(f.rule + ", firing since " + short_time(cal, f.since));
    }
  }
  ImGui::EndTable();
}

void incidents_block(const Simulation& sim, const SreDashboard& d) {
  const SreIncidentSummary& s = d.incidents;
  if (!s.enabled) {
    ImGui::TextDisabled("No incidents section: no incidents are opened (see the Incidents tab).");
    return;
  }
  const Calendar& cal = sim.scenario().calendar;
  const unsigned long long total = s.total;
  if (s.whole_run) ImGui::Text("%llu incident%s over the run (shorter than 30 days):", total, total == 1 ? "" : "s");
  else
    ImGui::Text("%llu incident%s in the last 30 days (since %s):", total, total == 1 ? "" : "s",
                short_time(cal, s.from).c_str());
  for (int k = 0; k < 4; ++k) {
    ImGui::SameLine();
    ImGui::TextColored(severity_color(static_cast<sre::Severity>(k + 1)), "sev%d %llu", k + 1, static_cast<unsigned long long>(s.by_severity[k]));
  }
  ImGui::SameLine();
  if (s.open > 0) ImGui::TextColored(kRed, "open %llu", static_cast<unsigned long long>(s.open));
  else ImGui::TextColored(kGreen, "open 0");

  if (std::isnan(s.mttr_minutes)) ImGui::TextUnformatted("MTTR -");
  else if (sim.incidents() &&
           s.mttr_minutes * kMicrosPerMinute > static_cast<double>(sim.incidents()->thresholds().mttr_target))
    ImGui::TextColored(kAmber, "MTTR %.1f min", s.mttr_minutes);
  else ImGui::Text("MTTR %.1f min", s.mttr_minutes);
  tooltip("Mean time from opening to resolution over the window's resolved incidents.");
  ImGui::SameLine();
  if (std::isnan(s.mttd_minutes)) ImGui::TextUnformatted("MTTD -");
  else ImGui::Text("MTTD %.1f min", s.mttd_minutes);
  tooltip("Mean time from the causing fault's start to detection, over incidents with a known cause.");
  ImGui::SameLine();
  if (std::isnan(s.postmortem_coverage_percent)) {
    ImGui::TextDisabled("postmortems: none due");
  } else {
    const ImVec4 c = s.postmortem_coverage_percent < 100 ? kAmber : kGreen;
    ImGui::TextColored(c, "postmortems %llu of %llu (%.0f %%)", static_cast<unsigned long long>(s.postmortems_written),
                       static_cast<unsigned long long>(s.postmortems_due), s.postmortem_coverage_percent);
  }
  tooltip("Postmortems written / resolved incidents of the window whose severity is in incidents.postmortem_for.");
  if (!s.by_service.empty()) {
    ImGui::TextDisabled("by service:");
    for (const auto& [service, n] : s.by_service) {
      ImGui::SameLine();
      ImGui::Text("%s %llu", service.empty() ? "platform" : service.c_str(), static_cast<unsigned long long>(n));
    }
  }
}

// "^ 4.2 %", "v 0.3 pp": the arrow is the sign of the change; the colour its meaning.
void trends_table(const Simulation& sim, const SreDashboard& d) {
  const SreTrends& t = d.trends;
  if (!t.measured) {
    ImGui::TextDisabled("Not enough history yet: two scrape intervals are needed.");
    return;
  }
  const Calendar& cal = sim.scenario().calendar;
  ImGui::TextDisabled("the last %s (%s to %s) against the %s before", format_duration(t.period).c_str(),
                      short_time(cal, t.recent_from).c_str(), short_time(cal, t.to).c_str(),
                      format_duration(t.period).c_str());
  tooltip("Period: 24 h once the retained history covers 48 h, else half of it. Availability and error rate are "
          "weighted by requests, p95 by successful requests; cost is the cost accrued per hour.");
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("sre-trends", 5, flags)) return;
  for (const char* h : {"metric", "before", "recent", "change", "trend"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (const SreTrend& m : t.metrics) {
    const bool percent = m.metric == "availability_percent" || m.metric == "error_rate_percent";
    const bool cost = m.metric == "cost_usd_per_hour";
    const char* unit = percent ? " %" : cost ? " $/h" : " ms";
    const char* number = percent ? "%.3f%s" : "%.2f%s";
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(m.metric.c_str());
    if (!m.measured) {
      ImGui::TableNextColumn();
      ImGui::TextDisabled("-");
      ImGui::TableNextColumn();
      ImGui::TextDisabled("-");
      ImGui::TableNextColumn();
      ImGui::TextDisabled("-");
      ImGui::TableNextColumn();
      ImGui::TextDisabled("no requests");
      continue;
    }
    ImGui::TableNextColumn();
    ImGui::Text(number, m.previous, unit);
    ImGui::TableNextColumn();
    ImGui::Text(number, m.recent, unit);
    ImGui::TableNextColumn();
    const char* arrow = m.change > 0 ? "^" : m.change < 0 ? "v" : "=";
    if (percent) ImGui::Text("%s %.3f pp", arrow, std::fabs(m.change));
    else if (std::isnan(m.change_percent)) ImGui::Text("%s %.2f%s", arrow, std::fabs(m.change), unit);
    else ImGui::Text("%s %.1f %%", arrow, std::fabs(m.change_percent));
    ImGui::TableNextColumn();
    const ImVec4 c = m.direction == "worsening"   ? kRed
                     : m.direction == "improving" ? kGreen
                                                  : ImGui::GetStyleColorVec4(ImGuiCol_Text);
    ImGui::TextColored(c, "%s %s", m.direction == "stable" ? "=" : arrow, m.direction.c_str());
    tooltip("Stable within " + m.stable_within + ".");
  }
  ImGui::EndTable();
}

void recommendations_table(const SreDashboard& d) {
  if (d.recommendations.empty()) {
    ImGui::TextColored(kGreen, "None: no rule was triggered by the figures above.");
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("sre-recommendations", 2, flags)) return;
  ImGui::TableSetupColumn("priority");
  ImGui::TableSetupColumn("recommendation", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  for (const SreRecommendation& r : d.recommendations) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextColored(priority_color(r.priority), "%s", r.priority.c_str());
    tooltip("rule: " + r.rule);
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", r.text.c_str());
  }
  ImGui::EndTable();
}

}  // namespace

void draw_sre(App& app) {
  const Simulation& sim = app.sim();
  PanelState& st = state();
  if (st.stamp.stale(app)) st.dashboard = sre_dashboard(sim);
  const SreDashboard& d = st.dashboard;
  ImGui::BeginChild("sre");
  if (d.evaluated_at >= 0)
    ImGui::TextDisabled("reliability review of the run so far; SLO figures at the last scrape, %s",
                        short_time(sim.scenario().calendar, d.evaluated_at).c_str());
  else
    ImGui::TextDisabled("reliability review of the run so far; no scrape yet");
  app.remember_widget("panel:sre");
  if (ImGui::CollapsingHeader("Services: availability against target", ImGuiTreeNodeFlags_DefaultOpen)) services_table(d);
  if (ImGui::CollapsingHeader("SLOs: budgets and burn rates", ImGuiTreeNodeFlags_DefaultOpen)) slos_table(sim, d);
  if (ImGui::CollapsingHeader("Incidents", ImGuiTreeNodeFlags_DefaultOpen)) incidents_block(sim, d);
  if (ImGui::CollapsingHeader("Trends", ImGuiTreeNodeFlags_DefaultOpen)) trends_table(sim, d);
  if (ImGui::CollapsingHeader("Recommendations", ImGuiTreeNodeFlags_DefaultOpen)) recommendations_table(d);
  ImGui::EndChild();
}

}  // namespace opsim::ui
