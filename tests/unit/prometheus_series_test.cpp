// The platform's metrics as Prometheus series (metrics/prometheus_series.h): each series
// must count what the registry's own counters count, by another path (outcomes one by one
// against the registry's windows); the histogram must be a Prometheus histogram; metrics.om
// must give back the very points.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "builtin.h"
#include "promql/storage.h"
#include "report/openmetrics.h"
#include "test_support.h"

using namespace opsim;
using promql::Labels;
using promql::Storage;

namespace {

// The latest value of every series of `name` that matches `want` (label = value; "" means
// the label is absent), summed.
double sum_latest(const Storage& st, const std::string& name, const std::map<std::string, std::string>& want) {
  double total = 0;
  std::vector<promql::CompiledMatcher> matchers;
  std::string why;
  promql::CompiledMatcher m;
  REQUIRE(promql::CompiledMatcher::compile({"__name__", promql::LabelMatchOp::equal, name}, m, why));
  matchers.push_back(m);
  for (const auto& [label, value] : want) {
    REQUIRE(promql::CompiledMatcher::compile({label, promql::LabelMatchOp::equal, value}, m, why));
    matchers.push_back(m);
  }
  std::vector<Storage::SeriesRef> refs;
  st.select(matchers, refs);
  for (Storage::SeriesRef r : refs) {
    promql::Point p;
    if (st.latest(r, INT64_MIN, INT64_MAX, p)) total += p.v;
  }
  return total;
}

// Runs to exactly the n-th scrape: the registry's totals are then what the series saw.
void run_to_scrape(Simulation& sim, int n) { sim.run_until(sim.scenario().monitoring.scrape_interval * n); }

}  // namespace

TEST_CASE("opsim_requests_total counts each tenant's requests by outcome and reason, as the registry does",
          "[prometheus]") {
  Simulation sim(test::must_load(find_builtin_scenario("quota-limits")->text), 3);
  run_to_scrape(sim, 240);  // an hour
  const Storage& st = sim.prometheus_storage();
  for (std::size_t t = 0; t < sim.scenario().tenants.size(); ++t) {
    const std::string id = sim.scenario().tenants[t].id;
    const WindowCounters& total = sim.metrics().tenant(static_cast<int>(t)).total;
    INFO(id);
    CHECK(sum_latest(st, "opsim_requests_total", {{"tenant", id}, {"caller", ""}, {"outcome", "succeeded"}}) ==
          static_cast<double>(total.succeeded));
    CHECK(sum_latest(st, "opsim_requests_total", {{"tenant", id}, {"caller", ""}, {"outcome", "failed"}}) ==
          static_cast<double>(total.failed));
    CHECK(sum_latest(st, "opsim_requests_total", {{"tenant", id}, {"outcome", "failed"}, {"reason", "timeout"}}) ==
          static_cast<double>(total.failed_timeout));
    CHECK(sum_latest(st, "opsim_requests_total", {{"tenant", id}, {"outcome", "rejected"}}) ==
          static_cast<double>(total.rejected));
  }
  // The scenario is there to refuse requests: the check above must have seen some.
  CHECK(sum_latest(st, "opsim_requests_total", {{"outcome", "rejected"}}) > 0);
}

