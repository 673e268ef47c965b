#include "plot.h"

#include "style.h"

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

// [SECTION] The frame shared by both kinds of plot: placement, the visible ranges, the
// mouse's effect on them, axes, title and legend.
struct Frame {
  ImDrawList* dl = nullptr;
  ImVec2 origin, a, b;  // the widget's corner; the data area's corners
  float width = 1, height = 1;
  double t0 = 0, t1 = 1, y_min = 0, y_max = 1;
  bool log_y = false;  // y_min > 0 then; values below it are drawn at the bottom
  bool hovered = false;
  float x_of(double t) const { return a.x + static_cast<float>((t - t0) / (t1 - t0)) * width; }
  float y_of(double v) const {
    if (log_y) {
      const double lo = std::log10(y_min);
      return b.y - static_cast<float>((std::log10(std::max(v, y_min)) - lo) / (std::log10(y_max) - lo)) * height;
    }
    return b.y - static_cast<float>((v - y_min) / (y_max - y_min)) * height;
  }
};

// Places the plot and applies wheel zoom, drag pan and double-click (follow again) to
// `view`; when following, the range shown is [follow_t0, follow_t1].
Frame begin_frame(ImVec2 size, PlotView& view, double follow_t0, double follow_t1) {
  Frame f;
  f.origin = ImGui::GetCursorScreenPos();
  if (size.x <= 0) size.x = std::max(200.0f, ImGui::GetContentRegionAvail().x);
  ImGui::InvisibleButton("plot", size);
  f.hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();
  f.dl = ImGui::GetWindowDrawList();
  f.a = ImVec2(f.origin.x + kLeftMargin, f.origin.y + kTopMargin);
  f.b = ImVec2(f.origin.x + size.x - kRightMargin, f.origin.y + size.y - kBottomMargin);
  f.width = std::max(1.0f, f.b.x - f.a.x);
  f.height = std::max(1.0f, f.b.y - f.a.y);

  double t0 = follow_t0, t1 = follow_t1;
  if (!view.follow) {
    t0 = view.t0_s;
    t1 = view.t1_s;
  }
  const ImGuiIO& io = ImGui::GetIO();
  if (f.hovered && io.MouseWheel != 0) {
    const double anchor = t0 + (io.MousePos.x - f.a.x) / f.width * (t1 - t0);
    const double factor = std::pow(0.8, io.MouseWheel);
    t0 = anchor - (anchor - t0) * factor;
    t1 = anchor + (t1 - anchor) * factor;
    view.follow = false;
  }
  if (active && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 1.0f)) {
    const double shift = -io.MouseDelta.x / f.width * (t1 - t0);
    t0 += shift;
    t1 += shift;
    view.follow = false;
  }
  if (f.hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    view.follow = true;
    t0 = follow_t0;
    t1 = follow_t1;
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
  f.t0 = t0;
  f.t1 = t1;
  return f;
}

// The value axis: covers [lo, hi] and 0, with headroom, on whole steps; or up to exactly
// `bound` (> 0) when hi is within it.
void set_value_range(Frame& f, double lo, double hi, double bound = 0) {
  double y_min = std::min(0.0, lo), y_max = std::max(0.0, hi);
  if (bound > y_min && y_max <= bound) {
    const double y_step = nice_step((bound - y_min) / 4);
    f.y_min = std::floor(y_min / y_step) * y_step;
    f.y_max = bound;
    return;
  }
  if (y_max <= y_min) y_max = y_min + 1;
  // Headroom, so that a flat series at its maximum does not run along the frame.
  y_max += (y_max - y_min) * 0.08;
  const double y_step = nice_step((y_max - y_min) / 4);
  f.y_max = std::ceil(y_max / y_step) * y_step;
  f.y_min = std::floor(y_min / y_step) * y_step;
}

