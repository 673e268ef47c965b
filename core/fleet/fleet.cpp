// The fleet (fleet.h): pools, instances and their lifecycle, resizes, rolling restarts,
// releases and gauges.
//
// [SECTION] Pools
// [SECTION] Instance lifecycle
// [SECTION] Sizes, resizes and rolling restarts
// [SECTION] Releases (deployments)
// [SECTION] Gauges and views
// [SECTION] Invariants
#include "fleet/fleet.h"

#include <algorithm>
#include <cmath>

#include "sim/invariants.h"

namespace opsim {

// [SECTION] Pools

Fleet::Fleet(Engine& engine, const Scenario& scenario, MetricRegistry& registry, EventLog& log)
    : engine_(engine), id_(engine.add(this)), scenario_(scenario), registry_(registry), log_(log) {
  // In a shared pool, flow 0 queues the shared tenants' requests and each namespace tenant
  // has a flow of its own.
  const std::size_t n_services = scenario_.services.size(), n_tenants = scenario_.tenants.size();
  pool_index_.assign(n_tenants * n_services, 0);
  flow_index_.assign(n_tenants * n_services, 0);
  std::vector<int> shared_pool(n_services);
  for (std::size_t v = 0; v < n_services; ++v) shared_pool[v] = add_pool(static_cast<int>(v), -1);
  for (std::size_t t = 0; t < n_tenants; ++t) {
    const TenantSpec& tenant = scenario_.tenants[t];
    std::vector<bool> uses(n_services, false);
    for (const LoadSpec& l : tenant.load)
      uses[static_cast<std::size_t>(scenario_.agents[static_cast<std::size_t>(l.agent_index)].service_index)] = true;
    for (std::size_t v = 0; v < n_services; ++v) {
      const std::size_t k = t * n_services + v;
      pool_index_[k] = shared_pool[v];
      if (!uses[v]) continue;
      if (tenant.isolation == Isolation::dedicated || tenant.isolation == Isolation::physical) {
        pool_index_[k] = add_pool(static_cast<int>(v), static_cast<int>(t));
      } else if (tenant.isolation == Isolation::namespace_) {
        Pool& p = pools_[static_cast<std::size_t>(shared_pool[v])];
        flow_index_[k] = static_cast<int>(p.flows++);
      }
    }
  }
  for (std::size_t v = 0; v < n_services; ++v) {
    std::int64_t instances = 0;
    for (const Pool& p : pools_)
      if (p.service == static_cast<int>(v)) instances += p.live_instances;
    ScopeStats& st = registry_.service(static_cast<int>(v));
    st.instances_now = instances;
    st.window.instances_max = instances;
  }
  registry_.aggregate_global();
  registry_.global().window.instances_max = registry_.global().instances_now;
  for (const Pool& p : pools_) {
    if (p.owner_tenant < 0 && p.flows == 1) continue;
    EventFields w;
    w.add("service", scenario_.services[static_cast<std::size_t>(p.service)].id);
    if (p.owner_tenant >= 0) {
      const TenantSpec& t = scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)];
      w.add("tenant", t.id).add("isolation", isolation_name(t.isolation)).add("instances", p.live_instances);
      w.add("reason", "the tenant's isolation gives it instances of its own");
    } else {
      w.add("fair_queueing_flows", static_cast<int>(p.flows));
      w.add("reason", "namespace tenants share the instances, each with its own queue served round robin");
    }
    log_.log(EventKind::pool_created, std::move(w));
  }
}

std::vector<int> Fleet::pools_per_service(const Scenario& s) {
  std::vector<int> pools(s.services.size(), 1);
  for (const TenantSpec& t : s.tenants) {
    if (t.isolation != Isolation::dedicated && t.isolation != Isolation::physical) continue;
    std::vector<bool> uses(s.services.size(), false);
    for (const LoadSpec& l : t.load)
      if (l.agent_index >= 0) {
        const int v = s.agents[static_cast<std::size_t>(l.agent_index)].service_index;
        if (v >= 0) uses[static_cast<std::size_t>(v)] = true;
      }
    for (std::size_t v = 0; v < uses.size(); ++v) pools[v] += uses[v] ? 1 : 0;
  }
  return pools;
}

double Fleet::estimated_bytes(const Scenario& s) {
  // Each instance, and the pending start of each one starting at once.
  const std::vector<int> pools = pools_per_service(s);
  double bytes = 0;
  for (std::size_t v = 0; v < s.services.size(); ++v)
    bytes += static_cast<double>(s.services[v].instances_max) * pools[v] *
             static_cast<double>(sizeof(Instance) + sizeof(PendingStart) + EventQueue::bytes_per_event());
  return bytes;
}

