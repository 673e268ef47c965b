// The request path (request_path.h). The route of one request reads top to bottom in
// [SECTION] The route of one request: on_arrival -> admit -> assemble_context -> dispatch ->
// start_work -> on_work_done -> outcome -> finish. Each stage is one call in one place. An
// agent with calls goes from on_work_done to its call steps (request_calls.cpp) and ends
// there.
//
// [SECTION] Set-up and events
// [SECTION] The route of one request
// [SECTION] Queues
// [SECTION] Faults acting on requests
// [SECTION] Gauges and refusal episodes
// [SECTION] Invariants
#include "sim/request_path.h"

#include <algorithm>
#include <cmath>

#include "scaling/decision.h"
#include "sim/invariants.h"

namespace opsim {
namespace {

// Arrival bounds are computed per segment of this length: short enough that a thinning
// bound stays close to a varying rate, long enough that segment changes cost nothing.
constexpr SimDuration kArrivalSegment = 5 * kMicrosPerMinute;

}  // namespace

// [SECTION] Set-up and events

RequestPath::RequestPath(Engine& engine, Scenario& scenario, std::uint64_t seed, Fleet& fleet, ContextEngine& context,
                         const OperationalSnapshot& operational, Rollouts& releases, MetricRegistry& registry,
                         EventLog& log)
    : engine_(engine),
      id_(engine.add(this)),
      scenario_(scenario),
      fleet_(fleet),
      context_(context),
      operational_(operational),
      releases_(releases),
      registry_(registry),
      log_(log),
      calls_(scenario, seed) {
  for (const AgentSpec& a : scenario_.agents) {
    work_rng_.push_back(Rng::stream(seed, "work/" + a.id));
    error_rng_.push_back(Rng::stream(seed, "errors/" + a.id));
    demand_.push_back({to_millicores(a.cpu_estimate_cores), a.memory_estimate_mb});
  }
  for (std::size_t t = 0; t < scenario_.tenants.size(); ++t) {
    const TenantSpec& tenant = scenario_.tenants[t];
    monitors_.emplace_back(tenant.quota);
    user_rng_.push_back(Rng::stream(seed, "users/" + tenant.id));
    double weights = 0;  // summed in file order, as pick_user once did per request
    for (const UserSpec& u : tenant.users) weights += u.weight;
    user_weight_total_.push_back(weights);
    for (std::size_t l = 0; l < tenant.load.size(); ++l) {
      ArrivalStream st;
      st.tenant = static_cast<int>(t);
      st.agent = tenant.load[l].agent_index;
      st.load = &tenant.load[l];
      st.rng = Rng::stream(seed, "arrivals/" + tenant.id + "/" + tenant.load[l].agent, l);
      streams_.push_back(st);
    }
  }
  tenant_integrated_until_.assign(scenario_.tenants.size(), 0);
  refused_in_episode_.assign(scenario_.tenants.size(), 0);
  queues_.resize(fleet_.pool_count());
  for (std::size_t pi = 0; pi < queues_.size(); ++pi) {
    const int service = fleet_.service_of(static_cast<int>(pi));
    queues_[pi].spec = &scenario_.services[static_cast<std::size_t>(service)];
    queues_[pi].service_window = &registry_.service(service).window;
    queues_[pi].flows.resize(fleet_.flow_count(static_cast<int>(pi)));
  }
  fault_error_percent_.assign(scenario_.agents.size(), 0.0);
  fault_added_us_.assign(scenario_.agents.size(), 0);
  for (std::size_t i = 0; i < calls_.size(); ++i)
    if (calls_.entry(static_cast<int>(i)).spec->circuit_breaker.enabled) registry_.edge(calls_.entry(static_cast<int>(i)).edge).breakers++;
  models_ = scenario_.has_providers();
  if (models_) {
    for (const ServiceSpec& sv : scenario_.services) {
      model_service_.push_back(sv.kind == ServiceSpec::Kind::llm_provider);
      provider_limits_.emplace_back(sv.model.rate_limit_rpm, sv.model.rate_limit_tpm);
    }
    for (const TenantSpec& t : scenario_.tenants) tenant_token_limits_.emplace_back(0.0, t.quota.max_tokens_per_minute);
    provider_throttling_.resize(scenario_.services.size());
    tenant_throttling_.resize(scenario_.tenants.size());
    for (const AgentSpec& a : scenario_.agents) token_rng_.push_back(Rng::stream(seed, "tokens/" + a.id));
  }
}

double RequestPath::estimated_bytes(const Scenario& s) {
  const std::vector<int> pools = Fleet::pools_per_service(s);
  // With calls, a request may also have a lane waiting for it and a timer for its timeout.
  const double per_request = static_cast<double>(sizeof(Request) + EventQueue::bytes_per_event() +
                                                 sizeof(std::uint32_t) + sizeof(std::uint32_t)) +
                             (s.has_calls() ? static_cast<double>(sizeof(Lane) + sizeof(CallTimer) +
                                                                  EventQueue::bytes_per_event() + 2 * sizeof(std::uint32_t))
                                            : 0.0);
  double requests = 0;
  for (std::size_t v = 0; v < s.services.size(); ++v) {
    const ServiceSpec& sv = s.services[v];
    requests += pools[v] * (static_cast<double>(sv.instances_max) * sv.concurrency + static_cast<double>(sv.queue_capacity));
  }
  return requests * per_request;
}

void RequestPath::start() {
  for (std::uint32_t i = 0; i < streams_.size(); ++i) schedule_next_arrival(i, 0);
}

void RequestPath::on_event(std::uint16_t kind, std::uint32_t target) {
  switch (kind) {
    case kArrival: on_arrival(target); break;
    case kContextDone: on_context_done(target); break;
    case kWorkDone: on_work_done(target); break;
    case kQueueTimeout: on_queue_timeout(static_cast<int>(target)); break;
    case kCallTimeout: on_call_timeout(target); break;
    case kRetry: send_attempt(target); break;
    case kAttemptEnded: {
      const Lane& l = lanes_[target];
      on_attempt_end(target, l.ended_sent, l.ended_epoch, l.ended_with);
      break;
    }
  }
}

// [SECTION] The route of one request

void RequestPath::schedule_next_arrival(std::uint32_t stream, SimTime from) {
  ArrivalStream& s = streams_[stream];
  const SimTime end = engine_.end();
  const Calendar& calendar = scenario_.calendar;
  SimTime t = from;
  if (s.load->patterns.empty()) {
    // A constant rate needs no thinning: exponential gaps at that rate.
    if (s.load->rate <= 0) return;
    t += std::max<SimDuration>(1, from_seconds(s.rng.exponential(1.0 / s.load->rate)));
    if (t <= end) engine_.schedule(t, id_, kArrival, stream);
    return;
  }
  // Thinning (Lewis and Shedler) of a Poisson process at the segment's bound rate; a
  // candidate past the segment's end restarts from there, which the memoryless property
  // makes exact.
  while (t < end) {
    const SimTime segment_end = (t / kArrivalSegment + 1) * kArrivalSegment;
    const double bound = load_rate_bound(*s.load, calendar, t, segment_end, s.memo);
    if (bound <= 0) {
      t = segment_end;
      continue;
    }
    const SimTime candidate = t + std::max<SimDuration>(1, from_seconds(s.rng.exponential(1.0 / bound)));
    if (candidate >= segment_end) {
      t = segment_end;
      continue;
    }
    t = candidate;
    const double rate = load_rate(*s.load, calendar, t, s.memo);
    if (rate >= bound || s.rng.uniform_open() * bound < rate) {
      if (t <= end) engine_.schedule(t, id_, kArrival, stream);
      return;
    }
  }
}

int RequestPath::pick_user(int tenant) {
  // A tenant's users send its requests in proportion to their weights.
  const std::vector<UserSpec>& users = scenario_.tenants[static_cast<std::size_t>(tenant)].users;
  if (users.empty()) return -1;
  const double total = user_weight_total_[static_cast<std::size_t>(tenant)];
  if (total <= 0) return -1;
  double x = user_rng_[static_cast<std::size_t>(tenant)].uniform_open() * total;
  if (users.size() <= 16) {
    // Weights are not negative, so x only falls: the first user that takes it below 0 is
    // the count of steps that leave it at 0 or above. Counted without a branch, as the
    // pick is random and a branch on it is mispredicted half the time.
    std::size_t at_or_above = 0;
    for (const UserSpec& u : users) {
      x -= u.weight;
      at_or_above += x >= 0;
    }
    return static_cast<int>(std::min(at_or_above, users.size() - 1));
  }
  for (std::size_t i = 0; i < users.size(); ++i) {
    x -= users[i].weight;
    if (x < 0) return static_cast<int>(i);
  }
  return static_cast<int>(users.size() - 1);
}

void RequestPath::on_arrival(std::uint32_t stream) {
  const ArrivalStream& s = streams_[stream];
  schedule_next_arrival(stream, engine_.now());
  const std::uint32_t id = new_request();
  Request& r = requests_[id];
  r.tenant = static_cast<std::int16_t>(s.tenant);
  r.agent = static_cast<std::int16_t>(s.agent);
  r.service = static_cast<std::int16_t>(scenario_.agents[static_cast<std::size_t>(s.agent)].service_index);
  r.pool = fleet_.pool_of(r.tenant, r.service);
  r.flow = static_cast<std::int16_t>(fleet_.flow_of(r.tenant, r.service));
  r.user = static_cast<std::int16_t>(pick_user(r.tenant));
  registry_.tenant(r.tenant).window.arrived++;
  registry_.service(r.service).window.arrived++;
  registry_.agent(r.agent).window.arrived++;
  PoolQueue& q = queues_[static_cast<std::size_t>(r.pool)];
  if (q.scaled) q.eval_arrivals++;
  if (!admit(id)) return;
  if (context_.enabled()) assemble_context(id);
  else dispatch(id);
}

bool RequestPath::admit(std::uint32_t id) {
  Request& r = requests_[id];
  const AgentSpec& agent = scenario_.agents[static_cast<std::size_t>(r.agent)];
  integrate_tenant(r.tenant);
  const unsigned exceeded = monitors_[static_cast<std::size_t>(r.tenant)].try_admit(engine_.now(), agent);
  if (exceeded == 0) {
    r.admitted = true;
    return true;
  }
  // Refused by the tenant's own quota: counted per limit exceeded, not a service failure.
  for (ScopeStats* st : {&registry_.tenant(r.tenant), &registry_.service(r.service), &registry_.agent(r.agent)}) {
    st->window.rejected++;
    for (int i = 0; i < kQuotaLimitCount; ++i)
      if (exceeded & (1u << i)) st->window.rejected_by[i]++;
  }
  RequestOutcome o;
  o.tenant = r.tenant;
  o.agent = r.agent;
  o.service = r.service;
  o.user = r.user;
  for (OutcomeObserver* observer : observers_) observer->on_rejected(o, exceeded);
  free_requests_.push_back(id);
  return false;
}

void RequestPath::assemble_context(std::uint32_t id) {
  // The enterprise context the agent receives (a scenario with a context section):
  // providers consulted by priority, through their caches; the time spent is added before
  // the request reaches the service.
  Request& r = requests_[id];
  // The outcome counts failed providers; the metric counts failed look-ups, as the engine does.
  const ContextOutcome out = context_.assemble(engine_.now(), r.tenant, r.user, operational_);
  const auto failed_lookups = static_cast<std::uint64_t>(out.failed_lookups);
  for (ScopeStats* st : {&registry_.tenant(r.tenant), &registry_.service(r.service)}) {
    WindowCounters& w = st->window;
    w.context_lookups += static_cast<std::uint64_t>(out.cache_hits + out.cache_misses);
    w.context_hits += static_cast<std::uint64_t>(out.cache_hits);
    w.context_failures += failed_lookups;
    w.context_denials += static_cast<std::uint64_t>(out.denied);
  }
  if (context_.has_new_denials())
    for (const ContextDenial& d : context_.take_new_denials()) {
      const TenantSpec& t = scenario_.tenants[static_cast<std::size_t>(d.tenant)];
      log_.log(EventKind::context_denied,
               EventFields()
                   .add("tenant", t.id)
                   .add("user", d.user >= 0 ? t.users[static_cast<std::size_t>(d.user)].id : std::string("(none)"))
                   .add("provider", d.provider)
                   .add("key", d.key)
                   .add("reason", d.reason));
    }
  r.no_context = !out.any_context;
  if (models_) tokens_[id].context = static_cast<std::uint32_t>(std::min(out.tokens, 1e9));
  if (out.latency > 0) {
    engine_.schedule(engine_.now() + out.latency, id_, kContextDone, id);
    return;
  }
  on_context_done(id);
}

void RequestPath::on_context_done(std::uint32_t id) {
  // The orchestrator survives failed providers; only a request left with no context at all
  // fails.
  if (requests_[id].no_context) {
    outcome(id, Failure::context);
    return;
  }
  dispatch(id);
}

void RequestPath::dispatch(std::uint32_t id) {
  if (models_ && !admit_model_call(id)) return;
  Request& r = requests_[id];
  PoolQueue& q = queues_[static_cast<std::size_t>(r.pool)];
  if (fleet_.has_free_slot(r.pool) && q.queued == 0) {
    // A free slot is not always room: the instance's cores or memory may be taken.
    const int instance = fleet_.pick_instance(r.pool, demand_of(r));
    if (instance >= 0) {
      start_work(id, instance);
      return;
    }
  }
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(r.service)];
  RingQueue<std::uint32_t>& flow = q.flows[static_cast<std::size_t>(r.flow)];
  if (static_cast<int>(flow.size()) >= spec.queue_capacity) {
    if (!q.full_episode) {
      q.full_episode = true;
      q.refused_in_episode = 0;
      EventFields w;
      w.add("service", spec.id);
      const int owner = fleet_.owner_of(r.pool);
      if (owner >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(owner)].id);
      w.add("capacity", spec.queue_capacity)
          .add("busy_slots", fleet_.busy_slots(r.pool))
          .add("reason", "every slot is busy and the queue is at capacity; new requests fail");
      log_.log(EventKind::queue_full_started, std::move(w));
    }
    ++q.refused_in_episode;
    outcome(id, Failure::queue_full);
    return;
  }
  if (spec.sheds() && !admit_to_queue(id)) return;
  integrate_queue(r.pool);
  r.enqueued = engine_.now();
  r.in_queue = true;
  if (r.root) registry_.tenant(r.tenant).window.queued++;
  registry_.agent(r.agent).window.queued++;
  registry_.service(r.service).window.queued++;
  flow.push_back(id);
  ++q.queued;
  ++queued_total_;
  WindowCounters& w = registry_.service(r.service).window;
  w.queue_max = std::max<std::int64_t>(w.queue_max, static_cast<std::int64_t>(q.queued));
  WindowCounters& g = registry_.global().window;
  g.queue_max = std::max(g.queue_max, queued_total_);
  arm_queue_timeout(r.pool);
}

