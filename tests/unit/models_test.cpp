// Model providers and server-side protection (sim/model_providers.h, request_models.cpp)
// against ground truth: a call's time from its tokens, token prices, per-minute limits
// admitting what they allow, Retry-After, load shedding by priority, and the queue
// disciplines against the conservation law (the mean wait of a work-conserving queue does
// not depend on the order it serves in; LIFO spreads it).
#include <array>
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "sim/model_providers.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

const char* kQuota = R"("quota": {"max_concurrent_agents": 1000000, "max_memory_mb": 1e9, "max_cpu_cores": 1e6,
                                   "max_requests_per_minute": 1e7, "max_execution_time": "1h"})";

// Users call the model directly (the answer agent is the root), or through a caller that
// makes `count` model calls; `provider` is spliced into the model service, `extra` at the
// top level.
std::string model_scenario(double rate, const std::string& provider, const std::string& tokens,
                           const std::string& extra = "", bool through_caller = false, const std::string& call = "") {
  return R"({"schema": "opsim/1", "name": "model", "seed": 7, "duration": "1h",
    "services": [
      {"id": "front", "instance": {"concurrency": 1000, "cpu_cores": 1000, "memory_mb": 1000000},
       "instances": {"initial": 2}, "queue": {"capacity": 100000, "timeout": "1h"}},
      {"id": "llm", "kind": "llm_provider", )" + provider + R"(,
       "instance": {"concurrency": 2000, "cpu_cores": 1000, "memory_mb": 10000000},
       "instances": {"initial": 1}, "queue": {"capacity": 100000, "timeout": "1h"}}],
    "agents": [
      {"id": "caller", "service": "front", "work": {"dist": "constant", "value": "10ms"}, "complexity": "low",
       "calls": [{"agent": "answer")" + call + R"(}]},
      {"id": "answer", "service": "llm", "complexity": "low", "tokens": )" + tokens + R"(}],
    "tenants": [{"id": "t", )" + kQuota + R"(,
      "load": [{"agent": ")" + (through_caller ? "caller" : "answer") + R"(", "rate": )" + std::to_string(rate) + R"(}]}],
    "monitoring": {"scrape_interval": "1m", "retention": "1h"})" + extra + "}";
}

const char* kConstantTokens = R"({"input": {"dist": "constant", "value": 1000}, "output": {"dist": "constant", "value": 300}})";

double value(const Simulation& sim, const std::string& name) { return test::metric(sim, name); }

}  // namespace

TEST_CASE("a model call's time is time to first token + input / prefill speed + output / output speed", "[models]") {
  // 0.5 s + 1000 / 8000 s + 300 / 60 s = 5.625 s, every call.
  const std::string provider = R"("time_to_first_token": {"dist": "constant", "value": "500ms"},
      "output_tokens_per_second": 60, "input_tokens_per_second": 8000)";
  Simulation sim(test::must_load(model_scenario(2, provider, kConstantTokens)), 7);
  sim.run();
  CHECK(value(sim, "requests_succeeded") > 6000);
  CHECK(value(sim, "latency_avg_ms") == Approx(5625).margin(0.5));
  CHECK(value(sim, "latency_max_ms") == Approx(5625).margin(0.5));
  // Without a prefill speed the input adds no time.
  const std::string no_prefill = R"("time_to_first_token": {"dist": "constant", "value": "500ms"},
      "output_tokens_per_second": 60)";
  Simulation sim2(test::must_load(model_scenario(2, no_prefill, kConstantTokens)), 7);
  sim2.run();
  CHECK(value(sim2, "latency_avg_ms") == Approx(5500).margin(0.5));
}

