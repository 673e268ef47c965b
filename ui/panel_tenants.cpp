// Tenants: load, latency and errors per tenant over the run.
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {

void draw_tenants(App& app) {
  if (!ImGui::CollapsingHeader("Tenants", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const Simulation& sim = app.sim();
  const std::vector<double> v = sim.summary_values();
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("tenants", 6, flags)) return;
  for (const char* h : {"tenant", "req/s", "requests", "avail %", "p95 ms", "failed"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (const TenantSpec& t : sim.scenario().tenants) {
    const std::string p = "tenant." + t.id + ".";
    auto get = [&](const char* m) { return v[static_cast<std::size_t>(sim.metrics().find(p + m))]; };
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(t.id.c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s (%zu users)", t.name.c_str(), t.users.size());
    ImGui::TableNextColumn();
    ImGui::Text("%.2f", get("request_rate"));
    ImGui::TableNextColumn();
    ImGui::Text("%.0f", get("requests_total"));
    ImGui::TableNextColumn();
    ImGui::Text("%.3f", get("availability_percent"));
    ImGui::TableNextColumn();
    ImGui::Text("%.0f", get("latency_p95_ms"));
    ImGui::TableNextColumn();
    ImGui::Text("%.0f", get("requests_failed"));
  }
  ImGui::EndTable();
}

}  // namespace opsim::ui
