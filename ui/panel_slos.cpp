// SLOs: each SLO's indicator, target and window; its SLI, error budget remaining, burn rate
// over the last hour and compliance at the last scrape; the multi-window, multi-burn-rate
// alert rules (the SRE workbook's) with their burn rates now, which are firing and how often
// each has fired; the budget and the burn rate over the run, the rules' factors dashed across
// the burn-rate plot; and the rules' latest transitions.
//
// Everything is derived once per simulated instant (cached by App::run_id() and sim.now()),
// not once per frame: the transitions come from parsing the recent events.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "json/json.h"
#include "panels.h"
#include "style.h"

namespace opsim::ui {
namespace {

// "14.4x 1h/5m"
std::string rule_label(const BurnRateAlertSpec& r) {
  char factor[32];
  std::snprintf(factor, sizeof factor, "%gx ", r.factor);
  // A rule of a named alert (a Sloth spec's) says which: its pairs fire one alert.
  return (r.alert.empty() ? "" : r.alert + ": ") + factor + format_duration(r.long_window) + "/" +
         format_duration(r.short_window);
}

// "2.5 s", "800 ms", "1m": a latency threshold as people write it.
std::string threshold_text(SimDuration d) {
  char text[32];
  if (d < kMicrosPerSecond) std::snprintf(text, sizeof text, "%g ms", to_seconds(d) * 1000);
  else if (d < kMicrosPerMinute) std::snprintf(text, sizeof text, "%g s", to_seconds(d));
  else return format_duration(d);
  return text;
}

// An SLO's plot colour: the palette without orange and yellow, which the factor lines use.
ImU32 slo_color(std::size_t k) {
  static const std::size_t picks[] = {0, 2, 4, 6, 7};
  return series_color(picks[k % (sizeof picks / sizeof picks[0])]);
}

// The factor lines: the fastest page red, slower pages orange, tickets yellow.
ImU32 factor_color(const std::string& severity, bool fastest_page) {
  if (severity != "page") return IM_COL32(230, 220, 90, 230);
  return fastest_page ? IM_COL32(255, 85, 70, 235) : IM_COL32(255, 160, 60, 235);
}

struct RuleRow {
  std::string label, severity;
  double factor = 0;
  double budget_per_long_window_percent = 0;  // what burning at the factor for the long window spends
  double long_burn = 0, short_burn = 0;  // at the last scrape
  bool firing = false;
  SimTime fired_at = -1;
  std::uint64_t fired = 0;
};

struct SloRow {
  std::string id, service, indicator;
  bool latency = false;
  double target_percent = 0;
  SimDuration window = 0;
  int budget_col = -1, burn_col = -1, sli_col = -1, compliant_col = -1;
  double sli = 100, budget = 100, burn = 0;
  bool compliant = true;
  std::vector<RuleRow> rules;
};

struct Transition {
  SimTime t = 0;
  std::string slo, rule, severity;
  bool firing = false;
  double long_burn = 0, short_burn = 0;
};

struct Derived {
  DerivedStamp stamp;
  SimTime scraped_at = -1;  // the last scrape (-1: none yet), the time "now" figures are for
  std::vector<SloRow> slos;
  std::vector<RefLine> factors;  // distinct (factor, severity) over every SLO's rules
  std::vector<Transition> transitions;  // latest first
};

struct PanelState {
  Derived derived;
  bool log_burn = true;
};

PanelState& state() {
  static PanelState s;  // one App per process; the cache is keyed by run_id and time
  return s;
}

void derive(const Simulation& sim, Derived& d) {
  const Scenario& sc = sim.scenario();
  const SeriesStore& series = sim.series();
  const bool sampled = series.size() > 0;
  d.scraped_at = sampled ? series.time(series.size() - 1) : -1;
  d.slos.clear();
  d.factors.clear();
  for (std::size_t k = 0; k < sc.slos.size() && k < sim.slos().size(); ++k) {
    const SloSpec& spec = sc.slos[k];
    SloRow row;
    row.id = spec.id;
    row.service = spec.service;
    row.latency = spec.indicator == SloSpec::Indicator::latency;
    row.indicator = row.latency ? "latency <= " + threshold_text(spec.threshold)
                    : spec.indicator == SloSpec::Indicator::query
                        ? std::string("PromQL") + (spec.file.empty() ? "" : " (" + spec.file_format + ": " + spec.file + ")")
                        : "availability";
    if (const std::string& why = sim.slo_accounting().query_error(k); !why.empty()) row.indicator += " - last error: " + why;
    row.target_percent = spec.target_percent;
    row.window = spec.window;
    const std::string prefix = "slo." + spec.id + ".";
    row.budget_col = sim.metrics().find(prefix + "budget_remaining_percent");
    row.burn_col = sim.metrics().find(prefix + "burn_rate");
    row.sli_col = sim.metrics().find(prefix + "sli_percent");
    row.compliant_col = sim.metrics().find(prefix + "compliant");
    if (sampled) {
      const std::size_t last = series.size() - 1;
      auto at = [&](int col, double fallback) {
        return col >= 0 ? series.value(last, static_cast<std::size_t>(col)) : fallback;
      };
      row.budget = at(row.budget_col, 100);
      row.burn = at(row.burn_col, 0);
      row.sli = at(row.sli_col, 100);
      row.compliant = at(row.compliant_col, 1) != 0;
    }
    const sre::SloTracker& tracker = sim.slos()[k];
    const sre::BurnRateAlerts& alerts = sim.slo_alerts()[k];
    double fastest_page = 0;
    for (const BurnRateAlertSpec& r : alerts.rules())
      if (r.severity == "page") fastest_page = std::max(fastest_page, r.factor);
    for (std::size_t i = 0; i < alerts.size(); ++i) {
      const BurnRateAlertSpec& r = alerts.rules()[i];
      RuleRow rr;
      rr.label = rule_label(r);
      rr.severity = r.severity;
      rr.factor = r.factor;
      rr.budget_per_long_window_percent =
          100.0 * r.factor * to_seconds(r.long_window) / std::max(1.0, to_seconds(spec.window));
      if (sampled) {
        rr.long_burn = tracker.burn_rate(d.scraped_at, r.long_window);
        rr.short_burn = tracker.burn_rate(d.scraped_at, r.short_window);
      }
      rr.firing = alerts.firing(i);
      rr.fired_at = alerts.fired_at(i);
      rr.fired = alerts.fired_count(i);
      row.rules.push_back(rr);
      const bool known = std::any_of(d.factors.begin(), d.factors.end(), [&](const RefLine& f) {
        return f.value == r.factor && f.label.find(r.severity) != std::string::npos;
      });
      if (!known) {
        char label[64];
        std::snprintf(label, sizeof label, "%gx %s", r.factor, r.severity.c_str());
        d.factors.push_back({label, r.factor, factor_color(r.severity, r.factor == fastest_page)});
      }
    }
    d.slos.push_back(std::move(row));
  }
  std::sort(d.factors.begin(), d.factors.end(), [](const RefLine& a, const RefLine& b) { return a.value > b.value; });

  // The burn-rate rules' transitions among the recent events (monitoring rules have no "slo").
  d.transitions.clear();
  const auto& events = sim.recent_events();
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->kind != EventKind::alert_firing && it->kind != EventKind::alert_resolved) continue;
    if (!it->has("slo")) continue;
    Transition t;
    t.t = it->t;
    t.firing = it->kind == EventKind::alert_firing;
    t.slo = std::string(it->text("slo"));
    t.severity = std::string(it->text("severity"));
    char factor[32];
    std::snprintf(factor, sizeof factor, "%gx ", it->number("factor"));
    t.rule = factor + std::string(it->text("long")) + "/" + std::string(it->text("short"));
    t.long_burn = it->number("long_burn_rate");
    t.short_burn = it->number("short_burn_rate");
    d.transitions.push_back(std::move(t));
  }
}

