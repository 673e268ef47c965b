// Chaos: the experiments (the scenario's, then those started here) with their verdict,
// blast radius, steps, resilience score and reason; for the one selected, its hypothesis,
// method, safety limits, rollbacks and probes (tolerance, the value before and after, and
// while it runs the value now). Below, a form for a new experiment with a live safety check
// and Start now (App::start_chaos), and Inject a fault now (App::inject_fault). Both use
// the one fault editor, edit_fault().
//
// Probe values now are derived once per simulated instant (cached by App::run_id() and
// sim.now()), not once per frame.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "misc/cpp/imgui_stdlib.h"
#include "panels.h"
#include "style.h"
#include "scaling/decision.h"

namespace opsim::ui {
namespace {

void disabled_wrapped(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

ImVec4 verdict_color(sre::ChaosVerdict v) {
  switch (v) {
    case sre::ChaosVerdict::passed: return kGreen;
    case sre::ChaosVerdict::failed: return kRed;
    case sre::ChaosVerdict::aborted: return kOrange;
    case sre::ChaosVerdict::skipped: return kAmber;
    case sre::ChaosVerdict::running: return kBlue;
    case sre::ChaosVerdict::pending: break;
  }
  return ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
}

std::string value_text(double v) { return std::isfinite(v) ? scaling::format_number(v) : "no data"; }

// A reading, green within its tolerance and red outside, its score in the tooltip.
void reading_text(const sre::ProbeReading& r) {
  ImGui::TextColored(r.within ? kGreen : kRed, "%s", value_text(r.value).c_str());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("score %.2f", r.score);
}

// [SECTION] The fault editor

const FaultType kFaultTypes[] = {FaultType::instance_crash, FaultType::latency,         FaultType::errors,
                                 FaultType::capacity_loss,  FaultType::provider_outage, FaultType::traffic_spike};
constexpr int kFaultTypeCount = static_cast<int>(sizeof kFaultTypes / sizeof kFaultTypes[0]);

struct FaultDraft {
  int type = 0;  // index into kFaultTypes
  int service = 0;  // the target of instance_crash, capacity_loss, and of latency / errors when agent < 0
  int agent = -1;  // latency / errors on one agent
  int provider = 0, tenant = 0;
  bool by_fraction = false;
  int count = 1;
  double fraction_percent = 25;
  double add_ms = 1000, error_percent = 10, capacity_percent = 50, multiplier = 3;
  double duration_s = 600;
  bool to_end = false;  // lasts to the end of the run (Inject only)
};

FaultType type_of(const FaultDraft& f) { return kFaultTypes[f.type]; }

FaultDraft draft_of_type(FaultType t) {
  FaultDraft f;
  f.type = static_cast<int>(std::find(kFaultTypes, kFaultTypes + kFaultTypeCount, t) - kFaultTypes);
  return f;
}

// Targets that a scenario change may have left out of range.
void clamp_targets(const Scenario& sc, FaultDraft& f) {
  auto clamp = [](int& i, std::size_t n, int lowest) { i = std::clamp(i, lowest, std::max(lowest, static_cast<int>(n) - 1)); };
  clamp(f.type, kFaultTypeCount, 0);
  clamp(f.service, sc.services.size(), 0);
  clamp(f.agent, sc.agents.size(), -1);
  clamp(f.provider, sc.context.providers.size(), 0);
  clamp(f.tenant, sc.tenants.size(), 0);
}

// Why the draft cannot be injected in this scenario; empty when it can.
std::string fault_problem(const Scenario& sc, const FaultDraft& f) {
  switch (type_of(f)) {
    case FaultType::provider_outage:
      return sc.context.providers.empty() ? "this scenario has no context providers" : "";
    case FaultType::traffic_spike: return sc.tenants.empty() ? "this scenario has no tenants" : "";
    default: return sc.services.empty() ? "this scenario has no services" : "";
  }
}

FaultSpec to_fault(const Scenario& sc, const FaultDraft& f) {
  FaultSpec s;
  s.type = type_of(f);
  s.duration = f.to_end ? -1 : from_seconds(f.duration_s);
  auto on_service = [&] {
    s.service_index = f.service;
    s.service = sc.services[static_cast<std::size_t>(f.service)].id;
  };
  switch (s.type) {
    case FaultType::instance_crash:
      on_service();
      if (f.by_fraction) s.fraction = f.fraction_percent / 100.0;
      else s.count = f.count;
      break;
    case FaultType::latency:
    case FaultType::errors:
      if (f.agent >= 0) {
        s.agent_index = f.agent;
        s.agent = sc.agents[static_cast<std::size_t>(f.agent)].id;
      } else {
        on_service();
      }
      if (s.type == FaultType::latency) s.add = from_seconds(f.add_ms / 1000.0);
      else s.error_percent = f.error_percent;
      break;
    case FaultType::capacity_loss:
      on_service();
      s.concurrency_percent = f.capacity_percent;
      break;
    case FaultType::provider_outage:
      s.provider_index = f.provider;
      s.provider = sc.context.providers[static_cast<std::size_t>(f.provider)].id;
      break;
    case FaultType::traffic_spike:
      s.tenant_index = f.tenant;
      s.tenant = sc.tenants[static_cast<std::size_t>(f.tenant)].id;
      s.multiplier = f.multiplier;
      break;
    default: break;
  }
  return s;
}

// A combo over n named items; true when the choice changed.
template <typename Name>
bool pick(const char* label, int& index, std::size_t n, Name name) {
  bool changed = false;
  if (ImGui::BeginCombo(label, n ? name(static_cast<std::size_t>(index)).c_str() : "(none)")) {
    for (std::size_t i = 0; i < n; ++i)
      if (ImGui::Selectable(name(i).c_str(), static_cast<int>(i) == index)) {
        index = static_cast<int>(i);
        changed = true;
      }
    ImGui::EndCombo();
  }
  return changed;
}

// Type, target, the type's figure and the duration of one fault. `duration_label` names the
// duration ("duration", or the experiment's "method step"); `allow_to_end` offers "to the
// end of the run". True when something changed.
bool edit_fault(const Scenario& sc, FaultDraft& f, const char* duration_label, bool allow_to_end) {
  clamp_targets(sc, f);
  bool changed = false;
  const float w = ImGui::GetFontSize() * 9;
  const float combo_extra = ImGui::GetFrameHeight() + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("provider_outage").x + combo_extra);
  changed |= pick("fault", f.type, kFaultTypeCount, [](std::size_t i) { return std::string(sre::fault_type_name(kFaultTypes[i])); });
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w * 1.6f);
  const FaultType t = type_of(f);
  if (t == FaultType::latency || t == FaultType::errors) {
    // Services first (every agent of the service), then single agents.
    const std::size_t ns = sc.services.size();
    int choice = f.agent >= 0 ? static_cast<int>(ns) + f.agent : f.service;
    if (pick("on", choice, ns + sc.agents.size(), [&](std::size_t i) {
          return i < ns ? "service " + sc.services[i].id : "agent " + sc.agents[i - ns].id;
        })) {
      changed = true;
      if (choice < static_cast<int>(ns)) {
        f.service = choice;
        f.agent = -1;
      } else {
        f.agent = choice - static_cast<int>(ns);
      }
    }
  } else if (t == FaultType::provider_outage) {
    changed |= pick("provider", f.provider, sc.context.providers.size(),
                    [&](std::size_t i) { return sc.context.providers[i].id; });
  } else if (t == FaultType::traffic_spike) {
    changed |= pick("tenant", f.tenant, sc.tenants.size(), [&](std::size_t i) { return sc.tenants[i].id; });
  } else {
    changed |= pick("service", f.service, sc.services.size(), [&](std::size_t i) { return sc.services[i].id; });
  }
  ImGui::SetNextItemWidth(w);
  switch (t) {
    case FaultType::instance_crash:
      if (f.by_fraction) {
        changed |= ImGui::InputDouble("% of ready instances", &f.fraction_percent, 0, 0, "%.0f");
        f.fraction_percent = std::clamp(f.fraction_percent, 1.0, 100.0);
      } else {
        changed |= ImGui::InputInt("instances", &f.count);
        f.count = std::max(1, f.count);
      }
      ImGui::SameLine();
      changed |= ImGui::Checkbox("as a share", &f.by_fraction);
      break;
    case FaultType::latency:
      changed |= ImGui::InputDouble("ms added to each request's work", &f.add_ms, 0, 0, "%.0f");
      f.add_ms = std::max(1.0, f.add_ms);
      break;
    case FaultType::errors:
      changed |= ImGui::InputDouble("% of requests fail", &f.error_percent, 0, 0, "%.1f");
      f.error_percent = std::clamp(f.error_percent, 0.1, 100.0);
      break;
    case FaultType::capacity_loss:
      changed |= ImGui::InputDouble("% of each instance's concurrency lost", &f.capacity_percent, 0, 0, "%.0f");
      f.capacity_percent = std::clamp(f.capacity_percent, 1.0, 100.0);
      break;
    case FaultType::traffic_spike:
      changed |= ImGui::InputDouble("x the tenant's arrivals", &f.multiplier, 0, 0, "%.2g");
      f.multiplier = std::clamp(f.multiplier, 1.0, 100.0);
      break;
    default:
      // provider_outage has no figure (its target is the provider picked above): keep the
      // row's height so the form below does not jump when the type changes.
      ImGui::Dummy(ImVec2(0, ImGui::GetFrameHeight()));
      break;
  }
  if (!allow_to_end) f.to_end = false;
  ImGui::BeginDisabled(f.to_end);
  ImGui::SetNextItemWidth(w);
  changed |= ImGui::InputDouble(duration_label, &f.duration_s, 0, 0, "%.0f s");
  f.duration_s = std::max(1.0, f.duration_s);
  ImGui::EndDisabled();
  if (allow_to_end) {
    ImGui::SameLine();
    changed |= ImGui::Checkbox("to the end of the run", &f.to_end);
  }
  const std::string problem = fault_problem(sc, f);
  if (!problem.empty()) ImGui::TextColored(kAmber, "%s", problem.c_str());
  return changed;
}

// [SECTION] The new experiment

struct ProbeDraft {
  std::string metric;
  double window_s = 600, low = 99, high = 100;
  std::string filter;  // narrows the metric list
};

ProbeSpec to_probe(const ProbeDraft& p) {
  ProbeSpec s;
  s.metric = p.metric;
  s.window = from_seconds(p.window_s);
  s.low = p.low;
  s.high = p.high;
  return s;
}

struct ChaosDraft {
  std::string id, title = "Lose one instance", hypothesis = "Spare capacity absorbs a lost instance";
  FaultDraft fault;
  ProbeDraft probes[2];
  bool second_probe = false;
  double max_blast_radius_percent = 50, min_budget_remaining_percent = 50;
  bool abort_sev1 = true, abort_sev2 = true;
  bool rollback_faults = true, rollback_instances = true;
};

ChaosSpec to_chaos(const Scenario& sc, const ChaosDraft& d) {
  ChaosSpec c;
  c.id = d.id;
  c.title = d.title;
  c.hypothesis_title = d.hypothesis;
  for (int k = 0; k < (d.second_probe ? 2 : 1); ++k) c.probes.push_back(to_probe(d.probes[k]));
  const FaultSpec f = to_fault(sc, d.fault);
  c.method.emplace_back(f, f.duration);
  if (d.rollback_faults) c.rollbacks.push_back("faults");
  if (d.rollback_instances) c.rollbacks.push_back("instances");
  c.min_error_budget_remaining_percent = d.min_budget_remaining_percent;
  if (d.abort_sev1) c.abort_on.push_back("sev1");
  if (d.abort_sev2) c.abort_on.push_back("sev2");
  c.max_blast_radius_percent = d.max_blast_radius_percent;
  return c;
}

// "ui-N": the first not taken by an experiment of this run.
std::string free_id(const Simulation& sim) {
  for (int n = 1;; ++n) {
    const std::string id = "ui-" + std::to_string(n);
    bool taken = false;
    for (std::size_t i = 0; i < sim.chaos_count() && !taken; ++i) taken = sim.chaos_view(i).spec->id == id;
    if (!taken) return id;
  }
}

// A fresh draft for this scenario: one instance of the first service, its availability
// probed (the latency probe is offered, off).
ChaosDraft fresh_draft(const Simulation& sim) {
  ChaosDraft d;
  d.id = free_id(sim);
  d.fault = draft_of_type(FaultType::instance_crash);
  const Scenario& sc = sim.scenario();
  const std::string service = sc.services.empty() ? std::string() : "service." + sc.services[0].id + ".";
  auto metric = [&](const std::string& name) {
    return !service.empty() && sim.metrics().find(service + name) >= 0 ? service + name : name;
  };
  d.probes[0].metric = metric("availability_percent");
  d.probes[1] = {metric("latency_p95_ms"), 600, 0, 2000, ""};
  return d;
}

// A metric picked from the registry's names, the list narrowed by what is typed above it.
bool pick_metric(const Simulation& sim, ProbeDraft& p) {
  bool changed = false;
  // As wide as the longest name, within reason (the font is monospaced).
  std::size_t chars = 0;
  for (const Column& c : sim.metrics().columns()) chars = std::max(chars, c.name.size());
  const float longest = ImGui::CalcTextSize("m").x * static_cast<float>(chars);
  ImGui::SetNextItemWidth(std::clamp(longest + ImGui::GetFrameHeight() + ImGui::GetStyle().FramePadding.x * 2,
                                     ImGui::GetFontSize() * 12, ImGui::GetFontSize() * 26));
  if (ImGui::BeginCombo("metric", p.metric.c_str(), ImGuiComboFlags_HeightLarge)) {
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    ImGui::InputTextWithHint("##filter", "type to filter", &p.filter);
    std::vector<const std::string*> names;
    for (const Column& c : sim.metrics().columns())
      if (p.filter.empty() || c.name.find(p.filter) != std::string::npos) names.push_back(&c.name);
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(names.size()));
    while (clipper.Step())
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const std::string& name = *names[static_cast<std::size_t>(i)];
        if (ImGui::Selectable(name.c_str(), name == p.metric)) {
          p.metric = name;
          changed = true;
        }
      }
    ImGui::EndCombo();
  }
  return changed;
}