// A logarithmic value axis of whole decades: from the decade of the smallest positive
// value (`lo_positive`, 0 for none), at most four below the top and at least one.
void set_log_value_range(Frame& f, double lo_positive, double hi) {
  f.log_y = true;
  const double top = std::ceil(std::log10(std::max(hi, 1e-9)) - 1e-9);
  double bottom = lo_positive > 0 ? std::floor(std::log10(lo_positive) + 1e-9) : top - 2;
  bottom = std::clamp(bottom, top - 4, top - 1);
  f.y_min = std::pow(10.0, bottom);
  f.y_max = std::pow(10.0, top);
}

void draw_axes(const Frame& f, const Calendar& calendar) {
  const ImU32 grid = IM_COL32(255, 255, 255, 28), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  ImDrawList* dl = f.dl;
  dl->AddRectFilled(f.a, f.b, IM_COL32(20, 22, 28, 255));
  auto value_tick = [&](double v, bool labelled) {
    const float y = f.y_of(v);
    dl->AddLine(ImVec2(f.a.x, y), ImVec2(f.b.x, y), labelled ? grid : IM_COL32(255, 255, 255, 12));
    if (!labelled) return;
    const std::string label = value_label(v);
    const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    dl->AddText(ImVec2(f.a.x - ts.x - 6, y - ts.y / 2), dim, label.c_str());
  };
  if (f.log_y) {
    // A labelled line per decade, faint ones at 2 and 5 times it.
    for (double d = f.y_min; d <= f.y_max * 1.001; d *= 10) {
      value_tick(d, true);
      for (double m : {2.0, 5.0})
        if (d * m < f.y_max) value_tick(d * m, false);
    }
  } else {
    const double y_step = nice_step((f.y_max - f.y_min) / 4);
    for (double v = f.y_min; v <= f.y_max + y_step / 2; v += y_step) value_tick(v, true);
  }
  static const double kSteps[] = {1,    5,     15,     30,     60,      300,     900,     1800,
                                  3600, 10800, 21600,  43200,  86400,   172800,  604800,  2419200};
  const double wanted = (f.t1 - f.t0) / std::max(1.0, static_cast<double>(f.width) / 110.0);
  double x_step = kSteps[sizeof kSteps / sizeof kSteps[0] - 1];
  for (double s : kSteps)
    if (s >= wanted) {
      x_step = s;
      break;
    }
  // Ticks sit on whole multiples of the step in UTC, so hours and midnights line up.
  const double start_unix = static_cast<double>(calendar.start_unix_s());
  for (double u = std::ceil((start_unix + f.t0) / x_step) * x_step; u <= start_unix + f.t1; u += x_step) {
    const double t = u - start_unix;
    const float x = f.x_of(t);
    dl->AddLine(ImVec2(x, f.a.y), ImVec2(x, f.b.y), grid);
    const std::string label = calendar_label(calendar, t, x_step);
    const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    // Centred under its tick, but kept inside the widget (the last tick can sit on its edge).
    const float lx = std::min(x - ts.x / 2, f.b.x + kRightMargin - ts.x);
    dl->AddText(ImVec2(lx, f.b.y + 3), dim, label.c_str());
  }
}

struct LegendEntry {
  const std::string* label;
  ImU32 color;
};

void draw_title_and_legend(const Frame& f, const char* title, const std::vector<LegendEntry>& legend) {
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  f.dl->AddRect(f.a, f.b, IM_COL32(255, 255, 255, 60));
  f.dl->AddText(ImVec2(f.origin.x + 4, f.origin.y + 2), text, title);
  float lx = f.origin.x + 12 + ImGui::CalcTextSize(title).x + 12;
  for (const LegendEntry& e : legend) {
    f.dl->AddRectFilled(ImVec2(lx, f.origin.y + 6), ImVec2(lx + 10, f.origin.y + 16), e.color);
    f.dl->AddText(ImVec2(lx + 14, f.origin.y + 2), dim, e.label->c_str());
    lx += 26 + ImGui::CalcTextSize(e.label->c_str()).x;
  }
}

// Horizontal reference lines, dashed, across the data area (call inside its clip rect).
void draw_refs(const Frame& f, const std::vector<RefLine>& refs) {
  for (const RefLine& r : refs) {
    const float y = f.y_of(r.value);
    for (float x = f.a.x; x < f.b.x; x += 8) f.dl->AddLine(ImVec2(x, y), ImVec2(std::min(x + 4, f.b.x), y), r.color, 1.5f);
  }
}

