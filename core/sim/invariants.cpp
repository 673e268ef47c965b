#include "sim/invariants.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sim/simulation.h"

namespace opsim {
namespace {

// Relative tolerance for sums of doubles added and removed in different orders.
bool close(double a, double b) { return a == b || std::fabs(a - b) <= 1e-6 * std::max(1.0, std::max(std::fabs(a), std::fabs(b))); }

std::string n(std::uint64_t v) { return std::to_string(v); }
std::string n(std::int64_t v) { return std::to_string(v); }
std::string n(int v) { return std::to_string(v); }
std::string n(double v) { return std::to_string(v); }

// A scope's cumulative counters: the closed total plus the open window.
struct Counts {
  std::uint64_t arrived = 0, succeeded = 0, failed = 0, rejected = 0;
};
Counts counts_of(const ScopeStats& s) {
  return {s.total.arrived + s.window.arrived, s.total.succeeded + s.window.succeeded,
          s.total.failed + s.window.failed, s.total.rejected + s.window.rejected};
}

}  // namespace

void InvariantChecker::check(const Simulation& sim) {
  const SimTime now = sim.now_;
  auto broken = [&](const char* name, const std::string& detail) {
    throw InvariantViolation(std::string("invariant ") + name + " broken at " + format_duration(now) + ": " + detail);
  };
  const Scenario& sc = sim.scenario_;
  const MetricRegistry& reg = sim.registry_;
  ++checks_;

  // time
  if (now < last_now_) broken("time", "the clock went back from " + format_duration(last_now_));
  if (!sim.events_.empty() && sim.events_.top().t < now)
    broken("time", "an event is pending at " + format_duration(sim.events_.top().t) + ", before the clock");
  last_now_ = now;

  // The live request records: in flight per scope, reservations per tenant, work per pool.
  std::vector<char> is_free(sim.requests_.size(), 0);
  for (std::uint32_t id : sim.free_requests_) {
    if (id >= is_free.size() || is_free[id]) broken("conservation", "request slot " + n(static_cast<int>(id)) + " is free twice");
    is_free[id] = 1;
  }
  std::vector<std::int64_t> in_flight_tenant(sc.tenants.size()), in_flight_service(sc.services.size()),
      in_flight_agent(sc.agents.size());
  std::vector<int> admitted(sc.tenants.size());
  std::vector<double> reserved_mb(sc.tenants.size()), reserved_cores(sc.tenants.size());
  std::vector<int> working(sim.pools_.size());
  std::vector<double> working_mb(sim.pools_.size());
  for (std::size_t id = 0; id < sim.requests_.size(); ++id) {
    if (is_free[id]) continue;
    const Simulation::Request& r = sim.requests_[id];
    // A crashed request has failed already; its slot waits for its stale work event.
    if (r.crashed) continue;
    in_flight_tenant[static_cast<std::size_t>(r.tenant)]++;
    in_flight_service[static_cast<std::size_t>(r.service)]++;
    in_flight_agent[static_cast<std::size_t>(r.agent)]++;
    const AgentSpec& agent = sc.agents[static_cast<std::size_t>(r.agent)];
    if (r.admitted) {
      admitted[static_cast<std::size_t>(r.tenant)]++;
      reserved_mb[static_cast<std::size_t>(r.tenant)] += agent.memory_estimate_mb;
      reserved_cores[static_cast<std::size_t>(r.tenant)] += agent.cpu_estimate_cores;
    }
    if (r.in_service) {
      working[static_cast<std::size_t>(r.pool)]++;
      working_mb[static_cast<std::size_t>(r.pool)] += agent.memory_estimate_mb;
    }
  }

  // conservation, per scope and across scopes
  Counts sum_tenants, sum_services, sum_agents;
  auto conserve = [&](const char* scope, const std::string& id, const ScopeStats& s, std::int64_t in_flight,
                      Counts& sum) {
    const Counts c = counts_of(s);
    if (c.arrived != c.succeeded + c.failed + c.rejected + static_cast<std::uint64_t>(in_flight))
      broken("conservation", std::string(scope) + " " + id + ": arrived " + n(c.arrived) + " != succeeded " +
                                 n(c.succeeded) + " + failed " + n(c.failed) + " + rejected " + n(c.rejected) +
                                 " + in flight " + n(in_flight));
    sum.arrived += c.arrived;
    sum.succeeded += c.succeeded;
    sum.failed += c.failed;
    sum.rejected += c.rejected;
  };
  for (std::size_t t = 0; t < sc.tenants.size(); ++t)
    conserve("tenant", sc.tenants[t].id, reg.tenant(static_cast<int>(t)), in_flight_tenant[t], sum_tenants);
  for (std::size_t v = 0; v < sc.services.size(); ++v)
    conserve("service", sc.services[v].id, reg.service(static_cast<int>(v)), in_flight_service[v], sum_services);
  for (std::size_t a = 0; a < sc.agents.size(); ++a)
    conserve("agent", sc.agents[a].id, reg.agent(static_cast<int>(a)), in_flight_agent[a], sum_agents);
  auto same = [&](const char* what, std::uint64_t t, std::uint64_t v, std::uint64_t a) {
    if (t != v || v != a)
      broken("conservation", std::string(what) + ": tenants " + n(t) + ", services " + n(v) + ", agents " + n(a));
  };
  same("arrived", sum_tenants.arrived, sum_services.arrived, sum_agents.arrived);
  same("succeeded", sum_tenants.succeeded, sum_services.succeeded, sum_agents.succeeded);
  same("failed", sum_tenants.failed, sum_services.failed, sum_agents.failed);
  same("rejected", sum_tenants.rejected, sum_services.rejected, sum_agents.rejected);

  // counters: reasons add up, nothing goes down, integrals are finite and not negative
  std::vector<std::uint64_t> counts;
  auto counters = [&](const std::string& scope, const ScopeStats& s) {
    WindowCounters w = s.total;
    w.add(s.window);
    const std::uint64_t reasons = w.failed_queue_full + w.failed_timeout + w.failed_agent_error +
                                  w.failed_execution_limit + w.failed_context + w.failed_instance_crash;
    if (reasons != w.failed) broken("counters", scope + ": failures by reason add up to " + n(reasons) + ", not " + n(w.failed));
    for (int i = 0; i < 4; ++i)
      if (w.rejected_by[i] > w.rejected) broken("counters", scope + ": more rejections by one limit than rejections");
    for (const double x : {w.busy_slot_us, w.ready_slot_us, w.memory_used_mb_us, w.memory_ready_mb_us, w.queue_len_us,
                           w.cost_usd, w.concurrent_agents_us, w.memory_reserved_mb_us, w.cpu_reserved_cores_us})
      if (!std::isfinite(x) || x < -1e-6) broken("counters", scope + ": an integral or cost is " + n(x));
    if (w.latency_sum_us < 0) broken("counters", scope + ": negative latency sum");
    for (const std::uint64_t x : {w.arrived, w.succeeded, w.failed, w.rejected, w.queued, w.context_lookups})
      counts.push_back(x);
    counts.push_back(static_cast<std::uint64_t>(std::llround(w.cost_usd * 1e6)));
  };
  for (std::size_t t = 0; t < sc.tenants.size(); ++t) counters("tenant " + sc.tenants[t].id, reg.tenant(static_cast<int>(t)));
  for (std::size_t v = 0; v < sc.services.size(); ++v)
    counters("service " + sc.services[v].id, reg.service(static_cast<int>(v)));
  if (last_counts_.size() == counts.size())
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (counts[i] < last_counts_[i])
        broken("counters", "cumulative counter " + n(static_cast<int>(i)) + " went down from " + n(last_counts_[i]) +
                               " to " + n(counts[i]));
  last_counts_ = std::move(counts);

  // quota
  for (std::size_t t = 0; t < sc.tenants.size(); ++t) {
    const ResourceMonitor& m = sim.monitors_[t];
    const QuotaUsage& u = m.usage();
    const std::string who = "tenant " + sc.tenants[t].id;
    if (!m.within_quota())
      broken("quota", who + ": usage outside [0, quota]: " + n(u.concurrent_agents) + " agents, " + n(u.memory_mb) +
                          " MB, " + n(u.cpu_cores) + " cores");
    if (u.concurrent_agents != admitted[t] || !close(u.memory_mb, reserved_mb[t]) || !close(u.cpu_cores, reserved_cores[t]))
      broken("quota", who + ": reserved " + n(u.concurrent_agents) + " agents / " + n(u.memory_mb) + " MB / " +
                          n(u.cpu_cores) + " cores, but its admitted requests in flight hold " + n(admitted[t]) + " / " +
                          n(reserved_mb[t]) + " / " + n(reserved_cores[t]));
  }

  // fleet
  std::int64_t queued_total = 0;
  for (std::size_t pi = 0; pi < sim.pools_.size(); ++pi) {
    const Simulation::Pool& p = sim.pools_[pi];
    const ServiceSpec& service = sc.services[static_cast<std::size_t>(p.service)];
    const std::string who = "pool " + n(static_cast<int>(pi)) + " of " + service.id;
    int live = 0, ready = 0, ready_slots = 0, busy = 0, free_slots = 0;
    for (const Simulation::Instance& in : p.instances) {
      if (in.busy_slots < 0) broken("fleet", who + ": an instance has " + n(in.busy_slots) + " busy slots");
      if (in.state == Simulation::InstanceState::gone) {
        if (in.busy_slots != 0) broken("fleet", who + ": a gone instance has busy slots");
        continue;
      }
      ++live;
      busy += in.busy_slots;
      if (in.state == Simulation::InstanceState::ready) {
        ++ready;
        ready_slots += in.slots;
        free_slots += std::max(0, in.slots - in.busy_slots);
      }
    }
    if (live != p.live_instances || ready != p.ready_instances || ready_slots != p.ready_slots || busy != p.busy_slots ||
        free_slots != p.free_slots)
      broken("fleet", who + ": counted " + n(live) + " live, " + n(ready) + " ready, " + n(ready_slots) + " ready slots, " +
                          n(busy) + " busy, " + n(free_slots) + " free; the pool says " + n(p.live_instances) + ", " +
                          n(p.ready_instances) + ", " + n(p.ready_slots) + ", " + n(p.busy_slots) + ", " + n(p.free_slots));
    if (working[pi] != p.busy_slots || !close(working_mb[pi], p.memory_used_mb))
      broken("fleet", who + ": " + n(p.busy_slots) + " busy slots and " + n(p.memory_used_mb) + " MB in use, but " +
                          n(working[pi]) + " requests in service holding " + n(working_mb[pi]) + " MB");
    std::size_t waiting = 0;
    for (const RingQueue<std::uint32_t>& f : p.flows) waiting += f.size();
    if (waiting != p.queued) broken("fleet", who + ": queue length " + n(static_cast<std::uint64_t>(p.queued)) +
                                                 ", but its flows hold " + n(static_cast<std::uint64_t>(waiting)));
    queued_total += static_cast<std::int64_t>(p.queued);
    const int size = Simulation::serving_instances(p);
    bool crashing = false;
    for (std::size_t f = 0; f < sc.faults.size(); ++f)
      crashing = crashing || (sim.fault_active_[f] && sc.faults[f].type == FaultType::instance_crash &&
                              sc.faults[f].service_index == p.service);
    if (size > service.instances_max || (size < service.instances_min && !crashing))
      broken("fleet", who + ": " + n(size) + " instances as scaling counts them, outside [" + n(service.instances_min) +
                          ", " + n(service.instances_max) + "]");
  }
  if (queued_total != sim.queued_total_)
    broken("fleet", "pools hold " + n(queued_total) + " queued requests, the simulation counts " + n(sim.queued_total_));

  // budget: the figures shown are the tracker's arithmetic (SRE workbook: burn rate = error
  // ratio / (1 - target); budget remaining = 100 x (1 - consumed)), within their ranges.
  for (std::size_t k = 0; k < sim.slos_.size(); ++k) {
    const sre::SloTracker& t = sim.slos_[k];
    const SloSpec& spec = t.spec();
    const ScopeStats& shown = reg.slo(static_cast<int>(k));
    const std::uint64_t total = t.total_events(now, spec.window), bad = t.bad_events(now, spec.window);
    const double sli = t.sli_percent(now), consumed = t.budget_consumed(now), allowed = t.allowed_error_ratio();
    const std::string who = "SLO " + spec.id;
    if (bad > total) broken("budget", who + ": " + n(bad) + " bad events of " + n(total));
    if (!(sli >= 0 && sli <= 100)) broken("budget", who + ": SLI " + n(sli) + " %");
    if (!(consumed >= 0)) broken("budget", who + ": budget consumed " + n(consumed));
    if (allowed > 0 && !close(t.burn_rate(now, kMicrosPerHour), t.error_ratio(now, kMicrosPerHour) / allowed))
      broken("budget", who + ": burn rate " + n(t.burn_rate(now, kMicrosPerHour)) + " is not error ratio / (1 - target)");
    if (t.compliant(now) != (t.error_ratio(now, spec.window) <= allowed))
      broken("budget", who + ": compliance disagrees with the error ratio");
    const double remaining = 100.0 * (1.0 - consumed);
    if (!close(shown.slo_budget_remaining_percent, remaining) || !close(shown.slo_sli_percent, sli) ||
        (allowed > 0 && !close(shown.slo_burn_rate, t.burn_rate(now, kMicrosPerHour))))
      broken("budget", who + ": shows budget remaining " + n(shown.slo_budget_remaining_percent) + " %, SLI " +
                           n(shown.slo_sli_percent) + " %, burn rate " + n(shown.slo_burn_rate) + "; its events give " +
                           n(remaining) + " %, " + n(sli) + " %, " + n(t.burn_rate(now, kMicrosPerHour)));
  }
}

}  // namespace opsim
