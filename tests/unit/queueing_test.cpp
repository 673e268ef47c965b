// The service model against queueing theory and against its own definitions.
#include <cmath>

#include <catch2/catch.hpp>

#include "report/report.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// Erlang C: probability that an arrival waits in an M/M/c queue with offered load a = l/mu.
double erlang_c(int c, double a) {
  double term = 1, sum = 1;  // k = 0
  for (int k = 1; k < c; ++k) {
    term *= a / k;
    sum += term;
  }
  const double last = term * a / c;  // a^c / c!
  const double top = last * c / (c - a);
  return top / (sum + top);
}

double metric(const Simulation& sim, const std::vector<double>& v, const std::string& name) {
  const int c = sim.metrics().find(name);
  REQUIRE(c >= 0);
  return v[static_cast<std::size_t>(c)];
}

}  // namespace

TEST_CASE("M/M/c: mean latency and probability of waiting agree with Erlang C within 3 %", "[queueing]") {
  const Scenario sc = test::must_load(test::read_text("scenarios/mmc.json"));
  const double lambda = sc.tenants[0].load[0].rate;
  const double mu = 1.0 / sc.agents[0].work.mean();
  const int c = sc.services[0].instances_initial * sc.services[0].concurrency;
  const double p_wait = erlang_c(c, lambda / mu);
  const double mean_wait_s = p_wait / (c * mu - lambda);
  const double mean_latency_ms = (mean_wait_s + 1 / mu) * 1000;
  // The textbook figures for this scenario (TOOLCHAIN.md): P(wait) 0.530, W 0.353 s.
  REQUIRE(p_wait == Approx(0.530).margin(0.001));
  REQUIRE(mean_wait_s == Approx(0.353).margin(0.001));

  Simulation sim(sc, sc.seed);
  sim.run();
  const auto v = sim.summary_values();
  const double measured_p_wait = metric(sim, v, "requests_queued") / metric(sim, v, "requests_total");
  const double measured_latency_ms = metric(sim, v, "latency_avg_ms");
  const double measured_wait_s = measured_latency_ms / 1000 - 1 / mu;
  INFO("P(wait) " << measured_p_wait << " vs " << p_wait << "; latency " << measured_latency_ms << " ms vs "
                  << mean_latency_ms << " ms; wait " << measured_wait_s << " s vs " << mean_wait_s << " s");
  CHECK(measured_p_wait == Approx(p_wait).epsilon(0.03));
  CHECK(measured_latency_ms == Approx(mean_latency_ms).epsilon(0.03));
  CHECK(measured_wait_s == Approx(mean_wait_s).epsilon(0.06));
  // Utilisation is the offered load per slot.
  CHECK(metric(sim, v, "cpu_utilization") == Approx(100 * lambda / (c * mu)).epsilon(0.01));
  CHECK(metric(sim, v, "requests_failed") == 0);
}

TEST_CASE("a full queue fails requests with reason queue_full and logs the episode", "[queueing]") {
  // One slot, 5 s of work, 2 arrivals per second: the queue of 3 fills at once.
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "full", "duration": "10m",
    "services": [{"id": "s", "instances": {"initial": 1}, "queue": {"capacity": 3, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "5s"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000, "max_requests_per_minute": 10000000}, "load": [{"agent": "a", "rate": 2}]}]})");
  Simulation sim(sc, 1);
  sim.run();
  const auto v = sim.summary_values();
  // At most 600 / 5 = 120 requests can complete in 10 minutes; of ~1200 arrivals, all but
  // those and the few in the queue or the slot fail because the queue is full.
  const double total = metric(sim, v, "requests_total");
  CHECK(std::fabs(total - 1200) < 4 * std::sqrt(1200.0));
  CHECK(metric(sim, v, "requests_succeeded") <= 120);
  CHECK(metric(sim, v, "requests_succeeded") >= 115);
  CHECK(metric(sim, v, "requests_failed_queue_full") ==
        total - metric(sim, v, "requests_succeeded") - metric(sim, v, "requests_in_flight"));
  CHECK(metric(sim, v, "requests_in_flight") <= 4);
  CHECK(metric(sim, v, "requests_failed_timeout") == 0);
  CHECK(metric(sim, v, "queue_depth_max") == 3);
  // Each completion lets one waiting request in; the queue refills at the next arrival,
  // 0.5 s later on average, so it holds 3 for about 4.5 s of every 5.
  CHECK(metric(sim, v, "queue_depth") == Approx(2.9).margin(0.05));
  bool logged = false;
  for (const LogEvent& e : sim.recent_events()) logged = logged || e.kind == EventKind::queue_full_started;
  CHECK(logged);
}

