// Alerts: every rule with its state (pending, firing), the value that put it there and how
// often it fired, and the latest alert and scaling events with their reasons.
#include <cmath>
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {

void draw_alerts(App& app) {
  const Simulation& sim = app.sim();
  const AlertEvaluator& alerts = sim.alerts();
  const Calendar& cal = sim.scenario().calendar;
  ImGui::Text("%llu alert(s) fired so far", static_cast<unsigned long long>(alerts.fired_total()));
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (ImGui::BeginTable("rules", 6, flags)) {
    for (const char* h : {"rule", "condition", "for", "severity", "state", "fired"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    const std::vector<ActiveAlert> active = alerts.active();
    for (std::size_t i = 0; i < alerts.size(); ++i) {
      const RuleSpec& r = alerts.rules()[i];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.id.c_str());
      ImGui::TableNextColumn();
      const std::string scope = !r.tenant.empty() ? "tenant." + r.tenant + "." : !r.service.empty() ? "service." + r.service + "." : "";
      ImGui::Text("%s%s %s %g", scope.c_str(), r.metric.c_str(), op_text(r.op), r.value);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_duration(r.for_).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.severity.c_str());
      ImGui::TableNextColumn();
      const AlertState st = alerts.state(i);
      const ActiveAlert* a = nullptr;
      for (const ActiveAlert& x : active)
        if (x.rule_index == static_cast<int>(i)) a = &x;
      if (st == AlertState::firing && a)
        ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "firing since %s (%.4g)", cal.iso8601(a->fired_at).c_str(), a->value);
      else if (st == AlertState::pending && a)
        ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.3f, 1), "pending since %s (%.4g)", cal.iso8601(a->active_since).c_str(), a->value);
      else
        ImGui::TextDisabled("ok");
      ImGui::TableNextColumn();
      ImGui::Text("%llu", static_cast<unsigned long long>(alerts.fired_count(i)));
    }
    ImGui::EndTable();
  }
  ImGui::Separator();
  ImGui::TextDisabled("latest alert, notification and scaling events");
  ImGui::BeginChild("alert-events", ImVec2(0, 0), true);
  const auto& events = sim.recent_events();
  int shown = 0;
  for (auto it = events.rbegin(); it != events.rend() && shown < 200; ++it) {
    const std::string& k = it->kind;
    if (k.rfind("alert_", 0) != 0 && k != "notification" && k != "scale_out" && k != "scale_in") continue;
    ImGui::TextDisabled("%s", cal.iso8601(it->t).c_str());
    ImGui::SameLine();
    ImGui::TextWrapped("%s", it->json.c_str());
    ++shown;
  }
  ImGui::EndChild();
}

}  // namespace opsim::ui
