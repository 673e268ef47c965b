// The metric registry: counters and histograms per scope (global, each tenant, each
// service), the columns of the time series, and the one function that turns them into the
// values of SCENARIO_FORMAT.md's metric names.
//
// Every scope keeps two windows: the current scrape interval and the total since start.
// At each scrape the interval is closed into the total. A time-series row takes counters
// (requests_*, cost_usd) from the total and rates, ratios and percentiles from the interval;
// the summary takes everything from the total (plus the open interval).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/sim_time.h"
#include "metrics/histogram.h"
#include "metrics/metric_catalog.h"
#include "promql/storage.h"

namespace opsim {

struct Scenario;

// Quantities that add up over time and over scopes.
struct WindowCounters {
  std::uint64_t arrived = 0, succeeded = 0, failed = 0, rejected = 0;
  std::uint64_t queued = 0, failed_queue_full = 0, failed_timeout = 0, failed_agent_error = 0;
  std::uint64_t failed_execution_limit = 0, failed_context = 0, failed_instance_crash = 0;
  std::uint64_t alerts_fired = 0;  // global scope only
  std::uint64_t scaling_events = 0;
  std::uint64_t context_lookups = 0, context_hits = 0, context_failures = 0, context_denials = 0;
  std::uint64_t rejected_by[4] = {0, 0, 0, 0};  // by QuotaLimit bit index
  std::int64_t latency_sum_us = 0;  // successful requests only
  // The call graph: degraded successes, failures by a call, and call attempts (an edge's
  // window counts its attempts in arrived/succeeded/failed, its timeouts in failed_timeout).
  std::uint64_t degraded = 0, failed_dependency = 0, failed_circuit_open = 0;
  // Model providers and load shedding: failures refused at once, and model calls' tokens
  // (counted for the tenant of the chain, wherever the call was served) and their cost.
  std::uint64_t failed_throttled = 0, shed = 0;
  std::uint64_t tokens_in = 0, tokens_out = 0;
  double token_cost_usd = 0;
  std::uint64_t call_attempts = 0, retries = 0;
  // Time integrals (value x microseconds) of fleet gauges, for time averages. busy_slot_us
  // counts slots working; held_slot_us also those whose request waits for its calls.
  double busy_slot_us = 0, held_slot_us = 0, ready_slot_us = 0;
  double memory_used_mb_us = 0, memory_ready_mb_us = 0;
  double queue_len_us = 0;
  double cost_usd = 0;
  // performance_score x interval length, summed over closed scrape intervals, and their
  // length: a run's score is the time average of its intervals' scores.
  double performance_score_us = 0, scored_us = 0;
  // A tenant's reserved quota over time.
  double concurrent_agents_us = 0, memory_reserved_mb_us = 0, cpu_reserved_cores_us = 0;
  // An edge's circuit breakers: time open, summed over its breakers.
  double breaker_open_us = 0;
  // Maxima combine by max, not by sum.
  std::int64_t queue_max = 0;
  std::int64_t instances_max = 0;

  void add(const WindowCounters& o);
  // Sums for a parent scope: maxima of disjoint fleets add up when they are concurrent,
  // which a sum bounds from above; the global maxima are tracked directly instead.
  void add_counts(const WindowCounters& o);
  // The two halves of add_counts: what requests count (the global scope takes it from the
  // tenants, where each request as users see it counts once) and what the fleet measures
  // (taken from the services).
  void add_request_counts(const WindowCounters& o);
  void add_fleet_counts(const WindowCounters& o);
};

struct QuotaSpec;
struct BillingSpec;

struct ScopeStats {
  WindowCounters window, total;
  LatencyHistogram window_latency, total_latency;
  // Gauges, instantaneous.
  std::int64_t instances_now = 0;
  double forecast_error_percent = 0;  // a service's predictive engine, set at its evaluations
  // An SLO's figures, set by the simulation at each scrape.
  double slo_budget_remaining_percent = 100, slo_burn_rate = 0, slo_compliant = 1, slo_sli_percent = 100;
  // Incidents (global scope), set by the simulation.
  // A chaos experiment's result, set when it ends.
  double chaos_passed = 0, chaos_resilience_score = 0;
  double incidents_total = 0, incidents_sev[4] = {0, 0, 0, 0}, mttr_minutes = 0, mttd_minutes = 0;
  const QuotaSpec* quota = nullptr;  // a tenant's, for the quota_* metrics
  const BillingSpec* billing = nullptr;  // a tenant's, for billing_usd
  int breakers = 0;  // an edge's circuit breakers, for circuit_open_percent

  void close_window();
};

struct Column {
  ScopeBit scope;
  int index;  // the scope's index (tenant, service, agent, SLO, experiment, edge); -1 for global
  MetricId metric;
  std::string name;  // "latency_p95_ms", "tenant.acme.latency_p95_ms"
};

class MetricRegistry {
 public:
  explicit MetricRegistry(const Scenario& s);
  // The bytes of every scope's counters and histograms, and of the retained time series.
  static double estimated_bytes(const Scenario& s);
  // How many columns the registry of `s` has (columns().size()) without building them:
  // for the loader's retention limit and memory estimate. The same walk lays out the
  // columns and counts them.
  static std::size_t column_count(const Scenario& s);
  const std::vector<Column>& columns() const { return columns_; }
  int find(const std::string& name) const;  // column index or -1

