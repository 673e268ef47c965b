#include "metrics/registry.h"

#include <algorithm>
#include <string>
#include <utility>

#include "performance/performance.h"
#include "scenario/scenario.h"

namespace opsim {

namespace {

// The latency percentiles of SCENARIO_FORMAT's metric names, ascending: a scope's three
// come from one walk over its histogram (a quarter of each scrape's work when they were
// three walks).
constexpr double kPercentiles[3] = {0.50, 0.95, 0.99};

// The three percentiles in milliseconds, as evaluate_metric computes each.
void percentiles_ms(const LatencyHistogram& latency, const LatencyHistogram* latency_more, double* out) {
  LatencyHistogram::quantiles_us(latency, latency_more, kPercentiles, 3, out);
  for (int i = 0; i < 3; ++i) out[i] /= 1000.0;
}

}  // namespace

void WindowCounters::add_request_counts(const WindowCounters& o) {
  arrived += o.arrived;
  succeeded += o.succeeded;
  failed += o.failed;
  rejected += o.rejected;
  queued += o.queued;
  failed_queue_full += o.failed_queue_full;
  failed_timeout += o.failed_timeout;
  failed_agent_error += o.failed_agent_error;
  failed_execution_limit += o.failed_execution_limit;
  failed_context += o.failed_context;
  failed_instance_crash += o.failed_instance_crash;
  context_lookups += o.context_lookups;
  context_hits += o.context_hits;
  context_failures += o.context_failures;
  context_denials += o.context_denials;
  for (int i = 0; i < 4; ++i) rejected_by[i] += o.rejected_by[i];
  concurrent_agents_us += o.concurrent_agents_us;
  memory_reserved_mb_us += o.memory_reserved_mb_us;
  cpu_reserved_cores_us += o.cpu_reserved_cores_us;
  latency_sum_us += o.latency_sum_us;
  degraded += o.degraded;
  failed_dependency += o.failed_dependency;
  failed_circuit_open += o.failed_circuit_open;
  failed_throttled += o.failed_throttled;
  shed += o.shed;
  tokens_in += o.tokens_in;
  tokens_out += o.tokens_out;
  token_cost_usd += o.token_cost_usd;
  call_attempts += o.call_attempts;
  retries += o.retries;
}

void WindowCounters::add_fleet_counts(const WindowCounters& o) {
  alerts_fired += o.alerts_fired;
  scaling_events += o.scaling_events;
  busy_slot_us += o.busy_slot_us;
  held_slot_us += o.held_slot_us;
  ready_slot_us += o.ready_slot_us;
  memory_used_mb_us += o.memory_used_mb_us;
  memory_ready_mb_us += o.memory_ready_mb_us;
  queue_len_us += o.queue_len_us;
  cost_usd += o.cost_usd;
  performance_score_us += o.performance_score_us;
  scored_us += o.scored_us;
  breaker_open_us += o.breaker_open_us;
}

void WindowCounters::add_counts(const WindowCounters& o) {
  add_request_counts(o);
  add_fleet_counts(o);
}

void WindowCounters::add(const WindowCounters& o) {
  add_counts(o);
  queue_max = std::max(queue_max, o.queue_max);
  instances_max = std::max(instances_max, o.instances_max);
}

void ScopeStats::close_window() {
  total.add(window);
  window = WindowCounters{};
  window_latency.drain_into(total_latency);
}

namespace {

// The one layout of the columns: the global scope, then every tenant, service, agent, SLO
// and chaos experiment in scenario order, each with the simulated metrics its scope has,
// in catalogue order. Calls visit(scope, index, metric) once per column (index -1 for the
// global scope). The constructor and column_count both walk it, so they cannot disagree.
template <typename Visit>
void for_each_column(const Scenario& s, std::size_t edges, Visit&& visit) {
  const std::pair<ScopeBit, std::size_t> scopes[] = {{kGlobal, 1},
                                                     {kTenant, s.tenants.size()},
                                                     {kService, s.services.size()},
                                                     {kAgent, s.agents.size()},
                                                     {kSlo, s.slos.size()},
                                                     {kChaos, s.chaos.size()},
                                                     {kCall, edges}};
  bool present[kMetricCount];
  for (const MetricInfo& m : metric_catalog()) present[static_cast<int>(m.id)] = m.simulated && m.present_in(s);
  for (const auto& [scope, count] : scopes)
    for (std::size_t i = 0; i < count; ++i)
      for (const MetricInfo& m : metric_catalog())
        if (present[static_cast<int>(m.id)] && (m.scopes & scope))
          visit(scope, scope == kGlobal ? -1 : static_cast<int>(i), m);
}

// "tenant.acme." for tenant 0 of id "acme"; "" for the global scope.
std::string scope_prefix(const Scenario& s, ScopeBit scope, int index) {
  const std::size_t i = static_cast<std::size_t>(index);
  switch (scope) {
    case kTenant: return "tenant." + s.tenants[i].id + ".";
    case kService: return "service." + s.services[i].id + ".";
    case kAgent: return "agent." + s.agents[i].id + ".";
    case kSlo: return "slo." + s.slos[i].id + ".";
    case kChaos: return "chaos." + s.chaos[i].id + ".";
    case kCall: break;  // the registry knows its edges (edge_ids_)
    case kGlobal: break;
  }
  return "";
}

std::vector<std::string> edge_ids(const Scenario& s) {
  std::vector<std::string> ids;
  for (const CallEdge& e : call_edges(s))
    ids.push_back(s.agents[static_cast<std::size_t>(e.caller)].id + "." + s.agents[static_cast<std::size_t>(e.callee)].id);
  return ids;
}

}  // namespace

MetricRegistry::MetricRegistry(const Scenario& s)
    : tenants_(s.tenants.size()), services_(s.services.size()), slos_(s.slos.size()), agents_(s.agents.size()),
      chaos_(s.chaos.size()), edge_ids_(edge_ids(s)) {
  edges_.resize(edge_ids_.size());
  for (std::size_t t = 0; t < s.tenants.size(); ++t) {
    tenants_[t].quota = &s.tenants[t].quota;
    tenants_[t].billing = &s.tenants[t].billing;
  }
  columns_.reserve(column_count(s));
  for_each_column(s, edges_.size(), [&](ScopeBit scope, int index, const MetricInfo& m) {
    const std::string prefix =
        scope == kCall ? "call." + edge_ids_[static_cast<std::size_t>(index)] + "." : scope_prefix(s, scope, index);
    columns_.push_back({scope, index, m.id, prefix + m.name});
  });
}

std::size_t MetricRegistry::column_count(const Scenario& s) {
  std::size_t n = 0;
  for_each_column(s, call_edges(s).size(), [&n](ScopeBit, int, const MetricInfo&) { ++n; });
  return n;
}

double MetricRegistry::estimated_bytes(const Scenario& s) {
  const double scopes = 1.0 + static_cast<double>(s.tenants.size() + s.services.size() + s.agents.size() +
                                                  s.slos.size() + s.chaos.size() + call_edges(s).size());
  const double columns = static_cast<double>(column_count(s));
  // Retained rows with their times, the row being built, and each column's name.
  const double rows = static_cast<double>(s.monitoring.retention) / static_cast<double>(s.monitoring.scrape_interval);
  return scopes * sizeof(ScopeStats) + rows * (columns * sizeof(double) + sizeof(SimTime)) +
         columns * (sizeof(double) + sizeof(Column));
}

int MetricRegistry::find(const std::string& name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == name) return static_cast<int>(i);
  return -1;
}

