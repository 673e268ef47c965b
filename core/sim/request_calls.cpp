// The request path's calls (request_path.h, sim/calls.h): a caller's steps, each with a
// lane per call; a lane sends attempts of its call, through the call's circuit breaker,
// its timeout and its retries, and repeats it `count` times; when the step's last lane
// has ended the caller goes on to its next step, fails (reason dependency or circuit_open)
// or, after its last step, ends: succeeded, or degraded when a call it may do without
// ("continue") failed.
//
//   on_work_done -> start_step -> send_attempt -> dispatch (the callee's queue) ... outcome
//     -> on_attempt_end -> repetition_done | attempt_failed (retry after a backoff, or give
//     up) -> lane_done -> start_step (the next) | end_caller
//   on_call_timeout: the caller gives up on an attempt; the callee goes on serving it
//   unless cancel_on_timeout takes it out of the queue.
#include <algorithm>
#include <string>

#include "scaling/decision.h"
#include "sim/request_path.h"

namespace opsim {

void RequestPath::start_step(std::uint32_t id) {
  CallState& cs = call_states_[id];
  const std::vector<CallTable::Step>& steps = calls_.steps(requests_[id].agent);
  if (static_cast<std::size_t>(cs.step) == steps.size()) {
    end_caller(id, Failure::none);
    return;
  }
  const CallTable::Step step = steps[static_cast<std::size_t>(cs.step)];
  // One more lane than the step has while they are opened: a lane that ends at once (an
  // open breaker, a full queue) must not end the step before its siblings have started.
  cs.lanes_open = static_cast<std::int16_t>(step.count + 1);
  for (int k = 0; k < step.count; ++k) {
    const std::uint32_t lane = take_record(lanes_, free_lanes_);
    Lane& l = lanes_[lane];
    l = Lane{};
    l.caller = id;
    l.entry = step.first + k;
    l.previous_wait = calls_.entry(l.entry).spec->retry.backoff;
    send_attempt(lane);
  }
  lane_done(kNoLane, id);
}

void RequestPath::send_attempt(std::uint32_t lane) {
  Lane& l = lanes_[lane];
  CallTable::Entry& e = calls_.entry(l.entry);
  const Request& caller = requests_[l.caller];
  if (caller.crashed) {  // its instance crashed while this lane waited to retry
    lane_done(lane, l.caller);
    return;
  }
  const SimTime now = engine_.now();
  CircuitBreaker::Change change;
  std::uint32_t epoch;
  const bool permitted = e.breaker.permit(now, change, epoch);
  if (change != CircuitBreaker::Change::none) log_breaker(e, change);
  if (!permitted) {
    // Refused at once: the callee never sees it, and it is not retried.
    attempt_failed(lane, Failure::circuit_open);
    return;
  }
  const bool retry = l.tries > 0;
  ++l.tries;
  if (!retry && e.spec->retry.budget_percent >= 0) e.budget.first_attempt(now);
  const std::uint32_t id = new_request();
  Request& a = requests_[id];
  const Request& c = requests_[l.caller];  // (new_request may have moved the records)
  a.tenant = c.tenant;
  a.user = c.user;
  a.agent = static_cast<std::int16_t>(e.spec->agent_index);
  a.service = static_cast<std::int16_t>(scenario_.agents[static_cast<std::size_t>(a.agent)].service_index);
  a.pool = fleet_.pool_of(a.tenant, a.service);
  a.flow = static_cast<std::int16_t>(fleet_.flow_of(a.tenant, a.service));
  a.root = false;
  if (models_) tokens_[id].context = tokens_[l.caller].context;  // every model call of the chain sends its context
  CallState& as = call_states_[id];
  as.lane = lane;
  as.serial = ++next_serial_;
  if (as.serial == 0) as.serial = ++next_serial_;  // 0 marks a free record
  as.breaker_epoch = epoch;
  as.edge = e.edge;  // the attempt's series, even after a timeout has moved its lane on
  l.attempt = id;
  // An attempt counts where it is served; its tenant counts it among its chains' attempts
  // (retry_amplification), not among its requests.
  for (ScopeStats* st : {&registry_.service(a.service), &registry_.agent(a.agent)}) {
    st->window.arrived++;
    st->window.call_attempts++;
    st->window.retries += retry;
  }
  WindowCounters& tw = registry_.tenant(a.tenant).window;
  tw.call_attempts++;
  tw.retries += retry;
  WindowCounters& ew = registry_.edge(e.edge).window;
  ew.arrived++;
  ew.retries += retry;
  PoolQueue& q = queues_[static_cast<std::size_t>(a.pool)];
  if (q.scaled) q.eval_arrivals++;
  if (e.spec->timeout >= 0) {
    const std::uint32_t timer = take_record(timers_, free_timers_);
    timers_[timer] = {id, as.serial};
    engine_.schedule(now + e.spec->timeout, id_, kCallTimeout, timer);
  }
  ++call_depth_;
  dispatch(id);
  --call_depth_;
}

void RequestPath::on_attempt_end(std::uint32_t lane, SimTime sent, std::uint32_t epoch, Failure why) {
  Lane& l = lanes_[lane];
  l.attempt = kNoLane;
  CallTable::Entry& e = calls_.entry(l.entry);
  ScopeStats& edge = registry_.edge(e.edge);
  const bool failed = why != Failure::none;
  if (failed) {
    edge.window.failed++;
    edge.window.failed_timeout += why == Failure::timeout;
  } else {
    const SimDuration latency = engine_.now() - sent;
    edge.window.succeeded++;
    edge.window.latency_sum_us += latency;
    edge.window_latency.record(latency);
  }
  const CircuitBreaker::Change change = e.breaker.record(engine_.now(), failed, epoch);
  if (change != CircuitBreaker::Change::none) log_breaker(e, change);
  if (failed) attempt_failed(lane, why);
  else repetition_done(lane);
}

void RequestPath::on_call_timeout(std::uint32_t timer) {
  const CallTimer t = timers_[timer];
  free_timers_.push_back(timer);
  Request& a = requests_[t.attempt];
  CallState& as = call_states_[t.attempt];
  if (as.serial != t.serial || as.lane == kNoLane) return;  // it ended, or its record serves another
  // The caller gives up on it; the callee is not told and goes on serving it (wasted work),
  // unless the call cancels attempts still in the queue.
  const std::uint32_t lane = as.lane;
  as.lane = kNoLane;
  Lane& l = lanes_[lane];
  l.attempt = kNoLane;
  CallTable::Entry& e = calls_.entry(l.entry);
  WindowCounters& ew = registry_.edge(e.edge).window;
  ew.failed++;
  ew.failed_timeout++;
  const CircuitBreaker::Change change = e.breaker.record(engine_.now(), true, as.breaker_epoch);
  if (change != CircuitBreaker::Change::none) log_breaker(e, change);
  if (e.spec->cancel_on_timeout && a.in_queue) {
    PoolQueue& q = queues_[static_cast<std::size_t>(a.pool)];
    integrate_queue(a.pool);
    q.flows[static_cast<std::size_t>(a.flow)].erase(t.attempt);
    a.in_queue = false;
    --q.queued;
    --queued_total_;
    outcome(t.attempt, Failure::timeout);
  }
  attempt_failed(lane, Failure::timeout);
}

void RequestPath::attempt_failed(std::uint32_t lane, Failure why) {
  Lane& l = lanes_[lane];
  CallTable::Entry& e = calls_.entry(l.entry);
  const RetrySpec& retry = e.spec->retry;
  Request& caller = requests_[l.caller];
  if (why != Failure::circuit_open && !caller.crashed && l.tries < retry.max_attempts) {
    const SimTime now = engine_.now();
    if (retry.budget_percent < 0 || e.budget.try_retry(now)) {
      e.budget_refusing = false;
      SimDuration wait = retry_backoff(retry, l.tries, l.previous_wait, e.rng);
      // A 429 with Retry-After: the client waits at least that long, as HTTP clients honour it.
      if (why == Failure::throttled) {
        const int callee_service = scenario_.agents[static_cast<std::size_t>(e.spec->agent_index)].service_index;
        wait = std::max(wait, scenario_.services[static_cast<std::size_t>(callee_service)].model.retry_after);
      }
      engine_.schedule(now + wait, id_, kRetry, lane);
      return;
    }
    if (!e.budget_refusing) {
      e.budget_refusing = true;
      const std::string& caller_id = scenario_.agents[static_cast<std::size_t>(e.caller)].id;
      const std::string& callee_id = scenario_.agents[static_cast<std::size_t>(e.spec->agent_index)].id;
      log_.log(EventKind::retry_budget_exhausted,
               EventFields()
                   .add("caller", caller_id)
                   .add("callee", callee_id)
                   .add("first_attempts", e.budget.first_attempts())
                   .add("retries", e.budget.retries())
                   .add("budget_percent", retry.budget_percent)
                   .add("reason", "the last " + std::to_string(RetryBudget::kWindowSeconds) + " s saw " +
                                      std::to_string(e.budget.first_attempts()) + " first attempts and " +
                                      std::to_string(e.budget.retries()) + " retries from " + caller_id + " to " +
                                      callee_id + "; a budget of " + scaling::format_number(retry.budget_percent) +
                                      " % has no room for another, so failed attempts now stand"));
    }
  }
  if (e.spec->continue_on_failure) {
    caller.degraded = true;
    repetition_done(lane);
    return;
  }
  Failure& failure = call_states_[l.caller].call_failure;
  if (failure == Failure::none) failure = why == Failure::circuit_open ? Failure::circuit_open : Failure::dependency;
  lane_done(lane, l.caller);
}

void RequestPath::repetition_done(std::uint32_t lane) {
  Lane& l = lanes_[lane];
  const CallTable::Entry& e = calls_.entry(l.entry);
  if (++l.repetition < e.spec->count && !requests_[l.caller].crashed) {
    l.tries = 0;
    l.previous_wait = e.spec->retry.backoff;
    // A repetition that ends at once (an open breaker) sends the next from an event, so
    // that a long count does not nest calls.
    if (call_depth_ > 0) engine_.schedule(engine_.now(), id_, kRetry, lane);
    else send_attempt(lane);
    return;
  }
  lane_done(lane, l.caller);
}

void RequestPath::lane_done(std::uint32_t lane, std::uint32_t caller) {
  if (lane != kNoLane) free_lanes_.push_back(lane);
  Request& r = requests_[caller];
  CallState& cs = call_states_[caller];
  if (--cs.lanes_open > 0) return;
  if (r.crashed) {  // failed when its instance crashed; its lanes have all ended now
    r.crashed = false;
    cs.serial = 0;
    free_requests_.push_back(caller);
    return;
  }
  if (cs.call_failure != Failure::none) {
    end_caller(caller, cs.call_failure);
    return;
  }
  ++cs.step;
  start_step(caller);
}

void RequestPath::end_caller(std::uint32_t id, Failure why) {
  Request& r = requests_[id];
  const int pool = r.pool;
  r.waiting = false;
  r.in_service = false;
  fleet_.release_waiting_slot(pool, r.instance, demand_of(r));
  outcome(id, why);
  pull_from_queue(pool);
}

void RequestPath::log_breaker(const CallTable::Entry& e, CircuitBreaker::Change change) {
  const std::string& caller = scenario_.agents[static_cast<std::size_t>(e.caller)].id;
  const std::string& callee = scenario_.agents[static_cast<std::size_t>(e.spec->agent_index)].id;
  const CircuitBreakerSpec& spec = e.breaker.spec();
  const std::string calls = std::to_string(e.breaker.calls()), failures = std::to_string(e.breaker.failures());
  const std::string share = scaling::format_number(
      e.breaker.calls() > 0 ? 100.0 * static_cast<double>(e.breaker.failures()) / static_cast<double>(e.breaker.calls()) : 0.0);
  const std::string threshold = scaling::format_number(spec.failure_percent) + " %";
  EventFields f;
  f.add("caller", caller).add("callee", callee);
  EventKind kind = EventKind::circuit_opened;
  std::string why;
  switch (change) {
    case CircuitBreaker::Change::opened:
      f.add("calls", e.breaker.calls()).add("failures", e.breaker.failures());
      why = failures + " of " + calls +
            (e.breaker.from_trials() ? " trial calls" : " calls in the last " + format_duration(spec.window)) +
            " failed (" + share + " %), at or above " + threshold + "; calls from " + caller + " to " + callee +
            " now fail at once for " + format_duration(spec.open_for);
      break;
    case CircuitBreaker::Change::half_opened:
      kind = EventKind::circuit_half_open;
      why = "open for " + format_duration(spec.open_for) + "; " + std::to_string(spec.half_open_calls) +
            " trial calls from " + caller + " to " + callee + " decide whether it closes";
      break;
    case CircuitBreaker::Change::closed:
      kind = EventKind::circuit_closed;
      f.add("calls", e.breaker.calls()).add("failures", e.breaker.failures());
      why = failures + " of " + calls + " trial calls failed (" + share + " %), below " + threshold +
            "; calls from " + caller + " to " + callee + " go through again";
      break;
    case CircuitBreaker::Change::none: return;
  }
  log_.log(kind, std::move(f.add("reason", why)));
}

}  // namespace opsim