void RequestPath::start_work(std::uint32_t id, int instance) {
  Request& r = requests_[id];
  const AgentSpec& agent = scenario_.agents[static_cast<std::size_t>(r.agent)];
  fleet_.take_slot(r.pool, instance, demand_of(r));
  r.instance = instance;
  r.in_service = true;
  r.version = static_cast<std::int16_t>(releases_.route(r.pool, instance));
  SimDuration work = models_ && model_service_[static_cast<std::size_t>(r.service)]
                         ? model_work_time(id)
                         : std::max<SimDuration>(1, from_seconds(agent.work.sample(work_rng_[static_cast<std::size_t>(r.agent)])));
  // The release that serves it scales its work; a latency fault adds to it.
  const double factor = releases_.behaviour(r.version).latency_factor;
  if (factor != 1.0) work = std::max<SimDuration>(1, static_cast<SimDuration>(std::llround(static_cast<double>(work) * factor)));
  work += fault_added_us_[static_cast<std::size_t>(r.agent)];
  // The tenant's max_execution_time cuts the execution off.
  const SimDuration limit = scenario_.tenants[static_cast<std::size_t>(r.tenant)].quota.max_execution_time;
  r.cut_off = work > limit;
  if (r.cut_off) work = limit;
  engine_.schedule(engine_.now() + work, id_, kWorkDone, id);
}