void MetricRegistry::aggregate_global() {
  // Global maxima (queue, instances) are kept by the simulation on global_.window directly;
  // only the additive quantities are rebuilt here.
  const std::int64_t queue_max = global_.window.queue_max, instances_max = global_.window.instances_max;
  const std::uint64_t alerts_fired = global_.window.alerts_fired;
  global_.window = WindowCounters{};
  global_.window_latency.clear();
  std::int64_t instances = 0;
  for (const ScopeStats& s : tenants_) {
    global_.window.add_request_counts(s.window);
    global_.window_latency.merge(s.window_latency);
  }
  for (const ScopeStats& s : services_) {
    global_.window.add_fleet_counts(s.window);
    instances += s.instances_now;
  }
  global_.window.queue_max = queue_max;
  global_.window.instances_max = instances_max;
  global_.window.alerts_fired = alerts_fired;
  global_.instances_now = instances;
}

const ScopeStats& MetricRegistry::stats_of(const Column& c) const {
  switch (c.scope) {
    case kTenant: return tenants_[static_cast<std::size_t>(c.index)];
    case kService: return services_[static_cast<std::size_t>(c.index)];
    case kSlo: return slos_[static_cast<std::size_t>(c.index)];
    case kAgent: return agents_[static_cast<std::size_t>(c.index)];
    case kChaos: return chaos_[static_cast<std::size_t>(c.index)];
    case kCall: return edges_[static_cast<std::size_t>(c.index)];
    default: return global_;
  }
}

