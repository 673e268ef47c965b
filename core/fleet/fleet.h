// The fleet: each service's instances, grouped in pools, and their lifecycle.
//
// Pools: every service has a shared pool; a dedicated or physical tenant has a pool of its
// own for each service it uses (isolation costs instances). A shared pool's queue has one
// flow for the shared tenants and one per namespace tenant (the request path serves them
// round robin); the fleet decides that layout, the request path owns the queues.
//
// An instance: starting (for the service's `startup`) -> ready -> draining (finishes its
// work, takes none) -> gone; a gone slot is reused by the next instance started. A ready
// instance runs executions in its slots (`concurrency` x its size factor, less what a
// capacity_loss fault takes), and each execution holds its agent's estimated cores and
// memory on it (AgentSpec::cpu_estimate_cores, memory_estimate_mb): an execution starts
// only where a slot is free and its cores and memory fit in what the instance has left of
// its `cpu_cores` and `memory_mb` (times its size factor). A vertical resize therefore
// changes all three. Where `concurrency` executions of the service's largest agent fit in
// both, slots are the only limit and the check is skipped. Resizes: scale out starts instances, scale in cancels
// starting ones and drains the least busy ready ones (an old size first). Rolling restarts
// (a vertical resize, a rolling deployment) replace outdated instances max_surge /
// max_unavailable at a time, as Kubernetes' RollingUpdate. Blue-green keeps a second,
// "green" fleet out of service until all of it is ready.
//
// The fleet keeps its gauges' time integrals (busy slots, memory in use, ready slots, ready
// memory, cost) in the registry's service windows and, for the scaling loop, per pool since
// its last evaluation. It tells its listeners when capacity appears, when an instance
// crashes, when a rolling restart ends and when a green fleet is ready.
//
// [SECTION] Pools and listeners
// [SECTION] Work on instances (the request path's per-request calls, inline)
// [SECTION] Sizes, resizes and rolling restarts
// [SECTION] Releases (deployments)
// [SECTION] Gauges
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "metrics/registry.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"

namespace opsim {

enum class InstanceState { starting, ready, draining, gone };

// What one execution holds on its instance while it runs. Cores are counted in whole
// millicores so that holding and releasing them adds up exactly.
struct ExecutionDemand {
  std::int64_t cpu_millicores = 0;
  double memory_mb = 0;
};
inline std::int64_t to_millicores(double cores) { return static_cast<std::int64_t>(cores * 1000.0 + 0.5); }

class FleetListener {
 public:
  virtual ~FleetListener() = default;
  // Slots of `pool` became free or usable: a queue may move.
  virtual void on_capacity(int /*pool*/) {}
  // An instance crashes: the work on it fails now, before the fleet forgets it.
  virtual void on_instance_crashing(int /*pool*/, int /*instance*/) {}
  // A rolling restart of `pool` replaced its last outdated instance. True when the
  // listener owns the restart (a deployment's); otherwise it was a vertical resize.
  virtual bool on_rolling_finished(int /*pool*/) { return false; }
  // Every green (blue-green) instance of `service` is ready.
  virtual void on_green_fleet_ready(int /*service*/) {}
};

// The figures a scaling evaluation reads for one pool: integrals since its last one.
struct PoolEvalWindow {
  double busy_slot_us = 0, ready_slot_us = 0, memory_used_mb_us = 0, memory_ready_mb_us = 0;
};

class Fleet : public Component {
 public:
  Fleet(Engine& engine, const Scenario& scenario, MetricRegistry& registry, EventLog& log);
  // Per service: how many pools it has (its shared one, plus one per dedicated or physical
  // tenant that uses it).
  static std::vector<int> pools_per_service(const Scenario& s);
  // The bytes of every instance the services may have at their maximum size.
  static double estimated_bytes(const Scenario& s);
  void on_event(std::uint16_t kind, std::uint32_t target) override;
  void add_listener(FleetListener* l) { listeners_.push_back(l); }
  // Logs pool_created for each pool that is not simply the service's shared one.
  void log_pools();

  // [SECTION] Pools and listeners
  std::size_t pool_count() const { return pools_.size(); }
  int pool_of(int tenant, int service) const { return pool_index_[cell(tenant, service)]; }
  int flow_of(int tenant, int service) const { return flow_index_[cell(tenant, service)]; }
  std::size_t flow_count(int pool) const { return pool_at(pool).flows; }
  int service_of(int pool) const { return pool_at(pool).service; }
  int owner_of(int pool) const { return pool_at(pool).owner_tenant; }  // -1: the shared pool

