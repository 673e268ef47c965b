// The simulation of one scenario: the wiring of the engine and its components.
//
//   Engine (engine/engine.h)            clock, pending events, run_until / step
//   Fleet (fleet/fleet.h)               pools, instances, lifecycle, resizes, rolling restarts
//   RequestPath (sim/request_path.h)    arrival -> admission -> context -> queue -> instance -> outcome
//   Faults (sim/faults.h)               faults started, ended and applied
//   ScalingLoop (scaling/scaling_loop.h)  autoscaling evaluations and every resize
//   Rollouts (sre/rollouts.h)           deployments and their canary analysis
//   ChaosRunner (sre/chaos_runner.h)    chaos experiments
//   SloAccounting (sre/slo_accounting.h)  SLO trackers and burn-rate alerts
//   IncidentSignals (sre/incident_signals.h)  service signals, status, incidents
//   Alerting (monitoring/alerting.h)    monitoring rules and notifications
// Request outcomes reach the metrics, the incident signals, the rollouts and the SLO
// accounting through one list of outcome observers. The simulation itself owns the scrape:
// every scrape_interval it brings the gauges up to now, lets each subsystem read the
// interval, closes the metric windows into a time-series row, checks the invariants and
// hands the row to the observers and the alert rules. docs/ARCHITECTURE.md draws it.
//
// Step-wise control for the UI (run_until, step) and run-to-end for the runner. State is
// bounded by the scenario's size: requests in flight, queues, and `retention` of samples.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "context/context_engine.h"
#include "engine/engine.h"
#include "fleet/fleet.h"
#include "metrics/registry.h"
#include "metrics/request_metrics.h"
#include "monitoring/alerting.h"
#include "scaling/scaling_loop.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"
#include "sim/faults.h"
#include "sim/observer.h"
#include "sim/request_path.h"
#include "sre/chaos_runner.h"
#include "sre/incident_signals.h"
#include "sre/rollouts.h"
#include "sre/slo_accounting.h"
#include "metrics/prometheus_series.h"
#include "promql/storage.h"

namespace opsim {

class InvariantChecker;

class Simulation : public Component {
 public:
  // `seed` replaces the scenario's seed (the runner's --seed); the scenario is copied.
  Simulation(const Scenario& scenario, std::uint64_t seed);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;
  ~Simulation() override;
  void on_event(std::uint16_t kind, std::uint32_t target) override;

  // The invariant checker (sim/invariants.h) runs at every scrape unless turned off; a
  // broken invariant throws InvariantViolation. On by default: it costs about one pass
  // over the fleet and the requests in flight per scrape.
  void set_invariant_checks(bool on);
  std::uint64_t invariant_checks() const;  // checks run so far

  // The observer first receives the events logged so far (those still in recent_events).
  void add_observer(SimObserver* observer) { log_.add_observer(observer); }

  // Processes every event up to and including time t (capped at the end), then sets the
  // clock to t.
  void run_until(SimTime t) { engine_.run_until(t); }
  // Processes one event; false when nothing is left before the end.
  bool step() { return engine_.step(); }
  void run() { run_until(end_time()); }

  SimTime now() const { return engine_.now(); }
  SimTime end_time() const { return scenario_.duration; }
  bool finished() const { return now() >= end_time(); }
  std::uint64_t seed() const { return seed_; }
  std::uint64_t events_processed() const { return engine_.events_processed(); }
  const Scenario& scenario() const { return scenario_; }
  const MetricRegistry& metrics() const { return registry_; }
  const SeriesStore& series() const { return series_; }
  // Prometheus's view of the run (metrics/prometheus_series.h): the series every scrape
  // appends to, the PromQL rules read and write, and metrics.om is written from. Points
  // older than monitoring.retention are dropped unless keep_all_series() was called first.
  const promql::Storage& prometheus_storage() const { return prom_storage_; }
  // Keep every series' points for the whole run (metrics.om needs them); before the run.
  void keep_all_series();
  // A simulated time as Unix milliseconds on the scenario's calendar (Prometheus's time).
  std::int64_t unix_ms(SimTime t) const { return scenario_.calendar.start_unix_s() * 1000 + t / kMicrosPerMilli; }
  // Every column's value over the run so far (the summary.json "metrics" map).
  std::vector<double> summary_values() const;
  // The most recent logged events (at most kRecentEvents), oldest first.
  const std::deque<LogEvent>& recent_events() const { return log_.recent(); }
  static constexpr std::size_t kRecentEvents = EventLog::kRecentEvents;

  // The components, for the UI, the reports and the invariant checker (read only).
  const Engine& engine() const { return engine_; }
  const Fleet& fleet() const { return fleet_; }
  const RequestPath& request_path() const { return requests_; }
  const Faults& faults() const { return faults_; }
  const ScalingLoop& scaling() const { return scaling_; }
  const Rollouts& rollouts() const { return rollouts_; }
  const ChaosRunner& chaos() const { return chaos_; }
  const SloAccounting& slo_accounting() const { return slos_; }
  const IncidentSignals& incident_signals() const { return incidents_; }

