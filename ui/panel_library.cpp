// The scenario library: every built-in scenario with its name, description and tags.
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {

void draw_library(App& app) {
  for (const LibraryEntry& e : app.library()) {
    ImGui::PushID(e.name.c_str());
    ImGui::Separator();
    if (ImGui::Button("Open")) {
      app.load(e.name);
      app.play();
    }
    ImGui::SameLine();
    ImGui::TextUnformatted(e.title.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("(%s)", e.name.c_str());
    std::string tags;
    for (const auto& t : e.tags) tags += "[" + t + "] ";
    if (!tags.empty()) ImGui::TextDisabled("%s", tags.c_str());
    ImGui::TextWrapped("%s", e.description.c_str());
    ImGui::PopID();
  }
}

}  // namespace opsim::ui
