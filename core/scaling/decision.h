// What every scaling policy kind hands back: one proposed or taken change of a service's
// instance count, with the policy that caused it and one sentence that explains it with
// the numbers. Shared by the threshold, schedule, predictive and HPA policies.
#pragma once
#include <string>

#include "engine/sim_time.h"

namespace opsim::scaling {

struct ScalingDecision {
  SimTime at = 0;
  int from = 0, to = 0;
  std::string policy_id;  // "predictive" for the predictive engine
  std::string reason;     // one sentence with the numbers
  bool scale_out() const { return to > from; }
  bool scale_in() const { return to < from; }
};

// Formats a number for reason sentences: at most `decimals` decimals, trailing zeros
// dropped ("90", "1.08", "0.5"). Deterministic (integer arithmetic after rounding).
std::string format_number(double v, int decimals = 2);

}  // namespace opsim::scaling
