// Scaling policies read from Kubernetes HPA manifests (autoscaling/v2): a manifest is the
// target_tracking policy it is equivalent to, with Kubernetes' defaults where it is silent,
// and a run with it is the run with that policy, metric for metric.
#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "report/event_json.h"
#include "scaling/hpa.h"
#include "scenario/loader.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// hpa-tuned.json with its policy replaced by `policy` (JSON).
std::string hpa_tuned_with(const std::string& policy) {
  std::string text = test::read_text("scenarios/hpa-tuned.json");
  const std::string native =
      R"({"id": "hpa", "kind": "target_tracking", "metric": "cpu_utilization", "target": 60,
      "behavior": {"scale_down": {"stabilization_window": "10m"}}})";
  const std::size_t at = text.find(native);
  REQUIRE(at != std::string::npos);
  return text.replace(at, native.size(), policy);
}

LoadResult load(const std::string& text, const FileReader& reader) {
  LoadResult r = load_scenario(text, reader);
  std::string errors;
  for (const auto& d : r.errors) errors += format_diagnostic(d, "scenario", "error") + "\n";
  INFO(errors);
  return r;
}

const ScalingPolicySpec& only_policy(const LoadResult& r) {
  REQUIRE(r.ok);
  REQUIRE(r.scenario.scaling.size() == 1);
  REQUIRE(r.scenario.scaling[0].policies.size() == 1);
  return r.scenario.scaling[0].policies[0];
}

// Every sample row and every event of a run.
struct Trace : SimObserver {
  std::vector<std::vector<double>> rows;
  std::vector<std::string> events;
  void on_sample(SimTime, const std::vector<double>& row) override { rows.push_back(row); }
  void on_log(const LogEvent& e) override { events.push_back(event_json(e)); }
};

Trace run(const Scenario& s, SimTime until) {
  Trace t;
  Simulation sim(s, s.seed);
  sim.add_observer(&t);
  sim.run_until(until);
  t.rows.push_back(sim.summary_values());
  return t;
}

std::string manifest(const std::string& spec_body) {
  return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: w\nspec:\n"
         "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: workers}\n" + spec_body;
}

// The first error, as opsim prints it.
std::string first_error(const std::string& scenario, const FileReader& reader) {
  const LoadResult r = load_scenario(scenario, reader);
  REQUIRE_FALSE(r.ok);
  return format_diagnostic(r.errors.front(), "scenario.json", "error");
}

}  // namespace

TEST_CASE("hpa-tuned with its manifest gives exactly the run of its native target_tracking policy") {
  const LoadResult native = load(test::read_text("scenarios/hpa-tuned.json"), {});
  const LoadResult from_file =
      load(hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": "hpa-tuned.yaml"})"), test::files_in("scenarios/"));
  const ScalingPolicySpec& a = only_policy(native);
  const ScalingPolicySpec& b = only_policy(from_file);
  CHECK(b.kind == ScalingPolicySpec::Kind::target_tracking);
  CHECK(b.metric == a.metric);
  CHECK(b.target == a.target);
  CHECK(b.target_type == ScalingPolicySpec::TargetType::utilization);
  CHECK(b.tolerance == a.tolerance);
  CHECK(b.scale_down.stabilization_window == 600 * kMicrosPerSecond);
  CHECK(b.manifest == "hpa-tuned.yaml");
  CHECK(b.manifest_name == "workers");
  CHECK(b.min_instances == 2);
  CHECK(b.max_instances == 40);

  const SimTime until = 3 * kMicrosPerHour;
  const Trace x = run(native.scenario, until);
  const Trace y = run(from_file.scenario, until);
  REQUIRE(x.rows.size() > 100);
  CHECK(x.rows == y.rows);
  CHECK(x.events == y.events);
  // The run scales: the comparison is of something.
  CHECK(std::count_if(x.events.begin(), x.events.end(), [](const std::string& e) {
          return e.find("\"policy\":\"hpa\"") != std::string::npos;
        }) > 2);
}