void RequestPath::on_work_done(std::uint32_t id) {
  Request& r = requests_[id];
  if (r.crashed) {
    // Failed when its instance crashed; only the slot was kept until now.
    r.crashed = false;
    free_requests_.push_back(id);
    return;
  }
  const int pool = r.pool;
  const AgentSpec& agent = scenario_.agents[static_cast<std::size_t>(r.agent)];
  Failure why = Failure::none;
  if (r.cut_off)
    why = Failure::execution_limit;
  else if (const double error_percent = agent.error_percent + fault_error_percent_[static_cast<std::size_t>(r.agent)] +
                                        releases_.behaviour(r.version).error_percent;
           error_percent > 0 && error_rng_[static_cast<std::size_t>(r.agent)].uniform_open() * 100.0 < error_percent)
    why = Failure::agent_error;
  if (models_ && why == Failure::none && model_service_[static_cast<std::size_t>(r.service)]) count_tokens(id);
  if (why == Failure::none && !agent.calls.empty()) {
    // Its own work is done; it keeps its slot while its calls run.
    r.waiting = true;
    fleet_.wait_for_calls(pool, r.instance, demand_of(r));
    pull_from_queue(pool);  // the cores it gave back may let a queued request start
    start_step(id);
    return;
  }
  r.in_service = false;
  fleet_.release_slot(pool, r.instance, demand_of(r));
  outcome(id, why);
  pull_from_queue(pool);
}

