// The menu bar: scenarios in and out (open, save, share) and help.
#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {

void draw_menu(App& app) {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("Scenario")) {
    if (app.platform().can_pick_file() && ImGui::MenuItem("Open file...")) app.platform().pick_file();
    if (ImGui::MenuItem("Download scenario JSON"))
      app.platform().save_file(app.scenario_name() + ".json", app.scenario_text());
    if (app.platform().can_share_link() && ImGui::MenuItem("Copy share link"))
      ImGui::SetClipboardText(app.platform().share_link(app.scenario_text()).c_str());
    ImGui::Separator();
    if (ImGui::MenuItem("Reset run")) app.reset();
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    ImGui::TextUnformatted("Plots: wheel to zoom, drag to pan, double-click to follow the run.");
    ImGui::TextUnformatted("Library tab: built-in scenarios. Scenario tab: edit the JSON and apply.");
    if (app.platform().can_pick_file())
      ImGui::TextUnformatted("Drop a .json file on the window to load it.");
    ImGui::EndMenu();
  }
  ImGui::TextDisabled("  %s", app.sim().scenario().name.c_str());
  ImGui::EndMenuBar();
}

}  // namespace opsim::ui
