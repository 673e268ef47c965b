#include "metrics/registry.h"

#include <algorithm>

#include "performance/performance.h"
#include "scenario/scenario.h"

namespace opsim {

void WindowCounters::add_counts(const WindowCounters& o) {
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
  alerts_fired += o.alerts_fired;
  scaling_events += o.scaling_events;
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
  busy_slot_us += o.busy_slot_us;
  ready_slot_us += o.ready_slot_us;
  memory_used_mb_us += o.memory_used_mb_us;
  memory_ready_mb_us += o.memory_ready_mb_us;
  queue_len_us += o.queue_len_us;
  cost_usd += o.cost_usd;
  performance_score_us += o.performance_score_us;
  scored_us += o.scored_us;
}

void WindowCounters::add(const WindowCounters& o) {
  add_counts(o);
  queue_max = std::max(queue_max, o.queue_max);
  instances_max = std::max(instances_max, o.instances_max);
}

void ScopeStats::close_window() {
  total.add(window);
  total_latency.merge(window_latency);
  window = WindowCounters{};
  window_latency.clear();
}

MetricRegistry::MetricRegistry(const Scenario& s)
    : tenants_(s.tenants.size()), services_(s.services.size()), slos_(s.slos.size()), agents_(s.agents.size()),
      chaos_(s.chaos.size()) {
  for (std::size_t t = 0; t < s.tenants.size(); ++t) {
    tenants_[t].quota = &s.tenants[t].quota;
    tenants_[t].billing = &s.tenants[t].billing;
  }
  for (const MetricInfo& m : metric_catalog())
    if (m.simulated && (m.scopes & kGlobal)) columns_.push_back({kGlobal, -1, m.id, m.name});
  for (std::size_t t = 0; t < s.tenants.size(); ++t)
    for (const MetricInfo& m : metric_catalog())
      if (m.simulated && (m.scopes & kTenant))
        columns_.push_back({kTenant, static_cast<int>(t), m.id, "tenant." + s.tenants[t].id + "." + m.name});
  for (std::size_t v = 0; v < s.services.size(); ++v)
    for (const MetricInfo& m : metric_catalog())
      if (m.simulated && (m.scopes & kService))
        columns_.push_back({kService, static_cast<int>(v), m.id, "service." + s.services[v].id + "." + m.name});
  for (std::size_t a = 0; a < s.agents.size(); ++a)
    for (const MetricInfo& m : metric_catalog())
      if (m.simulated && (m.scopes & kAgent))
        columns_.push_back({kAgent, static_cast<int>(a), m.id, "agent." + s.agents[a].id + "." + m.name});
  for (std::size_t k = 0; k < s.slos.size(); ++k)
    for (const MetricInfo& m : metric_catalog())
      if (m.simulated && (m.scopes & kSlo))
        columns_.push_back({kSlo, static_cast<int>(k), m.id, "slo." + s.slos[k].id + "." + m.name});
  for (std::size_t k = 0; k < s.chaos.size(); ++k)
    for (const MetricInfo& m : metric_catalog())
      if (m.simulated && (m.scopes & kChaos))
        columns_.push_back({kChaos, static_cast<int>(k), m.id, "chaos." + s.chaos[k].id + "." + m.name});
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
  for (const ScopeStats& s : services_) {
    global_.window.add_counts(s.window);
    global_.window_latency.merge(s.window_latency);
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
    default: return global_;
  }
}

void MetricRegistry::sample_and_close(SimDuration elapsed, std::vector<double>& row) {
  aggregate_global();
  // Counters in a row are cumulative, so close first and read totals; rates come from the
  // interval's own copy taken before closing.
  std::vector<WindowCounters> interval;
  interval.reserve(1 + tenants_.size() + services_.size());
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
  row.resize(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Column& c = columns_[i];
    const ScopeStats& s = stats_of(c);
    if (c.scope == kSlo || c.scope == kChaos) {  // gauges only
      row[i] = evaluate_metric(c.metric, s.window, s.window_latency, nullptr, elapsed, s.total, s);
      continue;
    }
    const std::size_t slot = c.scope == kGlobal    ? 0
                             : c.scope == kTenant  ? 1 + static_cast<std::size_t>(c.index)
                             : c.scope == kService ? 1 + tenants_.size() + static_cast<std::size_t>(c.index)
                                                   : 1 + tenants_.size() + services_.size() + static_cast<std::size_t>(c.index);
    row[i] = evaluate_metric(c.metric, interval[slot], s.window_latency, nullptr, elapsed, s.total, s);
  }
  auto finish = [](ScopeStats& s) {
    s.total_latency.merge(s.window_latency);
    s.window = WindowCounters{};
    s.window_latency.clear();
  };
  finish(global_);
  for (ScopeStats& s : tenants_) finish(s);
  for (ScopeStats& s : services_) finish(s);
  for (ScopeStats& s : agents_) finish(s);
}

void MetricRegistry::summary(SimDuration elapsed, const std::vector<WindowCounters>& pending,
                             const std::vector<WindowCounters>& pending_tenants, std::vector<double>& values) const {
  // The global window is rebuilt on the side so that reading a summary changes nothing.
  WindowCounters global_window;
  LatencyHistogram global_latency;
  for (std::size_t i = 0; i < services_.size(); ++i) {
    global_window.add_counts(services_[i].window);
    global_window.add_counts(pending[i]);
    global_latency.merge(services_[i].window_latency);
  }
  global_window.queue_max = global_.window.queue_max;
  global_window.instances_max = global_.window.instances_max;
  global_window.alerts_fired = global_.window.alerts_fired;
  values.resize(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Column& c = columns_[i];
    const ScopeStats& s = stats_of(c);
    WindowCounters open;  // the interval not closed yet
    if (c.scope == kGlobal) {
      open = global_window;
    } else {
      open = s.window;
      if (c.scope == kService) open.add(pending[static_cast<std::size_t>(c.index)]);
      if (c.scope == kTenant) open.add(pending_tenants[static_cast<std::size_t>(c.index)]);
    }
    // The open interval's score counts for the time it has run.
    const double open_us = static_cast<double>(elapsed) - s.total.scored_us;
    if (c.metric == MetricId::performance_score && open_us > 0) {
      open.performance_score_us = window_performance_score(open, static_cast<SimDuration>(open_us)) * open_us;
      open.scored_us = open_us;
    }
    WindowCounters all = s.total;
    all.add(open);
    const bool is_global = c.scope == kGlobal;
    values[i] = evaluate_metric(c.metric, all, s.total_latency, is_global ? &global_latency : &s.window_latency, elapsed,
                                all, s);
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

double evaluate_metric(MetricId m, const WindowCounters& r, const LatencyHistogram& latency,
                       const LatencyHistogram* latency_more, SimDuration elapsed, const WindowCounters& cum,
                       const ScopeStats& scope) {
  const std::int64_t instances_now = scope.instances_now;
  const QuotaSpec* quota = scope.quota;
  const BillingSpec* billing = scope.billing;
  const double completed = static_cast<double>(r.succeeded + r.failed);
  const double elapsed_us = static_cast<double>(elapsed);
  auto quantile_ms = [&](double q) {
    const double us = latency_more ? LatencyHistogram::quantile_us(latency, *latency_more, q) : latency.quantile_us(q);
    return us / 1000.0;
  };
  switch (m) {
    case MetricId::requests_total: return static_cast<double>(cum.arrived);
    case MetricId::requests_succeeded: return static_cast<double>(cum.succeeded);
    case MetricId::requests_failed: return static_cast<double>(cum.failed);
    case MetricId::requests_rejected: return static_cast<double>(cum.rejected);
    case MetricId::requests_in_flight:
      return static_cast<double>(cum.arrived - cum.succeeded - cum.failed - cum.rejected);
    case MetricId::requests_queued: return static_cast<double>(cum.queued);
    case MetricId::requests_failed_queue_full: return static_cast<double>(cum.failed_queue_full);
    case MetricId::requests_failed_timeout: return static_cast<double>(cum.failed_timeout);
    case MetricId::requests_failed_agent_error: return static_cast<double>(cum.failed_agent_error);
    case MetricId::availability_percent: return ratio_percent(static_cast<double>(r.succeeded), completed, 100.0);
    case MetricId::error_rate_percent: return ratio_percent(static_cast<double>(r.failed), completed, 0.0);
    case MetricId::rejection_rate_percent:
      return ratio_percent(static_cast<double>(r.rejected), static_cast<double>(r.arrived), 0.0);
    case MetricId::latency_avg_ms:
      return r.succeeded ? static_cast<double>(r.latency_sum_us) / static_cast<double>(r.succeeded) / 1000.0 : 0.0;
    case MetricId::latency_p50_ms: return quantile_ms(0.50);
    case MetricId::latency_p95_ms: return quantile_ms(0.95);
    case MetricId::latency_p99_ms: return quantile_ms(0.99);
    case MetricId::latency_max_ms:
      return static_cast<double>(std::max(latency.max_us(), latency_more ? latency_more->max_us() : 0)) / 1000.0;
    case MetricId::request_rate: return elapsed > 0 ? static_cast<double>(r.arrived) / to_seconds(elapsed) : 0.0;
    case MetricId::cpu_utilization: return ratio_percent(r.busy_slot_us, r.ready_slot_us, 0.0);
    case MetricId::memory_utilization: return ratio_percent(r.memory_used_mb_us, r.memory_ready_mb_us, 0.0);
    case MetricId::queue_depth: return elapsed_us > 0 ? r.queue_len_us / elapsed_us : 0.0;
    case MetricId::queue_depth_max: return static_cast<double>(r.queue_max);
    case MetricId::instances: return static_cast<double>(instances_now);
    case MetricId::instances_max: return static_cast<double>(std::max(cum.instances_max, r.instances_max));
    case MetricId::cost_usd: return cum.cost_usd;
    case MetricId::alerts_fired: return static_cast<double>(cum.alerts_fired);
    case MetricId::scaling_events: return static_cast<double>(cum.scaling_events);
    case MetricId::requests_failed_execution_limit: return static_cast<double>(cum.failed_execution_limit);
    case MetricId::requests_failed_context: return static_cast<double>(cum.failed_context);
    case MetricId::requests_failed_instance_crash: return static_cast<double>(cum.failed_instance_crash);
    case MetricId::context_cache_hit_percent:
      return ratio_percent(static_cast<double>(r.context_hits), static_cast<double>(r.context_lookups), 0.0);
    case MetricId::context_failures: return static_cast<double>(cum.context_failures);
    case MetricId::context_denials: return static_cast<double>(cum.context_denials);
    case MetricId::requests_rejected_concurrent_agents: return static_cast<double>(cum.rejected_by[0]);
    case MetricId::requests_rejected_memory: return static_cast<double>(cum.rejected_by[1]);
    case MetricId::requests_rejected_cpu: return static_cast<double>(cum.rejected_by[2]);
    case MetricId::requests_rejected_request_rate: return static_cast<double>(cum.rejected_by[3]);
    case MetricId::billing_usd:
      if (!quota || !billing) return 0.0;
      return static_cast<double>(cum.succeeded) * billing->price_per_request_usd +
             cum.cpu_reserved_cores_us / static_cast<double>(kMicrosPerHour) * billing->price_per_cpu_hour_usd;
    case MetricId::quota_concurrency_percent:
    case MetricId::quota_memory_percent:
    case MetricId::quota_cpu_percent:
    case MetricId::quota_utilization_percent: {
      if (!quota || elapsed_us <= 0) return 0.0;
      const double conc = 100.0 * r.concurrent_agents_us / (quota->max_concurrent_agents * elapsed_us);
      const double mem = 100.0 * r.memory_reserved_mb_us / (quota->max_memory_mb * elapsed_us);
      const double cpu = 100.0 * r.cpu_reserved_cores_us / (quota->max_cpu_cores * elapsed_us);
      if (m == MetricId::quota_concurrency_percent) return conc;
      if (m == MetricId::quota_memory_percent) return mem;
      if (m == MetricId::quota_cpu_percent) return cpu;
      return std::max(conc, std::max(mem, cpu));
    }
    case MetricId::performance_score:
      // A row: the interval's own score (computed when it closed); a run: the time average.
      return r.scored_us > 0 ? r.performance_score_us / r.scored_us : 100.0;
    case MetricId::forecast_error_percent: return scope.forecast_error_percent;
    case MetricId::budget_remaining_percent: return scope.slo_budget_remaining_percent;
    case MetricId::burn_rate: return scope.slo_burn_rate;
    case MetricId::compliant: return scope.slo_compliant;
    case MetricId::sli_percent: return scope.slo_sli_percent;
    case MetricId::incidents_total: return scope.incidents_total;
    case MetricId::incidents_sev1: return scope.incidents_sev[0];
    case MetricId::incidents_sev2: return scope.incidents_sev[1];
    case MetricId::incidents_sev3: return scope.incidents_sev[2];
    case MetricId::incidents_sev4: return scope.incidents_sev[3];
    case MetricId::mttr_minutes: return scope.mttr_minutes;
    case MetricId::mttd_minutes: return scope.mttd_minutes;
    case MetricId::passed: return scope.chaos_passed;
    case MetricId::resilience_score: return scope.chaos_resilience_score;
    default: return 0.0;  // names of subsystems this version does not simulate (not columns)
  }
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
