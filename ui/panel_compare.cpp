// The side-by-side mode: a second scenario (variant B) runs beside the loaded one (A) in
// lockstep with the same seed (App::compare_with); this tab picks B, sets the headline
// figures of both side by side with their difference, and overlays their plots.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "app.h"
#include "builtin.h"
#include "editor.h"
#include "imgui.h"
#include "panels.h"
#include "style.h"

namespace opsim::ui {
namespace {

const ImU32 kColorA = IM_COL32(86, 180, 233, 255);  // sky blue
const ImU32 kColorB = IM_COL32(230, 159, 0, 255);  // orange

// Headline figures, all over the run so far. `lower_is_better` colours the difference.
struct Headline {
  const char* metric;
  const char* label;
  bool lower_is_better;
};
const Headline kHeadlines[] = {
    {"requests_total", "requests arrived", false},
    {"availability_percent", "availability %", false},
    {"error_rate_percent", "error rate %", true},
    {"rejection_rate_percent", "rejected at admission %", true},
    {"latency_p50_ms", "latency p50 ms", true},
    {"latency_p95_ms", "latency p95 ms", true},
    {"latency_p99_ms", "latency p99 ms", true},
    {"queue_depth_max", "queue depth, most", true},
    {"instances_max", "instances, most", true},
    {"cost_usd", "cost USD", true},
};

// Scenarios a student would compare with A: the library's pairs differ in one word of
// their names (hpa-defaults / hpa-tuned, flash-crowd-short-cooldown /
// flash-crowd-long-cooldown), and an exercise pairs with its solution.
std::vector<std::string> words(const std::string& name) {
  std::vector<std::string> out(1);
  for (const char c : name) {
    if (c == '-') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

bool suggested_partner(const std::string& a, const std::string& b) {
  if (a == b) return false;
  const std::string ex = "exercises/", sol = "exercises/solutions/";
  if (a.rfind(ex, 0) == 0 && a.rfind(sol, 0) != 0 && b == sol + a.substr(ex.size())) return true;
  if (b.rfind(ex, 0) == 0 && b.rfind(sol, 0) != 0 && a == sol + b.substr(ex.size())) return true;
  const std::vector<std::string> wa = words(a), wb = words(b);
  if (wa.size() != wb.size() || wa.size() < 2) return false;
  int differ = 0;
  for (std::size_t i = 0; i < wa.size(); ++i) differ += wa[i] != wb[i];
  return differ == 1;
}

// Both runs' metric values, derived again only when a run has moved.
struct Figures {
  DerivedStamp stamp;
  SimTime variant_now = -1;
  std::vector<double> a, b;
};

double value_of(const Simulation& sim, const std::vector<double>& values, const std::string& metric, bool& found) {
  const int col = sim.metrics().find(metric);
  found = col >= 0;
  return found ? values[static_cast<std::size_t>(col)] : 0.0;
}

void draw_picker(App& app) {
  ImGui::TextWrapped(
      "Run a second scenario (variant B) beside this one (A): both start together, with A's seed, and advance "
      "in lockstep, so every plot here overlays the two runs at the same simulated moment. Where the two files "
      "agree, the runs draw the same arrivals, so what differs between the lines is the variant's change.");
  ImGui::Spacing();
  std::vector<const LibraryEntry*> suggested;
  for (const LibraryEntry& e : app.library())
    if (suggested_partner(app.scenario_name(), e.name)) suggested.push_back(&e);
  if (!suggested.empty()) {
    ImGui::TextUnformatted("Suggested for this scenario:");
    for (const LibraryEntry* e : suggested) {
      ImGui::PushID(e->name.c_str());
      if (ImGui::Button("Compare")) app.compare_with(e->name);
      app.remember_widget("compare:" + e->name);
      ImGui::SameLine();
      ImGui::Text("%s (%s)", e->title.c_str(), e->name.c_str());
      ImGui::PopID();
    }
    ImGui::Spacing();
  }
  static int choice = 0;
  const std::vector<LibraryEntry>& lib = app.library();
  choice = std::clamp(choice, 0, static_cast<int>(lib.size()) - 1);
  ImGui::SetNextItemWidth(320);
  if (ImGui::BeginCombo("##variant", lib.empty() ? "" : lib[static_cast<std::size_t>(choice)].name.c_str())) {
    for (std::size_t i = 0; i < lib.size(); ++i)
      if (ImGui::Selectable(lib[i].name.c_str(), static_cast<int>(i) == choice)) choice = static_cast<int>(i);
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::Button("Compare with this built-in") && !lib.empty()) app.compare_with(lib[static_cast<std::size_t>(choice)].name);
  static std::string error;
  if (ImGui::Button("Compare with the Scenario tab's text")) {
    const LoadOutcome out = app.compare_with(app.editor().text);
    error = out.ok ? "" : out.error;
  }
  tooltip("Edit a copy of this scenario in the Scenario tab (a policy, a limit), then run it here as variant B "
          "beside the unedited one, without pressing Apply.");
  if (!error.empty()) ImGui::TextColored(kRed, "B not started: %s", error.c_str());
}

void draw_table(App& app, Figures& fig) {
  const Simulation& a = app.sim();
  const Simulation& b = *app.variant_sim();
  if (fig.stamp.stale(app) || fig.variant_now != b.now()) {
    fig.variant_now = b.now();
    fig.a = a.summary_values();
    fig.b = b.summary_values();
  }
  std::vector<Headline> rows(std::begin(kHeadlines), std::end(kHeadlines));
  // The SLOs both runs define, by id: their budgets are the course's yardstick.
  std::vector<std::string> slo_metrics;
  for (const SloSpec& s : a.scenario().slos)
    for (const SloSpec& t : b.scenario().slos)
      if (s.id == t.id) slo_metrics.push_back("slo." + s.id + ".budget_remaining_percent");
  for (const std::string& m : slo_metrics) rows.push_back({m.c_str(), m.c_str(), false});

  if (!ImGui::BeginTable("compare-figures", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp))
    return;
  ImGui::TableSetupColumn("over the run so far");
  ImGui::TableSetupColumn("A");
  ImGui::TableSetupColumn("B");
  ImGui::TableSetupColumn("B - A");
  ImGui::TableHeadersRow();
  for (const Headline& h : rows) {
    bool in_a = false, in_b = false;
    const double va = value_of(a, fig.a, h.metric, in_a), vb = value_of(b, fig.b, h.metric, in_b);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(h.label);
    ImGui::TableNextColumn();
    if (in_a) ImGui::Text("%.4g", va);
    else ImGui::TextDisabled("-");
    ImGui::TableNextColumn();
    if (in_b) ImGui::Text("%.4g", vb);
    else ImGui::TextDisabled("-");
    ImGui::TableNextColumn();
    if (in_a && in_b) {
      const double d = vb - va;
      const bool better = h.lower_is_better ? d < 0 : d > 0;
      // Differences under a part in a thousand of the larger value are shown as even.
      if (std::fabs(d) <= 1e-3 * std::max(std::fabs(va), std::fabs(vb))) ImGui::TextDisabled("%+.4g", d);
      else ImGui::TextColored(better ? kGreen : kAmber, "%+.4g", d);
    }
  }
  ImGui::EndTable();
}

void draw_objectives(App& app) {
  const Simulation& b = *app.variant_sim();
  const std::vector<ObjectiveSpec>& objectives = app.sim().scenario().objectives;
  if (objectives.empty()) return;
  // A's objectives, graded on both runs as they stand: how far the variant gets the task.
  const Grade ga = app.grade();
  const Grade gb = aggregate_grade(objectives, {grade_run(b)});
  int pa = 0, pb = 0;
  for (const ObjectiveGrade& o : ga.objectives) pa += o.passed ? 1 : 0;
  for (const ObjectiveGrade& o : gb.objectives) pb += o.passed ? 1 : 0;
  ImGui::Text("A's objectives: A passes %d of %zu, B passes %d of %zu%s", pa, objectives.size(), pb, objectives.size(),
              app.sim().finished() ? "" : " (so far)");
}

void draw_overlays(App& app) {
  const Simulation& a = app.sim();
  const Simulation& b = *app.variant_sim();
  const History* hb = app.variant_history();
  const double now_s = to_seconds(a.now());
  const float width = ImGui::GetContentRegionAvail().x;
  const ImVec2 size((width - ImGui::GetStyle().ItemSpacing.x) / 2, 180);
  int drawn = 0;
  auto overlay = [&](const char* title, const char* unit, const std::string& metric, const char* explain) {
    const int ca = a.metrics().find(metric), cb = b.metrics().find(metric);
    std::vector<PlotSeries> series;
    if (ca >= 0) series.push_back({"A", static_cast<std::size_t>(ca), kColorA});
    if (cb >= 0) series.push_back({"B", static_cast<std::size_t>(cb), kColorB, hb});
    if (series.empty()) return;
    if (drawn++ % 2) ImGui::SameLine();
    time_plot(title, unit, app.history(), a.scenario().calendar, series, app.plot_view, now_s, size, 0, {}, false,
              explain);
  };
  overlay("Request rate", "req/s", "request_rate",
          "Arrivals per second in each interval, A and B. With the same seed and the same load the lines lie on "
          "each other; where they part, the variant changed the load itself.");
  overlay("Latency p95", "ms", "latency_p95_ms",
          "The 95th percentile of successful requests' latency in each interval: the slow tail, which queueing "
          "lifts first. The lower line served its slowest requests sooner.");
  overlay("Error rate", "%", "error_rate_percent",
          "Failed / completed requests in each interval. A gap here is requests one policy lost and the other "
          "served.");
  overlay("Instances", "", "instances",
          "Instances of every service at the end of each interval: how each variant's scaling and deployments "
          "shaped the fleet. The area between the lines is the cost difference.");
  overlay("Queue depth", "requests", "queue_depth",
          "Requests waiting for a free slot, averaged over each interval: where one variant's fleet fell behind "
          "the load.");
  overlay("Rejected at admission", "%", "rejection_rate_percent",
          "Share of arrivals refused by tenants' quotas or rate limits: a variant that changes limits shows here.");
  overlay("CPU utilisation", "%", "cpu_utilization",
          "Busy slots / slots of ready instances. A variant that runs hotter saves instances and pays in queueing.");
  overlay("Cost so far", "USD", "cost_usd",
          "Instance cost accumulated since the start: the price of each variant's latency and availability.");
}

}  // namespace

void draw_compare(App& app) {
  ImGui::BeginChild("compare");
  ImGui::Dummy(ImVec2(0, 0));
  app.remember_widget("panel:compare");
  if (!app.variant_sim()) {
    draw_picker(app);
    ImGui::EndChild();
    return;
  }
  static Figures figures;
  const Simulation& b = *app.variant_sim();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kColorA), "A: %s", app.scenario_name().c_str());
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kColorB), "  B: %s", app.variant_name().c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("  seed %llu, both at %s%s", static_cast<unsigned long long>(app.seed()),
                      format_duration(b.now() / kMicrosPerSecond * kMicrosPerSecond).c_str(),
                      b.finished() && !app.sim().finished() ? " (B has ended)" : "");
  ImGui::SameLine();
  if (ImGui::Button("Stop comparing")) {
    app.stop_comparing();
    ImGui::EndChild();
    return;
  }
  app.remember_widget("compare-stop");
  draw_table(app, figures);
  draw_objectives(app);
  ImGui::Spacing();
  draw_overlays(app);
  ImGui::EndChild();
}

}  // namespace opsim::ui