bool edit_probe(const Simulation& sim, ProbeDraft& p, double now_value) {
  bool changed = pick_metric(sim, p);
  const float w = ImGui::GetFontSize() * 6;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  changed |= ImGui::InputDouble("window", &p.window_s, 0, 0, "%.0f s");
  p.window_s = std::max(1.0, p.window_s);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  changed |= ImGui::InputDouble("low", &p.low, 0, 0, "%.6g");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  changed |= ImGui::InputDouble("high", &p.high, 0, 0, "%.6g");
  ImGui::SameLine();
  if (sim.metrics().find(p.metric) < 0) ImGui::TextColored(kRed, "no such metric");
  else if (!std::isfinite(now_value)) ImGui::TextDisabled("now: no data");
  else ImGui::TextColored(now_value >= p.low && now_value <= p.high ? kGreen : kRed, "now %s", value_text(now_value).c_str());
  return changed;
}

// [SECTION] Panel state

struct Derived {
  DerivedStamp stamp;
  std::vector<std::vector<double>> live;  // per experiment, per probe: its value now (running ones only)
};

struct PanelState {
  Derived derived;
  std::uint64_t run_id = ~std::uint64_t{0};
  std::size_t scenario = 0;  // hash of the scenario text: drafts are kept across what-ifs, not loads
  int selected = -1;  // -1: the running experiment, else the latest started
  ChaosDraft draft;
  FaultDraft inject = draft_of_type(FaultType::errors);  // 10 % of requests fail for 10 minutes
  // The live safety check of the draft: taken again when the draft or the clock moves.
  DerivedStamp check_stamp;
  bool draft_changed = true;
  std::vector<std::string> problems;
  double draft_values[2] = {0, 0};
  std::string start_message, inject_message;
};

