// Autoscaling in the simulation: the HPA and threshold policies resize pools, with startup
// delays and reasons logged.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

std::string scenario(const std::string& scaling) {
  // 20 requests/s of 1 s work: 20 busy slots on average, 4 slots per instance.
  return R"({"schema": "opsim/1", "name": "scale", "duration": "2h", "seed": 12,
    "services": [{"id": "s", "instance": {"concurrency": 4, "startup": "60s", "cost_per_hour": 1},
                  "instances": {"initial": 2, "min": 1, "max": 30}, "queue": {"capacity": 100000, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "1s"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
                 "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 20}]}],
    "scaling": )" + scaling + "}";
}

int scale_events(const Simulation& sim, EventKind kind, const char* policy) {
  int n = 0;
  for (const LogEvent& e : sim.recent_events()) n += e.kind == kind && e.text("policy") == policy;
  return n;
}

}  // namespace

TEST_CASE("target tracking settles where utilisation meets its target", "[scaling]") {
  const Scenario sc = test::must_load(scenario(R"({"service": "s", "evaluation_interval": "15s", "max_events_per_hour": 100,
      "policies": [{"id": "hpa", "kind": "target_tracking", "metric": "cpu_utilization", "target": 60}]})"));
  Simulation sim(sc, sc.seed);
  sim.run();
  // 20 busy slots at 60 % of 4 slots each: 20 / 2.4 = 8.3, so 9 instances (55.6 %, inside
  // the 10 % tolerance); 10 would be 50 % and scale back to 9.
  CHECK(sim.pool_view(0).instances >= 8);
  CHECK(sim.pool_view(0).instances <= 10);
  CHECK(scale_events(sim, EventKind::scale_out, "hpa") >= 2);
  const auto v = sim.summary_values();
  CHECK(v[static_cast<std::size_t>(sim.metrics().find("scaling_events"))] >= 2);
  CHECK(v[static_cast<std::size_t>(sim.metrics().find("instances_max"))] <= 30);
}

TEST_CASE("a threshold policy scales out by its increment after its evaluation periods", "[scaling]") {
  const Scenario sc = test::must_load(scenario(R"({"service": "s", "evaluation_interval": "60s", "max_events_per_hour": 10,
      "policies": [{"id": "cpu", "kind": "threshold", "trigger": "cpu_utilization", "threshold_up": 75,
                    "threshold_down": 30, "cooldown": "3m", "evaluation_periods": 2, "scale_increment": 2}]})"));
  Simulation sim(sc, sc.seed);
  sim.run_until(2 * kMicrosPerMinute - 1);
  CHECK(sim.pool_view(0).instances == 2);  // one breach at 60 s is not enough
  sim.run_until(2 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).instances == 4);  // the second consecutive breach: +2
  sim.run_until(4 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).instances == 4);  // cooldown of 3 minutes
  sim.run();
  CHECK(sim.pool_view(0).instances >= 8);  // enough for 20 busy slots under 75 %
  CHECK(scale_events(sim, EventKind::scale_out, "cpu") >= 3);
  const auto v = sim.summary_values();
  CHECK(v[static_cast<std::size_t>(sim.metrics().find("scaling_events"))] <= 20);  // 10 per hour at most
}

TEST_CASE("a live policy change takes effect from that moment", "[scaling]") {
  // 20 busy slots on 8 instances of 4: about 62 %, under threshold_up 95, so nothing moves
  // until the threshold is lowered to 50.
  std::string text = scenario(R"({"service": "s", "evaluation_interval": "60s", "max_events_per_hour": 10,
      "policies": [{"id": "cpu", "kind": "threshold", "trigger": "cpu_utilization", "threshold_up": 95,
                    "threshold_down": 10, "cooldown": "3m", "evaluation_periods": 2, "scale_increment": 1}]})");
  text.replace(text.find("\"initial\": 2"), 12, "\"initial\": 8");
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, sc.seed);
  sim.run_until(30 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).instances == 8);
  CHECK(scale_events(sim, EventKind::scale_out, "cpu") == 0);
  ScalingSpec changed = sim.scenario().scaling[0];
  changed.policies[0].threshold_up = 50;
  sim.update_scaling(0, changed);
  CHECK(sim.scenario().scaling[0].policies[0].threshold_up == 50);
  bool logged = false;
  for (const LogEvent& e : sim.recent_events())
    logged = logged || (e.kind == EventKind::policy_changed && e.text("policies").find("cpu: up 50, down 10") != std::string::npos);
  CHECK(logged);
  // Two breaches of the new threshold (at 31 and 32 minutes), then +1.
  sim.run_until(32 * kMicrosPerMinute);
  CHECK(sim.pool_view(0).instances == 9);
  CHECK(scale_events(sim, EventKind::scale_out, "cpu") == 1);
  const auto& records = sim.scaling_records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].kind == EventKind::scale_out);
  CHECK(records[0].from == 8);
  CHECK(records[0].to == 9);
  CHECK(records[0].policy == "cpu");
  CHECK(records[0].at == 32 * kMicrosPerMinute);
}