TEST_CASE("call attempts carry their caller and count where they were served", "[prometheus]") {
  Simulation sim(test::must_load(find_builtin_scenario("retry-storm")->text), 5);
  run_to_scrape(sim, 480);  // two hours: through the storm
  const Storage& st = sim.prometheus_storage();
  // Every attempt an agent served, users' requests and calls alike, as its agent scope counts.
  for (std::size_t a = 0; a < sim.scenario().agents.size(); ++a) {
    const std::string id = sim.scenario().agents[a].id;
    const WindowCounters& total = sim.metrics().agent(static_cast<int>(a)).total;
    INFO(id);
    CHECK(sum_latest(st, "opsim_requests_total", {{"agent", id}, {"outcome", "succeeded"}}) ==
          static_cast<double>(total.succeeded));
    CHECK(sum_latest(st, "opsim_requests_total", {{"agent", id}, {"outcome", "failed"}}) ==
          static_cast<double>(total.failed));
  }
  // The called agent's attempts name their caller: every edge of the graph has some.
  for (const CallEdge& e : call_edges(sim.scenario())) {
    const std::string caller = sim.scenario().agents[static_cast<std::size_t>(e.caller)].id;
    const std::string callee = sim.scenario().agents[static_cast<std::size_t>(e.callee)].id;
    INFO(caller << " -> " << callee);
    CHECK(sum_latest(st, "opsim_requests_total", {{"caller", caller}, {"agent", callee}}) > 0);
  }
  // Users' requests have no caller: their count is the tenants'.
  double roots = 0;
  for (std::size_t t = 0; t < sim.scenario().tenants.size(); ++t) {
    const WindowCounters& total = sim.metrics().tenant(static_cast<int>(t)).total;
    roots += static_cast<double>(total.succeeded + total.failed + total.rejected);
  }
  CHECK(sum_latest(st, "opsim_requests_total", {{"caller", ""}}) == roots);
}

TEST_CASE("the latency histogram is a Prometheus histogram of successes", "[prometheus]") {
  Simulation sim(test::must_load(find_builtin_scenario("default")->text), 7);
  run_to_scrape(sim, 240);
  const Storage& st = sim.prometheus_storage();
  for (std::size_t t = 0; t < sim.scenario().tenants.size(); ++t) {
    const std::string id = sim.scenario().tenants[t].id;
    const WindowCounters& total = sim.metrics().tenant(static_cast<int>(t)).total;
    INFO(id);
    const std::map<std::string, std::string> roots{{"tenant", id}, {"caller", ""}};
    const double count = sum_latest(st, "opsim_request_duration_seconds_count", roots);
    CHECK(count == static_cast<double>(total.succeeded));
    std::map<std::string, std::string> inf = roots;
    inf["le"] = "+Inf";
    CHECK(sum_latest(st, "opsim_request_duration_seconds_bucket", inf) == count);
    // The sum is the latencies' sum, in seconds.
    CHECK(sum_latest(st, "opsim_request_duration_seconds_sum", roots) ==
          Approx(static_cast<double>(total.latency_sum_us) / 1e6).epsilon(1e-12));
    // Cumulative buckets never fall as le grows.
    double previous = 0;
    for (int b = 0; b < kLatencyBuckets; ++b) {
      std::map<std::string, std::string> le = roots;
      le["le"] = promql::format_number(kLatencyBucketsSeconds[b]);
      const double v = sum_latest(st, "opsim_request_duration_seconds_bucket", le);
      CHECK(v >= previous);
      previous = v;
    }
    CHECK(previous <= count);
  }
}

TEST_CASE("the bucket bounds in microseconds are the bounds in seconds, exactly", "[prometheus]") {
  // The per-request search compares whole microseconds; the le labels print the seconds.
  for (int b = 0; b < kLatencyBuckets; ++b)
    CHECK(static_cast<double>(kLatencyBucketsMicros[b]) == kLatencyBucketsSeconds[b] * kMicrosPerSecond);
}

TEST_CASE("a bucket's le is inclusive: a latency equal to a bound counts in that bucket", "[prometheus]") {
  const Scenario sc = test::must_load(find_builtin_scenario("mmc")->text);
  PrometheusSeries series(sc);
  RequestOutcome o;
  o.latency_us = 250000;  // exactly 0.25 s
  series.on_outcome(o);
  o.latency_us = 250001;
  series.on_outcome(o);
  Storage st;
  MetricRegistry registry(sc);
  Simulation sim(sc, 1);  // for a fleet to read
  series.scrape(1000, registry, sim.fleet(), st);
  CHECK(sum_latest(st, "opsim_request_duration_seconds_bucket", {{"le", "0.1"}}) == 0);
  CHECK(sum_latest(st, "opsim_request_duration_seconds_bucket", {{"le", "0.25"}}) == 1);
  CHECK(sum_latest(st, "opsim_request_duration_seconds_bucket", {{"le", "0.5"}}) == 2);
  CHECK(sum_latest(st, "opsim_request_duration_seconds_sum", {}) == Approx(0.500001).epsilon(1e-15));
}

