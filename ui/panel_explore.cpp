// Explore: a PromQL expression typed over the running simulation's series, plotted live
// over a chosen window with its series' labels and latest values, as Prometheus's graph
// page shows it. A parse error is shown under its column; a runtime error (a duplicate
// series in a match group, ...) as Prometheus words it.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "panels.h"
#include "plot.h"
#include "promql/eval.h"
#include "promql/parser.h"

namespace opsim::ui {
namespace {

struct ExploreState {
  char text[1024] = "sum by (tenant) (rate(opsim_requests_total[5m]))";
  std::string parsed_text;  // what `expr` and `errors` were parsed from
  promql::ParseResult parsed;
  int window = 1;  // index into kWindows
  // The last evaluation, redone when the run, the time, the text or the window change.
  DerivedStamp stamp;
  std::string evaluated_text;
  int evaluated_window = -1;
  std::string error;
  std::vector<PointSeries> series;
  std::vector<std::string> latest;  // per series: its value at the last step
  std::size_t total_series = 0;
  PlotView view;
};

ExploreState& explore_state() {
  static ExploreState s;  // one App per process
  return s;
}

struct Window {
  const char* label;
  SimDuration span;
};
constexpr Window kWindows[] = {{"15m", 15 * kMicrosPerMinute}, {"1h", kMicrosPerHour},
                               {"6h", 6 * kMicrosPerHour},    {"1d", kMicrosPerDay}};
// Enough steps for a smooth line, few enough to evaluate every frame the clock moves.
constexpr std::int64_t kMaxSteps = 240;
constexpr std::size_t kMaxSeriesDrawn = 12;

void evaluate(const App& app, ExploreState& s) {
  s.series.clear();
  s.latest.clear();
  s.error.clear();
  s.total_series = 0;
  if (!s.parsed.ok()) return;
  const Simulation& sim = app.sim();
  const SimDuration scrape = sim.scenario().monitoring.scrape_interval;
  const SimTime end = sim.now() / scrape * scrape;  // the last scrape
  if (end <= 0) return;
  const SimTime start = std::max<SimTime>(scrape, end - kWindows[s.window].span);
  // A step of whole scrape intervals, so that every step sees a fresh scrape.
  const SimDuration step = std::max<SimDuration>(scrape, (end - start) / kMaxSteps / scrape * scrape);
  const promql::EvalResult r = promql::evaluate_range(*s.parsed.expr, sim.unix_ms(start), sim.unix_ms(end),
                                                      step / kMicrosPerMilli, sim.prometheus_storage());
  if (!r.ok()) {
    s.error = r.error;
    return;
  }
  const std::int64_t start_unix_ms = sim.scenario().calendar.start_unix_s() * 1000;
  s.total_series = r.value.matrix.size();
  for (std::size_t i = 0; i < r.value.matrix.size() && i < kMaxSeriesDrawn; ++i) {
    const promql::Series& m = r.value.matrix[i];
    PointSeries p;
    p.label = m.labels.empty() ? "{}" : promql::labels_text(m.labels);
    p.color = series_color(i);
    for (const promql::Point& pt : m.points) {
      p.t_s.push_back(static_cast<double>(pt.t_ms - start_unix_ms) / 1000.0);
      p.value.push_back(pt.v);
    }
    p.dots = p.t_s.size() < 3;
    s.latest.push_back(m.points.empty() ? "" : promql::format_number(m.points.back().v));
    s.series.push_back(std::move(p));
  }
}

// The parse error's line under the expression: a caret at its column, then the message.
void draw_parse_error(const promql::ParseResult& parsed) {
  const Diagnostic& d = parsed.errors.front();
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(235, 110, 100, 255));
  // The input's text starts after its frame's padding.
  ImGui::SetCursorPosX(ImGui::GetCursorPosX() + ImGui::GetStyle().FramePadding.x);
  ImGui::TextUnformatted((std::string(static_cast<std::size_t>(std::max(0, d.column - 1)), ' ') + "^").c_str());
  ImGui::TextWrapped("%s", promql::format_error(d).c_str());
  ImGui::PopStyleColor();
}

}  // namespace

void draw_explore(App& app) {
  ExploreState& s = explore_state();
  const Simulation& sim = app.sim();
  app.remember_rect("panel:explore", ImGui::GetCursorScreenPos(),
                    ImVec2(ImGui::GetCursorScreenPos().x + 1, ImGui::GetCursorScreenPos().y + 1));
  ImGui::TextDisabled("PromQL over this run's series (docs/prometheus.md): opsim_requests_total,"
                      " opsim_request_duration_seconds_bucket, opsim_<metric>, recording rules.");
  // The font is monospaced, so the caret under an error lines up with the column it names.
  ImGui::PushItemWidth(-ImGui::GetFontSize() * 11);
  ImGui::InputText("##promql", s.text, sizeof s.text);
  app.remember_widget("explore-expr");
  ImGui::PopItemWidth();
  ImGui::SameLine();
  ImGui::PushItemWidth(ImGui::GetFontSize() * 5);
  if (ImGui::BeginCombo("window", kWindows[s.window].label)) {
    for (int i = 0; i < static_cast<int>(sizeof kWindows / sizeof kWindows[0]); ++i)
      if (ImGui::Selectable(kWindows[i].label, i == s.window)) s.window = i;
    ImGui::EndCombo();
  }
  ImGui::PopItemWidth();
  if (s.parsed_text != s.text) {
    s.parsed_text = s.text;
    s.parsed = promql::parse(s.parsed_text);
  }
  if (!s.parsed.ok()) {
    draw_parse_error(s.parsed);
    app.remember_widget("explore-error");
    return;
  }
  const bool moved = s.stamp.stale(app);
  if (moved || s.evaluated_text != s.parsed_text || s.evaluated_window != s.window) {
    s.evaluated_text = s.parsed_text;
    s.evaluated_window = s.window;
    evaluate(app, s);
  }
  if (!s.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(235, 110, 100, 255));
    ImGui::TextWrapped("%s", s.error.c_str());
    ImGui::PopStyleColor();
    app.remember_widget("explore-error");
    return;
  }
  if (s.series.empty()) {
    ImGui::TextDisabled(sim.now() < sim.scenario().monitoring.scrape_interval ? "No scrape yet."
                                                                              : "Empty result: no series match.");
    return;
  }
  const double now_s = to_seconds(sim.now());
  const double span_s = to_seconds(kWindows[s.window].span);
  points_plot("result", "", sim.scenario().calendar, s.series, {}, s.view, std::max(0.0, now_s - span_s), now_s, now_s,
              ImVec2(-1, ImGui::GetFontSize() * 16));
  app.remember_widget("explore-plot");
  if (s.total_series > s.series.size())
    ImGui::TextDisabled("%zu series; the first %zu are drawn.", s.total_series, s.series.size());
  if (ImGui::BeginTable("explore-series", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("series");
    ImGui::TableSetupColumn("value now", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 8);
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < s.series.size(); ++i) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushStyleColor(ImGuiCol_Text, s.series[i].color);
      ImGui::TextUnformatted(s.series[i].label.c_str());
      ImGui::PopStyleColor();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.latest[i].c_str());
    }
    ImGui::EndTable();
  }
}

}  // namespace opsim::ui
