// The simulation. The route of one request through the pipeline reads top to bottom in
// the [SECTION] Request path below: on_arrival -> admit -> assemble_context -> dispatch ->
// start_work -> on_work_done -> succeed / fail -> finish. Each stage is one call in one place.
//
// [SECTION] Set-up
// [SECTION] Event loop
// [SECTION] Request path
// [SECTION] Queues
// [SECTION] Monitoring
// [SECTION] Scaling
// [SECTION] Fleet
// [SECTION] Metrics and logging
#include "sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "json/json.h"
#include "scaling/decision.h"
#include "sim/invariants.h"
#include "sim/load_model.h"

namespace opsim {
namespace {

// Arrival bounds are computed per segment of this length: short enough that a thinning
// bound stays close to a varying rate, long enough that segment changes cost nothing.
constexpr SimDuration kArrivalSegment = 5 * kMicrosPerMinute;

// The time-series column a rule reads: its metric in its tenant's or service's scope.
std::string rule_metric_name(const RuleSpec& rule) {
  const std::string scope = !rule.tenant.empty()    ? "tenant." + rule.tenant + "."
                            : !rule.service.empty() ? "service." + rule.service + "."
                                                    : "";
  return scope + rule.metric;
}

}  // namespace

// [SECTION] Set-up

namespace {

// The scenario with each traffic_spike fault written into its tenant's loads as a spike
// pattern (a permanent fault lasts to the end).
Scenario with_traffic_spikes(const Scenario& scenario) {
  Scenario s = scenario;
  for (const FaultSpec& f : s.faults) {
    if (f.type != FaultType::traffic_spike || f.tenant_index < 0) continue;
    PatternSpec spike;
    spike.type = PatternSpec::Type::spike;
    spike.at = f.at;
    spike.duration = f.duration >= 0 ? f.duration : std::max<SimDuration>(0, s.duration - f.at);
    spike.multiplier = f.multiplier;
    for (LoadSpec& load : s.tenants[static_cast<std::size_t>(f.tenant_index)].load) load.patterns.push_back(spike);
  }
  return s;
}

}  // namespace

Simulation::~Simulation() = default;

void Simulation::set_invariant_checks(bool on) {
  if (!on) invariants_.reset();
  else if (!invariants_) invariants_ = std::make_unique<InvariantChecker>();
}

std::uint64_t Simulation::invariant_checks() const { return invariants_ ? invariants_->checks() : 0; }

Simulation::Simulation(const Scenario& scenario, std::uint64_t seed)
    : scenario_(with_traffic_spikes(scenario)),
      seed_(seed),
      context_(scenario_, seed),
      alerts_(scenario_.monitoring.rules),
      notifier_(scenario_.monitoring),
      registry_(scenario_),
      series_(registry_.columns().size(),
              static_cast<std::size_t>(scenario_.monitoring.retention / scenario_.monitoring.scrape_interval)) {
  set_invariant_checks(true);
  build_pools();
  for (const AgentSpec& a : scenario_.agents) {
    work_rng_.push_back(Rng::stream(seed_, "work/" + a.id));
    error_rng_.push_back(Rng::stream(seed_, "errors/" + a.id));
  }
  for (std::size_t t = 0; t < scenario_.tenants.size(); ++t) {
    const TenantSpec& tenant = scenario_.tenants[t];
    monitors_.emplace_back(tenant.quota);
    user_rng_.push_back(Rng::stream(seed_, "users/" + tenant.id));
    double weights = 0;  // summed in file order, as pick_user once did per request
    for (const UserSpec& u : tenant.users) weights += u.weight;
    user_weight_total_.push_back(weights);
    for (std::size_t l = 0; l < tenant.load.size(); ++l) {
      ArrivalStream st;
      st.tenant = static_cast<int>(t);
      st.agent = tenant.load[l].agent_index;
      st.load = &tenant.load[l];
      st.rng = Rng::stream(seed_, "arrivals/" + tenant.id + "/" + tenant.load[l].agent, l);
      streams_.push_back(st);
    }
  }
  tenant_integrated_until_.assign(scenario_.tenants.size(), 0);
  refused_in_episode_.assign(scenario_.tenants.size(), 0);
  for (std::uint32_t i = 0; i < streams_.size(); ++i) schedule_next_arrival(i, 0);
  schedule_faults();
  setup_scaling();
  setup_slos();
  setup_deployments();
  // Service signals (and so each service's status) are measured in every run; incident
  // management only when the scenario asks for it.
  if (scenario_.incidents.given) incidents_ = std::make_unique<sre::IncidentManager>(scenario_.incidents);
  std::size_t slots = 0;
  for (const TenantSpec& t : scenario_.tenants) {
    user_slot_base_.push_back(slots);
    slots += std::max<std::size_t>(1, t.users.size());
  }
  interval_users_.assign(scenario_.services.size(), std::vector<UserCounts>(slots));
  healthy_p95_.assign(scenario_.services.size(), {});
  healthy_sorted_.assign(scenario_.services.size(), {});
  p95_smoothed_ms_.assign(scenario_.services.size(), 0.0);
  service_status_.assign(scenario_.services.size(), sre::StatusAssessment{});
  setup_chaos();
  for (const RuleSpec& rule : scenario_.monitoring.rules) rule_column_.push_back(registry_.find(rule_metric_name(rule)));
  events_.push(scenario_.monitoring.scrape_interval, kScrape, 0);
  log(EventKind::sim_started, EventFields()
                         .add("scenario", scenario_.name)
                         .add("seed", seed_)
                         .add("start", scenario_.calendar.iso8601(0))
                         .add("duration_s", to_seconds(scenario_.duration)));
}

void Simulation::build_pools() {
  // Every service has a shared pool (its own fleet). A dedicated or physical tenant gets a
  // pool of its own, of the same size, for each service it uses: isolation costs
  // instances. In a shared pool, flow 0 queues the shared tenants' requests and each
  // namespace tenant has a flow of its own.
  const std::size_t n_services = scenario_.services.size(), n_tenants = scenario_.tenants.size();
  pool_index_.assign(n_tenants * n_services, 0);
  flow_index_.assign(n_tenants * n_services, 0);
  auto add_pool = [&](int service, int owner) {
    const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(service)];
    Pool p;
    p.service = service;
    p.owner_tenant = owner;
    // Instances present at the start are ready: the scenario describes a running fleet.
    // A vertical policy of the service's scaling section gives the pool its sizes; it
    // starts at factor 1 (the instance as written).
    p.size_factors = {1.0};
    for (const ScalingSpec& sc : scenario_.scaling)
      if (sc.service_index == service)
        for (const ScalingPolicySpec& pol : sc.policies)
          if (pol.direction == ScalingPolicySpec::Direction::vertical) p.size_factors = pol.size_factors;
    p.size = static_cast<int>(std::find(p.size_factors.begin(), p.size_factors.end(), 1.0) - p.size_factors.begin());
    Instance first;
    first.size = p.size;
    first.slots = slots_for(p, p.size);
    p.instances.assign(static_cast<std::size_t>(spec.instances_initial), first);
    p.live_instances = p.ready_instances = spec.instances_initial;
    p.ready_slots = p.free_slots = spec.instances_initial * first.slots;
    p.memory_ready_mb = p.ready_instances * spec.memory_mb;
    p.cost_usd_per_us = static_cast<double>(p.live_instances) * spec.cost_per_hour / static_cast<double>(kMicrosPerHour);
    p.flows.resize(1);
    pools_.push_back(std::move(p));
    return static_cast<int>(pools_.size() - 1);
  };
  std::vector<int> shared_pool(n_services);
  for (std::size_t v = 0; v < n_services; ++v) shared_pool[v] = add_pool(static_cast<int>(v), -1);
  for (std::size_t t = 0; t < n_tenants; ++t) {
    const TenantSpec& tenant = scenario_.tenants[t];
    std::vector<bool> uses(n_services, false);
    for (const LoadSpec& l : tenant.load)
      uses[static_cast<std::size_t>(scenario_.agents[static_cast<std::size_t>(l.agent_index)].service_index)] = true;
    for (std::size_t v = 0; v < n_services; ++v) {
      const std::size_t k = t * n_services + v;
      pool_index_[k] = shared_pool[v];
      if (!uses[v]) continue;
      if (tenant.isolation == Isolation::dedicated || tenant.isolation == Isolation::physical) {
        pool_index_[k] = add_pool(static_cast<int>(v), static_cast<int>(t));
      } else if (tenant.isolation == Isolation::namespace_) {
        Pool& p = pools_[static_cast<std::size_t>(shared_pool[v])];
        p.flows.emplace_back();
        flow_index_[k] = static_cast<int>(p.flows.size() - 1);
      }
    }
  }
  for (std::size_t v = 0; v < n_services; ++v) {
    std::int64_t instances = 0;
    for (const Pool& p : pools_)
      if (p.service == static_cast<int>(v)) instances += p.live_instances;
    ScopeStats& st = registry_.service(static_cast<int>(v));
    st.instances_now = instances;
    st.window.instances_max = instances;
  }
  registry_.aggregate_global();
  registry_.global().window.instances_max = registry_.global().instances_now;
  for (std::size_t i = 0; i < pools_.size(); ++i) {
    const Pool& p = pools_[i];
    if (p.owner_tenant < 0 && p.flows.size() == 1) continue;
    EventFields w;
    w.add("service", scenario_.services[static_cast<std::size_t>(p.service)].id);
    if (p.owner_tenant >= 0) {
      const TenantSpec& t = scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)];
      w.add("tenant", t.id).add("isolation", isolation_name(t.isolation)).add("instances", p.live_instances);
      w.add("reason", "the tenant's isolation gives it instances of its own");
    } else {
      w.add("fair_queueing_flows", static_cast<int>(p.flows.size()));
      w.add("reason", "namespace tenants share the instances, each with its own queue served round robin");
    }
    log(EventKind::pool_created, std::move(w));
  }
}

