// The mechanics of agents that call agents, apart from the requests that carry them
// (the request path, request_path.h, runs the calls): circuit breakers, retry budgets, the
// backoff between attempts, and the table of every call entry of every agent.
//
// Circuit breaker (resilience4j's, with a time-based sliding window): the outcomes of the
// calls it let through are kept in one bucket per second of the last `window` (rounded up
// to whole seconds: the current second and the window's seconds before it, as
// resilience4j's epoch-second buckets). When a call ends and at least `min_calls` outcomes
// are in the window and failure_percent % or more of them failed, it opens: for `open_for`
// every call fails at once (circuit_open) without reaching the callee. The first call after
// that finds it half-open: `half_open_calls` trial calls go through, the others are
// refused; when the trials have all ended it opens again if failure_percent % or more of
// them failed, and closes otherwise. Opening and closing start an empty window, and the
// outcome of a call let through before the last change of state is not counted.
//
// Retry budget (Finagle's RetryBudget, without its minimum reserve of retries per second):
// over the last 10 seconds, in one-second buckets, retries may be at most budget_percent %
// of first attempts. A retry the budget refuses is not sent: the attempt's failure stands.
//
// Backoff (the AWS Architecture Blog's "Exponential Backoff and Jitter"): the k-th retry
// waits b = min(max_backoff, backoff x multiplier^(k-1)); jitter "none" waits b, "full" a
// uniform draw in [0, b), "equal" b/2 plus a draw in [0, b/2), "decorrelated"
// min(max_backoff, a draw in [backoff, multiplier x the previous wait)), starting from
// backoff (the blog's factor is 3, the loader's default for decorrelated jitter).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/random.h"
#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim {

// Counts per second over a sliding window of whole seconds.
class SecondBuckets {
 public:
  explicit SecondBuckets(int seconds);
  // Moves the window so that it ends in the second of `now`.
  void slide(SimTime now);
  void add(SimTime now, std::int64_t first, std::int64_t second);  // slides, then adds to the current second
  std::int64_t first() const { return first_; }
  std::int64_t second() const { return second_; }
  void clear();

 private:
  struct Bucket {
    std::int64_t at = -1;  // the second it counts; -1: empty
    std::int64_t first = 0, second = 0;
  };
  std::vector<Bucket> ring_;
  std::int64_t oldest_ = 0;  // every second before this one has left the window
  std::int64_t first_ = 0, second_ = 0;
};

class CircuitBreaker {
 public:
  enum class State : std::uint8_t { closed, open, half_open };
  enum class Change : std::uint8_t { none, opened, half_opened, closed };
  explicit CircuitBreaker(const CircuitBreakerSpec& spec);

  // Whether a call may go now. An open breaker whose open_for has passed turns half-open
  // (reported in `change`); a half-open one lets through its trial calls only. A call let
  // through carries the breaker's epoch (its count of state changes) back to record().
  bool permit(SimTime now, Change& change, std::uint32_t& epoch);
  // A call it let through ended. Returns opened or closed when that changed its state.
  Change record(SimTime now, bool failed, std::uint32_t epoch);

  State state() const { return state_; }
  // The figures behind the last change: calls and failures counted (in the window, or of
  // the trial calls).
  std::int64_t calls() const { return last_calls_; }
  bool from_trials() const { return last_from_trials_; }  // the figures are of half-open trials
  std::int64_t failures() const { return last_failures_; }
  const CircuitBreakerSpec& spec() const { return spec_; }
  // Time spent open since the last call (the metric circuit_open_percent).
  double take_open_us(SimTime now);

 private:
  void open(SimTime now);
  CircuitBreakerSpec spec_;
  State state_ = State::closed;
  std::uint32_t epoch_ = 0;
  SecondBuckets window_;  // first: calls, second: failures
  SimTime opened_at_ = 0;
  int trials_sent_ = 0, trials_ended_ = 0, trials_failed_ = 0;
  std::int64_t last_calls_ = 0, last_failures_ = 0;
  bool last_from_trials_ = false;
  SimTime open_since_ = -1;  // open and not yet counted by take_open_us since then
  double open_us_ = 0;
};

class RetryBudget {
 public:
  static constexpr int kWindowSeconds = 10;  // Finagle's default ttl
  explicit RetryBudget(double percent) : percent_(percent), window_(kWindowSeconds) {}
  void first_attempt(SimTime now) { window_.add(now, 1, 0); }
  // True, and the retry counted, when the budget has room for one more.
  bool try_retry(SimTime now);
  std::int64_t first_attempts() const { return window_.first(); }
  std::int64_t retries() const { return window_.second(); }
  double percent() const { return percent_; }

 private:
  double percent_;
  SecondBuckets window_;  // first: first attempts, second: retries
};

// The wait before retry number `retry` (1 for the first retry). `previous` is the last
// wait (decorrelated jitter reads and sets it; start it at spec.backoff).
SimDuration retry_backoff(const RetrySpec& spec, int retry, SimDuration& previous, Rng& rng);

// Every call entry of every agent, in agent order and then file order, with its breaker,
// budget and backoff draws; and each agent's steps as ranges of that table.
class CallTable {
 public:
  struct Entry {
    const CallSpec* spec = nullptr;
    int caller = 0;  // agent
    int edge = 0;    // index into call_edges(scenario)
    CircuitBreaker breaker;
    RetryBudget budget;
    Rng rng;  // backoff jitter
    bool budget_refusing = false;  // in an episode of refused retries (logged once)
    std::uint64_t refused_in_episode = 0;
    Entry(const CallSpec& s, int caller_agent, int edge_index, Rng r)
        : spec(&s), caller(caller_agent), edge(edge_index), breaker(s.circuit_breaker), budget(s.retry.budget_percent),
          rng(r) {}
  };
  struct Step {
    int first = 0, count = 0;  // entries [first, first + count)
  };
  CallTable(const Scenario& s, std::uint64_t seed);
  bool empty() const { return entries_.empty(); }
  Entry& entry(int i) { return entries_[static_cast<std::size_t>(i)]; }
  const Entry& entry(int i) const { return entries_[static_cast<std::size_t>(i)]; }
  std::size_t size() const { return entries_.size(); }
  // An agent's steps, in order (none for an agent without calls).
  const std::vector<Step>& steps(int agent) const { return steps_[static_cast<std::size_t>(agent)]; }
  std::size_t edge_count() const { return edges_.size(); }
  const CallEdge& edge(int i) const { return edges_[static_cast<std::size_t>(i)]; }

 private:
  std::vector<Entry> entries_;
  std::vector<std::vector<Step>> steps_;  // per agent
  std::vector<CallEdge> edges_;
};

}  // namespace opsim