TEST_CASE("A manifest inline, in kubectl's JSON, is the same policy as its YAML file") {
  const std::string json_manifest = R"({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "workers"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "workers"},
             "minReplicas": 2, "maxReplicas": 40,
             "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}],
             "behavior": {"scaleDown": {"stabilizationWindowSeconds": 600}}}})";
  const LoadResult inline_ = load(hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": )" + json_manifest + "}"), {});
  const LoadResult in_json_file =
      load(hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": "hpa.json"})"), test::named_files({{"hpa.json", json_manifest}}));
  const LoadResult in_yaml_file = load(hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": "hpa-tuned.yaml"})"),
                                       test::files_in("scenarios/"));
  for (const LoadResult* r : {&inline_, &in_json_file}) {
    const ScalingPolicySpec& p = only_policy(*r);
    const ScalingPolicySpec& q = only_policy(in_yaml_file);
    CHECK(p.metric == q.metric);
    CHECK(p.target == q.target);
    CHECK(p.min_instances == q.min_instances);
    CHECK(p.max_instances == q.max_instances);
    CHECK(p.scale_down.stabilization_window == q.scale_down.stabilization_window);
    CHECK(p.scale_up.policies.size() == q.scale_up.policies.size());
  }
  CHECK(only_policy(inline_).manifest == "inline");
}

TEST_CASE("A manifest's silences are Kubernetes' defaults") {
  const LoadResult r = load(hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": "m.yaml"})"),
                            test::named_files({{"m.yaml", manifest("  maxReplicas: 10\n")}}));
  const ScalingPolicySpec& p = only_policy(r);
  CHECK(p.metric == "cpu_utilization");  // no metrics: cpu at 80 % utilization
  CHECK(p.target == 80);
  CHECK(p.min_instances == 1);
  CHECK(p.max_instances == 10);
  CHECK(p.tolerance == 0.1);
  CHECK(p.scale_up.stabilization_window == 0);
  CHECK(p.scale_down.stabilization_window == 300 * kMicrosPerSecond);
  REQUIRE(p.scale_up.policies.size() == 2);  // max(100 %, 4 pods) per 15 s
  CHECK(p.scale_up.policies[0].type == BehaviorPolicySpec::Type::percent);
  CHECK(p.scale_up.policies[0].value == 100);
  CHECK(p.scale_up.policies[1].type == BehaviorPolicySpec::Type::instances);
  CHECK(p.scale_up.policies[1].value == 4);
  CHECK(p.scale_up.policies[1].period == 15 * kMicrosPerSecond);
  REQUIRE(p.scale_down.policies.size() == 1);
  CHECK(p.scale_down.policies[0].value == 100);
  CHECK(p.scale_up.select == BehaviorRulesSpec::Select::max);
}