// The budget left as a bar: green, amber below 25 %, red (the whole bar) once overspent.
void budget_bar(double remaining_percent, float width) {
  const bool overspent = remaining_percent < 0;
  const ImVec4 fill = remaining_percent >= 25 ? ImVec4(0.18f, 0.55f, 0.33f, 1) : ImVec4(0.75f, 0.55f, 0.1f, 1);
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, fill);
  ImGui::PushStyleColor(ImGuiCol_FrameBg, overspent ? ImVec4(0.7f, 0.15f, 0.12f, 1)
                                                    : ImGui::GetStyleColorVec4(ImGuiCol_FrameBg));
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %%", remaining_percent);
  ImGui::ProgressBar(static_cast<float>(std::clamp(remaining_percent / 100.0, 0.0, 1.0)), ImVec2(width, 0), text);
  ImGui::PopStyleColor(2);
}

void burn_text(double burn, double alert_at, double sustainable = 1) {
  if (burn > alert_at) ImGui::TextColored(kRed, "%.2f", burn);
  else if (burn > sustainable) ImGui::TextColored(kAmber, "%.2f", burn);
  else ImGui::Text("%.2f", burn);
}

void draw_no_slos() {
  ImGui::TextWrapped("This scenario has no SLOs. Add a \"slos\" section to the scenario (Scenario tab), for example:");
  ImGui::Indent();
  ImGui::TextUnformatted("\"slos\": [{\"id\": \"availability\", \"indicator\": \"availability\", \"target_percent\": 99.9, "
                         "\"window\": \"30d\"},");
  ImGui::TextUnformatted("         {\"id\": \"fast\", \"indicator\": \"latency\", \"threshold\": \"2s\", "
                         "\"target_percent\": 99, \"window\": \"30d\"}]");
  ImGui::Unindent();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("An SLO without \"service\" covers every service. Burn-rate alerts default to the SRE workbook's: "
                     "14.4x 1h/5m page, 6x 6h/30m page, 1x 3d/6h ticket (\"alerting\": {\"burn_rate\": [...]}). The "
                     "Library's slo-slow-burn and slo-hard-outage show them at work.");
  ImGui::PopStyleColor();
}