TEST_CASE("a queued request that waits past the timeout fails with reason timeout", "[queueing]") {
  // Work takes 10 s on one slot; a request that arrives behind it waits more than 2 s.
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "timeout", "duration": "1h",
    "services": [{"id": "s", "instances": {"initial": 1}, "queue": {"capacity": 100, "timeout": "2s"}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "10s"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000, "max_requests_per_minute": 10000000}, "load": [{"agent": "a", "rate": 1}]}]})");
  Simulation sim(sc, 1);
  sim.run();
  const auto v = sim.summary_values();
  CHECK(metric(sim, v, "requests_failed_timeout") > 3000);
  CHECK(metric(sim, v, "requests_succeeded") <= 360);
  // Timed-out requests never reach a slot: every success waited under 2 s + 10 s of work.
  CHECK(metric(sim, v, "latency_max_ms") < 12000 * (1 + 0.004));
  CHECK(metric(sim, v, "availability_percent") < 15);
}

TEST_CASE("agent error_percent fails that share of requests", "[queueing]") {
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "errors", "duration": "6h",
    "services": [{"id": "s", "instance": {"concurrency": 100}, "instances": {"initial": 2}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "200ms"}, "error_percent": 2.5}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000, "max_requests_per_minute": 10000000}, "load": [{"agent": "a", "rate": 10}]}]})");
  Simulation sim(sc, 5);
  sim.run();
  const auto v = sim.summary_values();
  const double n = metric(sim, v, "requests_succeeded") + metric(sim, v, "requests_failed");
  const double sd = std::sqrt(n * 0.025 * 0.975) / n * 100;
  CHECK(metric(sim, v, "error_rate_percent") == Approx(2.5).margin(4 * sd));
  CHECK(metric(sim, v, "requests_failed_agent_error") == metric(sim, v, "requests_failed"));
  CHECK(metric(sim, v, "availability_percent") + metric(sim, v, "error_rate_percent") == Approx(100));
}

TEST_CASE("cost accrues per instance-second and memory utilisation follows the estimates", "[queueing]") {
  // 3 instances at $0.50/h for 4 h = $6; constant work of 1 s at 2 per second keeps 2 of
  // 12 slots busy, each with a 256 MiB x 2 x 1.5 = 768 MiB estimate (high complexity, large model).
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "cost", "duration": "4h",
    "services": [{"id": "s", "instance": {"concurrency": 4, "memory_mb": 4096, "cost_per_hour": 0.5},
                  "instances": {"initial": 3}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "1s"},
                "complexity": "high", "model_size": "large"}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000, "max_requests_per_minute": 10000000}, "load": [{"agent": "a", "rate": 2}]}]})");
  Simulation sim(sc, 2);
  sim.run();
  const auto v = sim.summary_values();
  CHECK(metric(sim, v, "cost_usd") == Approx(6.0).epsilon(1e-9));
  CHECK(metric(sim, v, "service.s.cost_usd") == Approx(6.0).epsilon(1e-9));
  CHECK(metric(sim, v, "cpu_utilization") == Approx(100.0 * 2 / 12).epsilon(0.02));
  CHECK(metric(sim, v, "memory_utilization") == Approx(100.0 * 2 * 768 / (3 * 4096)).epsilon(0.02));
  CHECK(metric(sim, v, "instances") == 3);
  CHECK(metric(sim, v, "instances_max") == 3);
}

TEST_CASE("resource estimates follow the seeds' rules for every complexity and model size", "[queueing]") {
  // 256 MiB and 0.5 cores; x2 memory and x1.5 cores for high complexity; x1.5 memory and
  // x1.2 cores for a large model.
  struct Case {
    const char* complexity;
    const char* model;
    double mb, cores;
  };
  for (const Case& c : {Case{"low", "standard", 256, 0.5}, Case{"medium", "standard", 256, 0.5},
                        Case{"high", "standard", 512, 0.75}, Case{"low", "large", 384, 0.6},
                        Case{"high", "large", 768, 0.9}}) {
    const std::string text = std::string(R"({"schema": "opsim/1", "name": "e", "duration": "1h",
      "services": [{"id": "s"}], "tenants": [{"id": "t"}],
      "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "1s"}, "complexity": ")") +
                             c.complexity + R"(", "model_size": ")" + c.model + R"("}]})";
    const Scenario sc = test::must_load(text);
    INFO(c.complexity << " / " << c.model);
    CHECK(sc.agents[0].memory_estimate_mb == Approx(c.mb));
    CHECK(sc.agents[0].cpu_estimate_cores == Approx(c.cores));
  }
}
