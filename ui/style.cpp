#include "style.h"

namespace opsim::ui {

const ImVec4 kRed(1, 0.45f, 0.35f, 1), kOrange(1, 0.62f, 0.3f, 1), kAmber(0.95f, 0.8f, 0.3f, 1),
    kGreen(0.3f, 0.8f, 0.5f, 1), kBlue(0.4f, 0.7f, 1, 1);
// What the dark theme's WindowBg (0.06 grey at 94 % alpha) over the old clear colour
// (0.08, 0.09, 0.11) gave, so the page looks as it did.
const ImVec4 kBackground(0.0612f, 0.0618f, 0.0630f, 1);

ImVec4 status_color(sre::ServiceStatus s) {
  switch (s) {
    case sre::ServiceStatus::healthy: return kGreen;
    case sre::ServiceStatus::degraded: return kAmber;
    case sre::ServiceStatus::partial_outage: return kOrange;
    case sre::ServiceStatus::major_outage: return kRed;
  }
  return kGreen;
}

ImVec4 severity_color(sre::Severity s) {
  switch (s) {
    case sre::Severity::sev1: return kRed;
    case sre::Severity::sev2: return kOrange;
    case sre::Severity::sev3: return kAmber;
    case sre::Severity::sev4: break;
  }
  return ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
}

ImVec4 priority_color(const std::string& priority) {
  if (priority == "P1") return kRed;
  if (priority == "P2") return kAmber;
  return ImGui::GetStyleColorVec4(ImGuiCol_Text);
}

void tooltip(const std::string& text) {
  if (!ImGui::IsItemHovered() || text.empty()) return;
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

std::string short_time(const Calendar& cal, SimTime t) {
  static const char* const kWeekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return std::string(kWeekdays[cal.weekday(t)]) + " " + cal.iso8601(t).substr(11, 8);
}

}  // namespace opsim::ui
