// Deployments: each release the scenario ships (id, service, strategy, phase, progress,
// times, outcome); for the one selected, what it ships, its gates, its canary analyses
// (canary against baseline: requests, error rate, p95, verdict and reason) and a "Roll back
// now" button that rolls it back in the running simulation (App::rollback_deployment).
//
// The deployment views (they copy the analyses) are taken once per simulated instant
// (cached by App::run_id() and sim.now()), not once per frame.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "panels.h"
#include "style.h"
#include "scaling/decision.h"

namespace opsim::ui {
namespace {

bool in_progress(const std::string& phase) {
  return phase == "rolling" || phase == "canary" || phase == "warming" || phase == "baking";
}

ImVec4 phase_color(const std::string& phase) {
  if (phase == "completed") return kGreen;
  if (phase == "rolled_back") return kOrange;
  if (phase == "waiting") return kAmber;
  if (in_progress(phase)) return kBlue;
  return ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);  // scheduled
}

struct Derived {
  DerivedStamp stamp;
  std::vector<Simulation::DeploymentView> views;
};

struct PanelState {
  Derived derived;
  std::uint64_t run_id = ~std::uint64_t{0};
  std::size_t scenario = 0;  // hash of the scenario text: a what-if keeps the selection, a load does not
  int selected = -1;  // -1: the one in progress, else the latest started
  std::string message;  // what the last Roll back now did
};

PanelState& state() {
  static PanelState s;  // one App per process; the cache is keyed by run_id and time
  return s;
}

void derive(const Simulation& sim, Derived& d) {
  d.views.clear();
  for (std::size_t i = 0; i < sim.deployment_count(); ++i) d.views.push_back(sim.deployment_view(i));
}

int default_selection(const std::vector<Simulation::DeploymentView>& views) {
  int latest = 0;
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (in_progress(views[i].phase)) return static_cast<int>(i);
    if (views[i].started_at >= 0 && views[i].started_at >= views[static_cast<std::size_t>(latest)].started_at)
      latest = static_cast<int>(i);
  }
  return latest;
}

void progress(const Simulation::DeploymentView& v) {
  const DeploymentSpec& s = *v.spec;
  const int steps = static_cast<int>(s.canary_steps.size());
  const float width = ImGui::GetFontSize() * 13;
  char text[96];
  float fraction = 0;
  if (v.phase == "scheduled" || v.phase == "waiting") {
    ImGui::TextDisabled("-");
    return;
  }
  if (s.strategy == DeploymentSpec::Strategy::canary) {
    int step = v.step;  // the step running now; otherwise the last one analysed
    if (step < 0 && !v.analyses.empty()) step = std::max(0, v.analyses.back().step);
    if (v.phase == "completed") step = steps - 1;
    std::snprintf(text, sizeof text, "step %d/%d, %g %% of traffic", std::max(0, step) + 1, steps, v.weight_percent);
    fraction = static_cast<float>(v.weight_percent / 100.0);
  } else {
    const int total = v.new_instances + v.old_instances;
    std::snprintf(text, sizeof text, "%d new, %d old%s", v.new_instances, v.old_instances,
                  s.strategy == DeploymentSpec::Strategy::blue_green ? (v.weight_percent >= 100 ? ", switched" : "") : "");
    fraction = total > 0 ? static_cast<float>(v.new_instances) / static_cast<float>(total) : 0;
    if (s.strategy == DeploymentSpec::Strategy::blue_green && v.phase == "warming")
      fraction = 0;  // the new fleet takes no traffic until the switch
  }
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, phase_color(v.phase));
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
  ImGui::ProgressBar(fraction, ImVec2(width, 0), text);
  ImGui::PopStyleColor(2);
}