void Simulation::schedule_faults() {
  // Faults of the kinds this version simulates start and end as events; the loader warns
  // about the others. A traffic spike is known in advance, so it joins the tenant's load
  // patterns as a spike (the arrival process stays exact); its events only log it.
  crashed_by_fault_.assign(scenario_.faults.size(), 0);
  fault_active_.assign(scenario_.faults.size(), false);
  fault_error_percent_.assign(scenario_.agents.size(), 0.0);
  fault_added_us_.assign(scenario_.agents.size(), 0);
  for (std::size_t i = 0; i < scenario_.faults.size(); ++i) {
    const FaultSpec& f = scenario_.faults[i];
    if ((f.type == FaultType::data_loss || f.type == FaultType::security) && !scenario_.incidents.given) continue;
    events_.push(f.at, kFaultStart, static_cast<std::uint32_t>(i));
    if (f.duration >= 0) events_.push(f.at + f.duration, kFaultEnd, static_cast<std::uint32_t>(i));
  }
}

void Simulation::on_fault(std::uint32_t index, bool start) {
  // A fault ended early (a chaos rollback) ignores its scheduled end.
  if (fault_active_[index] == start) return;
  fault_active_[index] = start;
  const FaultSpec f = scenario_.faults[index];  // a copy: a chaos experiment may add faults meanwhile
  EventFields w;
  switch (f.type) {
    case FaultType::provider_outage:
      context_.set_outage(f.provider_index, start);
      w.add("type", "provider_outage").add("provider", f.provider);
      break;
    case FaultType::instance_crash: {
      w.add("type", "instance_crash").add("service", f.service);
      if (start) {
        // The service's ready instances, pool by pool; a fraction is rounded to the nearest
        // whole instance.
        std::vector<std::pair<int, int>> ready;
        for (std::size_t pi = 0; pi < pools_.size(); ++pi)
          if (pools_[pi].service == f.service_index)
            for (std::size_t k = 0; k < pools_[pi].instances.size(); ++k)
              if (pools_[pi].instances[k].state == InstanceState::ready)
                ready.emplace_back(static_cast<int>(pi), static_cast<int>(k));
        const int n = f.count > 0 ? std::min<int>(f.count, static_cast<int>(ready.size()))
                                  : static_cast<int>(std::floor(f.fraction * static_cast<double>(ready.size()) + 0.5));
        // Spread over the pools: every k-th instance of the list.
        for (int k = 0; k < n; ++k) {
          const auto& victim = ready[static_cast<std::size_t>(k) * ready.size() / static_cast<std::size_t>(n)];
          crash_instance(victim.first, victim.second);
        }
        crashed_by_fault_[index] = n;
        w.add("instances_crashed", n);
      } else {
        // The crashed instances restart and serve again after the service's startup.
        int left = crashed_by_fault_[index];
        for (std::size_t pi = 0; pi < pools_.size() && left > 0; ++pi)
          if (pools_[pi].service == f.service_index)
            for (; left > 0 && pools_[pi].live_instances < scenario_.services[static_cast<std::size_t>(f.service_index)].instances_initial; --left)
              start_instance(static_cast<int>(pi));
        w.add("instances_restarted", crashed_by_fault_[index] - left);
      }
      break;
    }
    case FaultType::latency:
    case FaultType::errors: {
      // On every agent of the service, or on the one agent; overlapping faults add up.
      const double sign = start ? 1.0 : -1.0;
      for (std::size_t a = 0; a < scenario_.agents.size(); ++a) {
        const bool hit = f.agent_index >= 0 ? static_cast<int>(a) == f.agent_index
                                            : scenario_.agents[a].service_index == f.service_index;
        if (!hit) continue;
        if (f.type == FaultType::errors) fault_error_percent_[a] = std::max(0.0, fault_error_percent_[a] + sign * f.error_percent);
        else fault_added_us_[a] = std::max<SimDuration>(0, fault_added_us_[a] + (start ? f.add : -f.add));
      }
      w.add("type", f.type == FaultType::errors ? "errors" : "latency");
      if (f.agent_index >= 0) w.add("agent", f.agent);
      else w.add("service", f.service);
      if (f.type == FaultType::errors) w.add("error_percent", f.error_percent);
      else w.add("add_s", to_seconds(f.add));
      break;
    }
    case FaultType::traffic_spike:
      w.add("type", "traffic_spike").add("tenant", f.tenant).add("multiplier", f.multiplier);
      // The spike is a load pattern; one ended early (a chaos rollback) is cut short there.
      if (!start && f.tenant_index >= 0)
        for (LoadSpec& load : scenario_.tenants[static_cast<std::size_t>(f.tenant_index)].load)
          for (PatternSpec& pat : load.patterns)
            if (pat.type == PatternSpec::Type::spike && pat.at == f.at && pat.multiplier == f.multiplier &&
                pat.at + pat.duration > now_)
              pat.duration = now_ - pat.at;
      break;
    case FaultType::capacity_loss: {
      const double usable_percent = start ? 100.0 - f.concurrency_percent : 100.0;
      int slots = 0;
      for (std::size_t pi = 0; pi < pools_.size(); ++pi)
        if (pools_[pi].service == f.service_index) {
          set_capacity_percent(static_cast<int>(pi), usable_percent);
          slots = slots_for(pools_[pi], pools_[pi].size);
        }
      w.add("type", "capacity_loss").add("service", f.service).add("slots_per_instance", slots);
      break;
    }
    case FaultType::data_loss:
    case FaultType::security:
      // Nothing breaks in the request path; incident classification reads the flag.
      w.add("type", f.type == FaultType::data_loss ? "data_loss" : "security");
      if (!f.service.empty()) w.add("service", f.service);
      if (!f.tenant.empty()) w.add("tenant", f.tenant);
      break;
  }
  if (start && f.duration >= 0) w.add("duration_s", to_seconds(f.duration));
  log(start ? EventKind::fault_started : EventKind::fault_ended, std::move(w));
  if (incidents_) {
    FaultSpec tied = f;  // an agent's fault is its service's
    if (tied.service.empty() && tied.agent_index >= 0)
      tied.service = scenario_.services[static_cast<std::size_t>(scenario_.agents[static_cast<std::size_t>(tied.agent_index)].service_index)].id;
    on_incident_transitions(incidents_->on_fault(now_, tied, start));
  }
}

// [SECTION] Event loop

void Simulation::add_observer(SimObserver* observer) {
  observers_.push_back(observer);
  for (const LogEvent& e : recent_events_) observer->on_log(e);
}

void Simulation::handle(const Event& e) {
  now_ = e.t;
  ++events_processed_;
  switch (e.kind) {
    case kArrival: on_arrival(e.target); break;
    case kContextDone: on_context_done(e.target); break;
    case kFaultStart: on_fault(e.target, true); break;
    case kFaultEnd: on_fault(e.target, false); break;
    case kInstanceReady: on_instance_ready(e.target); break;
    case kNotify: on_notify(); break;
    case kScalingEval: on_scaling_eval(e.target); break;
    case kWorkDone: on_work_done(e.target); break;
    case kQueueTimeout: on_queue_timeout(static_cast<int>(e.target)); break;
    case kScrape: on_scrape(); break;
    case kDeployStart: start_rollout(static_cast<int>(e.target)); break;
    case kDeployTimer: on_deploy_timer(static_cast<int>(e.target)); break;
    case kDeployRollback: on_incident_rollback(static_cast<int>(e.target)); break;
    case kChaosStep: on_chaos_step(e.target); break;
  }
}

bool Simulation::step() { return (this->*run_batch_)(end_time(), 1) == 1; }

void Simulation::run_until(SimTime t) {
  t = std::min(t, end_time());
  if (t < now_) return;
  // Browsers and node run WebAssembly first in a baseline compiler and switch a function to
  // optimised code only when it is entered again (there is no on-stack replacement), so
  // one call that loops over a whole run would stay in baseline code. The loop therefore
  // runs in batches, each a fresh call of run_batch. The call goes through a pointer
  // because the WebAssembly optimiser (Binaryen) inlines a function that has one caller,
  // whatever the C++ says.
  constexpr std::size_t kBatchEvents = 1024;
  while ((this->*run_batch_)(t, kBatchEvents) == kBatchEvents) {
  }
  now_ = t;
}

std::size_t Simulation::run_batch(SimTime t, std::size_t max_events) {
  std::size_t n = 0;
  while (n < max_events && !events_.empty() && events_.top().t <= t) {
    handle(events_.pop());
    ++n;
  }
  return n;
}

// [SECTION] Request path

