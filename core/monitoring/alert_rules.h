// Alert rule evaluation with Prometheus semantics (pending -> firing -> resolved).
//
// The evaluator is a pure state machine: at each scrape the caller passes, for every rule,
// the current value of the series the rule watches (NaN when there is no data) and
// receives the state transitions that scrape caused. It knows nothing about the
// simulation, reads no clock and keeps O(number of rules) state.
//
// Semantics, per rule (one series per rule, so one alert per rule: a rule's scope,
// `tenant` / `service`, is fixed by the rule and is carried as labels):
// - A sample "has data" when its value is not NaN. NaN (no data) counts as the condition
//   not holding, as a Prometheus rule whose expression returns no series: a pending alert
//   is dropped and a firing one resolves.
// - min_samples: the rule counts the samples with data it has seen since it was created
//   (cumulative, the current sample included; a no-data sample does not count and does
//   not reset the count). The condition is treated as not holding until that count
//   reaches min_samples: with min_samples 5 the 5th sample with data is the first one
//   that can start (or, with for 0, fire) an alert. This is the seed's "need at least 5
//   data points before analysing" guard.
// - The condition holds when the sample has data, the rule has seen min_samples samples
//   and compare(value, op, threshold) is true.
// - Holds while inactive: the alert becomes active at this time (active_since). With
//   for = 0 it fires at once (one `firing` transition, no `pending` one, as Prometheus
//   never shows a pending state for such rules); otherwise it becomes `pending`.
// - Holds while pending: it fires at the first evaluation where now - active_since >= for.
// - Does not hold while pending: the alert is dropped (`inactive` transition; it never
//   fired, so nothing is resolved or notified). A dip therefore resets `for`.
// - Does not hold while firing: `resolved` transition; the rule is inactive again and a
//   later breach starts a new alert (new active_since) that must wait `for` again.
// - De-duplication: a rule has at most one active alert; while it stays firing no further
//   transition is produced, however many breaching samples follow.
// Transitions of one evaluation come out in rule order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/log_event.h"
#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim {

enum class AlertState { inactive, pending, firing, resolved };
const char* alert_state_name(AlertState s);  // "inactive", "pending", "firing", "resolved"
// alert_pending, alert_firing or alert_resolved (an inactive transition is not logged).
EventKind alert_event_kind(AlertState s);

struct AlertTransition {
  int rule_index = -1;  // index into the evaluator's rules
  std::string rule, severity, metric;
  std::string tenant, service;  // the rule's scope; empty = not scoped
  AlertState state = AlertState::pending;  // the new state
  double value = 0.0;  // the sample that caused the transition (NaN: no data)
  double threshold = 0.0;
  CompareOp op = CompareOp::gt;
  SimTime time = 0;  // evaluation time
  SimTime active_since = 0;  // when the condition started to hold (pending or firing start)

  // rule, state, severity, metric, value, threshold, op, plus tenant / service when the
  // rule is scoped, and reason; value is NaN (null in JSON) when there was no data.
  EventFields fields() const;
  std::string reason() const;  // one sentence: why the rule moved to `state`
};

// One active (pending or firing) alert, for the UI.
struct ActiveAlert {
  int rule_index = -1;
  AlertState state = AlertState::pending;  // pending or firing
  SimTime active_since = 0;
  SimTime fired_at = -1;  // -1 while pending
  double value = 0.0;  // latest sample
};

class AlertEvaluator {
 public:
  explicit AlertEvaluator(std::vector<RuleSpec> rules);

  // values_by_rule[i] is rule i's value at this scrape, NaN for no data (a shorter vector
  // means NaN for the missing rules). `now` must not decrease between calls.
  void evaluate(SimTime now, const std::vector<double>& values_by_rule, std::vector<AlertTransition>& out);

  // Changes rule i (threshold, op, for, min_samples, severity) from the next evaluation
  // on; its current alert and sample count are kept.
  void update_rule(std::size_t i, const RuleSpec& rule);

  const std::vector<RuleSpec>& rules() const { return rules_; }
  std::size_t size() const { return rules_.size(); }
  AlertState state(std::size_t i) const { return states_[i].state; }
  std::int64_t samples_seen(std::size_t i) const { return states_[i].samples; }
  std::uint64_t fired_total() const { return fired_total_; }  // transitions to firing
  std::uint64_t fired_count(std::size_t i) const { return states_[i].fired; }
  std::vector<ActiveAlert> firing() const;  // firing alerts, in rule order
  std::vector<ActiveAlert> active() const;  // pending and firing alerts, in rule order

 private:
  struct RuleState {
    AlertState state = AlertState::inactive;  // inactive, pending or firing
    SimTime active_since = 0, fired_at = -1;
    double value = 0.0;
    std::int64_t samples = 0;
    std::uint64_t fired = 0;
  };
  AlertTransition make(std::size_t i, AlertState s, double value, SimTime now) const;

  std::vector<RuleSpec> rules_;
  std::vector<RuleState> states_;
  std::uint64_t fired_total_ = 0;
};

}  // namespace opsim