  // Fleet state for the UI.
  struct PoolView : Fleet::PoolView {
    std::size_t queue_length = 0;
  };
  std::size_t pool_count() const { return fleet_.pool_count(); }
  PoolView pool_view(int pool) const;
  using InstanceState = opsim::InstanceState;
  using InstanceView = Fleet::InstanceView;
  std::vector<InstanceView> pool_instances(int pool) const { return fleet_.pool_instances(pool); }
  // Changes a pool's size now (the UI's what-if): new instances start and become ready
  // after the service's startup; removed ones drain.
  void scale_pool(int pool, int target, const std::string& reason) { scaling_.resize(pool, target, "manual", reason); }
  // The pool that serves a tenant's requests for a service.
  int pool_of(int tenant, int service) const { return fleet_.pool_of(tenant, service); }
  // A tenant's quota use right now (the admission check's view).
  const QuotaUsage& tenant_usage(int tenant) const { return requests_.monitor(tenant).usage(); }
  bool tenant_within_quota(int tenant) const { return requests_.monitor(tenant).within_quota(); }
  // Context assembly, for the UI's inspector.
  const ContextEngine& context() const { return context_; }
  const OperationalSnapshot& operational_snapshot() const { return operational_; }
  // Alerts, for the UI.
  const AlertEvaluator& alerts() const { return alerting_.evaluator(); }
  // The rule files' rules and alerts; null when the scenario has none.
  const PromRules* prometheus_rules() const { return alerting_.prometheus_rules(); }
  // SLOs (one tracker and one set of burn-rate alerts per scenario SLO).
  const std::vector<sre::SloTracker>& slos() const { return slos_.trackers(); }
  const std::vector<sre::BurnRateAlerts>& slo_alerts() const { return slos_.alerts(); }
  // A service's status (healthy, degraded, partial outage, major outage) from its last
  // scrape interval's signals, by the rules of sre/incidents.h; measured in every run.
  const sre::StatusAssessment& service_status(int service) const { return incidents_.status(service); }
  // Incident management, when the scenario has an `incidents` section (null otherwise).
  const sre::IncidentManager* incidents() const { return incidents_.manager(); }
  // What-if: a rule's new condition, effective from the next scrape (logged as rule_changed).
  void update_alert_rule(std::size_t rule, const RuleSpec& spec) { alerting_.update_rule(rule, spec); }

  // Scaling, for the UI and the scaling report.
  using ScalingRecord = ScalingLoop::Record;
  const std::deque<ScalingRecord>& scaling_records() const { return scaling_.records(); }
  static constexpr std::size_t kScalingRecords = ScalingLoop::kRecords;
  using PoolScalingStats = ScalingLoop::PoolStats;
  const PoolScalingStats& pool_scaling_stats(int pool) const { return scaling_.pool_stats(pool); }
  using ScalerView = ScalingLoop::ScalerView;
  std::size_t scaler_count() const { return scaling_.scaler_count(); }
  ScalerView scaler_view(std::size_t i) const { return scaling_.scaler_view(i); }
  void update_scaling(std::size_t section, const ScalingSpec& spec) { scaling_.update(section, spec); }

  // Deployments (sre/rollouts.h).
  static constexpr SimDuration kSuspectDeploymentWindow = Rollouts::kSuspectDeploymentWindow;
  static constexpr SimDuration kRollbackDecisionDelay = Rollouts::kRollbackDecisionDelay;
  using DeploymentView = Rollouts::View;
  std::size_t deployment_count() const { return rollouts_.count(); }
  DeploymentView deployment_view(std::size_t d) const { return rollouts_.view(d); }
  bool can_roll_back(std::size_t d) const { return rollouts_.can_roll_back(d); }
  // What-if: roll deployment d back now (a no-op unless can_roll_back(d)).
  void rollback_deployment(std::size_t d, const std::string& reason) { rollouts_.roll_back(d, reason); }

  // Chaos experiments (sre/chaos_runner.h): the scenario's, then those started from the UI.
  using ChaosView = ChaosRunner::View;
  std::size_t chaos_count() const { return chaos_.count(); }
  ChaosView chaos_view(std::size_t i) const { return chaos_.view(i); }
  double probe_value(const ProbeSpec& p) const { return chaos_.probe_value(p); }
  std::vector<std::string> check_chaos_safety(const ChaosSpec& c) const { return chaos_.check_safety(c); }
  std::size_t start_chaos(const ChaosSpec& c) { return chaos_.start_now(c); }
  // What-if: a fault that starts now and lasts its duration (-1: to the end).
  void inject_fault(const FaultSpec& f) { faults_.add(f); }

 private:
  friend struct InvariantTestAccess;  // tests break the state on purpose to see each check fire
  enum Kind : std::uint16_t { kScrape };
  void on_scrape();

  // Declared in the order they are built: each component takes those above it.
  Scenario scenario_;
  std::uint64_t seed_;
  Engine engine_;
  std::uint16_t id_;
  MetricRegistry registry_;
  SeriesStore series_;
  promql::Storage prom_storage_;
  PrometheusSeries prom_series_;
  // The time-series rows as the Prometheus store's column source: the catalogue's metrics
  // are read from them, not copied (the last retention's rows; with keep_all_series(), an
  // archive of every row).
  class RowColumns final : public promql::ColumnSource {
   public:
    RowColumns(const SeriesStore* rows, std::int64_t start_unix_ms) : rows_(rows), start_unix_ms_(start_unix_ms) {}
    promql::ColumnRing ring() const override { return rows_->ring(start_unix_ms_); }
    const SeriesStore* rows_;
    std::int64_t start_unix_ms_;
  };
  RowColumns row_columns_;
  std::unique_ptr<SeriesStore> archive_;
  EventLog log_;
  ContextEngine context_;
  OperationalSnapshot operational_;  // the last scrape's figures, for the operational provider
  std::vector<double> row_;  // the last scrape's time-series row
  Fleet fleet_;
  IncidentSignals incidents_;
  Rollouts rollouts_;
  RequestPath requests_;
  Faults faults_;
  Alerting alerting_;
  SloAccounting slos_;
  ScalingLoop scaling_;
  ChaosRunner chaos_;
  RequestMetrics request_metrics_;
  std::unique_ptr<InvariantChecker> invariants_;
  SimTime last_scrape_ = 0;
};

}  // namespace opsim