void Simulation::schedule_next_arrival(std::uint32_t stream, SimTime from) {
  ArrivalStream& s = streams_[stream];
  SimTime t = from;
  if (s.load->patterns.empty()) {
    // A constant rate needs no thinning: exponential gaps at that rate.
    if (s.load->rate <= 0) return;
    t += std::max<SimDuration>(1, from_seconds(s.rng.exponential(1.0 / s.load->rate)));
    if (t <= end_time()) events_.push(t, kArrival, stream);
    return;
  }
  // Thinning (Lewis and Shedler) of a Poisson process at the segment's bound rate; a
  // candidate past the segment's end restarts from there, which the memoryless property
  // makes exact.
  while (t < end_time()) {
    const SimTime segment_end = (t / kArrivalSegment + 1) * kArrivalSegment;
    const double bound = load_rate_bound(*s.load, scenario_.calendar, t, segment_end, s.memo);
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
    const double rate = load_rate(*s.load, scenario_.calendar, t, s.memo);
    if (rate >= bound || s.rng.uniform_open() * bound < rate) {
      if (t <= end_time()) events_.push(t, kArrival, stream);
      return;
    }
  }
}

int Simulation::pick_user(int tenant) {
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

void Simulation::on_arrival(std::uint32_t stream) {
  const ArrivalStream& s = streams_[stream];
  schedule_next_arrival(stream, now_);
  std::uint32_t id;
  if (free_requests_.empty()) {
    id = static_cast<std::uint32_t>(requests_.size());
    requests_.emplace_back();
  } else {
    id = free_requests_.back();
    free_requests_.pop_back();
  }
  Request& r = requests_[id];
  r = Request{};
  r.arrival = now_;
  r.tenant = static_cast<std::int16_t>(s.tenant);
  r.agent = static_cast<std::int16_t>(s.agent);
  r.service = static_cast<std::int16_t>(scenario_.agents[static_cast<std::size_t>(s.agent)].service_index);
  const std::size_t k = static_cast<std::size_t>(r.tenant) * scenario_.services.size() + static_cast<std::size_t>(r.service);
  r.pool = pool_index_[k];
  r.flow = static_cast<std::int16_t>(flow_index_[k]);
  r.user = static_cast<std::int16_t>(pick_user(r.tenant));
  registry_.tenant(r.tenant).window.arrived++;
  registry_.service(r.service).window.arrived++;
  registry_.agent(r.agent).window.arrived++;
  Pool& pool = pools_[static_cast<std::size_t>(r.pool)];
  if (pool.scaled) pool.eval_arrivals++;
  if (!admit(id)) return;
  assemble_context(id);
}

bool Simulation::admit(std::uint32_t id) {
  Request& r = requests_[id];
  const AgentSpec& agent = scenario_.agents[static_cast<std::size_t>(r.agent)];
  integrate_tenant(r.tenant);
  const unsigned exceeded = monitors_[static_cast<std::size_t>(r.tenant)].try_admit(now_, agent);
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
  free_requests_.push_back(id);
  return false;
}

void Simulation::assemble_context(std::uint32_t id) {
  // The enterprise context the agent receives: providers consulted by priority, through
  // their caches; the time spent is added before the request reaches the service.
  if (!context_.enabled()) {
    dispatch(id);
    return;
  }
  Request& r = requests_[id];
  // The outcome counts failed providers; the metric counts failed look-ups, as the engine does.
  const ContextOutcome out = context_.assemble(now_, r.tenant, r.user, operational_);
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
      log(EventKind::context_denied, EventFields()
                                .add("tenant", t.id)
                                .add("user", d.user >= 0 ? t.users[static_cast<std::size_t>(d.user)].id : std::string("(none)"))
                                .add("provider", d.provider)
                                .add("key", d.key)
                                .add("reason", d.reason));
    }
  r.no_context = !out.any_context;
  if (out.latency > 0) {
    events_.push(now_ + out.latency, kContextDone, id);
    return;
  }
  on_context_done(id);
}

void Simulation::on_context_done(std::uint32_t id) {
  // The orchestrator survives failed providers; only a request left with no context at all
  // fails.
  if (requests_[id].no_context) {
    fail(id, Failure::context);
    return;
  }
  dispatch(id);
}

void Simulation::dispatch(std::uint32_t id) {
  Request& r = requests_[id];
  Pool& p = pools_[static_cast<std::size_t>(r.pool)];
  if (p.free_slots > 0 && p.queued == 0) {
    start_work(id, pick_instance(p));
    return;
  }
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(r.service)];
  RingQueue<std::uint32_t>& flow = p.flows[static_cast<std::size_t>(r.flow)];
  if (static_cast<int>(flow.size()) >= spec.queue_capacity) {
    if (!p.queue_full_episode) {
      p.queue_full_episode = true;
      p.refused_in_episode = 0;
      EventFields w;
      w.add("service", spec.id);
      if (p.owner_tenant >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)].id);
      w.add("capacity", spec.queue_capacity)
          .add("busy_slots", p.busy_slots)
          .add("reason", "every slot is busy and the queue is at capacity; new requests fail");
      log(EventKind::queue_full_started, std::move(w));
    }
    ++p.refused_in_episode;
    fail(id, Failure::queue_full);
    return;
  }
  integrate(r.pool);
  r.enqueued = now_;
  registry_.tenant(r.tenant).window.queued++;
  registry_.agent(r.agent).window.queued++;
  registry_.service(r.service).window.queued++;
  flow.push_back(id);
  ++p.queued;
  ++queued_total_;
  WindowCounters& w = registry_.service(r.service).window;
  w.queue_max = std::max<std::int64_t>(w.queue_max, static_cast<std::int64_t>(p.queued));
  WindowCounters& g = registry_.global().window;
  g.queue_max = std::max(g.queue_max, queued_total_);
  arm_queue_timeout(r.pool);
}

int Simulation::pick_instance(const Pool& p) const {
  // Least connections: the ready instance with the fewest busy slots, lowest index on ties.
  // Written as selects rather than branches: which instance wins is data, and a mispredicted
  // branch per instance showed in profiles.
  constexpr int kNone = std::numeric_limits<int>::max();
  int best = -1, best_busy = kNone;
  for (std::size_t i = 0; i < p.instances.size(); ++i) {
    const Instance& in = p.instances[i];
    const bool free = (in.state == InstanceState::ready) & (in.busy_slots < in.slots);
    const int busy = free ? in.busy_slots : kNone;
    const bool better = busy < best_busy;
    best = better ? static_cast<int>(i) : best;
    best_busy = better ? busy : best_busy;
    if (best_busy == 0) break;  // nothing beats an idle instance
  }
  return best;
}

void Simulation::start_work(std::uint32_t id, int instance) {
  Request& r = requests_[id];
  Pool& p = pools_[static_cast<std::size_t>(r.pool)];
  const AgentSpec& agent = scenario_.agents[static_cast<std::size_t>(r.agent)];
  integrate(r.pool);
  r.instance = instance;
  r.in_service = true;
  p.instances[static_cast<std::size_t>(instance)].busy_slots++;
  p.busy_slots++;
  p.free_slots--;
  p.memory_used_mb += agent.memory_estimate_mb;
  r.version = static_cast<std::int16_t>(version_of_request(p, instance));
  SimDuration work = std::max<SimDuration>(1, from_seconds(agent.work.sample(work_rng_[static_cast<std::size_t>(r.agent)])));
  // The release that serves it scales its work; a latency fault adds to it.
  const double factor = versions_[static_cast<std::size_t>(r.version)].latency_factor;
  if (factor != 1.0) work = std::max<SimDuration>(1, static_cast<SimDuration>(std::llround(static_cast<double>(work) * factor)));
  work += fault_added_us_[static_cast<std::size_t>(r.agent)];
  // The tenant's max_execution_time cuts the execution off.
  const SimDuration limit = scenario_.tenants[static_cast<std::size_t>(r.tenant)].quota.max_execution_time;
  r.cut_off = work > limit;
  if (r.cut_off) work = limit;
  events_.push(now_ + work, kWorkDone, id);
}

void Simulation::on_work_done(std::uint32_t id) {
  Request& r = requests_[id];
  if (r.crashed) {
    // Failed when its instance crashed; only the slot was kept until now.
    r.crashed = false;
    free_requests_.push_back(id);
    return;
  }
  const int pool = r.pool;
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const AgentSpec& agent = scenario_.agents[static_cast<std::size_t>(r.agent)];
  integrate(pool);
  r.in_service = false;
  Instance& in = p.instances[static_cast<std::size_t>(r.instance)];
  in.busy_slots--;
  p.busy_slots--;
  p.free_slots += (in.state == InstanceState::ready) & (in.busy_slots < in.slots);  // no branch: data
  p.memory_used_mb -= agent.memory_estimate_mb;
  if (in.state == InstanceState::draining) retire_if_idle(pool, r.instance);
  if (r.cut_off)
    fail(id, Failure::execution_limit);
  else if (const double error_percent = agent.error_percent + fault_error_percent_[static_cast<std::size_t>(r.agent)] +
                                        versions_[static_cast<std::size_t>(r.version)].error_percent;
           error_percent > 0 && error_rng_[static_cast<std::size_t>(r.agent)].uniform_open() * 100.0 < error_percent)
    fail(id, Failure::agent_error);
  else
    succeed(id);
  pull_from_queue(pool);
}

