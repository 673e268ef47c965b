// Regression tests for what the fuzzers (fuzz/) found: one minimal input per finding in
// tests/scenarios/fuzz/, loaded and run here with the behaviour it must have. In the
// sanitize build (make sanitize) these also run under ASan and UBSan, which is where the
// original faults showed; everywhere else they check the behaviour.
#include <limits>
#include <string>

#include "test_support.h"

using namespace opsim;

namespace {

// Loads a fixture that must be valid and runs it to its end.
struct Run {
  explicit Run(const std::string& file)
      : scenario(test::must_load(test::read_text("tests/scenarios/fuzz/" + file))), sim(scenario, scenario.seed) {
    sim.run();
  }
  Scenario scenario;
  Simulation sim;
};

}  // namespace

TEST_CASE("fuzz: a rate so small that the next arrival lies beyond int64 microseconds sends nothing", "[fuzz]") {
  // Found by fuzz_simulation: exponential gaps of about 1e20 s were cast to int64
  // microseconds (undefined behaviour); from_seconds now saturates.
  Run r("tiny_rate_arrival_gap.json");
  CHECK(r.sim.finished());
  CHECK(test::metric(r.sim, "requests_total") == 0);
  CHECK(from_seconds(1e20) == SimDuration{1} << 62);
  CHECK(from_seconds(std::numeric_limits<double>::infinity()) == SimDuration{1} << 62);
  CHECK(from_seconds(1.5) == 1500000);
}

TEST_CASE("fuzz: overlapping traffic_spike faults count towards the expected-requests limit", "[fuzz]") {
  // Found by fuzz_simulation: four x10000 spikes on 200 requests per second were accepted
  // (the limit read only load patterns) and the run then took hours.
  const LoadResult r = load_scenario(test::read_text("tests/scenarios/fuzz/overlapping_traffic_spikes.json"));
  REQUIRE_FALSE(r.ok);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].path == "$.tenants");
  CHECK_THAT(r.errors[0].message, Catch::Contains("kMaxExpectedRequests"));
}

TEST_CASE("fuzz: concurrent chaos traffic spikes count towards the expected-requests limit", "[fuzz]") {
  const std::string text = test::read_text("tests/scenarios/fuzz/chaos_traffic_spikes.json");
  const LoadResult r = load_scenario(text);
  REQUIRE_FALSE(r.ok);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].path == "$.tenants");
  CHECK_THAT(r.errors[0].message, Catch::Contains("kMaxExpectedRequests"));
  // One experiment's steps run one after another: the same spike three times in a row
  // counts once, and 200 x 10000 requests per second for a minute is within the limit.
  const std::string step =
      R"({"fault": {"type": "traffic_spike", "tenant": "tenant", "multiplier": 10000}, "duration": "10s"})";
  const std::string sequential = R"({"schema": "opsim/1", "name": "sequential spikes", "duration": "1m",
    "services": [{"id": "svc"}],
    "agents": [{"id": "agent", "service": "svc", "work": {"dist": "constant", "value": "1s"}}],
    "tenants": [{"id": "tenant", "load": [{"agent": "agent", "rate": 200}]}],
    "chaos": [{"id": "surge", "at": "30s", "hypothesis": {"probes": [{"metric": "availability_percent", "tolerance": [0, 100]}]},
               "method": [)" + step +
                                 "," + step + "," + step + "]}]}";
  test::must_load(sequential);
}