inline void RequestPath::finish(std::uint32_t id) {
  // Completion, failure and timeout all give the reservation back, once.
  Request& r = requests_[id];
  if (r.admitted) {
    integrate_tenant(r.tenant);
    monitors_[static_cast<std::size_t>(r.tenant)].release(scenario_.agents[static_cast<std::size_t>(r.agent)]);
    r.admitted = false;
  }
  if (!r.crashed) {
    if (!calls_.empty()) call_states_[id].serial = 0;  // a timer of its last attempt is stale from now on
    free_requests_.push_back(id);
  }
}

void RequestPath::remove_outcome_observer(OutcomeObserver* o) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), o), observers_.end());
}

void RequestPath::outcome(std::uint32_t id, Failure why) {
  Request& r = requests_[id];
  RequestOutcome o;
  o.tenant = r.tenant;
  o.agent = r.agent;
  o.service = r.service;
  o.user = r.user;
  o.version = r.version;
  o.failure = why;
  o.root = r.root;
  o.degraded = r.degraded;
  if (why == Failure::none) o.latency_us = engine_.now() - r.arrival;
  if (!r.root) o.edge = call_states_[id].edge;
  for (OutcomeObserver* observer : observers_) observer->on_outcome(o);
  if (r.root) {
    finish(id);
    return;
  }
  // A call's attempt answers its lane after its record is free again (the lane may send
  // the next attempt at once).
  CallState& cs = call_states_[id];
  const std::uint32_t lane = cs.lane;
  const SimTime sent = r.arrival;
  const std::uint32_t epoch = cs.breaker_epoch;
  cs.lane = kNoLane;
  finish(id);
  if (lane == kNoLane) return;
  if (!crashing_) {
    on_attempt_end(lane, sent, epoch, why);
    return;
  }
  // While an instance crashes nothing may start on it: the lane hears of it from an event
  // at the same time.
  Lane& l = lanes_[lane];
  l.ended_with = why;
  l.ended_sent = sent;
  l.ended_epoch = epoch;
  engine_.schedule(engine_.now(), id_, kAttemptEnded, lane);
}


