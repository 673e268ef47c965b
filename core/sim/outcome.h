// How a request's end reaches the subsystems that count it: the request path hands each
// outcome to one list of observers (metrics, incident signals, canary windows, latency
// SLOs), in the order they were added.
#pragma once
#include <cstdint>

#include "engine/sim_time.h"

namespace opsim {

// Why a request failed. Every reason has a counter (requests_failed_<reason>).
// dependency: a call failed after its retries; circuit_open: an open circuit breaker refused
// a call (sim/calls.h); throttled and shed: refused at once by a model provider's limits
// (sim/model_providers.h) or a shedding queue.
enum class Failure : std::uint8_t {
  none,
  queue_full,
  timeout,
  agent_error,
  execution_limit,
  context,
  instance_crash,
  dependency,
  circuit_open,
  throttled,  // a model provider's limit or the tenant's token quota refused it (HTTP 429)
  shed  // a shedding queue refused it for its tenant's priority
};

struct RequestOutcome {
  int tenant = 0, agent = 0, service = 0;
  int user = -1;     // -1: the tenant has no users
  int version = -1;  // the release that served it; -1 when it never reached an instance
  Failure failure = Failure::none;
  std::int64_t latency_us = 0;  // arrival to completion, for a success
  // A request as users see it (the first of its chain), counted in its tenant's scope too;
  // a call's attempt counts only where it was served (service, agent).
  bool root = true;
  bool degraded = false;  // succeeded without the answer of a call that may fail ("continue")
  int edge = -1;  // a call's attempt: its edge of the call graph (call_edges order); -1 for a root
  bool failed() const { return failure != Failure::none; }
};

class OutcomeObserver {
 public:
  virtual ~OutcomeObserver() = default;
  virtual void on_outcome(const RequestOutcome& o) = 0;
  // A request the tenant's quota refused at admission (it has no other outcome):
  // `exceeded_limits` has bit i set for each QuotaLimit i it exceeded. Only the Prometheus
  // series count these one by one; the others read the registry's rejection counters.
  virtual void on_rejected(const RequestOutcome& /*o*/, unsigned /*exceeded_limits*/) {}
};

// Where outcomes come from (the request path). An observer may come and go between
// outcomes, never while one is handed out: one that needs outcomes only at times listens
// only then, and costs the others nothing meanwhile.
class OutcomeFeed {
 public:
  virtual ~OutcomeFeed() = default;
  virtual void add_outcome_observer(OutcomeObserver* o) = 0;
  virtual void remove_outcome_observer(OutcomeObserver* o) = 0;
};

}  // namespace opsim