void draw_slo_table(const Derived& d) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("slos", 9, flags)) return;
  for (const char* h : {"SLO", "service", "indicator", "target", "window", "SLI now", "budget remaining", "burn 1 h",
                        "compliant"})
    ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  const double seen_s = d.scraped_at < 0 ? 0 : to_seconds(d.scraped_at);
  for (const SloRow& s : d.slos) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(s.id.c_str());
    ImGui::TableNextColumn();
    if (s.service.empty()) ImGui::TextDisabled("every service");
    else ImGui::TextUnformatted(s.service.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(s.indicator.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%g %%", s.target_percent);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(format_duration(s.window).c_str());
    const bool sampled = d.scraped_at >= 0;
    const double allowed_percent = 100 - s.target_percent;
    ImGui::TableNextColumn();
    if (sampled) {
      ImGui::TextColored(s.sli >= s.target_percent ? ImGui::GetStyleColorVec4(ImGuiCol_Text) : kAmber, "%.3f %%", s.sli);
      const SimDuration seen = std::min(s.window, from_seconds(seen_s));
      tooltip("Good events over all events in the last " + format_duration(seen) +
              (seen < s.window ? " (the run so far; the window is " + format_duration(s.window) + ")" : "") +
              (s.latency ? ": successful requests within the threshold, of the successful ones." : "."));
    } else {
      ImGui::TextDisabled("-");
    }
    ImGui::TableNextColumn();
    budget_bar(s.budget, ImGui::GetFontSize() * 8);
    {
      // The budget in the units people remember: minutes of total outage (or, for latency,
      // of every request slow) that the window allows.
      const double allowed_min = to_seconds(s.window) / 60 * allowed_percent / 100;
      char text[256];
      std::snprintf(text, sizeof text,
                    "%s at %g %% allows %g %% bad events: %.1f minutes of %s. %.1f minutes' worth left (%.1f %%). "
                    "Spent = the burn rate integrated over the window, divided by its length.",
                    format_duration(s.window).c_str(), s.target_percent, allowed_percent, allowed_min,
                    s.latency ? "every request slow" : "total outage", allowed_min * s.budget / 100, s.budget);
      tooltip(text);
    }
    ImGui::TableNextColumn();
    double page = 0;
    for (const RuleRow& r : s.rules) page = std::max(page, r.factor);
    if (sampled) burn_text(s.burn, page > 0 ? page : 1e300);
    else ImGui::TextDisabled("-");
    tooltip("Error ratio over the last hour divided by the allowed ratio: 1 spends the budget exactly over the "
            "window, " + std::to_string(static_cast<int>(page)) + "+ is an emergency.");
    ImGui::TableNextColumn();
    if (!sampled) ImGui::TextDisabled("-");
    else if (s.compliant) ImGui::TextColored(kGreen, "yes");
    else ImGui::TextColored(kRed, "no");
    if (sampled)
      tooltip("Whether the SLI meets the target. A run shorter than the window is judged on what it has seen, "
              "while the budget is for the whole window: an SLO can be out of compliance so far with most of its "
              "budget left.");
  }
  ImGui::EndTable();
}

void draw_rule_table(const Simulation& sim, const Derived& d) {
  const Calendar& cal = sim.scenario().calendar;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("rules", 7, flags)) return;
  for (const char* h : {"SLO", "rule", "severity", "budget it spends", "burn now: long / short", "state", "fired"})
    ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (const SloRow& s : d.slos) {
    for (std::size_t i = 0; i < s.rules.size(); ++i) {
      const RuleRow& r = s.rules[i];
      ImGui::PushID(static_cast<int>(i));
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (i == 0) ImGui::TextUnformatted(s.id.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.label.c_str());
      ImGui::TableNextColumn();
      if (r.severity == "page") ImGui::TextColored(kRed, "page");
      else ImGui::TextColored(kAmber, "%s", r.severity.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%.3g %%", r.budget_per_long_window_percent);
      {
        char text[160];
        std::snprintf(text, sizeof text,
                      "Burning at %gx for the long window spends this share of the %s budget, when the rule fires.",
                      r.factor, format_duration(s.window).c_str());
        tooltip(text);
      }
      ImGui::TableNextColumn();
      if (d.scraped_at < 0) {
        ImGui::TextDisabled("-");
      } else {
        burn_text(r.long_burn, r.factor, r.factor);
        ImGui::SameLine(0, 0);
        ImGui::TextUnformatted(" / ");
        ImGui::SameLine(0, 0);
        burn_text(r.short_burn, r.factor, r.factor);
      }
      ImGui::TableNextColumn();
      if (r.firing) ImGui::TextColored(kRed, "FIRING since %s", short_time(cal, r.fired_at).c_str());
      else ImGui::TextDisabled("ok");
      ImGui::TableNextColumn();
      if (r.fired > 0) ImGui::Text("%llu", static_cast<unsigned long long>(r.fired));
      else ImGui::TextDisabled("0");
      ImGui::PopID();
    }
  }
  ImGui::EndTable();
}