void Simulation::succeed(std::uint32_t id) {
  const Request& r = requests_[id];
  const std::int64_t latency_us = now_ - r.arrival;
  for (ScopeStats* st : {&registry_.tenant(r.tenant), &registry_.service(r.service), &registry_.agent(r.agent)}) {
    st->window.succeeded++;
    st->window.latency_sum_us += latency_us;
    st->window_latency.record(latency_us);
  }
  count_user(r, false);
  if (r.version >= 0) count_version(r, false, latency_us);
  for (int k : latency_slos_) {
    const SloSpec& slo = scenario_.slos[static_cast<std::size_t>(k)];
    if ((slo.service_index < 0 || slo.service_index == r.service) && latency_us <= slo.threshold)
      ++slo_fast_[static_cast<std::size_t>(k)];
  }
  finish(id);
}

void Simulation::fail(std::uint32_t id, Failure why) {
  const Request& r = requests_[id];
  for (ScopeStats* st : {&registry_.tenant(r.tenant), &registry_.service(r.service), &registry_.agent(r.agent)}) {
    WindowCounters& w = st->window;
    w.failed++;
    switch (why) {
      case Failure::queue_full: w.failed_queue_full++; break;
      case Failure::timeout: w.failed_timeout++; break;
      case Failure::agent_error: w.failed_agent_error++; break;
      case Failure::execution_limit: w.failed_execution_limit++; break;
      case Failure::context: w.failed_context++; break;
      case Failure::instance_crash: w.failed_instance_crash++; break;
    }
  }
  count_user(r, true);
  if (r.version >= 0) count_version(r, true, 0);
  finish(id);
}

void Simulation::finish(std::uint32_t id) {
  // Completion, failure and timeout all give the reservation back, once.
  Request& r = requests_[id];
  if (r.admitted) {
    integrate_tenant(r.tenant);
    monitors_[static_cast<std::size_t>(r.tenant)].release(scenario_.agents[static_cast<std::size_t>(r.agent)]);
    r.admitted = false;
  }
  if (!r.crashed) free_requests_.push_back(id);
}

// [SECTION] Queues

std::uint32_t Simulation::pop_next_queued(Pool& p) {
  // Round robin over the flows that have requests waiting.
  for (;;) {
    RingQueue<std::uint32_t>& flow = p.flows[p.next_flow];
    p.next_flow = (p.next_flow + 1) % p.flows.size();
    if (flow.empty()) continue;
    const std::uint32_t id = flow.front();
    flow.pop_front();
    --p.queued;
    --queued_total_;
    return id;
  }
}

void Simulation::pull_from_queue(int pool) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  while (p.queued > 0 && p.free_slots > 0) {
    integrate(pool);
    const std::uint32_t id = pop_next_queued(p);
    if (now_ - requests_[id].enqueued >= spec.queue_timeout) {
      fail(id, Failure::timeout);
      continue;
    }
    start_work(id, pick_instance(p));
  }
  if (!p.queue_full_episode) return;
  std::size_t longest = 0;
  for (const auto& f : p.flows) longest = std::max(longest, f.size());
  if (static_cast<double>(longest) < 0.9 * spec.queue_capacity) {
    // The episode ends once the queue has real room again (below 90 %), so that a queue
    // hovering at its capacity does not log an event per request.
    p.queue_full_episode = false;
    EventFields w;
    w.add("service", spec.id);
    if (p.owner_tenant >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)].id);
    w.add("requests_refused", p.refused_in_episode).add("queue_length", static_cast<std::int64_t>(p.queued));
    log(EventKind::queue_full_ended, std::move(w));
  }
}

void Simulation::arm_queue_timeout(int pool) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  if (p.timeout_pending || p.queued == 0) return;
  SimTime oldest = end_time() + 1;
  for (const auto& f : p.flows)
    if (!f.empty()) oldest = std::min(oldest, requests_[f.front()].enqueued);
  p.timeout_pending = true;
  events_.push(oldest + scenario_.services[static_cast<std::size_t>(p.service)].queue_timeout, kQueueTimeout,
               static_cast<std::uint32_t>(pool));
}

void Simulation::on_queue_timeout(int pool) {
  // One timer per pool, set for its oldest queued request: each flow is FIFO, so the
  // requests behind a flow's head expire later.
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const SimDuration timeout = scenario_.services[static_cast<std::size_t>(p.service)].queue_timeout;
  p.timeout_pending = false;
  for (auto& flow : p.flows) {
    while (!flow.empty() && now_ - requests_[flow.front()].enqueued >= timeout) {
      integrate(pool);
      const std::uint32_t id = flow.front();
      flow.pop_front();
      --p.queued;
      --queued_total_;
      fail(id, Failure::timeout);
    }
  }
  arm_queue_timeout(pool);
}

// [SECTION] Monitoring

void Simulation::evaluate_alerts() {
  // Every rule sees its metric's value in the row just scraped; a metric this version does
  // not measure reads as no data.
  std::vector<double> values(rule_column_.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = rule_column_[i] >= 0 ? row_[static_cast<std::size_t>(rule_column_[i])]
                                     : std::numeric_limits<double>::quiet_NaN();
  std::vector<AlertTransition> transitions;
  alerts_.evaluate(now_, values, transitions);
  for (const AlertTransition& t : transitions) {
    if (t.state == AlertState::inactive) continue;  // a pending alert whose condition went away
    if (t.state == AlertState::firing) registry_.global().window.alerts_fired++;
    log(alert_event_kind(t.state), t.fields());
    notifier_.on_transition(t);
    if (incidents_) on_alert_for_incidents(sre::alert_info(t));
  }
  on_notify();
}

void Simulation::update_alert_rule(std::size_t rule, const RuleSpec& spec) {
  alerts_.update_rule(rule, spec);
  scenario_.monitoring.rules[rule] = spec;
  rule_column_[rule] = registry_.find(rule_metric_name(spec));
  EventFields w;
  w.add("rule", spec.id).add("metric", rule_metric_name(spec)).add("op", op_text(spec.op)).add("value", spec.value);
  w.add("for_s", to_seconds(spec.for_)).add("min_samples", spec.min_samples).add("severity", spec.severity);
  log(EventKind::rule_changed, std::move(w));
}

void Simulation::setup_slos() {
  const SimDuration longest = sre::longest_alert_window(scenario_.alerting.burn_rate);
  slo_fast_.assign(scenario_.slos.size(), 0);
  for (std::size_t k = 0; k < scenario_.slos.size(); ++k) {
    const SloSpec& slo = scenario_.slos[k];
    slos_.emplace_back(slo, scenario_.monitoring.scrape_interval, longest);
    slo_alerts_.emplace_back(scenario_.alerting.burn_rate);
    if (slo.indicator == SloSpec::Indicator::latency) latency_slos_.push_back(static_cast<int>(k));
  }
}

void Simulation::evaluate_slos() {
  // The interval's events: its service's window (or every service's), before it closes.
  for (std::size_t k = 0; k < slos_.size(); ++k) {
    const SloSpec& slo = scenario_.slos[k];
    std::uint64_t succeeded = 0, failed = 0;
    for (std::size_t v = 0; v < scenario_.services.size(); ++v) {
      if (slo.service_index >= 0 && slo.service_index != static_cast<int>(v)) continue;
      const WindowCounters& w = registry_.service(static_cast<int>(v)).window;
      succeeded += w.succeeded;
      failed += w.failed;
    }
    sre::SloTracker& tracker = slos_[k];
    if (slo.indicator == SloSpec::Indicator::latency) tracker.record(now_, slo_fast_[k], succeeded);
    else tracker.record(now_, succeeded, succeeded + failed);
    slo_fast_[k] = 0;
    tracker.advance(now_);
    ScopeStats& st = registry_.slo(static_cast<int>(k));
    st.slo_budget_remaining_percent = tracker.budget_remaining_percent(now_);
    st.slo_burn_rate = tracker.burn_rate(now_, kMicrosPerHour);
    st.slo_compliant = tracker.compliant(now_) ? 1 : 0;
    st.slo_sli_percent = tracker.sli_percent(now_);
    std::vector<sre::BurnRateTransition> transitions;
    slo_alerts_[k].evaluate(now_, tracker, transitions);
    for (const sre::BurnRateTransition& t : transitions) {
      if (t.state == AlertState::firing) registry_.global().window.alerts_fired++;
      log(alert_event_kind(t.state), t.fields());
      if (incidents_) on_alert_for_incidents(sre::alert_info(t, slo.service));
      // Routed like any alert; burn-rate rules are numbered after the monitoring rules.
      AlertTransition a;
      a.rule_index = static_cast<int>(alerts_.size() + k * slo_alerts_[k].size()) + t.rule_index;
      a.rule = t.rule;
      a.severity = t.severity;
      a.metric = "slo." + slo.id + ".burn_rate";
      a.service = slo.service;
      a.state = t.state;
      a.value = t.long_burn_rate;
      a.threshold = t.factor;
      a.time = t.time;
      a.active_since = t.active_since;
      notifier_.on_transition(a);
    }
  }
}

void Simulation::count_user(const Request& r, bool failed) {
  // A tenant without users is one anonymous user.
  const std::size_t slot = user_slot_base_[static_cast<std::size_t>(r.tenant)] + static_cast<std::size_t>(std::max<int>(0, r.user));
  UserCounts& c = interval_users_[static_cast<std::size_t>(r.service)][slot];
  ++c.completed;
  c.failed += failed ? 1 : 0;
}

std::vector<sre::ServiceSignals> Simulation::incident_signals() {
  // Each service's scrape interval, read from its window before it closes. A user is
  // affected when at least 10 % of its requests in the interval failed: background agent
  // errors of a fraction of a percent touch nobody, an outage touches everyone it serves.
  constexpr double kAffectedFailedShare = 0.10;
  constexpr std::size_t kBaselineIntervals = 240;
  std::vector<sre::ServiceSignals> out;
  for (std::size_t v = 0; v < scenario_.services.size(); ++v) {
    const ScopeStats& st = registry_.service(static_cast<int>(v));
    const WindowCounters& w = st.window;
    sre::ServiceSignals s;
    s.service = scenario_.services[v].id;
    s.requests = w.succeeded + w.failed;
    s.availability_percent = s.requests ? 100.0 * static_cast<double>(w.succeeded) / static_cast<double>(s.requests) : 100.0;
    s.error_rate_percent = 100.0 - s.availability_percent;
    // One interval's p95 over a few hundred requests moves by tens of percent on its own,
    // which would read as degradation against the baseline; the signal is smoothed over
    // about ten intervals (a sustained slowdown still shows within a few).
    constexpr double kSmoothing = 0.1;
    if (st.window_latency.count()) {
      const double p95 = st.window_latency.quantile_us(0.95) / 1000.0;
      double& smoothed = p95_smoothed_ms_[v];
      smoothed = smoothed > 0 ? smoothed + kSmoothing * (p95 - smoothed) : p95;
    }
    s.latency_p95_ms = p95_smoothed_ms_[v];
    // Baseline: the median p95 of the service's recent healthy intervals (the order
    // statistic a selection on a copy would find, read from the sorted copy kept below).
    const std::vector<double>& healthy = healthy_sorted_[v];
    if (!healthy.empty()) s.baseline_latency_p95_ms = healthy[healthy.size() / 2];
    for (UserCounts& c : interval_users_[v]) {
      if (c.completed == 0) continue;
      ++s.users_total;
      s.users_affected += static_cast<double>(c.failed) >= kAffectedFailedShare * static_cast<double>(c.completed);
      c = UserCounts{};
    }
    // At its maximum and short of capacity (busy slots over 80 %, or a queue): a fleet held
    // at a fixed size that has room is not a contributing factor.
    const bool saturated = (w.ready_slot_us > 0 && w.busy_slot_us > 0.8 * w.ready_slot_us) || w.queue_len_us > 0;
    for (const Pool& p : pools_)
      if (p.service == static_cast<int>(v) && saturated && serving_instances(p) >= scenario_.services[v].instances_max)
        s.at_max_instances = true;
    for (std::size_t k = 0; k < scaler_notes_.size(); ++k)
      if (pools_[static_cast<std::size_t>(scalers_[k].pool)].service == static_cast<int>(v) &&
          scaler_notes_[k].find("cooldown") != std::string::npos)
        s.scaling_cooldown_blocked = true;
    // The interval counts towards the baseline when it looks healthy by itself.
    if (s.latency_p95_ms > 0 && sre::assess_status(s).status == sre::ServiceStatus::healthy) {
      std::vector<double>& h = healthy_p95_[v];
      std::vector<double>& sorted = healthy_sorted_[v];
      if (h.size() == kBaselineIntervals) {
        sorted.erase(std::lower_bound(sorted.begin(), sorted.end(), h.front()));
        h.erase(h.begin());
      }
      h.push_back(s.latency_p95_ms);
      sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), s.latency_p95_ms), s.latency_p95_ms);
    }
    out.push_back(s);
  }
  return out;
}