void draw_table(const Simulation& sim, const std::vector<Simulation::DeploymentView>& views, int sel, PanelState& st) {
  const Calendar& cal = sim.scenario().calendar;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_SizingFixedFit;
  const float rows = std::min(8.0f, static_cast<float>(views.size()) + 1.5f);
  const float row_h = ImGui::GetFrameHeight() + ImGui::GetStyle().CellPadding.y * 2;
  if (!ImGui::BeginTable("deployments", 8, flags, ImVec2(0, row_h * rows))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* h : {"id", "service", "strategy", "phase", "progress", "started", "finished"}) ImGui::TableSetupColumn(h);
  ImGui::TableSetupColumn("outcome", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  for (std::size_t i = 0; i < views.size(); ++i) {
    const Simulation::DeploymentView& v = views[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (ImGui::Selectable(v.spec->id.c_str(), static_cast<int>(i) == sel,
                          ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap,
                          ImVec2(0, ImGui::GetFrameHeight())))
      st.selected = static_cast<int>(i);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(v.spec->service.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(sre::deployment_strategy_name(v.spec->strategy));
    ImGui::TableNextColumn();
    ImGui::TextColored(phase_color(v.phase), "%s", v.phase.c_str());
    ImGui::TableNextColumn();
    progress(v);
    ImGui::TableNextColumn();
    if (v.started_at >= 0) ImGui::TextUnformatted(short_time(cal, v.started_at).c_str());
    else ImGui::TextDisabled("due %s", short_time(cal, v.spec->at).c_str());
    ImGui::TableNextColumn();
    if (v.finished_at >= 0) ImGui::TextUnformatted(short_time(cal, v.finished_at).c_str());
    else ImGui::TextDisabled("-");
    ImGui::TableNextColumn();
    if (v.outcome.empty()) ImGui::TextDisabled("-");
    else ImGui::TextUnformatted(v.outcome.c_str());
    tooltip(v.outcome);
    ImGui::PopID();
  }
  ImGui::EndTable();
}

// What the release changes and how it is judged.
void draw_spec(const DeploymentSpec& s) {
  ImGui::Text("ships version with +%g %% errors and x%g work time", s.version_error_percent, s.version_latency_factor);
  switch (s.strategy) {
    case DeploymentSpec::Strategy::rolling:
      ImGui::TextDisabled("rolling: instances replaced with max surge %d, max unavailable %d; no analysis (SLOs and "
                          "incidents catch a bad release)",
                          s.rolling_max_surge, s.rolling_max_unavailable);
      return;
    case DeploymentSpec::Strategy::canary: {
      std::string steps;
      for (double w : s.canary_steps) steps += (steps.empty() ? "" : ", ") + scaling::format_number(w, 0) + " %";
      ImGui::TextDisabled("canary: %s of traffic, %s per step", steps.c_str(), format_duration(s.canary_step_duration).c_str());
      break;
    }
    case DeploymentSpec::Strategy::blue_green:
      ImGui::TextDisabled("blue-green: a second fleet warms up, traffic switches at once, the old fleet stands by for %s",
                          format_duration(s.canary_step_duration).c_str());
      break;
  }
  std::string gates = "gates: canary errors <= " + scaling::format_number(s.canary_max_error_rate_percent) + " %";
  gates += s.canary_max_latency_p95_ms > 0 ? ", canary p95 <= " + scaling::format_number(s.canary_max_latency_p95_ms, 0) + " ms"
                                           : ", no latency gate";
  gates += " (a gate fails only when the canary is also worse than the baseline); ";
  gates += s.auto_rollback ? "a failed analysis rolls back" : "auto_rollback off: a failed analysis is only reported";
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", gates.c_str());
  ImGui::PopStyleColor();
}

void draw_analyses(const Simulation& sim, const Simulation::DeploymentView& v) {
  const Calendar& cal = sim.scenario().calendar;
  const DeploymentSpec& s = *v.spec;
  if (s.strategy == DeploymentSpec::Strategy::rolling) return;
  ImGui::TextUnformatted("Canary analyses");
  if (v.analyses.empty()) {
    ImGui::TextDisabled(v.started_at < 0 ? "none: not started" : "none yet: one ends each step");
    return;
  }
  // A few rows at most (a step, its extensions for lack of data, the next step...): no
  // scrolling, so that a reason can wrap.
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("analyses", 9, flags)) return;
  for (const char* h : {"time", "step", "weight", "requests c / b", "errors c / b", "p95 c / b", "gate", "verdict"})
    ImGui::TableSetupColumn(h);
  ImGui::TableSetupColumn("reason", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  const int steps = static_cast<int>(s.canary_steps.size());
  for (const sre::CanaryAnalysis& a : v.analyses) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(short_time(cal, a.at).c_str());
    ImGui::TableNextColumn();
    if (a.step >= 0) ImGui::Text("%d/%d", a.step + 1, steps);
    else ImGui::TextUnformatted("bake");
    ImGui::TableNextColumn();
    ImGui::Text("%g %%", a.weight_percent);
    ImGui::TableNextColumn();
    ImGui::Text("%llu / %llu", static_cast<unsigned long long>(a.canary_requests),
                static_cast<unsigned long long>(a.baseline_requests));
    ImGui::TableNextColumn();
    const bool err_over = a.canary_error_percent > s.canary_max_error_rate_percent;
    ImGui::TextColored(err_over ? kRed : ImGui::GetStyleColorVec4(ImGuiCol_Text), "%.2f %%", a.canary_error_percent);
    ImGui::SameLine(0, 0);
    ImGui::Text(" / %.2f %%", a.baseline_error_percent);
    ImGui::TableNextColumn();
    const bool p95_over = s.canary_max_latency_p95_ms > 0 && a.canary_p95_ms > s.canary_max_latency_p95_ms;
    ImGui::TextColored(p95_over ? kRed : ImGui::GetStyleColorVec4(ImGuiCol_Text), "%.0f", a.canary_p95_ms);
    ImGui::SameLine(0, 0);
    ImGui::Text(" / %.0f ms", a.baseline_p95_ms);
    ImGui::TableNextColumn();
    if (s.canary_max_latency_p95_ms > 0)
      ImGui::TextDisabled("%g %%, %g ms", s.canary_max_error_rate_percent, s.canary_max_latency_p95_ms);
    else
      ImGui::TextDisabled("%g %%", s.canary_max_error_rate_percent);
    ImGui::TableNextColumn();
    if (!a.enough_data) ImGui::TextColored(kAmber, "too few");
    else if (a.passed) ImGui::TextColored(kGreen, "passed");
    else ImGui::TextColored(kRed, "failed");
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", a.reason.c_str());
  }
  ImGui::EndTable();
}

void draw_details(App& app, const std::vector<Simulation::DeploymentView>& views, std::size_t sel, PanelState& st) {
  const Simulation::DeploymentView& v = views[sel];
  ImGui::Separator();
  ImGui::Text("%s", v.spec->id.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("%s of %s:", sre::deployment_strategy_name(v.spec->strategy), v.spec->service.c_str());
  ImGui::SameLine();
  ImGui::TextColored(phase_color(v.phase), "%s", v.phase.c_str());
  ImGui::SameLine(0, ImGui::GetFontSize() * 2);
  const bool possible = app.sim().can_roll_back(sel);
  ImGui::BeginDisabled(!possible);
  if (ImGui::Button("Roll back now")) {
    const std::string id = v.spec->id;
    const Calendar& cal = app.sim().scenario().calendar;
    app.rollback_deployment(sel);  // bumps run_id: the views are taken again next frame
    st.run_id = app.run_id();      // this change keeps the message below
    st.message = app.sim().deployment_view(sel).phase == "rolled_back"
                     ? id + " rolled back at " + short_time(cal, app.sim().now()) + "."
                     : id + " was not rolled back: a later release has replaced it.";
  }
  ImGui::EndDisabled();
  app.remember_widget("deploy-rollback");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", possible ? "Roll this release back in the running simulation, now (not in the scenario text)."
                                     : "Only a release that has started and has not been rolled back or replaced.");
  if (!st.message.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", st.message.c_str());
  }
  if (!v.outcome.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, phase_color(v.phase));
    ImGui::TextWrapped("%s", v.outcome.c_str());
    ImGui::PopStyleColor();
  }
  draw_spec(*v.spec);
  ImGui::Spacing();
  draw_analyses(app.sim(), v);
}

}  // namespace