  struct PoolView {
    int service = 0;
    int owner_tenant = -1;  // -1: the shared pool
    int instances = 0, ready_instances = 0, starting_instances = 0, draining_instances = 0, busy_slots = 0,
        total_slots = 0;
    std::size_t flows = 0;  // fair-queueing flows (1 + namespace tenants) in a shared pool
    double size_factor = 1;  // the size new instances get
    bool rolling_restart = false;
    int rolling_replaced = 0;  // old-size instances replaced so far in this restart
    double cost_usd_per_hour = 0;  // every live instance's cost rate now
    // What the executions running on ready instances hold of their cores and memory.
    double cores_held = 0, cores_ready = 0, memory_held_mb = 0, memory_ready_mb = 0;
    bool resources_bind = false;  // cores or memory can run out before slots
  };
  PoolView pool_view(int pool) const;
  struct InstanceView {
    InstanceState state;
    int busy_slots;
    int slots;
    double size_factor;
    int version;
  };
  // The live instances of a pool, in slot order.
  std::vector<InstanceView> pool_instances(int pool) const;

  // [SECTION] Work on instances
  bool has_free_slot(int pool) const { return pool_at(pool).free_slots > 0; }
  int busy_slots(int pool) const { return pool_at(pool).busy_slots; }
  // Least connections: the ready instance with the fewest busy slots among those with a free
  // slot and room for the demand's cores and memory, lowest index on ties; -1 when none.
  int pick_instance(int pool, const ExecutionDemand& d) const;
  // Whether cores or memory can run out before slots on the pool's instances.
  bool resources_bind(int pool) const { return pool_at(pool).resources_bind; }
  void take_slot(int pool, int instance, const ExecutionDemand& d);
  // Frees the slot; a draining instance left idle is retired.
  void release_slot(int pool, int instance, const ExecutionDemand& d);
  // A request on the instance has done its own work and waits for its calls, keeping its
  // slot and memory (thread per request) but not its cores, which a blocked thread does not
  // use. cpu_utilization counts only the slots working; slot_utilization every slot held.
  // When its calls have ended it gives back its slot and memory.
  void wait_for_calls(int pool, int instance, const ExecutionDemand& d);
  void release_waiting_slot(int pool, int instance, const ExecutionDemand& d);
  int instance_version(int pool, int instance) const { return pool_at(pool).instances[static_cast<std::size_t>(instance)].version; }

  // [SECTION] Sizes, resizes and rolling restarts
  // Starting and ready instances: the pool's size as scaling sees it (draining ones are on
  // their way out, a rolling restart's surge instance replaces one already counted, and a
  // blue-green deployment's new fleet does not count before the switch).
  int serving_instances(int pool) const;
  int ready_instances(int pool) const { return pool_at(pool).ready_instances; }
  int serving_instances_of_service(int service) const;
  // The pool's size factors ({1} without a vertical policy) and the index of the size new
  // instances get.
  const std::vector<double>& size_factors(int pool) const { return pool_at(pool).size_factors; }
  int size(int pool) const { return pool_at(pool).size; }
  bool rolling(int pool) const { return pool_at(pool).rolling; }
  int slots_for(int pool, int size) const;
  // Sets the pool's size (clamped to the service's [min, max]). Returns (from, to); no
  // change when they are equal.
  std::pair<int, int> resize(int pool, int target);
  // Vertical scaling: new instances get size index `to`; a rolling restart (one surge
  // instance at a time, then an old one drains) replaces the others.
  void set_instance_size(int pool, int to) { mutable_pool(pool).size = to; }
  // Starts the rolling restart of a vertical resize unless one is under way (logged as
  // rolling_restart_started), and advances it.
  void roll_to_size(int pool);
  // The service's ready instances crash: `count` of them, or `fraction` rounded to the
  // nearest whole one, spread over its pools. Returns how many crashed.
  int crash(int service, int count, double fraction);
  // Starts up to `count` instances of the service, pool by pool, while a pool has fewer
  // than the service's initial count. Returns how many started.
  int restart(int service, int count);
  // A capacity_loss fault: each instance of the service keeps `percent` of its slots.
  // Returns the slots an instance of the current size now has.
  int set_capacity_percent(int service, double percent);

  // [SECTION] Releases (deployments)
  // The release new instances of the service run, and the rolling update that brings the
  // others to it (not started: advance_rolling does that).
  void set_release(int service, int version, int max_surge, int max_unavailable);
  void advance_rolling(int pool);
  int pool_version(int pool) const { return pool_at(pool).version; }
  // Blue-green: a green instance for each serving one of the service, on `version`, out of
  // service until all are ready. Returns how many started.
  int start_green_fleet(int service, int version);
  // The switch: green instances take traffic and the others stand by, draining but kept up.
  // Returns (switched, standing by).
  std::pair<int, int> switch_to_green(int service, int version);
  void retire_standby(int service);
  void cancel_green(int service);
  // Back to the old fleet after a switch: it takes traffic again and `version` drains.
  void switch_back(int service, int previous_version, int version);
  // Every pool and instance of the service runs `version` from now on.
  void promote(int service, int version);
  // Live, not draining instances of the service: (those on `version`, the others).
  std::pair<int, int> instances_by_version(int service, int version) const;

