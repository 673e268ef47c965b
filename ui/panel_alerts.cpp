// Alerts: every rule with its state (pending, firing), the value that put it there and how
// often it fired, an editor that changes a rule's condition in the running simulation
// (what-if), and the latest alert, notification and scaling events with their reasons.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "app.h"
#include "imgui.h"
#include "misc/cpp/imgui_stdlib.h"
#include "panels.h"
#include "report/event_json.h"

namespace opsim::ui {
namespace {

// The rule being edited in the popup: a copy, applied with App::update_alert_rule.
struct RuleEdit {
  std::uint64_t run_id = ~std::uint64_t{0};
  int rule = -1;
  RuleSpec draft;
  double for_s = 0;
};

RuleEdit& rule_edit() {
  static RuleEdit e;  // one App per process
  return e;
}

constexpr CompareOp kOps[] = {CompareOp::gt, CompareOp::ge, CompareOp::lt, CompareOp::le, CompareOp::eq, CompareOp::ne};

void draw_rule_editor(App& app, RuleEdit& e) {
  if (!ImGui::BeginPopup("edit-rule")) return;
  if (e.run_id != app.run_id() || e.rule < 0 || e.rule >= static_cast<int>(app.sim().alerts().size())) {
    // The simulation was replaced (or edited) while the popup was open.
    ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return;
  }
  RuleSpec& r = e.draft;
  const std::string scope = !r.tenant.empty() ? "tenant." + r.tenant + "." : !r.service.empty() ? "service." + r.service + "." : "";
  ImGui::Text("rule %s: %s%s", r.id.c_str(), scope.c_str(), r.metric.c_str());
  ImGui::PushItemWidth(ImGui::GetFontSize() * 8);
  if (ImGui::BeginCombo("op", op_text(r.op))) {
    for (CompareOp op : kOps)
      if (ImGui::Selectable(op_text(op), op == r.op)) r.op = op;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::InputDouble("value", &r.value, 0, 0, "%.6g");
  app.remember_widget("rule-value");
  ImGui::InputDouble("for", &e.for_s, 0, 0, "%.0f s");
  e.for_s = std::max(0.0, e.for_s);
  ImGui::SameLine();
  ImGui::InputInt("min samples", &r.min_samples);
  r.min_samples = std::max(1, r.min_samples);
  ImGui::PopItemWidth();
  ImGui::TextDisabled("From the next scrape, in the running simulation only: Reset, a new seed or a load\n"
                      "start again from the scenario text.");
  if (ImGui::Button("Apply")) {
    r.for_ = from_seconds(e.for_s);
    app.update_alert_rule(static_cast<std::size_t>(e.rule), r);
    ImGui::CloseCurrentPopup();
  }
  app.remember_widget("rule-apply");
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

const char* kRuleFileHint =
    "groups:\n"
    "  - name: example\n"
    "    rules:\n"
    "      - alert: HighErrorRatio\n"
    "        expr: sum(rate(opsim_requests_total{outcome=\"failed\"}[5m])) / sum(rate(opsim_requests_total[5m])) > 0.01\n"
    "        for: 2m\n"
    "        labels: {severity: page}\n";

// One alerting rule's alerts: labels, state, value and annotations.
void draw_prom_alerts(const Calendar& cal, const PromRules& rules, std::size_t rule,
                      const std::vector<const PromAlert*>& alerts) {
  for (const PromAlert* a : alerts) {
    const std::string labels = promql::labels_text(a->labels);
    if (a->state == AlertState::firing)
      ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "firing since %s  %s = %s", cal.iso8601(a->fired_at).c_str(),
                         labels.c_str(), promql::format_number(a->value).c_str());
    else if (a->state == AlertState::pending)
      ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.3f, 1), "pending since %s  %s = %s",
                         cal.iso8601(a->active_since).c_str(), labels.c_str(), promql::format_number(a->value).c_str());
    else
      ImGui::TextDisabled("resolved at %s  %s", cal.iso8601(a->resolved_at).c_str(), labels.c_str());
    for (const auto& [name, text] : rules.annotations(rule, *a))
      ImGui::TextWrapped("    %s: %s", name.c_str(), text.c_str());
  }
}

// The rule files' rules (Prometheus's format, docs/prometheus.md), and a box to paste one.
void draw_rule_files(App& app) {
  const Calendar& cal = app.sim().scenario().calendar;
  ImGui::Separator();
  const PromRules* rules = app.sim().prometheus_rules();
  ImGui::Text("Rule files (PromQL): %zu rule(s)", rules ? rules->rule_count() : std::size_t{0});
  // The rule files the scenario names were read when it loaded (a missing one stops the
  // load, as in the runner); those below join every run on top of them.
  const std::vector<std::string>& named = app.sim().scenario().monitoring.rule_files;
  if (!named.empty()) {
    std::string names;
    for (const std::string& n : named) names += (names.empty() ? "" : ", ") + n;
    ImGui::TextDisabled("From the scenario's monitoring.rule_files: %s", names.c_str());
  }
  if (rules) {
    for (std::size_t i = 0; i < rules->rule_count(); ++i) {
      const PromRuleView& v = rules->rule_view(i);
      const PromRule& r = *v.rule;
      ImGui::PushID(static_cast<int>(i));
      const bool alerting = r.kind == PromRule::Kind::alerting;
      const std::vector<const PromAlert*> alerts = rules->alerts(i);
      int firing = 0, pending = 0;
      for (const PromAlert* a : alerts) {
        firing += a->state == AlertState::firing;
        pending += a->state == AlertState::pending;
      }
      std::string head = (alerting ? "alert " : "record ") + r.name + "  (" + v.group->name + ")";
      if (alerting) head += "  " + std::to_string(firing) + " firing, " + std::to_string(pending) + " pending";
      else head += "  " + std::to_string(v.last_series) + " series";
      if (!v.last_error.empty()) head += "  error";
      const ImVec4 colour = firing ? ImVec4(1, 0.45f, 0.35f, 1) : pending ? ImVec4(0.9f, 0.8f, 0.3f, 1) : ImVec4(0.8f, 0.85f, 0.9f, 1);
      ImGui::PushStyleColor(ImGuiCol_Text, colour);
      const bool open = ImGui::TreeNode("rule", "%s", head.c_str());
      ImGui::PopStyleColor();
      if (open) {
        ImGui::TextWrapped("expr: %s", r.expr_text.c_str());
        if (alerting)
          ImGui::Text("for %s, keep_firing_for %s", format_duration(r.for_us).c_str(),
                      format_duration(r.keep_firing_for_us).c_str());
        if (!v.last_error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "%s", v.last_error.c_str());
        draw_prom_alerts(cal, *rules, i, alerts);
        ImGui::TreePop();
      }
      ImGui::PopID();
    }
  }
  static std::string pasted;  // one App per process
  if (ImGui::TreeNode("Add a rule file")) {
    ImGui::TextDisabled("Paste a Prometheus rule file (or drop a .yml file on the page); the run restarts with it.");
    ImGui::InputTextMultiline("##rulefile", &pasted, ImVec2(-1, ImGui::GetFontSize() * 10));
    if (pasted.empty()) ImGui::TextDisabled("%s", kRuleFileHint);
    if (ImGui::Button("Apply")) app.add_rule_file(pasted, "pasted.yml");
    app.remember_widget("rules-apply");
    if (!app.rule_files().empty()) {
      ImGui::SameLine();
      if (ImGui::Button("Remove all rule files")) app.clear_rule_files();
    }
    ImGui::TreePop();
  }
  if (!app.rule_file_error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "%s", app.rule_file_error.c_str());
}

}  // namespace

