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
    // Three calls the compiler unrolls (a loop over the scopes costs more per request).
    if (!o.failed()) {
      const int bucket = LatencyHistogram::bucket_of(o.latency_us);
      succeeded(registry_.service(o.service), o, bucket);
      succeeded(registry_.agent(o.agent), o, bucket);
      if (o.root) succeeded(registry_.tenant(o.tenant), o, bucket);
      return;
    }
    failed(registry_.service(o.service).window, o.failure);
    failed(registry_.agent(o.agent).window, o.failure);
    if (o.root) failed(registry_.tenant(o.tenant).window, o.failure);
  }

 private:
  static void succeeded(ScopeStats& st, const RequestOutcome& o, int bucket) {
    st.window.succeeded++;
    st.window.degraded += o.degraded;
    st.window.latency_sum_us += o.latency_us;
    st.window_latency.record_in(bucket, o.latency_us);
  }
  static void failed(WindowCounters& w, Failure why) {
    w.failed++;
    switch (why) {
      case Failure::none: break;
      case Failure::queue_full: w.failed_queue_full++; break;
      case Failure::timeout: w.failed_timeout++; break;
      case Failure::agent_error: w.failed_agent_error++; break;
      case Failure::execution_limit: w.failed_execution_limit++; break;
      case Failure::context: w.failed_context++; break;
      case Failure::instance_crash: w.failed_instance_crash++; break;
      case Failure::dependency: w.failed_dependency++; break;
      case Failure::circuit_open: w.failed_circuit_open++; break;
      case Failure::throttled: w.failed_throttled++; break;
      case Failure::shed: w.shed++; break;
    }
  }

  MetricRegistry& registry_;
};

}  // namespace opsim
