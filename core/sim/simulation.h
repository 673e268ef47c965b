// The simulation of one scenario: the event loop, the request path and the fleet.
//
// Step-wise control for the UI (run_until, step) and run-to-end for the runner. State is
// bounded by the scenario's size: requests in flight, queues, and `retention` of samples.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "context/context_engine.h"
#include "engine/event_queue.h"
#include "engine/ring_queue.h"
#include "monitoring/alert_rules.h"
#include "monitoring/notifications.h"
#include "scaling/hpa.h"
#include "scaling/predictive.h"
#include "scaling/threshold.h"
#include "engine/random.h"
#include "metrics/registry.h"
#include "scenario/scenario.h"
#include "sim/observer.h"
#include "sre/incidents.h"
#include "sre/slo.h"
#include "tenancy/resource_monitor.h"

namespace opsim {

class Simulation {
 public:
  // `seed` replaces the scenario's seed (the runner's --seed); the scenario is copied.
  Simulation(const Scenario& scenario, std::uint64_t seed);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // The observer first receives the events logged so far (those still in recent_events).
  void add_observer(SimObserver* observer);

  // Processes every event up to and including time t (capped at the end), then sets the
  // clock to t.
  void run_until(SimTime t);
  // Processes one event; false when nothing is left before the end.
  bool step();
  void run() { run_until(end_time()); }

  SimTime now() const { return now_; }
  SimTime end_time() const { return scenario_.duration; }
  bool finished() const { return now_ >= end_time(); }
  std::uint64_t seed() const { return seed_; }
  std::uint64_t events_processed() const { return events_processed_; }
  const Scenario& scenario() const { return scenario_; }
  const MetricRegistry& metrics() const { return registry_; }
  const SeriesStore& series() const { return series_; }
  // Every column's value over the run so far (the summary.json "metrics" map).
  std::vector<double> summary_values() const;
  // The most recent logged events (at most kRecentEvents), oldest first.
  const std::deque<LogEvent>& recent_events() const { return recent_events_; }
  static constexpr std::size_t kRecentEvents = 5000;

  // Fleet state for the UI. A service's instances form pools: the shared pool serves the
  // tenants with isolation shared and namespace; each dedicated or physical tenant using
  // the service has a pool of its own.
  struct PoolView {
    int service = 0;
    int owner_tenant = -1;  // -1: the shared pool
    int instances = 0, ready_instances = 0, starting_instances = 0, draining_instances = 0, busy_slots = 0,
        total_slots = 0;
    std::size_t queue_length = 0;
    std::size_t flows = 0;  // fair-queueing flows (1 + namespace tenants) in a shared pool
    double size_factor = 1;  // the size new instances get
    bool rolling_restart = false;
    int rolling_replaced = 0;  // old-size instances replaced so far in this restart
    double cost_usd_per_hour = 0;  // every live instance's cost rate now
  };
  std::size_t pool_count() const { return pools_.size(); }
  PoolView pool_view(int pool) const;
  // starting (for the service's `startup`) -> ready -> draining (finishes its work, takes
  // none) -> gone; a gone slot is reused by the next instance started.
  enum class InstanceState { starting, ready, draining, gone };
  struct InstanceView {
    InstanceState state;
    int busy_slots;
    int slots;
    double size_factor;
  };
  // The live instances of a pool, in slot order.
  std::vector<InstanceView> pool_instances(int pool) const;
  // Changes a pool's size now (scaling, and the UI's what-if): new instances start and
  // become ready after the service's startup; removed ones drain.
  void scale_pool(int pool, int target, const std::string& reason) { resize_pool(pool, target, "manual", reason); }
  // The pool that serves a tenant's requests for a service.
  int pool_of(int tenant, int service) const {
    return pool_index_[static_cast<std::size_t>(tenant) * scenario_.services.size() + static_cast<std::size_t>(service)];
  }
  // A tenant's quota use right now (the admission check's view).
  const QuotaUsage& tenant_usage(int tenant) const { return monitors_[static_cast<std::size_t>(tenant)].usage(); }
  bool tenant_within_quota(int tenant) const { return monitors_[static_cast<std::size_t>(tenant)].within_quota(); }
  // Context assembly, for the UI's inspector.
  const ContextEngine& context() const { return context_; }
  const OperationalSnapshot& operational_snapshot() const { return operational_; }
  // Alerts, for the UI.
  const AlertEvaluator& alerts() const { return alerts_; }
  // SLOs (one tracker and one set of burn-rate alerts per scenario SLO), for the UI and
  // the report.
  const std::vector<sre::SloTracker>& slos() const { return slos_; }
  const std::vector<sre::BurnRateAlerts>& slo_alerts() const { return slo_alerts_; }
  // Incident management, when the scenario has an `incidents` section (null otherwise).
  const sre::IncidentManager* incidents() const { return incidents_.get(); }
  // What-if: a rule's new condition, effective from the next scrape (logged as
  // rule_changed).
  void update_alert_rule(std::size_t rule, const RuleSpec& spec);

