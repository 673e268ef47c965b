// Exercise: what a student reads first when a scenario has an `exercise` section. The
// statement; the objectives with their value now, passing or failing as the run goes
// (core's evaluate_objectives, the rule `opsim grade` applies); the hints, revealed one at a
// time; at the end of the run the final grade (core's grade: the same verdict and values as
// `opsim grade`); and, under a collapsed "For teachers" header, the reference solution.
// A scenario with objectives and no exercise section gets the objectives and the grade alone
// (the Objectives tab).
//
// The objectives are evaluated once per simulated instant (cached by App::run_id() and
// sim.now()), not once per frame.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "panels.h"
#include "report/report.h"
#include "style.h"

namespace opsim::ui {
namespace {

struct PanelState {
  DerivedStamp stamp;
  std::vector<ObjectiveResult> results;  // point into the simulation's scenario
  int passing = 0;
  bool finished = false;
  Grade grade;  // at the end of the run only
};

PanelState& state() {
  static PanelState s;  // one App per process; the cache is keyed by run_id and time
  return s;
}

void derive(const App& app, PanelState& st) {
  const Simulation& sim = app.sim();
  st.results = evaluate_objectives(sim, sim.summary_values());
  st.passing = 0;
  for (const ObjectiveResult& r : st.results) st.passing += r.passed ? 1 : 0;
  st.finished = sim.finished();
  st.grade = st.finished ? app.grade() : Grade{};
}

// Enough digits to compare with the target, without a float's noise: "96.2341", "31245".
std::string value_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

void objectives_table(const PanelState& st) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit |
                                ImGuiTableFlags_PadOuterX;
  if (!ImGui::BeginTable("exercise-objectives", 5, flags)) return;
  ImGui::TableSetupColumn("objective", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("metric");
  ImGui::TableSetupColumn("target");
  ImGui::TableSetupColumn(st.finished ? "final" : "now");
  ImGui::TableSetupColumn("result");
  ImGui::TableHeadersRow();
  for (const ObjectiveResult& r : st.results) {
    const ObjectiveSpec& o = *r.spec;
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", o.description.empty() ? o.id.c_str() : o.description.c_str());
    tooltip("Objective \"" + o.id + "\": " + o.metric + " " + op_text(o.op) + " " + value_text(o.value) +
            " at the end of the run.");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(o.metric.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%s %s", op_text(o.op), value_text(o.value).c_str());
    ImGui::TableNextColumn();
    if (r.measured) ImGui::TextUnformatted(value_text(r.actual).c_str());
    else ImGui::TextDisabled("n/a");
    ImGui::TableNextColumn();
    if (!r.measured) {
      ImGui::TextColored(kRed, "not simulated");
      tooltip("The scenario does not simulate what this metric measures, so the objective fails.");
    } else if (st.finished) {
      if (r.passed) ImGui::TextColored(kGreen, "PASS");
      else ImGui::TextColored(kRed, "FAIL");
    } else {
      // The run is not over: a value now says where it is heading, not the grade.
      if (r.passed) ImGui::TextColored(kGreen, "passing now");
      else ImGui::TextColored(kAmber, "failing now");
    }
  }
  ImGui::EndTable();
}

void grade_line(App& app, const PanelState& st) {
  const int n = static_cast<int>(st.results.size());
  if (st.finished) {
    int failed = 0;
    for (const ObjectiveGrade& o : st.grade.objectives) failed += o.passed ? 0 : 1;
    if (st.grade.passed) ImGui::TextColored(kGreen, "PASSED: all %d objectives", n);
    else ImGui::TextColored(kRed, "FAILED: %d of %d objectives not met", failed, n);
    app.remember_widget("exercise-grade");
    ImGui::SameLine();
    ImGui::TextDisabled("(seed %llu; `opsim grade` reports the same)", static_cast<unsigned long long>(app.seed()));
  } else {
    const Simulation& sim = app.sim();
    ImGui::Text("Running: %d of %d objectives passing now.", st.passing, n);
    ImGui::SameLine();
    ImGui::TextDisabled("The grade is given at the end (%s of %s).", format_duration(sim.now() / kMicrosPerSecond * kMicrosPerSecond).c_str(),
                        format_duration(sim.end_time()).c_str());
  }
}

void hints(App& app, const ExerciseSpec& ex) {
  const int n = static_cast<int>(ex.hints.size());
  if (n == 0) return;
  ImGui::Spacing();
  ImGui::TextDisabled("Hints");
  for (int k = 0; k < app.hints_shown && k < n; ++k) {
    ImGui::Bullet();
    ImGui::TextWrapped("%s", ex.hints[static_cast<std::size_t>(k)].c_str());
    app.remember_widget("exercise-hint-" + std::to_string(k));
  }
  if (app.hints_shown < n) {
    const std::string label = "Show a hint (" + std::to_string(app.hints_shown + 1) + " of " + std::to_string(n) + ")";
    if (ImGui::Button(label.c_str())) ++app.hints_shown;
    app.remember_widget("exercise-hint");
  } else {
    ImGui::TextDisabled("All %d hints shown.", n);
  }
}

void for_teachers(App& app, const ExerciseSpec& ex) {
  const bool open = ImGui::CollapsingHeader("For teachers");
  app.remember_widget("exercise-teachers");
  if (!open) return;
  if (ex.solution.empty()) {
    ImGui::TextDisabled("This exercise names no reference solution.");
    return;
  }
  ImGui::TextWrapped("The reference solution, %s, is this scenario with the change made: it passes every objective "
                     "(on three seeds: opsim grade --seeds 3).", ex.solution.c_str());
  if (ImGui::Button("Open the reference solution")) {
    const LoadOutcome out = app.open_solution();
    app.solution_error = out.ok ? "" : out.error;
  }
  app.remember_widget("exercise-solution");
  if (!app.solution_error.empty()) ImGui::TextColored(kRed, "%s", app.solution_error.c_str());
}

}  // namespace

void draw_exercise(App& app) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  PanelState& st = state();
  if (st.stamp.stale(app)) derive(app, st);
  ImGui::BeginChild("exercise");
  ImGui::TextUnformatted(sc.name.c_str());
  app.remember_widget("panel:exercise");
  if (sc.exercise.present) {
    ImGui::Separator();
    ImGui::TextWrapped("%s", sc.exercise.statement.c_str());
    ImGui::Spacing();
  } else {
    ImGui::TextDisabled("This scenario's objectives, graded as `opsim grade` grades them.");
  }
  ImGui::Separator();
  grade_line(app, st);
  objectives_table(st);
  if (sc.exercise.present) {
    hints(app, sc.exercise);
    ImGui::Spacing();
    for_teachers(app, sc.exercise);
  }
  ImGui::EndChild();
}

}  // namespace opsim::ui