int Fleet::add_pool(int service, int owner) {
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(service)];
  Pool p;
  p.service = service;
  p.window = &registry_.service(service).window;
  p.owner_tenant = owner;
  // Instances present at the start are ready: the scenario describes a running fleet. A
  // vertical policy of the service's scaling section gives the pool its sizes; it starts at
  // factor 1 (the instance as written).
  p.size_factors = {1.0};
  for (const ScalingSpec& sc : scenario_.scaling)
    if (sc.service_index == service)
      for (const ScalingPolicySpec& pol : sc.policies)
        if (pol.direction == ScalingPolicySpec::Direction::vertical) p.size_factors = pol.size_factors;
  p.size = static_cast<int>(std::find(p.size_factors.begin(), p.size_factors.end(), 1.0) - p.size_factors.begin());
  // Whether `concurrency` executions of the service's largest agent could outgrow an
  // instance's cores or memory at some size.
  std::int64_t max_millicores = 0;
  double max_memory_mb = 0;
  for (const AgentSpec& a : scenario_.agents)
    if (a.service_index == service) {
      max_millicores = std::max(max_millicores, to_millicores(a.cpu_estimate_cores));
      max_memory_mb = std::max(max_memory_mb, a.memory_estimate_mb);
    }
  for (const double f : p.size_factors) {
    const double slots = std::max(1.0, std::floor(spec.concurrency * f));
    p.resources_bind = p.resources_bind || slots * static_cast<double>(max_millicores) > static_cast<double>(to_millicores(spec.cpu_cores * f)) ||
                       slots * max_memory_mb > spec.memory_mb * f;
  }
  pools_.push_back(std::move(p));
  const int index = static_cast<int>(pools_.size() - 1);
  Pool& added = pools_.back();
  Instance first;
  set_size(first, index, added.size);
  added.instances.assign(static_cast<std::size_t>(spec.instances_initial), first);
  added.live_instances = added.ready_instances = spec.instances_initial;
  added.ready_slots = added.free_slots = spec.instances_initial * first.slots;
  added.memory_ready_mb = added.ready_instances * spec.memory_mb;
  added.cost_usd_per_us =
      static_cast<double>(added.live_instances) * spec.cost_per_hour / static_cast<double>(kMicrosPerHour);
  return index;
}

void Fleet::on_event(std::uint16_t kind, std::uint32_t target) {
  if (kind == kInstanceReady) on_instance_ready(target);
}

// [SECTION] Instance lifecycle

int Fleet::start_instance(int pool_id) {
  Pool& p = mutable_pool(pool_id);
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  integrate_fleet(pool_id);
  std::size_t slot = p.instances.size();
  for (std::size_t i = 0; i < p.instances.size(); ++i)
    if (p.instances[i].state == InstanceState::gone) {
      slot = i;
      break;
    }
  if (slot == p.instances.size()) p.instances.emplace_back();
  Instance& in = p.instances[slot];
  in.busy_slots = 0;
  in.waiting_slots = 0;
  in.memory_used_mb = 0;
  in.cpu_used_millicores = 0;
  set_size(in, pool_id, p.size);
  in.version = p.version;
  in.surge = in.green = in.warm = in.standby = false;
  in.state = InstanceState::starting;
  ++in.generation;
  ++p.live_instances;
  fleet_changed(pool_id);
  // An instance costs from the moment it starts, ready or not.
  std::uint32_t pending;
  if (free_starts_.empty()) {
    pending = static_cast<std::uint32_t>(pending_starts_.size());
    pending_starts_.emplace_back();
  } else {
    pending = free_starts_.back();
    free_starts_.pop_back();
  }
  pending_starts_[pending] = {pool_id, static_cast<int>(slot), in.generation};
  engine_.schedule(engine_.now() + spec.startup, id_, kInstanceReady, pending);
  return static_cast<int>(slot);
}

