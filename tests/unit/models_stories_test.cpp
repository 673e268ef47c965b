// The library's stories of model providers and load shedding (scenarios/load-shedding.json,
// token-limit-context.json): what each description promises, with its own seed and one
// other.
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

constexpr SimDuration H = kMicrosPerHour;

double value(const Simulation& sim, const std::string& name) { return test::metric(sim, name); }

}  // namespace

TEST_CASE("load-shedding: shedding keeps the critical tenant within its objectives through the surge; without it "
          "every tenant waits",
          "[models][library]") {
  for (const std::uint64_t offset : {0, 1}) {
    INFO("seed offset " << offset);
    Scenario s = test::must_load(test::read_text("scenarios/load-shedding.json"));
    test::RecordedRun run(s, s.seed + offset);
    Simulation& shedding = run.sim;
    const test::EventRecorder& events = run.events;
    shedding.run();
    CHECK(value(shedding, "tenant.hospital.latency_p95_ms") < 1000);
    CHECK(value(shedding, "tenant.hospital.availability_percent") == 100);
    CHECK(value(shedding, "tenant.hospital.requests_shed") == 0);
    CHECK(value(shedding, "tenant.batch.requests_shed") > 0.1 * value(shedding, "tenant.batch.requests_total"));
    const LogEvent* started = events.first(EventKind::shedding_started);
    REQUIRE(started != nullptr);
    CHECK(events.count(EventKind::shedding_ended) >= 1);
    // Without shed_at the queue fills and every tenant waits out its timeout.
    s.services[0].shed_sheddable_at = s.services[0].shed_default_at = -1;
    Simulation plain(s, s.seed + offset);
    plain.run();
    CHECK(value(plain, "tenant.hospital.latency_p95_ms") > 10000);
    CHECK(value(plain, "tenant.hospital.availability_percent") < 99);
  }
}

TEST_CASE("token-limit-context: the bloated context passes the provider's token limit from 01:00 on, not before",
          "[models][library]") {
  for (const std::uint64_t offset : {0, 1}) {
    INFO("seed offset " << offset);
    Scenario s = test::must_load(test::read_text("scenarios/token-limit-context.json"));
    test::RecordedRun run(s, s.seed + offset);
    Simulation& sim = run.sim;
    const test::EventRecorder& events = run.events;
    sim.run_until(H);
    // The first hour: about 1,300 input tokens a call (500 drawn plus 800 of context), no 429.
    CHECK(value(sim, "service.model-api.requests_failed_throttled") == 0);
    CHECK(value(sim, "availability_percent") == 100);
    const double calls_first = value(sim, "agent.answer.requests_succeeded");
    const double tokens_first = value(sim, "tokens_in");
    CHECK(tokens_first / calls_first == Approx(800 + 500 * 1.2).epsilon(0.15));  // the lognormal's mean is above its median
    sim.run();
    // The second: the manual's 12,000 tokens in every call, four times the limit.
    const double calls_second = value(sim, "agent.answer.requests_succeeded") - calls_first;
    const double tokens_second = value(sim, "tokens_in") - tokens_first;
    CHECK(tokens_second / calls_second > 12800);
    CHECK(value(sim, "service.model-api.requests_failed_throttled") > calls_second);
    CHECK(value(sim, "availability_percent") < 80);
    const LogEvent* started = events.first(EventKind::throttling_started);
    REQUIRE(started != nullptr);
    CHECK(started->t >= H);
  }
}