  // Scaling, for the UI and the scaling report. Each scaling section has a scaler per pool
  // of its service.
  struct ScalingRecord {
    SimTime at = 0;
    int pool = 0;
    std::string kind;  // scale_out, scale_in, scale_up, scale_down
    double from = 0, to = 0;  // instance counts, or size factors for scale_up / scale_down
    std::string policy, reason;
  };
  // The last kScalingRecords decisions carried out, oldest first.
  const std::deque<ScalingRecord>& scaling_records() const { return scaling_records_; }
  static constexpr std::size_t kScalingRecords = 2000;
  // Decisions carried out per pool, over the whole run.
  struct PoolScalingStats {
    int scale_out = 0, scale_in = 0, scale_up = 0, scale_down = 0, predictive = 0;
    SimTime last_at = -1;
    std::vector<std::pair<std::string, int>> by_policy;  // policy id -> decisions
  };
  const PoolScalingStats& pool_scaling_stats(int pool) const { return pool_stats_[static_cast<std::size_t>(pool)]; }
  struct ScalerView {
    int pool = 0;
    std::size_t section = 0;  // index into scenario().scaling
    const scaling::PredictiveEngine* predictive = nullptr;  // null without one
    std::string last_note;  // why the last evaluation changed nothing (or what it did)
  };
  std::size_t scaler_count() const { return scalers_.size(); }
  ScalerView scaler_view(std::size_t i) const;
  // What-if: scaling section `section`'s new figures from now on: thresholds, cooldowns,
  // periods and increments of threshold policies; target, tolerance and behaviour of
  // target-tracking ones; predictive settings (method, threshold, confidence, lead,
  // horizon, enabled); the cap and cost optimisation. Policies are matched by id; kinds,
  // triggers, directions and sizes are the scenario's. Logged as policy_changed.
  void update_scaling(std::size_t section, const ScalingSpec& spec);

 private:
  enum EventKind : std::uint32_t {
    kArrival, kContextDone, kWorkDone, kQueueTimeout, kScrape, kFaultStart, kFaultEnd, kInstanceReady, kNotify, kScalingEval
  };

  enum class Failure { queue_full, timeout, agent_error, execution_limit, context, instance_crash };

  struct Request {
    SimTime arrival = 0;
    SimTime enqueued = 0;
    std::int32_t tenant = 0, agent = 0, service = 0, pool = 0, flow = 0, instance = -1, user = -1;
    bool admitted = false;  // holds a reservation in its tenant's ResourceMonitor
    bool cut_off = false;  // its work outlasts the tenant's max_execution_time
    bool no_context = false;  // every context provider consulted failed
    bool crashed = false;  // its instance crashed: already failed, its work event is stale
    bool in_service = false;  // working on an instance
  };

  struct Instance {
    int busy_slots = 0;
    int slots = 0;  // usable slots: concurrency x its size factor, less a capacity_loss fault
    int size = 0;   // index into the pool's size_factors
    InstanceState state = InstanceState::ready;
    bool surge = false;  // started by a rolling restart to replace an old-size instance
    std::uint32_t generation = 0;  // tells a stale "ready" event from the current one
  };

