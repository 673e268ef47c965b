// The menu bar: scenarios in and out (open, save, share) and help.
#include "app.h"
#include "imgui.h"
#include "misc/cpp/imgui_stdlib.h"
#include "panels.h"

namespace opsim::ui {

void draw_menu(App& app) {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("Scenario")) {
    if (app.platform().can_pick_file()) {
      if (ImGui::MenuItem("Open files...")) app.platform().pick_file();  // a scenario with its files
    } else if (ImGui::BeginMenu("Open path")) {
      // Where there is no file picker (the desktop window), a path typed in.
      ImGui::SetNextItemWidth(360);
      const bool entered = ImGui::InputTextWithHint("##path", "scenarios/default.json", &app.open_path,
                                                    ImGuiInputTextFlags_EnterReturnsTrue);
      ImGui::SameLine();
      if (ImGui::Button("Open") || entered) {
        std::string text;
        if (app.platform().read_path(app.open_path, text)) {
          app.load_from_user(text, app.open_path);
          app.open_path_error.clear();
        } else {
          app.open_path_error = "cannot read " + app.open_path;
        }
      }
      if (!app.open_path_error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "%s", app.open_path_error.c_str());
      ImGui::EndMenu();
    }
    if (ImGui::MenuItem("Download scenario JSON"))
      app.platform().save_file(app.scenario_name() + ".json", app.scenario_text());
    if (app.platform().can_share_link() && ImGui::MenuItem("Copy share link")) {
      // With the files the scenario read (#bundle=), or said plainly why there is no link.
      const ShareOutcome share = app.share_link();
      if (share.error.empty()) {
        ImGui::SetClipboardText(share.link.c_str());
        app.files_notice = "Share link copied (" + std::to_string((share.link.size() + 1023) / 1024) + " KiB" +
                           (app.file_use().read.empty() ? "" : ", with the files the scenario names") + ")";
        app.files_notice_error = false;
      } else {
        app.files_notice = share.error;
        app.files_notice_error = true;
      }
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Reset run")) app.reset();
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    ImGui::TextUnformatted("Plots: wheel to zoom, drag to pan, double-click to follow the run.");
    ImGui::TextUnformatted("Library tab: built-in scenarios. Scenario tab: edit the JSON and apply.");
    if (app.platform().can_pick_file())
      ImGui::TextUnformatted("Drop a scenario on the page, with the files it names (all at once, or one after the other).");
    ImGui::TextUnformatted("Files tab: the files the scenario read and the ones you gave.");
    ImGui::EndMenu();
  }
  ImGui::TextDisabled("  %s", app.sim().scenario().name.c_str());
  ImGui::EndMenuBar();
}

}  // namespace opsim::ui
