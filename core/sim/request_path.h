// The request path: every request from its arrival to its outcome, read top to bottom in
// request_path.cpp:
//
//   on_arrival -> admit -> assemble_context -> dispatch (queue) -> start_work (instance)
//              -> on_work_done -> outcome (observers) -> finish
//
// Arrivals are a non-homogeneous Poisson process per (tenant, agent) load, by thinning.
// Admission checks the tenant's quota and rate limit (tenancy/resource_monitor.h); context
// assembly adds its latency (context/context_engine.h); a request waits in its pool's queue
// while no slot is free (one FIFO flow per namespace tenant, served round robin), and fails
// when the queue is full or its wait passes the service's timeout; the release that serves
// it (sre/rollouts.h) and any fault on its agent shape its work and its error rate.
//
// An agent with calls (sim/calls.h) runs its own work, then its call steps in order,
// keeping its slot: each call is a request of the called agent on that agent's service,
// for the same tenant and user, with no admission or context of its own. A call's attempt
// answers a lane (one call of the step in progress, through its repetitions and retries);
// when every lane of the step has ended the caller goes on, or fails, or ends degraded.
//
// A request on a model provider (sim/model_providers.h) draws its tokens when it reaches
// the provider, which may refuse it at once (throttled); its work is computed from them.
// A queue that sheds refuses requests at once by their tenant's priority past a length;
// its discipline takes the oldest (fifo) or newest (lifo, adaptive_lifo past a length) of
// a flow first (request_models.cpp).
#pragma once
#include <cstdint>
#include <vector>

#include "context/context_engine.h"
#include "engine/engine.h"
#include "engine/random.h"
#include "engine/ring_queue.h"
#include "fleet/fleet.h"
#include "metrics/registry.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"
#include "sim/calls.h"
#include "sim/load_model.h"
#include "sim/model_providers.h"
#include "sim/outcome.h"
#include "sre/rollouts.h"
#include "tenancy/resource_monitor.h"

namespace opsim {

class RequestPath : public Component, public FleetListener, public OutcomeFeed {
 public:
  // `operational` is what the operational context provider reports (the last scrape's figures).
  RequestPath(Engine& engine, Scenario& scenario, std::uint64_t seed, Fleet& fleet, ContextEngine& context,
              const OperationalSnapshot& operational, Rollouts& releases, MetricRegistry& registry, EventLog& log);
  // Schedules each load's first arrival.
  void start();
  // The bytes of the requests in flight at most: every slot busy and every queue full, each
  // with its record, its pending event and its queue entry.
  static double estimated_bytes(const Scenario& s);
  void on_event(std::uint16_t kind, std::uint32_t target) override;
  // Outcomes go to the observers in the order they were added.
  void add_outcome_observer(OutcomeObserver* o) override { observers_.push_back(o); }
  void remove_outcome_observer(OutcomeObserver* o) override;

  // The fleet's news: free slots let the queue move; a crashing instance fails its work.
  void on_capacity(int pool) override { pull_from_queue(pool); }
  void on_instance_crashing(int pool, int instance) override;

  // Faults acting on requests: added to an agent's error percentage and work time (they
  // add up; never below zero); a traffic spike as a spike pattern of the tenant's loads,
  // and cut short at `now` when it ends early.
  void add_agent_error_percent(int agent, double delta);
  void add_agent_latency(int agent, SimDuration delta);
  void add_spike(int tenant, const PatternSpec& spike);
  void end_spike_early(int tenant, SimTime at, double multiplier);

  // A tenant's quota use right now (the admission check's view).
  const ResourceMonitor& monitor(int tenant) const { return monitors_[static_cast<std::size_t>(tenant)]; }
  std::size_t queue_length(int pool) const { return queues_[static_cast<std::size_t>(pool)].queued; }

  // The call entries, their breakers and budgets (for the UI and the tests).
  const CallTable& calls() const { return calls_; }

  // Scrape-time work: gauges brought up to now (circuit breakers' open time too), admission
  // refusal episodes logged, the new windows' queue maxima seeded from the queues now.
  void integrate_all();
  void log_refusals();
  void reseed_window_maxima();
  // Throttling and shedding episodes: the first scrape interval without a refusal ends one.
  void log_episode_ends();
  // What has accrued since each queue's and tenant's last integration, without changing anything.
  void accrue_pending(std::vector<WindowCounters>& per_service, std::vector<WindowCounters>& per_tenant) const;
  // A scaling evaluation's window of one pool since the last call: arrivals and the
  // queue-length integral.
  struct EvalWindow {
    std::uint64_t arrivals = 0;
    double queue_len_us = 0;
  };
  EvalWindow take_eval_window(int pool);
  void set_scaled(int pool) { queues_[static_cast<std::size_t>(pool)].scaled = true; }

  // Checks conservation (arrived = succeeded + failed + rejected + in flight in every
  // scope, the scopes agreeing), each tenant's reservation against its requests in
  // flight, and the queues. Fills, per pool, the busy slots and memory its requests in
  // service hold, for the fleet's check. Throws InvariantViolation.
  void check_invariants(SimTime now, std::vector<int>& busy_by_pool, std::vector<double>& memory_by_pool) const;

