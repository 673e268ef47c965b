// Invariants of a running simulation, checked at every scrape (cheap: one pass over the
// fleet, the tenants and the requests in flight). A broken invariant is a bug in the
// simulator, never in the scenario, so it stops the run with InvariantViolation naming
// the invariant, the simulated time and the figures that disagree; the runner reports it
// as an internal error (exit code 3).
//
// Each component checks its own state (the checker calls them in turn):
// - conservation (request path): in every tenant, service and agent, arrived = succeeded +
//   failed + rejected + in flight, with in flight counted from the live request records;
//   and the tenants, services and agents each add up to the same totals;
// - quota (request path): each tenant's reservation lies within [0, quota] and equals what
//   its admitted requests in flight hold;
// - fleet (fleet, request path): each pool's instance and slot counts agree with its
//   instances, its queue length with its queues, its busy slots and memory in use with its
//   requests in service, and the size scaling sees lies within the service's [min, max]
//   (below min only while a crash fault is active on the service);
// - counters (metrics): failures by reason add up to failures, cumulative counters never
//   go down, integrals and costs are finite and never negative;
// - time (engine): the clock never goes back and no event is pending before it;
// - budget (SLO accounting): each SLO's bad events <= total events, its SLI and budget
//   consumed within their ranges, its burn rate = error ratio / (1 - target), compliance
//   exactly when the error ratio is within the allowed one, and the figures its metrics
//   show (budget remaining = 100 x (1 - consumed), SLI, burn rate) equal to that arithmetic.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/sim_time.h"

namespace opsim {

class Simulation;
class MetricRegistry;
struct Scenario;

struct InvariantViolation : std::logic_error {
  using std::logic_error::logic_error;
};

// Throws InvariantViolation("invariant NAME broken at TIME: DETAIL").
[[noreturn]] void invariant_broken(const char* name, SimTime now, const std::string& detail);
// Equal within a relative tolerance, for sums of doubles added and removed in different orders.
bool invariant_close(double a, double b);

class InvariantChecker {
 public:
  // Throws on the first invariant broken.
  void check(const Simulation& sim);
  std::uint64_t checks() const { return checks_; }

 private:
  void check_counters(SimTime now, const Scenario& sc, const MetricRegistry& reg);
  SimTime last_now_ = 0;
  std::uint64_t checks_ = 0;
  // Cumulative counters at the last check, per scope, for monotonicity.
  std::vector<std::uint64_t> last_counts_;
};

}  // namespace opsim