PanelState& state() {
  static PanelState s;  // one App per process; the caches are keyed by run_id and time
  return s;
}

void derive(const Simulation& sim, Derived& d) {
  d.live.assign(sim.chaos_count(), {});
  for (std::size_t i = 0; i < sim.chaos_count(); ++i) {
    const Simulation::ChaosView v = sim.chaos_view(i);
    if (v.result->verdict != sre::ChaosVerdict::running) continue;
    for (const ProbeSpec& p : v.spec->probes) d.live[i].push_back(sim.probe_value(p));
  }
}

int default_selection(const Simulation& sim) {
  int latest = -1;
  SimTime latest_at = -1;
  for (std::size_t i = 0; i < sim.chaos_count(); ++i) {
    const sre::ChaosResult& r = *sim.chaos_view(i).result;
    if (r.verdict == sre::ChaosVerdict::running) return static_cast<int>(i);
    if (r.started_at >= 0 && r.started_at >= latest_at) {
      latest = static_cast<int>(i);
      latest_at = r.started_at;
    }
  }
  return std::max(0, latest);
}

// [SECTION] Drawing

void draw_experiments(App& app, int sel, PanelState& st) {
  const Simulation& sim = app.sim();
  const Calendar& cal = sim.scenario().calendar;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_SizingFixedFit;
  const float rows = std::min(8.0f, static_cast<float>(sim.chaos_count()) + 1.5f);
  if (!ImGui::BeginTable("experiments", 8, flags, ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * rows))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* h : {"id", "title", "verdict", "started", "blast radius", "steps", "score"}) ImGui::TableSetupColumn(h);
  ImGui::TableSetupColumn("reason", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  for (std::size_t i = 0; i < sim.chaos_count(); ++i) {
    const Simulation::ChaosView v = sim.chaos_view(i);
    const ChaosSpec& c = *v.spec;
    const sre::ChaosResult& r = *v.result;
    const bool ended = r.verdict != sre::ChaosVerdict::pending && r.verdict != sre::ChaosVerdict::running;
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (ImGui::Selectable(c.id.c_str(), static_cast<int>(i) == sel,
                          ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
      st.selected = static_cast<int>(i);
    app.remember_widget("chaos:" + c.id);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(c.title.c_str());
    ImGui::TableNextColumn();
    ImGui::TextColored(verdict_color(r.verdict), "%s", sre::chaos_verdict_name(r.verdict));
    ImGui::TableNextColumn();
    if (r.started_at >= 0) ImGui::TextUnformatted(short_time(cal, r.started_at).c_str());
    else ImGui::TextDisabled("due %s", short_time(cal, c.at).c_str());
    ImGui::TableNextColumn();
    if (r.started_at >= 0) {
      const bool over = r.blast_radius_percent > c.max_blast_radius_percent;
      ImGui::TextColored(over ? kRed : ImGui::GetStyleColorVec4(ImGuiCol_Text), "%.0f %%", r.blast_radius_percent);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("limit %.0f %%", c.max_blast_radius_percent);
    } else {
      ImGui::TextDisabled("-");
    }
    ImGui::TableNextColumn();
    ImGui::Text("%d/%zu", r.steps_run, c.method.size());
    ImGui::TableNextColumn();
    if (ended && r.verdict != sre::ChaosVerdict::skipped) ImGui::Text("%.1f", r.resilience_score);
    else ImGui::TextDisabled("-");
    ImGui::TableNextColumn();
    if (r.reason.empty()) ImGui::TextDisabled(r.verdict == sre::ChaosVerdict::running ? "running" : "-");
    else ImGui::TextUnformatted(r.reason.c_str());
    tooltip(r.reason);
    ImGui::PopID();
  }
  ImGui::EndTable();
}

void draw_probes(const ChaosSpec& c, const sre::ChaosResult& r, const std::vector<double>& live) {
  const bool running = r.verdict == sre::ChaosVerdict::running;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("probes", running ? 6 : 5, flags)) return;
  for (const char* h : {"probe (mean over the window)", "window", "tolerance", "before", "after"}) ImGui::TableSetupColumn(h);
  if (running) ImGui::TableSetupColumn("now");
  ImGui::TableHeadersRow();
  for (std::size_t k = 0; k < c.probes.size(); ++k) {
    const ProbeSpec& p = c.probes[k];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(p.metric.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(format_duration(p.window).c_str());
    ImGui::TableNextColumn();
    ImGui::Text("[%s, %s]", scaling::format_number(p.low).c_str(), scaling::format_number(p.high).c_str());
    ImGui::TableNextColumn();
    if (k < r.before.size()) reading_text(r.before[k]);
    else ImGui::TextDisabled("-");
    ImGui::TableNextColumn();
    if (k < r.after.size()) reading_text(r.after[k]);
    else ImGui::TextDisabled(running ? "at the end" : "-");
    if (running) {
      ImGui::TableNextColumn();
      if (k < live.size()) reading_text(sre::read_probe(p, live[k]));
    }
  }
  ImGui::EndTable();
}

void draw_details(const Simulation& sim, std::size_t i, const Derived& d) {
  const Calendar& cal = sim.scenario().calendar;
  const Simulation::ChaosView v = sim.chaos_view(i);
  const ChaosSpec& c = *v.spec;
  const sre::ChaosResult& r = *v.result;
  ImGui::Separator();
  ImGui::Text("%s", c.id.c_str());
  ImGui::SameLine();
  ImGui::TextColored(verdict_color(r.verdict), "%s", sre::chaos_verdict_name(r.verdict));
  ImGui::SameLine();
  ImGui::TextUnformatted(c.title.c_str());
  ImGui::Text("Hypothesis: %s", c.hypothesis_title.empty() ? "(untitled)" : c.hypothesis_title.c_str());
  if (!r.reason.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, verdict_color(r.verdict));
    ImGui::TextWrapped("%s", r.reason.c_str());
    ImGui::PopStyleColor();
  }
  if (r.started_at >= 0) {
    std::string times = "started " + short_time(cal, r.started_at);
    if (r.ended_at >= 0) times += ", ended " + short_time(cal, r.ended_at) + " (" + format_duration(r.ended_at - r.started_at) + ")";
    if (r.ended_at >= 0 && r.verdict != sre::ChaosVerdict::skipped)
      times += "; resilience score " + scaling::format_number(r.resilience_score, 1);
    ImGui::TextDisabled("%s", times.c_str());
  }
  draw_probes(c, r, i < d.live.size() ? d.live[i] : std::vector<double>{});
  ImGui::TextUnformatted("Method");
  for (std::size_t k = 0; k < c.method.size(); ++k) {
    const std::string text = std::to_string(k + 1) + ". " + sre::describe_fault(c.method[k].first) + " for " +
                             format_duration(c.method[k].second);
    ImGui::Bullet();
    if (static_cast<int>(k) == v.step) ImGui::TextColored(kBlue, "%s  <- now", text.c_str());
    else ImGui::TextUnformatted(text.c_str());
  }
  std::string safety = "Safety: blast radius at most " + scaling::format_number(c.max_blast_radius_percent, 0) + " %";
  if (c.min_error_budget_remaining_percent > 0)
    safety += ", SLO budget left at least " + scaling::format_number(c.min_error_budget_remaining_percent, 0) + " %";
  if (!c.abort_on.empty()) {
    safety += ", aborts on an open";
    for (const std::string& s : c.abort_on) safety += " " + s;
    safety += " incident";
  }
  disabled_wrapped(safety);
  std::string rollbacks;
  for (const std::string& s : c.rollbacks) rollbacks += (rollbacks.empty() ? "" : ", ") + s;
  std::string done;
  for (const std::string& s : r.rollbacks_done) done += (done.empty() ? "" : "; ") + s;
  disabled_wrapped("Rollbacks: " + (rollbacks.empty() ? std::string("none") : rollbacks) +
                   (done.empty() ? std::string() : " (done: " + done + ")"));
}

void draw_new_experiment(App& app, PanelState& st) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  ChaosDraft& d = st.draft;
  disabled_wrapped("Starts now in the running simulation (not in the scenario text): safety and the steady state are "
                   "checked first, as for the scenario's experiments; an unsafe or unsteady one is skipped.");
  bool changed = false;
  const float w = ImGui::GetFontSize() * 14;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  changed |= ImGui::InputText("id", &d.id);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  changed |= ImGui::InputText("title", &d.title);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  changed |= ImGui::InputText("hypothesis", &d.hypothesis);
  ImGui::TextUnformatted("Method (one step):");
  ImGui::PushID("method");
  changed |= edit_fault(sc, d.fault, "step lasts", false);
  ImGui::PopID();
  ImGui::TextUnformatted("Steady state (probes):");
  for (int k = 0; k < 2; ++k) {
    ImGui::PushID(k);
    if (k == 1) {
      changed |= ImGui::Checkbox("##second", &d.second_probe);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("a second probe");
      ImGui::SameLine();
    }
    ImGui::BeginDisabled(k == 1 && !d.second_probe);
    changed |= edit_probe(sim, d.probes[k], st.draft_values[k]);
    ImGui::EndDisabled();
    ImGui::PopID();
  }
  ImGui::TextUnformatted("Safety:");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
  changed |= ImGui::InputDouble("max blast radius %", &d.max_blast_radius_percent, 0, 0, "%.0f");
  d.max_blast_radius_percent = std::clamp(d.max_blast_radius_percent, 0.0, 100.0);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
  changed |= ImGui::InputDouble("min budget left %", &d.min_budget_remaining_percent, 0, 0, "%.0f");
  d.min_budget_remaining_percent = std::clamp(d.min_budget_remaining_percent, 0.0, 100.0);
  ImGui::SameLine();
  ImGui::TextUnformatted("abort on");
  ImGui::SameLine();
  changed |= ImGui::Checkbox("sev1", &d.abort_sev1);
  ImGui::SameLine();
  changed |= ImGui::Checkbox("sev2", &d.abort_sev2);
  ImGui::TextUnformatted("Rollbacks:");
  ImGui::SameLine();
  changed |= ImGui::Checkbox("end its faults", &d.rollback_faults);
  ImGui::SameLine();
  changed |= ImGui::Checkbox("restore instances", &d.rollback_instances);

  // The live safety check: what check_chaos_safety() says now of this draft.
  const std::string fault_issue = fault_problem(sc, d.fault);
  bool id_taken = false;
  for (std::size_t i = 0; i < sim.chaos_count(); ++i) id_taken |= sim.chaos_view(i).spec->id == d.id;
  const bool startable = fault_issue.empty() && !d.id.empty() && !id_taken && !sim.finished();
  if (changed) st.draft_changed = true;
  if ((st.check_stamp.stale(app) || st.draft_changed) && fault_issue.empty()) {
    const ChaosSpec c = to_chaos(sc, d);
    st.problems = sim.check_chaos_safety(c);
    for (int k = 0; k < 2; ++k) st.draft_values[k] = sim.probe_value(to_probe(d.probes[k]));
    st.draft_changed = false;
  }
  if (ImGui::TreeNodeEx("Check safety", ImGuiTreeNodeFlags_DefaultOpen)) {
    app.remember_widget("chaos-check");
    if (!fault_issue.empty()) ImGui::TextColored(kAmber, "%s", fault_issue.c_str());
    else if (st.problems.empty()) ImGui::TextColored(kGreen, "safe now: it would start and inject its fault");
    else {
      ImGui::TextColored(kAmber, "it would be skipped now:");
      for (const std::string& p : st.problems) {
        ImGui::Bullet();
        ImGui::TextWrapped("%s", p.c_str());
      }
    }
    ImGui::TreePop();
  }
  ImGui::BeginDisabled(!startable);
  if (ImGui::Button("Start now")) {
    const ChaosSpec c = to_chaos(sc, d);
    const std::size_t i = app.start_chaos(c);
    const sre::ChaosResult& r = *app.sim().chaos_view(i).result;
    st.start_message = c.id + " started at " + short_time(sc.calendar, app.sim().now()) + ": " +
                       sre::chaos_verdict_name(r.verdict) + (r.reason.empty() ? "" : " (" + r.reason + ")");
    st.selected = static_cast<int>(i);
    d.id = free_id(app.sim());
    st.draft_changed = true;
    st.run_id = app.run_id();  // this change keeps the drafts and the message
  }
  ImGui::EndDisabled();
  app.remember_widget("chaos-start");
  ImGui::SameLine();
  if (ImGui::Button("Reset form")) {
    d = fresh_draft(sim);
    st.draft_changed = true;
  }
  if (sim.finished()) {
    ImGui::SameLine();
    ImGui::TextDisabled("the run has ended: Reset to start again");
  } else if (id_taken) {
    ImGui::SameLine();
    ImGui::TextColored(kAmber, "id %s is taken", d.id.c_str());
  } else if (!st.start_message.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", st.start_message.c_str());
    tooltip(st.start_message);
  }
}