TEST_CASE("A manifest's metrics and behaviour map onto the policy") {
  auto policy = [](const std::string& spec_body) {
    const LoadResult r = load(hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": "m.yaml"})"),
                              test::named_files({{"m.yaml", manifest(spec_body)}}));
    return only_policy(r);
  };
  SECTION("Resource AverageValue: usage per instance against the instance's size (4 cores, 8192 MiB)") {
    const ScalingPolicySpec cpu = policy(
        "  maxReplicas: 9\n  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n"
        "      target: {type: AverageValue, averageValue: 1500m}\n");
    CHECK(cpu.metric == "cpu_utilization");
    CHECK(cpu.target == Approx(37.5));
    const ScalingPolicySpec memory = policy(
        "  maxReplicas: 9\n  metrics:\n  - type: Resource\n    resource:\n      name: memory\n"
        "      target: {type: AverageValue, averageValue: 6Gi}\n");
    CHECK(memory.metric == "memory_utilization");
    CHECK(memory.target == Approx(75));
  }
  SECTION("Pods, Object and External: the metric, its scope and its target type") {
    using T = ScalingPolicySpec::TargetType;
    struct Case {
      const char* metric_yaml;  // one item of spec.metrics
      const char* metric;
      double target;
      T type;
    };
    const Case cases[] = {
        // Pods: a figure per ready instance.
        {"type: Pods\n    pods: {metric: {name: request_rate}, target: {type: AverageValue, averageValue: \"2.5\"}}",
         "request_rate", 2.5, T::average_value},
        // Pods on a PromQL series: the service's, and the selector's labels.
        {"type: Pods\n    pods: {metric: {name: \"queue:per_pod\", selector: {matchLabels: {tier: gold}}},"
         " target: {type: AverageValue, averageValue: 3}}",
         "queue:per_pod{service=\"workers\",tier=\"gold\"}", 3, T::average_value},
        // Object: the metric of the object it describes, a service or (a Namespace) a tenant.
        {"type: Object\n    object: {describedObject: {apiVersion: v1, kind: Service, name: workers},"
         " metric: {name: queue_depth}, target: {type: Value, value: 30}}",
         "service.workers.queue_depth", 30, T::value},
        {"type: Object\n    object: {describedObject: {kind: Namespace, name: batch},"
         " metric: {name: request_rate}, target: {type: AverageValue, averageValue: 2}}",
         "tenant.batch.request_rate", 2, T::average_value},
        // External: the selector's scope, or the global metric.
        {"type: External\n    external: {metric: {name: request_rate, selector: {matchLabels: {tenant: batch}}},"
         " target: {type: AverageValue, averageValue: 1k}}",
         "tenant.batch.request_rate", 1000, T::average_value},
        {"type: External\n    external: {metric: {name: queue_depth}, target: {type: Value, value: 40}}", "queue_depth", 40,
         T::value},
    };
    for (const Case& c : cases) {
      INFO(c.metric_yaml);
      const ScalingPolicySpec p = policy(std::string("  maxReplicas: 9\n  metrics:\n  - ") + c.metric_yaml + "\n");
      CHECK(p.metric == c.metric);
      CHECK(p.target == c.target);
      CHECK(p.target_type == c.type);
      CHECK(p.series == (std::string(c.metric).find('{') != std::string::npos ? c.metric : ""));
    }
  }
  SECTION("YAML merge keys: a direction's rules shared through an anchor, overridden where given") {
    const ScalingPolicySpec p = policy(
        "  maxReplicas: 9\n  behavior:\n    scaleUp: &rules {stabilizationWindowSeconds: 30, selectPolicy: Min}\n"
        "    scaleDown:\n      <<: *rules\n      selectPolicy: Disabled\n");
    CHECK(p.scale_down.stabilization_window == 30 * kMicrosPerSecond);
    CHECK(p.scale_down.select == BehaviorRulesSpec::Select::disabled);
    CHECK(p.scale_up.select == BehaviorRulesSpec::Select::min);
  }
  SECTION("behavior: policies, selectPolicy, tolerance") {
    const ScalingPolicySpec p = policy(
        "  maxReplicas: 9\n  behavior:\n    scaleUp:\n      selectPolicy: Min\n      tolerance: 50m\n"
        "      policies:\n      - {type: Pods, value: 2, periodSeconds: 60}\n      - {type: Percent, value: 50, periodSeconds: 30}\n"
        "    scaleDown:\n      selectPolicy: Disabled\n");
    CHECK(p.scale_up.select == BehaviorRulesSpec::Select::min);
    REQUIRE(p.scale_up.tolerance.has_value());
    CHECK(*p.scale_up.tolerance == Approx(0.05));
    REQUIRE(p.scale_up.policies.size() == 2);
    CHECK(p.scale_up.policies[0].type == BehaviorPolicySpec::Type::instances);
    CHECK(p.scale_up.policies[0].value == 2);
    CHECK(p.scale_up.policies[0].period == 60 * kMicrosPerSecond);
    CHECK(p.scale_up.policies[1].type == BehaviorPolicySpec::Type::percent);
    CHECK(p.scale_down.select == BehaviorRulesSpec::Select::disabled);
    CHECK(p.scale_down.policies.size() == 1);  // kept: Kubernetes' default
  }
}

