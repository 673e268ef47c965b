#include "metrics/prometheus_series.h"

#include <string>

#include "fleet/fleet.h"
#include "scenario/scenario.h"
#include "tenancy/resource_monitor.h"

namespace opsim {
namespace {

using promql::Label;
using promql::Labels;

// Outcome codes: 0 succeeded, 1..10 the failure reasons (Failure's values), then 11..14 the
// quota limits. The reason label's value of each.
const char* const kReasons[] = {"",       "queue_full", "timeout",    "agent_error", "execution_limit",
                                "context", "instance_crash", "dependency", "circuit_open", "throttled", "shed"};
constexpr int kFirstQuotaCode = 11;

std::string bucket_bound_text(int b) {
  return b == kLatencyBuckets ? "+Inf" : promql::format_number(kLatencyBucketsSeconds[b]);
}

}  // namespace

PrometheusSeries::PrometheusSeries(const Scenario& s)
    : scenario_(s),
      tenants_(static_cast<int>(s.tenants.size())),
      agents_(static_cast<int>(s.agents.size())),
      edges_(call_edges(s)) {
  const std::size_t rows = static_cast<std::size_t>(tenants_) * (static_cast<std::size_t>(agents_) + edges_.size());
  counts_.assign(rows * kOutcomeCodes, 0);
  count_refs_.assign(rows * kOutcomeCodes, -1);
  buckets_.assign(rows * (kLatencyBuckets + 1), 0);
  latency_sum_us_.assign(rows, 0);
  hist_refs_.assign(rows * (kLatencyBuckets + 3), -1);
}

bool PrometheusSeries::from_request_series(MetricId m) {
  switch (m) {
    case MetricId::requests_total:
    case MetricId::requests_succeeded:
    case MetricId::requests_failed:
    case MetricId::requests_rejected:
    case MetricId::requests_failed_queue_full:
    case MetricId::requests_failed_timeout:
    case MetricId::requests_failed_agent_error:
    case MetricId::requests_failed_execution_limit:
    case MetricId::requests_failed_context:
    case MetricId::requests_failed_instance_crash:
    case MetricId::requests_rejected_concurrent_agents:
    case MetricId::requests_rejected_memory:
    case MetricId::requests_rejected_cpu:
    case MetricId::requests_rejected_request_rate:
    case MetricId::availability_percent:
    case MetricId::error_rate_percent:
    case MetricId::rejection_rate_percent:
    case MetricId::latency_avg_ms:
    case MetricId::latency_p50_ms:
    case MetricId::latency_p95_ms:
    case MetricId::latency_p99_ms:
    case MetricId::request_rate:
    case MetricId::requests_failed_dependency:
    case MetricId::requests_failed_circuit_open:
    case MetricId::requests_failed_throttled:
    case MetricId::requests_shed: return true;
    default: return false;
  }
}

int PrometheusSeries::row_of(const RequestOutcome& o) const {
  if (o.edge < 0) return o.tenant * agents_ + o.agent;
  return tenants_ * agents_ + o.tenant * static_cast<int>(edges_.size()) + o.edge;
}

void PrometheusSeries::on_outcome(const RequestOutcome& o) {
  const std::size_t row = static_cast<std::size_t>(row_of(o));
  counts_[row * kOutcomeCodes + static_cast<std::size_t>(o.failure)]++;
  if (o.failed()) return;
  // The first bucket whose bound the latency does not exceed (le is inclusive); past them all,
  // +Inf. A scan: a bisection of 14 bounds costs more than the few steps most latencies take.
  std::size_t b = 0;
  while (b < kLatencyBuckets && o.latency_us > kLatencyBucketsMicros[b]) ++b;
  buckets_[row * (kLatencyBuckets + 1) + b]++;
  latency_sum_us_[row] += o.latency_us;
}

void PrometheusSeries::on_rejected(const RequestOutcome& o, unsigned exceeded) {
  // One series per request: the first limit it exceeded names it.
  int limit = 0;
  while (limit + 1 < kQuotaLimitCount && !(exceeded & (1u << limit))) ++limit;
  counts_[static_cast<std::size_t>(row_of(o)) * kOutcomeCodes + static_cast<std::size_t>(kFirstQuotaCode + limit)]++;
}

double PrometheusSeries::estimated_bytes(const Scenario& s) {
  // Rows that traffic can reach: each tenant's loaded agents, and every edge below them.
  const std::vector<CallEdge> edges = call_edges(s);
  double rows = 0;
  for (const TenantSpec& t : s.tenants) {
    std::vector<bool> reached(s.agents.size(), false);
    std::vector<int> to_visit;  // agents reached whose calls are not walked yet
    for (const LoadSpec& l : t.load)
      if (l.agent_index >= 0 && !reached[static_cast<std::size_t>(l.agent_index)]) {
        reached[static_cast<std::size_t>(l.agent_index)] = true;
        to_visit.push_back(l.agent_index);
        ++rows;
      }
    while (!to_visit.empty()) {
      const int caller = to_visit.back();
      to_visit.pop_back();
      for (const CallEdge& e : edges) {
        if (e.caller != caller) continue;
        ++rows;  // the edge's row
        if (!reached[static_cast<std::size_t>(e.callee)]) {
          reached[static_cast<std::size_t>(e.callee)] = true;
          to_visit.push_back(e.callee);
        }
      }
    }
  }
  // A row: a success series and a few failure reasons (4 assumed), and the histogram; the
  // fleet's gauges. (The catalogue's metrics are the time-series rows' columns, counted by
  // the registry.)
  const double series = rows * (5 + kLatencyBuckets + 3) + 5.0 * static_cast<double>(s.services.size());
  const double points = static_cast<double>(s.monitoring.retention / s.monitoring.scrape_interval) + 1;
  constexpr double kSeriesBytes = 256;  // labels, index entries
  // A series' point buffer holds up to half as many again as it keeps while it fills up
  // (storage.h).
  return series * (kSeriesBytes + 1.5 * points * sizeof(promql::Point));
}

Labels PrometheusSeries::row_labels(int row) const {
  int tenant, agent;
  std::string caller;
  if (row < tenants_ * agents_) {
    tenant = row / agents_;
    agent = row % agents_;
  } else {
    const int r = row - tenants_ * agents_;
    tenant = r / static_cast<int>(edges_.size());
    const CallEdge& e = edges_[static_cast<std::size_t>(r % static_cast<int>(edges_.size()))];
    agent = e.callee;
    caller = scenario_.agents[static_cast<std::size_t>(e.caller)].id;
  }
  const AgentSpec& a = scenario_.agents[static_cast<std::size_t>(agent)];
  return {{"agent", a.id},
          {"caller", caller},
          {"service", scenario_.services[static_cast<std::size_t>(a.service_index)].id},
          {"tenant", scenario_.tenants[static_cast<std::size_t>(tenant)].id}};
}

void PrometheusSeries::create_row_series(int row, promql::Storage& storage) {
  const std::size_t r = static_cast<std::size_t>(row);
  // The row's labels, worked out only when a series is to be made (not at every scrape).
  Labels base;
  auto with = [&](const char* name, std::initializer_list<Label> more) {
    if (base.empty()) base = row_labels(row);
    Labels l = base;
    l.push_back({promql::kMetricNameLabel, name});
    l.insert(l.end(), more);
    return l;
  };
  for (int code = 0; code < kOutcomeCodes; ++code) {
    const std::size_t i = r * kOutcomeCodes + static_cast<std::size_t>(code);
    if (count_refs_[i] >= 0 || counts_[i] == 0) continue;
    const char* outcome = code == 0 ? "succeeded" : code < kFirstQuotaCode ? "failed" : "rejected";
    const std::string reason = code < kFirstQuotaCode ? kReasons[code] : quota_limit_name(code - kFirstQuotaCode);
    count_refs_[i] = static_cast<std::int32_t>(
        storage.series(with("opsim_requests_total", {{"outcome", outcome}, {"reason", reason}})));
  }
  const std::size_t h = r * (kLatencyBuckets + 3);
  if (hist_refs_[h] >= 0) return;
  std::uint64_t observed = 0;
  for (int b = 0; b <= kLatencyBuckets; ++b) observed += buckets_[r * (kLatencyBuckets + 1) + static_cast<std::size_t>(b)];
  if (observed == 0) return;
  for (int b = 0; b <= kLatencyBuckets; ++b)
    hist_refs_[h + static_cast<std::size_t>(b)] = static_cast<std::int32_t>(
        storage.series(with("opsim_request_duration_seconds_bucket", {{"le", bucket_bound_text(b)}})));
  hist_refs_[h + kLatencyBuckets + 1] = static_cast<std::int32_t>(storage.series(with("opsim_request_duration_seconds_sum", {})));
  hist_refs_[h + kLatencyBuckets + 2] = static_cast<std::int32_t>(storage.series(with("opsim_request_duration_seconds_count", {})));
}

void PrometheusSeries::create_gauges(const MetricRegistry& registry, promql::Storage& storage) {
  gauges_created_ = true;
  const std::vector<Column>& columns = registry.columns();
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const Column& col = columns[c];
    if (from_request_series(col.metric)) continue;
    const std::size_t i = static_cast<std::size_t>(col.index);
    Labels l{{promql::kMetricNameLabel, std::string("opsim_") + metric_info(col.metric).name}};
    switch (col.scope) {
      case kGlobal: break;
      case kTenant: l.push_back({"tenant", scenario_.tenants[i].id}); break;
      case kService: l.push_back({"service", scenario_.services[i].id}); break;
      case kAgent: {
        const AgentSpec& a = scenario_.agents[i];
        l.push_back({"agent", a.id});
        l.push_back({"service", scenario_.services[static_cast<std::size_t>(a.service_index)].id});
        break;
      }
      case kSlo: l.push_back({"slo", scenario_.slos[i].id}); break;
      case kChaos: l.push_back({"experiment", scenario_.chaos[i].id}); break;
      case kCall:
        l.push_back({"caller", scenario_.agents[static_cast<std::size_t>(edges_[i].caller)].id});
        l.push_back({"callee", scenario_.agents[static_cast<std::size_t>(edges_[i].callee)].id});
        break;
    }
    storage.column_series(std::move(l), c);
  }
  for (const ServiceSpec& svc : scenario_.services) {
    for (const char* state : {"ready", "starting", "draining"})
      pool_refs_.push_back(storage.series({{promql::kMetricNameLabel, "opsim_pool_instances"}, {"service", svc.id}, {"state", state}}));
    pool_refs_.push_back(storage.series({{promql::kMetricNameLabel, "opsim_busy_slots"}, {"service", svc.id}}));
    pool_refs_.push_back(storage.series({{promql::kMetricNameLabel, "opsim_slots"}, {"service", svc.id}}));
  }
}