void Simulation::on_alert_for_incidents(const sre::AlertInfo& a) {
  // With one service, an unscoped alert is about that service: one outage, one incident.
  sre::AlertInfo scoped = a;
  if (scoped.service.empty() && scenario_.services.size() == 1) scoped.service = scenario_.services[0].id;
  on_incident_transitions(incidents_->on_alert(now_, scoped));
}

void Simulation::on_incident_transitions(const std::vector<sre::IncidentTransition>& ts) {
  for (const sre::IncidentTransition& t : ts) {
    const sre::Incident& inc = incidents_->incidents()[t.incident];
    log(t.event_kind(), t.fields(inc));
    if (t.kind == sre::IncidentTransition::Kind::opened) suspect_deployments(inc);
  }
  ScopeStats& g = registry_.global();
  g.incidents_total = static_cast<double>(incidents_->incidents_total());
  for (int k = 0; k < 4; ++k)
    g.incidents_sev[k] = static_cast<double>(incidents_->incidents_with_severity(static_cast<sre::Severity>(k + 1)));
  const double mttr = incidents_->mttr_minutes(), mttd = incidents_->mttd_minutes();
  g.mttr_minutes = std::isfinite(mttr) ? mttr : 0.0;
  g.mttd_minutes = std::isfinite(mttd) ? mttd : 0.0;
}

void Simulation::on_notify() {
  if (notify_at_ == now_) notify_at_ = -1;
  std::vector<Notification> due;
  notifier_.advance(now_, due);
  for (const Notification& n : due) log(EventKind::notification, n.fields());
  const SimTime next = notifier_.next_due();
  if (next != Notifier::kNever && next <= end_time() && (notify_at_ < 0 || next < notify_at_)) {
    notify_at_ = next;
    events_.push(next, kNotify, 0);
  }
}

// [SECTION] Scaling

int Simulation::serving_instances(const Pool& p) {
  // Starting and ready instances: the pool's size as scaling sees it (draining ones are on
  // their way out).
  // A rolling restart's surge instance is not counted: it replaces one already counted.
  int draining = 0;
  for (const Instance& in : p.instances) draining += in.state == InstanceState::draining;
  // Neither is a blue-green deployment's new fleet before the switch.
  return p.live_instances - draining - p.surge_starting - p.green_instances;
}

void Simulation::setup_scaling() {
  pool_stats_.resize(pools_.size());
  for (std::size_t section = 0; section < scenario_.scaling.size(); ++section) {
    const ScalingSpec& spec = scenario_.scaling[section];
    const ServiceSpec& service = scenario_.services[static_cast<std::size_t>(spec.service_index)];
    for (std::size_t pi = 0; pi < pools_.size(); ++pi) {
      if (pools_[pi].service != spec.service_index) continue;
      PoolScaler sc;
      sc.pool = static_cast<int>(pi);
      pools_[pi].scaled = true;
      sc.spec = &spec;
      sc.threshold = std::make_unique<scaling::ThresholdScaler>(spec, service.instances_min, service.instances_max);
      const int sizes = static_cast<int>(pools_[pi].size_factors.size());
      if (sizes > 1)
        sc.vertical = std::make_unique<scaling::ThresholdScaler>(spec, 0, sizes - 1,
                                                                 ScalingPolicySpec::Direction::vertical);
      for (const ScalingPolicySpec& p : spec.policies)
        if (p.kind == ScalingPolicySpec::Kind::target_tracking)
          sc.hpa.push_back(std::make_unique<scaling::HpaController>(p, service.instances_min, service.instances_max));
      if (spec.predictive.enabled)
        sc.predictive = std::make_unique<scaling::PredictiveEngine>(spec.predictive, scenario_.calendar);
      scalers_.push_back(std::move(sc));
      scaler_notes_.emplace_back();
      events_.push(spec.evaluation_interval, kScalingEval, static_cast<std::uint32_t>(scalers_.size() - 1));
    }
  }
}

