// Scaling: each service's pools (instances, size and rolling restart, cost), the decisions
// carried out (latest first), the scaling report (statistics, policies, recommendations),
// each predictive engine's forecast beside what was observed, and a what-if editor for the
// scaling sections that changes the running simulation.
//
// The report and the forecasts are derived from the simulation once per simulated instant
// (cached by App::run_id() and sim.now()), not once per frame.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "panels.h"
#include "style.h"
#include "report/analysis.h"
#include "report/hpa_manifest.h"
#include "scaling/decision.h"

namespace opsim::ui {
namespace {

std::string pool_name(const Simulation& sim, int pool) {
  const Simulation::PoolView pv = sim.pool_view(pool);
  const Scenario& sc = sim.scenario();
  const std::string& service = sc.services[static_cast<std::size_t>(pv.service)].id;
  return pv.owner_tenant < 0 ? service : service + " (" + sc.tenants[static_cast<std::size_t>(pv.owner_tenant)].id + ")";
}

ImVec4 kind_color(EventKind kind) {
  if (kind == EventKind::scale_out) return ImVec4(0.35f, 0.75f, 0.95f, 1);
  if (kind == EventKind::scale_in) return ImVec4(0.9f, 0.65f, 0.2f, 1);
  if (kind == EventKind::scale_up) return ImVec4(0.3f, 0.8f, 0.55f, 1);
  return ImVec4(0.85f, 0.55f, 0.7f, 1);  // scale_down
}

// One predictive engine's figures, in the units of the load it learns: a utilisation times
// the ready instances is shown / 100, as instances' worth of busy slots or memory; a
// request rate (per second) and a queue length as they are.
struct ForecastData {
  std::size_t scaler = 0;
  std::string title;
  scaling::Forecast forecast;
  double error_percent = 0, confidence = 0;
  std::size_t evaluated = 0, history_points = 0;
  double threshold = 0, min_confidence = 0;  // the threshold per instance, in the metric's units
  double scale = 1;  // the plot's units per unit of the learnt load
  std::string units;  // what the plot shows
  double lead_s = 0, horizon_s = 0;
  int serving_instances = 0;  // starting and ready: the count the decision divides the peak by
  bool enabled = true;  // a what-if may have turned the engine off; it keeps its history
  const char* method = "";
  std::vector<PointSeries> series;
  std::vector<RefLine> refs;
};

// What the panel derives from the simulation, recomputed when the simulated time moves.
struct Derived {
  DerivedStamp stamp;
  ScalingReport report;
  std::vector<ForecastData> forecasts;
  std::vector<std::string> notes;  // per scaler: its last evaluation's note
};

void derive(const Simulation& sim, Derived& d) {
  d.report = scaling_report(sim);
  d.forecasts.clear();
  d.notes.clear();
  const SimTime now = sim.now();
  for (std::size_t i = 0; i < sim.scaler_count(); ++i) {
    const Simulation::ScalerView v = sim.scaler_view(i);
    d.notes.push_back(v.last_note);
    if (!v.predictive) continue;
    const scaling::PredictiveEngine& e = *v.predictive;
    ForecastData f;
    f.scaler = i;
    const std::string& metric = e.spec().metric;
    const bool utilisation = metric == "cpu_utilization" || metric == "memory_utilization";
    const double scale = utilisation ? 0.01 : 1.0;
    f.scale = scale;
    f.units = metric == "cpu_utilization"      ? "instances' worth of busy slots (CPU utilisation x ready instances / 100)"
              : metric == "memory_utilization" ? "instances' worth of memory (memory utilisation x ready instances / 100)"
              : metric == "request_rate"       ? "requests per second arriving at the pool"
              : metric == "queue_depth"        ? "requests waiting in the pool's queue"
                                               : metric + " (its value, against the threshold; the fleet scales in proportion)";
    f.title = "Load and forecast (" + metric + (utilisation ? " x instances / 100" : "") + "): " + pool_name(sim, v.pool);
    f.forecast = e.forecast(now);
    f.error_percent = e.error_percent();
    f.confidence = e.confidence();
    f.evaluated = e.evaluated_forecasts();
    f.history_points = e.history_points();
    f.threshold = e.spec().threshold;
    f.min_confidence = e.spec().min_confidence;
    f.lead_s = to_seconds(e.spec().lead);
    f.horizon_s = to_seconds(e.spec().horizon);
    f.method = e.spec().method == PredictiveSpec::Method::seasonal_naive ? "seasonal_naive" : "seed_ensemble";
    const Simulation::PoolView pv = sim.pool_view(v.pool);
    f.serving_instances = pv.instances - pv.draining_instances;
    f.enabled = sim.scenario().scaling[v.section].predictive.enabled;
    PointSeries observed{"observed", series_color(0), {}, {}};
    for (std::size_t k = 0; k < e.history_points(); ++k) {
      observed.t_s.push_back(to_seconds(e.history_time(k)));
      observed.value.push_back(e.history_value(k) * scale);
    }
    PointSeries past{"forecast then", series_color(1), {}, {}};
    for (const scaling::ScoredForecast& s : e.scored()) {
      past.t_s.push_back(to_seconds(s.at));
      past.value.push_back(s.forecast * scale);
    }
    PointSeries ahead{"forecast now", series_color(4), {}, {}, true};
    for (const scaling::ForecastPoint& p : f.forecast.points) {
      ahead.t_s.push_back(to_seconds(p.at));
      ahead.value.push_back(p.value * scale);
    }
    f.series = {std::move(observed), std::move(past), std::move(ahead)};
    // The load at which the instances would run at the predictive threshold: a forecast
    // peak above it scales out, to ceil(peak / threshold) instances.
    f.refs = {{"instances x threshold", f.serving_instances * f.threshold * scale, IM_COL32(213, 94, 0, 200)}};
    d.forecasts.push_back(std::move(f));
  }
}

// The what-if editor's draft of one scaling section.
struct WhatIf {
  std::uint64_t run_id = ~std::uint64_t{0};
  int section = 0;
  ScalingSpec draft;
  std::string message;
};

// The recommended manifests, worked out only while their section is open.
struct Manifests {
  DerivedStamp stamp;
  struct Entry {
    std::string service, why, yaml;  // why: when there is no recommendation yet
    HpaRecommendation r;
  };
  std::vector<Entry> entries;
};

struct PanelState {
  Derived derived;
  Manifests manifests;
  WhatIf what_if;
  std::vector<PlotView> forecast_views;  // per scaler
  std::uint64_t views_run_id = ~std::uint64_t{0};
};

PanelState& state() {
  static PanelState s;  // one App per process; keyed by run_id where it matters
  return s;
}

bool same_figures(const ScalingSpec& a, const ScalingSpec& b) {
  if (a.evaluation_interval != b.evaluation_interval || a.max_events_per_hour != b.max_events_per_hour ||
      a.cost_optimization != b.cost_optimization || a.policies.size() != b.policies.size())
    return false;
  for (std::size_t i = 0; i < a.policies.size(); ++i) {
    const ScalingPolicySpec &p = a.policies[i], &q = b.policies[i];
    if (p.threshold_up != q.threshold_up || p.threshold_down != q.threshold_down || p.cooldown != q.cooldown ||
        p.evaluation_periods != q.evaluation_periods || p.scale_increment != q.scale_increment ||
        p.target != q.target || p.tolerance != q.tolerance)
      return false;
  }
  const PredictiveSpec &p = a.predictive, &q = b.predictive;
  return p.enabled == q.enabled && p.method == q.method && p.threshold == q.threshold &&
         p.min_confidence == q.min_confidence && p.lead == q.lead && p.horizon == q.horizon;
}

// A duration edited in seconds.
bool seconds_input(const char* label, SimDuration& d, double min_s) {
  double s = to_seconds(d);
  if (!ImGui::InputDouble(label, &s, 0, 0, "%.0f s")) return false;
  d = from_seconds(std::max(min_s, s));
  return true;
}

void draw_fleet(const Simulation& sim, const Derived& d) {
  const Calendar& cal = sim.scenario().calendar;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("fleet", 6, flags)) return;
  ImGui::TableSetupColumn("service / pool", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  ImGui::TableSetupColumn("instances", ImGuiTableColumnFlags_WidthStretch, 1.6f);
  ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthStretch, 0.35f);
  ImGui::TableSetupColumn("cost so far, now", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  ImGui::TableSetupColumn("decisions", ImGuiTableColumnFlags_WidthStretch, 1.3f);
  ImGui::TableSetupColumn("last", ImGuiTableColumnFlags_WidthStretch, 0.8f);
  ImGui::TableHeadersRow();
  for (std::size_t v = 0; v < d.report.services.size(); ++v) {
    const ScalingReport::Service& s = d.report.services[v];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(s.id.c_str());
    if (!s.scaled) {
      ImGui::SameLine();
      ImGui::TextDisabled("(no scaling section)");
    }
    ImGui::TableNextColumn();
    ImGui::Text("%d now (%d at most, max %d)", s.instances, s.instances_max_reached, s.instances_max);
    ImGui::TableNextColumn();
    ImGui::Text("x%g", s.size_factor);
    ImGui::TableNextColumn();
    double rate = 0;
    for (std::size_t p = 0; p < sim.pool_count(); ++p) {
      const Simulation::PoolView pv = sim.pool_view(static_cast<int>(p));
      if (pv.service == static_cast<int>(v)) rate += pv.cost_usd_per_hour;
    }
    ImGui::Text("$%.2f, $%.2f/h", s.cost_usd, rate);
    ImGui::TableNextColumn();
    ImGui::Text("%d", s.decisions);
    ImGui::TableNextColumn();
    if (s.last_decision_s >= 0) ImGui::TextUnformatted(short_time(cal, from_seconds(s.last_decision_s)).c_str());
    else ImGui::TextDisabled("never");
    // Its pools, when it has more than one (dedicated tenants) or a pool is restarting.
    for (std::size_t p = 0; p < sim.pool_count(); ++p) {
      const Simulation::PoolView pv = sim.pool_view(static_cast<int>(p));
      if (pv.service != static_cast<int>(v)) continue;
      const Simulation::PoolScalingStats& st = sim.pool_scaling_stats(static_cast<int>(p));
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextDisabled("  %s",
                          pv.owner_tenant < 0
                              ? "shared pool"
                              : ("pool of " + sim.scenario().tenants[static_cast<std::size_t>(pv.owner_tenant)].id).c_str());
      ImGui::TableNextColumn();
      std::string counts = std::to_string(pv.ready_instances) + " ready";
      if (pv.starting_instances) counts += ", " + std::to_string(pv.starting_instances) + " starting";
      if (pv.draining_instances) counts += ", " + std::to_string(pv.draining_instances) + " draining";
      if (pv.rolling_restart) {
        ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.3f, 1), "%s; rolling restart to x%g, %d replaced", counts.c_str(),
                           pv.size_factor, pv.rolling_replaced);
      } else {
        ImGui::TextDisabled("%s", counts.c_str());
      }
      ImGui::TableNextColumn();
      ImGui::TextDisabled("x%g", pv.size_factor);
      ImGui::TableNextColumn();
      ImGui::TextDisabled("$%.2f/h", pv.cost_usd_per_hour);
      ImGui::TableNextColumn();
      if (st.scale_up + st.scale_down > 0)
        ImGui::TextDisabled("%d out, %d in, %d up, %d down", st.scale_out, st.scale_in, st.scale_up, st.scale_down);
      else
        ImGui::TextDisabled("%d out, %d in", st.scale_out, st.scale_in);
      ImGui::TableNextColumn();
      if (st.last_at >= 0) ImGui::TextDisabled("%s", short_time(cal, st.last_at).c_str());
    }
  }
  ImGui::EndTable();
}

