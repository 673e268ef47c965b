// Prometheus rule groups in the running simulation, with Prometheus 2.42's semantics
// (rules/manager.go, recording.go, alerting.go):
// - A group evaluates its rules in file order at each multiple of its interval since the
//   run's start, right after the scrape of that instant, so that a rule sees the samples
//   scraped at its evaluation time, and a rule sees what the rules before it in its group
//   (and the groups before it) recorded at the same time.
// - A recording rule's result gets __name__ = the record's name and the rule's labels, and
//   is appended to the series store at the evaluation time. A series it returned last time
//   and not now is marked stale. A rule whose evaluation fails records nothing (and marks
//   nothing stale); neither does one whose result has two equal label sets or more series
//   than the group's limit.
// - An alerting rule keeps an alert per label set (the result's labels, less __name__, plus
//   the rule's labels expanded as templates, plus alertname). A new one is pending (firing at
//   once when `for` is 0), fires when it has been active for `for`, and on leaving the result
//   resolves, unless it is firing and keep_firing_for has not passed since it left. A
//   resolved alert is kept 15 minutes, as Prometheus keeps it to tell Alertmanager; a return
//   within them starts a new alert. ALERTS and ALERTS_FOR_STATE series are written as
//   Prometheus writes them.
// Transitions to pending, firing and resolved become the same events, notifications and
// incident signals as the scenario's JSON rules (monitoring/alerting.h).
#pragma once
#include <cstdint>
#include <map>
#include <unordered_map>
#include <memory>
#include <string>
#include <vector>

#include "engine/log_event.h"
#include "engine/sim_time.h"
#include "monitoring/alert_rules.h"
#include "monitoring/rule_file.h"
#include "promql/eval.h"
#include "promql/storage.h"
#include "scenario/scenario.h"

namespace opsim {

// Every rule group of a scenario: its rule_files', then the runner's --rules', in order.
struct PromRuleSet {
  std::vector<RuleGroup> groups;
};

// A rule file's name (as the user wrote it, for errors) and its text.
struct RuleFileText {
  std::string name;
  std::string text;
};

// Parses the files into s.monitoring.prometheus_rules. Groups evaluate at scrapes, so an
// interval must be a multiple of monitoring.scrape_interval (1m when not given). When the
// scenario lists no JSON rules, its rule files replace the default ones. False, with every
// error (file, line:column, what was expected and found), when any file is wrong.
struct RuleFileError {
  std::string file;  // the RuleFileText's name
  Diagnostic diagnostic;
};
bool attach_rule_files(Scenario& s, const std::vector<RuleFileText>& files, std::vector<RuleFileError>& errors);

// One alert of an alerting rule: Prometheus's rules.Alert.
struct PromAlert {
  promql::Labels labels;  // alertname included
  // The expression's labels for this alert: $labels in its annotations (expanded when asked
  // for, PromRules::annotations, as they would be at the last evaluation that returned it).
  promql::Labels expr_labels;
  AlertState state = AlertState::pending;  // pending, firing or inactive (resolved)
  double value = 0;
  SimTime active_since = 0, fired_at = -1, resolved_at = -1;
  SimTime keep_firing_since = -1;  // -1: not in keep_firing_for
  int index = 0;  // unique among every alert of the run: the notifier's key
  // Its ALERTS series (pending, firing) and its ALERTS_FOR_STATE series in the store; -1
  // until first written.
  std::int64_t alerts_series[2] = {-1, -1};
  std::int64_t for_state_series = -1;
};

// What the UI shows of a rule.
struct PromRuleView {
  const RuleGroup* group = nullptr;
  const PromRule* rule = nullptr;
  std::string last_error;  // of the last evaluation; empty when it went well
  SimTime last_evaluation = -1;
  std::size_t last_series = 0;  // series the last evaluation returned
};

// A transition of a PromQL alert, with what its event says and why.
struct PromTransition {
  AlertTransition transition;  // for the notifier and the incident signals
  EventFields fields;  // the alert_* event's fields
  std::string reason;
};

// The notifier keys alerts by index: PromQL alerts come after the JSON rules' and the SLOs'.
constexpr int kFirstPromAlertIndex = 1 << 24;

class PromRules {
 public:
  // The scenario's rule groups (monitoring.prometheus_rules), over the monitoring's store.
  PromRules(const std::vector<RuleGroup>& groups, std::int64_t start_unix_ms, promql::Storage& storage);
  bool empty() const { return groups_.empty(); }

  // Evaluates the groups due at `now` (a scrape's time) and appends the alerts' transitions.
  void evaluate(SimTime now, std::vector<PromTransition>& transitions);

  std::size_t rule_count() const { return views_.size(); }
  const PromRuleView& rule_view(std::size_t i) const { return views_[i]; }
  // The alerts of rule i (pending, firing and recently resolved), by label set.
  std::vector<const PromAlert*> alerts(std::size_t i) const;
  // An alert of rule i's annotations, expanded with its labels and value: what Prometheus
  // expanded at the last evaluation that returned the alert.
  std::vector<std::pair<std::string, std::string>> annotations(std::size_t i, const PromAlert& a) const;
  // Evaluations run and what they cost, for the bench and the Explore tab.
  std::uint64_t evaluations() const { return evaluations_; }
  std::uint64_t fired_total() const { return fired_total_; }  // transitions to firing

 private:
  struct RuleState {
    std::vector<promql::Storage::SeriesRef> previous;  // the series of the last evaluation
    // recording: the series each of the expression's label sets is recorded as (the rule's
    // name and labels applied), by the label set's hash.
    std::unordered_map<std::uint64_t, std::vector<std::pair<promql::Labels, promql::Storage::SeriesRef>>> recorded;
    std::map<std::string, PromAlert> alerts;  // alerting: by labels_text
  };
  void evaluate_recording(std::size_t i, std::int64_t t_ms, const RuleGroup& g);
  void evaluate_alerting(std::size_t i, SimTime now, std::int64_t t_ms, const RuleGroup& g,
                         std::vector<PromTransition>& transitions);
  using SeriesPoint = std::pair<promql::Storage::SeriesRef, double>;
  // The series a recording rule's output with these labels is recorded as.
  promql::Storage::SeriesRef recorded_series(RuleState& st, const PromRule& rule, const promql::Labels& output);
  // Appends a rule's points at t_ms and marks stale what it returned last time only.
  void append_series(std::size_t i, std::int64_t t_ms, const std::vector<SeriesPoint>& points);
  PromTransition transition(const PromRule& rule, const PromAlert& a, AlertState s, SimTime now) const;

  const std::vector<RuleGroup>& groups_;
  std::int64_t start_unix_ms_;
  promql::Storage& storage_;
  // The rules' selections and groupings, kept from one evaluation to the next.
  promql::QueryCache cache_;
  // Room reused from rule to rule: one evaluation's points and series.
  std::vector<SeriesPoint> scratch_points_;
  std::vector<promql::Storage::SeriesRef> scratch_refs_;
  std::vector<PromRuleView> views_;  // every rule, groups in order
  std::vector<RuleState> states_;
  std::vector<SimDuration> group_interval_;
  int next_alert_index_ = 0;
  std::uint64_t evaluations_ = 0;
  std::uint64_t fired_total_ = 0;
};

}  // namespace opsim
