// Time-series plots drawn with ImGui's draw lists (ImPlot is not available): axes, ticks
// in simulated calendar time, legend, hover read-out, zoom (mouse wheel), pan (drag), and
// double-click to follow again. time_plot draws columns of History, whose points coarsen
// as a run grows, so drawing cost does not grow with the run's length; points_plot draws
// series given as (time, value) points, such as a forecast that reaches past now, grouped
// per pixel column the same way.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "engine/sim_time.h"
#include "history.h"
#include "imgui.h"

namespace opsim::ui {

struct PlotView {
  bool follow = true;  // show the plot's own range (time_plot: from the start to now, growing)
  double t0_s = 0, t1_s = 1;  // the range shown when not following
  void reset() { follow = true; }
};

struct PlotSeries {
  std::string label;
  std::size_t column;
  ImU32 color;
  // The run the column belongs to, when it is not the plot's own: the side-by-side mode
  // overlays a second run (variant B) whose history has its own columns and times.
  const History* history = nullptr;
};

// A series of points in time order: times in simulated seconds since the start.
struct PointSeries {
  std::string label;
  ImU32 color;
  std::vector<double> t_s, value;
  bool dots = false;  // a dot per point as well as the line (sparse series)
};

// A horizontal reference line (a threshold, a capacity).
struct RefLine {
  std::string label;
  double value;
  ImU32 color;
};

// Distinct colours for series, by index.
ImU32 series_color(std::size_t i);

// Draws one plot of `series` over the shared `view`; `now_s` is the simulation's clock.
// `value_max` > 0 is the top of a bounded scale (a 0-100 score): the axis ends there when
// every value shown is within it. `refs` are drawn dashed across the plot. `log_scale`
// makes the value axis logarithmic, whole decades from the smallest positive value shown
// (at most four decades below the top); values at or below the bottom are drawn on it.
// `explain` (when given) is the plot's "explain this plot" note: what its lines measure and
// how to read them, shown at the top of its hover read-out and marked "(?)" by the title.
void time_plot(const char* title, const char* unit, const History& history, const Calendar& calendar,
               const std::vector<PlotSeries>& series, PlotView& view, double now_s, ImVec2 size,
               double value_max = 0, const std::vector<RefLine>& refs = {}, bool log_scale = false,
               const char* explain = nullptr);

// Draws `series` over `view`; when following, the range shown is [follow_t0_s, follow_t1_s].
// A vertical line marks `now_s`, and `refs` are drawn across the plot.
void points_plot(const char* title, const char* unit, const Calendar& calendar, const std::vector<PointSeries>& series,
                 const std::vector<RefLine>& refs, PlotView& view, double follow_t0_s, double follow_t1_s, double now_s,
                 ImVec2 size);

// "Mon 14:00", "14:05:30" or "Jan 06" for an axis tick, given the tick spacing.
std::string calendar_label(const Calendar& calendar, double t_s, double step_s);

}  // namespace opsim::ui
