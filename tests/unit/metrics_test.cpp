// The latency histogram's stated error, merging, and the registry's columns.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "builtin.h"
#include "engine/random.h"
#include "metrics/histogram.h"
#include "metrics/metric_catalog.h"
#include "metrics/registry.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

TEST_CASE("histogram quantiles are within the stated relative error of exact ones", "[metrics]") {
  Rng rng(21);
  LatencyHistogram h;
  std::vector<std::int64_t> xs;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<std::int64_t>(std::exp(rng.uniform_open() * 20));  // 1 us .. 8 min
    xs.push_back(v);
    h.record(v);
  }
  std::sort(xs.begin(), xs.end());
  for (double q : {0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    const std::size_t rank = static_cast<std::size_t>(std::max(1.0, std::ceil(q * static_cast<double>(xs.size()))));
    const double exact = static_cast<double>(xs[rank - 1]);
    INFO("q = " << q);
    CHECK(std::fabs(h.quantile_us(q) - exact) <= LatencyHistogram::kRelativeError * exact + 0.5);
  }
  CHECK(h.count() == 100000);
  CHECK(h.max_us() == xs.back());
}

TEST_CASE("small values are exact and buckets tile the line", "[metrics]") {
  for (std::int64_t v = 0; v < 128; ++v) CHECK(LatencyHistogram::bucket_midpoint_us(LatencyHistogram::bucket_of(v)) == v);
  int previous = -1;
  for (std::int64_t v = 1; v < (std::int64_t{1} << 30); v = v * 3 / 2 + 1) {
    const int b = LatencyHistogram::bucket_of(v);
    CHECK(b >= previous);
    previous = b;
    const double mid = LatencyHistogram::bucket_midpoint_us(b);
    CHECK(std::fabs(mid - static_cast<double>(v)) <= LatencyHistogram::kRelativeError * static_cast<double>(v) + 0.5);
  }
}

TEST_CASE("merged histograms equal one histogram of all samples", "[metrics]") {
  Rng rng(4);
  LatencyHistogram a, b, all;
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<std::int64_t>(rng.exponential(50000));
    (i % 3 ? a : b).record(v);
    all.record(v);
  }
  for (double q : {0.5, 0.95, 0.99}) CHECK(LatencyHistogram::quantile_us(a, b, q) == all.quantile_us(q));
  a.merge(b);
  for (double q : {0.5, 0.95, 0.99}) CHECK(a.quantile_us(q) == all.quantile_us(q));
  a.clear();
  CHECK(a.count() == 0);
  CHECK(a.quantile_us(0.5) == 0);
}

namespace {

// The definition of LatencyHistogram::quantile_us, from the recorded values: the smallest
// bucket whose cumulative count reaches ceil(q x count) (at least 1), at its midpoint,
// never above the largest value.
double reference_quantile_us(const std::vector<std::int64_t>& values, double q) {
  if (values.empty()) return 0;
  std::vector<int> buckets;
  for (std::int64_t v : values) buckets.push_back(LatencyHistogram::bucket_of(v));
  std::sort(buckets.begin(), buckets.end());
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(q * static_cast<double>(values.size()))));
  const double max_us = static_cast<double>(*std::max_element(values.begin(), values.end()));
  return std::min(LatencyHistogram::bucket_midpoint_us(buckets[rank - 1]), max_us);
}

}  // namespace

TEST_CASE("several quantiles in one walk (up for the low ones, down for the tail) match the definition",
          "[metrics]") {
  Rng rng(77);
  const double qs[] = {0.0, 0.01, 0.5, 0.5000001, 0.9, 0.95, 0.99, 0.999, 1.0};
  for (int round = 0; round < 300; ++round) {
    LatencyHistogram a, b;
    std::vector<std::int64_t> in_a, in_both;
    const int n = static_cast<int>(rng.below(round < 20 ? 4 : 3000));  // a few tiny ones
    for (int i = 0; i < n; ++i) {
      const auto v = static_cast<std::int64_t>(std::exp(rng.uniform_open() * (round % 2 ? 8 : 22)));
      (i % 4 ? a : b).record(v);
      if (i % 4) in_a.push_back(v);
      in_both.push_back(v);
    }
    double one[9], both[9];
    LatencyHistogram::quantiles_us(a, nullptr, qs, 9, one);
    LatencyHistogram::quantiles_us(a, &b, qs, 9, both);
    for (int k = 0; k < 9; ++k) {
      INFO("round " << round << ", q = " << qs[k]);
      REQUIRE(one[k] == reference_quantile_us(in_a, qs[k]));
      REQUIRE(both[k] == reference_quantile_us(in_both, qs[k]));
      REQUIRE(one[k] == a.quantile_us(qs[k]));
      REQUIRE(both[k] == LatencyHistogram::quantile_us(a, b, qs[k]));
    }
  }
}

TEST_CASE("a histogram allocates its buckets at its first value and gives them back on release", "[metrics]") {
  LatencyHistogram empty, h;
  CHECK(empty.quantile_us(0.99) == 0);
  h.merge(empty);  // nothing to merge: stays unallocated
  CHECK(h.count() == 0);
  CHECK(LatencyHistogram::quantile_us(h, empty, 0.5) == 0);
  h.clear();
  h.record(1500);
  h.record(250);
  CHECK(h.count() == 2);
  CHECK(h.quantile_us(1.0) == 1500);
  empty.merge(h);
  CHECK(empty.quantile_us(0.5) == h.quantile_us(0.5));
  h.release();
  CHECK(h.count() == 0);
  CHECK(h.quantile_us(0.5) == 0);
  h.record(40);
  CHECK(h.quantile_us(0.5) == 40);
}