void RequestPath::on_instance_crashing(int pool, int instance) {
  crashing_ = true;
  for (std::uint32_t id = 0; id < requests_.size(); ++id) {
    Request& r = requests_[id];
    if (r.pool != pool || r.instance != instance || r.crashed || !r.in_service) continue;
    r.in_service = false;
    r.waiting = false;  // the fleet forgets the instance's waiting slots itself
    // Its record stays taken until its stale work event passes, or, waiting for calls,
    // until its lanes have ended.
    r.crashed = true;
    outcome(id, Failure::instance_crash);
  }
  crashing_ = false;
}

// [SECTION] Queues

std::size_t RequestPath::next_flow(const PoolQueue& q) {
  // (A wrap instead of a remainder: a division per request showed in profiles.)
  const std::size_t n = q.flows.size();
  std::size_t f = q.next_flow;
  while (q.flows[f].empty()) f = f + 1 == n ? 0 : f + 1;
  return f;
}

std::uint32_t RequestPath::take_head(PoolQueue& q, std::size_t f) {
  RingQueue<std::uint32_t>& flow = q.flows[f];
  std::uint32_t id;
  if (serve_newest(q)) {
    id = flow.back();
    flow.pop_back();
  } else {
    id = flow.front();
    flow.pop_front();
  }
  requests_[id].in_queue = false;
  q.next_flow = f + 1 == q.flows.size() ? 0 : f + 1;
  --q.queued;
  --queued_total_;
  return id;
}

void RequestPath::pull_from_queue(int pool) {
  PoolQueue& q = queues_[static_cast<std::size_t>(pool)];
  if (q.queued == 0 && !q.full_episode) return;  // most calls: nobody waits
  const ServiceSpec& spec = *q.spec;
  while (q.queued > 0 && fleet_.has_free_slot(pool)) {
    integrate_queue(pool);
    const std::size_t f = next_flow(q);
    const std::uint32_t head = next_in(q, f);
    if (engine_.now() - requests_[head].enqueued >= spec.queue_timeout) {
      outcome(take_head(q, f), Failure::timeout);
      continue;
    }
    // The head waits, and those behind it in its turn, until an instance has room for it.
    const int instance = fleet_.pick_instance(pool, demand_of(requests_[head]));
    if (instance < 0) break;
    start_work(take_head(q, f), instance);
  }
  if (!q.full_episode) return;
  std::size_t longest = 0;
  for (const auto& f : q.flows) longest = std::max(longest, f.size());
  if (static_cast<double>(longest) < 0.9 * spec.queue_capacity) {
    // The episode ends once the queue has real room again (below 90 %), so that a queue
    // hovering at its capacity does not log an event per request.
    q.full_episode = false;
    EventFields w;
    w.add("service", spec.id);
    const int owner = fleet_.owner_of(pool);
    if (owner >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(owner)].id);
    w.add("requests_refused", q.refused_in_episode).add("queue_length", static_cast<std::int64_t>(q.queued));
    log_.log(EventKind::queue_full_ended, std::move(w));
  }
}

void RequestPath::arm_queue_timeout(int pool) {
  PoolQueue& q = queues_[static_cast<std::size_t>(pool)];
  if (q.timeout_pending || q.queued == 0) return;
  SimTime oldest = engine_.end() + 1;
  for (const auto& f : q.flows)
    if (!f.empty()) oldest = std::min(oldest, requests_[f.front()].enqueued);
  q.timeout_pending = true;
  engine_.schedule(oldest + q.spec->queue_timeout, id_,
                   kQueueTimeout, static_cast<std::uint32_t>(pool));
}

