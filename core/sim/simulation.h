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
#include "sim/load_model.h"
#include "sim/observer.h"
#include "sre/canary.h"
#include "sre/chaos.h"
#include "sre/incidents.h"
#include "sre/slo.h"
#include "tenancy/resource_monitor.h"

namespace opsim {

class InvariantChecker;

class Simulation {
 public:
  // `seed` replaces the scenario's seed (the runner's --seed); the scenario is copied.
  Simulation(const Scenario& scenario, std::uint64_t seed);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;
  ~Simulation();

  // The invariant checker (sim/invariants.h) runs at every scrape unless turned off; a
  // broken invariant throws InvariantViolation. On by default: it costs about one pass
  // over the fleet and the requests in flight per scrape.
  void set_invariant_checks(bool on);
  std::uint64_t invariant_checks() const;  // checks run so far

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
  // A service's status (healthy, degraded, partial outage, major outage) from its last
  // scrape interval's signals, by the rules of sre/incidents.h; measured in every run.
  const sre::StatusAssessment& service_status(int service) const {
    return service_status_[static_cast<std::size_t>(service)];
  }
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
    EventKind kind = EventKind::scale_out;  // scale_out, scale_in, scale_up, scale_down
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

  // Deployments (simulation_changes.cpp). Version 0 is what the scenario describes;
  // deployment d ships version d + 1, whose requests fail `error_percent` more often and
  // whose work takes `latency_factor` times as long. One rollout per service at a time; a
  // deployment due while another runs on its service waits for it.
  //   rolling: instances replaced max_surge / max_unavailable at a time (Kubernetes'
  //     RollingUpdate), no analysis: a bad release is caught by SLOs and incidents.
  //   canary: a traffic router sends each step's share of the service's requests to the
  //     new version (its replicas are taken to scale with that share, so capacity and cost
  //     are the fleet's); each step lasts step_duration and ends with an analysis against
  //     the baseline (sre/canary.h); a failed one rolls back when auto_rollback is set;
  //     after the 100 % step the new version is the stable one.
  //   blue_green: a second fleet of the same size starts on the new version and takes no
  //     traffic until all of it is ready; then traffic switches at once and the old fleet
  //     stands by, idle but paid for, for one step_duration while the new one is analysed
  //     like a canary step; a failure switches back.
  // An incident opened on a service whose latest deployment began within
  // kSuspectDeploymentWindow before it was detected (and was not rolled back) gets that
  // deployment rolled back by its response, kRollbackDecisionDelay after opening, if the
  // incident is still open then.
  static constexpr SimDuration kSuspectDeploymentWindow = 2 * kMicrosPerHour;
  static constexpr SimDuration kRollbackDecisionDelay = 10 * kMicrosPerMinute;
  struct DeploymentView {
    const DeploymentSpec* spec = nullptr;
    std::string phase;  // scheduled, waiting, rolling, canary, warming, baking, completed, rolled_back
    int step = -1;  // canary: the current step's index
    double weight_percent = 0;  // the new version's share of traffic now
    int new_instances = 0, old_instances = 0;  // live and not draining, in the service's pools
    SimTime started_at = -1, finished_at = -1;
    std::string outcome;  // why it completed or was rolled back
    std::vector<sre::CanaryAnalysis> analyses;
  };
  std::size_t deployment_count() const { return rollouts_.size(); }
  DeploymentView deployment_view(std::size_t d) const;
  // Whether rollback_deployment(d) would act: it started, is not waiting, was not rolled
  // back, and is still its service's release (or its canary / warm-up is under way).
  bool can_roll_back(std::size_t d) const;
  // What-if: roll deployment d back now (a no-op unless can_roll_back(d)).
  void rollback_deployment(std::size_t d, const std::string& reason);

  // Chaos experiments: the scenario's, then those started from the UI.
  struct ChaosView {
    const ChaosSpec* spec = nullptr;
    const sre::ChaosResult* result = nullptr;
    int step = -1;  // the method step running now, -1 when none
  };
  std::size_t chaos_count() const { return chaos_.size(); }
  ChaosView chaos_view(std::size_t i) const;
  // What a chaos probe reads now: the mean of its metric's scrape samples in
  // (now - window, now] (a dashboard's avg_over_time); NaN without a sample.
  double probe_value(const ProbeSpec& p) const;
  // What-if: the safety checks an experiment would face if it started now (empty: safe).
  std::vector<std::string> check_chaos_safety(const ChaosSpec& c) const;
  // Starts an experiment now (its `at` is ignored); returns its index.
  std::size_t start_chaos(const ChaosSpec& c);
  // What-if: a fault that starts now and lasts its duration (-1: to the end).
  void inject_fault(const FaultSpec& f);

 private:
  friend class InvariantChecker;
  friend struct InvariantTestAccess;  // tests break the state on purpose to see each check fire
  std::unique_ptr<InvariantChecker> invariants_;

  enum ScheduledKind : std::uint32_t {
    kArrival, kContextDone, kWorkDone, kQueueTimeout, kScrape, kFaultStart, kFaultEnd, kInstanceReady, kNotify, kScalingEval,
    kDeployStart, kDeployTimer, kDeployRollback, kChaosStep
  };

  enum class Failure { queue_full, timeout, agent_error, execution_limit, context, instance_crash };