TEST_CASE("the forecast error is a metric and forecasts are scored against what happened", "[scaling]") {
  // A clean daily cycle for three days with the predictive engine on; the seasonal-naive
  // forecast of a repeating day is close to exact, so its error stays small. 4 instances of
  // 4 slots for a peak of 20 busy slots: the forecast peak per instance passes 70 %.
  std::string text = scenario(R"({"service": "s", "evaluation_interval": "60s", "max_events_per_hour": 20,
      "predictive": {"enabled": true, "horizon": "60m", "lead": "30m", "threshold": 70, "min_confidence": 0.7,
                     "min_history_points": 100, "method": "seasonal_naive"}})");
  text.replace(text.find("\"duration\": \"2h\""), 16, "\"duration\": \"3d\"");
  text.replace(text.find("\"initial\": 2"), 12, "\"initial\": 4");
  text.replace(text.find("\"rate\": 20}"), 11, R"("rate": 20, "patterns": [{"type": "diurnal", "peak_hour": 14, "trough_factor": 0.2}]})");
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, sc.seed);
  sim.run();
  REQUIRE(sim.scaler_count() == 1);
  const Simulation::ScalerView view = sim.scaler_view(0);
  REQUIRE(view.predictive != nullptr);
  const auto& scored = view.predictive->scored();
  REQUIRE(scored.size() == scaling::PredictiveEngine::kErrorWindow);  // a full day of 5-minute forecasts
  double err = 0, actual = 0;
  for (const scaling::ScoredForecast& f : scored) {
    err += std::fabs(f.forecast - f.actual);
    actual += std::fabs(f.actual);
  }
  const double expected = 100.0 * err / actual;
  const auto values = sim.summary_values();
  const double metric = values[static_cast<std::size_t>(sim.metrics().find("service.s.forecast_error_percent"))];
  CHECK(metric == Approx(expected).epsilon(1e-9));
  CHECK(metric < 15);  // Poisson noise on a repeating day
  CHECK(metric > 0);
  // It acted ahead of the afternoon peak: predictive scale-outs happen before 14:00.
  int before_peak = 0;
  for (const Simulation::ScalingRecord& r : sim.scaling_records())
    if (r.policy == "predictive" && r.kind == EventKind::scale_out) {
      const SimDuration in_day = r.at % kMicrosPerDay;
      before_peak += in_day < 14 * kMicrosPerHour && in_day > 6 * kMicrosPerHour;
    }
  CHECK(before_peak >= 1);
}