void RequestPath::on_queue_timeout(int pool) {
  // One timer per pool, set for its oldest queued request: each flow is FIFO, so the
  // requests behind a flow's head expire later.
  PoolQueue& q = queues_[static_cast<std::size_t>(pool)];
  const SimDuration timeout = q.spec->queue_timeout;
  q.timeout_pending = false;
  for (auto& flow : q.flows) {
    while (!flow.empty() && engine_.now() - requests_[flow.front()].enqueued >= timeout) {
      integrate_queue(pool);
      const std::uint32_t id = flow.front();
      flow.pop_front();
      requests_[id].in_queue = false;
      --q.queued;
      --queued_total_;
      outcome(id, Failure::timeout);
    }
  }
  arm_queue_timeout(pool);
}

// [SECTION] Faults acting on requests

void RequestPath::add_agent_error_percent(int agent, double delta) {
  double& e = fault_error_percent_[static_cast<std::size_t>(agent)];
  e = std::max(0.0, e + delta);
}

void RequestPath::add_agent_latency(int agent, SimDuration delta) {
  SimDuration& d = fault_added_us_[static_cast<std::size_t>(agent)];
  d = std::max<SimDuration>(0, d + delta);
}

void RequestPath::add_spike(int tenant, const PatternSpec& spike) {
  for (LoadSpec& load : scenario_.tenants[static_cast<std::size_t>(tenant)].load) load.patterns.push_back(spike);
}

void RequestPath::end_spike_early(int tenant, SimTime at, double multiplier) {
  const SimTime now = engine_.now();
  for (LoadSpec& load : scenario_.tenants[static_cast<std::size_t>(tenant)].load)
    for (PatternSpec& pat : load.patterns)
      if (pat.type == PatternSpec::Type::spike && pat.at == at && pat.multiplier == multiplier && pat.at + pat.duration > now)
        pat.duration = now - pat.at;
}

// [SECTION] Gauges and refusal episodes

void RequestPath::integrate_queue(int pool) {
  PoolQueue& q = queues_[static_cast<std::size_t>(pool)];
  const SimDuration dt = engine_.now() - q.integrated_until;
  if (dt <= 0) return;
  const double queued_us = static_cast<double>(q.queued) * static_cast<double>(dt);
  q.service_window->queue_len_us += queued_us;
  if (q.scaled) q.eval_queue_len_us += queued_us;
  q.integrated_until = engine_.now();
}

void RequestPath::integrate_tenant(int tenant) {
  SimTime& until = tenant_integrated_until_[static_cast<std::size_t>(tenant)];
  const SimDuration dt = engine_.now() - until;
  if (dt <= 0) return;
  const QuotaUsage& u = monitors_[static_cast<std::size_t>(tenant)].usage();
  WindowCounters& w = registry_.tenant(tenant).window;
  const double dtd = static_cast<double>(dt);
  w.concurrent_agents_us += u.concurrent_agents * dtd;
  w.memory_reserved_mb_us += u.memory_mb * dtd;
  w.cpu_reserved_cores_us += u.cpu_cores * dtd;
  until = engine_.now();
}

void RequestPath::integrate_all() {
  for (std::size_t pi = 0; pi < queues_.size(); ++pi) integrate_queue(static_cast<int>(pi));
  for (std::size_t t = 0; t < scenario_.tenants.size(); ++t) integrate_tenant(static_cast<int>(t));
  for (std::size_t i = 0; i < calls_.size(); ++i) {
    CallTable::Entry& e = calls_.entry(static_cast<int>(i));
    if (e.spec->circuit_breaker.enabled) registry_.edge(e.edge).window.breaker_open_us += e.breaker.take_open_us(engine_.now());
  }
}

void RequestPath::accrue_pending(std::vector<WindowCounters>& per_service, std::vector<WindowCounters>& per_tenant) const {
  const SimTime now = engine_.now();
  for (std::size_t pi = 0; pi < queues_.size(); ++pi) {
    const PoolQueue& q = queues_[pi];
    per_service[static_cast<std::size_t>(fleet_.service_of(static_cast<int>(pi)))].queue_len_us +=
        static_cast<double>(q.queued) * static_cast<double>(now - q.integrated_until);
  }
  for (std::size_t t = 0; t < scenario_.tenants.size(); ++t) {
    const QuotaUsage& u = monitors_[t].usage();
    const double dtd = static_cast<double>(now - tenant_integrated_until_[t]);
    WindowCounters& w = per_tenant[t];
    w.concurrent_agents_us += u.concurrent_agents * dtd;
    w.memory_reserved_mb_us += u.memory_mb * dtd;
    w.cpu_reserved_cores_us += u.cpu_cores * dtd;
  }
}

void RequestPath::reseed_window_maxima() {
  for (std::size_t v = 0; v < scenario_.services.size(); ++v) registry_.service(static_cast<int>(v)).window.queue_max = 0;
  for (std::size_t pi = 0; pi < queues_.size(); ++pi) {
    WindowCounters& w = registry_.service(fleet_.service_of(static_cast<int>(pi))).window;
    w.queue_max = std::max<std::int64_t>(w.queue_max, static_cast<std::int64_t>(queues_[pi].queued));
  }
  registry_.global().window.queue_max = queued_total_;
}

