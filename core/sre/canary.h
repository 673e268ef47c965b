// Canary analysis (seed 000's deployment strategies): the new version's requests against
// the baseline's over the same interval, judged by the deployment's gates. A pure library:
// the simulation counts the requests, this decides.
//
// A gate fails when the canary is past its limit AND worse than the baseline over the same
// interval: when the whole service is failing (an outage, a provider down), the release is
// not what broke it, and rolling it back would not help.
#pragma once
#include <cstdint>
#include <string>

#include "engine/log_event.h"
#include "engine/sim_time.h"
#include "metrics/histogram.h"
#include "scenario/scenario.h"

namespace opsim::sre {

// Requests that completed on one side (canary or baseline) since the window was reset.
struct VersionWindow {
  std::uint64_t succeeded = 0, failed = 0;
  LatencyHistogram latency;  // successful requests, arrival to completion
  void clear() {
    succeeded = failed = 0;
    latency.clear();
  }
  // clear() and free the histogram: a finished rollout's windows are not read again.
  void release() {
    succeeded = failed = 0;
    latency.release();
  }
  std::uint64_t completed() const { return succeeded + failed; }
  double error_percent() const;  // 0 without requests
  double p95_ms() const;          // 0 without successes
};

struct CanaryAnalysis {
  SimTime at = 0;
  int step = 0;               // index into DeploymentSpec::canary_steps; -1: blue-green bake
  double weight_percent = 0;  // the new version's share of traffic during the window
  std::uint64_t canary_requests = 0, baseline_requests = 0;
  double canary_error_percent = 0, baseline_error_percent = 0;
  double canary_p95_ms = 0, baseline_p95_ms = 0;
  bool enough_data = false;  // at least kMinCanaryRequests completed on the canary
  bool passed = false;
  std::string reason;  // one sentence with the numbers
};

// Fewer completed canary requests than this say nothing: the step is extended.
constexpr std::uint64_t kMinCanaryRequests = 20;

// "rolling", "canary", "blue_green": the scenario's spelling.
const char* deployment_strategy_name(DeploymentSpec::Strategy s);

CanaryAnalysis analyze_canary(const DeploymentSpec& d, const VersionWindow& canary, const VersionWindow& baseline);

// at_s, step, weight_percent, canary and baseline ({requests, error_rate_percent,
// latency_p95_ms}), enough_data, passed, reason: the canary_analysis event's fields and
// each entry of summary.json's deployments[].analyses.
EventFields canary_analysis_fields(const CanaryAnalysis& a);

}  // namespace opsim::sre