 private:
  friend struct InvariantTestAccess;  // tests break a reservation on purpose
  enum Kind : std::uint16_t { kArrival, kContextDone, kWorkDone, kQueueTimeout, kCallTimeout, kRetry, kAttemptEnded };
  static constexpr std::uint32_t kNoLane = 0xffffffffu;

  // A request in flight, 40 bytes: the indices fit the loader's limits (2,000 tenants, 1,000
  // agents, 200 services, 10,000 users per tenant); pools and instances may be more.
  struct Request {
    SimTime arrival = 0;  // of a call's attempt: when it was sent
    SimTime enqueued = 0;
    std::int32_t pool = 0, instance = -1;
    std::int16_t tenant = 0, agent = 0, service = 0, flow = 0, user = -1;
    std::int16_t version = -1;  // the version that served it, -1 before it reached an instance
    bool admitted : 1;  // holds a reservation in its tenant's ResourceMonitor
    bool cut_off : 1;  // its work outlasts the tenant's max_execution_time
    bool no_context : 1;  // every context provider consulted failed
    bool crashed : 1;  // its instance crashed: already failed, its work event (or its lanes) still to end
    bool in_service : 1;  // holds a slot on an instance (working, or waiting for its calls)
    bool root : 1;  // a request as users see it: counted in its tenant's scope
    bool waiting : 1;  // its own work done, waiting for its calls
    bool degraded : 1;  // a call that may fail ("continue") failed
    bool in_queue : 1;  // waiting in its pool's queue
    Request()
        : admitted(false), cut_off(false), no_context(false), crashed(false), in_service(false), root(true),
          waiting(false), degraded(false), in_queue(false) {}
  };
  // A request's part in the call graph, beside its record (kept only in scenarios with
  // calls, so that the others' requests stay small). An attempt: the lane it answers
  // (kNoLane once its caller has its answer or gave up on it), the breaker epoch that let
  // it through, and a serial that tells its timeout from a later attempt's in the same
  // record (0: a free record). A caller: its step, the lanes of the step still open, and
  // how its calls failed.
  struct CallState {
    std::uint32_t lane = kNoLane;
    std::uint32_t serial = 0;
    std::uint32_t breaker_epoch = 0;
    std::int32_t edge = -1;  // an attempt's edge of the call graph
    std::int16_t step = 0, lanes_open = 0;
    Failure call_failure = Failure::none;
  };
  // One call of a caller's current step, through its repetitions (count) and retries.
  struct Lane {
    std::uint32_t caller = 0;
    std::uint32_t attempt = kNoLane;  // the attempt in flight; kNoLane while waiting to retry
    std::int32_t entry = 0;  // in calls_
    std::int16_t repetition = 0;  // repetitions finished
    std::int16_t tries = 0;  // attempts of this repetition sent so far
    SimDuration previous_wait = 0;  // decorrelated jitter's last wait
    // An attempt that ended while an instance crashed, heard of from an event.
    SimTime ended_sent = 0;
    std::uint32_t ended_epoch = 0;
    Failure ended_with = Failure::none;
  };
  struct CallTimer {
    std::uint32_t attempt = 0, serial = 0;
  };
  struct ArrivalStream {
    int tenant = 0, agent = 0;
    const LoadSpec* load = nullptr;
    Rng rng{1};
    LoadRateMemo memo;  // the rate's factors at the last candidate time (thinning's next bound starts there)
  };
  // A pool's waiting requests: one FIFO per flow (flow 0: shared tenants; one per namespace
  // tenant), served round robin so that one namespace tenant cannot starve another.
  struct PoolQueue {
    const ServiceSpec* spec = nullptr;  // the pool's service
    WindowCounters* service_window = nullptr;  // its metric window, where the queue's integral goes
    std::vector<RingQueue<std::uint32_t>> flows;
    std::size_t queued = 0;
    std::size_t next_flow = 0;
    bool timeout_pending = false;
    bool full_episode = false;
    std::uint64_t refused_in_episode = 0;
    SimTime integrated_until = 0;
    // Since the pool's last scaling evaluation (kept only when a scaling section evaluates it).
    double eval_queue_len_us = 0;
    std::uint64_t eval_arrivals = 0;
    bool scaled = false;
    ThrottleEpisode shedding;  // requests shed, as an episode
  };

