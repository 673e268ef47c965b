// The Kubernetes HorizontalPodAutoscaler algorithm (autoscaling/v2, target tracking), as in
// pkg/controller/podautoscaler (replica_calculator.go and horizontal.go, Kubernetes 1.33+
// with per-direction tolerances; tests/unit/hpa_kubernetes_test.cpp ports its test cases).
//
// [SECTION] 1. Replica count from the metric, per kind of target
//   Tolerance (Kubernetes 1.33): a usage ratio r is within it when
//     1 - scale_down tolerance <= r <= 1 + scale_up tolerance,
//   each direction's tolerance defaulting to the policy's `tolerance` (0.1).
//
//   utilization, average_value (a Resource metric's averageUtilization; a Pods metric, or a
//   Resource metric's averageValue): the pods are sorted as Kubernetes' groupPods does (HpaPods):
//     ready    report a sample that counts;
//     missing  report none (opsim: instances still starting);
//     unready  have their sample set aside (pending; for CPU also not ready or still in
//              their CPU initialisation period).
//   r = average over the ready pods / target (for utilization the average is
//   100 x sum(usage) / sum(request), in percent of the requests).
//     With no missing pod, and no unready pod on a scale-up (r > 1):
//       r within the tolerance: no change; else desired = ceil(r x ready).
//     Otherwise the ratio is recomputed with the set-aside pods filled in:
//       missing pods, on a scale-down (r < 1): utilization at 100 % of their request (at the
//         target when the target is above 100 %); the other kinds at the target;
//       missing pods, on a scale-up: 0; unready pods, on a scale-up only: 0;
//       r' = (r x w_ready + fill x w_missing) / (w_ready + w_missing + w_unready) over the pods
//         counted (w: their requests for utilization, one per pod otherwise), and
//       desired = ceil(r' x pods counted), unless r' is within the tolerance, crosses 1
//       against r, or the count goes against r' (then no change).
//   object_value (an Object or External metric's value): r = value / target;
//     desired = ceil(r x ready pods) outside the tolerance; from 0 instances, ceil(r).
//   object_average_value (an Object or External metric's averageValue):
//     r = value / (target x current); desired = ceil(value / target) outside the tolerance.
//   No sample (no ready pod, no finite value): nothing is recorded and the count stays
//   (Kubernetes reports an error for that metric).
// [SECTION] 2. Current count outside [min, max]: desired = the bound, nothing else applies.
// [SECTION] 3. Stabilisation: every raw recommendation is kept with its time; the one used
//   is the current count clamped between the minimum of those within the scale-up window
//   and the maximum of those within the scale-down window (defaults 0 s and 300 s). As
//   Kubernetes does, the first call records the current count, so no scale-down happens
//   within the first scale-down window.
// [SECTION] 4. Rate limits (behaviour policies): each policy allows, per `period`, a change
//   of `value` instances or `value` percent of the count at the start of the period, which
//   is current - (added within the period) + (removed within the period); scale-up percent
//   rounds up, scale-down percent rounds down (towards fewer removals). select_policy max
//   takes the policy allowing the largest change, min the smallest, disabled forbids the
//   direction. A limit that would undo earlier changes is the current count.
// [SECTION] 5. min / max instances.
//
// recommend() assumes its decision is applied at once: a change is recorded as a scale
// event for the rate limits.
//
// [SECTION] Calling it, per kind of target, from a pool's figures
//   Utilization over the ready instances, the starting ones missing (the simulation's call):
//     recommend(now, current, ready, cpu_utilization), which is
//     recommend(now, current, HpaMetric::utilization(HpaPods::ready_and_starting(ready, cpu_utilization,
//                                                                                current - ready)))
//   Pods / Resource averageValue, e.g. request_rate per ready instance against a target per
//   instance (20 req/s over 5 ready instances, target 2: 10 instances):
//     recommend(now, current, HpaMetric::average_value(HpaPods::pool_total(ready, request_rate,
//                                                                          current - ready)))
//   Object / External value, e.g. the pool's queue_depth against a target for the queue:
//     recommend(now, current, HpaMetric::object_value(queue_depth, ready))
//   Object / External averageValue, a total the instances share:
//     recommend(now, current, HpaMetric::object_average_value(total))
//   HpaPods::from_pods builds the pod picture from a list of pods, as Kubernetes' tests state it.
//
// [SECTION] Where opsim differs from Kubernetes on purpose
// - recommend(now, current, ready, metric_value), the simulation's call since opsim's first
//   HPA, counts a starting instance at the target on a scale-down even for a utilization
//   target (HpaPods::missing_at_target); Kubernetes counts it at 100 % of its request. The
//   built-in scenarios' outputs are pinned to that reading; the other calls follow Kubernetes.
// - Numbers are real: Kubernetes truncates utilization to a whole percent and values to
//   thousandths before dividing.
// - The tolerance band is tested as |r - 1| against the direction's tolerance, which differs
//   from Kubernetes' 1 - down <= r <= 1 + up only within a rounding error of the edges
//   (66 / 60 against 0.1: outside here, inside there); opsim's decisions
//   before per-direction tolerances stay bit-identical.
// - An empty policy list means no rate limit (Kubernetes' API requires at least one policy,
//   and without a behaviour it limits a scale-up to max(2 x current, 4) per evaluation; the
//   loader fills in Kubernetes' default behaviour, which allows the same per 15 s).
// - A count of 0 below the minimum is raised to the minimum (Kubernetes reads a workload
//   scaled to 0 by hand as autoscaling switched off); an opsim pool only gets there through
//   faults.
// - Memory is bounded: recommendations older than the longest stabilisation window and
//   events older than the longest period are dropped, at most kMaxHistory of each kept.
//   Kubernetes replaces one stale entry per evaluation, so a live change that lengthens a
//   window can bring older entries back into it there, not here.
// - A native target_tracking policy follows one metric, and the simulation consolidates
//   several policies' decisions; a manifest's metrics are one controller's, the largest
//   count taken as Kubernetes takes it (recommend with several metrics).
#pragma once
#include <deque>
#include <string>
#include <vector>

