// The simulation. The route of one request through the pipeline reads top to bottom in
// the [SECTION] Request path below: on_arrival -> dispatch -> start_work -> on_work_done ->
// succeed / fail. Later stages (context assembly, admission) slot in as one call each in
// on_arrival, before dispatch.
//
// [SECTION] Set-up
// [SECTION] Event loop
// [SECTION] Request path
// [SECTION] Queues
// [SECTION] Metrics and logging
#include "sim/simulation.h"

#include <algorithm>
#include <cmath>

#include "json/json.h"
#include "sim/load_model.h"

namespace opsim {
namespace {

// Arrival bounds are computed per segment of this length: short enough that a thinning
// bound stays close to a varying rate, long enough that segment changes cost nothing.
constexpr SimDuration kArrivalSegment = 5 * kMicrosPerMinute;

}  // namespace

// [SECTION] Set-up

Simulation::Simulation(const Scenario& scenario, std::uint64_t seed)
    : scenario_(scenario),
      seed_(seed),
      registry_(scenario_),
      series_(registry_.columns().size(),
              static_cast<std::size_t>(scenario_.monitoring.retention / scenario_.monitoring.scrape_interval)) {
  services_.resize(scenario_.services.size());
  for (std::size_t i = 0; i < services_.size(); ++i) {
    const ServiceSpec& spec = scenario_.services[i];
    ServiceState& s = services_[i];
    // Instances present at the start are ready: the scenario describes a running fleet.
    s.instances.assign(static_cast<std::size_t>(spec.instances_initial), Instance{});
    s.ready_instances = spec.instances_initial;
    s.ready_slots = spec.instances_initial * spec.concurrency;
    s.memory_ready_mb = s.ready_instances * spec.memory_mb;
    s.cost_usd_per_us = static_cast<double>(s.instances.size()) * spec.cost_per_hour / static_cast<double>(kMicrosPerHour);
    ScopeStats& st = registry_.service(static_cast<int>(i));
    st.instances_now = spec.instances_initial;
    st.window.instances_max = spec.instances_initial;
  }
  registry_.aggregate_global();
  registry_.global().window.instances_max = registry_.global().instances_now;

  for (const AgentSpec& a : scenario_.agents) {
    work_rng_.push_back(Rng::stream(seed_, "work/" + a.id));
    error_rng_.push_back(Rng::stream(seed_, "errors/" + a.id));
  }
  for (std::size_t t = 0; t < scenario_.tenants.size(); ++t) {
    const TenantSpec& tenant = scenario_.tenants[t];
    for (std::size_t l = 0; l < tenant.load.size(); ++l) {
      ArrivalStream st;
      st.tenant = static_cast<int>(t);
      st.agent = tenant.load[l].agent_index;
      st.load = &tenant.load[l];
      st.rng = Rng::stream(seed_, "arrivals/" + tenant.id + "/" + tenant.load[l].agent, l);
      streams_.push_back(st);
    }
  }
  for (std::uint32_t i = 0; i < streams_.size(); ++i) schedule_next_arrival(i, 0);
  events_.push(scenario_.monitoring.scrape_interval, kScrape, 0);
  log("sim_started", json::ObjectWriter()
                         .field("scenario", scenario_.name)
                         .field("seed", seed_)
                         .field("start", scenario_.calendar.iso8601(0))
                         .field("duration_s", to_seconds(scenario_.duration))
                         .str());
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
    case kWorkDone: on_work_done(e.target); break;
    case kQueueTimeout: on_queue_timeout(static_cast<int>(e.target)); break;
    case kScrape: on_scrape(); break;
  }
}

bool Simulation::step() { return (this->*run_batch_)(end_time(), 1) == 1; }

