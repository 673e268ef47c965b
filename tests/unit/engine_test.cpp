// The event queue's ordering and the simulation's step-wise control.
#include <algorithm>
#include <limits>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/event_queue.h"
#include "engine/random.h"
#include "report/report.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

TEST_CASE("events pop in time order, ties in scheduling order", "[engine]") {
  EventQueue q;
  Rng rng(5);
  std::vector<std::pair<SimTime, std::uint32_t>> pushed;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const SimTime t = static_cast<SimTime>(rng.below(200));  // many ties
    q.push(t, 0, 0, i);
    pushed.emplace_back(t, i);
  }
  std::stable_sort(pushed.begin(), pushed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& expected : pushed) {
    REQUIRE_FALSE(q.empty());
    const Event e = q.pop();
    REQUIRE(e.t == expected.first);
    REQUIRE(e.target == expected.second);
  }
  CHECK(q.empty());
}

TEST_CASE("interleaved pushes and pops keep the order", "[engine]") {
  EventQueue q;
  Rng rng(8);
  SimTime last = 0;
  std::uint64_t last_seq = 0;
  for (int round = 0; round < 2000; ++round) {
    for (int k = 0; k < 3; ++k) q.push(last + static_cast<SimTime>(rng.below(50)), 0, 0, 0);
    const Event e = q.pop();
    REQUIRE((e.t > last || (e.t == last && e.seq > last_seq) || round == 0));
    last = e.t;
    last_seq = e.seq;
  }
}

TEST_CASE("the order holds across the sign of time and up to its largest values", "[engine]") {
  // Keys compare as one 128-bit number with the time's sign bit flipped; the heap keeps
  // sentinels past its end.
  EventQueue q;
  const SimTime times[] = {5, -3, std::numeric_limits<SimTime>::max() - 1, 0, -3, std::numeric_limits<SimTime>::min(),
                           std::int64_t{1} << 62, 5, 0};
  std::vector<std::pair<SimTime, std::uint32_t>> pushed;
  for (std::uint32_t i = 0; i < 9; ++i) {
    q.push(times[i], 0, 0, i);
    pushed.emplace_back(times[i], i);
  }
  std::stable_sort(pushed.begin(), pushed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& expected : pushed) {
    REQUIRE(q.size() > 0);
    REQUIRE(q.top().t == expected.first);
    const Event e = q.pop();
    REQUIRE(e.target == expected.second);
  }
  CHECK(q.empty());
  // Refilled after emptying, every size from 1 to 40.
  for (std::uint32_t n = 1; n <= 40; ++n) {
    for (std::uint32_t i = 0; i < n; ++i) q.push(static_cast<SimTime>((i * 7) % 5), 0, 0, i);
    SimTime last = std::numeric_limits<SimTime>::min();
    for (std::uint32_t i = 0; i < n; ++i) {
      const Event e = q.pop();
      REQUIRE(e.t >= last);
      last = e.t;
    }
    REQUIRE(q.empty());
  }
}

TEST_CASE("the calendar ring and the heap behind it pop exactly in (time, sequence) order", "[engine]") {
  // Delays from zero (ties with the clock) to minutes (past the ring's span), now and then
  // an event before the clock, against an ordered set of (time, sequence).
  EventQueue q;
  std::set<std::pair<SimTime, std::uint64_t>> expected;
  Rng rng(99);
  SimTime now = 0;
  std::uint64_t seq = 0;
  for (int round = 0; round < 200000; ++round) {
    const int pushes = static_cast<int>(rng.below(3));
    for (int k = 0; k < pushes; ++k) {
      const std::uint64_t pick = rng.below(100);
      SimTime delay = 0;
      if (pick < 10) delay = 0;
      else if (pick < 70) delay = static_cast<SimTime>(rng.below(3 * kMicrosPerSecond));
      else if (pick < 95) delay = static_cast<SimTime>(rng.below(30 * kMicrosPerSecond));
      else if (pick < 99) delay = static_cast<SimTime>(rng.below(2 * kMicrosPerHour));
      else delay = -static_cast<SimTime>(rng.below(kMicrosPerMinute));  // before the clock
      q.push(now + delay, 0, 0, static_cast<std::uint32_t>(seq));
      expected.emplace(now + delay, seq++);
    }
    if (expected.empty() || rng.below(2) == 0) continue;
    REQUIRE(q.size() == expected.size());
    REQUIRE(q.top().t == expected.begin()->first);
    const Event e = q.pop();
    REQUIRE(e.t == expected.begin()->first);
    REQUIRE(e.seq == expected.begin()->second);
    REQUIRE(e.target == static_cast<std::uint32_t>(e.seq));
    expected.erase(expected.begin());
    now = std::max(now, e.t);
  }
  while (!expected.empty()) {
    REQUIRE(q.pop().seq == expected.begin()->second);
    expected.erase(expected.begin());
  }
  CHECK(q.empty());
}

namespace {

const char* kSmall = R"({"schema": "opsim/1", "name": "small", "duration": "2h", "seed": 3,
  "services": [{"id": "s", "instance": {"concurrency": 2}, "instances": {"initial": 3},
                "queue": {"capacity": 50, "timeout": "20s"}}],
  "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "1s"}, "error_percent": 1}],
  "tenants": [{"id": "t", "load": [{"agent": "a", "rate": 4,
               "patterns": [{"type": "spike", "at": "1h", "duration": "10m", "multiplier": 3}]}]}]})";

}  // namespace

TEST_CASE("run_until stops at the requested time and slicing does not change results", "[engine]") {
  const Scenario sc = test::must_load(kSmall);
  Simulation whole(sc, sc.seed);
  whole.run();
  CHECK(whole.now() == sc.duration);
  CHECK(whole.finished());

  Simulation sliced(sc, sc.seed);
  for (SimTime t = 0; t < sc.duration; t += 37 * kMicrosPerSecond + 123) {
    sliced.run_until(t);
    REQUIRE(sliced.now() == t);
  }
  sliced.run();
  CHECK(summary_json(sliced) == summary_json(whole));

  Simulation stepped(sc, sc.seed);
  std::uint64_t steps = 0;
  while (stepped.step()) ++steps;
  CHECK(steps == whole.events_processed());
  stepped.run();
  CHECK(summary_json(stepped) == summary_json(whole));
}

TEST_CASE("run_until never moves the clock backwards or past the end", "[engine]") {
  const Scenario sc = test::must_load(kSmall);
  Simulation sim(sc, 1);
  sim.run_until(kMicrosPerHour);
  sim.run_until(kMicrosPerMinute);
  CHECK(sim.now() == kMicrosPerHour);
  sim.run_until(100 * kMicrosPerHour);
  CHECK(sim.now() == sc.duration);
  CHECK_FALSE(sim.step());
}

TEST_CASE("requests are conserved at every moment", "[engine]") {
  const Scenario sc = test::must_load(kSmall);
  Simulation sim(sc, 9);
  const auto& reg = sim.metrics();
  const auto col = [&](const char* name) { return static_cast<std::size_t>(reg.find(name)); };
  for (SimTime t = 0; t <= sc.duration; t += 7 * kMicrosPerMinute) {
    sim.run_until(t);
    const auto v = sim.summary_values();
    CHECK(v[col("requests_total")] ==
          v[col("requests_succeeded")] + v[col("requests_failed")] + v[col("requests_rejected")] + v[col("requests_in_flight")]);
    CHECK(v[col("requests_failed")] == v[col("requests_failed_queue_full")] + v[col("requests_failed_timeout")] +
                                           v[col("requests_failed_agent_error")]);
    CHECK(v[col("requests_in_flight")] >= 0);
  }
}
