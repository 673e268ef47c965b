// The scenario loader's agents[].calls (SCENARIO_FORMAT.md, issue 15): an agent's call steps,
// each one call or a parallel step of calls, with their timeouts, retries and circuit
// breakers; and the check that the calls form no cycle. Read after the whole agents list,
// since a call may name an agent defined further down.
//
// What is refused beyond types and ranges: settings that would change nothing (retry members
// beside max_attempts 1, cancel_on_timeout on a call without a timeout), a parallel step
// inside a parallel step, and cycles.
#include <set>
#include <string>

#include "scenario/loader_internal.h"

namespace opsim::detail {

namespace {

const char* const kCallExample = "a call such as {\"agent\": \"retriever\"}";

}  // namespace

void Loader::calls(const Value& agent, const std::string& path, int agent_index, AgentSpec& a) {
  read_array(agent, path, "calls", false, 0, ScenarioLimits::kMaxCallSteps, "kMaxCallSteps",
             [&](const Value& v, const std::string& p) {
               if (v.type != Type::object) {
                 expected(v, p, std::string(kCallExample) + ", or a parallel step {\"parallel\": [calls]}");
                 return;
               }
               CallStep step;
               if (v.find("parallel")) {
                 step.parallel = true;
                 unknown_fields(v, p, {"parallel"}, " in a parallel step");
                 read_array(v, p, "parallel", true, 1, ScenarioLimits::kMaxParallelCalls, "kMaxParallelCalls",
                            [&](const Value& cv, const std::string& cp) {
                              if (cv.type == Type::object && cv.find("parallel")) {
                                error(&cv, cp,
                                      std::string("expected ") + kCallExample +
                                          ", found a parallel step: parallel steps do not nest (list its calls in "
                                          "this one)");
                                return;
                              }
                              CallSpec c;
                              if (call(cv, cp, agent_index, c)) step.calls.push_back(std::move(c));
                            });
               } else {
                 CallSpec c;
                 if (call(v, p, agent_index, c)) step.calls.push_back(std::move(c));
               }
               if (!step.calls.empty()) a.calls.push_back(std::move(step));
             });
}

bool Loader::call(const Value& v, const std::string& p, int agent_index, CallSpec& c) {
  if (v.type != Type::object) return expected(v, p, kCallExample);
  unknown_fields(v, p, {"agent", "count", "timeout", "cancel_on_timeout", "retry", "circuit_breaker", "on_failure"});
  if (read_string(v, p, "agent", c.agent, true)) {
    c.agent_index = resolve(v, p, "agent", c.agent, agent_ids_, "agent");
    if (c.agent_index >= 0)
      call_edges_[static_cast<std::size_t>(agent_index)].push_back({c.agent_index, v.find("agent"), join(p, "agent")});
  }
  read_int(v, p, "count", c.count, 1, ScenarioLimits::kMaxCallCount);
  read_duration(v, p, "timeout", c.timeout, kMicrosPerMilli, kMicrosPerDay);
  read_bool(v, p, "cancel_on_timeout", c.cancel_on_timeout);
  if (const Value* cancel = v.find("cancel_on_timeout"); cancel && !v.find("timeout"))
    error(cancel, join(p, "cancel_on_timeout"),
          "expected no \"cancel_on_timeout\" on a call without a \"timeout\": such a call never times out, so it "
          "would change nothing");
  if (const Value* r = member(v, p, "retry", false, "an object")) retry(*r, join(p, "retry"), c.retry);
  if (const Value* b = member(v, p, "circuit_breaker", false, "an object"))
    circuit_breaker(*b, join(p, "circuit_breaker"), c.circuit_breaker);
  enum class OnFailure { fail, continue_ } on_failure = OnFailure::fail;
  if (read_enum(v, p, "on_failure", on_failure, {"fail", "continue"}))
    c.continue_on_failure = on_failure == OnFailure::continue_;
  return true;
}

void Loader::retry(const Value& v, const std::string& p, RetrySpec& r) {
  if (!object(v, p, {"max_attempts", "backoff", "max_backoff", "multiplier", "jitter", "budget_percent"})) return;
  // A retry object without a member takes resilience4j's default for it (maxAttempts 3,
  // waitDuration 500 ms, the exponential backoff's multiplier 1.5); the cap and the jitter
  // are opsim's. Without the object a call has one attempt (RetrySpec's own defaults).
  r.max_attempts = 3;
  r.backoff = 500 * kMicrosPerMilli;
  r.max_backoff = 10 * kMicrosPerSecond;
  r.multiplier = 1.5;
  r.jitter = Jitter::none;
  r.budget_percent = -1;
  read_int(v, p, "max_attempts", r.max_attempts, 1, ScenarioLimits::kMaxCallAttempts);
  if (r.max_attempts == 1) {
    for (const char* key : {"backoff", "max_backoff", "multiplier", "jitter", "budget_percent"})
      if (const Value* x = v.find(key))
        error(x, join(p, key),
              std::string("expected no \"") + key +
                  "\" with max_attempts 1: a call of one attempt is never retried, so it would change nothing");
    return;
  }
  const Value* backoff = v.find("backoff");
  const Value* max_backoff = v.find("max_backoff");
  const bool backoff_ok = read_duration(v, p, "backoff", r.backoff, 0, kMicrosPerDay) || !backoff;
  const bool max_ok = read_duration(v, p, "max_backoff", r.max_backoff, 0, kMicrosPerDay) || !max_backoff;
  read_number(v, p, "multiplier", r.multiplier, 1, 1000);
  read_enum(v, p, "jitter", r.jitter, {"none", "full", "equal", "decorrelated"});
  read_percent(v, p, "budget_percent", r.budget_percent);
  if (backoff_ok && max_ok && r.max_backoff < r.backoff)
    error(max_backoff ? max_backoff : &v, join(p, "max_backoff"),
          "expected a max_backoff of at least the backoff (" + format_duration(r.backoff) + "), found " +
              (max_backoff ? json::describe(*max_backoff) : std::string("nothing (its default is 10s)")));
  // The AWS blog's decorrelated jitter draws each wait between the backoff and three times
  // the previous wait: its growth factor, which `multiplier` sets when it is given.
  if (r.jitter == Jitter::decorrelated && !v.find("multiplier")) r.multiplier = 3;
}

void Loader::circuit_breaker(const Value& v, const std::string& p, CircuitBreakerSpec& b) {
  if (!object(v, p, {"failure_percent", "window", "min_calls", "open_for", "half_open_calls"})) return;
  // resilience4j's defaults (failureRateThreshold 50, minimumNumberOfCalls 100,
  // waitDurationInOpenState 60 s, permittedNumberOfCallsInHalfOpenState 10) and a 60 s
  // time-based window.
  b = CircuitBreakerSpec{};
  b.enabled = true;
  b.failure_percent = 50;
  b.window = 60 * kMicrosPerSecond;
  b.min_calls = 100;
  b.open_for = 60 * kMicrosPerSecond;
  b.half_open_calls = 10;
  if (const Value* f = v.find("failure_percent")) {
    // 0 would open the breaker on calls that all succeeded.
    if (f->type != Type::number || !(f->number > 0) || f->number > 100)
      expected(*f, join(p, "failure_percent"), "a number above 0 and at most 100");
    else
      b.failure_percent = f->number;
  }
  read_duration(v, p, "window", b.window, kMicrosPerMilli, kMicrosPerDay);
  read_int(v, p, "min_calls", b.min_calls, 1, 1e6);
  read_duration(v, p, "open_for", b.open_for, kMicrosPerMilli, kMicrosPerDay);
  read_int(v, p, "half_open_calls", b.half_open_calls, 1, 1e6);
}

void Loader::call_cycles() {
  // A depth-first walk over the agents in file order, each one's calls in file order; a call
  // to an agent on the current path closes a cycle, reported at that call. Iterative, so that
  // a chain of a thousand agents needs no deep native stack (WebAssembly's is small).
  enum : char { unseen, on_path, done };
  std::vector<char> state(call_edges_.size(), unseen);
  struct Frame {
    int agent;
    std::size_t next;  // the next of its calls to follow
  };
  std::vector<Frame> path;
  std::set<std::string> reported;
  for (std::size_t root = 0; root < call_edges_.size(); ++root) {
    if (state[root] != unseen) continue;
    state[root] = on_path;
    path.push_back({static_cast<int>(root), 0});
    while (!path.empty()) {
      const int agent = path.back().agent;
      const std::vector<CallEdge>& edges = call_edges_[static_cast<std::size_t>(agent)];
      if (path.back().next == edges.size()) {
        state[static_cast<std::size_t>(agent)] = done;
        path.pop_back();
        continue;
      }
      const CallEdge& e = edges[path.back().next++];
      const std::size_t callee = static_cast<std::size_t>(e.callee);
      if (state[callee] == unseen) {
        state[callee] = on_path;
        path.push_back({e.callee, 0});
      } else if (state[callee] == on_path) {
        std::string cycle;
        bool in_cycle = false;
        for (const Frame& f : path) {
          in_cycle = in_cycle || f.agent == e.callee;
          if (in_cycle) cycle += agent_ids_[static_cast<std::size_t>(f.agent)] + " -> ";
        }
        cycle += agent_ids_[callee];
        // The same cycle twice: an agent that calls the same agent in two entries.
        if (reported.insert(cycle).second)
          error(e.at, e.path,
                "the calls form a cycle: " + cycle + " (an agent may not call itself, directly or through others)");
      }
    }
  }
}

}  // namespace opsim::detail