void Simulation::run_until(SimTime t) {
  t = std::min(t, end_time());
  if (t < now_) return;
  // Browsers and node run WebAssembly first in a baseline compiler and switch a function to
  // optimised code only when it is entered again (there is no on-stack replacement), so
  // one call that loops over a whole run would stay in baseline code. The loop therefore
  // runs in batches, each a fresh call of run_batch.
  // The call goes through a pointer because the WebAssembly optimiser (Binaryen) inlines a
  // function that has one caller, whatever the C++ says.
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
  // Thinning (Lewis and Shedler) of a Poisson process at the segment's bound rate; a
  // candidate past the segment's end restarts from there, which the memoryless property
  // makes exact.
  ArrivalStream& s = streams_[stream];
  SimTime t = from;
  if (s.load->patterns.empty()) {
    // A constant rate needs no thinning: exponential gaps at that rate.
    if (s.load->rate <= 0) return;
    t += std::max<SimDuration>(1, from_seconds(s.rng.exponential(1.0 / s.load->rate)));
    if (t <= end_time()) events_.push(t, kArrival, stream);
    return;
  }
  while (t < end_time()) {
    const SimTime segment_end = (t / kArrivalSegment + 1) * kArrivalSegment;
    const double bound = load_rate_bound(*s.load, scenario_.calendar, t, segment_end);
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
    const double rate = load_rate(*s.load, scenario_.calendar, t);
    if (rate >= bound || s.rng.uniform_open() * bound < rate) {
      if (t <= end_time()) events_.push(t, kArrival, stream);
      return;
    }
  }
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
  r.arrival = now_;
  r.tenant = s.tenant;
  r.agent = s.agent;
  r.service = scenario_.agents[static_cast<std::size_t>(s.agent)].service_index;
  r.instance = -1;
  registry_.tenant(r.tenant).window.arrived++;
  registry_.service(r.service).window.arrived++;
  dispatch(id);
}

void Simulation::dispatch(std::uint32_t id) {
  Request& r = requests_[id];
  ServiceState& s = services_[static_cast<std::size_t>(r.service)];
  if (s.busy_slots < s.ready_slots && s.queue.empty()) {
    start_work(id, pick_instance(s));
    return;
  }
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(r.service)];
  if (static_cast<int>(s.queue.size()) >= spec.queue_capacity) {
    if (!s.queue_full_episode) {
      s.queue_full_episode = true;
      s.refused_in_episode = 0;
      log("queue_full_started", json::ObjectWriter()
                                    .field("service", spec.id)
                                    .field("capacity", spec.queue_capacity)
                                    .field("busy_slots", s.busy_slots)
                                    .field("reason", "every slot is busy and the queue is at capacity; new requests fail")
                                    .str());
    }
    ++s.refused_in_episode;
    fail(id, Failure::queue_full);
    return;
  }
  integrate(r.service);
  r.enqueued = now_;
  registry_.tenant(r.tenant).window.queued++;
  registry_.service(r.service).window.queued++;
  s.queue.push_back(id);
  ++queued_total_;
  WindowCounters& w = registry_.service(r.service).window;
  w.queue_max = std::max<std::int64_t>(w.queue_max, static_cast<std::int64_t>(s.queue.size()));
  WindowCounters& g = registry_.global().window;
  g.queue_max = std::max(g.queue_max, queued_total_);
  arm_queue_timeout(r.service);
}

int Simulation::pick_instance(const ServiceState& s) const {
  // Least connections: the ready instance with the fewest busy slots, lowest index on ties.
  int best = -1, best_busy = 0;
  const int concurrency = scenario_.services[static_cast<std::size_t>(&s - services_.data())].concurrency;
  for (std::size_t i = 0; i < s.instances.size(); ++i) {
    const Instance& in = s.instances[i];
    if (!in.ready || in.busy_slots >= concurrency) continue;
    if (best < 0 || in.busy_slots < best_busy) {
      best = static_cast<int>(i);
      best_busy = in.busy_slots;
      if (best_busy == 0) break;
    }
  }
  return best;
}

void Simulation::start_work(std::uint32_t id, int instance) {
  Request& r = requests_[id];
  ServiceState& s = services_[static_cast<std::size_t>(r.service)];
  const AgentSpec& agent = scenario_.agents[static_cast<std::size_t>(r.agent)];
  integrate(r.service);
  r.instance = instance;
  s.instances[static_cast<std::size_t>(instance)].busy_slots++;
  s.busy_slots++;
  s.memory_used_mb += agent.memory_estimate_mb;
  const double work_s = agent.work.sample(work_rng_[static_cast<std::size_t>(r.agent)]);
  events_.push(now_ + std::max<SimDuration>(1, from_seconds(work_s)), kWorkDone, id);
}