void Simulation::on_scaling_eval(std::uint32_t index) {
  PoolScaler& sc = scalers_[index];
  Pool& p = pools_[static_cast<std::size_t>(sc.pool)];
  integrate(sc.pool);
  integrate_fleet(sc.pool);
  // The pool's own figures since the last evaluation.
  const double elapsed_s = to_seconds(now_ - p.eval_since);
  scaling::MetricValues values;
  if (p.eval_ready_slot_us > 0) values.cpu_utilization = 100.0 * p.eval_busy_slot_us / p.eval_ready_slot_us;
  if (p.eval_memory_ready_mb_us > 0) values.memory_utilization = 100.0 * p.eval_memory_used_mb_us / p.eval_memory_ready_mb_us;
  if (elapsed_s > 0) {
    values.request_rate = static_cast<double>(p.eval_arrivals) / elapsed_s;
    values.queue_depth = p.eval_queue_len_us / (elapsed_s * kMicrosPerSecond);
  }
  for (const ScalingPolicySpec& policy : sc.spec->policies)
    if (!policy.metric.empty()) {
      const int col = registry_.find(policy.metric);
      if (col >= 0 && !row_.empty()) values.custom.emplace_back(policy.metric, row_[static_cast<std::size_t>(col)]);
    }
  p.eval_busy_slot_us = p.eval_ready_slot_us = p.eval_memory_used_mb_us = p.eval_memory_ready_mb_us = p.eval_queue_len_us = 0;
  p.eval_arrivals = 0;
  p.eval_since = now_;

  const int current = serving_instances(p);
  std::vector<scaling::ScalingDecision> extra;
  int floor = 0;  // what a confident forecast needs: no scale-in below it
  // Target tracking (the Kubernetes HPA): its recommendation joins the consolidation.
  for (auto& hpa : sc.hpa) {
    const ScalingPolicySpec& policy = hpa->spec();
    std::optional<double> metric = values.value_for(policy);
    if (!metric) continue;
    const scaling::HpaDecision d = hpa->recommend(now_, current, p.ready_instances, *metric);
    if (d.changed()) extra.push_back({now_, current, d.desired, policy.id, d.reason});
  }
  // Predictive: it learns the load in busy slots' worth of utilisation, which does not fall
  // when the fleet grows, and proposes a size ahead of the forecast peak.
  if (sc.predictive && sc.spec->predictive.enabled && values.cpu_utilization) {
    sc.predictive->observe(now_, *values.cpu_utilization * p.ready_instances);
    const scaling::Forecast f = sc.predictive->forecast(now_);
    const ServiceSpec& service = scenario_.services[static_cast<std::size_t>(p.service)];
    if (auto d = scaling::predictive_decision(now_, f, sc.spec->predictive, current, service.instances_max, 1.0))
      extra.push_back(*d);
    floor = std::min(service.instances_max, scaling::predictive_need(f, sc.spec->predictive, 1.0));
    // The service's figure is its least accurate pool's.
    double worst = 0;
    for (const PoolScaler& other : scalers_)
      if (other.predictive && pools_[static_cast<std::size_t>(other.pool)].service == p.service)
        worst = std::max(worst, other.predictive->error_percent());
    registry_.service(p.service).forecast_error_percent = worst;
  }
  const scaling::ThresholdScaler::Outcome out = sc.threshold->evaluate(now_, current, values, extra, floor);
  std::string& note = scaler_notes_[index];
  note = out.note;
  if (out.decision && out.decision->to != current) {
    resize_pool(sc.pool, out.decision->to, out.decision->policy_id, out.decision->reason);
    registry_.service(p.service).window.scaling_events++;
    note = out.decision->reason;
  }
  // Vertical: one size change at a time; the next waits for the rolling restart to end.
  if (sc.vertical && !p.rolling && active_rollout_[static_cast<std::size_t>(p.service)] < 0) {
    const scaling::ThresholdScaler::Outcome v = sc.vertical->evaluate(now_, p.size, values);
    if (v.decision && v.decision->to != p.size) {
      resize_instances(sc.pool, v.decision->to, v.decision->policy_id, v.decision->reason);
      registry_.service(p.service).window.scaling_events++;
      note += (note.empty() ? "" : " ") + v.decision->reason;
    }
  }
  const SimTime next = now_ + sc.spec->evaluation_interval;
  if (next <= end_time()) events_.push(next, kScalingEval, index);
}

void Simulation::update_scaling(std::size_t section, const ScalingSpec& changed) {
  ScalingSpec& spec = scenario_.scaling[section];
  spec.evaluation_interval = changed.evaluation_interval;
  spec.max_events_per_hour = changed.max_events_per_hour;
  spec.cost_optimization = changed.cost_optimization;
  for (const ScalingPolicySpec& c : changed.policies)
    for (ScalingPolicySpec& mine : spec.policies) {
      if (mine.id != c.id || mine.kind != c.kind) continue;
      const ScalingTrigger trigger = mine.trigger;
      const ScalingPolicySpec::Direction direction = mine.direction;
      const std::vector<double> sizes = mine.size_factors;
      const std::vector<ScheduleStep> schedule = mine.schedule;
      const std::string metric = mine.metric;
      mine = c;
      mine.trigger = trigger;
      mine.direction = direction;
      mine.size_factors = sizes;
      mine.schedule = schedule;
      mine.metric = metric;
    }
  const std::string predictive_metric = spec.predictive.metric;
  spec.predictive = changed.predictive;
  spec.predictive.metric = predictive_metric;
  for (PoolScaler& sc : scalers_) {
    if (sc.spec != &spec) continue;
    sc.threshold->update(spec);
    if (sc.vertical) sc.vertical->update(spec);
    for (auto& hpa : sc.hpa)
      for (const ScalingPolicySpec& pol : spec.policies)
        if (pol.id == hpa->spec().id) hpa->update_spec(pol);
    if (sc.predictive)
      sc.predictive->update_spec(spec.predictive);
    else if (spec.predictive.enabled)
      sc.predictive = std::make_unique<scaling::PredictiveEngine>(spec.predictive, scenario_.calendar);
  }
  EventFields w;
  w.add("service", spec.service).add("max_events_per_hour", spec.max_events_per_hour);
  w.add("cost_optimization", spec.cost_optimization).add("predictive", spec.predictive.enabled);
  std::string policies;
  for (const ScalingPolicySpec& pol : spec.policies) {
    policies += (policies.empty() ? "" : "; ") + pol.id + ": ";
    if (pol.kind == ScalingPolicySpec::Kind::target_tracking)
      policies += "target " + scaling::format_number(pol.target) + ", tolerance " + scaling::format_number(pol.tolerance);
    else
      policies += "up " + scaling::format_number(pol.threshold_up) + ", down " + scaling::format_number(pol.threshold_down) +
                  ", cooldown " + format_duration(pol.cooldown) + ", periods " + std::to_string(pol.evaluation_periods) +
                  ", increment " + std::to_string(pol.scale_increment);
  }
  w.add("policies", policies);
  log(EventKind::policy_changed, std::move(w));
}

Simulation::ScalerView Simulation::scaler_view(std::size_t i) const {
  const PoolScaler& sc = scalers_[i];
  ScalerView v;
  v.pool = sc.pool;
  v.section = static_cast<std::size_t>(sc.spec - scenario_.scaling.data());
  v.predictive = sc.predictive.get();
  v.last_note = scaler_notes_[i];
  return v;
}

void Simulation::record_scaling(int pool, EventKind kind, double from, double to, const std::string& policy,
                                const std::string& reason) {
  PoolScalingStats& st = pool_stats_[static_cast<std::size_t>(pool)];
  st.scale_out += kind == EventKind::scale_out;
  st.scale_in += kind == EventKind::scale_in;
  st.scale_up += kind == EventKind::scale_up;
  st.scale_down += kind == EventKind::scale_down;
  if (policy == "predictive") ++st.predictive;
  st.last_at = now_;
  auto it = std::find_if(st.by_policy.begin(), st.by_policy.end(), [&](const auto& e) { return e.first == policy; });
  if (it == st.by_policy.end()) st.by_policy.emplace_back(policy, 1);
  else ++it->second;
  scaling_records_.push_back({now_, pool, kind, from, to, policy, reason});
  if (incidents_)
    incidents_->on_event(now_, scenario_.services[static_cast<std::size_t>(pools_[static_cast<std::size_t>(pool)].service)].id,
                         event_kind_name(kind), reason);
  if (scaling_records_.size() > kScalingRecords) scaling_records_.pop_front();
}

// [SECTION] Fleet

void Simulation::resize_pool(int pool, int target, const std::string& policy, const std::string& reason) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  target = std::max(spec.instances_min, std::min(spec.instances_max, target));
  const int from = serving_instances(p);
  if (target == from) return;
  if (target > from) {
    for (int k = from; k < target; ++k) start_instance(pool);
  } else {
    // Scale in: cancel starting instances first (not a rolling restart's surge), then
    // drain the least busy ready ones, those of an old size first.
    for (int k = target; k < from; ++k) {
      int pick = -1;
      for (std::size_t i = 0; i < p.instances.size(); ++i)
        if (p.instances[i].state == InstanceState::starting && !p.instances[i].surge && !p.instances[i].green)
          pick = static_cast<int>(i);
      if (pick < 0)
        for (std::size_t i = 0; i < p.instances.size(); ++i) {
          const Instance& in = p.instances[i];
          if (in.state != InstanceState::ready) continue;
          if (pick < 0) {
            pick = static_cast<int>(i);
            continue;
          }
          const Instance& best = p.instances[static_cast<std::size_t>(pick)];
          const bool old = outdated(p, in), best_old = outdated(p, best);
          if (old != best_old ? old : in.busy_slots < best.busy_slots) pick = static_cast<int>(i);
        }
      if (pick >= 0) drain_instance(pool, pick);
    }
  }
  advance_rolling(pool);
  EventFields w;
  w.add("service", spec.id);
  if (p.owner_tenant >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)].id);
  w.add("from", from).add("to", target).add("policy", policy).add("reason", reason);
  const EventKind kind = target > from ? EventKind::scale_out : EventKind::scale_in;
  log(kind, std::move(w));
  record_scaling(pool, kind, from, target, policy, reason);
}

