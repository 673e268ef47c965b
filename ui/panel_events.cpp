// The event log: every decision the simulation logged, newest last, filtered by kind.
#include <set>
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"
#include "report/event_json.h"

namespace opsim::ui {

void draw_events(App& app) {
  const auto& events = app.sim().recent_events();
  std::set<EventKind>& hidden = app.hidden_event_kinds;
  std::set<EventKind> kinds;
  for (const LogEvent& e : events) kinds.insert(e.kind);
  ImGui::TextDisabled("kinds:");
  for (const EventKind k : kinds) {
    ImGui::SameLine();
    bool shown = hidden.count(k) == 0;
    if (ImGui::Checkbox(event_kind_name(k), &shown)) {
      if (shown) hidden.erase(k);
      else hidden.insert(k);
    }
  }
  ImGui::TextDisabled("%zu events kept (the newest %zu)", events.size(), Simulation::kRecentEvents);
  ImGui::BeginChild("events", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
  const Calendar& cal = app.sim().scenario().calendar;
  for (const LogEvent& e : events) {
    if (hidden.count(e.kind)) continue;
    ImGui::TextDisabled("%s", cal.iso8601(e.t).c_str());
    ImGui::SameLine();
    ImGui::TextUnformatted(event_json(e).c_str());
  }
  if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 5) ImGui::SetScrollHereY(1.0f);
  ImGui::EndChild();
}

}  // namespace opsim::ui
