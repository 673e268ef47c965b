// Services and their pools of instances: a bar per instance showing its busy slots. Which
// pool serves which tenant makes the isolation levels visible: the shared pool serves
// shared and namespace tenants (namespace ones with queues of their own), and each
// dedicated or physical tenant has a pool of its own.
#include <algorithm>
#include <cstdio>
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"
#include "style.h"

namespace opsim::ui {
namespace {

std::string served_tenants(const Simulation& sim, int pool) {
  std::string names;
  const Scenario& sc = sim.scenario();
  for (std::size_t t = 0; t < sc.tenants.size(); ++t) {
    const int v = sim.pool_view(pool).service;
    bool uses = false;
    for (const LoadSpec& l : sc.tenants[t].load)
      uses = uses || sc.agents[static_cast<std::size_t>(l.agent_index)].service_index == v;
    if (uses && sim.pool_of(static_cast<int>(t), v) == pool) names += (names.empty() ? "" : ", ") + sc.tenants[t].id;
  }
  return names.empty() ? "no tenant" : names;
}

}  // namespace

void draw_services(App& app) {
  if (!ImGui::CollapsingHeader("Services and instances", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const Simulation& sim = app.sim();
  const std::vector<double> v = sim.summary_values();
  const auto& services = sim.scenario().services;
  for (std::size_t i = 0; i < services.size(); ++i) {
    const ServiceSpec& spec = services[i];
    const std::string prefix = "service." + spec.id + ".";
    const int cpu = sim.metrics().find(prefix + "cpu_utilization");
    const int p95 = sim.metrics().find(prefix + "latency_p95_ms");
    ImGui::Text("%s", spec.id.c_str());
    ImGui::SameLine();
    // Its status from the last scrape interval, with the signal that set it.
    const sre::StatusAssessment& status = sim.service_status(static_cast<int>(i));
    ImGui::TextColored(status_color(status.status), "%s", sre::service_status_name(status.status));
    if (ImGui::IsItemHovered() && !status.reason.empty()) ImGui::SetTooltip("%s", status.reason.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("cpu %.1f %% over the run, p95 %.0f ms", v[static_cast<std::size_t>(cpu)],
                        v[static_cast<std::size_t>(p95)]);
    for (std::size_t p = 0; p < sim.pool_count(); ++p) {
      const Simulation::PoolView pv = sim.pool_view(static_cast<int>(p));
      if (pv.service != static_cast<int>(i)) continue;
      const std::string owner = pv.owner_tenant < 0
                                    ? "shared pool"
                                    : "pool of " + sim.scenario().tenants[static_cast<std::size_t>(pv.owner_tenant)].id;
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      // Executions hold cores and memory as well as slots; where those can run out first
      // the panel says how full they are.
      char held[96] = "";
      if (pv.resources_bind)
        std::snprintf(held, sizeof held, " (holding %.1f/%.0f cores, %.1f/%.1f GB)", pv.cores_held, pv.cores_ready,
                      pv.memory_held_mb / 1024.0, pv.memory_ready_mb / 1024.0);
      ImGui::TextWrapped("%s (serves %s): %d instances (%d ready, %d starting, %d draining), %d/%d slots busy%s, %zu queued%s",
                         owner.c_str(), served_tenants(sim, static_cast<int>(p)).c_str(), pv.instances, pv.ready_instances,
                         pv.starting_instances, pv.draining_instances,
                         pv.busy_slots, pv.total_slots, held, pv.queue_length,
                         pv.flows > 1 ? (", " + std::to_string(pv.flows) + " fair-queueing flows").c_str() : "");
      ImGui::PopStyleColor();
      // One small bar per instance, filled by its busy share.
      ImDrawList* dl = ImGui::GetWindowDrawList();
      const float cell = 14, gap = 3;
      const float avail = ImGui::GetContentRegionAvail().x;
      const int per_row = std::max(1, static_cast<int>(avail / (cell + gap)));
      const ImVec2 origin = ImGui::GetCursorScreenPos();
      // Green: share of busy slots; blue: starting; grey: draining (finishing its work).
      const std::vector<Simulation::InstanceView> instances = sim.pool_instances(static_cast<int>(p));
      const std::size_t n = instances.size();
      for (std::size_t k = 0; k < n; ++k) {
        const float x = origin.x + static_cast<float>(static_cast<int>(k) % per_row) * (cell + gap);
        const float y = origin.y + static_cast<float>(static_cast<int>(k) / per_row) * (cell + gap);
        const Simulation::InstanceView& in = instances[k];
        dl->AddRectFilled(ImVec2(x, y), ImVec2(x + cell, y + cell), IM_COL32(50, 55, 65, 255));
        if (in.state == Simulation::InstanceState::starting) {
          dl->AddRect(ImVec2(x, y), ImVec2(x + cell, y + cell), IM_COL32(86, 180, 233, 255));
          continue;
        }
        const float share = std::min(1.0f, static_cast<float>(in.busy_slots) / static_cast<float>(std::max(1, in.slots)));
        const ImU32 fill = in.state == Simulation::InstanceState::draining ? IM_COL32(140, 140, 140, 255)
                           : share >= 1                                      ? IM_COL32(213, 94, 0, 255)
                                                                             : IM_COL32(0, 158, 115, 255);
        dl->AddRectFilled(ImVec2(x, y + cell * (1 - share)), ImVec2(x + cell, y + cell), fill);
      }
      const int rows = static_cast<int>((n + static_cast<std::size_t>(per_row) - 1) / static_cast<std::size_t>(per_row));
      ImGui::Dummy(ImVec2(avail, static_cast<float>(rows) * (cell + gap)));
    }
    ImGui::Separator();
  }
}

}  // namespace opsim::ui
