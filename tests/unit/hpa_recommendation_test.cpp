// The scaling report's recommendation for a pool as an HPA manifest (`opsim run --manifest`):
// its replicas follow the run's busy slots, a saturated pool gets room, a flapping one a
// longer scale-down window, and opsim reads the manifest back as the policy it describes.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "report/hpa_manifest.h"
#include "scenario/loader.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// One service of `instances` fixed instances of 4 slots, a constant `rate` of 1 s requests.
Scenario fixed_pool(int instances, double rate, const std::string& scaling = "") {
  const std::string n = std::to_string(instances);
  return test::must_load(R"({"schema": "opsim/1", "name": "pool", "duration": "2h",
    "services": [{"id": "api", "instance": {"concurrency": 4}, "instances": {"initial": )" + n + ", \"min\": " + n +
                         ", \"max\": " + n + R"(}, "queue": {"capacity": 100000, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "api", "work": {"dist": "constant", "value": "1s"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
                           "max_requests_per_minute": 10000000},
                 "load": [{"agent": "a", "rate": )" + std::to_string(rate) + "}]}]" + scaling + "}");
}

}  // namespace

TEST_CASE("the recommended replicas hold the target over the run's busy slots") {
  // 6 req/s of 1 s on 4-slot instances: 1.5 instances' worth of busy slots, steady.
  const Scenario s = fixed_pool(4, 6);
  Simulation sim(s, 1);
  sim.run();
  HpaRecommendation r;
  std::string why;
  REQUIRE(recommend_hpa(sim, "api", r, why));
  CHECK(r.target_percent == 80);  // no policy: Kubernetes' default
  CHECK_FALSE(r.saturated);
  CHECK(r.scale_down_stabilization_s == -1);
  // Poisson arrivals: the busiest minute needs ceil(work / 0.8) replicas, above the mean's 2.
  CHECK(r.peak_work > 1.5);
  CHECK(r.trough_work < 1.5);
  CHECK(r.max_replicas == static_cast<int>(std::ceil(r.peak_work / 0.8 - 1e-9)));
  CHECK(r.min_replicas == static_cast<int>(std::ceil(r.trough_work / 0.8 - 1e-9)));
  CHECK(r.min_replicas <= 2);
  CHECK(r.max_replicas >= 2);

  // What it prints is a manifest opsim reads back as the policy it describes.
  const std::string yaml = hpa_manifest_yaml(r);
  const LoadResult back = load_scenario(
      R"({"schema": "opsim/1", "name": "back", "duration": "1h",
          "services": [{"id": "api", "instance": {"concurrency": 4}, "instances": {"initial": 2, "min": 1, "max": 20}}],
          "agents": [{"id": "a", "service": "api", "work": {"dist": "constant", "value": "1s"}}],
          "tenants": [{"id": "t", "load": [{"agent": "a", "rate": 6}]}],
          "scaling": {"service": "api", "policies": [{"id": "hpa", "kind": "kubernetes", "manifest": "hpa.yaml"}]}})",
      test::named_files({{"hpa.yaml", yaml}}));
  REQUIRE(back.ok);
  const ScalingPolicySpec& p = back.scenario.scaling.at(0).policies.at(0);
  CHECK(p.metric == "cpu_utilization");
  CHECK(p.target == 80);
  CHECK(p.min_instances == r.min_replicas);
  CHECK(p.max_instances == r.max_replicas);
  CHECK(p.manifest_name == "api");

  CHECK_FALSE(recommend_hpa(sim, "nope", r, why));
  CHECK(why == "no service of the scenario is \"nope\"");
}

TEST_CASE("a saturated pool gets room beyond its measured peak, and a policy's target is kept") {
  // 20 req/s of 1 s on 2 instances of 4 slots: busy to the last slot, the queue growing.
  const Scenario s = fixed_pool(2, 20, R"(, "scaling": {"service": "api", "policies": [
      {"id": "tt", "kind": "target_tracking", "metric": "cpu_utilization", "target": 50}]})");
  Simulation sim(s, 1);
  sim.run();
  HpaRecommendation r;
  std::string why;
  REQUIRE(recommend_hpa(sim, "api", r, why));
  CHECK(r.target_percent == 50);
  CHECK(r.saturated);
  CHECK(r.peak_work > 1.9);  // about all a full pool can show
  CHECK(r.peak_work <= 2);
  // ceil(2 / 0.5) = 4 measured, with kSaturatedMargin more: 5.
  CHECK(r.max_replicas == static_cast<int>(std::ceil(4 * (1 + kSaturatedMargin))));
  const std::string yaml = hpa_manifest_yaml(r);
  CHECK(yaml.find("averageUtilization: 50\n") != std::string::npos);
  CHECK(yaml.find("the pool sat at its maximum of 2 instances") != std::string::npos);
}