void PrometheusSeries::scrape(std::int64_t t_ms, const MetricRegistry& registry, const Fleet& fleet,
                              promql::Storage& storage) {
  if (!gauges_created_) create_gauges(registry, storage);
  const int rows = static_cast<int>(latency_sum_us_.size());
  for (int r = 0; r < rows; ++r) {
    const std::size_t ru = static_cast<std::size_t>(r);
    create_row_series(r, storage);
    for (int code = 0; code < kOutcomeCodes; ++code) {
      const std::int32_t ref = count_refs_[ru * kOutcomeCodes + static_cast<std::size_t>(code)];
      if (ref >= 0)
        storage.append(static_cast<promql::Storage::SeriesRef>(ref), t_ms,
                       static_cast<double>(counts_[ru * kOutcomeCodes + static_cast<std::size_t>(code)]));
    }
    const std::size_t h = ru * (kLatencyBuckets + 3);
    if (hist_refs_[h] < 0) continue;
    std::uint64_t cumulative = 0;
    for (int b = 0; b <= kLatencyBuckets; ++b) {
      cumulative += buckets_[ru * (kLatencyBuckets + 1) + static_cast<std::size_t>(b)];
      storage.append(static_cast<promql::Storage::SeriesRef>(hist_refs_[h + static_cast<std::size_t>(b)]), t_ms,
                     static_cast<double>(cumulative));
    }
    storage.append(static_cast<promql::Storage::SeriesRef>(hist_refs_[h + kLatencyBuckets + 1]), t_ms,
                   static_cast<double>(latency_sum_us_[ru]) / kMicrosPerSecond);
    storage.append(static_cast<promql::Storage::SeriesRef>(hist_refs_[h + kLatencyBuckets + 2]), t_ms,
                   static_cast<double>(cumulative));
  }
  // The fleet's pools, summed by service (a service may have a pool per dedicated tenant).
  std::vector<double> by_service(scenario_.services.size() * 5, 0.0);
  for (std::size_t p = 0; p < fleet.pool_count(); ++p) {
    const Fleet::PoolView v = fleet.pool_view(static_cast<int>(p));
    double* s = &by_service[static_cast<std::size_t>(v.service) * 5];
    s[0] += v.ready_instances;
    s[1] += v.starting_instances;
    s[2] += v.draining_instances;
    s[3] += v.busy_slots;
    s[4] += v.total_slots;
  }
  for (std::size_t i = 0; i < pool_refs_.size(); ++i) storage.append(pool_refs_[i], t_ms, by_service[i]);
}

}  // namespace opsim