TEST_CASE("metric names parse into scope, id and metric", "[metrics]") {
  MetricRef r;
  std::string why;
  REQUIRE(parse_metric_name("tenant.acme.latency_p95_ms", r, why));
  CHECK(r.scope == kTenant);
  CHECK(r.scope_id == "acme");
  CHECK(r.info->id == MetricId::latency_p95_ms);
  REQUIRE(parse_metric_name("cpu_utilization", r, why));
  CHECK(r.scope == kGlobal);
  CHECK_FALSE(parse_metric_name("tenant.acme.cpu_utilization", r, why));  // fleet metric, not per tenant
  CHECK_FALSE(parse_metric_name("latency_p97_ms", r, why));
  CHECK(why.find("unknown metric") != std::string::npos);
  CHECK_FALSE(parse_metric_name("tenant.latency_p95_ms", r, why));
}

TEST_CASE("the registry has one column per simulated metric and scope", "[metrics]") {
  const Scenario sc = test::must_load(test::read_text("scenarios/default.json"));
  MetricRegistry reg(sc);
  CHECK(reg.columns().size() == MetricRegistry::column_count(sc));
  CHECK(reg.find("latency_p95_ms") >= 0);
  CHECK(reg.find("tenant.acme.requests_rejected") >= 0);
  CHECK(reg.find("service.agents-eu.cpu_utilization") >= 0);
  CHECK(reg.find("tenant.acme.cpu_utilization") < 0);
  // Names are unique.
  std::vector<std::string> names;
  for (const auto& c : reg.columns()) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}

TEST_CASE("the column count of the loader's limits is the registry's, for every scenario", "[metrics]") {
  // The retention limit and estimated_memory_bytes count columns with
  // MetricRegistry::column_count; a count that drifted from the registry's layout once
  // left out the chaos scope.
  std::vector<std::pair<std::string, std::string>> files;  // name, text
  for (const BuiltinScenario& b : builtin_scenarios()) files.emplace_back("scenarios/" + b.name + ".json", b.text);
  files.emplace_back("tests/scenarios/valid/everything.json", test::read_text("tests/scenarios/valid/everything.json"));
  std::size_t with_chaos = 0;
  for (const auto& [name, text] : files) {
    INFO(name);
    const Scenario sc = test::must_load(text);
    CHECK(MetricRegistry::column_count(sc) == MetricRegistry(sc).columns().size());
    with_chaos += sc.chaos.empty() ? 0 : 1;
  }
  CHECK(files.size() > 30);
  CHECK(with_chaos >= 2);  // chaos-game-day and everything at least

  // Each chaos experiment adds its own columns to the count.
  Scenario sc = test::must_load(test::read_text("scenarios/chaos-game-day.json"));
  const std::size_t experiments = sc.chaos.size();
  REQUIRE(experiments >= 1);
  const std::size_t with = MetricRegistry::column_count(sc);
  const std::size_t per_experiment = static_cast<std::size_t>(
      std::count_if(metric_catalog().begin(), metric_catalog().end(),
                    [](const MetricInfo& m) { return m.simulated && (m.scopes & kChaos); }));
  CHECK(per_experiment > 0);
  sc.chaos.clear();
  CHECK(MetricRegistry::column_count(sc) + experiments * per_experiment == with);
}

TEST_CASE("a series store keeps only the newest rows", "[metrics]") {
  SeriesStore s(2, 3);
  for (int i = 1; i <= 5; ++i) s.push(i, {static_cast<double>(i), static_cast<double>(10 * i)});
  REQUIRE(s.size() == 3);
  CHECK(s.time(0) == 3);
  CHECK(s.value(0, 1) == 30);
  CHECK(s.time(2) == 5);
  CHECK(s.value(2, 0) == 5);
}

TEST_CASE("per-agent request metrics add up to their service's", "[metrics]") {
  const Scenario sc = test::must_load(test::read_text("scenarios/default.json"));
  Simulation sim(sc, sc.seed);
  sim.run_until(12 * kMicrosPerHour);
  const auto values = sim.summary_values();
  auto get = [&](const std::string& name) {
    const int col = sim.metrics().find(name);
    REQUIRE(col >= 0);
    return values[static_cast<std::size_t>(col)];
  };
  for (const char* m : {"requests_total", "requests_succeeded", "requests_failed", "requests_rejected",
                        "requests_queued", "requests_rejected_request_rate"}) {
    INFO(m);
    const double agents = get(std::string("agent.summarizer.") + m) + get(std::string("agent.analyst.") + m);
    CHECK(agents == get(std::string("service.agents-eu.") + m));
  }
  // The analyst (high complexity, large model, gamma work of mean 2 s) is slower than the
  // summarizer (lognormal, median 800 ms).
  CHECK(get("agent.analyst.latency_p50_ms") > get("agent.summarizer.latency_p50_ms"));
  CHECK(get("agent.analyst.requests_rejected") > 0);  // Initech sends analysts only
  CHECK(get("agent.summarizer.requests_rejected") == 0);
}
