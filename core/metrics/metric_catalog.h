// The catalogue of public metric names (SCENARIO_FORMAT.md "Metric names"): the one list
// that the loader checks references against, the registry builds columns from, and the
// documentation describes. A name is global, or scoped as tenant.<id>.<name>,
// service.<id>.<name>, agent.<id>.<name>, slo.<id>.<name>, chaos.<id>.<name> or, for an edge of
// the call graph, call.<caller>.<callee>.<name>.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace opsim {

enum class MetricId {
  requests_total,
  requests_succeeded,
  requests_failed,
  requests_rejected,
  requests_in_flight,
  requests_queued,
  requests_failed_queue_full,
  requests_failed_timeout,
  requests_failed_agent_error,
  requests_failed_execution_limit,
  requests_failed_context,
  requests_failed_instance_crash,
  requests_rejected_concurrent_agents,
  requests_rejected_memory,
  requests_rejected_cpu,
  requests_rejected_request_rate,
  availability_percent,
  error_rate_percent,
  rejection_rate_percent,
  latency_avg_ms,
  latency_p50_ms,
  latency_p95_ms,
  latency_p99_ms,
  latency_max_ms,
  request_rate,
  cpu_utilization,
  memory_utilization,
  queue_depth,
  queue_depth_max,
  instances,
  instances_max,
  cost_usd,
  quota_utilization_percent,
  quota_concurrency_percent,
  quota_memory_percent,
  quota_cpu_percent,
  billing_usd,
  // Names of the public contract whose subsystems are not simulated yet (see `simulated`).
  scaling_events,
  alerts_fired,
  incidents_total,
  incidents_sev1,
  incidents_sev2,
  incidents_sev3,
  incidents_sev4,
  mttr_minutes,
  mttd_minutes,
  context_cache_hit_percent,
  context_failures,
  context_denials,
  performance_score,
  forecast_error_percent,
  budget_remaining_percent,
  burn_rate,
  compliant,
  sli_percent,
  passed,
  resilience_score,
  // The call graph's (issue 15): columns only in scenarios whose agents make calls.
  requests_degraded,
  requests_failed_dependency,
  requests_failed_circuit_open,
  retries,
  retry_amplification,
  slot_utilization,
  attempts,
  timeouts,
  failures,
  circuit_open_percent,
  // Model providers' (issue 15): columns only in scenarios with a service of kind llm_provider.
  requests_failed_throttled,
  tokens_in,
  tokens_out,
  token_cost_usd,
  // Load shedding's: columns only in scenarios whose queues shed.
  requests_shed,
};

enum ScopeBit : unsigned {
  kGlobal = 1u << 0,
  kTenant = 1u << 1,
  kService = 1u << 2,
  kSlo = 1u << 3,
  kChaos = 1u << 4,
  kAgent = 1u << 5,
  kCall = 1u << 6,  // an edge of the call graph: call.<caller>.<callee>.<name>
};

struct Scenario;

struct MetricInfo {
  MetricId id;
  const char* name;
  unsigned scopes;  // ScopeBit set
  bool simulated;  // false: a public name whose subsystem this version does not simulate
  const char* meaning;
  // A column only in scenarios that have what it measures (otherwise it would always be 0,
  // and the other scenarios' outputs stay as they were).
  enum class Needs : std::uint8_t { nothing, calls, providers, shedding };
  Needs needs = Needs::nothing;
  // Whether scenario `s` has what the metric needs.
  bool present_in(const Scenario& s) const;
  const char* needs_text() const;  // what a scenario lacks when it is absent
};

const std::vector<MetricInfo>& metric_catalog();
const MetricInfo& metric_info(MetricId id);

// A metric name split into its scope and id: "tenant.acme.latency_p95_ms" ->
// {kTenant, "acme", latency_p95_ms}. Returns false with a reason for an unknown name.
struct MetricRef {
  ScopeBit scope = kGlobal;
  std::string scope_id;
  const MetricInfo* info = nullptr;
};
bool parse_metric_name(std::string_view name, MetricRef& out, std::string& why);

}  // namespace opsim
