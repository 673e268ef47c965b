// Files: what the running scenario read (each file it names, and where it came from), the
// files the user gave (dropped, picked, from a link), which tenant a dropped trace drives,
// and the notice under the toolbar that says what the last files did.
#include <algorithm>
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {

void draw_files_notice(App& app) {
  if (app.files_notice.empty()) return;
  const ImVec4 colour = app.files_notice_error ? ImVec4(1, 0.45f, 0.35f, 1) : ImVec4(0.55f, 0.8f, 0.6f, 1);
  if (ImGui::SmallButton("x##files-notice")) {
    app.files_notice.clear();
    return;
  }
  ImGui::SameLine();
  ImGui::PushStyleColor(ImGuiCol_Text, colour);
  ImGui::TextWrapped("%s", app.files_notice.c_str());
  ImGui::PopStyleColor();
  app.remember_widget("files-notice");
}

void draw_files(App& app) {
  const bool page = app.platform().can_pick_file();
  app.remember_rect("panel:files", ImGui::GetCursorScreenPos(),
                    ImVec2(ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x, ImGui::GetCursorScreenPos().y + 1));
  ImGui::TextWrapped(page ? "A scenario can name files (an HPA manifest, a trace, rule files; docs/files.md). Drop the "
                            "scenario and its files on the page together, or pick them together with Scenario > Open "
                            "files...; a file given later, alone, completes a scenario that waits for it. A CSV or a "
                            "Prometheus query_range export given alone drives the tenant chosen below."
                          : "A scenario can name files (an HPA manifest, a trace, rule files; docs/files.md): they are "
                            "read beside the scenario's file, as opsim run reads them.");

  if (!app.missing_files().empty()) {
    std::string names;
    for (const std::string& m : app.missing_files()) names += (names.empty() ? "" : ", ") + m;
    ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "The last scenario opened names files that were not given: %s",
                       names.c_str());
  }

  ImGui::Separator();
  ImGui::TextUnformatted("The running scenario's files");
  if (app.file_use().read.empty()) ImGui::TextDisabled("It names no files.");
  for (const NamedFile& f : app.file_use().read) {
    std::string from = "beside the scenario";
    std::string ambiguous;
    if (const UserFile* u = app.user_files().resolve(f.name, ambiguous)) from = "given as " + u->name;
    else if (app.examples().end() != std::find_if(app.examples().begin(), app.examples().end(),
                                                  [&](const LibraryEntry& e) { return e.name == app.scenario_name(); }))
      from = "bundled with the example";
    ImGui::BulletText("%s  (%zu bytes, %s)", f.name.c_str(), f.text.size(), from.c_str());
  }

  ImGui::Separator();
  ImGui::TextUnformatted("Files given");
  if (app.user_files().empty()) ImGui::TextDisabled("None yet.");
  std::string remove;
  for (const UserFile& f : app.user_files().all()) {
    ImGui::PushID(f.name.c_str());
    if (ImGui::SmallButton("Remove")) remove = f.name;
    ImGui::SameLine();
    ImGui::Text("%s  (%zu bytes%s)", f.name.c_str(), f.text.size(),
                f.joins_every_run ? ", a rule file that joins every run" : "");
    ImGui::PopID();
  }
  if (!remove.empty()) app.remove_user_file(remove);
  if (!app.user_files().empty() && ImGui::Button("Remove all files")) app.clear_user_files();

  if (page) {
    ImGui::Separator();
    ImGui::TextUnformatted("A trace given alone");
    const auto& tenants = app.sim().scenario().tenants;
    if (tenants.empty()) {
      ImGui::TextDisabled("This scenario has no tenant.");
    } else {
      const int current = std::clamp(app.trace_tenant, 0, static_cast<int>(tenants.size()) - 1);
      ImGui::SetNextItemWidth(240);
      if (ImGui::BeginCombo("drives the first load of tenant", tenants[static_cast<std::size_t>(current)].id.c_str())) {
        for (int i = 0; i < static_cast<int>(tenants.size()); ++i)
          if (ImGui::Selectable(tenants[static_cast<std::size_t>(i)].id.c_str(), i == current)) app.trace_tenant = i;
        ImGui::EndCombo();
      }
      ImGui::TextDisabled("Its patterns and rate are replaced by {\"type\": \"trace\", \"file\": NAME}; the Scenario tab "
                          "shows the change.");
    }
  }
}

}  // namespace opsim::ui
