// Controls: play / pause, step, reset, seed, and speed from 1x real time to as fast as the
// frame budget allows.
#include <cmath>
#include <cstdio>

#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {

void draw_toolbar(App& app) {
  const Simulation& sim = app.sim();
  if (app.playing()) {
    if (ImGui::Button("Pause")) app.pause();
    app.remember_widget("pause");
  } else {
    if (ImGui::Button(" Play ")) app.play();
    app.remember_widget("play");
  }
  ImGui::SameLine();
  if (ImGui::Button("Step")) app.step();
  app.remember_widget("step");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Advance one scrape interval and pause");
  ImGui::SameLine();
  if (ImGui::Button("Reset")) app.reset();
  app.remember_widget("reset");

  ImGui::SameLine();
  ImGui::SetNextItemWidth(120);
  unsigned long long seed = app.seed();
  if (ImGui::InputScalar("seed", ImGuiDataType_U64, &seed, nullptr, nullptr, "%llu",
                         ImGuiInputTextFlags_EnterReturnsTrue))
    app.set_seed(seed);

  // Speed on a log scale: 10^0 (real time) .. 10^6 simulated seconds per second, or max.
  ImGui::SameLine();
  bool max_speed = app.speed() <= 0;
  if (ImGui::Checkbox("max speed", &max_speed)) app.set_speed(max_speed ? 0 : 3600);
  if (!max_speed) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(160);
    float exponent = static_cast<float>(std::log10(app.speed()));
    char label[32];
    std::snprintf(label, sizeof label, "%.0fx", app.speed());
    if (ImGui::SliderFloat("speed", &exponent, 0.0f, 6.0f, label)) app.set_speed(std::pow(10.0, std::round(exponent * 4) / 4));
  }

  ImGui::SameLine();
  const double frac = static_cast<double>(sim.now()) / static_cast<double>(sim.end_time());
  char overlay[96];
  std::snprintf(overlay, sizeof overlay, "%s  (%s of %s)", sim.scenario().calendar.iso8601(sim.now()).c_str(),
                format_duration(sim.now() / kMicrosPerSecond * kMicrosPerSecond).c_str(),
                format_duration(sim.end_time()).c_str());
  ImGui::ProgressBar(static_cast<float>(frac), ImVec2(-1, 0), overlay);
}

}  // namespace opsim::ui