void MetricRegistry::sample_and_close(SimDuration elapsed, std::vector<double>& row) {
  aggregate_global();
  // Counters in a row are cumulative, so close first and read totals; rates come from the
  // interval's own copy taken before closing.
  std::vector<WindowCounters> interval;
  interval.reserve(1 + tenants_.size() + services_.size() + agents_.size() + edges_.size());
  auto close = [&](ScopeStats& s) {
    s.window.performance_score_us = window_performance_score(s.window, elapsed) * static_cast<double>(elapsed);
    s.window.scored_us = static_cast<double>(elapsed);
    interval.push_back(s.window);
    s.total.add(s.window);
  };
  close(global_);
  for (ScopeStats& s : tenants_) close(s);
  for (ScopeStats& s : services_) close(s);
  for (ScopeStats& s : agents_) close(s);
  for (ScopeStats& s : edges_) close(s);
  row.resize(columns_.size());
  // A scope's columns are evaluated together (they are contiguous): every metric of the
  // scope at once, then each column picks its own.
  const ScopeStats* evaluated = nullptr;
  double values[kMetricCount];
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Column& c = columns_[i];
    const ScopeStats& s = stats_of(c);
    if (&s != evaluated) {
      evaluated = &s;
      if (c.scope == kSlo || c.scope == kChaos) {  // gauges only
        evaluate_all_metrics(s.window, s.window_latency, nullptr, elapsed, s.total, s, values);
      } else {
        const std::size_t i = static_cast<std::size_t>(c.index);
        const std::size_t slot = c.scope == kGlobal    ? 0
                                 : c.scope == kTenant  ? 1 + i
                                 : c.scope == kService ? 1 + tenants_.size() + i
                                 : c.scope == kAgent   ? 1 + tenants_.size() + services_.size() + i
                                                       : 1 + tenants_.size() + services_.size() + agents_.size() + i;
        evaluate_all_metrics(interval[slot], s.window_latency, nullptr, elapsed, s.total, s, values);
      }
    }
    row[i] = values[static_cast<int>(c.metric)];
  }
  auto finish = [](ScopeStats& s) {
    s.window = WindowCounters{};
    s.window_latency.drain_into(s.total_latency);
  };
  finish(global_);
  for (ScopeStats& s : tenants_) finish(s);
  for (ScopeStats& s : services_) finish(s);
  for (ScopeStats& s : agents_) finish(s);
  for (ScopeStats& s : edges_) finish(s);
}