TEST_CASE("A manifest's minReplicas holds the fleet up within the service's bounds") {
  // The service allows 2 to 40; the manifest 6 to 8: the HPA keeps the pool there.
  const LoadResult r = load(hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": "m.yaml"})"),
                            test::named_files({{"m.yaml", manifest("  minReplicas: 6\n  maxReplicas: 8\n"
                                                       "  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n"
                                                       "      target: {type: Utilization, averageUtilization: 60}\n")}}));
  REQUIRE(r.ok);
  Simulation sim(r.scenario, r.scenario.seed);
  const int col = sim.metrics().find("instances");
  REQUIRE(col >= 0);
  struct Watch : SimObserver {
    int col = -1;
    double lo = 1e9, hi = 0;
    void on_sample(SimTime t, const std::vector<double>& row) override {
      if (t < 10 * kMicrosPerMinute) return;  // the first minutes start from the service's 2 and scale up
      lo = std::min(lo, row[static_cast<std::size_t>(col)]);
      hi = std::max(hi, row[static_cast<std::size_t>(col)]);
    }
    void on_log(const LogEvent&) override {}
  } watch;
  watch.col = col;
  sim.add_observer(&watch);
  sim.run_until(2 * kMicrosPerHour);
  CHECK(watch.lo >= 6);
  CHECK(watch.hi == 8);  // the bursts need more: the manifest's maximum holds them
}

TEST_CASE("A manifest that opsim cannot honour, or Kubernetes would refuse, is refused at its line") {
  const std::string scenario = hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": "m.yaml"})");
  auto error_for = [&](const std::string& text) { return first_error(scenario, test::named_files({{"m.yaml", text}})); };

  CHECK(error_for(manifest("  maxReplicas: 5\n  minReplica: 2\n")) ==
        "m.yaml:8:15: error: spec.minReplica: unknown field \"minReplica\" (expected one of: scaleTargetRef, minReplicas, "
        "maxReplicas, metrics, behavior) (in the file that $.scaling.policies[0].manifest names)");
  CHECK(error_for(manifest("  maxReplicas: 5\n  metrics:\n  - type: ContainerResource\n")).find(
            "m.yaml:9:11: error: spec.metrics[0].type: expected Resource, Pods, Object or External, found \"ContainerResource\"") == 0);
  CHECK(error_for(manifest("  maxReplicas: 1\n  minReplicas: 3\n")).find("spec.maxReplicas: expected a count not below minReplicas (3)") !=
        std::string::npos);
  CHECK(error_for(manifest("  maxReplicas: 5\n  behavior:\n    scaleUp:\n      policies:\n      - {type: Instances, value: 2, periodSeconds: 60}\n"))
            .find("spec.behavior.scaleUp.policies[0].type: expected one of \"Percent\", \"Pods\", found \"Instances\"") !=
        std::string::npos);
  CHECK(error_for(manifest("  maxReplicas: 5\n  behavior:\n    scaleDown: {stabilizationWindowSeconds: 7200}\n"))
            .find("spec.behavior.scaleDown.stabilizationWindowSeconds: expected an integer from 0 to 3600, found 7200") !=
        std::string::npos);
  CHECK(error_for(manifest("  maxReplicas: 5\n  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Value, value: 3}}\n"))
            .find("expected one of \"Utilization\", \"AverageValue\", found \"Value\"") != std::string::npos);
  CHECK(error_for(manifest("  maxReplicas: 5\n  metrics:\n  - type: Pods\n    pods:\n      metric: {name: request_rate, selector: {matchLabels: {a: b}}}\n"
                           "      target: {type: AverageValue, averageValue: 2}\n"))
            .find("spec.metrics[0].pods.metric.selector: expected no selector") != std::string::npos);
  CHECK(error_for(manifest("  maxReplicas: 5\n  metrics:\n  - type: Object\n    object:\n      describedObject: {kind: Service, name: api}\n"
                           "      metric: {name: queue_depth}\n      target: {type: Value, value: 3}\n"))
            .find("spec.metrics[0].object.describedObject.name: expected the id of a service (\"workers\"), found \"api\"") !=
        std::string::npos);
  CHECK(error_for(manifest("  maxReplicas: 5\n  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: AverageValue, averageValue: 2 cores}}\n"))
            .find("expected a quantity such as 2") != std::string::npos);
  CHECK(error_for("apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nspec: {maxReplicas: 3}\n")
            .find("m.yaml:1:13: error: apiVersion: expected \"autoscaling/v2\" (kubectl get hpa NAME -o yaml prints v2") == 0);
  CHECK(error_for("spec: {maxReplicas: 3\n").find("m.yaml:2:1: error: $: expected YAML, found a syntax error") == 0);
  CHECK(error_for(manifest("  maxReplicas: 5\n  behavior:\n    scaleUp:\n      <<: 3\n"))
            .find("m.yaml:10:11: error: spec.behavior.scaleUp: expected a mapping or a list of mappings to merge (<<), found \"3\"") == 0);
  CHECK(error_for(manifest("  maxReplicas: 5\n  maxReplicas: 6\n")).find("duplicate field \"maxReplicas\" (first at line 7)") !=
        std::string::npos);

  // The file itself: missing, or no way to read files.
  CHECK(first_error(scenario, test::named_files({})).find("$.scaling.policies[0].manifest: cannot read \"m.yaml\": no such file") !=
        std::string::npos);
  CHECK(first_error(scenario, {}).find("files a scenario names are read when it is opened from a file") != std::string::npos);
}

