// Tenant admission (quotas, sliding-window rate limit, execution time limit) and the
// isolation levels' effect on pools and queueing.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "context/tenant_context.h"
#include "tenancy/resource_monitor.h"
#include "test_support.h"

using namespace opsim;

namespace {

double metric(const Simulation& sim, const std::vector<double>& v, const std::string& name) {
  const int c = sim.metrics().find(name);
  REQUIRE(c >= 0);
  return v[static_cast<std::size_t>(c)];
}

struct RowCapture : SimObserver {
  std::vector<SimTime> t;
  std::vector<std::vector<double>> rows;
  void on_sample(SimTime time, const std::vector<double>& row) override {
    t.push_back(time);
    rows.push_back(row);
  }
};

AgentSpec agent_with(double mb, double cores) {
  AgentSpec a;
  a.memory_estimate_mb = mb;
  a.cpu_estimate_cores = cores;
  return a;
}

}  // namespace

TEST_CASE("the resource monitor reserves atomically and reports every exceeded limit", "[tenancy]") {
  QuotaSpec q;  // the seed's defaults: 10 agents, 2048 MiB, 2 cores, 1000 per minute
  ResourceMonitor m(q);
  const AgentSpec medium = agent_with(256, 0.5);
  for (int i = 0; i < 4; ++i) REQUIRE(m.try_admit(i, medium) == 0);  // 4 x 0.5 cores = the 2-core quota
  CHECK(m.usage().concurrent_agents == 4);
  CHECK(m.usage().cpu_cores == Approx(2.0));
  CHECK(m.try_admit(10, medium) == kLimitCpu);
  const AgentSpec big = agent_with(1500, 1.0);
  // Memory 1024 + 1500 > 2048 and cores 2 + 1 > 2: both named, nothing reserved.
  CHECK(m.try_admit(11, big) == (kLimitMemory | kLimitCpu));
  CHECK(m.usage().concurrent_agents == 4);
  CHECK(m.usage().memory_mb == Approx(1024));
  for (int i = 0; i < 4; ++i) m.release(medium);
  CHECK(m.usage().concurrent_agents == 0);
  CHECK(m.usage().memory_mb == 0);
  CHECK(m.usage().cpu_cores == 0);
  CHECK(m.within_quota());
  CHECK(std::string(quota_limit_name(3)) == "request_rate");
}

TEST_CASE("the request-rate window slides: never more than the limit in any 60 s", "[tenancy]") {
  QuotaSpec q;
  q.max_requests_per_minute = 5;
  q.max_concurrent_agents = 1000;
  q.max_memory_mb = 1e9;
  q.max_cpu_cores = 1e6;
  ResourceMonitor m(q);
  const AgentSpec a = agent_with(1, 0.001);
  // Five at t = 0..4 s are admitted; the sixth waits until the first is 60 s old.
  for (int i = 0; i < 5; ++i) REQUIRE(m.try_admit(i * kMicrosPerSecond, a) == 0);
  CHECK(m.try_admit(30 * kMicrosPerSecond, a) == kLimitRequestRate);
  CHECK(m.try_admit(60 * kMicrosPerSecond - 1, a) == kLimitRequestRate);
  CHECK(m.try_admit(60 * kMicrosPerSecond, a) == 0);  // the admission at 0 s left the window
  // A resetting window would admit 5 more at 60 s; the sliding one admits one per second.
  CHECK(m.try_admit(60 * kMicrosPerSecond + 1, a) == kLimitRequestRate);
}

TEST_CASE("a tenant offered twice its rate limit has about half its requests rejected", "[tenancy]") {
  // 20 requests/s offered against 600 per minute (10/s), for two hours, with 1 s scrapes
  // so that admissions can be counted in every 60 s window.
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "rate", "duration": "2h", "seed": 4,
    "monitoring": {"scrape_interval": "1s", "retention": "3h"},
    "services": [{"id": "s", "instance": {"concurrency": 100}, "instances": {"initial": 2}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "100ms"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 1000, "max_memory_mb": 1000000, "max_cpu_cores": 1000,
                 "max_requests_per_minute": 600},
                 "load": [{"agent": "a", "rate": 20}]}]})");
  Simulation sim(sc, sc.seed);
  RowCapture rows;
  sim.add_observer(&rows);
  sim.run();
  const auto v = sim.summary_values();
  const double total = metric(sim, v, "tenant.t.requests_total");
  const double rejected = metric(sim, v, "tenant.t.requests_rejected");
  CHECK(rejected / total == Approx(0.5).margin(0.02));
  CHECK(metric(sim, v, "tenant.t.requests_rejected_request_rate") == rejected);
  CHECK(metric(sim, v, "tenant.t.rejection_rate_percent") == Approx(100 * rejected / total));
  CHECK(metric(sim, v, "availability_percent") == 100);  // rejections are not service failures
  // Admitted = total - rejected, cumulative per 1 s row: every 60 s span holds at most 600.
  const int c_total = sim.metrics().find("tenant.t.requests_total");
  const int c_rej = sim.metrics().find("tenant.t.requests_rejected");
  double most = 0;
  for (std::size_t i = 60; i < rows.rows.size(); ++i) {
    REQUIRE(rows.t[i] - rows.t[i - 60] == 60 * kMicrosPerSecond);
    const double admitted = (rows.rows[i][c_total] - rows.rows[i][c_rej]) - (rows.rows[i - 60][c_total] - rows.rows[i - 60][c_rej]);
    most = std::max(most, admitted);
  }
  CHECK(most <= 600);
  CHECK(most >= 590);  // and the limit is used, not undershot
}