void draw_transitions(const Simulation& sim, const Derived& d) {
  const Calendar& cal = sim.scenario().calendar;
  if (d.transitions.empty()) {
    ImGui::TextDisabled("none yet");
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_SizingFixedFit;
  const float rows = std::min(8.0f, static_cast<float>(d.transitions.size()) + 1.5f);
  if (!ImGui::BeginTable("transitions", 6, flags, ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * rows))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* h : {"time", "SLO", "rule", "severity", "state", "burn then: long / short"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(d.transitions.size()));
  while (clipper.Step())
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const Transition& t = d.transitions[static_cast<std::size_t>(row)];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(short_time(cal, t.t).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(t.slo.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(t.rule.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(t.severity.c_str());
      ImGui::TableNextColumn();
      if (t.firing) ImGui::TextColored(kRed, "firing");
      else ImGui::TextColored(kGreen, "resolved");
      ImGui::TableNextColumn();
      ImGui::Text("%.2f / %.2f", t.long_burn, t.short_burn);
    }
  ImGui::EndTable();
}

}  // namespace

void draw_slos(App& app) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  PanelState& st = state();
  Derived& d = st.derived;
  if (d.stamp.stale(app)) derive(sim, d);
  ImGui::BeginChild("slos");
  if (d.scraped_at >= 0)
    ImGui::TextDisabled("error budgets and burn-rate alerts; \"now\" is the last scrape, %s",
                        short_time(sc.calendar, d.scraped_at).c_str());
  else
    ImGui::TextDisabled("error budgets and burn-rate alerts; no scrape yet");
  app.remember_widget("panel:slos");
  if (d.slos.empty()) {
    draw_no_slos();
    ImGui::EndChild();
    return;
  }
  draw_slo_table(d);

  ImGui::Spacing();
  ImGui::TextUnformatted("Burn-rate alerts");
  ImGui::SameLine();
  ImGui::TextDisabled("(a rule fires while the burn rate over both its windows is above its factor)");
  draw_rule_table(sim, d);

  ImGui::Spacing();
  const double now_s = to_seconds(sim.now());
  std::vector<PlotSeries> budget, burn;
  for (std::size_t k = 0; k < d.slos.size(); ++k) {
    const SloRow& s = d.slos[k];
    if (s.budget_col >= 0) budget.push_back({s.id, static_cast<std::size_t>(s.budget_col), slo_color(k)});
    if (s.burn_col >= 0) burn.push_back({s.id, static_cast<std::size_t>(s.burn_col), slo_color(k)});
  }
  time_plot("Error budget remaining", "%", app.history(), sc.calendar, budget, app.plot_view, now_s, ImVec2(0, 170),
            100, {}, false,
            "100 % less the budget consumed: the time integral of the burn rate over the SLO window divided by the "
            "window (the SRE workbook's burn rate x time / period). It falls while the SLI is below target, and "
            "below 0 once the budget is overspent.");
  time_plot("Burn rate over 1 h", "x", app.history(), sc.calendar, burn, app.plot_view, now_s, ImVec2(0, 190), 0,
            d.factors, st.log_burn,
            "Error ratio over the last hour / (1 - target): 1x spends the budget exactly over the window; the dashed "
            "lines are the burn-rate rules' factors (a rule fires when both its long and short windows are above).");
  ImGui::Checkbox("log scale", &st.log_burn);
  ImGui::SameLine();
  ImGui::TextDisabled("dashed: the rules' factors; wheel: zoom, drag: pan, double-click: the whole run");

  ImGui::Spacing();
  if (ImGui::CollapsingHeader("Burn-rate alert transitions (latest first)", ImGuiTreeNodeFlags_DefaultOpen))
    draw_transitions(sim, d);
  ImGui::EndChild();
}

}  // namespace opsim::ui
