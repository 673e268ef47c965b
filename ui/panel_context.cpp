// The context inspector: each provider with its priority, cache and failures, and what a
// chosen tenant's user would receive now (entries, denials, the rendered prompt).
#include <string>

#include "app.h"
#include "context/tenant_context.h"
#include "imgui.h"
#include "misc/cpp/imgui_stdlib.h"
#include "panels.h"

namespace opsim::ui {
namespace {

const char* kind_name(ProviderSpec::Kind k) {
  switch (k) {
    case ProviderSpec::Kind::policy: return "policy";
    case ProviderSpec::Kind::business: return "business";
    case ProviderSpec::Kind::operational: return "operational";
    case ProviderSpec::Kind::custom: return "custom";
  }
  return "";
}

}  // namespace

void draw_context(App& app) {
  const Simulation& sim = app.sim();
  const ContextEngine& ctx = sim.context();
  const Scenario& sc = sim.scenario();
  if (!ctx.enabled()) {
    ImGui::TextWrapped("This scenario has no context section: requests reach the service without enterprise context. "
                       "See the \"context-outage\" scenario in the library.");
    return;
  }
  ImGui::Text("Context providers, consulted in this order for keys:");
  ImGui::SameLine();
  std::string keys;
  for (const std::string& k : ctx.keys()) keys += (keys.empty() ? "" : ", ") + k;
  ImGui::TextDisabled("%s", keys.c_str());
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (ImGui::BeginTable("providers", 8, flags)) {
    for (const char* h : {"provider", "kind", "priority", "cache ttl", "look-ups", "cache hits %", "failures", "state"})
      ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (int i : ctx.consultation_order()) {
      const ProviderSpec& p = sc.context.providers[static_cast<std::size_t>(i)];
      const ContextEngine::ProviderStats& st = ctx.provider_stats()[static_cast<std::size_t>(i)];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.id.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(kind_name(p.kind));
      ImGui::TableNextColumn();
      ImGui::Text("%d", p.priority);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.cache_ttl > 0 ? format_duration(p.cache_ttl).c_str() : "none");
      ImGui::TableNextColumn();
      ImGui::Text("%llu", static_cast<unsigned long long>(st.lookups));
      ImGui::TableNextColumn();
      ImGui::Text("%.1f", st.lookups ? 100.0 * static_cast<double>(st.cache_hits) / static_cast<double>(st.lookups) : 0.0);
      ImGui::TableNextColumn();
      ImGui::Text("%llu", static_cast<unsigned long long>(st.failures));
      ImGui::TableNextColumn();
      if (ctx.in_outage(i)) ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "outage");
      else ImGui::TextDisabled("up");
    }
    ImGui::EndTable();
  }
  ImGui::Text("cache hits %.1f %%, failed look-ups %llu, denials %llu, %zu answers cached", ctx.cache_hit_percent(),
              static_cast<unsigned long long>(ctx.failures()), static_cast<unsigned long long>(ctx.denials()),
              ctx.cached_answers());
  ImGui::Separator();

  // What one user of one tenant would receive now.
  int& tenant = app.inspect_tenant;
  int& user = app.inspect_user;
  if (tenant >= static_cast<int>(sc.tenants.size())) tenant = 0;
  ImGui::SetNextItemWidth(160);
  if (ImGui::BeginCombo("tenant", sc.tenants[static_cast<std::size_t>(tenant)].id.c_str())) {
    for (std::size_t t = 0; t < sc.tenants.size(); ++t)
      if (ImGui::Selectable(sc.tenants[t].id.c_str(), static_cast<int>(t) == tenant)) {
        tenant = static_cast<int>(t);
        user = -1;
      }
    ImGui::EndCombo();
  }
  const TenantSpec& tenant_spec = sc.tenants[static_cast<std::size_t>(tenant)];
  const std::vector<UserSpec>& users = tenant_spec.users;
  if (user >= static_cast<int>(users.size())) user = -1;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(200);
  const std::string user_label = user < 0 ? "(no user)" : users[static_cast<std::size_t>(user)].id;
  if (ImGui::BeginCombo("user", user_label.c_str())) {
    if (ImGui::Selectable("(no user)", user < 0)) user = -1;
    for (std::size_t u = 0; u < users.size(); ++u) {
      std::string roles;
      for (const std::string& r : users[u].roles) roles += (roles.empty() ? "" : ", ") + r;
      const std::string label = users[u].id + "  [" + roles + "]";
      if (ImGui::Selectable(label.c_str(), static_cast<int>(u) == user)) user = static_cast<int>(u);
    }
    ImGui::EndCombo();
  }
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##prompt", "base prompt", &app.base_prompt);
  const ContextEngine::Inspection in = ctx.inspect(sim.now(), tenant, user, sim.operational_snapshot(), app.base_prompt);
  std::string order;
  for (const std::string& p : in.consulted_in_order) order += (order.empty() ? "" : " -> ") + p;
  ImGui::Text("consulted: %s", order.c_str());
  if (!in.failed.empty()) {
    std::string failed;
    for (const std::string& f : in.failed) failed += (failed.empty() ? "" : ", ") + f;
    ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "failed (outage): %s", failed.c_str());
  }
  for (const std::string& d : in.denied) ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.3f, 1), "denied %s", d.c_str());
  if (ImGui::BeginTabBar("inspection")) {
    if (ImGui::BeginTabItem("Entries")) {
      ImGui::BeginChild("entries", ImVec2(0, 0), true);
      for (const auto& e : in.entries) {
        ImGui::TextColored(ImVec4(0.34f, 0.7f, 0.91f, 1), "%s", e.first.c_str());
        ImGui::TextWrapped("%s", e.second.c_str());
      }
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Tenant context")) {
      ImGui::BeginChild("tenant-context", ImVec2(0, 0), true);
      ImGui::TextWrapped("%s", tenant_context_json(tenant_spec, sim.now(), sc.calendar).c_str());
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Prompt")) {
      ImGui::BeginChild("prompt", ImVec2(0, 0), true);
      ImGui::TextWrapped("%s", in.prompt.c_str());
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
}

}  // namespace opsim::ui
