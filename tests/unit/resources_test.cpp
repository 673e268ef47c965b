// An instance's cores and memory: each execution holds its agent's estimate on its instance,
// so an instance runs at most what fits in its cpu_cores and memory_mb as well as its
// concurrency; a vertical resize changes all three. And the settings that say so change
// the run: cpu_cores, memory_mb and the predictive engine's metric.
#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// 1 request/s of 10 s work: 10 executions wanted at once. Two instances of 8 slots whose
// memory (1024 MB) holds 4 executions of 256 MB each: 8 run, the rest wait.
std::string memory_bound(const std::string& scaling) {
  return R"({"schema": "opsim/1", "name": "memory-bound", "duration": "2h", "seed": 3,
  "services": [{"id": "s", "instance": {"concurrency": 8, "cpu_cores": 8, "memory_mb": 1024, "startup": "60s"},
                "instances": {"initial": 2, "min": 2, "max": 2}, "queue": {"capacity": 100000, "timeout": "1h"}}],
  "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "10s"}}],
  "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
               "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 1}]}])" +
         scaling + "}";
}

const char* kVertical = R"(, "scaling": {"service": "s", "evaluation_interval": "60s",
  "policies": [{"id": "memory", "kind": "threshold", "trigger": "memory_utilization", "threshold_up": 90,
                "threshold_down": 10, "evaluation_periods": 2, "cooldown": "10m", "direction": "vertical",
                "size_factors": [1, 2]}]})";

int busy_in_all(const Simulation& sim) { return sim.pool_view(0).busy_slots; }

int most_busy(const Simulation& sim) {
  int busy = 0;
  for (const Simulation::InstanceView& in : sim.pool_instances(0)) busy = std::max(busy, in.busy_slots);
  return busy;
}

double summary(const std::string& text, const std::string& metric) {
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, sc.seed);
  sim.run();
  return test::metric(sim, metric);
}

// A scenario's text with one field's JSON text replaced (its first occurrence).
std::string with(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("an instance runs no more executions than fit in its memory, and requests wait", "[fleet][resources]") {
  const Scenario sc = test::must_load(memory_bound(""));
  Simulation sim(sc, sc.seed);
  int busiest = 0;
  for (SimTime t = kMicrosPerMinute; t <= 30 * kMicrosPerMinute; t += 15 * kMicrosPerSecond) {
    sim.run_until(t);
    busiest = std::max(busiest, most_busy(sim));
  }
  CHECK(busiest == 4);  // 4 x 256 MB of 1024, though 8 slots are free
  const Simulation::PoolView pv = sim.pool_view(0);
  CHECK(pv.resources_bind);
  CHECK(pv.memory_held_mb == 2 * 1024);  // both instances full
  CHECK(pv.memory_ready_mb == 2 * 1024);
  CHECK(pv.cores_held == Approx(4));  // 8 executions of 0.5 cores, of 16
  CHECK(pv.cores_ready == Approx(16));
  // 8 run and 10 are wanted: the queue grows by about 0.2 a second.
  CHECK(sim.pool_view(0).queue_length > 200);
  CHECK(test::metric(sim, "memory_utilization") > 95);
  CHECK(test::metric(sim, "cpu_utilization") < 51);  // slots: at most half of them busy
}

TEST_CASE("cores bind like memory: each execution holds its agent's cores", "[fleet][resources]") {
  // 2 cores hold 4 executions of 0.5 cores.
  const Scenario sc = test::must_load(with(memory_bound(""), R"("cpu_cores": 8, "memory_mb": 1024)",
                                           R"("cpu_cores": 2, "memory_mb": 8192)"));
  Simulation sim(sc, sc.seed);
  int busiest = 0;
  for (SimTime t = kMicrosPerMinute; t <= 20 * kMicrosPerMinute; t += 15 * kMicrosPerSecond) {
    sim.run_until(t);
    busiest = std::max(busiest, most_busy(sim));
  }
  CHECK(busiest == 4);
  CHECK(sim.pool_view(0).queue_length > 100);
}

TEST_CASE("a vertical policy on memory_utilization cures memory pressure", "[fleet][resources][scaling]") {
  const Scenario sc = test::must_load(memory_bound(kVertical));
  Simulation sim(sc, sc.seed);
  int busiest = 0;  // executions at once on the whole pool, after the restart
  for (SimTime t = 10 * kMicrosPerMinute; t <= sc.duration; t += 15 * kMicrosPerSecond) {
    sim.run_until(t);
    busiest = std::max(busiest, busy_in_all(sim));
  }
  const LogEvent* up = nullptr;
  for (const LogEvent& e : sim.recent_events())
    if (!up && e.kind == EventKind::scale_up) up = &e;
  REQUIRE(up != nullptr);
  CHECK(up->text("policy") == "memory");
  CHECK(up->t <= 3 * kMicrosPerMinute);  // two breaching evaluations
  // At x2 an instance has 2048 MB: 8 executions fit, 16 in all, more than the 8 of x1.
  CHECK(busiest > 8);
  CHECK(sim.pool_view(0).queue_length == 0);
  CHECK(test::metric(sim, "requests_failed") == 0);
  // Without the policy the queue is still there at the end.
  const Scenario fixed = test::must_load(memory_bound(""));
  Simulation stuck(fixed, fixed.seed);
  stuck.run();
  CHECK(stuck.pool_view(0).queue_length > 1000);
}

TEST_CASE("an instance without cores or memory in the file is sized for its concurrency", "[loader][resources]") {
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "unsized", "duration": "1h",
    "services": [{"id": "s", "instance": {"concurrency": 50}}, {"id": "big", "instance": {"concurrency": 10, "memory_mb": 4096}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "1s"}},
               {"id": "b", "service": "big", "work": {"dist": "constant", "value": "1s"}, "complexity": "high", "model_size": "large"}],
    "tenants": [{"id": "t", "load": [{"agent": "a", "rate": 1}]}]})");
  CHECK(sc.services[0].cpu_cores == Approx(25));     // 50 x 0.5
  CHECK(sc.services[0].memory_mb == Approx(12800));  // 50 x 256
  CHECK(sc.services[1].cpu_cores == Approx(9));      // 10 x 0.9 (x1.5 high, x1.2 large)
  CHECK(sc.services[1].memory_mb == 4096);           // as written
}