TEST_CASE("the assembled context is part of every model call's input: its tokens, its time and its price", "[models]") {
  const std::string provider = R"("time_to_first_token": {"dist": "constant", "value": "500ms"},
      "output_tokens_per_second": 60, "input_tokens_per_second": 8000,
      "cost_per_1k_input_tokens": 0.003, "cost_per_1k_output_tokens": 0.015)";
  // One entry of 800 tokens (given) and one whose size is estimated from its JSON.
  const std::string context = R"(, "context": {"providers": [{"id": "kb", "kind": "business", "data": {"entries": [
      {"key": "catalog", "value": {"a": 1}, "tokens": 800},
      {"key": "note", "value": "0123456789012345678901234567890123456789"}]}}]})";
  // The note's JSON is 42 characters (the quotes included): 11 tokens at 4 characters each.
  const double context_tokens = 800 + 11;
  const int calls = 3;
  Simulation sim(test::must_load(model_scenario(1, provider, kConstantTokens, context, true,
                                                R"(, "count": )" + std::to_string(calls))),
                 7);
  sim.run();
  const double served = value(sim, "agent.answer.requests_succeeded");
  REQUIRE(served > 3 * 3000);
  CHECK(value(sim, "agent.answer.tokens_in") == served * (1000 + context_tokens));
  CHECK(value(sim, "agent.answer.tokens_out") == served * 300);
  const double per_call = ((1000 + context_tokens) * 0.003 + 300 * 0.015) / 1000;
  CHECK(value(sim, "token_cost_usd") == Approx(served * per_call).epsilon(1e-9));
  // The tenant is billed for its chains' tokens, and the provider's cost is the fleet's.
  CHECK(value(sim, "tenant.t.billing_usd") == Approx(served * per_call).epsilon(1e-9));
  CHECK(value(sim, "service.llm.cost_usd") == Approx(served * per_call).epsilon(1e-9));
  CHECK(value(sim, "cost_usd") == Approx(served * per_call).epsilon(1e-9));
  // Each call's time grows with the context it carries: 10 ms + 3 x (0.5 + 1811 / 8000 + 5) s.
  CHECK(value(sim, "agent.answer.latency_avg_ms") == Approx(500 + (1000 + context_tokens) / 8.0 + 5000).margin(0.5));
  CHECK(value(sim, "agent.caller.latency_avg_ms") ==
        Approx(10 + calls * (500 + (1000 + context_tokens) / 8.0 + 5000)).margin(1));
}