void Fleet::on_instance_ready(std::uint32_t pending) {
  const PendingStart ps = pending_starts_[pending];
  free_starts_.push_back(pending);
  Pool& p = mutable_pool(ps.pool);
  Instance& in = p.instances[static_cast<std::size_t>(ps.instance)];
  if (in.state != InstanceState::starting || in.generation != ps.generation) return;  // cancelled meanwhile
  if (in.green) {
    // Blue-green: the new fleet waits, out of service, until all of it is ready.
    in.warm = true;
    bool all_warm = true;
    for (const Pool& q : pools_)
      if (q.service == p.service)
        for (const Instance& o : q.instances) all_warm &= !(o.green && o.state == InstanceState::starting && !o.warm);
    if (all_warm)
      for (FleetListener* l : listeners_) l->on_green_fleet_ready(p.service);
    return;
  }
  make_ready(ps.pool, ps.instance);
  if (in.surge) {
    // A rolling restart's new instance is serving: one outdated instance goes.
    in.surge = false;
    --p.surge_starting;
    int old = -1;
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      const Instance& o = p.instances[i];
      if (o.state == InstanceState::ready && outdated(p, o) &&
          (old < 0 || o.busy_slots < p.instances[static_cast<std::size_t>(old)].busy_slots))
        old = static_cast<int>(i);
    }
    if (old >= 0) {
      drain_instance(ps.pool, old);
      ++p.rolling_replaced;
    }
  }
  advance_rolling(ps.pool);
}

void Fleet::make_ready(int pool_id, int instance) {
  // Starting (or standing by) -> ready: its slots take work.
  Pool& p = mutable_pool(pool_id);
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  integrate_load(pool_id);
  integrate_fleet(pool_id);
  in.state = InstanceState::ready;
  ++p.ready_instances;
  p.ready_slots += in.slots;
  p.free_slots += std::max(0, in.slots - in.busy_slots);
  fleet_changed(pool_id);
  for (FleetListener* l : listeners_) l->on_capacity(pool_id);
}

void Fleet::drain_instance(int pool_id, int instance) {
  Pool& p = mutable_pool(pool_id);
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  integrate_load(pool_id);
  integrate_fleet(pool_id);
  if (in.state == InstanceState::starting) {
    in.state = InstanceState::gone;
    --p.live_instances;
    if (in.surge) {
      in.surge = false;
      --p.surge_starting;
    }
    if (in.green) {
      in.green = false;
      --p.green_instances;
    }
  } else if (in.state == InstanceState::ready) {
    in.state = InstanceState::draining;
    --p.ready_instances;
    p.ready_slots -= in.slots;
    p.free_slots -= std::max(0, in.slots - in.busy_slots);
    retire_if_idle(pool_id, instance);
  }
  fleet_changed(pool_id);
}

void Fleet::retire_if_idle(int pool_id, int instance) {
  Pool& p = mutable_pool(pool_id);
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  if (in.state != InstanceState::draining || in.busy_slots > 0 || in.standby) return;
  integrate_fleet(pool_id);
  in.state = InstanceState::gone;
  --p.live_instances;
  fleet_changed(pool_id);
}

// Only callers of calls wait: out of the header, so that the per-request functions there stay
// small enough to inline.
void Fleet::wait_for_calls(int pool_id, int instance, const ExecutionDemand& d) {
  integrate_load(pool_id);
  Pool& p = mutable_pool(pool_id);
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  in.waiting_slots++;
  in.cpu_used_millicores -= d.cpu_millicores;
  p.waiting_slots++;
}

void Fleet::release_waiting_slot(int pool_id, int instance, const ExecutionDemand& d) {
  integrate_load(pool_id);
  Pool& p = mutable_pool(pool_id);
  p.instances[static_cast<std::size_t>(instance)].waiting_slots--;
  p.waiting_slots--;
  release_slot(pool_id, instance, {0, d.memory_mb});  // its cores went back when it began to wait
}

void Fleet::crash_instance(int pool_id, int instance) {
  // The work in progress on the instance fails and the instance is gone; the fault that
  // crashed it restarts it when it ends.
  Pool& p = mutable_pool(pool_id);
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  if (in.state == InstanceState::gone || in.state == InstanceState::starting) return;
  integrate_load(pool_id);
  integrate_fleet(pool_id);
  for (FleetListener* l : listeners_) l->on_instance_crashing(pool_id, instance);
  p.memory_used_mb -= in.memory_used_mb;
  p.busy_slots -= in.busy_slots;
  p.waiting_slots -= in.waiting_slots;
  if (in.state == InstanceState::ready) {
    --p.ready_instances;
    p.ready_slots -= in.slots;
    p.free_slots -= std::max(0, in.slots - in.busy_slots);
  }
  in.busy_slots = 0;
  in.waiting_slots = 0;
  in.memory_used_mb = 0;
  in.cpu_used_millicores = 0;
  in.state = InstanceState::gone;
  --p.live_instances;
  fleet_changed(pool_id);
}