  // [SECTION] Gauges
  void integrate_load(int pool);
  void integrate_fleet(int pool);
  void integrate_all();
  // What has accrued since each pool's last integration, per service, without changing
  // anything (for a summary read mid-interval).
  void accrue_pending(std::vector<WindowCounters>& per_service) const;
  // The new scrape windows' maxima start from the instances live now.
  void reseed_window_maxima();
  // The pool's integrals since the last call (the scaling loop's evaluation window).
  PoolEvalWindow take_eval_window(int pool);
  void set_scaled(int pool) { mutable_pool(pool).scaled = true; }

  // Checks the pool and instance counts against the instances, the busy slots against
  // `busy_by_pool` (requests in service), and each size against [min, max]
  // (`crash_active(service)` allows below min). Throws InvariantViolation.
  void check_invariants(SimTime now, const std::vector<int>& busy_by_pool,
                        const std::vector<double>& memory_by_pool, const std::function<bool(int)>& crash_active) const;

 private:
  friend struct InvariantTestAccess;  // tests break the counts on purpose
  enum Kind : std::uint16_t { kInstanceReady };

  struct Instance {
    int busy_slots = 0;
    int waiting_slots = 0;  // of the busy ones, held by requests waiting for their calls
    double memory_used_mb = 0;  // held by the executions running on it
    std::int64_t cpu_used_millicores = 0;
    int slots = 0;  // usable slots: concurrency x its size factor, less a capacity_loss fault
    std::int64_t cpu_millicores = 0;  // cpu_cores x its size factor
    double memory_mb = 0;  // memory_mb x its size factor
    int size = 0;   // index into the pool's size_factors
    InstanceState state = InstanceState::ready;
    bool surge = false;  // started by a rolling restart to replace an old-size instance
    int version = 0;  // the release it runs (see deployments)
    bool green = false;  // blue-green: started for the new fleet, held out of service until the switch
    bool warm = false;   // a green instance whose startup is over
    bool standby = false;  // blue-green: the old fleet after the switch, draining but kept up
    std::uint32_t generation = 0;  // tells a stale "ready" event from the current one
  };

  struct Pool {
    int service = 0;
    WindowCounters* window = nullptr;  // the service's metric window, where the gauges' integrals go
    int owner_tenant = -1;
    std::size_t flows = 1;
    std::vector<Instance> instances;
    int busy_slots = 0, ready_slots = 0, ready_instances = 0;
    int waiting_slots = 0;  // busy slots whose requests wait for their calls (no CPU)
    int live_instances = 0;  // starting, ready or draining
    // Vertical scaling: the sizes a vertical policy steps through ({1} without one), the
    // size new instances get, and a rolling restart's progress towards it.
    std::vector<double> size_factors;
    int size = 0;
    bool resources_bind = false;  // cores or memory may run out before slots (see the file comment)
    double capacity_percent = 100;  // of each instance's slots (a capacity_loss fault lowers it)
    int surge_starting = 0;  // rolling restart: new-size instances starting to replace old ones
    int green_instances = 0;  // blue-green: new-fleet instances not switched in yet
    // The release new instances run; a rolling restart replaces instances whose size or
    // version differs, rolling_max_surge / rolling_max_unavailable at a time.
    int version = 0;
    int rolling_max_surge = 1, rolling_max_unavailable = 0;
    bool rolling = false;
    int rolling_replaced = 0;
    SimTime rolling_since = 0;
    int free_slots = 0;  // slots of ready instances free for new work
    double memory_used_mb = 0;
    // Set when the fleet changes, so that accruing gauges per request costs no division.
    double memory_ready_mb = 0;  // memory of ready instances
    double cost_usd_per_us = 0;  // every instance's cost, starting ones included
    SimTime integrated_until = 0, fleet_integrated_until = 0;
    // Since the pool's last scaling evaluation (kept only when a scaling section evaluates it).
    PoolEvalWindow eval;
    bool scaled = false;
  };
  struct PendingStart {
    int pool, instance;
    std::uint32_t generation;
  };