  struct Pool {
    int service = 0;
    int owner_tenant = -1;
    std::vector<Instance> instances;
    int busy_slots = 0, ready_slots = 0, ready_instances = 0;
    int live_instances = 0;  // starting, ready or draining
    // Vertical scaling: the sizes a vertical policy steps through ({1} without one), the
    // size new instances get, and a rolling restart's progress towards it.
    std::vector<double> size_factors;
    int size = 0;
    double capacity_percent = 100;  // of each instance's slots (a capacity_loss fault lowers it)
    int surge_starting = 0;  // rolling restart: new-size instances starting to replace old ones
    bool rolling = false;
    int rolling_replaced = 0;
    SimTime rolling_since = 0;
    int free_slots = 0;  // slots of ready instances free for new work
    double memory_used_mb = 0;
    // Set when the fleet changes, so that accruing gauges per request costs no division.
    double memory_ready_mb = 0;  // memory of ready instances
    double cost_usd_per_us = 0;  // every instance's cost, starting ones included
    // Waiting requests: one FIFO per flow (flow 0: shared tenants; one per namespace
    // tenant), served round robin so that one namespace tenant cannot starve another.
    std::vector<RingQueue<std::uint32_t>> flows;
    std::size_t queued = 0;
    std::size_t next_flow = 0;
    bool timeout_pending = false;
    SimTime integrated_until = 0, fleet_integrated_until = 0;
    // Since the pool's last scaling evaluation: integrals for its own utilisation and queue.
    double eval_busy_slot_us = 0, eval_ready_slot_us = 0, eval_memory_used_mb_us = 0, eval_memory_ready_mb_us = 0,
           eval_queue_len_us = 0;
    std::uint64_t eval_arrivals = 0;
    SimTime eval_since = 0;
    bool scaled = false;  // a scaling section evaluates this pool (only then the above are kept)
    bool queue_full_episode = false;
    std::uint64_t refused_in_episode = 0;
  };

  struct ArrivalStream {
    int tenant = 0, agent = 0;
    const LoadSpec* load = nullptr;
    Rng rng{1};
  };

  // [request path] arrival -> admission -> (context) -> dispatch -> work -> finish
  void on_arrival(std::uint32_t stream);
  bool admit(std::uint32_t request);
  void assemble_context(std::uint32_t request);
  void on_context_done(std::uint32_t request);
  void dispatch(std::uint32_t request);
  void start_work(std::uint32_t request, int instance);
  void on_work_done(std::uint32_t request);
  void succeed(std::uint32_t request);
  void fail(std::uint32_t request, Failure why);
  void finish(std::uint32_t request);

  void build_pools();
  void schedule_faults();
  void on_fault(std::uint32_t fault, bool start);
  // The fleet: resizing a pool, one instance at a time.
  void resize_pool(int pool, int target, const std::string& policy, const std::string& reason);
  int start_instance(int pool);  // returns the instance's slot
  void on_instance_ready(std::uint32_t pending);
  void drain_instance(int pool, int instance);
  void retire_if_idle(int pool, int instance);
  void crash_instance(int pool, int instance);
  std::vector<int> crashed_by_fault_;  // per fault: instances it took down, restarted at its end
  std::vector<double> fault_error_percent_;  // per agent: added by `errors` faults now
  std::vector<SimDuration> fault_added_us_;  // per agent: work time added by `latency` faults now
  int slots_for(const Pool& p, int size) const;
  void set_capacity_percent(int pool, double percent);
  // Vertical scaling: new instances get size `to`; a rolling restart replaces the others
  // one at a time (a surge instance starts, and when it is ready an old one drains).
  void resize_instances(int pool, int to, const std::string& policy, const std::string& reason);
  void advance_rolling(int pool);
  void fleet_changed(int pool);
  int pick_user(int tenant);
  void schedule_next_arrival(std::uint32_t stream, SimTime from);
  void pull_from_queue(int pool);
  std::uint32_t pop_next_queued(Pool& p);
  void on_queue_timeout(int pool);
  void arm_queue_timeout(int pool);
  void on_scrape();
  // Time integrals of the gauges: those that move with every request (busy slots, memory
  // in use, queue length) and those that move only when the fleet changes (ready slots,
  // ready memory, cost), each brought up to now before its gauge changes; and each
  // tenant's quota use.
  void integrate(int pool);
  void integrate_fleet(int pool);
  void integrate_tenant(int tenant);
  void accrue_load(int pool, SimDuration dt, WindowCounters& w) const;
  void accrue_fleet(int pool, SimDuration dt, WindowCounters& w) const;
  void accrue_tenant(int tenant, SimDuration dt, WindowCounters& w) const;
  int pick_instance(const Pool& p) const;
  void log(const std::string& kind, const std::string& json_fields);
  void handle(const Event& e);
  std::size_t run_batch(SimTime t, std::size_t max_events);
  std::size_t (Simulation::*run_batch_)(SimTime, std::size_t) = &Simulation::run_batch;