void draw_decisions(const Simulation& sim) {
  const auto& records = sim.scaling_records();
  const Calendar& cal = sim.scenario().calendar;
  ImGui::Text("Decisions carried out (latest first; the last %zu are kept)", Simulation::kScalingRecords);
  if (records.empty()) {
    ImGui::TextDisabled("none yet");
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Resizable;
  const float rows = std::min(8.0f, static_cast<float>(records.size()) + 1.5f);
  if (!ImGui::BeginTable("decisions", 6, flags, ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * rows))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("time");
  ImGui::TableSetupColumn("pool");
  ImGui::TableSetupColumn("kind");
  ImGui::TableSetupColumn("change");
  ImGui::TableSetupColumn("policy");
  ImGui::TableSetupColumn("reason", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(records.size()));
  while (clipper.Step())
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const Simulation::ScalingRecord& r = records[records.size() - 1 - static_cast<std::size_t>(row)];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(short_time(cal, r.at).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(pool_name(sim, r.pool).c_str());
      ImGui::TableNextColumn();
      ImGui::TextColored(kind_color(r.kind), "%s", event_kind_name(r.kind));
      ImGui::TableNextColumn();
      if (r.kind == EventKind::scale_up || r.kind == EventKind::scale_down) ImGui::Text("x%g -> x%g", r.from, r.to);
      else ImGui::Text("%g -> %g", r.from, r.to);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.policy.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.reason.c_str());
      if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
        ImGui::TextUnformatted(r.reason.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
    }
  ImGui::EndTable();
}

void draw_report(const ScalingReport& r) {
  ImGui::Text("%d decisions in %.1f h (%.2f an hour): %d out, %d in, %d up, %d down; %d by the predictive engine",
              r.decisions, r.hours, r.decisions_per_hour, r.scale_out, r.scale_in, r.scale_up, r.scale_down,
              r.predictive);
  if (!r.policies.empty()) {
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
    if (ImGui::BeginTable("policies", 5, flags)) {
      for (const char* h : {"service", "policy", "kind", "decisions", "per hour"}) ImGui::TableSetupColumn(h);
      ImGui::TableHeadersRow();
      for (const ScalingReport::Policy& p : r.policies) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(p.service.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(p.id.c_str());
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", p.kind.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%d", p.decisions);
        ImGui::TableNextColumn();
        ImGui::Text("%.2f", p.per_hour);
      }
      ImGui::EndTable();
    }
  }
  if (r.recommendations.empty()) {
    ImGui::TextDisabled("No recommendations.");
    return;
  }
  ImGui::TextUnformatted("Recommendations");
  for (const std::string& s : r.recommendations) {
    ImGui::Bullet();
    ImGui::TextWrapped("%s", s.c_str());
  }
}

