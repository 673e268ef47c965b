// Context assembly in the request path: its latency, an outage's effect, denials logged.
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

struct Rows : SimObserver {
  std::vector<SimTime> t;
  std::vector<std::vector<double>> rows;
  std::vector<LogEvent> events;
  void on_sample(SimTime time, const std::vector<double>& row) override {
    t.push_back(time);
    rows.push_back(row);
  }
  void on_log(const LogEvent& e) override { events.push_back(e); }
};

}  // namespace

TEST_CASE("a provider outage shows in latency, context failures and the cache hit rate, then recovers", "[context]") {
  const Scenario sc = test::must_load(test::read_text("scenarios/context-outage.json"));
  Simulation sim(sc, sc.seed);
  Rows rows;
  sim.add_observer(&rows);
  sim.run_until(12 * kMicrosPerHour);
  const MetricRegistry& reg = sim.metrics();
  const auto col = [&](const char* n) { return static_cast<std::size_t>(reg.find(n)); };
  auto at = [&](double hours) {
    for (std::size_t i = 0; i < rows.t.size(); ++i)
      if (rows.t[i] == static_cast<SimTime>(hours * kMicrosPerHour)) return i;
    FAIL("no row at " << hours << " h");
    return std::size_t{0};
  };
  const std::size_t before = at(9.5), during = at(10.5), after = at(11.5);
  // The market provider answers two keys; while it is down each miss waits for its 1.5 s
  // timeout, so a request takes about 3 s longer.
  const double extra_ms = rows.rows[during][col("latency_avg_ms")] - rows.rows[before][col("latency_avg_ms")];
  CHECK(extra_ms > 2500);
  CHECK(extra_ms < 3500);
  CHECK(rows.rows[during][col("context_cache_hit_percent")] < 60);
  CHECK(rows.rows[before][col("context_cache_hit_percent")] > 95);
  CHECK(rows.rows[during][col("context_failures")] > rows.rows[before][col("context_failures")] + 1000);
  // After the outage: latency back, failures flat again, no request left without context.
  CHECK(std::abs(rows.rows[after][col("latency_avg_ms")] - rows.rows[before][col("latency_avg_ms")]) < 400);
  CHECK(rows.rows[after][col("context_failures")] - rows.rows[at(11.25)][col("context_failures")] < 20);
  CHECK(rows.rows[after][col("requests_failed_context")] == 0);
  int started = 0, ended = 0, denied = 0;
  for (const LogEvent& e : rows.events) {
    started += e.kind == EventKind::fault_started;
    ended += e.kind == EventKind::fault_ended;
    if (e.kind == EventKind::context_denied) {
      ++denied;
      CHECK(e.text("key") == "revenue_forecast");
      CHECK(e.text("user") != "root");  // the admin is never denied
    }
  }
  CHECK(started == 1);
  CHECK(ended == 1);
  CHECK(denied == 3);  // kim, ari and dana: logged once each, counted every time
  const auto v = sim.summary_values();
  CHECK(v[col("context_denials")] > 1000);
  CHECK(v[static_cast<std::size_t>(reg.find("tenant.globex.context_denials"))] > 0);
}

TEST_CASE("a request fails only when every context provider it consulted failed", "[context]") {
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "only", "duration": "2h",
    "services": [{"id": "s", "instance": {"concurrency": 50}, "instances": {"initial": 2}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "100ms"}}],
    "tenants": [{"id": "t", "load": [{"agent": "a", "rate": 2}]}],
    "context": {"providers": [{"id": "biz", "kind": "business", "latency": "10ms", "timeout": "200ms",
                               "data": {"facts": {"x": 1}}}], "keys": ["facts"]},
    "faults": [{"type": "provider_outage", "provider": "biz", "at": "1h", "duration": "30m"}]})");
  Simulation sim(sc, 3);
  sim.run();
  const auto v = sim.summary_values();
  const auto get = [&](const char* n) { return v[static_cast<std::size_t>(sim.metrics().find(n))]; };
  // 30 minutes at 2 per second all fail for want of context; the rest succeed.
  CHECK(get("requests_failed_context") == Approx(3600).margin(4 * 60));
  CHECK(get("requests_failed") == get("requests_failed_context"));
  CHECK(get("context_failures") == get("requests_failed_context"));
  CHECK(get("context_cache_hit_percent") == 0);  // no cache_ttl: every look-up is a miss
}
