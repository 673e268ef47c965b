// Performance: the 0-100 performance score now (the last scrape interval) and over the run,
// for the platform and each service, its plot over time, the bottlenecks found now and
// over the run, and the optimisation plan drawn from either.
//
// The analyses are derived once per simulated instant (cached by App::run_id() and
// sim.now()), not once per frame: the whole-run one walks every column's summary.
#include <cstdint>
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "panels.h"
#include "report/analysis.h"

namespace opsim::ui {
namespace {

struct ServiceScore {
  std::string id;
  double now = 0, run = 0;
};

struct Derived {
  DerivedStamp stamp;
  bool have_sample = false;  // a scrape has happened: "now" has figures
  performance::Analysis now_analysis, run_analysis;
  std::vector<ServiceScore> services;
};

struct PanelState {
  Derived derived;
  int plan_span = 0;  // 0: from now, 1: over the run
};

PanelState& state() {
  static PanelState s;  // one App per process; the cache is keyed by run_id and time
  return s;
}

void derive(const Simulation& sim, Derived& d) {
  d.now_analysis = analyze_performance(sim, false);
  d.run_analysis = analyze_performance(sim, true);
  const SeriesStore& series = sim.series();
  d.have_sample = series.size() > 0;
  const std::vector<double> run = sim.summary_values();
  d.services.clear();
  for (const ServiceSpec& s : sim.scenario().services) {
    ServiceScore x;
    x.id = s.id;
    const int col = sim.metrics().find("service." + s.id + ".performance_score");
    if (col >= 0) {
      x.run = run[static_cast<std::size_t>(col)];
      if (d.have_sample) x.now = series.value(series.size() - 1, static_cast<std::size_t>(col));
    }
    d.services.push_back(x);
  }
}

ImVec4 score_color(double score) {
  if (score >= 90) return ImVec4(0.3f, 0.8f, 0.5f, 1);
  if (score >= 70) return ImVec4(0.9f, 0.8f, 0.3f, 1);
  return ImVec4(1, 0.45f, 0.35f, 1);
}

void score_text(double score) { ImGui::TextColored(score_color(score), "%5.1f", score); }

void bottleneck_rows(const char* span, const std::vector<performance::Bottleneck>& list) {
  for (const performance::Bottleneck& b : list) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", span);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(b.service.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(performance::kind_name(b.kind));
    ImGui::TableNextColumn();
    if (b.severity == performance::Severity::high) ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "high");
    else ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.3f, 1), "medium");
    ImGui::TableNextColumn();
    ImGui::Text("%.1f (above %.4g)", b.value, b.threshold);
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", b.description.c_str());
  }
}

void plan_list(const char* title, const std::vector<std::string>& items) {
  ImGui::TextUnformatted(title);
  if (items.empty()) {
    ImGui::Indent();
    ImGui::TextDisabled("nothing");
    ImGui::Unindent();
    return;
  }
  for (const std::string& s : items) {
    ImGui::Bullet();
    ImGui::TextWrapped("%s", s.c_str());
  }
}

}  // namespace

void draw_performance(App& app) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  PanelState& st = state();
  Derived& d = st.derived;
  if (d.stamp.stale(app)) derive(sim, d);
  ImGui::BeginChild("performance");
  ImGui::TextDisabled("score 0-100 from CPU, memory, latency and queue depth; \"now\" is the last scrape interval");
  app.remember_widget("panel:performance");

  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("scores", 3, flags)) {
    for (const char* h : {"performance score", "now", "over the run"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted("platform");
    ImGui::TableNextColumn();
    if (d.have_sample) score_text(d.now_analysis.score);
    else ImGui::TextDisabled("-");
    ImGui::TableNextColumn();
    score_text(d.run_analysis.score);
    for (const ServiceScore& s : d.services) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("  %s", s.id.c_str());
      ImGui::TableNextColumn();
      if (d.have_sample) score_text(s.now);
      else ImGui::TextDisabled("-");
      ImGui::TableNextColumn();
      score_text(s.run);
    }
    ImGui::EndTable();
  }

  std::vector<PlotSeries> series = {
      {"platform", static_cast<std::size_t>(sim.metrics().find("performance_score")), series_color(7)}};
  for (std::size_t i = 0; i < sc.services.size() && sc.services.size() > 1; ++i)
    series.push_back({sc.services[i].id,
                      static_cast<std::size_t>(sim.metrics().find("service." + sc.services[i].id + ".performance_score")),
                      series_color(i)});
  time_plot("Performance score", "", app.history(), sc.calendar, series, app.plot_view, to_seconds(sim.now()),
            ImVec2(0, 190), 100, {}, false,
            "Each interval's performance score, 0 to 100 (the seed's formula: 100 less penalties for cpu over 80 %, "
            "memory over 85 %, average latency over 1 s and queue depth over 50); the run's figure is the time "
            "average.");

  ImGui::Spacing();
  const std::size_t found = d.now_analysis.bottlenecks.size() + d.run_analysis.bottlenecks.size();
  ImGui::Text("Bottlenecks: %zu now, %zu over the run", d.now_analysis.bottlenecks.size(),
              d.run_analysis.bottlenecks.size());
  if (found == 0) {
    ImGui::TextDisabled("none: every service is below the medium thresholds (CPU 80 %%, memory 85 %%, latency "
                        "2000 ms, queue 100)");
  } else if (ImGui::BeginTable("bottlenecks", 6,
                               ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("span");
    ImGui::TableSetupColumn("service");
    ImGui::TableSetupColumn("bottleneck");
    ImGui::TableSetupColumn("severity");
    ImGui::TableSetupColumn("value");
    ImGui::TableSetupColumn("description", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    bottleneck_rows("now", d.now_analysis.bottlenecks);
    bottleneck_rows("run", d.run_analysis.bottlenecks);
    ImGui::EndTable();
  }

  ImGui::Spacing();
  ImGui::TextUnformatted("Optimisation plan from");
  ImGui::SameLine();
  ImGui::RadioButton("now", &st.plan_span, 0);
  ImGui::SameLine();
  ImGui::RadioButton("the whole run", &st.plan_span, 1);
  const performance::Analysis& a = st.plan_span == 0 ? d.now_analysis : d.run_analysis;
  ImGui::Text("estimated improvement: %+.1f points (each bottleneck brought down to its medium threshold)",
              a.plan.estimated_improvement);
  plan_list("Immediate", a.plan.immediate);
  plan_list("Short term", a.plan.short_term);
  plan_list("Long term", a.plan.long_term);
  ImGui::EndChild();
}

}  // namespace opsim::ui