TEST_CASE("the loader says when an agent's executions outgrow an instance", "[loader][resources]") {
  const LoadResult r = load_scenario(memory_bound(""));
  REQUIRE(r.ok);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].path == "$.agents[0]");
  CHECK(r.warnings[0].message.find("at most 4 of its executions fit on an instance of service \"s\"") == 0);
  CHECK(r.warnings[0].message.find("each holds 256 MB of its 1024") != std::string::npos);
}

TEST_CASE("cpu_cores, memory_mb and the predictive metric change the run", "[resources][scaling]") {
  const std::string base = test::read_text("scenarios/default.json");
  const double p95 = summary(base, "latency_p95_ms");
  // Fewer cores than 8 executions of the analyst agent (0.9 cores) need.
  CHECK(summary(with(base, R"("cpu_cores": 8)", R"("cpu_cores": 4)"), "latency_p95_ms") != p95);
  // Memory for 3 executions of the analyst (768 MB) instead of 8.
  CHECK(summary(with(base, R"("memory_mb": 8192)", R"("memory_mb": 2400)"), "latency_p95_ms") != p95);

  const std::string week = test::read_text("scenarios/scaling-week-predictive.json");
  const std::string metric = "service.assistants.forecast_error_percent";
  const double cpu = summary(week, metric);
  CHECK(summary(with(week, R"("metric": "cpu_utilization")", R"("metric": "request_rate")"), metric) != cpu);
}

TEST_CASE("a predictive engine on request_rate learns the pool's arrivals per second", "[scaling][resources]") {
  std::string text = test::read_text("scenarios/scaling-week-predictive.json");
  text = with(text, R"("metric": "cpu_utilization")", R"("metric": "request_rate")");
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, sc.seed);
  sim.run_until(2 * kMicrosPerDay);
  REQUIRE(sim.scaler_count() == 1);
  const scaling::PredictiveEngine* e = sim.scaler_view(0).predictive;
  REQUIRE(e != nullptr);
  REQUIRE(e->history_points() > 1000);
  // Each one-minute point is the arrival rate measured over the evaluations within it: the
  // mean over two days is the mean rate the scenario's loads offer.
  double sum = 0;
  for (std::size_t k = 0; k < e->history_points(); ++k) sum += e->history_value(k);
  const double mean_learnt = sum / static_cast<double>(e->history_points());
  const double arrivals = test::metric(sim, "requests_total") / to_seconds(sim.now());
  CHECK(mean_learnt == Approx(arrivals).epsilon(0.05));
}