// One series' line, with points grouped per pixel column: a min-max band where a column
// covers several samples (when `coarse`), and the columns' means joined by the line.
class ColumnLine {
 public:
  ColumnLine(const Frame& f, ImU32 color, bool coarse) : f_(f), color_(color), coarse_(coarse) {}
  void add(double t, double lo, double hi, double mean) {
    const float x = std::floor(f_.x_of(t));
    if (x != x_) {
      flush();
      x_ = x;
      lo_ = lo;
      hi_ = hi;
    }
    lo_ = std::min(lo_, lo);
    hi_ = std::max(hi_, hi);
    sum_ += mean;
    ++count_;
  }
  void finish(bool dots) {
    flush();
    // A whole number of pixels wide: ImGui then draws the line from its font texture, two
    // triangles a segment instead of six, which software rendering pays for (the Plots tab
    // went from 30 to 35 frames per second in SwiftShader).
    if (line_.size() >= 2) f_.dl->AddPolyline(line_.data(), static_cast<int>(line_.size()), color_, 0, 2.0f);
    if (dots || line_.size() == 1)
      for (const ImVec2& p : line_) f_.dl->AddCircleFilled(p, 2, color_);
  }

 private:
  void flush() {
    if (count_ == 0) return;
    const ImU32 band = (color_ & 0x00ffffff) | (static_cast<ImU32>(60) << 24);
    if (coarse_ && hi_ > lo_) f_.dl->AddRectFilled(ImVec2(x_, f_.y_of(hi_)), ImVec2(x_ + 1, f_.y_of(lo_)), band);
    line_.emplace_back(x_, f_.y_of(sum_ / count_));
    sum_ = 0;
    count_ = 0;
  }
  const Frame& f_;
  ImU32 color_;
  bool coarse_;
  float x_ = -1;
  double lo_ = 0, hi_ = 0, sum_ = 0;
  int count_ = 0;
  std::vector<ImVec2> line_;
};

// [first, last) of sorted `times` (through `time_of`) that covers [t0, t1], with one point
// either side so that lines reach the frame's edges.
template <typename TimeOf>
std::pair<std::size_t, std::size_t> visible(std::size_t n, double t0, double t1, TimeOf time_of) {
  std::size_t lo = 0, hi = n;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (time_of(mid) < t0) lo = mid + 1;
    else hi = mid;
  }
  const std::size_t first = lo > 0 ? lo - 1 : 0;
  lo = first;
  hi = n;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (time_of(mid) <= t1) lo = mid + 1;
    else hi = mid;
  }
  return {first, std::min(n, lo + 1)};
}