void draw_alerts(App& app) {
  const Simulation& sim = app.sim();
  const AlertEvaluator& alerts = sim.alerts();
  const Calendar& cal = sim.scenario().calendar;
  const PromRules* prom = sim.prometheus_rules();
  ImGui::Text("%llu alert(s) fired so far",
              static_cast<unsigned long long>(alerts.fired_total() + (prom ? prom->fired_total() : 0)));
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  RuleEdit& edit = rule_edit();
  bool open_editor = false;
  if (alerts.size() > 0 && ImGui::BeginTable("rules", 7, flags)) {
    for (const char* h : {"rule", "condition", "for", "severity", "state", "fired", ""}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    const std::vector<ActiveAlert> active = alerts.active();
    for (std::size_t i = 0; i < alerts.size(); ++i) {
      const RuleSpec& r = alerts.rules()[i];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.id.c_str());
      ImGui::TableNextColumn();
      const std::string scope = !r.tenant.empty() ? "tenant." + r.tenant + "." : !r.service.empty() ? "service." + r.service + "." : "";
      ImGui::Text("%s%s %s %g", scope.c_str(), r.metric.c_str(), op_text(r.op), r.value);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_duration(r.for_).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.severity.c_str());
      ImGui::TableNextColumn();
      const AlertState st = alerts.state(i);
      const ActiveAlert* a = nullptr;
      for (const ActiveAlert& x : active)
        if (x.rule_index == static_cast<int>(i)) a = &x;
      if (st == AlertState::firing && a)
        ImGui::TextColored(ImVec4(1, 0.45f, 0.35f, 1), "firing since %s (%.4g)", cal.iso8601(a->fired_at).c_str(), a->value);
      else if (st == AlertState::pending && a)
        ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.3f, 1), "pending since %s (%.4g)", cal.iso8601(a->active_since).c_str(), a->value);
      else
        ImGui::TextDisabled("ok");
      ImGui::TableNextColumn();
      ImGui::Text("%llu", static_cast<unsigned long long>(alerts.fired_count(i)));
      ImGui::TableNextColumn();
      ImGui::PushID(static_cast<int>(i));
      if (ImGui::SmallButton("Edit")) {
        edit.run_id = app.run_id();
        edit.rule = static_cast<int>(i);
        edit.draft = r;
        edit.for_s = to_seconds(r.for_);
        open_editor = true;
      }
      if (i == 0) app.remember_widget("alert-edit-0");
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  if (open_editor) ImGui::OpenPopup("edit-rule");
  draw_rule_editor(app, edit);
  draw_rule_files(app);
  ImGui::Separator();
  ImGui::TextDisabled("latest alert, notification, scaling and what-if events");
  ImGui::BeginChild("alert-events", ImVec2(0, 0), true);
  const auto& events = sim.recent_events();
  int shown = 0;
  for (auto it = events.rbegin(); it != events.rend() && shown < 200; ++it) {
    switch (it->kind) {
      case EventKind::alert_pending:
      case EventKind::alert_firing:
      case EventKind::alert_resolved:
      case EventKind::notification:
      case EventKind::scale_out:
      case EventKind::scale_in:
      case EventKind::scale_up:
      case EventKind::scale_down:
      case EventKind::rule_changed:
      case EventKind::policy_changed: break;
      default: continue;
    }
    ImGui::TextDisabled("%s", cal.iso8601(it->t).c_str());
    ImGui::SameLine();
    ImGui::TextWrapped("%s", event_json(*it).c_str());
    ++shown;
  }
  ImGui::EndChild();
}

}  // namespace opsim::ui