void draw_forecast(const Simulation& sim, const ForecastData& f, PlotView& view) {
  const double now_s = to_seconds(sim.now());
  ImGui::Text("%s (%s%s)", f.title.c_str(), f.method, f.enabled ? "" : ", turned off: it no longer learns or acts");
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("In %s. \"forecast then\" is each past forecast drawn at the time it was made for (%s ahead).",
                     f.units.c_str(), format_duration(from_seconds(f.lead_s)).c_str());
  ImGui::PopStyleColor();
  if (f.evaluated == 0)
    ImGui::Text("no forecast scored yet: error and confidence come from forecasts whose time has come");
  else
    ImGui::Text("forecast error %.1f %% (weighted, last %zu forecasts scored), confidence %.2f (acts at %.2f or more)",
                f.error_percent, f.evaluated, f.confidence, f.min_confidence);
  if (f.forecast.valid)
    ImGui::Text("peak %.2f in %s (looking %s to %s ahead); %d instances run at the threshold up to %.2f",
                f.forecast.peak * f.scale, format_duration(f.forecast.peak_at - sim.now()).c_str(),
                format_duration(from_seconds(f.lead_s)).c_str(), format_duration(from_seconds(f.horizon_s)).c_str(),
                f.serving_instances, f.serving_instances * f.threshold * f.scale);
  else
    ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.3f, 1), "no forecast: %s (%zu one-minute points so far)",
                       f.forecast.note.c_str(), f.history_points);
  const double back = 12 * 3600.0;
  points_plot(f.title.c_str(), "", sim.scenario().calendar, f.series, f.refs, view, std::max(0.0, now_s - back),
              now_s + f.horizon_s, now_s, ImVec2(0, 220));
}

