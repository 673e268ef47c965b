// What the panels share in how they show things: the status palette, and times short
// enough for a table column. One place, so that "sev1" or "major outage" has one colour
// on every tab.
#pragma once
#include <string>

#include "engine/sim_time.h"
#include "imgui.h"
#include "sre/incidents.h"

namespace opsim::ui {

// Colour-blind-safe enough against the dark theme: red, orange and amber for bad to
// worrying, green for good, blue for in progress.
extern const ImVec4 kRed, kOrange, kAmber, kGreen, kBlue;

// The page's background, which each platform's entry point clears the frame to. The host
// window draws no background of its own: in software rendering (SwiftShader in a browser
// without a GPU) every full-window blended layer costs about 11 ms a frame at 1280x800,
// and dropping that one took the page from 22 to 30 frames per second.
extern const ImVec4 kBackground;

ImVec4 status_color(sre::ServiceStatus s);
ImVec4 severity_color(sre::Severity s);  // sev4 in the disabled text colour
ImVec4 priority_color(const std::string& priority);  // an action item's "P1", "P2", "P3"

// The hovered item's explanation, wrapped at a readable width (nothing when empty).
void tooltip(const std::string& text);

// "Tue 14:05:30".
std::string short_time(const Calendar& cal, SimTime t);

}  // namespace opsim::ui
