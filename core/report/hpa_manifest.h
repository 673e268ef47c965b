// The scaling report's recommendation for a service's pool, written as the autoscaling/v2
// HorizontalPodAutoscaler an engineer would apply (`opsim run --manifest SERVICE`), which
// opsim reads back as a "kubernetes" scaling policy (docs/files.md).
//
// From the run's rows (monitoring.retention of them; every row with --out):
//   work(t)        = cpu_utilization(t) / 100 x instances(t): the instances' worth of
//                    slots busy in the interval (instances running; starting ones count)
//   needed(t)      = ceil(work(t) / (target / 100)): the replicas that hold the target
//   minReplicas    = the fewest needed in any interval (at least 1)
//   maxReplicas    = the most needed in any interval; when the pool sat at its maximum,
//                    over 95 % busy, the work it turned away is not in the rows, so the
//                    peak gets kSaturatedMargin more room
//   target         = the CPU target of the service's target-tracking policy on
//                    cpu_utilization, else Kubernetes' default of 80 %
//   scale-down stabilisation = 600 s when the service scaled more than twice an hour (the
//                    report's flapping advice), else Kubernetes' default (not written)
// Each choice is explained in a comment above the field it sets.
#pragma once
#include <string>
#include <vector>

#include "sim/simulation.h"

namespace opsim {

// Room added to a saturated peak: the share by which the work may have exceeded what a
// full pool could show (a choice of this report, said in the manifest's comment).
constexpr double kSaturatedMargin = 0.25;

struct HpaRecommendation {
  std::string service;
  double target_percent = 80;
  int min_replicas = 1, max_replicas = 1;
  int scale_down_stabilization_s = -1;  // -1: Kubernetes' default
  double peak_work = 0, trough_work = 0;  // instances' worth of busy slots
  bool saturated = false;  // the pool sat at its maximum, over 95 % busy
  int rows = 0;  // intervals looked at
  std::vector<std::string> reasons;  // one per field, for the comments
};

// False with `why` when the service is unknown or the run has no rows yet.
bool recommend_hpa(const Simulation& sim, const std::string& service, HpaRecommendation& out, std::string& why);
std::string hpa_manifest_yaml(const HpaRecommendation& r);

}  // namespace opsim