void draw_what_if(App& app, WhatIf& w) {
  const Simulation& sim = app.sim();
  const auto& sections = sim.scenario().scaling;
  if (sections.empty()) {
    ImGui::TextDisabled("This scenario has no scaling section.");
    return;
  }
  if (w.run_id != app.run_id() || w.section >= static_cast<int>(sections.size())) {
    w.run_id = app.run_id();
    w.section = std::min(w.section, static_cast<int>(sections.size()) - 1);
    w.draft = sections[static_cast<std::size_t>(w.section)];
  }
  ImGui::TextWrapped("Changes the running simulation from its next evaluation, not the scenario text: Reset, a new "
                     "seed or a load start again from the scenario as written.");
  if (sections.size() > 1) {
    std::string preview = std::to_string(w.section + 1) + ": " + sections[static_cast<std::size_t>(w.section)].service;
    if (ImGui::BeginCombo("section", preview.c_str())) {
      for (std::size_t i = 0; i < sections.size(); ++i) {
        const std::string label = std::to_string(i + 1) + ": " + sections[i].service;
        if (ImGui::Selectable(label.c_str(), static_cast<int>(i) == w.section)) {
          w.section = static_cast<int>(i);
          w.draft = sections[i];
        }
      }
      ImGui::EndCombo();
    }
  } else {
    ImGui::Text("service %s", w.draft.service.c_str());
  }
  ScalingSpec& d = w.draft;
  ImGui::PushItemWidth(ImGui::GetFontSize() * 9);
  ImGui::InputInt("max events per hour", &d.max_events_per_hour);
  d.max_events_per_hour = std::max(1, d.max_events_per_hour);
  ImGui::SameLine();
  ImGui::Checkbox("cost optimisation", &d.cost_optimization);
  seconds_input("evaluation interval", d.evaluation_interval, 1);
  for (ScalingPolicySpec& p : d.policies) {
    ImGui::PushID(p.id.c_str());
    ImGui::Separator();
    if (p.kind == ScalingPolicySpec::Kind::target_tracking) {
      ImGui::Text("policy %s: target tracking on %s", p.id.c_str(), p.metric.c_str());
      // A manifest's policy: where it came from, and the metrics after its first.
      if (!p.manifest.empty())
        ImGui::TextDisabled("from the HPA %s (%s)%s", p.manifest_name.empty() ? "manifest" : p.manifest_name.c_str(),
                            p.manifest.c_str(),
                            p.more_metrics.empty() ? "" : (", and " + std::to_string(p.more_metrics.size()) +
                                                           " more metric(s): the largest count is followed").c_str());
      ImGui::InputDouble("target", &p.target, 0, 0, "%.4g");
      ImGui::SameLine();
      ImGui::InputDouble("tolerance", &p.tolerance, 0, 0, "%.3g");
      p.target = std::max(0.001, p.target);
      p.tolerance = std::clamp(p.tolerance, 0.0, 1.0);
    } else {
      const char* what = p.direction == ScalingPolicySpec::Direction::vertical ? "vertical (size steps)"
                         : p.trigger == ScalingTrigger::schedule             ? "schedule"
                                                                             : "threshold";
      ImGui::Text("policy %s: %s on %s", p.id.c_str(), what,
                  p.trigger == ScalingTrigger::custom ? p.metric.c_str() : scaling::trigger_name(p.trigger));
      if (p.trigger != ScalingTrigger::schedule) {
        ImGui::InputDouble("threshold up", &p.threshold_up, 0, 0, "%.4g");
        if (&p == &d.policies.front()) app.remember_widget("scaling-threshold-up-0");
        ImGui::SameLine();
        ImGui::InputDouble("threshold down", &p.threshold_down, 0, 0, "%.4g");
        ImGui::InputInt("evaluation periods", &p.evaluation_periods);
        p.evaluation_periods = std::max(1, p.evaluation_periods);
        ImGui::SameLine();
      }
      ImGui::InputInt("increment", &p.scale_increment);
      p.scale_increment = std::max(1, p.scale_increment);
      seconds_input("cooldown", p.cooldown, 0);
      if (p.threshold_down >= p.threshold_up && p.trigger != ScalingTrigger::schedule)
        ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "threshold down should be below threshold up");
    }
    ImGui::PopID();
  }
  ImGui::Separator();
  PredictiveSpec& pr = d.predictive;
  ImGui::Checkbox("predictive", &pr.enabled);
  if (pr.enabled) {
    ImGui::SameLine();
    int method = pr.method == PredictiveSpec::Method::seasonal_naive ? 1 : 0;
    ImGui::SetNextItemWidth(ImGui::CalcTextSize("seasonal_naive").x + ImGui::GetFrameHeight() * 2);
    if (ImGui::Combo("method", &method, "seed_ensemble\0seasonal_naive\0"))
      pr.method = method == 1 ? PredictiveSpec::Method::seasonal_naive : PredictiveSpec::Method::seed_ensemble;
    ImGui::InputDouble("threshold (% of one instance)", &pr.threshold, 0, 0, "%.4g");
    pr.threshold = std::max(1.0, pr.threshold);
    ImGui::SameLine();
    ImGui::InputDouble("min confidence", &pr.min_confidence, 0, 0, "%.2f");
    pr.min_confidence = std::clamp(pr.min_confidence, 0.0, 1.0);
    seconds_input("lead", pr.lead, 300);
    ImGui::SameLine();
    seconds_input("horizon", pr.horizon, 300);
    ImGui::TextDisabled("changing the method or the lead restarts the accuracy count");
  }
  ImGui::PopItemWidth();
  const ScalingSpec& current = sections[static_cast<std::size_t>(w.section)];
  const bool changed = !same_figures(d, current);
  ImGui::BeginDisabled(!changed);
  if (ImGui::Button("Apply")) {
    const std::size_t section = static_cast<std::size_t>(w.section);
    const ScalingSpec applied = d;  // update_scaling bumps run_id, which reloads the draft
    app.update_scaling(section, applied);
    w.message = "Applied at " + sim.scenario().calendar.iso8601(sim.now()) + ".";
  }
  app.remember_widget("scaling-apply");
  ImGui::SameLine();
  if (ImGui::Button("Revert")) w.draft = current;
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (changed) ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.3f, 1), "not applied yet");
  else if (!w.message.empty()) ImGui::TextDisabled("%s", w.message.c_str());
}

}  // namespace

