// The scenario library: the bundled examples of examples/ that name files (each opened with
// its files), then every built-in scenario, each with its name, description and tags.
#include <string>

#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {
namespace {

void draw_entry(App& app, const LibraryEntry& e) {
  ImGui::PushID(e.name.c_str());
  ImGui::Separator();
  if (ImGui::Button("Open")) {
    app.load(e.name);
    app.play();
  }
  app.remember_widget("library:" + e.name);
  ImGui::SameLine();
  ImGui::TextUnformatted(e.title.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("(%s)", e.name.c_str());
  std::string tags;
  for (const auto& t : e.tags) tags += "[" + t + "] ";
  if (!tags.empty()) ImGui::TextDisabled("%s", tags.c_str());
  if (!e.files.empty()) {
    std::string files;
    for (const std::string& f : e.files) files += (files.empty() ? "" : ", ") + f;
    ImGui::TextDisabled("with its files: %s", files.c_str());
  }
  ImGui::TextWrapped("%s", e.description.c_str());
  ImGui::PopID();
}

}  // namespace

void draw_library(App& app) {
  if (!app.examples().empty()) {
    ImGui::TextUnformatted("Examples that name files (examples/)");
    for (const LibraryEntry& e : app.examples()) draw_entry(app, e);
    ImGui::Separator();
    ImGui::Spacing();
    ImGui::TextUnformatted("Built-in scenarios");
  }
  for (const LibraryEntry& e : app.library()) draw_entry(app, e);
}

}  // namespace opsim::ui
