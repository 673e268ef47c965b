// The seed's threshold policies (seed 004 part 1, IntelligentAutoScaler) made precise, plus
// the schedule trigger, decision consolidation, cost optimisation and the cap on scale
// events per hour.
//
// ThresholdPolicy, one per policy, evaluated once per evaluation interval:
// - value > threshold_up is an upward breach, value < threshold_down a downward one;
//   anything else, or a missing value, resets both counts. A policy proposes after
//   `evaluation_periods` consecutive breaches in one direction: scale out to
//   min(max, current + scale_increment), or scale in to max(min, current - increment);
//   nothing when already at the bound.
// - cooldown: after a decision this policy took part in is applied (on_applied), the policy
//   proposes nothing for `cooldown`, and its breach counts start again from zero, so the
//   next action needs both the cooldown to be over and N fresh consecutive breaches.
// - schedule trigger: steps sorted by time; once a step's time has come, the policy
//   proposes the step's count (clamped to [min, max]) until a decision in that direction
//   is applied or the count already equals it; a later step replaces an earlier one. A
//   schedule ignores thresholds, evaluation periods and cooldown.
//
// ThresholdScaler, one per service, consolidates the proposals of its threshold policies and
// any extra proposals (the predictive engine's):
// - any scale-out beats any scale-in; among scale-outs the largest target wins (first in
//   policy order on a tie).
// - scale-in without cost optimisation is conservative: the smallest step wins, and a
//   metric policy's scale-in is taken only when every other metric policy that has a
//   value agrees (its value is below its own threshold_down). A schedule's scale-in does
//   not need that agreement (it is an operator's plan).
// - cost optimisation (ScalingSpec::cost_optimization) prefers scale-in: one policy whose
//   metric stayed low for its evaluation periods is enough as long as no metric is above
//   its threshold_up, and the largest step wins.
// - at most max_events_per_hour applied decisions in any sliding hour (now - 1 h, now];
//   a decision over the cap is suppressed and said so in the note.
// evaluate() assumes its decision is applied at once (cooldowns start, the event counts).
#pragma once
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/sim_time.h"
#include "scaling/decision.h"
#include "scenario/scenario.h"

namespace opsim::scaling {

const char* trigger_name(ScalingTrigger t);

// The current values of a service's trigger metrics; a missing one is left empty.
struct MetricValues {
  std::optional<double> cpu_utilization, memory_utilization, request_rate, queue_depth;
  std::vector<std::pair<std::string, double>> custom;  // by metric name (custom triggers)
  // The value a threshold policy reads (none for a schedule).
  std::optional<double> value_for(const ScalingPolicySpec& policy) const;
};

class ThresholdPolicy {
 public:
  ThresholdPolicy(const ScalingPolicySpec& spec, int min_instances, int max_instances);

  // One evaluation. Returns a proposal (from = current), or nothing with the reason in *why.
  std::optional<ScalingDecision> evaluate(SimTime now, int current, std::optional<double> value,
                                          std::string* why = nullptr);
  // A decision this policy proposed (or one in the same direction) was applied at `now`.
  void on_applied(SimTime now);

  // A live change of the policy's figures (the UI's what-if), effective from the next
  // evaluation.
  void update_spec(const ScalingPolicySpec& spec);
  bool in_cooldown(SimTime now) const;
  int breaches_up() const { return up_; }
  int breaches_down() const { return down_; }
  const ScalingPolicySpec& spec() const { return spec_; }
  bool is_schedule() const { return spec_.trigger == ScalingTrigger::schedule; }

 private:
  ScalingPolicySpec spec_;
  int min_, max_;
  int up_ = 0, down_ = 0;
  bool acted_ = false;
  SimTime last_action_ = 0;
  std::size_t next_step_ = 0;     // schedule: first step not yet reached
  int pending_target_ = -1;       // schedule: the step count still to apply, -1 none
  SimTime pending_at_ = 0;
};

class ThresholdScaler {
 public:
  // Takes the threshold-kind policies of `spec` in one direction (target_tracking ones are
  // the HPA's). A vertical scaler counts size steps: min 0, max the last size index.
  ThresholdScaler(const ScalingSpec& spec, int min_instances, int max_instances,
                  ScalingPolicySpec::Direction direction = ScalingPolicySpec::Direction::horizontal);
  // A live change (the UI's what-if): the section's cap and cost optimisation, and the
  // figures of each of this scaler's policies, matched by id; effective from the next
  // evaluation.
  void update(const ScalingSpec& spec);

  struct Outcome {
    std::optional<ScalingDecision> decision;  // the change to apply now, if any
    std::vector<ScalingDecision> proposals;   // every proposal of this evaluation
    std::string note;                         // why nothing changed, or what was suppressed
  };
  // One evaluation of every policy; `extra` are further proposals (e.g. predictive) that
  // take part in the consolidation. No metric policy scales in below `scale_in_floor`
  // (the predictive engine's forecast need); a schedule may.
  Outcome evaluate(SimTime now, int current, const MetricValues& values,
                   const std::vector<ScalingDecision>& extra = {}, int scale_in_floor = 0);

  int events_in_last_hour(SimTime now) const;
  std::size_t policy_count() const { return policies_.size(); }
  const ThresholdPolicy& policy(std::size_t i) const { return policies_[i]; }

 private:
  ScalingSpec spec_;
  int min_, max_;
  std::vector<ThresholdPolicy> policies_;
  std::deque<SimTime> events_;  // applied decisions within the last hour
};

}  // namespace opsim::scaling