RequestPath::EvalWindow RequestPath::take_eval_window(int pool) {
  integrate_queue(pool);
  PoolQueue& q = queues_[static_cast<std::size_t>(pool)];
  const EvalWindow w{q.eval_arrivals, q.eval_queue_len_us};
  q.eval_arrivals = 0;
  q.eval_queue_len_us = 0;
  return w;
}

void RequestPath::log_refusals() {
  // Admission refusals are counted per request but logged per episode: the first scrape
  // interval of a tenant with refusals says which limits refused and why; the first one
  // without says how many were refused in all.
  for (std::size_t t = 0; t < scenario_.tenants.size(); ++t) {
    const WindowCounters& w = registry_.tenant(static_cast<int>(t)).window;
    const TenantSpec& tenant = scenario_.tenants[t];
    std::uint64_t& episode = refused_in_episode_[t];
    if (w.rejected > 0 && episode == 0) {
      const QuotaSpec& q = tenant.quota;
      const double limits[kQuotaLimitCount] = {static_cast<double>(q.max_concurrent_agents), q.max_memory_mb,
                                               q.max_cpu_cores, q.max_requests_per_minute};
      static const char* const kUnits[kQuotaLimitCount] = {" agents at once", " MB", " cores", " requests per minute"};
      std::string why;
      EventFields by;
      for (int i = 0; i < kQuotaLimitCount; ++i) {
        if (w.rejected_by[i] == 0) continue;
        by.add(quota_limit_name(i), w.rejected_by[i]);
        why += (why.empty() ? "" : "; ") + std::string(quota_limit_name(i)) + " at its limit of " +
               scaling::format_number(limits[i]) + kUnits[i];
      }
      log_.log(EventKind::admission_refused_started,
               EventFields()
                   .add("tenant", tenant.id)
                   .add("refused", w.rejected)
                   .add("by_limit", std::move(by))
                   .add("reason", "tenant " + tenant.id + "'s own quota refuses its requests at admission: " + why +
                                      " (not a failure of the service)"));
    }
    if (w.rejected == 0 && episode > 0) {
      log_.log(EventKind::admission_refused_ended, EventFields().add("tenant", tenant.id).add("refused", episode));
      episode = 0;
    }
    episode += w.rejected;
  }
}

// [SECTION] Invariants