// The index in sorted `times` nearest t (n > 0).
template <typename TimeOf>
std::size_t nearest(std::size_t n, double t, TimeOf time_of) {
  std::size_t lo = 0, hi = n;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (time_of(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  std::size_t i = std::min(lo, n - 1);
  if (i > 0 && std::fabs(time_of(i - 1) - t) < std::fabs(time_of(i) - t)) --i;
  return i;
}

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
               const std::vector<PlotSeries>& series, PlotView& view, double now_s, ImVec2 size,
               double value_max, const std::vector<RefLine>& refs, bool log_scale, const char* explain) {
  ImGui::PushID(title);
  Frame f = begin_frame(size, view, 0, std::max(now_s, 1.0));
  // Each series reads its own run's history (one run, or two side by side), with the
  // points of that history in view.
  struct Source {
    const History* h;
    std::size_t first, last;
    double time_of(std::size_t i) const { return to_seconds(h->time(i)); }
  };
  std::vector<Source> sources;
  for (const PlotSeries& s : series) {
    const History* h = s.history ? s.history : &history;
    const auto [first, last] = visible(h->size(), f.t0, f.t1, [h](std::size_t i) { return to_seconds(h->time(i)); });
    sources.push_back({h, first, last});
  }
  double lo = 0, hi = 0, lo_positive = 0;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Source& src = sources[k];
    const std::size_t c = series[k].column;
    for (std::size_t i = src.first; i < src.last; ++i) {
      hi = std::max(hi, src.h->max(i, c));
      lo = std::min(lo, src.h->min(i, c));
      const double m = src.h->min(i, c) > 0 ? src.h->min(i, c) : src.h->mean(i, c);
      if (m > 0 && (lo_positive == 0 || m < lo_positive)) lo_positive = m;
    }
  }
  for (const RefLine& r : refs) {
    hi = std::max(hi, r.value);
    // A decade below the lowest line, so that what lies under it (and zeros, drawn at the
    // bottom) is not drawn on it.
    if (r.value > 0 && (lo_positive == 0 || r.value / 10 < lo_positive)) lo_positive = r.value / 10;
  }
  if (log_scale) set_log_value_range(f, lo_positive, hi);
  else set_value_range(f, lo, hi, value_max);
  draw_axes(f, calendar);

  f.dl->PushClipRect(f.a, f.b, true);
  draw_refs(f, refs);
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Source& src = sources[k];
    const std::size_t c = series[k].column;
    const bool coarse =
        src.h->samples_per_point() > 1 || (src.last - src.first) > static_cast<std::size_t>(f.width);
    ColumnLine line(f, series[k].color, coarse);
    for (std::size_t i = src.first; i < src.last; ++i)
      line.add(src.time_of(i), src.h->min(i, c), src.h->max(i, c), src.h->mean(i, c));
    line.finish(false);
  }
  f.dl->PopClipRect();
  std::vector<LegendEntry> legend;
  for (const PlotSeries& s : series) legend.push_back({&s.label, s.color});
  for (const RefLine& r : refs) legend.push_back({&r.label, r.color});
  const std::string titled = explain ? std::string(title) + " (?)" : std::string(title);
  draw_title_and_legend(f, titled.c_str(), legend);

  // Hover read-out: the plot's note, then each series' point nearest the cursor.
  const ImGuiIO& io = ImGui::GetIO();
  const std::size_t n = history.size();
  const bool over_data = io.MousePos.x >= f.a.x && io.MousePos.x <= f.b.x;
  if (f.hovered && explain && (n == 0 || !over_data)) tooltip(explain);
  if (f.hovered && n > 0 && over_data) {
    const double t = f.t0 + (io.MousePos.x - f.a.x) / f.width * (f.t1 - f.t0);
    const std::size_t i = nearest(n, t, [&](std::size_t j) { return to_seconds(history.time(j)); });
    const float x = f.x_of(to_seconds(history.time(i)));
    f.dl->AddLine(ImVec2(x, f.a.y), ImVec2(x, f.b.y), IM_COL32(255, 255, 255, 90));
    ImGui::BeginTooltip();
    if (explain) {
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
      ImGui::TextDisabled("%s", explain);
      ImGui::PopTextWrapPos();
      ImGui::Separator();
    }
    ImGui::TextUnformatted(calendar.iso8601(history.time(i)).c_str());
    if (history.samples_per_point() > 1)
      ImGui::TextDisabled("mean of %zu samples (min .. max)", history.samples_per_point());
    for (std::size_t k = 0; k < series.size(); ++k) {
      const PlotSeries& s = series[k];
      const History& h = *sources[k].h;
      if (h.size() == 0) continue;
      const std::size_t j = &h == &history ? i : nearest(h.size(), t, [&](std::size_t m) { return to_seconds(h.time(m)); });
      ImGui::ColorButton(s.label.c_str(), ImGui::ColorConvertU32ToFloat4(s.color),
                         ImGuiColorEditFlags_NoTooltip, ImVec2(10, 10));
      ImGui::SameLine();
      if (h.samples_per_point() > 1)
        ImGui::Text("%s: %.4g %s (%.4g .. %.4g)", s.label.c_str(), h.mean(j, s.column), unit, h.min(j, s.column),
                    h.max(j, s.column));
      else
        ImGui::Text("%s: %.4g %s", s.label.c_str(), h.mean(j, s.column), unit);
    }
    for (const RefLine& r : refs) ImGui::TextDisabled("%s: %.4g %s", r.label.c_str(), r.value, unit);
    ImGui::EndTooltip();
  }
  ImGui::PopID();
}