TEST_CASE("concurrency never exceeds max_concurrent_agents and usage never goes negative", "[tenancy]") {
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "conc", "duration": "3h", "seed": 8,
    "services": [{"id": "s", "instance": {"concurrency": 50}, "instances": {"initial": 4}, "queue": {"capacity": 20, "timeout": "5s"}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "lognormal", "median": "2s", "p99": "20s"}, "error_percent": 3},
               {"id": "b", "service": "s", "work": {"dist": "exponential", "mean": "1s"}, "complexity": "high", "model_size": "large"}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 7, "max_memory_mb": 4000, "max_cpu_cores": 3.5,
                 "max_requests_per_minute": 100000, "max_execution_time": "10s"},
                 "load": [{"agent": "a", "rate": 3, "patterns": [{"type": "spike", "at": "1h", "duration": "30m", "multiplier": 4}]},
                          {"agent": "b", "rate": 2}]}]})");
  Simulation sim(sc, sc.seed);
  int most = 0;
  for (SimTime t = 0; t <= sc.duration; t += 250 * kMicrosPerMilli) {
    sim.run_until(t);
    const QuotaUsage& u = sim.tenant_usage(0);
    REQUIRE(sim.tenant_within_quota(0));
    REQUIRE(u.concurrent_agents >= 0);
    REQUIRE(u.concurrent_agents <= 7);
    REQUIRE(u.memory_mb <= 4000 + 1e-9);
    REQUIRE(u.cpu_cores <= 3.5 + 1e-9);
    most = std::max(most, u.concurrent_agents);
  }
  CHECK(most == 7);  // the quota binds
  const auto v = sim.summary_values();
  CHECK(metric(sim, v, "tenant.t.requests_rejected") > 0);
  CHECK(metric(sim, v, "tenant.t.requests_rejected_concurrent_agents") + metric(sim, v, "tenant.t.requests_rejected_memory") +
            metric(sim, v, "tenant.t.requests_rejected_cpu") >= metric(sim, v, "tenant.t.requests_rejected"));
  // Lognormal work with p99 20 s: the ones past 10 s are cut off and counted.
  CHECK(metric(sim, v, "tenant.t.requests_failed_execution_limit") > 0);
  CHECK(metric(sim, v, "latency_max_ms") < 10000 + 5000 + 100);  // queue timeout 5 s + limit 10 s
  CHECK(metric(sim, v, "tenant.t.quota_concurrency_percent") > 0);
  CHECK(metric(sim, v, "tenant.t.quota_concurrency_percent") <= 100);
  CHECK(metric(sim, v, "tenant.t.quota_utilization_percent") >= metric(sim, v, "tenant.t.quota_cpu_percent"));
  // At the end every reservation of a finished request has been given back.
  sim.run();
  CHECK(sim.tenant_usage(0).concurrent_agents == static_cast<int>(metric(sim, sim.summary_values(), "tenant.t.requests_in_flight")));
}

namespace {

// A victim with steady load and a noisy neighbour that bursts, on a small service.
std::string neighbours(const char* isolation) {
  return std::string(R"({"schema": "opsim/1", "name": "noisy", "duration": "4h", "seed": 21,
    "services": [{"id": "s", "instance": {"concurrency": 4}, "instances": {"initial": 3}, "queue": {"capacity": 2000, "timeout": "10m"}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "1s"}}],
    "tenants": [{"id": "victim", "isolation": ")") + isolation + R"(",
                 "quota": {"max_concurrent_agents": 1000, "max_memory_mb": 1000000, "max_cpu_cores": 1000, "max_requests_per_minute": 100000},
                 "load": [{"agent": "a", "rate": 3}]},
                {"id": "noisy", "isolation": ")" + isolation + R"(",
                 "quota": {"max_concurrent_agents": 1000, "max_memory_mb": 1000000, "max_cpu_cores": 1000, "max_requests_per_minute": 100000},
                 "load": [{"agent": "a", "rate": 4, "patterns": [{"type": "spike", "at": "1h", "duration": "1h", "multiplier": 3}]}]}]})";
}