void Simulation::on_work_done(std::uint32_t id) {
  Request& r = requests_[id];
  const int service = r.service;
  ServiceState& s = services_[static_cast<std::size_t>(service)];
  const AgentSpec& agent = scenario_.agents[static_cast<std::size_t>(r.agent)];
  integrate(service);
  s.instances[static_cast<std::size_t>(r.instance)].busy_slots--;
  s.busy_slots--;
  s.memory_used_mb -= agent.memory_estimate_mb;
  if (agent.error_percent > 0 && error_rng_[static_cast<std::size_t>(r.agent)].uniform_open() * 100.0 < agent.error_percent)
    fail(id, Failure::agent_error);
  else
    succeed(id);
  pull_from_queue(service);
}

void Simulation::succeed(std::uint32_t id) {
  const Request& r = requests_[id];
  const std::int64_t latency_us = now_ - r.arrival;
  for (ScopeStats* st : {&registry_.tenant(r.tenant), &registry_.service(r.service)}) {
    st->window.succeeded++;
    st->window.latency_sum_us += latency_us;
    st->window_latency.record(latency_us);
  }
  release(id);
}

void Simulation::fail(std::uint32_t id, Failure why) {
  const Request& r = requests_[id];
  for (ScopeStats* st : {&registry_.tenant(r.tenant), &registry_.service(r.service)}) {
    WindowCounters& w = st->window;
    w.failed++;
    switch (why) {
      case Failure::queue_full: w.failed_queue_full++; break;
      case Failure::timeout: w.failed_timeout++; break;
      case Failure::agent_error: w.failed_agent_error++; break;
    }
  }
  release(id);
}

void Simulation::release(std::uint32_t id) { free_requests_.push_back(id); }

// [SECTION] Queues

void Simulation::pull_from_queue(int service) {
  ServiceState& s = services_[static_cast<std::size_t>(service)];
  const ServiceSpec& spec = scenario_.services[static_cast<std::size_t>(service)];
  while (!s.queue.empty() && s.busy_slots < s.ready_slots) {
    integrate(service);
    const std::uint32_t id = s.queue.front();
    s.queue.pop_front();
    --queued_total_;
    if (now_ - requests_[id].enqueued >= spec.queue_timeout) {
      fail(id, Failure::timeout);
      continue;
    }
    start_work(id, pick_instance(s));
  }
  if (s.queue_full_episode && static_cast<double>(s.queue.size()) < 0.9 * spec.queue_capacity) {
    // The episode ends once the queue has real room again (below 90 %), so that a queue
    // hovering at its capacity does not log an event per request.
    s.queue_full_episode = false;
    log("queue_full_ended", json::ObjectWriter()
                                .field("service", spec.id)
                                .field("requests_refused", s.refused_in_episode)
                                .field("queue_length", static_cast<std::int64_t>(s.queue.size()))
                                .str());
  }
}

void Simulation::arm_queue_timeout(int service) {
  ServiceState& s = services_[static_cast<std::size_t>(service)];
  if (s.timeout_pending || s.queue.empty()) return;
  const SimTime deadline = requests_[s.queue.front()].enqueued + scenario_.services[static_cast<std::size_t>(service)].queue_timeout;
  s.timeout_pending = true;
  events_.push(deadline, kQueueTimeout, static_cast<std::uint32_t>(service));
}

void Simulation::on_queue_timeout(int service) {
  // One timer per service, set for the oldest queued request: FIFO order means every
  // request behind it expires later.
  ServiceState& s = services_[static_cast<std::size_t>(service)];
  const SimDuration timeout = scenario_.services[static_cast<std::size_t>(service)].queue_timeout;
  s.timeout_pending = false;
  while (!s.queue.empty() && now_ - requests_[s.queue.front()].enqueued >= timeout) {
    integrate(service);
    const std::uint32_t id = s.queue.front();
    s.queue.pop_front();
    --queued_total_;
    fail(id, Failure::timeout);
  }
  arm_queue_timeout(service);
}

// [SECTION] Metrics and logging

