// Services and their instances: a bar per instance showing its busy slots.
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {

void draw_services(App& app) {
  if (!ImGui::CollapsingHeader("Services and instances", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const Simulation& sim = app.sim();
  const std::vector<double> v = sim.summary_values();
  const auto& services = sim.scenario().services;
  for (std::size_t i = 0; i < services.size(); ++i) {
    const ServiceSpec& spec = services[i];
    const Simulation::ServiceView sv = sim.service_view(static_cast<int>(i));
    ImGui::Text("%s", spec.id.c_str());
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%d instances (%d ready), %d/%d slots busy, queue %zu/%d", sv.instances, sv.ready_instances,
                       sv.busy_slots, sv.total_slots, sv.queue_length, spec.queue_capacity);
    ImGui::PopStyleColor();
    const std::string prefix = "service." + spec.id + ".";
    const int cpu = sim.metrics().find(prefix + "cpu_utilization");
    const int p95 = sim.metrics().find(prefix + "latency_p95_ms");
    ImGui::TextDisabled("cpu %.1f %% over the run, p95 %.0f ms", v[static_cast<std::size_t>(cpu)],
                        v[static_cast<std::size_t>(p95)]);
    // One small bar per instance, filled by its busy share.
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float cell = 14, gap = 3;
    const float avail = ImGui::GetContentRegionAvail().x;
    const int per_row = std::max(1, static_cast<int>(avail / (cell + gap)));
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const std::vector<int> busy = sim.instance_busy_slots(static_cast<int>(i));
    for (std::size_t k = 0; k < busy.size(); ++k) {
      const float x = origin.x + static_cast<float>(static_cast<int>(k) % per_row) * (cell + gap);
      const float y = origin.y + static_cast<float>(static_cast<int>(k) / per_row) * (cell + gap);
      const float share = static_cast<float>(busy[k]) / static_cast<float>(spec.concurrency);
      dl->AddRectFilled(ImVec2(x, y), ImVec2(x + cell, y + cell), IM_COL32(50, 55, 65, 255));
      dl->AddRectFilled(ImVec2(x, y + cell * (1 - share)), ImVec2(x + cell, y + cell),
                        share >= 1 ? IM_COL32(213, 94, 0, 255) : IM_COL32(0, 158, 115, 255));
    }
    const int rows = static_cast<int>((busy.size() + static_cast<std::size_t>(per_row) - 1) / static_cast<std::size_t>(per_row));
    ImGui::Dummy(ImVec2(avail, static_cast<float>(rows) * (cell + gap)));
    ImGui::Separator();
  }
}

}  // namespace opsim::ui