TEST_CASE("A native target_tracking policy on an Object metric takes target_type average_value") {
  const std::string text = hpa_tuned_with(
      R"({"id": "hpa", "kind": "target_tracking", "metric": "service.workers.request_rate", "target": 2, "target_type": "average_value"})");
  const LoadResult r = load(text, {});
  CHECK(only_policy(r).target_type == ScalingPolicySpec::TargetType::average_value);
  const std::string wrong = hpa_tuned_with(
      R"({"id": "hpa", "kind": "target_tracking", "metric": "cpu_utilization", "target": 60, "target_type": "value"})");
  CHECK(first_error(wrong, {}).find("target_type: expected no target_type for \"cpu_utilization\"") != std::string::npos);
}

TEST_CASE("A manifest's several metrics: each proposes a count, the largest is followed") {
  const LoadResult r = load(hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": "m.yaml"})"),
                            test::named_files({{"m.yaml", manifest("  maxReplicas: 9\n  metrics:\n"
                                                       "  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}\n"
                                                       "  - type: Pods\n    pods: {metric: {name: queue_depth}, target: {type: AverageValue, averageValue: 4}}\n")}}));
  const ScalingPolicySpec& p = only_policy(r);
  CHECK(p.metric == "cpu_utilization");
  REQUIRE(p.more_metrics.size() == 1);
  CHECK(p.more_metrics[0].metric == "queue_depth");
  CHECK(p.more_metrics[0].target == 4);
  CHECK(p.more_metrics[0].target_type == ScalingPolicySpec::TargetType::average_value);

  // The controller (horizontal.go's computeReplicasForMetrics): the largest proposal wins; a
  // metric without a value proposes nothing, and while one has none a scale-down waits.
  ScalingPolicySpec spec;
  spec.kind = ScalingPolicySpec::Kind::target_tracking;
  spec.scale_down.stabilization_window = 0;
  auto cpu = [](double average, int ready) {
    scaling::HpaMetric m = scaling::HpaMetric::utilization(scaling::HpaPods::aggregate(ready, average));
    m.name = "cpu_utilization";
    m.goal = 50;
    return m;
  };
  scaling::HpaMetric queue = scaling::HpaMetric::object_value(30, 3);
  queue.name = "queue_depth";
  queue.goal = 10;  // 3 ready x 30 / 10 = 9
  scaling::HpaMetric none = scaling::HpaMetric::object_value(std::numeric_limits<double>::quiet_NaN(), 3);
  none.name = "missing";
  none.goal = 1;
  {
    scaling::HpaController c(spec, 1, 20);
    const scaling::HpaDecision d = c.recommend(0, 3, std::vector<scaling::HpaMetric>{cpu(100, 3), queue});
    CHECK(d.metric_desired == 9);  // cpu wants 6, the queue 9
    CHECK(d.reason.find("Of the metrics' counts (cpu_utilization 6, queue_depth 9), the largest is taken.") != std::string::npos);
  }
  {
    scaling::HpaController c(spec, 1, 20);
    CHECK(c.recommend(0, 3, std::vector<scaling::HpaMetric>{cpu(100, 3), none}).desired == 6);  // a scale-up goes ahead
  }
  {
    scaling::HpaController c(spec, 1, 20);
    c.recommend(0, 5, std::vector<scaling::HpaMetric>{cpu(28, 5), none});
    const scaling::HpaDecision d = c.recommend(kMicrosPerMinute, 5, std::vector<scaling::HpaMetric>{cpu(28, 5), none});
    CHECK(d.desired == 5);  // 28 % of 50 would be 3 instances: it waits for the missing metric
    scaling::HpaController e(spec, 1, 20);
    e.recommend(0, 5, std::vector<scaling::HpaMetric>{cpu(28, 5)});
    CHECK(e.recommend(kMicrosPerMinute, 5, std::vector<scaling::HpaMetric>{cpu(28, 5)}).desired == 3);
  }
  {
    scaling::HpaController c(spec, 1, 20);
    const scaling::HpaDecision d = c.recommend(0, 4, std::vector<scaling::HpaMetric>{none, none});
    CHECK(d.no_metric);
    CHECK(d.desired == 4);
  }
}