TEST_CASE("a per-minute limit admits what it allows, of tokens and of requests",
          "[models]") {
  SECTION("the limit's window, directly") {
    MinuteLimit requests(10, 0);
    for (int i = 0; i < 10; ++i) CHECK(requests.admit(i * kMicrosPerSecond, 1) == TokenLimit::none);
    CHECK(requests.admit(30 * kMicrosPerSecond, 1) == TokenLimit::requests);
    CHECK(requests.admit(59 * kMicrosPerSecond, 1) == TokenLimit::requests);
    CHECK(requests.requests() == 10);  // refused calls count against nothing
    CHECK(requests.admit(60 * kMicrosPerSecond, 1) == TokenLimit::none);  // the one of second 0 has left
    CHECK(requests.admit(60 * kMicrosPerSecond, 1) == TokenLimit::requests);
    MinuteLimit tokens(0, 1000);
    CHECK(tokens.admit(0, 600) == TokenLimit::none);
    CHECK(tokens.admit(kMicrosPerSecond, 401) == TokenLimit::tokens);
    CHECK(tokens.admit(kMicrosPerSecond, 400) == TokenLimit::none);
    CHECK(tokens.tokens() == 1000);
    CHECK(tokens.admit(60 * kMicrosPerSecond, 600) == TokenLimit::none);  // the first 600 have left
  }
  SECTION("a provider's token limit passes limit / tokens per call a minute") {
    // 20 calls a second of 1,300 tokens: 1,560,000 a minute against a limit of 390,000,
    // which holds 300 calls a minute: a quarter of them.
    const std::string provider = R"("time_to_first_token": {"dist": "constant", "value": "100ms"},
        "output_tokens_per_second": 1000, "rate_limit_tpm": 390000)";
    Simulation sim(test::must_load(model_scenario(20, provider, kConstantTokens)), 7);
    sim.run();
    const double sent = value(sim, "requests_total");
    const double throttled = value(sim, "requests_failed_throttled");
    const double minutes = 60;
    CHECK(value(sim, "requests_succeeded") == Approx(minutes * 300).epsilon(0.01));
    CHECK(throttled / sent == Approx(1 - 300.0 / (20 * 60)).epsilon(0.01));
    CHECK(value(sim, "requests_failed") == throttled);
  }
  SECTION("a provider's request limit, and a tenant's token quota") {
    const std::string rpm = R"("time_to_first_token": {"dist": "constant", "value": "100ms"},
        "output_tokens_per_second": 1000, "rate_limit_rpm": 600)";
    Simulation sim(test::must_load(model_scenario(20, rpm, kConstantTokens)), 7);
    sim.run();
    CHECK(value(sim, "requests_succeeded") == Approx(60 * 600).epsilon(0.01));
    // The tenant's own quota of 130,000 tokens a minute: 100 calls of 1,300.
    std::string quota_doc = model_scenario(20, R"("time_to_first_token": {"dist": "constant", "value": "100ms"},
        "output_tokens_per_second": 1000)", kConstantTokens);
    const std::string limit = R"("max_execution_time": "1h")";
    quota_doc.replace(quota_doc.find(limit), limit.size(), limit + R"(, "max_tokens_per_minute": 130000)");
    Simulation quota(test::must_load(quota_doc), 7);
    test::EventRecorder events;
    quota.add_observer(&events);
    quota.run();
    CHECK(value(quota, "requests_succeeded") == Approx(60 * 100).epsilon(0.01));
    CHECK(value(quota, "tenant.t.requests_failed_throttled") == value(quota, "requests_failed"));
    CHECK(events.count(EventKind::throttling_started) >= 1);
  }
}

TEST_CASE("a retry after a 429 waits the provider's Retry-After", "[models]") {
  // A provider that takes 60 calls a minute from a caller sending 2 a second; each call may
  // be tried twice, 10 ms apart, or after Retry-After: 5s.
  const std::string base = R"("time_to_first_token": {"dist": "constant", "value": "100ms"},
      "output_tokens_per_second": 3000, "rate_limit_rpm": 60)";
  const std::string retry = R"(, "retry": {"max_attempts": 2, "backoff": "10ms"})";
  Simulation quick(test::must_load(model_scenario(2, base, kConstantTokens, "", true, retry)), 7);
  quick.run();
  Simulation patient(test::must_load(model_scenario(2, base + R"(, "retry_after": "5s")", kConstantTokens, "", true, retry)), 7);
  patient.run();
  // Served calls take 10 ms + 100 ms + 100 ms; a retried one waits 10 ms, or 5 s.
  CHECK(value(quick, "latency_max_ms") < 1000);
  CHECK(value(patient, "latency_max_ms") >= 5000);
  CHECK(value(patient, "retries") > 100);
}

