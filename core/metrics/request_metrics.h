// Request outcomes into the registry: each ended request counts in its service's and
// agent's windows, and, when users see it (the first of its chain), in its tenant's
// (successes with their latency, failures by reason).
#pragma once
#include "metrics/registry.h"
#include "sim/outcome.h"

namespace opsim {

class RequestMetrics : public OutcomeObserver {
 public:
  explicit RequestMetrics(MetricRegistry& registry) : registry_(registry) {}

  void on_outcome(const RequestOutcome& o) override {
    ScopeStats* const all[] = {&registry_.service(o.service), &registry_.agent(o.agent), &registry_.tenant(o.tenant)};
    ScopeStats* const* const end = all + (o.root ? 3 : 2);
    if (!o.failed()) {
      const int bucket = LatencyHistogram::bucket_of(o.latency_us);
      for (ScopeStats* const* st = all; st != end; ++st) {
        (*st)->window.succeeded++;
        (*st)->window.degraded += o.degraded;
        (*st)->window.latency_sum_us += o.latency_us;
        (*st)->window_latency.record_in(bucket, o.latency_us);
      }
      return;
    }
    for (ScopeStats* const* st = all; st != end; ++st) {
      WindowCounters& w = (*st)->window;
      w.failed++;
      switch (o.failure) {
        case Failure::none: break;
        case Failure::queue_full: w.failed_queue_full++; break;
        case Failure::timeout: w.failed_timeout++; break;
        case Failure::agent_error: w.failed_agent_error++; break;
        case Failure::execution_limit: w.failed_execution_limit++; break;
        case Failure::context: w.failed_context++; break;
        case Failure::instance_crash: w.failed_instance_crash++; break;
        case Failure::dependency: w.failed_dependency++; break;
        case Failure::circuit_open: w.failed_circuit_open++; break;
      }
    }
  }

 private:
  MetricRegistry& registry_;
};

}  // namespace opsim