void draw_inject(App& app, PanelState& st) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  disabled_wrapped("A fault that starts now in the running simulation, as an outage would: no hypothesis, no "
                   "safety checks, no rollback.");
  ImGui::PushID("inject");
  edit_fault(sc, st.inject, "lasts", true);
  ImGui::PopID();
  const std::string problem = fault_problem(sc, st.inject);
  ImGui::BeginDisabled(!problem.empty() || sim.finished());
  if (ImGui::Button("Inject now")) {
    const FaultSpec f = to_fault(sc, st.inject);
    app.inject_fault(f);
    st.inject_message = "injected at " + short_time(sc.calendar, app.sim().now()) + ": " + sre::describe_fault(f) +
                        (f.duration < 0 ? ", to the end" : ", for " + format_duration(f.duration));
    st.run_id = app.run_id();  // this change keeps the drafts and the message
  }
  ImGui::EndDisabled();
  app.remember_widget("fault-inject");
  if (sim.finished()) {
    ImGui::SameLine();
    ImGui::TextDisabled("the run has ended: Reset to start again");
  } else if (!st.inject_message.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", st.inject_message.c_str());
  }
}

}  // namespace

void draw_chaos(App& app) {
  const Simulation& sim = app.sim();
  PanelState& st = state();
  if (st.run_id != app.run_id()) {
    // Another run or another what-if: the messages are out of date. Drafts and the selection
    // are kept unless the scenario itself changed.
    st.run_id = app.run_id();
    st.start_message.clear();
    st.inject_message.clear();
    st.draft_changed = true;
    const std::size_t scenario = std::hash<std::string>()(app.scenario_text());
    if (scenario != st.scenario) {
      st.scenario = scenario;
      st.selected = -1;
      st.draft = fresh_draft(sim);
      st.inject = draft_of_type(FaultType::errors);
    }
    if (st.selected >= static_cast<int>(sim.chaos_count())) st.selected = -1;
  }
  Derived& d = st.derived;
  if (d.stamp.stale(app) || d.live.size() != sim.chaos_count()) derive(sim, d);
  ImGui::BeginChild("chaos");
  ImGui::TextDisabled("chaos experiments: a steady-state hypothesis, a method of faults, safety limits and rollbacks");
  app.remember_widget("panel:chaos");
  if (sim.chaos_count() == 0) {
    ImGui::TextWrapped("No experiments yet: this scenario has no `chaos` section (try chaos-game-day in the Library "
                       "tab), and none was started below.");
  } else {
    int sel = st.selected >= 0 ? st.selected : default_selection(sim);
    sel = std::clamp(sel, 0, static_cast<int>(sim.chaos_count()) - 1);
    draw_experiments(app, sel, st);
    draw_details(sim, static_cast<std::size_t>(sel), d);
  }
  ImGui::Spacing();
  if (ImGui::CollapsingHeader("New experiment", ImGuiTreeNodeFlags_DefaultOpen)) draw_new_experiment(app, st);
  if (ImGui::CollapsingHeader("Inject a fault now", ImGuiTreeNodeFlags_DefaultOpen)) draw_inject(app, st);
  ImGui::EndChild();
}

}  // namespace opsim::ui