void Simulation::resize_instances(int pool, int to, const std::string& policy, const std::string& reason) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  const double from_factor = p.size_factors[static_cast<std::size_t>(p.size)];
  const double to_factor = p.size_factors[static_cast<std::size_t>(to)];
  const EventKind kind = to > p.size ? EventKind::scale_up : EventKind::scale_down;
  p.size = to;
  EventFields w;
  w.add("service", spec.id);
  if (p.owner_tenant >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)].id);
  w.add("from_size", from_factor).add("to_size", to_factor);
  w.add("slots_per_instance", slots_for(p, to)).add("policy", policy).add("reason", reason);
  log(kind, std::move(w));
  record_scaling(pool, kind, from_factor, to_factor, policy, reason);
  if (!p.rolling) {
    p.rolling = true;
    p.rolling_max_surge = 1;
    p.rolling_max_unavailable = 0;
    p.rolling_replaced = 0;
    p.rolling_since = now_;
    EventFields r;
    r.add("service", spec.id);
    if (p.owner_tenant >= 0) r.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)].id);
    r.add("to_size", to_factor).add("instances", serving_instances(p)).add("max_surge", 1);
    log(EventKind::rolling_restart_started, std::move(r));
  }
  advance_rolling(pool);
}

void Simulation::advance_rolling(int pool) {
  // Kubernetes' RollingUpdate: at most max_surge instances above the pool's size, at least
  // size - max_unavailable ready. A vertical resize rolls with 1 / 0.
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  if (!p.rolling) return;
  int old = 0;
  for (const Instance& in : p.instances)
    old += (in.state == InstanceState::ready || in.state == InstanceState::starting) && !in.green && outdated(p, in);
  if (old == 0) {
    // Every instance is current: a surge still starting has nothing left to replace.
    for (std::size_t i = 0; i < p.instances.size(); ++i)
      if (p.instances[i].surge) drain_instance(pool, static_cast<int>(i));
    p.rolling = false;
    on_rolling_finished(pool);
    return;
  }
  // An outdated instance still starting serves nobody yet: start a current one instead,
  // in the same role (a surge instance's replacement is a surge instance, or the pool
  // would count one instance more than its size; a rollback in mid-rollout does this).
  for (std::size_t i = 0; i < p.instances.size(); ++i)
    if (p.instances[i].state == InstanceState::starting && !p.instances[i].green && outdated(p, p.instances[i])) {
      const bool surge = p.instances[i].surge;
      drain_instance(pool, static_cast<int>(i));
      const int slot = start_instance(pool);
      if (surge) {
        p.instances[static_cast<std::size_t>(slot)].surge = true;
        ++p.surge_starting;
      }
    }
  auto least_busy_outdated = [&]() {
    int pick = -1;
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      const Instance& o = p.instances[i];
      if (o.state == InstanceState::ready && outdated(p, o) &&
          (pick < 0 || o.busy_slots < p.instances[static_cast<std::size_t>(pick)].busy_slots))
        pick = static_cast<int>(i);
    }
    return pick;
  };
  int ready_old = 0;
  for (const Instance& in : p.instances) ready_old += in.state == InstanceState::ready && outdated(p, in);
  // max_unavailable: take outdated instances down before their replacements are ready.
  const int size = serving_instances(p);
  while (p.rolling_max_unavailable > 0 && ready_old > p.surge_starting &&
         p.ready_instances - 1 >= size - p.rolling_max_unavailable) {
    const int victim = least_busy_outdated();
    if (victim < 0) break;
    drain_instance(pool, victim);
    start_instance(pool);
    ++p.rolling_replaced;
    --ready_old;
  }
  // max_surge: extra current instances, each replacing an outdated one when it is ready.
  while (p.surge_starting < p.rolling_max_surge && ready_old > p.surge_starting) {
    const int slot = start_instance(pool);
    p.instances[static_cast<std::size_t>(slot)].surge = true;
    ++p.surge_starting;
  }
}

int Simulation::start_instance(int pool) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  integrate_fleet(pool);
  std::size_t slot = p.instances.size();
  for (std::size_t i = 0; i < p.instances.size(); ++i)
    if (p.instances[i].state == InstanceState::gone) {
      slot = i;
      break;
    }
  if (slot == p.instances.size()) p.instances.emplace_back();
  Instance& in = p.instances[slot];
  in.busy_slots = 0;
  in.size = p.size;
  in.version = p.version;
  in.slots = slots_for(p, p.size);
  in.surge = in.green = in.warm = in.standby = false;
  in.state = InstanceState::starting;
  ++in.generation;
  ++p.live_instances;
  fleet_changed(pool);
  // An instance costs from the moment it starts, ready or not.
  pending_starts_.push_back({pool, static_cast<int>(slot), in.generation});
  events_.push(now_ + spec.startup, kInstanceReady, static_cast<std::uint32_t>(pending_starts_.size() - 1));
  return static_cast<int>(slot);
}

void Simulation::on_instance_ready(std::uint32_t pending) {
  const PendingStart ps = pending_starts_[pending];
  Pool& p = pools_[static_cast<std::size_t>(ps.pool)];
  Instance& in = p.instances[static_cast<std::size_t>(ps.instance)];
  if (in.state != InstanceState::starting || in.generation != ps.generation) return;  // cancelled meanwhile
  if (in.green) {
    // Blue-green: the new fleet waits, out of service, until all of it is ready.
    in.warm = true;
    const int d = active_rollout_[static_cast<std::size_t>(p.service)];
    bool all_warm = true;
    for (const Pool& q : pools_)
      if (q.service == p.service)
        for (const Instance& o : q.instances) all_warm &= !(o.green && o.state == InstanceState::starting && !o.warm);
    if (d >= 0 && all_warm) switch_blue_green(d);
    return;
  }
  make_ready(ps.pool, ps.instance);
  if (in.surge) {
    // A rolling restart's new instance is serving: one outdated instance goes.
    in.surge = false;
    --p.surge_starting;
    int old = -1;
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      const Instance& o = p.instances[i];
      if (o.state == InstanceState::ready && outdated(p, o) &&
          (old < 0 || o.busy_slots < p.instances[static_cast<std::size_t>(old)].busy_slots))
        old = static_cast<int>(i);
    }
    if (old >= 0) {
      drain_instance(ps.pool, old);
      ++p.rolling_replaced;
    }
  }
  advance_rolling(ps.pool);
}

void Simulation::make_ready(int pool, int instance) {
  // Starting (or standing by) -> ready: its slots take work.
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  integrate(pool);
  integrate_fleet(pool);
  in.state = InstanceState::ready;
  ++p.ready_instances;
  p.ready_slots += in.slots;
  p.free_slots += std::max(0, in.slots - in.busy_slots);
  fleet_changed(pool);
  pull_from_queue(pool);
}

void Simulation::drain_instance(int pool, int instance) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  integrate(pool);
  integrate_fleet(pool);
  if (in.state == InstanceState::starting) {
    in.state = InstanceState::gone;
    --p.live_instances;
    if (in.surge) {
      in.surge = false;
      --p.surge_starting;
    }
    if (in.green) {
      in.green = false;
      --p.green_instances;
    }
  } else if (in.state == InstanceState::ready) {
    in.state = InstanceState::draining;
    --p.ready_instances;
    p.ready_slots -= in.slots;
    p.free_slots -= std::max(0, in.slots - in.busy_slots);
    retire_if_idle(pool, instance);
  }
  fleet_changed(pool);
}

void Simulation::retire_if_idle(int pool, int instance) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  if (in.state != InstanceState::draining || in.busy_slots > 0 || in.standby) return;
  integrate_fleet(pool);
  in.state = InstanceState::gone;
  --p.live_instances;
  fleet_changed(pool);
}

void Simulation::crash_instance(int pool, int instance) {
  // The work in progress on the instance fails and the instance is gone; the fault that
  // crashed it restarts it when it ends (on_fault).
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  Instance& in = p.instances[static_cast<std::size_t>(instance)];
  if (in.state == InstanceState::gone || in.state == InstanceState::starting) return;
  integrate(pool);
  integrate_fleet(pool);
  for (std::uint32_t id = 0; id < requests_.size(); ++id) {
    Request& r = requests_[id];
    if (r.pool != pool || r.instance != instance || r.crashed || !r.in_service) continue;
    p.memory_used_mb -= scenario_.agents[static_cast<std::size_t>(r.agent)].memory_estimate_mb;
    r.in_service = false;
    r.crashed = true;  // the slot stays taken until the stale work event passes
    fail(id, Failure::instance_crash);
  }
  p.busy_slots -= in.busy_slots;
  if (in.state == InstanceState::ready) {
    --p.ready_instances;
    p.ready_slots -= in.slots;
    p.free_slots -= std::max(0, in.slots - in.busy_slots);
  }
  in.busy_slots = 0;
  in.state = InstanceState::gone;
  --p.live_instances;
  fleet_changed(pool);
}

int Simulation::slots_for(const Pool& p, int size) const {
  // The service's concurrency at this size, less what a capacity_loss fault takes; a size
  // has at least one slot at full capacity.
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  const double full = std::max(1.0, std::floor(spec.concurrency * p.size_factors[static_cast<std::size_t>(size)]));
  return static_cast<int>(std::floor(full * p.capacity_percent / 100.0));
}

void Simulation::set_capacity_percent(int pool, double percent) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  integrate(pool);
  integrate_fleet(pool);
  p.capacity_percent = percent;
  p.ready_slots = p.free_slots = 0;
  for (Instance& in : p.instances) {
    in.slots = slots_for(p, in.size);
    if (in.state != InstanceState::ready) continue;
    p.ready_slots += in.slots;
    p.free_slots += std::max(0, in.slots - in.busy_slots);
  }
  fleet_changed(pool);
  pull_from_queue(pool);
}

