// Time-series plots drawn with ImGui's draw lists (ImPlot is not available): axes, ticks
// in simulated calendar time, legend, hover read-out, zoom (mouse wheel), pan (drag), and
// double-click to follow the whole run again. Data come from History, whose points
// coarsen as a run grows, so drawing cost does not grow with the run's length.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "engine/sim_time.h"
#include "history.h"
#include "imgui.h"

namespace opsim::ui {

struct PlotView {
  bool follow = true;  // show from the start to now, growing
  double t0_s = 0, t1_s = 1;  // the range shown when not following
  void reset() { follow = true; }
};

struct PlotSeries {
  std::string label;
  std::size_t column;
  ImU32 color;
};

// Distinct colours for series, by index.
ImU32 series_color(std::size_t i);

// Draws one plot of `series` over the shared `view`; `now_s` is the simulation's clock.
void time_plot(const char* title, const char* unit, const History& history, const Calendar& calendar,
               const std::vector<PlotSeries>& series, PlotView& view, double now_s, ImVec2 size);

// "Mon 14:00", "14:05:30" or "Jan 06" for an axis tick, given the tick spacing.
std::string calendar_label(const Calendar& calendar, double t_s, double step_s);

}  // namespace opsim::ui