TEST_CASE("A Pods metric on a PromQL series scales like the native policy on that series") {
  // Busy slots per pod (opsim_busy_slots is the service's gauge): 3 of each instance's 4.
  const LoadResult from_manifest = load(
      hpa_tuned_with(R"({"id": "hpa", "kind": "kubernetes", "manifest": "m.yaml"})"),
      test::named_files({{"m.yaml", manifest("  minReplicas: 2\n  maxReplicas: 40\n  metrics:\n"
                                             "  - type: Pods\n    pods: {metric: {name: opsim_busy_slots}, target: {type: AverageValue, averageValue: 3}}\n")}}));
  const LoadResult native = load(
      hpa_tuned_with(R"({"id": "hpa", "kind": "target_tracking", "series": "opsim_busy_slots{service=\"workers\"}", "target": 3,
                         "behavior": {"scale_down": {"stabilization_window": "5m"}}})"),
      {});
  const ScalingPolicySpec& m = only_policy(from_manifest);
  const ScalingPolicySpec& n = only_policy(native);
  CHECK(m.series == "opsim_busy_slots{service=\"workers\"}");
  CHECK(n.series == m.series);
  CHECK(n.target_type == ScalingPolicySpec::TargetType::average_value);
  Scenario bounded = native.scenario;
  bounded.scaling[0].policies[0].min_instances = 2;
  bounded.scaling[0].policies[0].max_instances = 40;
  const SimTime until = 3 * kMicrosPerHour;
  const Trace x = run(bounded, until);
  const Trace y = run(from_manifest.scenario, until);
  CHECK(x.rows == y.rows);
  CHECK(x.events == y.events);
  // The series drives the decisions: their reasons quote it, and the fleet moves.
  const auto scaled = std::count_if(y.events.begin(), y.events.end(), [](const std::string& e) {
    return e.find("\"policy\":\"hpa\"") != std::string::npos &&
           e.find("opsim_busy_slots{service=\\\"workers\\\"}") != std::string::npos;
  });
  CHECK(scaled > 2);

  // A series that is not PromQL, or not an instant vector, is refused at its path.
  const LoadResult broken = load_scenario(
      hpa_tuned_with(R"~({"id": "hpa", "kind": "target_tracking", "series": "sum(rate(x[5m])", "target": 3})~"));
  REQUIRE_FALSE(broken.ok);
  CHECK(broken.errors.front().path == "$.scaling.policies[0].series");
  CHECK(broken.errors.front().message.find("expected a PromQL expression, found an error at column") == 0);
  const LoadResult ranged = load_scenario(
      hpa_tuned_with(R"({"id": "hpa", "kind": "target_tracking", "series": "x[5m]", "target": 3})"));
  REQUIRE_FALSE(ranged.ok);
  CHECK(ranged.errors.front().message.find("found range vector") != std::string::npos);

  // A series that returns nothing is a metric without a value: the HPA holds the fleet.
  const LoadResult none = load(
      hpa_tuned_with(R"({"id": "hpa", "kind": "target_tracking", "series": "no_such_series{service=\"workers\"}", "target": 3})"),
      {});
  const Trace z = run(only_policy(none).series.empty() ? native.scenario : none.scenario, until);
  CHECK(std::none_of(z.events.begin(), z.events.end(), [](const std::string& e) {
    return e.find("\"policy\":\"hpa\"") != std::string::npos;
  }));
}