TEST_CASE("catalogue metrics are series with their scope as labels", "[prometheus]") {
  Simulation sim(test::must_load(find_builtin_scenario("default")->text), 7);
  run_to_scrape(sim, 100);
  const Storage& st = sim.prometheus_storage();
  const std::string svc = sim.scenario().services[0].id;
  const SeriesStore& rows = sim.series();
  const double cpu = rows.value(rows.size() - 1, static_cast<std::size_t>(sim.metrics().find("service." + svc + ".cpu_utilization")));
  CHECK(sum_latest(st, "opsim_cpu_utilization", {{"service", svc}}) == cpu);
  const double platform = rows.value(rows.size() - 1, static_cast<std::size_t>(sim.metrics().find("cost_usd")));
  CHECK(sum_latest(st, "opsim_cost_usd", {{"service", ""}}) == platform);
  // The fleet's gauges: instances by state add up to the instances.
  const double instances = rows.value(rows.size() - 1, static_cast<std::size_t>(sim.metrics().find("service." + svc + ".instances")));
  CHECK(sum_latest(st, "opsim_pool_instances", {{"service", svc}}) == instances);
  // Request metrics are not gauges of their own: they are opsim_requests_total.
  CHECK(sum_latest(st, "opsim_error_rate_percent", {}) == 0);
  std::vector<promql::CompiledMatcher> m(1);
  std::string why;
  REQUIRE(promql::CompiledMatcher::compile({"__name__", promql::LabelMatchOp::equal, "opsim_error_rate_percent"}, m[0], why));
  std::vector<Storage::SeriesRef> refs;
  st.select(m, refs);
  CHECK(refs.empty());
}

TEST_CASE("metrics.om gives back every point, family by family, and ends with # EOF", "[prometheus]") {
  Storage st;
  const auto c = st.series({{"__name__", "opsim_requests_total"}, {"tenant", "a\"b"}, {"outcome", "succeeded"}});
  const auto g = st.series({{"__name__", "opsim_queue_depth"}, {"service", "s"}});
  const auto r = st.series({{"__name__", "service:errors:ratio"}});
  const auto alerts = st.series({{"__name__", "ALERTS"}, {"alertname", "X"}});
  st.append(c, 1767571215000, 1);
  st.append(c, 1767571230000, 2);
  st.append(g, 1767571215000, 0.1 + 0.2);  // 0.30000000000000004: all 17 digits must come back
  st.append(g, 1767571230500, INFINITY);
  st.mark_stale(g, 1767571245000);
  st.append(r, 1767571260000, NAN);
  st.append(alerts, 1767571260000, 1);
  std::string text;
  write_openmetrics(st, [&](std::string_view piece) { text += piece; });
  CHECK(text ==
        "# TYPE opsim_queue_depth gauge\n"
        "opsim_queue_depth{service=\"s\"} 0.30000000000000004 1767571215.000\n"
        "opsim_queue_depth{service=\"s\"} +Inf 1767571230.500\n"
        "# TYPE opsim_requests counter\n"
        "opsim_requests_total{outcome=\"succeeded\",tenant=\"a\\\"b\"} 1 1767571215.000\n"
        "opsim_requests_total{outcome=\"succeeded\",tenant=\"a\\\"b\"} 2 1767571230.000\n"
        "# TYPE service:errors:ratio unknown\n"
        "service:errors:ratio NaN 1767571260.000\n"
        "# EOF\n");
}