void Simulation::accrue_load(int service, SimDuration dt, WindowCounters& w) const {
  const ServiceState& s = services_[static_cast<std::size_t>(service)];
  const double dtd = static_cast<double>(dt);
  w.busy_slot_us += s.busy_slots * dtd;
  w.memory_used_mb_us += s.memory_used_mb * dtd;
  w.queue_len_us += static_cast<double>(s.queue.size()) * dtd;
}

void Simulation::accrue_fleet(int service, SimDuration dt, WindowCounters& w) const {
  const ServiceState& s = services_[static_cast<std::size_t>(service)];
  const double dtd = static_cast<double>(dt);
  w.ready_slot_us += s.ready_slots * dtd;
  w.memory_ready_mb_us += s.memory_ready_mb * dtd;
  w.cost_usd += s.cost_usd_per_us * dtd;
}

void Simulation::integrate(int service) {
  ServiceState& s = services_[static_cast<std::size_t>(service)];
  const SimDuration dt = now_ - s.integrated_until;
  if (dt <= 0) return;
  accrue_load(service, dt, registry_.service(service).window);
  s.integrated_until = now_;
}

void Simulation::integrate_fleet(int service) {
  ServiceState& s = services_[static_cast<std::size_t>(service)];
  const SimDuration dt = now_ - s.fleet_integrated_until;
  if (dt <= 0) return;
  accrue_fleet(service, dt, registry_.service(service).window);
  s.fleet_integrated_until = now_;
}

void Simulation::on_scrape() {
  for (std::size_t i = 0; i < services_.size(); ++i) {
    integrate(static_cast<int>(i));
    integrate_fleet(static_cast<int>(i));
  }
  registry_.sample_and_close(now_ - last_scrape_, row_);
  last_scrape_ = now_;
  // The new windows' maxima start from the gauges' current values.
  for (std::size_t i = 0; i < services_.size(); ++i) {
    WindowCounters& w = registry_.service(static_cast<int>(i)).window;
    w.queue_max = static_cast<std::int64_t>(services_[i].queue.size());
    w.instances_max = static_cast<std::int64_t>(services_[i].instances.size());
  }
  registry_.global().window.queue_max = queued_total_;
  registry_.global().window.instances_max = registry_.global().instances_now;
  series_.push(now_, row_);
  for (SimObserver* o : observers_) o->on_sample(now_, row_);
  const SimTime next = now_ + scenario_.monitoring.scrape_interval;
  if (next <= end_time()) events_.push(next, kScrape, 0);
}

std::vector<double> Simulation::summary_values() const {
  // Gauge integrals run up to each service's last change; what has accrued since is added
  // on the side so that reading a summary changes no state.
  std::vector<WindowCounters> pending(services_.size());
  for (std::size_t i = 0; i < services_.size(); ++i) {
    accrue_load(static_cast<int>(i), now_ - services_[i].integrated_until, pending[i]);
    accrue_fleet(static_cast<int>(i), now_ - services_[i].fleet_integrated_until, pending[i]);
  }
  std::vector<double> values;
  registry_.summary(now_, pending, values);
  return values;
}

Simulation::ServiceView Simulation::service_view(int service) const {
  const ServiceState& s = services_[static_cast<std::size_t>(service)];
  ServiceView v;
  v.instances = static_cast<int>(s.instances.size());
  v.ready_instances = s.ready_instances;
  v.busy_slots = s.busy_slots;
  v.total_slots = s.ready_slots;
  v.queue_length = s.queue.size();
  return v;
}

std::vector<int> Simulation::instance_busy_slots(int service) const {
  std::vector<int> busy;
  for (const Instance& in : services_[static_cast<std::size_t>(service)].instances) busy.push_back(in.busy_slots);
  return busy;
}

void Simulation::log(const std::string& kind, const std::string& fields) {
  LogEvent e;
  e.t = now_;
  e.kind = kind;
  // {"t_s":..,"kind":..,<fields>}
  std::string head = json::ObjectWriter().field("t_s", to_seconds(now_)).field("kind", kind).str();
  head.pop_back();
  e.json = fields.size() > 2 ? head + "," + fields.substr(1) : head + "}";
  for (SimObserver* o : observers_) o->on_log(e);
  recent_events_.push_back(std::move(e));
  if (recent_events_.size() > kRecentEvents) recent_events_.pop_front();
}

}  // namespace opsim