void points_plot(const char* title, const char* unit, const Calendar& calendar, const std::vector<PointSeries>& series,
                 const std::vector<RefLine>& refs, PlotView& view, double follow_t0_s, double follow_t1_s, double now_s,
                 ImVec2 size) {
  ImGui::PushID(title);
  Frame f = begin_frame(size, view, follow_t0_s, std::max(follow_t1_s, follow_t0_s + 1));
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  double lo = 0, hi = 0;
  for (const PointSeries& s : series) {
    const std::size_t n = std::min(s.t_s.size(), s.value.size());
    ranges.push_back(visible(n, f.t0, f.t1, [&](std::size_t i) { return s.t_s[i]; }));
    for (std::size_t i = ranges.back().first; i < ranges.back().second; ++i) {
      lo = std::min(lo, s.value[i]);
      hi = std::max(hi, s.value[i]);
    }
  }
  for (const RefLine& r : refs) hi = std::max(hi, r.value);
  set_value_range(f, lo, hi);
  draw_axes(f, calendar);

  f.dl->PushClipRect(f.a, f.b, true);
  draw_refs(f, refs);
  if (now_s >= f.t0 && now_s <= f.t1) {
    const float x = f.x_of(now_s);
    f.dl->AddLine(ImVec2(x, f.a.y), ImVec2(x, f.b.y), IM_COL32(255, 255, 255, 110));
    f.dl->AddText(ImVec2(x + 3, f.a.y + 1), ImGui::GetColorU32(ImGuiCol_TextDisabled), "now");
  }
  for (std::size_t k = 0; k < series.size(); ++k) {
    const PointSeries& s = series[k];
    const auto [first, last] = ranges[k];
    ColumnLine line(f, s.color, (last - first) > static_cast<std::size_t>(f.width));
    for (std::size_t i = first; i < last; ++i) line.add(s.t_s[i], s.value[i], s.value[i], s.value[i]);
    line.finish(s.dots && (last - first) < static_cast<std::size_t>(f.width / 4));
  }
  f.dl->PopClipRect();
  std::vector<LegendEntry> legend;
  for (const PointSeries& s : series) legend.push_back({&s.label, s.color});
  for (const RefLine& r : refs) legend.push_back({&r.label, r.color});
  draw_title_and_legend(f, title, legend);

  // Hover read-out: each series' point nearest the cursor's time.
  const ImGuiIO& io = ImGui::GetIO();
  if (f.hovered && io.MousePos.x >= f.a.x && io.MousePos.x <= f.b.x) {
    const double t = f.t0 + (io.MousePos.x - f.a.x) / f.width * (f.t1 - f.t0);
    f.dl->AddLine(ImVec2(io.MousePos.x, f.a.y), ImVec2(io.MousePos.x, f.b.y), IM_COL32(255, 255, 255, 90));
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(calendar.iso8601(from_seconds(t)).c_str());
    const double tolerance = (f.t1 - f.t0) / f.width * 8;  // within 8 pixels
    for (const PointSeries& s : series) {
      const std::size_t n = std::min(s.t_s.size(), s.value.size());
      if (n == 0) continue;
      const std::size_t i = nearest(n, t, [&](std::size_t j) { return s.t_s[j]; });
      if (std::fabs(s.t_s[i] - t) > std::max(tolerance, 60.0)) continue;
      ImGui::ColorButton(s.label.c_str(), ImGui::ColorConvertU32ToFloat4(s.color), ImGuiColorEditFlags_NoTooltip,
                         ImVec2(10, 10));
      ImGui::SameLine();
      ImGui::Text("%s: %.4g %s (%s)", s.label.c_str(), s.value[i], unit,
                  calendar.iso8601(from_seconds(s.t_s[i])).substr(11, 5).c_str());
    }
    for (const RefLine& r : refs) ImGui::TextDisabled("%s: %.4g %s", r.label.c_str(), r.value, unit);
    ImGui::EndTooltip();
  }
  ImGui::PopID();
}

}  // namespace opsim::ui