  // A request in flight, 40 bytes: the indices fit the loader's limits (2,000 tenants, 1,000
  // agents, 200 services, 10,000 users per tenant); pools and instances may be more.
  struct Request {
    SimTime arrival = 0;
    SimTime enqueued = 0;
    std::int32_t pool = 0, instance = -1;
    std::int16_t tenant = 0, agent = 0, service = 0, flow = 0, user = -1;
    std::int16_t version = -1;  // the version that served it, -1 before it reached an instance
    bool admitted : 1;  // holds a reservation in its tenant's ResourceMonitor
    bool cut_off : 1;  // its work outlasts the tenant's max_execution_time
    bool no_context : 1;  // every context provider consulted failed
    bool crashed : 1;  // its instance crashed: already failed, its work event is stale
    bool in_service : 1;  // working on an instance
    Request() : admitted(false), cut_off(false), no_context(false), crashed(false), in_service(false) {}
  };

  struct Instance {
    int busy_slots = 0;
    int slots = 0;  // usable slots: concurrency x its size factor, less a capacity_loss fault
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
    LoadRateMemo memo;  // the rate's factors at the last candidate time (thinning's next bound starts there)
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
  static bool outdated(const Pool& p, const Instance& in) { return in.size != p.size || in.version != p.version; }
  void make_ready(int pool, int instance);
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
  void log_refusals();
  std::vector<std::uint64_t> refused_in_episode_;  // per tenant: admissions refused in the current episode
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
  void log(EventKind kind, EventFields fields);
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
  std::vector<double> user_weight_total_;  // per tenant: its users' weights summed
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
  std::vector<std::vector<UserCounts>> interval_users_;  // per service, per user slot
  std::vector<std::size_t> user_slot_base_;  // per tenant: its first user slot (a tenant without users has one)
  std::vector<std::vector<double>> healthy_p95_;  // per service: the smoothed p95 of recent healthy intervals
  std::vector<std::vector<double>> healthy_sorted_;  // per service: the same values, ascending (for their median)
  std::vector<double> p95_smoothed_ms_;  // per service: interval p95s, exponentially smoothed
  std::vector<sre::StatusAssessment> service_status_;  // per service, from the last scrape
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
  void record_scaling(int pool, EventKind kind, double from, double to, const std::string& policy,
                      const std::string& reason);
  void setup_scaling();
  static int serving_instances(const Pool& p);
  void on_scaling_eval(std::uint32_t scaler);
  // Deployments (simulation_changes.cpp).
  struct VersionBehaviour {
    double error_percent = 0, latency_factor = 1;
  };
  std::vector<VersionBehaviour> versions_;  // [0]: the scenario's; [d + 1]: deployment d's
  struct Rollout {
    enum class Phase { scheduled, waiting, rolling, canary, warming, baking, completed, rolled_back };
    Phase phase = Phase::scheduled;
    int previous_version = 0;
    int step = -1;
    double weight_percent = 0;
    SimTime started_at = -1, finished_at = -1, timer_at = -1;
    std::string outcome;
    Rng rng{1};  // canary routing
    sre::VersionWindow canary, baseline;
    std::vector<sre::CanaryAnalysis> analyses;
    int fault_record = -1;  // its entry in the incident manager's change records
    bool undoing = false;  // rolled back while rolling or after it completed: instances roll back to previous_version
    int extensions = 0;  // of the current analysis window, for lack of data
    int rollback_incident = -1;  // the incident whose response will roll it back
  };
  std::vector<Rollout> rollouts_;
  std::vector<int> active_rollout_;  // per service: the rollout in progress, -1 when none
  std::vector<int> canary_of_pool_;  // per pool: the canary rollout routing its traffic, -1 when none
  void setup_deployments();
  void start_rollout(int d);
  void on_deploy_timer(int d);
  void finish_rollout(int d, Rollout::Phase phase, const std::string& outcome);
  void on_rolling_finished(int pool);
  void switch_blue_green(int d);
  void suspect_deployments(const sre::Incident& inc);
  void on_incident_rollback(int d);
  void count_version(const Request& r, bool failed, std::int64_t latency_us);
  int version_of_request(Pool& p, int instance);
  // Chaos (simulation_changes.cpp).
  struct ChaosRun {
    ChaosSpec spec;
    sre::ChaosResult result;
    int step = -1;
    std::vector<int> faults;  // indices into scenario_.faults it injected
    std::vector<std::pair<int, int>> pool_sizes;  // (pool, serving instances) at its start
    int column = -1;  // registry chaos scope index, -1 for experiments started from the UI
  };
  std::vector<ChaosRun> chaos_;
  std::vector<bool> fault_active_;  // per scenario_.faults entry
  void setup_chaos();
  void on_chaos_step(std::uint32_t i);
  void check_chaos_abort();
  void end_chaos(std::size_t i, bool aborted, const std::string& why);
  sre::SafetyInputs safety_inputs(const ChaosSpec& c) const;
  int add_fault(const FaultSpec& f);  // appends to scenario_.faults and starts it now

  OperationalSnapshot operational_;  // the last scrape's figures, for the operational provider

  MetricRegistry registry_;
  SeriesStore series_;
  SimTime last_scrape_ = 0;
  std::vector<double> row_;
  std::vector<SimObserver*> observers_;
  std::deque<LogEvent> recent_events_;
};

}  // namespace opsim
