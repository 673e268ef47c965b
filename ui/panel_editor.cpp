// The scenario editor: the JSON with line numbers, the loader's errors marked at their
// lines and listed below (click one to put the cursor there), Apply to run the edited
// scenario, Download to save it.
#include <algorithm>
#include <cstdio>
#include <string>

#include "app.h"
#include "editor.h"
#include "imgui.h"
#include "imgui_internal.h"
#include "misc/cpp/imgui_stdlib.h"
#include "panels.h"

namespace opsim::ui {
namespace {

int jump_callback(ImGuiInputTextCallbackData* data) {
  auto* state = static_cast<EditorState*>(data->UserData);
  if (state->jump_to_line > 0) {
    int line = 1, pos = 0;
    while (pos < data->BufTextLen && line < state->jump_to_line) {
      if (data->Buf[pos] == '\n') ++line;
      ++pos;
    }
    data->CursorPos = data->SelectionStart = data->SelectionEnd = pos;
    state->jump_to_line = 0;
  }
  return 0;
}

}  // namespace

void draw_editor(App& app) {
  EditorState& ed = app.editor();
  if (ImGui::Button("Apply and run")) {
    const LoadOutcome out = app.load(ed.text);
    if (out.ok) app.play();
  }
  ImGui::SameLine();
  if (ImGui::Button("Revert")) {
    ed.text = app.scenario_text();
    ed.errors.clear();
    ed.dirty = false;
  }
  ImGui::SameLine();
  if (ImGui::Button("Download")) app.platform().save_file("scenario.json", ed.text);
  ImGui::SameLine();
  if (!ed.errors.empty())
    ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "%zu error(s): the running scenario is unchanged", ed.errors.size());
  else if (ed.dirty)
    ImGui::TextDisabled("edited: Apply to run it");
  else
    ImGui::TextDisabled("%zu warning(s)", ed.warnings.size());

  // A file the scenario names and nobody gave: say how to give it (the error names it).
  if (!ed.errors.empty() && !app.missing_files().empty()) {
    std::string names;
    for (const std::string& m : app.missing_files()) names += (names.empty() ? "" : ", ") + m;
    ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.3f, 1), "%s",
                       (app.platform().can_pick_file()
                            ? "Missing: " + names + ". Drop it on the page (or pick it with Scenario > Open files...): "
                              "the scenario then opens with it."
                            : "Missing: " + names + ". Put it beside the scenario's file, then Apply.")
                           .c_str());
    app.remember_widget("missing-files");
  }
  const float list_h = ed.errors.empty() && ed.warnings.empty() ? 0.0f : 140.0f;
  const float gutter_w = 44;
  const ImVec2 box(ImGui::GetContentRegionAvail().x - gutter_w, ImGui::GetContentRegionAvail().y - list_h);
  const ImVec2 gutter_origin = ImGui::GetCursorScreenPos();
  ImGui::SetCursorScreenPos(ImVec2(gutter_origin.x + gutter_w, gutter_origin.y));
  if (ed.jump_to_line > 0) ImGui::SetKeyboardFocusHere();
  const char* label = "##scenario-json";
  if (ImGui::InputTextMultiline(label, &ed.text, box, ImGuiInputTextFlags_AllowTabInput | ImGuiInputTextFlags_CallbackAlways,
                                jump_callback, &ed))
    ed.dirty = true;

  // Line numbers and error marks beside the text, kept in step with its scrolling. The
  // text box scrolls inside a child window that ImGui names after the parent and the label.
  ImGuiWindow* parent = ImGui::GetCurrentWindow();
  const ImGuiID id = parent->GetID(label);
  char child_name[512];
  ImFormatString(child_name, sizeof child_name, "%s/%s_%08X", parent->Name, label, id);
  float scroll_y = 0;
  if (ImGuiWindow* child = ImGui::FindWindowByName(child_name)) scroll_y = child->Scroll.y;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float line_h = ImGui::GetTextLineHeight();
  const float top = gutter_origin.y + ImGui::GetStyle().FramePadding.y;
  const int lines = 1 + static_cast<int>(std::count(ed.text.begin(), ed.text.end(), '\n'));
  dl->PushClipRect(gutter_origin, ImVec2(gutter_origin.x + gutter_w, gutter_origin.y + box.y), true);
  const int first = std::max(1, static_cast<int>(scroll_y / line_h));
  const int last = std::min(lines, first + static_cast<int>(box.y / line_h) + 2);
  for (int line = first; line <= last; ++line) {
    const float y = top + static_cast<float>(line - 1) * line_h - scroll_y;
    bool bad = false;
    for (const Diagnostic& d : ed.errors) bad = bad || d.line == line;
    char num[16];
    std::snprintf(num, sizeof num, "%4d", line);
    if (bad) dl->AddRectFilled(ImVec2(gutter_origin.x, y), ImVec2(gutter_origin.x + gutter_w - 4, y + line_h), IM_COL32(160, 40, 30, 255));
    dl->AddText(ImVec2(gutter_origin.x + 2, y), bad ? IM_COL32(255, 255, 255, 255) : ImGui::GetColorU32(ImGuiCol_TextDisabled), num);
  }
  dl->PopClipRect();

  if (list_h > 0) {
    ImGui::BeginChild("diagnostics", ImVec2(0, 0), true);
    auto entry = [&](const Diagnostic& d, bool error) {
      char text[64];
      std::snprintf(text, sizeof text, "line %d:%d", d.line, d.column);
      ImGui::PushID(&d);
      if (ImGui::SmallButton(text)) ed.jump_to_line = d.line;
      ImGui::PopID();
      ImGui::SameLine();
      ImGui::TextColored(error ? ImVec4(1, 0.45f, 0.35f, 1) : ImVec4(0.9f, 0.8f, 0.3f, 1), "%s: %s", d.path.c_str(),
                         d.message.c_str());
    };
    for (const Diagnostic& d : ed.errors) entry(d, true);
    for (const Diagnostic& d : ed.warnings) entry(d, false);
    ImGui::EndChild();
  }
}

}  // namespace opsim::ui