#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim::scaling {

// The kind of target, as autoscaling/v2 pairs a MetricSource with a MetricTarget. External
// metrics behave as Object ones, with `value` the sum of the series that match.
enum class HpaTarget {
  utilization,           // Resource metric, averageUtilization: percent of the pods' requests
  average_value,         // Pods metric, or Resource metric with averageValue: the value per pod
  object_value,          // Object / External metric, value: the object's value
  object_average_value,  // Object / External metric, averageValue: the value shared by the pods
};

// One pod as replica_calculator.go sees it, for HpaPods::from_pods.
struct HpaPod {
  // terminal: failed, or being deleted; left out altogether.
  enum class Phase { running, pending, terminal } phase = Phase::running;
  bool ready = true;  // Ready condition; for CPU also past its initialisation ("hot" pods are not)
  bool has_metric = true;
  double value = 0;    // utilization: usage, in the unit of `request`; else the pod's value
  double request = 1;  // utilization only
};

// The pods of a pod-metric target (utilization, average_value), summed per group.
struct HpaPods {
  int ready = 0;        // pods with a sample that counts
  double average = 0;   // their mean (utilization: 100 x sum(usage) / sum(request), percent)
  int missing = 0;      // pods without a sample
  int unready = 0;      // pods whose sample is set aside
  // Requests of each group, for a utilization target whose pods differ in size; 0: one
  // unit per pod (equal pods need none).
  double ready_request = 0, missing_request = 0, unready_request = 0;
  // On a scale-down, count a missing pod at the target even for a utilization target (see
  // "Where opsim differs" above).
  bool missing_at_target = false;

  // From aggregates: `ready` pods averaging `average`.
  static HpaPods aggregate(int ready, double average, int missing = 0, int unready = 0);
  // From a pool total (e.g. requests per second over the pool): average = total / ready.
  static HpaPods pool_total(int ready, double total, int missing = 0, int unready = 0);
  // opsim's original reading, recommend(now, current, ready, metric_value): the ready
  // instances report, the starting ones are missing and count at the target on a scale-down.
  static HpaPods ready_and_starting(int ready, double average, int starting);
  // Kubernetes' groupPods: terminal pods are left out, pending ones are unready, pods
  // without a sample are missing, not-ready pods with a sample are unready for a CPU
  // resource metric and ready otherwise.
  static HpaPods from_pods(const std::vector<HpaPod>& pods, HpaTarget target, bool cpu_resource = false);
};

// What the controller measured this evaluation.
struct HpaMetric {
  HpaTarget target = HpaTarget::utilization;
  HpaPods pods;      // utilization, average_value
  double value = 0;  // object_value, object_average_value
  int ready = 0;     // object_value: ready pods (Running and Ready)
  // Which metric and its target, for a controller that follows several; empty name: the
  // policy's own metric and target.
  std::string name;
  double goal = 0;

  static HpaMetric utilization(const HpaPods& pods);
  static HpaMetric average_value(const HpaPods& pods);
  static HpaMetric object_value(double value, int ready);
  static HpaMetric object_average_value(double value);
};

struct HpaDecision {
  int current = 0;         // instance count the decision starts from
  int desired = 0;         // what to scale to (== current: no change)
  int metric_desired = 0;  // step 1, before stabilisation, rate limits and bounds
  int stabilized = 0;      // after step 3
  double usage_ratio = 0;  // step 1's first ratio (before any pod is filled in)
  bool within_tolerance = false;
  bool no_metric = false;                 // nothing measured: no change, nothing recorded
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

  // current: the instance count the service is set to.
  HpaDecision recommend(SimTime now, int current, const HpaMetric& metric);
  // Several metrics, as an HPA with several in spec.metrics (Kubernetes'
  // computeReplicasForMetrics): each proposes a count and the largest is the metric's count
  // of step 1; one that cannot be measured proposes none, and while one cannot, a
  // scale-down waits (Kubernetes does not scale down on part of its metrics).
  HpaDecision recommend(SimTime now, int current, const std::vector<HpaMetric>& metrics);
  // A utilization target measured over the ready instances, the instances still starting
  // (current - ready) being missing, as HpaPods::ready_and_starting reads them.
  HpaDecision recommend(SimTime now, int current, int ready, double metric_value);

  const ScalingPolicySpec& spec() const { return spec_; }
  // A live change of target, tolerance or behaviour; the recommendation and event
  // histories stay, so stabilisation windows and rate limits carry on across it.
  void update_spec(const ScalingPolicySpec& spec) { spec_ = spec; }
  int min_instances() const { return min_; }
  int max_instances() const { return max_; }
  double scale_up_tolerance() const;
  double scale_down_tolerance() const;

 private:
  struct Rec {
    SimTime at;
    int value;
  };
  bool within_tolerance(double ratio) const;
  std::string tolerance_text(double ratio) const;
  // Step 1 for one metric: its count, and in d what was found; `explain` writes d.reason.
  int metric_replicas(int current, const HpaMetric& metric, HpaDecision& d, bool explain = true) const;
  int pod_replicas(int current, const HpaMetric& metric, HpaDecision& d, bool explain) const;
  int object_replicas(int current, const HpaMetric& metric, HpaDecision& d, bool explain) const;
  // Steps 2 to 5 from step 1's count `wanted` (d holds step 1's findings).
  HpaDecision finish(SimTime now, int current, int wanted, HpaDecision d);
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