double victim_p95(const char* isolation) {
  const Scenario sc = test::must_load(neighbours(isolation));
  Simulation sim(sc, sc.seed);
  sim.run();
  return metric(sim, sim.summary_values(), "tenant.victim.latency_p95_ms");
}

}  // namespace

TEST_CASE("isolation: a noisy neighbour hurts under shared, less under namespace, not under dedicated", "[tenancy]") {
  const double shared = victim_p95("shared"), ns = victim_p95("namespace"), dedicated = victim_p95("dedicated");
  INFO("victim p95: shared " << shared << " ms, namespace " << ns << " ms, dedicated " << dedicated << " ms");
  CHECK(shared > 2 * dedicated);
  CHECK(ns < shared);
  CHECK(ns > dedicated * 0.5);
  // Dedicated: the victim alone on 12 slots at 3/s is an M/M/12 at 25 % load, p95 close to
  // the work's own (ln 20 = 3.0 s).
  CHECK(dedicated < 3.5 * 1000);
}

TEST_CASE("isolation builds pools: dedicated and physical tenants get their own instances", "[tenancy]") {
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "pools", "duration": "1h",
    "services": [{"id": "s", "instance": {"cost_per_hour": 1}, "instances": {"initial": 2}}, {"id": "u", "instances": {"initial": 1}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "1s"}}],
    "tenants": [{"id": "sh", "load": [{"agent": "a", "rate": 0.1}]},
                {"id": "ns", "isolation": "namespace", "load": [{"agent": "a", "rate": 0.1}]},
                {"id": "de", "isolation": "dedicated", "load": [{"agent": "a", "rate": 0.1}]},
                {"id": "ph", "isolation": "physical", "load": [{"agent": "a", "rate": 0.1}]}]})");
  Simulation sim(sc, 1);
  // Shared pools of s and u, plus one pool of s each for de and ph.
  REQUIRE(sim.pool_count() == 4);
  CHECK(sim.pool_of(0, 0) == sim.pool_of(1, 0));
  CHECK(sim.pool_view(sim.pool_of(0, 0)).flows == 2);  // the shared tenants' flow and ns's
  CHECK(sim.pool_of(2, 0) != sim.pool_of(0, 0));
  CHECK(sim.pool_of(3, 0) != sim.pool_of(2, 0));
  CHECK(sim.pool_view(sim.pool_of(2, 0)).owner_tenant == 2);
  CHECK(sim.pool_view(sim.pool_of(2, 0)).instances == 2);
  sim.run();
  const auto v = sim.summary_values();
  // Isolation costs instances: 3 pools of 2 instances of s at $1/h for 1 h.
  CHECK(metric(sim, v, "service.s.instances") == 6);
  CHECK(metric(sim, v, "service.s.cost_usd") == Approx(6.0));
}

TEST_CASE("a tenant's bill counts its successful requests and the core-hours it reserved", "[tenancy]") {
  // Constant 2 s work at 1 per second: about 2 executions in progress, each reserving 0.5
  // cores, so about 1 core-hour per hour; 3,600 requests at $0.01 plus 2 h x 1 core x $0.5.
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "bill", "duration": "2h", "seed": 9,
    "services": [{"id": "s", "instance": {"concurrency": 20}, "instances": {"initial": 1}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "2s"}}],
    "tenants": [{"id": "t", "billing": {"plan": "team", "price_per_request_usd": 0.01, "price_per_cpu_hour_usd": 0.5},
                 "security_policies": {"mfa_required": true},
                 "quota": {"max_concurrent_agents": 100, "max_memory_mb": 100000, "max_cpu_cores": 100, "max_requests_per_minute": 10000},
                 "load": [{"agent": "a", "rate": 1}]}]})");
  Simulation sim(sc, sc.seed);
  sim.run();
  const auto v = sim.summary_values();
  const double succeeded = metric(sim, v, "tenant.t.requests_succeeded");
  const double core_hours = metric(sim, v, "tenant.t.quota_cpu_percent") / 100 * 100 /* max cores */ * 2 /* hours */;
  CHECK(metric(sim, v, "tenant.t.billing_usd") == Approx(succeeded * 0.01 + core_hours * 0.5).epsilon(1e-9));
  CHECK(core_hours == Approx(2.0).epsilon(0.05));
  CHECK(metric(sim, v, "tenant.t.billing_usd") == Approx(7200 * 0.01 + 1.0).epsilon(0.05));
  const std::string ctx = tenant_context_json(sc.tenants[0], kMicrosPerHour, sc.calendar);
  CHECK(ctx.find("\"security_policies\":{\"mfa_required\": true}") != std::string::npos);
  CHECK(ctx.find("\"execution_id\":\"t_2026-01-05T01:00:00Z\"") != std::string::npos);
  CHECK(ctx.find("\"max_requests_per_minute\":10000") != std::string::npos);
}