  const Pool& pool_at(int i) const { return pools_[static_cast<std::size_t>(i)]; }
  Pool& mutable_pool(int i) { return pools_[static_cast<std::size_t>(i)]; }
  std::size_t cell(int tenant, int service) const {
    return static_cast<std::size_t>(tenant) * scenario_.services.size() + static_cast<std::size_t>(service);
  }
  static bool outdated(const Pool& p, const Instance& in) { return in.size != p.size || in.version != p.version; }
  int add_pool(int service, int owner);
  template <bool kCheckResources>
  static int least_connections(const Pool& p, const ExecutionDemand& d);
  void set_size(Instance& in, int pool, int size) const;
  int start_instance(int pool);  // returns the instance's slot
  void on_instance_ready(std::uint32_t pending);
  void make_ready(int pool, int instance);
  void drain_instance(int pool, int instance);
  void retire_if_idle(int pool, int instance);
  void crash_instance(int pool, int instance);
  void set_pool_capacity_percent(int pool, double percent);
  void fleet_changed(int pool);
  void rolling_finished(int pool);
  void accrue_load(const Pool& p, SimDuration dt, WindowCounters& w) const;
  void accrue_fleet(const Pool& p, SimDuration dt, WindowCounters& w) const;

  Engine& engine_;
  std::uint16_t id_;
  const Scenario& scenario_;
  MetricRegistry& registry_;
  EventLog& log_;
  std::vector<FleetListener*> listeners_;
  std::vector<Pool> pools_;
  std::vector<int> pool_index_, flow_index_;  // [tenant x service] -> pool, flow in it
  std::vector<PendingStart> pending_starts_;  // targets of kInstanceReady events
  std::vector<std::uint32_t> free_starts_;  // entries of pending_starts_ whose event has run
};

// [SECTION] Work on instances: the request path calls these for every request.

inline int Fleet::pick_instance(int pool_id, const ExecutionDemand& d) const {
  const Pool& p = pool_at(pool_id);
  return p.resources_bind ? least_connections<true>(p, d) : least_connections<false>(p, d);
}

template <bool kCheckResources>
int Fleet::least_connections(const Pool& p, const ExecutionDemand& d) {
  // Written as selects rather than branches: which instance wins is data, and a
  // mispredicted branch per instance showed in profiles.
  constexpr int kNone = std::numeric_limits<int>::max();
  int best = -1, best_busy = kNone;
  for (std::size_t i = 0; i < p.instances.size(); ++i) {
    const Instance& in = p.instances[i];
    bool free = (in.state == InstanceState::ready) & (in.busy_slots < in.slots);
    if (kCheckResources)
      free = free & (in.cpu_used_millicores + d.cpu_millicores <= in.cpu_millicores) &
             (in.memory_used_mb + d.memory_mb <= in.memory_mb);
    const int busy = free ? in.busy_slots : kNone;
    const bool better = busy < best_busy;
    best = better ? static_cast<int>(i) : best;
    best_busy = better ? busy : best_busy;
    if (best_busy == 0) break;  // nothing beats an idle instance
  }
  return best;
}

inline void Fleet::integrate_load(int pool_id) {
  Pool& p = mutable_pool(pool_id);
  const SimDuration dt = engine_.now() - p.integrated_until;
  if (dt <= 0) return;
  accrue_load(p, dt, *p.window);
  if (p.scaled) {
    const double dtd = static_cast<double>(dt);
    p.eval.busy_slot_us += (p.busy_slots - p.waiting_slots) * dtd;
    p.eval.memory_used_mb_us += p.memory_used_mb * dtd;
  }
  p.integrated_until = engine_.now();
}

inline void Fleet::accrue_load(const Pool& p, SimDuration dt, WindowCounters& w) const {
  const double dtd = static_cast<double>(dt);
  w.busy_slot_us += (p.busy_slots - p.waiting_slots) * dtd;
  w.held_slot_us += p.busy_slots * dtd;
  w.memory_used_mb_us += p.memory_used_mb * dtd;
}

inline void Fleet::take_slot(int pool_id, int instance, const ExecutionDemand& d) {
  integrate_load(pool_id);
  Pool& p = mutable_pool(pool_id);
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  in.busy_slots++;
  in.memory_used_mb += d.memory_mb;
  in.cpu_used_millicores += d.cpu_millicores;
  p.busy_slots++;
  p.free_slots--;
  p.memory_used_mb += d.memory_mb;
}

inline void Fleet::release_slot(int pool_id, int instance, const ExecutionDemand& d) {
  integrate_load(pool_id);
  Pool& p = mutable_pool(pool_id);
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  in.busy_slots--;
  in.memory_used_mb -= d.memory_mb;
  in.cpu_used_millicores -= d.cpu_millicores;
  p.busy_slots--;
  p.free_slots += (in.state == InstanceState::ready) & (in.busy_slots < in.slots);  // no branch: data
  p.memory_used_mb -= d.memory_mb;
  if (in.state == InstanceState::draining) retire_if_idle(pool_id, instance);
}

}  // namespace opsim