  Scenario scenario_;
  std::uint64_t seed_;
  EventQueue events_;
  SimTime now_ = 0;
  std::uint64_t events_processed_ = 0;

  std::vector<Request> requests_;
  std::vector<std::uint32_t> free_requests_;
  std::vector<Pool> pools_;
  std::vector<int> pool_index_, flow_index_;  // [tenant x service] -> pool, flow in it
  std::vector<ArrivalStream> streams_;
  std::vector<Rng> work_rng_, error_rng_;  // per agent
  std::vector<Rng> user_rng_;  // per tenant
  struct PendingStart {
    int pool, instance;
    std::uint32_t generation;
  };
  std::vector<PendingStart> pending_starts_;  // targets of kInstanceReady events
  std::vector<ResourceMonitor> monitors_;  // per tenant
  std::vector<SimTime> tenant_integrated_until_;
  std::int64_t queued_total_ = 0;
  ContextEngine context_;
  // Monitoring: alert rules evaluated at every scrape, and their notifications.
  AlertEvaluator alerts_;
  Notifier notifier_;
  std::vector<int> rule_column_;  // per rule: its time-series column, -1 when not measured
  SimTime notify_at_ = -1;  // the pending kNotify event's time, -1 when none
  void evaluate_alerts();
  // SLOs: each scrape records the interval's good and total events and evaluates the
  // burn-rate alerts.
  std::vector<sre::SloTracker> slos_;
  std::vector<sre::BurnRateAlerts> slo_alerts_;
  std::vector<int> latency_slos_;  // indices of latency SLOs
  std::vector<std::uint64_t> slo_fast_;  // per SLO: successes within its threshold since the last scrape
  void setup_slos();
  void evaluate_slos();
  // Incidents: fed every alert transition, fault and scaling decision, and at each scrape
  // each service's signals for the interval.
  std::unique_ptr<sre::IncidentManager> incidents_;
  struct UserCounts {
    std::uint32_t completed = 0, failed = 0;
  };
  std::vector<std::vector<UserCounts>> interval_users_;  // per service, per user slot (incidents only)
  std::vector<std::size_t> user_slot_base_;  // per tenant: its first user slot (a tenant without users has one)
  std::vector<std::vector<double>> healthy_p95_;  // per service: the smoothed p95 of recent healthy intervals
  std::vector<double> p95_smoothed_ms_;  // per service: interval p95s, exponentially smoothed
  void count_user(const Request& r, bool failed);
  std::vector<sre::ServiceSignals> incident_signals();
  void on_incident_transitions(const std::vector<sre::IncidentTransition>& ts);
  void on_alert_for_incidents(const sre::AlertInfo& a);
  void on_notify();
  // Autoscaling: each scaling section's controllers for each pool of its service (a
  // dedicated pool scales on its own figures).
  struct PoolScaler {
    int pool = 0;
    const ScalingSpec* spec = nullptr;
    std::unique_ptr<scaling::ThresholdScaler> threshold;
    std::unique_ptr<scaling::ThresholdScaler> vertical;  // vertical policies, on size steps
    std::vector<std::unique_ptr<scaling::HpaController>> hpa;  // target_tracking policies
    std::unique_ptr<scaling::PredictiveEngine> predictive;
  };
  std::vector<PoolScaler> scalers_;
  std::vector<std::string> scaler_notes_;  // per scaler: the last evaluation's note
  std::deque<ScalingRecord> scaling_records_;
  std::vector<PoolScalingStats> pool_stats_;  // per pool
  void record_scaling(int pool, const std::string& kind, double from, double to, const std::string& policy,
                      const std::string& reason);
  void setup_scaling();
  static int serving_instances(const Pool& p);
  void on_scaling_eval(std::uint32_t scaler);
  OperationalSnapshot operational_;  // the last scrape's figures, for the operational provider

  MetricRegistry registry_;
  SeriesStore series_;
  SimTime last_scrape_ = 0;
  std::vector<double> row_;
  std::vector<SimObserver*> observers_;
  std::deque<LogEvent> recent_events_;
};

}  // namespace opsim
