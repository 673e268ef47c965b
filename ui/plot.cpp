#include "plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace opsim::ui {
namespace {

constexpr float kLeftMargin = 58, kRightMargin = 10, kTopMargin = 22, kBottomMargin = 20;

// 1, 2 or 5 times a power of ten, at least `raw`.
double nice_step(double raw) {
  if (raw <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string value_label(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e9) std::snprintf(buf, sizeof buf, "%.3gG", v / 1e9);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

const char* kWeekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

}  // namespace

ImU32 series_color(std::size_t i) {
  static const ImU32 palette[] = {IM_COL32(86, 180, 233, 255),  IM_COL32(230, 159, 0, 255),
                                  IM_COL32(0, 158, 115, 255),   IM_COL32(240, 228, 66, 255),
                                  IM_COL32(204, 121, 167, 255), IM_COL32(213, 94, 0, 255),
                                  IM_COL32(0, 114, 178, 255),   IM_COL32(200, 200, 200, 255)};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

std::string calendar_label(const Calendar& calendar, double t_s, double step_s) {
  const SimTime t = from_seconds(t_s);
  const std::string iso = calendar.iso8601(t);  // YYYY-MM-DDTHH:MM:SSZ
  const char* day = kWeekdays[calendar.weekday(t)];
  if (step_s < 60) return iso.substr(11, 8);
  if (step_s < 86400) {
    if (iso.substr(11, 5) == "00:00") return std::string(day) + " " + iso.substr(5, 5);
    return iso.substr(11, 5);
  }
  return std::string(day) + " " + iso.substr(5, 5);
}

void time_plot(const char* title, const char* unit, const History& history, const Calendar& calendar,
               const std::vector<PlotSeries>& series, PlotView& view, double now_s, ImVec2 size) {
  ImGui::PushID(title);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  if (size.x <= 0) size.x = std::max(200.0f, ImGui::GetContentRegionAvail().x);
  ImGui::InvisibleButton("plot", size);
  const bool hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 a(origin.x + kLeftMargin, origin.y + kTopMargin);
  const ImVec2 b(origin.x + size.x - kRightMargin, origin.y + size.y - kBottomMargin);
  const float width = std::max(1.0f, b.x - a.x), height = std::max(1.0f, b.y - a.y);

  // Visible time range.
  double t0 = 0, t1 = std::max(now_s, 1.0);
  if (!view.follow) {
    t0 = view.t0_s;
    t1 = view.t1_s;
  }
  const ImGuiIO& io = ImGui::GetIO();
  if (hovered && io.MouseWheel != 0) {
    const double anchor = t0 + (io.MousePos.x - a.x) / width * (t1 - t0);
    const double factor = std::pow(0.8, io.MouseWheel);
    t0 = anchor - (anchor - t0) * factor;
    t1 = anchor + (t1 - anchor) * factor;
    view.follow = false;
  }
  if (active && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 1.0f)) {
    const double shift = -io.MouseDelta.x / width * (t1 - t0);
    t0 += shift;
    t1 += shift;
    view.follow = false;
  }
  if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    view.follow = true;
    t0 = 0;
    t1 = std::max(now_s, 1.0);
  }
  if (t1 - t0 < 10) t1 = t0 + 10;
  if (t0 < 0) {
    t1 -= t0;
    t0 = 0;
  }
  if (!view.follow) {
    view.t0_s = t0;
    view.t1_s = t1;
  }

  // Points in view, grouped per pixel column when there are more points than pixels.
  const std::size_t n = history.size();
  std::size_t first = 0, last = n;  // [first, last)
  {
    std::size_t lo = 0, hi = n;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (to_seconds(history.time(mid)) < t0) lo = mid + 1;
      else hi = mid;
    }
    first = lo > 0 ? lo - 1 : 0;
    lo = first;
    hi = n;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (to_seconds(history.time(mid)) <= t1) lo = mid + 1;
      else hi = mid;
    }
    last = std::min(n, lo + 1);
  }
  double y_max = 0, y_min = 0;
  for (const PlotSeries& s : series)
    for (std::size_t i = first; i < last; ++i) {
      y_max = std::max(y_max, history.max(i, s.column));
      y_min = std::min(y_min, history.min(i, s.column));
    }
  if (y_max <= y_min) y_max = y_min + 1;
  // Headroom, so that a flat series at its maximum does not run along the frame.
  y_max += (y_max - y_min) * 0.08;
  const double y_step = nice_step((y_max - y_min) / 4);
  y_max = std::ceil(y_max / y_step) * y_step;
  y_min = std::floor(y_min / y_step) * y_step;
  auto x_of = [&](double t) { return a.x + static_cast<float>((t - t0) / (t1 - t0)) * width; };
  auto y_of = [&](double v) { return b.y - static_cast<float>((v - y_min) / (y_max - y_min)) * height; };

  // Frame, grid and axis labels.
  const ImU32 grid = IM_COL32(255, 255, 255, 28), text = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  dl->AddRectFilled(a, b, IM_COL32(20, 22, 28, 255));
  for (double v = y_min; v <= y_max + y_step / 2; v += y_step) {
    const float y = y_of(v);
    dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), grid);
    const std::string label = value_label(v);
    const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    dl->AddText(ImVec2(a.x - ts.x - 6, y - ts.y / 2), dim, label.c_str());
  }
  static const double kSteps[] = {1,    5,     15,     30,     60,      300,     900,     1800,
                                  3600, 10800, 21600,  43200,  86400,   172800,  604800,  2419200};
  const double wanted = (t1 - t0) / std::max(1.0, static_cast<double>(width) / 110.0);
  double x_step = kSteps[sizeof kSteps / sizeof kSteps[0] - 1];
  for (double s : kSteps)
    if (s >= wanted) {
      x_step = s;
      break;
    }
  // Ticks sit on whole multiples of the step in UTC, so hours and midnights line up.
  const double start_unix = static_cast<double>(calendar.start_unix_s());
  for (double u = std::ceil((start_unix + t0) / x_step) * x_step; u <= start_unix + t1; u += x_step) {
    const double t = u - start_unix;
    const float x = x_of(t);
    dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), grid);
    const std::string label = calendar_label(calendar, t, x_step);
    const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    dl->AddText(ImVec2(x - ts.x / 2, b.y + 3), dim, label.c_str());
  }

  // Series: a min-max band where one pixel covers several samples, and the mean as a line.
  dl->PushClipRect(a, b, true);
  std::vector<ImVec2> line;
  for (const PlotSeries& s : series) {
    line.clear();
    const ImU32 band = (s.color & 0x00ffffff) | (static_cast<ImU32>(60) << 24);
    const bool coarse = history.samples_per_point() > 1 || (last - first) > static_cast<std::size_t>(width);
    float column_x = -1;
    double col_min = 0, col_max = 0, col_sum = 0;
    int col_count = 0;
    auto flush = [&] {
      if (col_count == 0) return;
      if (coarse && col_max > col_min) dl->AddRectFilled(ImVec2(column_x, y_of(col_max)), ImVec2(column_x + 1, y_of(col_min)), band);
      line.emplace_back(column_x, y_of(col_sum / col_count));
      col_count = 0;
    };
    for (std::size_t i = first; i < last; ++i) {
      const float x = std::floor(x_of(to_seconds(history.time(i))));
      if (x != column_x) {
        flush();
        column_x = x;
        col_min = history.min(i, s.column);
        col_max = history.max(i, s.column);
        col_sum = 0;
      }
      col_min = std::min(col_min, history.min(i, s.column));
      col_max = std::max(col_max, history.max(i, s.column));
      col_sum += history.mean(i, s.column);
      ++col_count;
    }
    flush();
    if (line.size() >= 2) dl->AddPolyline(line.data(), static_cast<int>(line.size()), s.color, 0, 1.5f);
    else if (line.size() == 1) dl->AddCircleFilled(line[0], 2, s.color);
  }
  dl->PopClipRect();
  dl->AddRect(a, b, IM_COL32(255, 255, 255, 60));

  // Title and legend.
  dl->AddText(ImVec2(origin.x + 4, origin.y + 2), text, title);
  float lx = origin.x + 12 + ImGui::CalcTextSize(title).x + 12;
  for (const PlotSeries& s : series) {
    dl->AddRectFilled(ImVec2(lx, origin.y + 6), ImVec2(lx + 10, origin.y + 16), s.color);
    dl->AddText(ImVec2(lx + 14, origin.y + 2), dim, s.label.c_str());
    lx += 26 + ImGui::CalcTextSize(s.label.c_str()).x;
  }

  // Hover read-out: the point nearest the cursor.
  if (hovered && n > 0 && io.MousePos.x >= a.x && io.MousePos.x <= b.x) {
    const double t = t0 + (io.MousePos.x - a.x) / width * (t1 - t0);
    std::size_t lo = 0, hi = n;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (to_seconds(history.time(mid)) < t) lo = mid + 1;
      else hi = mid;
    }
    std::size_t i = std::min(lo, n - 1);
    if (i > 0 && std::fabs(to_seconds(history.time(i - 1)) - t) < std::fabs(to_seconds(history.time(i)) - t)) --i;
    const float x = x_of(to_seconds(history.time(i)));
    dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), IM_COL32(255, 255, 255, 90));
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(calendar.iso8601(history.time(i)).c_str());
    if (history.samples_per_point() > 1)
      ImGui::TextDisabled("mean of %zu samples (min .. max)", history.samples_per_point());
    for (const PlotSeries& s : series) {
      ImGui::ColorButton(s.label.c_str(), ImGui::ColorConvertU32ToFloat4(s.color),
                         ImGuiColorEditFlags_NoTooltip, ImVec2(10, 10));
      ImGui::SameLine();
      if (history.samples_per_point() > 1)
        ImGui::Text("%s: %.4g %s (%.4g .. %.4g)", s.label.c_str(), history.mean(i, s.column), unit,
                    history.min(i, s.column), history.max(i, s.column));
      else
        ImGui::Text("%s: %.4g %s", s.label.c_str(), history.mean(i, s.column), unit);
    }
    ImGui::EndTooltip();
  }
  ImGui::PopID();
}

}  // namespace opsim::ui
