// Overview: the clock, the simulator's speed, and the run's headline figures.
#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {
namespace {

double metric(const Simulation& sim, const std::vector<double>& v, const char* name) {
  const int c = sim.metrics().find(name);
  return c >= 0 ? v[static_cast<std::size_t>(c)] : 0.0;
}

}  // namespace

void draw_overview(App& app) {
  if (!ImGui::CollapsingHeader("Overview", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const Simulation& sim = app.sim();
  const std::vector<double> v = sim.summary_values();
  const char* weekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  ImGui::Text("%s, %s", weekdays[sim.scenario().calendar.weekday(sim.now())],
              sim.scenario().calendar.iso8601(sim.now()).c_str());
  ImGui::Text("%.2fM events/s  (%.0f events so far)", app.events_per_wall_second() / 1e6,
              static_cast<double>(sim.events_processed()));
  if (ImGui::BeginTable("overview", 2, ImGuiTableFlags_SizingStretchProp)) {
    auto row = [&](const char* label, const char* fmt, double value) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", label);
      ImGui::TableNextColumn();
      ImGui::Text(fmt, value);
    };
    row("requests", "%.0f", metric(sim, v, "requests_total"));
    row("in flight", "%.0f", metric(sim, v, "requests_in_flight"));
    row("succeeded", "%.0f", metric(sim, v, "requests_succeeded"));
    row("failed", "%.0f", metric(sim, v, "requests_failed"));
    row("  queue full", "%.0f", metric(sim, v, "requests_failed_queue_full"));
    row("  queue timeout", "%.0f", metric(sim, v, "requests_failed_timeout"));
    row("  agent error", "%.0f", metric(sim, v, "requests_failed_agent_error"));
    row("availability", "%.3f %%", metric(sim, v, "availability_percent"));
    row("latency p50", "%.1f ms", metric(sim, v, "latency_p50_ms"));
    row("latency p95", "%.1f ms", metric(sim, v, "latency_p95_ms"));
    row("latency p99", "%.1f ms", metric(sim, v, "latency_p99_ms"));
    row("cost", "$%.2f", metric(sim, v, "cost_usd"));
    ImGui::EndTable();
  }
}

}  // namespace opsim::ui