TEST_CASE("load shedding refuses sheddable, then default requests past their queue lengths, never critical ones",
          "[models]") {
  // One service of 10 slots serving 50 a second (20 ms each); 80 a second arrive.
  auto doc = [](const std::string& shed) {
    return R"({"schema": "opsim/1", "name": "shed", "seed": 5, "duration": "30m",
      "services": [{"id": "s", "instance": {"concurrency": 1, "cpu_cores": 10, "memory_mb": 100000},
                    "instances": {"initial": 1}, "queue": {"capacity": 5000, "timeout": "1h")" + shed + R"(}}],
      "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "20ms"}, "complexity": "low"}],
      "tenants": [
        {"id": "crit", "priority": "critical", )" + std::string(kQuota) + R"(, "load": [{"agent": "a", "rate": 20}]},
        {"id": "norm", )" + std::string(kQuota) + R"(, "load": [{"agent": "a", "rate": 20}]},
        {"id": "bulk", "priority": "sheddable", )" + std::string(kQuota) + R"(, "load": [{"agent": "a", "rate": 40}]}],
      "monitoring": {"scrape_interval": "1m", "retention": "30m"}})";
  };
  Simulation sim(test::must_load(doc(R"(, "shed_at": {"sheddable": 5, "default": 15})")), 5);
  test::EventRecorder events;
  sim.add_observer(&events);
  sim.run();
  CHECK(value(sim, "tenant.crit.requests_shed") == 0);
  CHECK(value(sim, "tenant.crit.availability_percent") == 100);
  CHECK(value(sim, "tenant.bulk.requests_shed") > 0);
  CHECK(value(sim, "requests_shed") == value(sim, "requests_failed"));
  // Critical and default together (40 a second) fit in the 50 the service serves, so the
  // queue seldom reaches default's length; sheddable requests keep it near 5.
  CHECK(value(sim, "tenant.norm.requests_shed") < 0.05 * value(sim, "tenant.norm.requests_total"));
  CHECK(value(sim, "queue_depth") > 4);
  CHECK(value(sim, "queue_depth") < 15);
  // The service runs full, and what it serves beyond the others is the bulk tenant's.
  CHECK(value(sim, "tenant.bulk.requests_succeeded") / (30 * 60) == Approx(50 - 40).epsilon(0.05));
  CHECK(events.count(EventKind::shedding_started) >= 1);
  // Only "default" given: sheddable requests go at its length too.
  Simulation one(test::must_load(doc(R"(, "shed_at": {"default": 10})")), 5);
  one.run();
  CHECK(value(one, "tenant.crit.requests_shed") == 0);
  CHECK(value(one, "tenant.bulk.requests_shed") > 0);
  CHECK(value(one, "tenant.norm.requests_shed") > 0);
}

TEST_CASE("queue disciplines: the same mean wait (conservation law), LIFO spreading it; adaptive LIFO between",
          "[models]") {
  // An M/M/1 queue at 90 % load: the order of service does not change the mean, which is
  // 1 / (mu - lambda) = 200 ms of response time; serving the newest first shortens the
  // median and lengthens the tail.
  auto run = [](const std::string& discipline) {
    const std::string doc = R"({"schema": "opsim/1", "name": "mm1", "seed": 21, "duration": "6h",
      "services": [{"id": "s", "instance": {"concurrency": 1, "cpu_cores": 1, "memory_mb": 100000},
                    "instances": {"initial": 1}, "queue": {"capacity": 1000000, "timeout": "1d")" + discipline + R"(}}],
      "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "20ms"}, "complexity": "low"}],
      "tenants": [{"id": "t", )" + std::string(kQuota) + R"(, "load": [{"agent": "a", "rate": 45}]}],
      "monitoring": {"scrape_interval": "1m", "retention": "6h"}})";
    Simulation sim(test::must_load(doc), 21);
    sim.run();
    return std::array<double, 3>{test::metric(sim, "latency_avg_ms"), test::metric(sim, "latency_p50_ms"),
                                 test::metric(sim, "latency_p99_ms")};
  };
  const auto fifo = run("");
  const auto lifo = run(R"(, "discipline": "lifo")");
  CHECK(fifo[0] == Approx(200).epsilon(0.1));
  CHECK(lifo[0] == Approx(fifo[0]).epsilon(0.05));
  CHECK(lifo[1] < 0.8 * fifo[1]);
  CHECK(lifo[2] > 1.5 * fifo[2]);
  // Adaptive LIFO: a threshold no queue reaches is FIFO, to the byte; 0 is LIFO.
  CHECK(run(R"(, "discipline": "adaptive_lifo", "lifo_threshold": 100000)") == fifo);
  CHECK(run(R"(, "discipline": "adaptive_lifo", "lifo_threshold": 0)") == lifo);
}