void Fleet::set_size(Instance& in, int pool_id, int size) const {
  const Pool& p = pool_at(pool_id);
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  const double f = p.size_factors[static_cast<std::size_t>(size)];
  in.size = size;
  in.slots = slots_for(pool_id, size);
  in.cpu_millicores = to_millicores(spec.cpu_cores * f);
  in.memory_mb = spec.memory_mb * f;
}

int Fleet::slots_for(int pool_id, int size) const {
  // The service's concurrency at this size, less what a capacity_loss fault takes; a size
  // has at least one slot at full capacity.
  const Pool& p = pool_at(pool_id);
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  const double full = std::max(1.0, std::floor(spec.concurrency * p.size_factors[static_cast<std::size_t>(size)]));
  return static_cast<int>(std::floor(full * p.capacity_percent / 100.0));
}

void Fleet::set_pool_capacity_percent(int pool_id, double percent) {
  Pool& p = mutable_pool(pool_id);
  integrate_load(pool_id);
  integrate_fleet(pool_id);
  p.capacity_percent = percent;
  p.ready_slots = p.free_slots = 0;
  for (Instance& in : p.instances) {
    in.slots = slots_for(pool_id, in.size);
    if (in.state != InstanceState::ready) continue;
    p.ready_slots += in.slots;
    p.free_slots += std::max(0, in.slots - in.busy_slots);
  }
  fleet_changed(pool_id);
  for (FleetListener* l : listeners_) l->on_capacity(pool_id);
}

int Fleet::set_capacity_percent(int service, double percent) {
  int slots = 0;
  for (std::size_t pi = 0; pi < pools_.size(); ++pi)
    if (pools_[pi].service == service) {
      set_pool_capacity_percent(static_cast<int>(pi), percent);
      slots = slots_for(static_cast<int>(pi), pools_[pi].size);
    }
  return slots;
}

int Fleet::crash(int service, int count, double fraction) {
  // The service's ready instances, pool by pool; a fraction is rounded to the nearest
  // whole instance.
  std::vector<std::pair<int, int>> ready;
  for (std::size_t pi = 0; pi < pools_.size(); ++pi)
    if (pools_[pi].service == service)
      for (std::size_t k = 0; k < pools_[pi].instances.size(); ++k)
        if (pools_[pi].instances[k].state == InstanceState::ready) ready.emplace_back(static_cast<int>(pi), static_cast<int>(k));
  const int n = count > 0 ? std::min<int>(count, static_cast<int>(ready.size()))
                          : static_cast<int>(std::floor(fraction * static_cast<double>(ready.size()) + 0.5));
  // Spread over the pools: every k-th instance of the list.
  for (int k = 0; k < n; ++k) {
    const auto& victim = ready[static_cast<std::size_t>(k) * ready.size() / static_cast<std::size_t>(n)];
    crash_instance(victim.first, victim.second);
  }
  return n;
}

int Fleet::restart(int service, int count) {
  int left = count;
  const int initial = scenario_.services[static_cast<std::size_t>(service)].instances_initial;
  for (std::size_t pi = 0; pi < pools_.size() && left > 0; ++pi)
    if (pools_[pi].service == service)
      for (; left > 0 && pools_[pi].live_instances < initial; --left) start_instance(static_cast<int>(pi));
  return count - left;
}

// [SECTION] Sizes, resizes and rolling restarts

int Fleet::serving_instances(int pool_id) const {
  const Pool& p = pool_at(pool_id);
  int draining = 0;
  for (const Instance& in : p.instances) draining += in.state == InstanceState::draining;
  return p.live_instances - draining - p.surge_starting - p.green_instances;
}

int Fleet::serving_instances_of_service(int service) const {
  int n = 0;
  for (std::size_t pi = 0; pi < pools_.size(); ++pi)
    if (pools_[pi].service == service) n += serving_instances(static_cast<int>(pi));
  return n;
}

