#include "sim/calls.h"

#include <algorithm>
#include <cmath>

namespace opsim {

// [SECTION] Counts per second

SecondBuckets::SecondBuckets(int seconds) : ring_(static_cast<std::size_t>(std::max(1, seconds))) {}

void SecondBuckets::clear() {
  for (Bucket& b : ring_) b = Bucket{};
  first_ = second_ = 0;
}

void SecondBuckets::slide(SimTime now) {
  const std::int64_t second = now / kMicrosPerSecond;
  const auto n = static_cast<std::int64_t>(ring_.size());
  const std::int64_t keep_from = second - n + 1;  // the oldest second still in the window
  if (keep_from - oldest_ > n) {
    clear();  // every bucket has left: no need to visit each second in between
    oldest_ = keep_from;
    return;
  }
  for (; oldest_ < keep_from; ++oldest_) {
    Bucket& b = ring_[static_cast<std::size_t>(oldest_ % n)];
    if (b.at != oldest_) continue;
    first_ -= b.first;
    second_ -= b.second;
    b = Bucket{};
  }
}

void SecondBuckets::add(SimTime now, std::int64_t first, std::int64_t second) {
  slide(now);
  const std::int64_t at = now / kMicrosPerSecond;
  Bucket& b = ring_[static_cast<std::size_t>(at % static_cast<std::int64_t>(ring_.size()))];
  b.at = at;
  b.first += first;
  b.second += second;
  first_ += first;
  second_ += second;
}

// [SECTION] Circuit breaker

namespace {

int window_seconds(const CircuitBreakerSpec& s) {
  return static_cast<int>((s.window + kMicrosPerSecond - 1) / kMicrosPerSecond);
}

// resilience4j compares the failure rate with the threshold: at or above it opens.
bool over_threshold(std::int64_t failures, std::int64_t calls, double percent) {
  return calls > 0 && 100.0 * static_cast<double>(failures) >= percent * static_cast<double>(calls);
}

}  // namespace

CircuitBreaker::CircuitBreaker(const CircuitBreakerSpec& spec) : spec_(spec), window_(window_seconds(spec)) {}

void CircuitBreaker::open(SimTime now) {
  state_ = State::open;
  ++epoch_;
  opened_at_ = now;
  open_since_ = now;
  window_.clear();
}

bool CircuitBreaker::permit(SimTime now, Change& change, std::uint32_t& epoch) {
  change = Change::none;
  epoch = epoch_;
  if (!spec_.enabled || state_ == State::closed) return true;
  if (state_ == State::open) {
    if (now < opened_at_ + spec_.open_for) return false;
    open_us_ += static_cast<double>(now - open_since_);
    open_since_ = -1;
    state_ = State::half_open;
    epoch = ++epoch_;
    trials_sent_ = trials_ended_ = trials_failed_ = 0;
    change = Change::half_opened;
  }
  if (trials_sent_ >= spec_.half_open_calls) return false;
  ++trials_sent_;
  return true;
}

CircuitBreaker::Change CircuitBreaker::record(SimTime now, bool failed, std::uint32_t epoch) {
  if (!spec_.enabled || epoch != epoch_) return Change::none;
  switch (state_) {
    case State::open:
      return Change::none;  // (not reached: nothing is let through while open)
    case State::half_open:
      ++trials_ended_;
      trials_failed_ += failed;
      if (trials_ended_ < spec_.half_open_calls) return Change::none;
      last_calls_ = trials_ended_;
      last_failures_ = trials_failed_;
      last_from_trials_ = true;
      if (over_threshold(trials_failed_, trials_ended_, spec_.failure_percent)) {
        open(now);
        return Change::opened;
      }
      state_ = State::closed;
      ++epoch_;
      window_.clear();
      return Change::closed;
    case State::closed:
      window_.add(now, 1, failed ? 1 : 0);
      if (window_.first() < spec_.min_calls || !over_threshold(window_.second(), window_.first(), spec_.failure_percent))
        return Change::none;
      last_calls_ = window_.first();
      last_failures_ = window_.second();
      last_from_trials_ = false;
      open(now);
      return Change::opened;
  }
  return Change::none;
}

double CircuitBreaker::take_open_us(SimTime now) {
  if (open_since_ >= 0) {
    open_us_ += static_cast<double>(now - open_since_);
    open_since_ = now;
  }
  const double us = open_us_;
  open_us_ = 0;
  return us;
}

// [SECTION] Retry budget and backoff

bool RetryBudget::try_retry(SimTime now) {
  window_.slide(now);
  // Finagle's balance: each first attempt deposits percent/100 of a retry, each retry
  // withdraws one.
  if (static_cast<double>(window_.first()) * percent_ / 100.0 - static_cast<double>(window_.second()) < 1.0) return false;
  window_.add(now, 0, 1);
  return true;
}

SimDuration retry_backoff(const RetrySpec& spec, int retry, SimDuration& previous, Rng& rng) {
  const auto cap = static_cast<double>(spec.max_backoff);
  // Multiplied step by step (no pow), so that every platform gives the same bytes.
  double b = static_cast<double>(spec.backoff);
  for (int k = 1; k < retry && b < cap; ++k) b *= spec.multiplier;
  b = std::min(b, cap);
  double wait = b;
  switch (spec.jitter) {
    case Jitter::none: break;
    case Jitter::full: wait = b * rng.uniform_open(); break;
    case Jitter::equal: wait = b / 2.0 + b / 2.0 * rng.uniform_open(); break;
    case Jitter::decorrelated: {
      const auto low = static_cast<double>(spec.backoff);
      const double high = std::max(low, spec.multiplier * static_cast<double>(previous));
      wait = std::min(cap, low + (high - low) * rng.uniform_open());
      break;
    }
  }
  const auto us = static_cast<SimDuration>(std::llround(wait));
  previous = us;
  return us;
}

// [SECTION] The table of call entries

CallTable::CallTable(const Scenario& s, std::uint64_t seed) : steps_(s.agents.size()), edges_(call_edges(s)) {
  std::size_t total = 0;
  for (const AgentSpec& a : s.agents)
    for (const CallStep& step : a.calls) total += step.calls.size();
  entries_.reserve(total);
  for (std::size_t a = 0; a < s.agents.size(); ++a) {
    const AgentSpec& agent = s.agents[a];
    for (const CallStep& step : agent.calls) {
      Step range{static_cast<int>(entries_.size()), static_cast<int>(step.calls.size())};
      for (const CallSpec& c : step.calls) {
        int edge = 0;
        while (edges_[static_cast<std::size_t>(edge)].caller != static_cast<int>(a) ||
               edges_[static_cast<std::size_t>(edge)].callee != c.agent_index)
          ++edge;
        entries_.emplace_back(c, static_cast<int>(a), edge,
                              Rng::stream(seed, "retry/" + agent.id, static_cast<std::uint64_t>(entries_.size())));
      }
      steps_[a].push_back(range);
    }
  }
}

}  // namespace opsim