void MetricRegistry::summary(SimDuration elapsed, const std::vector<WindowCounters>& pending,
                             const std::vector<WindowCounters>& pending_tenants, std::vector<double>& values) const {
  // The global window is rebuilt on the side so that reading a summary changes nothing.
  WindowCounters global_window;
  LatencyHistogram global_latency;
  for (const ScopeStats& t : tenants_) {
    global_window.add_request_counts(t.window);
    global_latency.merge(t.window_latency);
  }
  for (std::size_t i = 0; i < services_.size(); ++i) {
    global_window.add_fleet_counts(services_[i].window);
    global_window.add_fleet_counts(pending[i]);
  }
  global_window.queue_max = global_.window.queue_max;
  global_window.instances_max = global_.window.instances_max;
  global_window.alerts_fired = global_.window.alerts_fired;
  values.resize(columns_.size());
  const ScopeStats* evaluated = nullptr;  // as in sample_and_close: a scope at once
  double scope_values[kMetricCount];
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Column& c = columns_[i];
    const ScopeStats& s = stats_of(c);
    if (&s != evaluated) {
      evaluated = &s;
      WindowCounters open;  // the interval not closed yet
      if (c.scope == kGlobal) {
        open = global_window;
      } else {
        open = s.window;
        if (c.scope == kService) open.add(pending[static_cast<std::size_t>(c.index)]);
        if (c.scope == kTenant) open.add(pending_tenants[static_cast<std::size_t>(c.index)]);
      }
      // The open interval's score counts for the time it has run (only performance_score
      // reads these two fields).
      const double open_us = static_cast<double>(elapsed) - s.total.scored_us;
      if (open_us > 0) {
        open.performance_score_us = window_performance_score(open, static_cast<SimDuration>(open_us)) * open_us;
        open.scored_us = open_us;
      }
      WindowCounters all = s.total;
      all.add(open);
      const bool is_global = c.scope == kGlobal;
      evaluate_all_metrics(all, s.total_latency, is_global ? &global_latency : &s.window_latency, elapsed, all, s,
                           scope_values);
    }
    values[i] = scope_values[static_cast<int>(c.metric)];
  }
}

namespace {

double ratio_percent(double part, double whole, double if_empty) { return whole > 0 ? 100.0 * part / whole : if_empty; }

}  // namespace

double window_performance_score(const WindowCounters& w, SimDuration elapsed) {
  performance::Inputs in;
  in.cpu_utilization = ratio_percent(w.busy_slot_us, w.ready_slot_us, 0.0);
  in.memory_utilization = ratio_percent(w.memory_used_mb_us, w.memory_ready_mb_us, 0.0);
  in.latency_avg_ms = w.succeeded ? static_cast<double>(w.latency_sum_us) / static_cast<double>(w.succeeded) / 1000.0 : 0.0;
  in.queue_depth = elapsed > 0 ? w.queue_len_us / static_cast<double>(elapsed) : 0.0;
  return performance::score(in);
}

