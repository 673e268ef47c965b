// Tenants: isolation, load, latency and errors over the run, quota use now (a bar per
// resource) and rejections by limit.
#include <cstdio>
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {
namespace {

void quota_bar(const char* label, double used, double limit) {
  const float share = limit > 0 ? static_cast<float>(used / limit) : 0.0f;
  char overlay[64];
  std::snprintf(overlay, sizeof overlay, "%s %.4g / %.4g", label, used, limit);
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, share >= 0.9f ? ImVec4(0.84f, 0.37f, 0.0f, 1) : ImVec4(0.0f, 0.62f, 0.45f, 1));
  ImGui::ProgressBar(share > 1 ? 1.0f : share, ImVec2(-1, 0), overlay);
  ImGui::PopStyleColor();
}

}  // namespace

void draw_tenants(App& app) {
  if (!ImGui::CollapsingHeader("Tenants", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const Simulation& sim = app.sim();
  const std::vector<double> v = sim.summary_values();
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("tenants", 6, flags)) return;
  for (const char* h : {"tenant", "req/s", "avail %", "p95 ms", "failed", "rejected"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (std::size_t t = 0; t < sim.scenario().tenants.size(); ++t) {
    const TenantSpec& tenant = sim.scenario().tenants[t];
    const std::string p = "tenant." + tenant.id + ".";
    auto get = [&](const char* m) { return v[static_cast<std::size_t>(sim.metrics().find(p + m))]; };
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(tenant.id.c_str());
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s\nisolation: %s\n%zu users\nquota use over the run: %.1f %% (highest resource)\n"
                        "bill so far: $%.2f%s%s",
                        tenant.name.c_str(), isolation_name(tenant.isolation), tenant.users.size(),
                        get("quota_utilization_percent"), get("billing_usd"), tenant.billing.plan.empty() ? "" : " on plan ",
                        tenant.billing.plan.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.2f", get("request_rate"));
    ImGui::TableNextColumn();
    ImGui::Text("%.3f", get("availability_percent"));
    ImGui::TableNextColumn();
    ImGui::Text("%.0f", get("latency_p95_ms"));
    ImGui::TableNextColumn();
    ImGui::Text("%.0f", get("requests_failed"));
    ImGui::TableNextColumn();
    ImGui::Text("%.0f", get("requests_rejected"));
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("by limit exceeded (one rejection may exceed several):\n"
                        "concurrent agents %.0f\nmemory %.0f\ncpu %.0f\nrequest rate %.0f",
                        get("requests_rejected_concurrent_agents"), get("requests_rejected_memory"),
                        get("requests_rejected_cpu"), get("requests_rejected_request_rate"));
  }
  ImGui::EndTable();

  // Quota use now, per tenant and resource.
  for (std::size_t t = 0; t < sim.scenario().tenants.size(); ++t) {
    const TenantSpec& tenant = sim.scenario().tenants[t];
    const QuotaUsage& u = sim.tenant_usage(static_cast<int>(t));
    const QuotaSpec& q = tenant.quota;
    if (!ImGui::TreeNode(tenant.id.c_str(), "%s quota (%s)", tenant.id.c_str(), isolation_name(tenant.isolation))) continue;
    quota_bar("agents", u.concurrent_agents, q.max_concurrent_agents);
    quota_bar("memory MiB", u.memory_mb, q.max_memory_mb);
    quota_bar("cores", u.cpu_cores, q.max_cpu_cores);
    quota_bar("requests / 60 s", u.requests_in_window, q.max_requests_per_minute);
    ImGui::TextDisabled("max execution time %s", format_duration(q.max_execution_time).c_str());
    ImGui::TreePop();
  }
}

}  // namespace opsim::ui