  // [the route of one request]
  void schedule_next_arrival(std::uint32_t stream, SimTime from);
  void on_arrival(std::uint32_t stream);
  bool admit(std::uint32_t request);
  void assemble_context(std::uint32_t request);
  void on_context_done(std::uint32_t request);
  void dispatch(std::uint32_t request);
  void start_work(std::uint32_t request, int instance);
  void on_work_done(std::uint32_t request);
  void outcome(std::uint32_t request, Failure why);
  void finish(std::uint32_t request);
  std::uint32_t new_request();
  // The index of a record to reuse: one given back to `free`, or a new one at the end of
  // `records` (requests, lanes and timers are kept this way, without allocating per request).
  template <typename T>
  static std::uint32_t take_record(std::vector<T>& records, std::vector<std::uint32_t>& free) {
    if (free.empty()) {
      records.emplace_back();
      return static_cast<std::uint32_t>(records.size() - 1);
    }
    const std::uint32_t i = free.back();
    free.pop_back();
    return i;
  }
  // [calls]
  void start_step(std::uint32_t caller);
  void send_attempt(std::uint32_t lane);
  void on_attempt_end(std::uint32_t lane, SimTime sent, std::uint32_t epoch, Failure why);
  void on_call_timeout(std::uint32_t timer);
  void attempt_failed(std::uint32_t lane, Failure why);
  void repetition_done(std::uint32_t lane);
  // A lane has ended (kNoLane: the guard of a step being opened): the caller goes on when
  // its step's last lane has.
  void lane_done(std::uint32_t lane, std::uint32_t caller);
  void end_caller(std::uint32_t caller, Failure why);
  void log_breaker(const CallTable::Entry& e, CircuitBreaker::Change change);
  // [model providers and server-side protection] (request_models.cpp)
  // A request reaching a model provider: its tokens drawn, the limits checked; false when
  // it was refused (failed as throttled).
  bool admit_model_call(std::uint32_t request);
  void throttled(std::uint32_t request, TokenLimit limit, const MinuteLimit& window);
  SimDuration model_work_time(std::uint32_t request);
  void count_tokens(std::uint32_t request);
  // A request about to wait in a shedding queue: false when it was shed (failed as shed).
  bool admit_to_queue(std::uint32_t request);
  // The flow's next request in the queue's discipline.
  bool serve_newest(const PoolQueue& q) const;
  // [queues]
  void pull_from_queue(int pool);
  // Round robin over the flows with requests waiting: the flow served next, and taking its
  // head (the turn passes to the flow after it).
  static std::size_t next_flow(const PoolQueue& q);
  std::uint32_t take_head(PoolQueue& q, std::size_t flow);
  const std::uint32_t& next_in(const PoolQueue& q, std::size_t flow) const;
  void arm_queue_timeout(int pool);
  void on_queue_timeout(int pool);
  void integrate_queue(int pool);
  void integrate_tenant(int tenant);
  int pick_user(int tenant);
  const ExecutionDemand& demand_of(const Request& r) const { return demand_[static_cast<std::size_t>(r.agent)]; }

  Engine& engine_;
  std::uint16_t id_;
  Scenario& scenario_;
  Fleet& fleet_;
  ContextEngine& context_;
  const OperationalSnapshot& operational_;
  Rollouts& releases_;
  MetricRegistry& registry_;
  EventLog& log_;
  std::vector<OutcomeObserver*> observers_;

  std::vector<Request> requests_;
  std::vector<std::uint32_t> free_requests_;
  std::vector<ArrivalStream> streams_;
  std::vector<Rng> work_rng_, error_rng_;  // per agent
  std::vector<ExecutionDemand> demand_;  // per agent: what an execution holds on its instance
  std::vector<Rng> user_rng_;  // per tenant
  std::vector<double> user_weight_total_;  // per tenant: its users' weights summed
  std::vector<ResourceMonitor> monitors_;  // per tenant
  std::vector<SimTime> tenant_integrated_until_;
  std::vector<std::uint64_t> refused_in_episode_;  // per tenant: admissions refused in the current episode
  std::vector<PoolQueue> queues_;  // per pool
  std::int64_t queued_total_ = 0;
  std::vector<double> fault_error_percent_;  // per agent: added by `errors` faults now
  std::vector<SimDuration> fault_added_us_;  // per agent: work time added by `latency` faults now
  CallTable calls_;
  std::vector<CallState> call_states_;  // beside requests_ when calls_ is not empty
  std::vector<Lane> lanes_;
  std::vector<std::uint32_t> free_lanes_;
  std::vector<CallTimer> timers_;
  std::vector<std::uint32_t> free_timers_;
  std::uint32_t next_serial_ = 0;
  int call_depth_ = 0;  // nested sends right now (an immediate failure goes on at once)
  // Model providers (only in scenarios with one): per service whether it is one, and its
  // limits; per tenant its token quota; per agent its token draws; beside each request
  // record its tokens.
  bool models_ = false;
  std::vector<char> model_service_;
  std::vector<MinuteLimit> provider_limits_, tenant_token_limits_;
  std::vector<ThrottleEpisode> provider_throttling_, tenant_throttling_;
  std::vector<Rng> token_rng_;
  std::vector<ModelTokens> tokens_;
  bool crashing_ = false;  // an instance is crashing: nothing may start on it now
};

// Inline: every request and every call's attempt takes a record.
inline std::uint32_t RequestPath::new_request() {
  const std::uint32_t id = take_record(requests_, free_requests_);
  Request& r = requests_[id];
  r = Request{};
  r.arrival = engine_.now();
  if (!calls_.empty()) {
    if (call_states_.size() < requests_.size()) call_states_.resize(requests_.size());
    call_states_[id] = CallState{};
  }
  if (models_) {
    if (tokens_.size() < requests_.size()) tokens_.resize(requests_.size());
    tokens_[id] = ModelTokens{};
  }
  return id;
}

}  // namespace opsim