void Simulation::fleet_changed(int pool) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(p.service)];
  // Sizes differ during a rolling restart, so memory and cost add up instance by instance.
  double ready_factor = 0, live_factor = 0;
  for (const Instance& in : p.instances) {
    const double f = p.size_factors[static_cast<std::size_t>(in.size)];
    if (in.state == InstanceState::ready) ready_factor += f;
    if (in.state != InstanceState::gone) live_factor += f;
  }
  p.memory_ready_mb = ready_factor * spec.memory_mb;
  p.cost_usd_per_us = live_factor * spec.cost_per_hour / static_cast<double>(kMicrosPerHour);
  std::int64_t service_instances = 0, all = 0;
  for (const Pool& q : pools_) {
    all += q.live_instances;
    if (q.service == p.service) service_instances += q.live_instances;
  }
  ScopeStats& st = registry_.service(p.service);
  st.instances_now = service_instances;
  st.window.instances_max = std::max(st.window.instances_max, service_instances);
  registry_.global().instances_now = all;
  registry_.global().window.instances_max = std::max(registry_.global().window.instances_max, all);
}

// [SECTION] Metrics and logging

void Simulation::accrue_load(int pool, SimDuration dt, WindowCounters& w) const {
  const Pool& p = pools_[static_cast<std::size_t>(pool)];
  const double dtd = static_cast<double>(dt);
  w.busy_slot_us += p.busy_slots * dtd;
  w.memory_used_mb_us += p.memory_used_mb * dtd;
  w.queue_len_us += static_cast<double>(p.queued) * dtd;
}

void Simulation::accrue_fleet(int pool, SimDuration dt, WindowCounters& w) const {
  const Pool& p = pools_[static_cast<std::size_t>(pool)];
  const double dtd = static_cast<double>(dt);
  w.ready_slot_us += p.ready_slots * dtd;
  w.memory_ready_mb_us += p.memory_ready_mb * dtd;
  w.cost_usd += p.cost_usd_per_us * dtd;
}

void Simulation::accrue_tenant(int tenant, SimDuration dt, WindowCounters& w) const {
  const QuotaUsage& u = monitors_[static_cast<std::size_t>(tenant)].usage();
  const double dtd = static_cast<double>(dt);
  w.concurrent_agents_us += u.concurrent_agents * dtd;
  w.memory_reserved_mb_us += u.memory_mb * dtd;
  w.cpu_reserved_cores_us += u.cpu_cores * dtd;
}

void Simulation::integrate(int pool) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const SimDuration dt = now_ - p.integrated_until;
  if (dt <= 0) return;
  accrue_load(pool, dt, registry_.service(p.service).window);
  if (p.scaled) {
    const double dtd = static_cast<double>(dt);
    p.eval_busy_slot_us += p.busy_slots * dtd;
    p.eval_memory_used_mb_us += p.memory_used_mb * dtd;
    p.eval_queue_len_us += static_cast<double>(p.queued) * dtd;
  }
  p.integrated_until = now_;
}

void Simulation::integrate_fleet(int pool) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const SimDuration dt = now_ - p.fleet_integrated_until;
  if (dt <= 0) return;
  accrue_fleet(pool, dt, registry_.service(p.service).window);
  p.eval_ready_slot_us += p.ready_slots * static_cast<double>(dt);
  p.eval_memory_ready_mb_us += p.memory_ready_mb * static_cast<double>(dt);
  p.fleet_integrated_until = now_;
}

void Simulation::integrate_tenant(int tenant) {
  SimTime& until = tenant_integrated_until_[static_cast<std::size_t>(tenant)];
  const SimDuration dt = now_ - until;
  if (dt <= 0) return;
  accrue_tenant(tenant, dt, registry_.tenant(tenant).window);
  until = now_;
}

void Simulation::log_refusals() {
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
      log(EventKind::admission_refused_started,
          EventFields()
              .add("tenant", tenant.id)
              .add("refused", w.rejected)
              .add("by_limit", std::move(by))
              .add("reason", "tenant " + tenant.id + "'s own quota refuses its requests at admission: " + why +
                                   " (not a failure of the service)"));
    }
    if (w.rejected == 0 && episode > 0) {
      log(EventKind::admission_refused_ended,
          EventFields().add("tenant", tenant.id).add("refused", episode));
      episode = 0;
    }
    episode += w.rejected;
  }
}

void Simulation::on_scrape() {
  for (std::size_t i = 0; i < pools_.size(); ++i) {
    integrate(static_cast<int>(i));
    integrate_fleet(static_cast<int>(i));
  }
  for (std::size_t t = 0; t < scenario_.tenants.size(); ++t) integrate_tenant(static_cast<int>(t));
  log_refusals();
  const std::vector<sre::ServiceSignals> signals = incident_signals();
  for (std::size_t v = 0; v < signals.size(); ++v) service_status_[v] = sre::assess_status(signals[v]);
  if (incidents_) on_incident_transitions(incidents_->evaluate(now_, signals));
  evaluate_slos();
  check_chaos_abort();
  registry_.sample_and_close(now_ - last_scrape_, row_);
  last_scrape_ = now_;
  // The new windows' maxima start from the gauges' current values.
  for (std::size_t v = 0; v < scenario_.services.size(); ++v) {
    WindowCounters& w = registry_.service(static_cast<int>(v)).window;
    w.queue_max = 0;
    w.instances_max = registry_.service(static_cast<int>(v)).instances_now;
  }
  for (const Pool& p : pools_) {
    WindowCounters& w = registry_.service(p.service).window;
    w.queue_max = std::max<std::int64_t>(w.queue_max, static_cast<std::int64_t>(p.queued));
  }
  registry_.global().window.queue_max = queued_total_;
  registry_.global().window.instances_max = registry_.global().instances_now;
  series_.push(now_, row_);
  if (invariants_) invariants_->check(*this);
  for (SimObserver* o : observers_) o->on_sample(now_, row_);
  evaluate_alerts();
  // What the operational context provider reports until the next scrape.
  auto global = [&](const char* name) { return row_[static_cast<std::size_t>(registry_.find(name))]; };
  operational_.cpu_utilization = global("cpu_utilization");
  operational_.memory_utilization = global("memory_utilization");
  operational_.latency_p95_ms = global("latency_p95_ms");
  operational_.error_rate_percent = global("error_rate_percent");
  operational_.request_rate = global("request_rate");
  operational_.instances = global("instances");
  operational_.cost_usd = global("cost_usd");
  const SimTime next = now_ + scenario_.monitoring.scrape_interval;
  if (next <= end_time()) events_.push(next, kScrape, 0);
}

std::vector<double> Simulation::summary_values() const {
  // Gauge integrals run up to each pool's and tenant's last change; what has accrued since
  // is added on the side so that reading a summary changes no state.
  std::vector<WindowCounters> pending(scenario_.services.size()), pending_tenants(scenario_.tenants.size());
  for (std::size_t i = 0; i < pools_.size(); ++i) {
    const Pool& p = pools_[i];
    WindowCounters& w = pending[static_cast<std::size_t>(p.service)];
    accrue_load(static_cast<int>(i), now_ - p.integrated_until, w);
    accrue_fleet(static_cast<int>(i), now_ - p.fleet_integrated_until, w);
  }
  for (std::size_t t = 0; t < scenario_.tenants.size(); ++t)
    accrue_tenant(static_cast<int>(t), now_ - tenant_integrated_until_[t], pending_tenants[t]);
  std::vector<double> values;
  registry_.summary(now_, pending, pending_tenants, values);
  return values;
}

Simulation::PoolView Simulation::pool_view(int pool) const {
  const Pool& p = pools_[static_cast<std::size_t>(pool)];
  PoolView v;
  v.service = p.service;
  v.owner_tenant = p.owner_tenant;
  v.instances = p.live_instances;
  v.ready_instances = p.ready_instances;
  for (const Instance& in : p.instances) {
    v.starting_instances += in.state == InstanceState::starting;
    v.draining_instances += in.state == InstanceState::draining;
  }
  v.busy_slots = p.busy_slots;
  v.total_slots = p.ready_slots;
  v.size_factor = p.size_factors[static_cast<std::size_t>(p.size)];
  v.rolling_restart = p.rolling;
  v.rolling_replaced = p.rolling_replaced;
  v.cost_usd_per_hour = p.cost_usd_per_us * static_cast<double>(kMicrosPerHour);
  v.queue_length = p.queued;
  v.flows = p.flows.size();
  return v;
}

std::vector<Simulation::InstanceView> Simulation::pool_instances(int pool) const {
  std::vector<InstanceView> out;
  for (const Instance& in : pools_[static_cast<std::size_t>(pool)].instances)
    if (in.state != InstanceState::gone)
      out.push_back({in.state, in.busy_slots, in.slots, pools_[static_cast<std::size_t>(pool)].size_factors[static_cast<std::size_t>(in.size)]});
  return out;
}

void Simulation::log(EventKind kind, EventFields fields) {
  LogEvent e;
  e.t = now_;
  e.kind = kind;
  e.fields = fields.take();
  for (SimObserver* o : observers_) o->on_log(e);
  recent_events_.push_back(std::move(e));
  if (recent_events_.size() > kRecentEvents) recent_events_.pop_front();
}

}  // namespace opsim