// The report's recommendation for each scaled service's pool as the autoscaling/v2 manifest
// `opsim run --manifest SERVICE` prints (report/hpa_manifest.h), to read or save.
void draw_manifests(App& app, const Derived& d, Manifests& m) {
  if (m.stamp.stale(app)) {
    m.entries.clear();
    for (const ScalingReport::Service& s : d.report.services) {
      if (!s.scaled) continue;
      Manifests::Entry e;
      e.service = s.id;
      if (recommend_hpa(app.sim(), s.id, e.r, e.why)) e.yaml = hpa_manifest_yaml(e.r);
      m.entries.push_back(std::move(e));
    }
  }
  ImGui::TextDisabled("each pool's replicas and target from the run so far, as a manifest opsim reads back");
  for (const Manifests::Entry& e : m.entries) {
    ImGui::PushID(e.service.c_str());
    if (e.yaml.empty()) {
      ImGui::TextDisabled("%s: %s", e.service.c_str(), e.why.c_str());
    } else {
      ImGui::Text("%s: %d to %d replicas at %g %% CPU", e.service.c_str(), e.r.min_replicas, e.r.max_replicas,
                  e.r.target_percent);
      ImGui::SameLine();
      if (ImGui::SmallButton("Save")) app.platform().save_file("hpa-" + e.service + ".yaml", e.yaml);
      ImGui::SameLine();
      if (ImGui::SmallButton("Copy")) ImGui::SetClipboardText(e.yaml.c_str());
      if (ImGui::TreeNode("manifest")) {
        ImGui::TextUnformatted(e.yaml.c_str());
        ImGui::TreePop();
      }
    }
    ImGui::PopID();
  }
}