  ScopeStats& global() { return global_; }
  ScopeStats& tenant(int i) { return tenants_[static_cast<std::size_t>(i)]; }
  ScopeStats& service(int i) { return services_[static_cast<std::size_t>(i)]; }
  ScopeStats& slo(int i) { return slos_[static_cast<std::size_t>(i)]; }
  ScopeStats& agent(int i) { return agents_[static_cast<std::size_t>(i)]; }
  ScopeStats& chaos(int i) { return chaos_[static_cast<std::size_t>(i)]; }
  ScopeStats& edge(int i) { return edges_[static_cast<std::size_t>(i)]; }  // call_edges(s) order
  const ScopeStats& global() const { return global_; }
  const ScopeStats& tenant(int i) const { return tenants_[static_cast<std::size_t>(i)]; }
  const ScopeStats& service(int i) const { return services_[static_cast<std::size_t>(i)]; }
  const ScopeStats& agent(int i) const { return agents_[static_cast<std::size_t>(i)]; }
  const ScopeStats& slo(int i) const { return slos_[static_cast<std::size_t>(i)]; }
  const ScopeStats& edge(int i) const { return edges_[static_cast<std::size_t>(i)]; }
  std::size_t tenant_count() const { return tenants_.size(); }
  std::size_t service_count() const { return services_.size(); }

  // Rebuilds the global window: request counts from the tenants' windows (each request as
  // users see it counts in exactly one tenant; calls do not), fleet figures from the
  // services'. Call before reading or closing windows.
  void aggregate_global();
  // A time-series row for the interval that ends now (interval length `elapsed`), then
  // closes every window. The owner re-seeds the new windows' maxima with current gauges.
  void sample_and_close(SimDuration elapsed, std::vector<double>& row);
  // Values of every column over the whole run so far: total, plus the open interval, plus
  // `pending` per service and per tenant (gauge integrals the owner has not folded in yet).
  void summary(SimDuration elapsed_since_start, const std::vector<WindowCounters>& pending_services,
               const std::vector<WindowCounters>& pending_tenants, std::vector<double>& values) const;

 private:
  const ScopeStats& stats_of(const Column& c) const;
  std::vector<Column> columns_;
  ScopeStats global_;
  std::vector<ScopeStats> tenants_, services_, slos_, agents_, chaos_, edges_;
  std::vector<std::string> edge_ids_;  // "<caller>.<callee>"
};

// One metric's value from a window's counters and latency histogram(s), and the scope's
// gauges, quota and billing.
double evaluate_metric(MetricId m, const WindowCounters& rates, const LatencyHistogram& latency,
                       const LatencyHistogram* latency_more, SimDuration elapsed, const WindowCounters& cumulative,
                       const ScopeStats& scope);
// Every metric at once (what a scrape does for each scope): values[MetricId] for each id,
// 0 for names of subsystems this version does not simulate.
constexpr int kMetricCount = static_cast<int>(MetricId::requests_shed) + 1;  // the last MetricId
void evaluate_all_metrics(const WindowCounters& rates, const LatencyHistogram& latency,
                          const LatencyHistogram* latency_more, SimDuration elapsed, const WindowCounters& cumulative,
                          const ScopeStats& scope, double* values);
// The performance engine's score of a window's figures (see performance/performance.h).
double window_performance_score(const WindowCounters& w, SimDuration elapsed);

// The last `capacity` time-series rows, in a ring: memory bounded by retention, not duration.
class SeriesStore {
 public:
  SeriesStore(std::size_t columns, std::size_t capacity_rows);
  void push(SimTime t, const std::vector<double>& row);
  std::size_t size() const { return size_; }
  std::size_t columns() const { return columns_; }
  // i = 0 is the oldest row kept.
  SimTime time(std::size_t i) const { return times_[slot(i)]; }
  double value(std::size_t i, std::size_t column) const { return values_[slot(i) * columns_ + column]; }
  // The rows in place, for the Prometheus store's column series (promql/storage.h).
  promql::ColumnRing ring(std::int64_t start_unix_ms) const {
    promql::ColumnRing r;
    r.times_us = times_.data();
    r.values = values_.data();
    r.columns = columns_;
    r.capacity = capacity_;
    r.first = slot(0);
    r.rows = size_;
    r.start_unix_ms = start_unix_ms;
    return r;
  }

 private:
  std::size_t slot(std::size_t i) const { return (head_ + capacity_ - size_ + i) % capacity_; }
  std::size_t columns_, capacity_, size_ = 0, head_ = 0;
  std::vector<SimTime> times_;
  std::vector<double> values_;
};

}  // namespace opsim