std::pair<int, int> Fleet::resize(int pool_id, int target) {
  Pool& p = mutable_pool(pool_id);
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  target = std::max(spec.instances_min, std::min(spec.instances_max, target));
  const int from = serving_instances(pool_id);
  if (target == from) return {from, from};
  if (target > from) {
    for (int k = from; k < target; ++k) start_instance(pool_id);
  } else {
    // Scale in: cancel starting instances first (not a rolling restart's surge), then
    // drain the least busy ready ones, those of an old size first.
    for (int k = target; k < from; ++k) {
      int pick = -1;
      for (std::size_t i = 0; i < p.instances.size(); ++i)
        if (p.instances[i].state == InstanceState::starting && !p.instances[i].surge && !p.instances[i].green)
          pick = static_cast<int>(i);
      if (pick < 0)
        for (std::size_t i = 0; i < p.instances.size(); ++i) {
          const Instance& in = p.instances[i];
          if (in.state != InstanceState::ready) continue;
          if (pick < 0) {
            pick = static_cast<int>(i);
            continue;
          }
          const Instance& best = p.instances[static_cast<std::size_t>(pick)];
          const bool old = outdated(p, in), best_old = outdated(p, best);
          if (old != best_old ? old : in.busy_slots < best.busy_slots) pick = static_cast<int>(i);
        }
      if (pick >= 0) drain_instance(pool_id, pick);
    }
  }
  advance_rolling(pool_id);
  return {from, target};
}

void Fleet::roll_to_size(int pool_id) {
  Pool& p = mutable_pool(pool_id);
  if (!p.rolling) {
    p.rolling = true;
    p.rolling_max_surge = 1;
    p.rolling_max_unavailable = 0;
    p.rolling_replaced = 0;
    p.rolling_since = engine_.now();
    EventFields r;
    r.add("service", scenario_.services[static_cast<std::size_t>(p.service)].id);
    if (p.owner_tenant >= 0) r.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)].id);
    r.add("to_size", p.size_factors[static_cast<std::size_t>(p.size)]).add("instances", serving_instances(pool_id)).add("max_surge", 1);
    log_.log(EventKind::rolling_restart_started, std::move(r));
  }
  advance_rolling(pool_id);
}

void Fleet::advance_rolling(int pool_id) {
  // Kubernetes' RollingUpdate: at most max_surge instances above the pool's size, at least
  // size - max_unavailable ready. A vertical resize rolls with 1 / 0.
  Pool& p = mutable_pool(pool_id);
  if (!p.rolling) return;
  int old = 0;
  for (const Instance& in : p.instances)
    old += (in.state == InstanceState::ready || in.state == InstanceState::starting) && !in.green && outdated(p, in);
  if (old == 0) {
    // Every instance is current: a surge still starting has nothing left to replace.
    for (std::size_t i = 0; i < p.instances.size(); ++i)
      if (p.instances[i].surge) drain_instance(pool_id, static_cast<int>(i));
    p.rolling = false;
    rolling_finished(pool_id);
    return;
  }
  // An outdated instance still starting serves nobody yet: start a current one instead,
  // in the same role (a surge instance's replacement is a surge instance, or the pool
  // would count one instance more than its size; a rollback in mid-rollout does this).
  for (std::size_t i = 0; i < p.instances.size(); ++i)
    if (p.instances[i].state == InstanceState::starting && !p.instances[i].green && outdated(p, p.instances[i])) {
      const bool surge = p.instances[i].surge;
      drain_instance(pool_id, static_cast<int>(i));
      const int slot = start_instance(pool_id);
      if (surge) {
        p.instances[static_cast<std::size_t>(slot)].surge = true;
        ++p.surge_starting;
      }
    }
  auto least_busy_outdated = [&]() {
    int pick = -1;
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      const Instance& o = p.instances[i];
      if (o.state == InstanceState::ready && outdated(p, o) &&
          (pick < 0 || o.busy_slots < p.instances[static_cast<std::size_t>(pick)].busy_slots))
        pick = static_cast<int>(i);
    }
    return pick;
  };
  int ready_old = 0;
  for (const Instance& in : p.instances) ready_old += in.state == InstanceState::ready && outdated(p, in);
  // max_unavailable: take outdated instances down before their replacements are ready.
  const int size = serving_instances(pool_id);
  while (p.rolling_max_unavailable > 0 && ready_old > p.surge_starting &&
         p.ready_instances - 1 >= size - p.rolling_max_unavailable) {
    const int victim = least_busy_outdated();
    if (victim < 0) break;
    drain_instance(pool_id, victim);
    start_instance(pool_id);
    ++p.rolling_replaced;
    --ready_old;
  }
  // max_surge: extra current instances, each replacing an outdated one when it is ready.
  while (p.surge_starting < p.rolling_max_surge && ready_old > p.surge_starting) {
    const int slot = start_instance(pool_id);
    p.instances[static_cast<std::size_t>(slot)].surge = true;
    ++p.surge_starting;
  }
}

