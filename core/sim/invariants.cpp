#include "sim/invariants.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sim/simulation.h"

namespace opsim {

void invariant_broken(const char* name, SimTime now, const std::string& detail) {
  throw InvariantViolation(std::string("invariant ") + name + " broken at " + format_duration(now) + ": " + detail);
}

bool invariant_close(double a, double b) {
  return a == b || std::fabs(a - b) <= 1e-6 * std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

void InvariantChecker::check(const Simulation& sim) {
  const SimTime now = sim.now();
  ++checks_;
  if (now < last_now_) invariant_broken("time", now, "the clock went back from " + format_duration(last_now_));
  if (sim.engine().next_time() < now)
    invariant_broken("time", now, "an event is pending at " + format_duration(sim.engine().next_time()) + ", before the clock");
  last_now_ = now;
  std::vector<int> busy_by_pool;
  std::vector<double> memory_by_pool;
  sim.request_path().check_invariants(now, busy_by_pool, memory_by_pool);
  check_counters(now, sim.scenario(), sim.metrics());
  sim.fleet().check_invariants(now, busy_by_pool, memory_by_pool,
                               [&](int service) { return sim.faults().crash_active(service); });
  sim.slo_accounting().check_invariants(now);
}

void InvariantChecker::check_counters(SimTime now, const Scenario& sc, const MetricRegistry& reg) {
  // Reasons add up, nothing goes down, integrals are finite and not negative.
  auto n = [](auto v) { return std::to_string(v); };
  std::vector<std::uint64_t> counts;
  auto counters = [&](const std::string& scope, const ScopeStats& s) {
    WindowCounters w = s.total;
    w.add(s.window);
    const std::uint64_t reasons = w.failed_queue_full + w.failed_timeout + w.failed_agent_error +
                                  w.failed_execution_limit + w.failed_context + w.failed_instance_crash +
                                  w.failed_dependency + w.failed_circuit_open + w.failed_throttled + w.shed;
    if (reasons != w.failed)
      invariant_broken("counters", now, scope + ": failures by reason add up to " + n(reasons) + ", not " + n(w.failed));
    for (int i = 0; i < 4; ++i)
      if (w.rejected_by[i] > w.rejected)
        invariant_broken("counters", now, scope + ": more rejections by one limit than rejections");
    if (w.degraded > w.succeeded) invariant_broken("counters", now, scope + ": more degraded successes than successes");
    if (w.retries > w.call_attempts) invariant_broken("counters", now, scope + ": more retries than call attempts");
    if (w.busy_slot_us > w.held_slot_us + 1e-3)
      invariant_broken("counters", now, scope + ": slots working for longer than slots held");
    for (const double x : {w.busy_slot_us, w.held_slot_us, w.ready_slot_us, w.memory_used_mb_us, w.memory_ready_mb_us, w.queue_len_us,
                           w.cost_usd, w.concurrent_agents_us, w.memory_reserved_mb_us, w.cpu_reserved_cores_us})
      if (!std::isfinite(x) || x < -1e-6) invariant_broken("counters", now, scope + ": an integral or cost is " + n(x));
    if (w.latency_sum_us < 0) invariant_broken("counters", now, scope + ": negative latency sum");
    for (const std::uint64_t x :
         {w.arrived, w.succeeded, w.failed, w.rejected, w.queued, w.context_lookups, w.degraded, w.call_attempts})
      counts.push_back(x);
    counts.push_back(static_cast<std::uint64_t>(std::llround(w.cost_usd * 1e6)));
  };
  for (std::size_t t = 0; t < sc.tenants.size(); ++t) counters("tenant " + sc.tenants[t].id, reg.tenant(static_cast<int>(t)));
  for (std::size_t v = 0; v < sc.services.size(); ++v)
    counters("service " + sc.services[v].id, reg.service(static_cast<int>(v)));
  if (last_counts_.size() == counts.size())
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (counts[i] < last_counts_[i])
        invariant_broken("counters", now,
                         "cumulative counter " + n(i) + " went down from " + n(last_counts_[i]) + " to " + n(counts[i]));
  last_counts_ = std::move(counts);
}

}  // namespace opsim
