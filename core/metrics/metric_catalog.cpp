#include "metrics/metric_catalog.h"

#include "scenario/scenario.h"

namespace opsim {

const std::vector<MetricInfo>& metric_catalog() {
  constexpr unsigned kRequests = kGlobal | kTenant | kService | kAgent;
  constexpr unsigned kFleet = kGlobal | kService;
  static const std::vector<MetricInfo> catalog = {
      {MetricId::requests_total, "requests_total", kRequests, true,
       "arrivals: succeeded + failed + rejected + in flight (cumulative)"},
      {MetricId::requests_succeeded, "requests_succeeded", kRequests, true, "requests completed without error (cumulative)"},
      {MetricId::requests_failed, "requests_failed", kRequests, true,
       "requests that failed: queue full, queue timeout or agent error (cumulative)"},
      {MetricId::requests_rejected, "requests_rejected", kRequests, true,
       "requests refused at admission by the tenant's quota or rate limit (cumulative)"},
      {MetricId::requests_in_flight, "requests_in_flight", kRequests, true, "requests arrived and not yet finished (gauge)"},
      {MetricId::requests_queued, "requests_queued", kRequests, true,
       "requests that found every slot busy and waited in a service queue (cumulative)"},
      {MetricId::requests_failed_queue_full, "requests_failed_queue_full", kRequests, true,
       "failures because the service queue was full (cumulative)"},
      {MetricId::requests_failed_timeout, "requests_failed_timeout", kRequests, true,
       "failures because the request waited longer than the queue timeout (cumulative)"},
      {MetricId::requests_failed_agent_error, "requests_failed_agent_error", kRequests, true,
       "failures of the agent itself (its error_percent) (cumulative)"},
      {MetricId::requests_failed_execution_limit, "requests_failed_execution_limit", kRequests, true,
       "executions cut off at the tenant's max_execution_time (cumulative)"},
      {MetricId::requests_failed_context, "requests_failed_context", kRequests, true,
       "requests that got no context at all because every context provider consulted failed (cumulative)"},
      {MetricId::requests_failed_instance_crash, "requests_failed_instance_crash", kRequests, true,
       "requests whose instance crashed under them (cumulative)"},
      {MetricId::requests_rejected_concurrent_agents, "requests_rejected_concurrent_agents", kRequests, true,
       "rejections that exceeded max_concurrent_agents (a rejection can exceed several limits)"},
      {MetricId::requests_rejected_memory, "requests_rejected_memory", kRequests, true,
       "rejections that exceeded max_memory_mb"},
      {MetricId::requests_rejected_cpu, "requests_rejected_cpu", kRequests, true, "rejections that exceeded max_cpu_cores"},
      {MetricId::requests_rejected_request_rate, "requests_rejected_request_rate", kRequests, true,
       "rejections that exceeded max_requests_per_minute (sliding 60 s window)"},
      {MetricId::availability_percent, "availability_percent", kRequests, true,
       "succeeded / (succeeded + failed), 100 when nothing completed"},
      {MetricId::error_rate_percent, "error_rate_percent", kRequests, true, "failed / (succeeded + failed)"},
      {MetricId::rejection_rate_percent, "rejection_rate_percent", kRequests, true, "rejected / arrived"},
      {MetricId::latency_avg_ms, "latency_avg_ms", kRequests, true, "mean arrival-to-completion time of successful requests"},
      {MetricId::latency_p50_ms, "latency_p50_ms", kRequests, true, "median latency (histogram, within 0.39 %)"},
      {MetricId::latency_p95_ms, "latency_p95_ms", kRequests | kCall, true,
       "95th percentile latency (histogram, within 0.39 %); of an edge: its successful calls, from sending the "
       "attempt to its answer"},
      {MetricId::latency_p99_ms, "latency_p99_ms", kRequests, true, "99th percentile latency (histogram, within 0.39 %)"},
      {MetricId::latency_max_ms, "latency_max_ms", kRequests, true, "largest latency of a successful request"},
      {MetricId::request_rate, "request_rate", kRequests, true, "arrivals per second"},
      {MetricId::cpu_utilization, "cpu_utilization", kFleet, true,
       "busy slots / slots of ready instances, percent, time-averaged"},
      {MetricId::memory_utilization, "memory_utilization", kFleet, true,
       "memory estimates of running executions / memory of ready instances, percent, time-averaged"},
      {MetricId::queue_depth, "queue_depth", kFleet, true, "requests waiting in service queues, time-averaged"},
      {MetricId::queue_depth_max, "queue_depth_max", kFleet, true, "most requests waiting at once"},
      {MetricId::instances, "instances", kFleet, true, "instances running (starting, ready or draining) now"},
      {MetricId::instances_max, "instances_max", kFleet, true, "most instances running at once"},
      {MetricId::cost_usd, "cost_usd", kFleet, true, "instance cost so far: instance-seconds x cost_per_hour / 3600, plus model calls' token_cost_usd where a "
       "service is a model provider"},
      {MetricId::quota_utilization_percent, "quota_utilization_percent", kTenant, true,
       "the highest of the quota_*_percent figures"},
      {MetricId::quota_concurrency_percent, "quota_concurrency_percent", kTenant, true,
       "admitted executions in progress / max_concurrent_agents, time-averaged"},
      {MetricId::quota_memory_percent, "quota_memory_percent", kTenant, true,
       "reserved memory / max_memory_mb, time-averaged"},
      {MetricId::quota_cpu_percent, "quota_cpu_percent", kTenant, true, "reserved cores / max_cpu_cores, time-averaged"},
      {MetricId::billing_usd, "billing_usd", kTenant, true,
       "the tenant's bill so far: successful requests x price_per_request_usd + reserved core-hours x price_per_cpu_hour_usd "
       "+ its model calls' token_cost_usd"},
      {MetricId::scaling_events, "scaling_events", kFleet, true, "scale-out and scale-in decisions carried out"},
      {MetricId::alerts_fired, "alerts_fired", kGlobal, true, "alerts that reached the firing state"},
      {MetricId::incidents_total, "incidents_total", kGlobal, true, "incidents opened (with an incidents section)"},
      {MetricId::incidents_sev1, "incidents_sev1", kGlobal, true, "incidents whose severity is (or was raised to) 1"},
      {MetricId::incidents_sev2, "incidents_sev2", kGlobal, true, "incidents of severity 2"},
      {MetricId::incidents_sev3, "incidents_sev3", kGlobal, true, "incidents of severity 3"},
      {MetricId::incidents_sev4, "incidents_sev4", kGlobal, true, "incidents of severity 4"},
      {MetricId::mttr_minutes, "mttr_minutes", kGlobal, true,
       "mean time to resolve: from an incident's opening (its detection) to its resolution, over resolved incidents; 0 "
       "until one resolves"},
      {MetricId::mttd_minutes, "mttd_minutes", kGlobal, true,
       "mean time to detect: from the fault that caused an incident to its opening, over incidents with a known cause; "
       "0 until there is one"},
      {MetricId::context_cache_hit_percent, "context_cache_hit_percent", kGlobal | kTenant, true,
       "context provider look-ups (provider x key) served from cache"},
      {MetricId::context_failures, "context_failures", kGlobal | kTenant, true,
       "context provider look-ups that failed (cumulative)"},
      {MetricId::context_denials, "context_denials", kGlobal | kTenant, true,
       "context entries withheld from a user by scope or access control (cumulative)"},
      {MetricId::performance_score, "performance_score", kGlobal | kService, true,
       "the performance engine's score, 0 to 100, of each scrape interval's CPU, memory, average latency and queue "
       "depth; over a run, the time average of the intervals' scores"},
      {MetricId::forecast_error_percent, "forecast_error_percent", kService, true,
       "the predictive engine's weighted absolute percentage error over its last day of evaluated forecasts (0 before "
       "the first, or without a predictive engine)"},
      {MetricId::budget_remaining_percent, "budget_remaining_percent", kSlo, true,
       "100 - the time integral of the burn rate over the SLO window / the window, in percent (may go below 0)"},
      {MetricId::burn_rate, "burn_rate", kSlo, true, "error ratio / (1 - target) over the last hour"},
      {MetricId::compliant, "compliant", kSlo, true, "1 when the SLI over the SLO window meets the target, else 0"},
      {MetricId::sli_percent, "sli_percent", kSlo, true,
       "good / total events over the SLO window, percent (availability: succeeded / completed; latency: succeeded "
       "within the threshold / succeeded)"},
      {MetricId::passed, "passed", kChaos, true,
       "1 when the experiment ran to the end and every probe held after the method; 0 when it failed, aborted or "
       "was skipped (and before it ends)"},
      {MetricId::resilience_score, "resilience_score", kChaos, true,
       "100 x the mean over probes of 1 (within tolerance) or 1 - miss / |bound| (outside); 0 when aborted or "
       "skipped, and before it ends"},
      {MetricId::requests_degraded, "requests_degraded", kRequests, true,
       "requests that succeeded without the answer of a call whose on_failure is \"continue\" (cumulative; they "
       "count as succeeded too)", MetricInfo::Needs::calls},
      {MetricId::requests_failed_dependency, "requests_failed_dependency", kRequests, true,
       "failures because a call failed after its retries (cumulative)", MetricInfo::Needs::calls},
      {MetricId::requests_failed_circuit_open, "requests_failed_circuit_open", kRequests, true,
       "failures because an open circuit breaker refused a call (cumulative)", MetricInfo::Needs::calls},
      {MetricId::retries, "retries", kRequests | kCall, true,
       "call attempts that were retries (cumulative): counted where the attempt was served (service, agent), for the "
       "tenant whose request started the chain, and on the edge", MetricInfo::Needs::calls},
      {MetricId::retry_amplification, "retry_amplification", kRequests, true,
       "call attempts per first attempt over the interval (1 without retries, and when no call was sent)", MetricInfo::Needs::calls},
      {MetricId::slot_utilization, "slot_utilization", kFleet, true,
       "slots held (working, or waiting for calls) / slots of ready instances, percent, time-averaged; "
       "cpu_utilization counts only the slots working", MetricInfo::Needs::calls},
      {MetricId::attempts, "attempts", kCall, true,
       "attempts sent on the edge, retries included, not those an open breaker refused (cumulative)", MetricInfo::Needs::calls},
      {MetricId::timeouts, "timeouts", kCall, true,
       "attempts that timed out: the call's timeout passed, or the callee's queue timeout (cumulative)", MetricInfo::Needs::calls},
      {MetricId::failures, "failures", kCall, true,
       "attempts that failed as the caller saw them, timeouts included (cumulative)", MetricInfo::Needs::calls},
      {MetricId::circuit_open_percent, "circuit_open_percent", kCall, true,
       "time the edge's circuit breakers were open, percent of the interval (their mean with several)", MetricInfo::Needs::calls},
      {MetricId::requests_failed_throttled, "requests_failed_throttled", kRequests, true,
       "failures because a model provider's rate_limit_rpm or rate_limit_tpm, or the tenant's max_tokens_per_minute, "
       "refused a model call at once (HTTP 429) (cumulative)", MetricInfo::Needs::providers},
      {MetricId::tokens_in, "tokens_in", kRequests, true,
       "input tokens of the model calls served, the assembled context included; a tenant counts those of its chains "
       "(cumulative)", MetricInfo::Needs::providers},
      {MetricId::tokens_out, "tokens_out", kRequests, true, "output tokens of the model calls served (cumulative)",
       MetricInfo::Needs::providers},
      {MetricId::token_cost_usd, "token_cost_usd", kRequests, true,
       "what the model calls' tokens cost at the provider's prices per 1,000 input and output tokens (cumulative; "
       "part of cost_usd and of the tenant's billing_usd)", MetricInfo::Needs::providers},
      {MetricId::requests_shed, "requests_shed", kRequests, true,
       "requests a shedding queue refused at once for their tenant's priority (cumulative; counted as failed, reason "
       "shed)", MetricInfo::Needs::shedding},
  };
  return catalog;
}

bool MetricInfo::present_in(const Scenario& s) const {
  switch (needs) {
    case Needs::nothing: return true;
    case Needs::calls: return s.has_calls();
    case Needs::providers: return s.has_providers();
    case Needs::shedding: return s.sheds();
  }
  return true;
}

const char* MetricInfo::needs_text() const {
  switch (needs) {
    case Needs::calls: return "exists only where agents make calls, and no agent of this scenario has calls";
    case Needs::providers: return "exists only where a service is of kind llm_provider, and this scenario has none";
    case Needs::shedding: return "exists only where a queue sheds load (queue.shed_at), and no queue of this scenario does";
    case Needs::nothing: break;
  }
  return "";
}

const MetricInfo& metric_info(MetricId id) { return metric_catalog()[static_cast<std::size_t>(id)]; }

bool parse_metric_name(std::string_view name, MetricRef& out, std::string& why) {
  out = MetricRef{};
  std::string_view base = name;
  struct Prefix {
    std::string_view text;
    ScopeBit scope;
  };
  static const Prefix prefixes[] = {
      {"tenant.", kTenant}, {"service.", kService}, {"slo.", kSlo},
      {"chaos.", kChaos},   {"agent.", kAgent},     {"call.", kCall}};
  for (const Prefix& p : prefixes) {
    if (name.substr(0, p.text.size()) != p.text) continue;
    const std::string_view rest = name.substr(p.text.size());
    // An edge's id is its two agents' ids, "<caller>.<callee>" (ids have no dots).
    std::size_t dot = rest.find('.');
    if (p.scope == kCall && dot != std::string_view::npos && dot > 0) {
      const std::size_t second = rest.find('.', dot + 1);
      dot = second == dot + 1 ? std::string_view::npos : second;
    }
    if (dot == std::string_view::npos || dot == 0) {
      why = p.scope == kCall ? "an edge's metric is call.<caller>.<callee>.<metric>"
                             : "a scoped metric is " + std::string(p.text) + "<id>.<metric>";
      return false;
    }
    out.scope = p.scope;
    out.scope_id = std::string(rest.substr(0, dot));
    base = rest.substr(dot + 1);
    break;
  }
  for (const MetricInfo& m : metric_catalog()) {
    if (base != m.name) continue;
    if (!(m.scopes & out.scope)) {
      why = "metric \"" + std::string(base) + "\" does not exist in this scope";
      return false;
    }
    out.info = &m;
    return true;
  }
  why = "unknown metric \"" + std::string(base) + "\"";
  return false;
}

}  // namespace opsim