namespace {

// 20 requests/s of 1 s work on instances of 50 slots: request rate, not CPU, is what the
// policies below track. Scrapes every 15 s.
std::string rate_scenario(const std::string& policy) {
  return R"({"schema": "opsim/1", "name": "track", "duration": "2h", "seed": 4,
    "services": [{"id": "s", "instance": {"concurrency": 50, "startup": "30s"},
                  "instances": {"initial": 2, "min": 1, "max": 40}, "queue": {"capacity": 100000, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "exponential", "mean": "1s"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
                 "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 20}]}],
    "scaling": {"service": "s", "evaluation_interval": "15s", "max_events_per_hour": 100, "policies": [)" +
         policy + "]}}";
}

// The instance counts scaling saw in the last hour, from the time series.
std::pair<double, double> instances_last_hour(const Simulation& sim) {
  const int col = sim.metrics().find("instances");
  double lo = 1e9, hi = 0;
  for (std::size_t i = 0; i < sim.series().size(); ++i) {
    if (sim.series().time(i) <= sim.now() - kMicrosPerHour) continue;
    const double v = sim.series().value(i, static_cast<std::size_t>(col));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return {lo, hi};
}

const LogEvent* first_scale_out(const Simulation& sim) {
  for (const LogEvent& e : sim.recent_events())
    if (e.kind == EventKind::scale_out) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("target tracking on request_rate tracks requests per ready instance (a Pods averageValue)", "[scaling]") {
  // 20 req/s against 2 per instance: 10 instances, whatever their CPU does (20 busy slots
  // of 500 are 4 %). The scale-up from 2 asks for ceil(measured rate / 2): 10, or 11 when
  // the measured rate is a little over 20, and 11 then stays (20 / 22 is within the 10 %
  // tolerance), as it would in Kubernetes. Tracking CPU instead would scale in to 1.
  const Scenario sc =
      test::must_load(rate_scenario(R"({"id": "rate", "kind": "target_tracking", "metric": "request_rate", "target": 2})"));
  for (std::uint64_t seed : {4, 5, 6}) {
    Simulation sim(sc, seed);
    sim.run();
    const auto [lo, hi] = instances_last_hour(sim);
    CHECK(lo >= 10);
    CHECK(hi <= 11);
    CHECK(lo == hi);  // settled
    const LogEvent* out = first_scale_out(sim);
    REQUIRE(out != nullptr);
    CHECK(out->text("reason").find("request_rate per ready instance") != std::string::npos);
    CHECK(out->text("reason").find("cpu_utilization") == std::string::npos);
  }
}

TEST_CASE("request_rate and queue_depth are read over the last minute of evaluations", "[scaling]") {
  // Evaluations every 15 s. The scale-out at 30 s quotes the rate of the whole first 30 s
  // (the arrivals the scrape at 30 s counts), not of its last 15 s.
  const Scenario sc =
      test::must_load(rate_scenario(R"({"id": "rate", "kind": "target_tracking", "metric": "request_rate", "target": 2})"));
  Simulation sim(sc, sc.seed);
  sim.run_until(30 * kMicrosPerSecond);
  const LogEvent* second = nullptr;
  for (const LogEvent& e : sim.recent_events())
    if (e.kind == EventKind::scale_out && e.t == 30 * kMicrosPerSecond) second = &e;
  REQUIRE(second != nullptr);
  const int col = sim.metrics().find("requests_total");
  REQUIRE(sim.series().size() == 2);
  REQUIRE(sim.series().time(1) == 30 * kMicrosPerSecond);
  const double arrivals = sim.series().value(1, static_cast<std::size_t>(col));
  // Two instances were ready (the four started at 15 s take 30 s).
  const std::string quoted = "request_rate per ready instance " + scaling::format_number(arrivals / 30.0 / 2.0) + " ";
  INFO(second->text("reason"));
  CHECK(second->text("reason").find(quoted) != std::string::npos);
}

TEST_CASE("target tracking on queue_depth tracks requests waiting per ready instance", "[scaling]") {
  // 20 busy slots wanted on instances of 4 slots: a queue builds until enough run, and 0.5
  // waiting per instance is kept as the target.
  std::string text = rate_scenario(R"({"id": "queue", "kind": "target_tracking", "metric": "queue_depth", "target": 0.5})");
  text.replace(text.find(R"("concurrency": 50)"), 17, R"("concurrency": 4)");
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, sc.seed);
  sim.run();
  // The queue of the first seconds (2 instances of 4 slots for 20 busy) is far over 0.5 per
  // instance: a scale-out on it.
  const LogEvent* out = first_scale_out(sim);
  REQUIRE(out != nullptr);
  CHECK(out->text("reason").find("queue_depth per ready instance") != std::string::npos);
}

TEST_CASE("target tracking on another metric treats it as an Object metric: its value against the target", "[scaling]") {
  // The service's CPU utilisation from the last scrape, against 40 %: 20 busy slots of 4 per
  // instance need about 20 / 1.6 = 12.5 instances.
  std::string text =
      rate_scenario(R"({"id": "object", "kind": "target_tracking", "metric": "service.s.cpu_utilization", "target": 40})");
  text.replace(text.find(R"("concurrency": 50)"), 17, R"("concurrency": 4)");
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, sc.seed);
  sim.run();
  const auto [lo, hi] = instances_last_hour(sim);
  CHECK(lo >= 11);
  CHECK(hi <= 16);
  const LogEvent* out = first_scale_out(sim);
  REQUIRE(out != nullptr);
  CHECK(out->text("reason").find("service.s.cpu_utilization") != std::string::npos);
}