void RequestPath::check_invariants(SimTime now, std::vector<int>& busy_by_pool, std::vector<double>& memory_by_pool) const {
  auto n = [](auto v) { return std::to_string(v); };
  const Scenario& sc = scenario_;
  // The live request records: in flight per scope, reservations per tenant, work per pool.
  std::vector<char> is_free(requests_.size(), 0);
  for (std::uint32_t id : free_requests_) {
    if (id >= is_free.size() || is_free[id]) invariant_broken("conservation", now, "request slot " + n(id) + " is free twice");
    is_free[id] = 1;
  }
  std::vector<std::int64_t> in_flight_tenant(sc.tenants.size()), in_flight_service(sc.services.size()),
      in_flight_agent(sc.agents.size());
  std::vector<int> admitted(sc.tenants.size());
  std::vector<double> reserved_mb(sc.tenants.size()), reserved_cores(sc.tenants.size());
  busy_by_pool.assign(queues_.size(), 0);
  memory_by_pool.assign(queues_.size(), 0.0);
  for (std::size_t id = 0; id < requests_.size(); ++id) {
    if (is_free[id]) continue;
    const Request& r = requests_[id];
    // A crashed request has failed already; its slot waits for its stale work event.
    if (r.crashed) continue;
    if (r.root) in_flight_tenant[static_cast<std::size_t>(r.tenant)]++;
    in_flight_service[static_cast<std::size_t>(r.service)]++;
    in_flight_agent[static_cast<std::size_t>(r.agent)]++;
    const AgentSpec& agent = sc.agents[static_cast<std::size_t>(r.agent)];
    if (r.admitted) {
      admitted[static_cast<std::size_t>(r.tenant)]++;
      reserved_mb[static_cast<std::size_t>(r.tenant)] += agent.memory_estimate_mb;
      reserved_cores[static_cast<std::size_t>(r.tenant)] += agent.cpu_estimate_cores;
    }
    if (r.in_service) {
      busy_by_pool[static_cast<std::size_t>(r.pool)]++;
      memory_by_pool[static_cast<std::size_t>(r.pool)] += demand_of(r).memory_mb;
    }
  }

  // conservation, per scope and across scopes
  struct Counts {
    std::uint64_t arrived = 0, succeeded = 0, failed = 0, rejected = 0, call_attempts = 0;
  };
  Counts sum_tenants, sum_services, sum_agents;
  auto conserve = [&](const char* scope, const std::string& id, const ScopeStats& s, std::int64_t in_flight, Counts& sum) {
    const Counts c{s.total.arrived + s.window.arrived, s.total.succeeded + s.window.succeeded,
                   s.total.failed + s.window.failed, s.total.rejected + s.window.rejected};
    if (c.arrived != c.succeeded + c.failed + c.rejected + static_cast<std::uint64_t>(in_flight))
      invariant_broken("conservation", now,
                       std::string(scope) + " " + id + ": arrived " + n(c.arrived) + " != succeeded " + n(c.succeeded) +
                           " + failed " + n(c.failed) + " + rejected " + n(c.rejected) + " + in flight " + n(in_flight));
    sum.arrived += c.arrived;
    sum.succeeded += c.succeeded;
    sum.failed += c.failed;
    sum.rejected += c.rejected;
    sum.call_attempts += s.total.call_attempts + s.window.call_attempts;
  };
  for (std::size_t t = 0; t < sc.tenants.size(); ++t)
    conserve("tenant", sc.tenants[t].id, registry_.tenant(static_cast<int>(t)), in_flight_tenant[t], sum_tenants);
  for (std::size_t v = 0; v < sc.services.size(); ++v)
    conserve("service", sc.services[v].id, registry_.service(static_cast<int>(v)), in_flight_service[v], sum_services);
  for (std::size_t a = 0; a < sc.agents.size(); ++a)
    conserve("agent", sc.agents[a].id, registry_.agent(static_cast<int>(a)), in_flight_agent[a], sum_agents);
  // Services and agents count every attempt, tenants the requests users see: they agree
  // once the calls' attempts are set aside (whose outcomes only services and agents count).
  auto same = [&](const char* what, std::uint64_t t, std::uint64_t v, std::uint64_t a) {
    if (t != v || v != a)
      invariant_broken("conservation", now, std::string(what) + ": tenants " + n(t) + ", services " + n(v) + ", agents " + n(a));
  };
  same("call attempts", sum_tenants.call_attempts, sum_services.call_attempts, sum_agents.call_attempts);
  same("arrived less call attempts", sum_tenants.arrived, sum_services.arrived - sum_services.call_attempts,
       sum_agents.arrived - sum_agents.call_attempts);
  same("rejected", sum_tenants.rejected, sum_services.rejected, sum_agents.rejected);
  if (calls_.empty()) {
    same("succeeded", sum_tenants.succeeded, sum_services.succeeded, sum_agents.succeeded);
    same("failed", sum_tenants.failed, sum_services.failed, sum_agents.failed);
  } else {
    same("succeeded", sum_services.succeeded, sum_services.succeeded, sum_agents.succeeded);
    same("failed", sum_services.failed, sum_services.failed, sum_agents.failed);
  }

  // quota
  for (std::size_t t = 0; t < sc.tenants.size(); ++t) {
    const ResourceMonitor& m = monitors_[t];
    const QuotaUsage& u = m.usage();
    const std::string who = "tenant " + sc.tenants[t].id;
    if (!m.within_quota())
      invariant_broken("quota", now,
                       who + ": usage outside [0, quota]: " + n(u.concurrent_agents) + " agents, " + n(u.memory_mb) +
                           " MB, " + n(u.cpu_cores) + " cores");
    if (u.concurrent_agents != admitted[t] || !invariant_close(u.memory_mb, reserved_mb[t]) ||
        !invariant_close(u.cpu_cores, reserved_cores[t]))
      invariant_broken("quota", now,
                       who + ": reserved " + n(u.concurrent_agents) + " agents / " + n(u.memory_mb) + " MB / " +
                           n(u.cpu_cores) + " cores, but its admitted requests in flight hold " + n(admitted[t]) + " / " +
                           n(reserved_mb[t]) + " / " + n(reserved_cores[t]));
  }

  // queues
  std::int64_t queued_total = 0;
  for (std::size_t pi = 0; pi < queues_.size(); ++pi) {
    const PoolQueue& q = queues_[pi];
    std::size_t waiting = 0;
    for (const RingQueue<std::uint32_t>& f : q.flows) waiting += f.size();
    if (waiting != q.queued)
      invariant_broken("fleet", now,
                       "pool " + n(pi) + " of " + sc.services[static_cast<std::size_t>(fleet_.service_of(static_cast<int>(pi)))].id +
                           ": queue length " + n(q.queued) + ", but its flows hold " + n(waiting));
    queued_total += static_cast<std::int64_t>(q.queued);
  }
  if (queued_total != queued_total_)
    invariant_broken("fleet", now, "pools hold " + n(queued_total) + " queued requests, the simulation counts " + n(queued_total_));
}

}  // namespace opsim