void Fleet::rolling_finished(int pool_id) {
  bool owned = false;
  for (FleetListener* l : listeners_) owned = l->on_rolling_finished(pool_id) || owned;
  if (owned) return;
  // A vertical resize.
  const Pool& p = pool_at(pool_id);
  EventFields w;
  w.add("service", scenario_.services[static_cast<std::size_t>(p.service)].id);
  if (p.owner_tenant >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)].id);
  w.add("size", p.size_factors[static_cast<std::size_t>(p.size)]).add("instances_replaced", p.rolling_replaced);
  w.add("took_s", to_seconds(engine_.now() - p.rolling_since));
  log_.log(EventKind::rolling_restart_finished, std::move(w));
}

// [SECTION] Releases (deployments)

void Fleet::set_release(int service, int version, int max_surge, int max_unavailable) {
  for (Pool& p : pools_) {
    if (p.service != service) continue;
    p.version = version;
    p.rolling_max_surge = max_surge;
    p.rolling_max_unavailable = max_unavailable;
    p.rolling = true;
    p.rolling_replaced = 0;
    p.rolling_since = engine_.now();
  }
}

int Fleet::start_green_fleet(int service, int version) {
  int started = 0;
  for (std::size_t pi = 0; pi < pools_.size(); ++pi) {
    if (pools_[pi].service != service) continue;
    const int n = serving_instances(static_cast<int>(pi));
    for (int k = 0; k < n; ++k) {
      const int slot = start_instance(static_cast<int>(pi));
      Pool& p = pools_[pi];
      Instance& in = p.instances[static_cast<std::size_t>(slot)];
      in.version = version;
      in.green = true;
      ++p.green_instances;
      ++started;
    }
    fleet_changed(static_cast<int>(pi));
  }
  return started;
}

std::pair<int, int> Fleet::switch_to_green(int service, int version) {
  int switched = 0, standby = 0;
  for (std::size_t pi = 0; pi < pools_.size(); ++pi) {
    Pool& p = pools_[pi];
    if (p.service != service) continue;
    // The new fleet first, so that queued requests have somewhere to go.
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      Instance& in = p.instances[i];
      if (!in.green || in.state != InstanceState::starting) continue;
      in.green = in.warm = false;
      --p.green_instances;
      make_ready(static_cast<int>(pi), static_cast<int>(i));
      ++switched;
    }
    p.version = version;
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      Instance& in = p.instances[i];
      if (in.version == version || (in.state != InstanceState::ready && in.state != InstanceState::starting)) continue;
      in.standby = in.state == InstanceState::ready;  // a starting old instance is simply cancelled
      standby += in.standby;
      drain_instance(static_cast<int>(pi), static_cast<int>(i));
    }
  }
  return {switched, standby};
}

void Fleet::retire_standby(int service) {
  for (std::size_t pi = 0; pi < pools_.size(); ++pi) {
    if (pools_[pi].service != service) continue;
    for (std::size_t i = 0; i < pools_[pi].instances.size(); ++i) {
      Instance& in = pools_[pi].instances[i];
      if (!in.standby) continue;
      in.standby = false;
      retire_if_idle(static_cast<int>(pi), static_cast<int>(i));
    }
  }
}

void Fleet::cancel_green(int service) {
  for (std::size_t pi = 0; pi < pools_.size(); ++pi)
    if (pools_[pi].service == service)
      for (std::size_t i = 0; i < pools_[pi].instances.size(); ++i)
        if (pools_[pi].instances[i].green) drain_instance(static_cast<int>(pi), static_cast<int>(i));
}

void Fleet::switch_back(int service, int previous_version, int version) {
  for (std::size_t pi = 0; pi < pools_.size(); ++pi) {
    Pool& p = pools_[pi];
    if (p.service != service) continue;
    p.version = previous_version;
    for (std::size_t i = 0; i < p.instances.size(); ++i)
      if (p.instances[i].standby && p.instances[i].state == InstanceState::draining) {
        p.instances[i].standby = false;
        make_ready(static_cast<int>(pi), static_cast<int>(i));
      }
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      const Instance& in = p.instances[i];
      if (in.version == version && (in.state == InstanceState::ready || in.state == InstanceState::starting))
        drain_instance(static_cast<int>(pi), static_cast<int>(i));
    }
  }
}

void Fleet::promote(int service, int version) {
  for (Pool& p : pools_) {
    if (p.service != service) continue;
    p.version = version;
    for (Instance& in : p.instances) in.version = version;
  }
}