void evaluate_all_metrics(const WindowCounters& r, const LatencyHistogram& latency, const LatencyHistogram* latency_more,
                          SimDuration elapsed, const WindowCounters& cum, const ScopeStats& scope, double* v) {
  // Straight-line rather than a switch per column: a scrape evaluates hundreds of columns,
  // and an indirect jump per column, to a different case each time, was mispredicted
  // nearly every time.
  using M = MetricId;
  auto at = [v](M m) -> double& { return v[static_cast<int>(m)]; };
  const std::int64_t instances_now = scope.instances_now;
  const QuotaSpec* quota = scope.quota;
  const BillingSpec* billing = scope.billing;
  const double completed = static_cast<double>(r.succeeded + r.failed);
  const double elapsed_us = static_cast<double>(elapsed);
  for (int i = 0; i < kMetricCount; ++i) v[i] = 0.0;  // names of subsystems this version does not simulate
  at(M::requests_total) = static_cast<double>(cum.arrived);
  at(M::requests_succeeded) = static_cast<double>(cum.succeeded);
  at(M::requests_failed) = static_cast<double>(cum.failed);
  at(M::requests_rejected) = static_cast<double>(cum.rejected);
  at(M::requests_in_flight) = static_cast<double>(cum.arrived - cum.succeeded - cum.failed - cum.rejected);
  at(M::requests_queued) = static_cast<double>(cum.queued);
  at(M::requests_failed_queue_full) = static_cast<double>(cum.failed_queue_full);
  at(M::requests_failed_timeout) = static_cast<double>(cum.failed_timeout);
  at(M::requests_failed_agent_error) = static_cast<double>(cum.failed_agent_error);
  at(M::availability_percent) = ratio_percent(static_cast<double>(r.succeeded), completed, 100.0);
  at(M::error_rate_percent) = ratio_percent(static_cast<double>(r.failed), completed, 0.0);
  at(M::rejection_rate_percent) = ratio_percent(static_cast<double>(r.rejected), static_cast<double>(r.arrived), 0.0);
  at(M::latency_avg_ms) =
      r.succeeded ? static_cast<double>(r.latency_sum_us) / static_cast<double>(r.succeeded) / 1000.0 : 0.0;
  double percentiles[3];
  percentiles_ms(latency, latency_more, percentiles);
  at(M::latency_p50_ms) = percentiles[0];
  at(M::latency_p95_ms) = percentiles[1];
  at(M::latency_p99_ms) = percentiles[2];
  at(M::latency_max_ms) =
      static_cast<double>(std::max(latency.max_us(), latency_more ? latency_more->max_us() : 0)) / 1000.0;
  at(M::request_rate) = elapsed > 0 ? static_cast<double>(r.arrived) / to_seconds(elapsed) : 0.0;
  at(M::cpu_utilization) = ratio_percent(r.busy_slot_us, r.ready_slot_us, 0.0);
  at(M::memory_utilization) = ratio_percent(r.memory_used_mb_us, r.memory_ready_mb_us, 0.0);
  at(M::queue_depth) = elapsed_us > 0 ? r.queue_len_us / elapsed_us : 0.0;
  at(M::queue_depth_max) = static_cast<double>(r.queue_max);
  at(M::instances) = static_cast<double>(instances_now);
  at(M::instances_max) = static_cast<double>(std::max(cum.instances_max, r.instances_max));
  at(M::cost_usd) = cum.cost_usd;
  at(M::alerts_fired) = static_cast<double>(cum.alerts_fired);
  at(M::scaling_events) = static_cast<double>(cum.scaling_events);
  at(M::requests_failed_execution_limit) = static_cast<double>(cum.failed_execution_limit);
  at(M::requests_failed_context) = static_cast<double>(cum.failed_context);
  at(M::requests_failed_instance_crash) = static_cast<double>(cum.failed_instance_crash);
  at(M::context_cache_hit_percent) =
      ratio_percent(static_cast<double>(r.context_hits), static_cast<double>(r.context_lookups), 0.0);
  at(M::context_failures) = static_cast<double>(cum.context_failures);
  at(M::context_denials) = static_cast<double>(cum.context_denials);
  at(M::requests_rejected_concurrent_agents) = static_cast<double>(cum.rejected_by[0]);
  at(M::requests_rejected_memory) = static_cast<double>(cum.rejected_by[1]);
  at(M::requests_rejected_cpu) = static_cast<double>(cum.rejected_by[2]);
  at(M::requests_rejected_request_rate) = static_cast<double>(cum.rejected_by[3]);
  if (quota && billing)
    at(M::billing_usd) = static_cast<double>(cum.succeeded) * billing->price_per_request_usd +
                         cum.cpu_reserved_cores_us / static_cast<double>(kMicrosPerHour) * billing->price_per_cpu_hour_usd +
                         cum.token_cost_usd;
  if (quota && elapsed_us > 0) {
    const double conc = 100.0 * r.concurrent_agents_us / (quota->max_concurrent_agents * elapsed_us);
    const double mem = 100.0 * r.memory_reserved_mb_us / (quota->max_memory_mb * elapsed_us);
    const double cpu = 100.0 * r.cpu_reserved_cores_us / (quota->max_cpu_cores * elapsed_us);
    at(M::quota_concurrency_percent) = conc;
    at(M::quota_memory_percent) = mem;
    at(M::quota_cpu_percent) = cpu;
    at(M::quota_utilization_percent) = std::max(conc, std::max(mem, cpu));
  }
  // A row: the interval's own score (computed when it closed); a run: the time average.
  at(M::performance_score) = r.scored_us > 0 ? r.performance_score_us / r.scored_us : 100.0;
  at(M::forecast_error_percent) = scope.forecast_error_percent;
  at(M::budget_remaining_percent) = scope.slo_budget_remaining_percent;
  at(M::burn_rate) = scope.slo_burn_rate;
  at(M::compliant) = scope.slo_compliant;
  at(M::sli_percent) = scope.slo_sli_percent;
  at(M::incidents_total) = scope.incidents_total;
  at(M::incidents_sev1) = scope.incidents_sev[0];
  at(M::incidents_sev2) = scope.incidents_sev[1];
  at(M::incidents_sev3) = scope.incidents_sev[2];
  at(M::incidents_sev4) = scope.incidents_sev[3];
  at(M::mttr_minutes) = scope.mttr_minutes;
  at(M::mttd_minutes) = scope.mttd_minutes;
  at(M::passed) = scope.chaos_passed;
  at(M::resilience_score) = scope.chaos_resilience_score;
  at(M::requests_degraded) = static_cast<double>(cum.degraded);
  at(M::requests_failed_dependency) = static_cast<double>(cum.failed_dependency);
  at(M::requests_failed_circuit_open) = static_cast<double>(cum.failed_circuit_open);
  at(M::retries) = static_cast<double>(cum.retries);
  at(M::retry_amplification) = r.call_attempts > r.retries ? static_cast<double>(r.call_attempts) /
                                                                 static_cast<double>(r.call_attempts - r.retries)
                                                           : 1.0;
  at(M::slot_utilization) = ratio_percent(r.held_slot_us, r.ready_slot_us, 0.0);
  at(M::requests_failed_throttled) = static_cast<double>(cum.failed_throttled);
  at(M::requests_shed) = static_cast<double>(cum.shed);
  at(M::tokens_in) = static_cast<double>(cum.tokens_in);
  at(M::tokens_out) = static_cast<double>(cum.tokens_out);
  at(M::token_cost_usd) = cum.token_cost_usd;
  // An edge's window counts its attempts as requests.
  at(M::attempts) = static_cast<double>(cum.arrived);
  at(M::timeouts) = static_cast<double>(cum.failed_timeout);
  at(M::failures) = static_cast<double>(cum.failed);
  at(M::circuit_open_percent) =
      scope.breakers > 0 && elapsed_us > 0 ? 100.0 * r.breaker_open_us / (elapsed_us * scope.breakers) : 0.0;
}

double evaluate_metric(MetricId m, const WindowCounters& r, const LatencyHistogram& latency,
                       const LatencyHistogram* latency_more, SimDuration elapsed, const WindowCounters& cum,
                       const ScopeStats& scope) {
  double v[kMetricCount];
  evaluate_all_metrics(r, latency, latency_more, elapsed, cum, scope, v);
  return v[static_cast<int>(m)];
}

SeriesStore::SeriesStore(std::size_t columns, std::size_t capacity_rows)
    : columns_(columns), capacity_(std::max<std::size_t>(1, capacity_rows)), times_(capacity_), values_(capacity_ * columns) {}

void SeriesStore::push(SimTime t, const std::vector<double>& row) {
  times_[head_] = t;
  std::copy(row.begin(), row.end(), values_.begin() + static_cast<std::ptrdiff_t>(head_ * columns_));
  head_ = (head_ + 1) % capacity_;
  if (size_ < capacity_) ++size_;
}

}  // namespace opsim