void draw_deployments(App& app) {
  const Simulation& sim = app.sim();
  PanelState& st = state();
  ImGui::BeginChild("deployments");
  ImGui::TextDisabled("releases of new versions: rolling, canary and blue-green, with their analyses");
  app.remember_widget("panel:deployments");
  if (sim.deployment_count() == 0) {
    ImGui::TextWrapped("This scenario has no deployments: try deploy-bad-rolling or deploy-bad-canary in the Library tab.");
    ImGui::EndChild();
    return;
  }
  if (st.run_id != app.run_id()) {
    // Another run, or another what-if: the message is out of date; the selection stays
    // unless the scenario itself changed.
    st.run_id = app.run_id();
    st.message.clear();
    const std::size_t scenario = std::hash<std::string>()(app.scenario_text());
    if (scenario != st.scenario || st.selected >= static_cast<int>(sim.deployment_count())) {
      st.scenario = scenario;
      st.selected = -1;
    }
  }
  Derived& d = st.derived;
  if (d.stamp.stale(app) || d.views.size() != sim.deployment_count()) derive(sim, d);
  int sel = st.selected >= 0 ? st.selected : default_selection(d.views);
  sel = std::clamp(sel, 0, static_cast<int>(d.views.size()) - 1);
  draw_table(sim, d.views, sel, st);
  draw_details(app, d.views, static_cast<std::size_t>(sel), st);
  ImGui::EndChild();
}

}  // namespace opsim::ui