std::pair<int, int> Fleet::instances_by_version(int service, int version) const {
  int on = 0, other = 0;
  for (const Pool& p : pools_) {
    if (p.service != service) continue;
    for (const Instance& in : p.instances) {
      if (in.state == InstanceState::gone || in.state == InstanceState::draining) continue;
      (in.version == version ? on : other)++;
    }
  }
  return {on, other};
}

// [SECTION] Gauges and views

void Fleet::fleet_changed(int pool_id) {
  Pool& p = mutable_pool(pool_id);
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  // Sizes differ during a rolling restart, so memory and cost add up instance by instance.
  double ready_factor = 0, live_factor = 0;
  for (const Instance& in : p.instances) {
    const double f = p.size_factors[static_cast<std::size_t>(in.size)];
    if (in.state == InstanceState::ready) ready_factor += f;
    if (in.state != InstanceState::gone) live_factor += f;
  }
  p.memory_ready_mb = ready_factor * spec.memory_mb;
  p.cost_usd_per_us = live_factor * spec.cost_per_hour / static_cast<double>(kMicrosPerHour);
  std::int64_t service_instances = 0, all = 0;
  for (const Pool& q : pools_) {
    all += q.live_instances;
    if (q.service == p.service) service_instances += q.live_instances;
  }
  ScopeStats& st = registry_.service(p.service);
  st.instances_now = service_instances;
  st.window.instances_max = std::max(st.window.instances_max, service_instances);
  registry_.global().instances_now = all;
  registry_.global().window.instances_max = std::max(registry_.global().window.instances_max, all);
}

void Fleet::accrue_fleet(const Pool& p, SimDuration dt, WindowCounters& w) const {
  const double dtd = static_cast<double>(dt);
  w.ready_slot_us += p.ready_slots * dtd;
  w.memory_ready_mb_us += p.memory_ready_mb * dtd;
  w.cost_usd += p.cost_usd_per_us * dtd;
}

void Fleet::integrate_fleet(int pool_id) {
  Pool& p = mutable_pool(pool_id);
  const SimDuration dt = engine_.now() - p.fleet_integrated_until;
  if (dt <= 0) return;
  accrue_fleet(p, dt, *p.window);
  p.eval.ready_slot_us += p.ready_slots * static_cast<double>(dt);
  p.eval.memory_ready_mb_us += p.memory_ready_mb * static_cast<double>(dt);
  p.fleet_integrated_until = engine_.now();
}

void Fleet::integrate_all() {
  for (std::size_t i = 0; i < pools_.size(); ++i) {
    integrate_load(static_cast<int>(i));
    integrate_fleet(static_cast<int>(i));
  }
}

void Fleet::accrue_pending(std::vector<WindowCounters>& per_service) const {
  const SimTime now = engine_.now();
  for (const Pool& p : pools_) {
    WindowCounters& w = per_service[static_cast<std::size_t>(p.service)];
    accrue_load(p, now - p.integrated_until, w);
    accrue_fleet(p, now - p.fleet_integrated_until, w);
  }
}

void Fleet::reseed_window_maxima() {
  for (std::size_t v = 0; v < scenario_.services.size(); ++v)
    registry_.service(static_cast<int>(v)).window.instances_max = registry_.service(static_cast<int>(v)).instances_now;
  registry_.global().window.instances_max = registry_.global().instances_now;
}

PoolEvalWindow Fleet::take_eval_window(int pool_id) {
  integrate_load(pool_id);
  integrate_fleet(pool_id);
  Pool& p = mutable_pool(pool_id);
  const PoolEvalWindow w = p.eval;
  p.eval = PoolEvalWindow{};
  return w;
}

Fleet::PoolView Fleet::pool_view(int pool_id) const {
  const Pool& p = pool_at(pool_id);
  PoolView v;
  v.service = p.service;
  v.owner_tenant = p.owner_tenant;
  v.instances = p.live_instances;
  v.ready_instances = p.ready_instances;
  for (const Instance& in : p.instances) {
    v.starting_instances += in.state == InstanceState::starting;
    v.draining_instances += in.state == InstanceState::draining;
    if (in.state != InstanceState::ready) continue;
    v.cores_held += static_cast<double>(in.cpu_used_millicores) / 1000.0;
    v.cores_ready += static_cast<double>(in.cpu_millicores) / 1000.0;
    v.memory_held_mb += in.memory_used_mb;
    v.memory_ready_mb += in.memory_mb;
  }
  v.resources_bind = p.resources_bind;
  v.busy_slots = p.busy_slots;
  v.total_slots = p.ready_slots;
  v.size_factor = p.size_factors[static_cast<std::size_t>(p.size)];
  v.rolling_restart = p.rolling;
  v.rolling_replaced = p.rolling_replaced;
  v.cost_usd_per_hour = p.cost_usd_per_us * static_cast<double>(kMicrosPerHour);
  v.flows = p.flows;
  return v;
}