void draw_scaling(App& app) {
  const Simulation& sim = app.sim();
  PanelState& st = state();
  Derived& d = st.derived;
  if (d.stamp.stale(app)) derive(sim, d);
  if (st.views_run_id != app.run_id() || st.forecast_views.size() != sim.scaler_count()) {
    st.forecast_views.assign(sim.scaler_count(), PlotView{});
    st.views_run_id = app.run_id();
  }
  ImGui::BeginChild("scaling");
  ImGui::TextDisabled("fleet, decisions and report over the run so far");
  app.remember_widget("panel:scaling");
  draw_fleet(sim, d);
  ImGui::Spacing();
  draw_decisions(sim);
  ImGui::Spacing();
  if (ImGui::CollapsingHeader("Scaling report", ImGuiTreeNodeFlags_DefaultOpen)) draw_report(d.report);
  if (ImGui::CollapsingHeader("Recommended HPA manifests")) draw_manifests(app, d, st.manifests);
  if (sim.scaler_count() > 0 && ImGui::CollapsingHeader("Last evaluation per pool")) {
    for (std::size_t i = 0; i < d.notes.size(); ++i) {
      ImGui::TextDisabled("%s:", pool_name(sim, sim.scaler_view(i).pool).c_str());
      ImGui::SameLine();
      ImGui::TextWrapped("%s", d.notes[i].empty() ? "(nothing to say)" : d.notes[i].c_str());
    }
  }
  if (!d.forecasts.empty() && ImGui::CollapsingHeader("Predictive forecasts", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::TextDisabled("wheel: zoom, drag: pan, double-click: the last 12 h and the horizon ahead");
    for (const ForecastData& f : d.forecasts) {
      ImGui::PushID(static_cast<int>(f.scaler));
      draw_forecast(sim, f, st.forecast_views[f.scaler]);
      ImGui::PopID();
    }
  }
  if (ImGui::CollapsingHeader("What-if: change a scaling section live", ImGuiTreeNodeFlags_DefaultOpen))
    draw_what_if(app, st.what_if);
  ImGui::EndChild();
}

}  // namespace opsim::ui
