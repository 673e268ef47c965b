// The Kubernetes HorizontalPodAutoscaler algorithm (autoscaling/v2, target tracking), as in
// pkg/controller/podautoscaler (replica_calculator.go and horizontal.go):
//
// 1. Replica count from the metric. usage ratio = metric / target, where `metric` is the
//    average over the ready instances. With every instance ready:
//      no change when |ratio - 1| <= tolerance, else desired = ceil(ready x ratio).
//    Instances that are not ready (starting, so they report no metric: Kubernetes'
//    "missing" pods) are filled in before the ratio is recomputed over all instances:
//      scaling up   (ratio > 1): a not-ready instance counts as 0 % of the target;
//      scaling down (ratio < 1): a not-ready instance counts as 100 % of the target.
//    new ratio = (ready x ratio + fill) / current; no change when the new ratio is within
//    the tolerance or flips the direction, or when ceil(new ratio x current) goes against
//    it. (Kubernetes ignores not-yet-ready pods entirely on a scale-down; opsim's starting
//    instances have no metric at all, which is Kubernetes' missing-pod case: 100 %.)
//    No ready instance at all: no metric, no change (Kubernetes reports an error).
// 2. Current count outside [min, max]: desired = the bound, nothing else applies.
// 3. Stabilisation: every raw recommendation is kept with its time; the recommendation
//    used is clamped between the minimum of those within the scale-up window and the
//    maximum of those within the scale-down window (defaults 0 s and 300 s). As
//    Kubernetes does, the first call seeds the history with the current count, so no
//    scale-down happens within the first scale-down window.
// 4. Rate limits (behaviour policies): each policy allows, per `period`, a change of
//    `value` instances or `value` percent of the count at the start of the period, which
//    is current - (added within the period) + (removed within the period); scale-up
//    percent rounds up, scale-down percent rounds down (towards fewer removals).
//    select_policy max takes the policy allowing the largest change, min the smallest,
//    disabled forbids the direction. An empty policy list means no rate limit.
// 5. min / max instances.
//
// recommend() assumes its decision is applied at once: a change is recorded as a scale
// event for the rate limits. Memory is bounded: recommendations older than the longest
// stabilisation window and events older than the longest period are dropped, and at most
// kMaxHistory of each are kept.
#pragma once
#include <deque>
#include <string>

#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim::scaling {

struct HpaDecision {
  int current = 0;         // instance count the decision starts from
  int desired = 0;         // what to scale to (== current: no change)
  int metric_desired = 0;  // step 1, before stabilisation, rate limits and bounds
  int stabilized = 0;      // after step 3
  double usage_ratio = 0;  // metric / target over the ready instances
  bool within_tolerance = false;
  bool limited_by_stabilization = false;  // the window held the count back
  bool limited_by_policy = false;         // a behaviour rate limit (or disabled) held it back
  bool limited_by_bounds = false;         // min or max instances held it back
  std::string reason;                     // one sentence with the numbers
  bool changed() const { return desired != current; }
};

class HpaController {
 public:
  static constexpr std::size_t kMaxHistory = 4096;

  HpaController(const ScalingPolicySpec& spec, int min_instances, int max_instances);

  // current: the instance count the service is set to (ready + starting); ready: those
  // serving; metric_value: the metric averaged over the ready instances.
  HpaDecision recommend(SimTime now, int current, int ready, double metric_value);

  const ScalingPolicySpec& spec() const { return spec_; }
  // A live change of target, tolerance or behaviour; the recommendation and event
  // histories stay, so stabilisation windows and rate limits carry on across it.
  void update_spec(const ScalingPolicySpec& spec) { spec_ = spec; }
  int min_instances() const { return min_; }
  int max_instances() const { return max_; }

 private:
  struct Rec {
    SimTime at;
    int value;
  };
  int metric_replicas(int current, int ready, double metric, HpaDecision& d) const;
  int stabilize(SimTime now, int current, int desired);
  int changes_within(const std::deque<Rec>& events, SimTime now, SimDuration period) const;
  int scale_up_limit(SimTime now, int current) const;
  int scale_down_limit(SimTime now, int current) const;
  void record_event(SimTime now, int from, int to);

  ScalingPolicySpec spec_;
  int min_, max_;
  bool seeded_ = false;
  std::deque<Rec> recommendations_;
  std::deque<Rec> up_events_, down_events_;
};

}  // namespace opsim::scaling