std::vector<Fleet::InstanceView> Fleet::pool_instances(int pool_id) const {
  const Pool& p = pool_at(pool_id);
  std::vector<InstanceView> out;
  for (const Instance& in : p.instances)
    if (in.state != InstanceState::gone)
      out.push_back({in.state, in.busy_slots, in.slots, p.size_factors[static_cast<std::size_t>(in.size)], in.version});
  return out;
}

// [SECTION] Invariants

void Fleet::check_invariants(SimTime now, const std::vector<int>& busy_by_pool, const std::vector<double>& memory_by_pool,
                             const std::function<bool(int)>& crash_active) const {
  auto n = [](auto v) { return std::to_string(v); };
  for (std::size_t pi = 0; pi < pools_.size(); ++pi) {
    const Pool& p = pools_[pi];
    const ServiceSpec& service = scenario_.services[static_cast<std::size_t>(p.service)];
    const std::string who = "pool " + n(pi) + " of " + service.id;
    int live = 0, ready = 0, ready_slots = 0, busy = 0, free_slots = 0, waiting = 0;
    for (const Instance& in : p.instances) {
      if (in.busy_slots < 0) invariant_broken("fleet", now, who + ": an instance has " + n(in.busy_slots) + " busy slots");
      if (in.waiting_slots < 0 || in.waiting_slots > in.busy_slots)
        invariant_broken("fleet", now,
                         who + ": an instance has " + n(in.waiting_slots) + " slots waiting for calls of " +
                             n(in.busy_slots) + " busy");
      waiting += in.waiting_slots;
      if (in.cpu_used_millicores < 0 || in.cpu_used_millicores > in.cpu_millicores || in.memory_used_mb < -1e-6 ||
          (p.resources_bind && in.memory_used_mb > in.memory_mb + 1e-6))
        invariant_broken("fleet", now,
                         who + ": an instance holds " + n(in.cpu_used_millicores) + " of " + n(in.cpu_millicores) +
                             " millicores and " + n(in.memory_used_mb) + " of " + n(in.memory_mb) + " MB");
      if (in.state == InstanceState::gone) {
        if (in.busy_slots != 0) invariant_broken("fleet", now, who + ": a gone instance has busy slots");
        continue;
      }
      ++live;
      busy += in.busy_slots;
      if (in.state == InstanceState::ready) {
        ++ready;
        ready_slots += in.slots;
        free_slots += std::max(0, in.slots - in.busy_slots);
      }
    }
    if (live != p.live_instances || ready != p.ready_instances || ready_slots != p.ready_slots || busy != p.busy_slots ||
        free_slots != p.free_slots)
      invariant_broken("fleet", now,
                       who + ": counted " + n(live) + " live, " + n(ready) + " ready, " + n(ready_slots) + " ready slots, " +
                           n(busy) + " busy, " + n(free_slots) + " free; the pool says " + n(p.live_instances) + ", " +
                           n(p.ready_instances) + ", " + n(p.ready_slots) + ", " + n(p.busy_slots) + ", " +
                           n(p.free_slots));
    if (waiting != p.waiting_slots)
      invariant_broken("fleet", now, who + ": its instances have " + n(waiting) + " slots waiting for calls, the pool says " +
                                         n(p.waiting_slots));
    if (busy_by_pool[pi] != p.busy_slots || !invariant_close(memory_by_pool[pi], p.memory_used_mb))
      invariant_broken("fleet", now,
                       who + ": " + n(p.busy_slots) + " busy slots and " + n(p.memory_used_mb) + " MB in use, but " +
                           n(busy_by_pool[pi]) + " requests in service holding " + n(memory_by_pool[pi]) + " MB");
    const int size = serving_instances(static_cast<int>(pi));
    if (size > service.instances_max || (size < service.instances_min && !crash_active(p.service)))
      invariant_broken("fleet", now,
                       who + ": " + n(size) + " instances as scaling counts them, outside [" + n(service.instances_min) +
                           ", " + n(service.instances_max) + "]");
  }
}

}  // namespace opsim
