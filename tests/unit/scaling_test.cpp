// Scaling library (core/scaling): Kubernetes HPA, threshold policies with consolidation,
// cost optimisation and the hourly cap, and the predictive engine, against ground truth.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/portable_math.h"
#include "scaling/hpa.h"
#include "scaling/predictive.h"
#include "scaling/threshold.h"

using namespace opsim;
using namespace opsim::scaling;

namespace {

constexpr SimDuration S = kMicrosPerSecond;
constexpr SimDuration M = kMicrosPerMinute;
constexpr SimDuration H = kMicrosPerHour;

// A target-tracking policy with the Kubernetes defaults, as the loader fills them in.
ScalingPolicySpec hpa_defaults(double target = 60) {
  ScalingPolicySpec p;
  p.id = "hpa";
  p.kind = ScalingPolicySpec::Kind::target_tracking;
  p.metric = "cpu_utilization";
  p.target = target;
  p.tolerance = 0.1;
  p.scale_up.stabilization_window = 0;
  p.scale_up.policies = {{BehaviorPolicySpec::Type::percent, 100, 15 * S},
                         {BehaviorPolicySpec::Type::instances, 4, 15 * S}};
  p.scale_down.stabilization_window = 300 * S;
  p.scale_down.policies = {{BehaviorPolicySpec::Type::percent, 100, 15 * S}};
  return p;
}

ScalingPolicySpec threshold_policy(const std::string& id, ScalingTrigger trig, double up, double down, int periods,
                                   SimDuration cooldown, int increment = 1) {
  ScalingPolicySpec p;
  p.id = id;
  p.kind = ScalingPolicySpec::Kind::threshold;
  p.trigger = trig;
  p.threshold_up = up;
  p.threshold_down = down;
  p.evaluation_periods = periods;
  p.cooldown = cooldown;
  p.scale_increment = increment;
  return p;
}

MetricValues cpu(double v) {
  MetricValues m;
  m.cpu_utilization = v;
  return m;
}

double sine_day(SimTime t) {  // 10 at midnight, 90 at noon
  const double x = 2.0 * pmath::kPi * static_cast<double>(t) / static_cast<double>(kMicrosPerDay);
  return 50.0 - 40.0 * pmath::cos(x);
}

}  // namespace

TEST_CASE("HPA formula: desired = ceil(ready x metric / target) with tolerance", "[scaling]") {
  HpaController hpa(hpa_defaults(60), 1, 20);
  HpaDecision d = hpa.recommend(0, 3, 3, 90);
  CHECK(d.usage_ratio == Approx(1.5));
  CHECK(d.metric_desired == 5);
  CHECK(d.desired == 5);
  CHECK_FALSE(d.limited_by_policy);
  CHECK(d.reason.find("ceil(3 x 1.5) = 5") != std::string::npos);

  HpaController h2(hpa_defaults(60), 1, 20);
  HpaDecision t = h2.recommend(0, 3, 3, 64.8);  // ratio 1.08
  CHECK(t.within_tolerance);
  CHECK(t.desired == 3);
  CHECK_FALSE(t.changed());
  CHECK(t.reason.find("tolerance") != std::string::npos);
  // Just outside the tolerance on the way up: 3 x 1.11 = 3.33 -> 4.
  HpaController h3(hpa_defaults(60), 1, 20);
  CHECK(h3.recommend(0, 3, 3, 66.6).desired == 4);
}

TEST_CASE("HPA default scale-up behaviour: max(100 %, 4 instances) per 15 s", "[scaling]") {
  HpaController hpa(hpa_defaults(60), 1, 100);
  HpaDecision d = hpa.recommend(0, 1, 1, 1000);  // wants ceil(16.67) = 17
  CHECK(d.metric_desired == 17);
  CHECK(d.desired == 5);  // max(ceil(1 x 2) = 2, 1 + 4 = 5)
  CHECK(d.limited_by_policy);
  // Within the same 15 s period the period started at 1, so 5 is still the limit.
  HpaDecision again = hpa.recommend(10 * S, 5, 5, 1000);
  CHECK(again.desired == 5);
  CHECK(again.limited_by_policy);
  // Next period starts at 5: max(10, 9) = 10.
  HpaDecision next = hpa.recommend(15 * S, 5, 5, 1000);
  CHECK(next.desired == 10);
  HpaDecision third = hpa.recommend(30 * S, 10, 10, 1000);
  CHECK(third.desired == 20);
}

TEST_CASE("HPA scale-up select_policy min and disabled, and max instances", "[scaling]") {
  ScalingPolicySpec p = hpa_defaults(60);
  p.scale_up.select = BehaviorRulesSpec::Select::min;
  HpaController mn(p, 1, 100);
  CHECK(mn.recommend(0, 4, 4, 600).desired == 8);  // min(ceil(4 x 2) = 8, 4 + 4 = 8)
  HpaController mn2(p, 1, 100);
  CHECK(mn2.recommend(0, 10, 10, 600).desired == 14);  // min(20, 14)
  p.scale_up.select = BehaviorRulesSpec::Select::disabled;
  HpaController off(p, 1, 100);
  HpaDecision d = off.recommend(0, 3, 3, 600);
  CHECK(d.desired == 3);
  CHECK(d.limited_by_policy);
  HpaController capped(hpa_defaults(60), 1, 4);
  HpaDecision c = capped.recommend(0, 3, 3, 120);
  CHECK(c.desired == 4);
  CHECK(c.limited_by_bounds);
  // Outside the bounds: set to the bound.
  HpaController b(hpa_defaults(60), 2, 4);
  CHECK(b.recommend(0, 6, 6, 60).desired == 4);
  CHECK(b.recommend(S, 1, 1, 60).desired == 2);
}

TEST_CASE("HPA scale-down stabilisation takes the maximum over 300 s", "[scaling]") {
  HpaController hpa(hpa_defaults(60), 1, 20);
  CHECK(hpa.recommend(0, 10, 10, 60).desired == 10);
  HpaDecision a = hpa.recommend(60 * S, 10, 10, 48);  // wants 8
  CHECK(a.metric_desired == 8);
  CHECK(a.desired == 10);
  CHECK(a.limited_by_stabilization);
  CHECK(hpa.recommend(120 * S, 10, 10, 24).desired == 10);  // wants 4
  CHECK(hpa.recommend(180 * S, 10, 10, 36).desired == 10);  // wants 6
  CHECK(hpa.recommend(240 * S, 10, 10, 30).desired == 10);  // wants 5
  // At 301 s the recommendation of 10 made at 0 s has left the window: max(8, 4, 6, 5, 5) = 8.
  HpaDecision b = hpa.recommend(301 * S, 10, 10, 30);
  CHECK(b.metric_desired == 5);
  CHECK(b.stabilized == 8);
  CHECK(b.desired == 8);
  CHECK(b.limited_by_stabilization);
  // At 361 s the 8 has left too: max(4, 6, 5, 5, wanted 5) = 6.
  CHECK(hpa.recommend(361 * S, 8, 8, 37.5).desired == 6);
}

TEST_CASE("HPA scale-down percent policy limits the step per period", "[scaling]") {
  ScalingPolicySpec p = hpa_defaults(60);
  p.scale_down.stabilization_window = 0;
  p.scale_down.policies = {{BehaviorPolicySpec::Type::percent, 50, 60 * S}};
  HpaController hpa(p, 1, 100);
  HpaDecision d = hpa.recommend(0, 10, 10, 6);  // wants 1
  CHECK(d.metric_desired == 1);
  CHECK(d.desired == 5);  // 10 x (1 - 0.5)
  CHECK(d.limited_by_policy);
  // Same period: it started at 10 and 5 were removed, so 5 stays the floor.
  CHECK(hpa.recommend(30 * S, 5, 5, 6).desired == 5);
  CHECK(hpa.recommend(61 * S, 5, 5, 6).desired == 2);  // int(5 x 0.5) = 2
}

TEST_CASE("HPA not-ready instances: 0 % on scale-up, 100 % on scale-down", "[scaling]") {
  ScalingPolicySpec p = hpa_defaults(60);
  p.scale_down.stabilization_window = 0;
  // 2 ready at 90 (ratio 1.5) and 2 starting counted at 0: (3 + 0) / 4 = 0.75 flips -> no change.
  HpaController a(p, 1, 100);
  HpaDecision d = a.recommend(0, 4, 2, 90);
  CHECK(d.desired == 4);
  // 3 ready at 120 (ratio 2), 1 starting at 0: 6 / 4 = 1.5 -> ceil(6) = 6.
  HpaController b(p, 1, 100);
  CHECK(b.recommend(0, 4, 3, 120).desired == 6);
  // 2 ready at 30 (ratio 0.5), 2 starting at 100 %: (1 + 2) / 4 = 0.75 -> 3.
  HpaController c(p, 1, 100);
  HpaDecision e = c.recommend(0, 4, 2, 30);
  CHECK(e.desired == 3);
  CHECK(e.reason.find("100 %") != std::string::npos);
  // No ready instance: no metric, no change.
  HpaController z(p, 1, 100);
  CHECK(z.recommend(0, 3, 0, 0).desired == 3);
}

TEST_CASE("Threshold policy: no decision before N consecutive breaches, none within the cooldown", "[scaling]") {
  ScalingSpec spec;
  spec.max_events_per_hour = 100;
  spec.policies = {threshold_policy("cpu", ScalingTrigger::cpu_utilization, 75, 30, 3, 5 * M, 2)};
  ThresholdScaler sc(spec, 1, 20);
  int n = 2;
  std::vector<SimTime> when;
  for (int i = 0; i <= 12; ++i) {
    const SimTime t = i * M;
    // A dip at 1 min resets the count.
    auto o = sc.evaluate(t, n, cpu(i == 1 ? 50 : 90));
    if (o.decision) {
      CHECK(o.decision->from == n);
      CHECK(o.decision->to == n + 2);
      CHECK(o.decision->policy_id == "cpu");
      when.push_back(t);
      n = o.decision->to;
    }
  }
  // Breaches at 2, 3, 4 min -> act at 4; fresh breaches 5, 6, 7 but cooldown until 9;
  // act at 9; then 10, 11, 12 breaches but the cooldown lasts until 14.
  REQUIRE(when.size() == 2);
  CHECK(when[0] == 4 * M);
  CHECK(when[1] == 9 * M);

  ThresholdPolicy pol(threshold_policy("p", ScalingTrigger::cpu_utilization, 75, 30, 2, 0), 1, 10);
  std::string why;
  CHECK_FALSE(pol.evaluate(0, 3, 10.0, &why));
  CHECK(why.find("1 of 2") != std::string::npos);
  auto d = pol.evaluate(M, 3, 10.0, &why);
  REQUIRE(d);
  CHECK(d->to == 2);
  CHECK(d->reason.find("below 30") != std::string::npos);
  // At the minimum: nothing.
  ThresholdPolicy at_min(threshold_policy("p", ScalingTrigger::cpu_utilization, 75, 30, 1, 0), 3, 10);
  CHECK_FALSE(at_min.evaluate(0, 3, 10.0));
}

TEST_CASE("Threshold scaler caps scale events per sliding hour", "[scaling]") {
  ScalingSpec spec;
  spec.max_events_per_hour = 3;
  spec.policies = {threshold_policy("cpu", ScalingTrigger::cpu_utilization, 75, 30, 1, 0)};
  ThresholdScaler sc(spec, 1, 100);
  int n = 1;
  std::vector<SimTime> when;
  std::string note;
  for (int i = 0; i <= 130; ++i) {
    auto o = sc.evaluate(i * M, n, cpu(95));
    if (o.decision) {
      when.push_back(i * M);
      n = o.decision->to;
    } else if (note.empty()) {
      note = o.note;
    }
    CHECK(sc.events_in_last_hour(i * M) <= 3);
  }
  REQUIRE(when.size() == 9);
  CHECK(when[2] == 2 * M);
  CHECK(when[3] == 60 * M);  // the event at 0 leaves the hour (now - 1 h, now] at 60 min
  CHECK(when[6] == 120 * M);
  CHECK(note.find("cap of 3") != std::string::npos);
}

TEST_CASE("Consolidation: scale-out wins, largest step; scale-in needs agreement unless cost optimisation",
          "[scaling]") {
  ScalingSpec spec;
  spec.policies = {threshold_policy("cpu", ScalingTrigger::cpu_utilization, 75, 30, 1, 0, 1),
                   threshold_policy("mem", ScalingTrigger::memory_utilization, 80, 40, 1, 0, 3),
                   threshold_policy("queue", ScalingTrigger::queue_depth, 100, 10, 1, 0, 2)};
  {
    ThresholdScaler sc(spec, 1, 20);
    MetricValues v;
    v.cpu_utilization = 90;     // out by 1
    v.memory_utilization = 95;  // out by 3
    v.queue_depth = 5;          // in by 2
    auto o = sc.evaluate(0, 5, v);
    REQUIRE(o.decision);
    CHECK(o.decision->to == 8);
    CHECK(o.decision->policy_id == "mem");
    CHECK(o.proposals.size() == 3);
  }
  MetricValues low;
  low.cpu_utilization = 20;     // in by 1
  low.memory_utilization = 50;  // within
  low.queue_depth = 2;          // in by 2
  {
    ThresholdScaler sc(spec, 1, 20);
    auto o = sc.evaluate(0, 5, low);
    CHECK_FALSE(o.decision);  // memory does not agree
    CHECK(o.note.find("memory_utilization 50") != std::string::npos);
    low.memory_utilization = 30;
    auto o2 = sc.evaluate(M, 5, low);
    REQUIRE(o2.decision);
    CHECK(o2.decision->to == 4);  // the smallest step
  }
  {
    spec.cost_optimization = true;
    ThresholdScaler sc(spec, 1, 20);
    low.memory_utilization = 50;
    auto o = sc.evaluate(0, 5, low);
    REQUIRE(o.decision);
    CHECK(o.decision->to == 3);  // cost optimisation: the largest step, no agreement needed
    CHECK(o.decision->reason.find("Cost optimisation") != std::string::npos);
    low.memory_utilization = 85;  // above threshold_up: it proposes scale-out and wins
    auto o2 = sc.evaluate(M, 3, low);
    REQUIRE(o2.decision);
    CHECK(o2.decision->to == 6);
  }
}

TEST_CASE("Schedule trigger sets the count at its times", "[scaling]") {
  ScalingSpec spec;
  ScalingPolicySpec s;
  s.id = "office";
  s.trigger = ScalingTrigger::schedule;
  s.schedule = {{8 * H, 6}, {18 * H, 2}};
  spec.policies = {s};
  ThresholdScaler sc(spec, 1, 5);
  int n = 2;
  std::vector<std::pair<SimTime, int>> changes;
  for (SimTime t = 0; t <= 24 * H; t += 30 * M) {
    auto o = sc.evaluate(t, n, MetricValues{});
    if (o.decision) {
      n = o.decision->to;
      changes.push_back({t, n});
    }
  }
  REQUIRE(changes.size() == 2);
  CHECK(changes[0] == std::make_pair(SimTime(8 * H), 5));  // clamped to max 5
  CHECK(changes[1] == std::make_pair(SimTime(18 * H), 2));
}

TEST_CASE("Predictive engine on a clean daily sine scales out before the peak", "[scaling]") {
  PredictiveSpec ps;
  ps.enabled = true;
  ps.horizon = 60 * M;
  ps.lead = 30 * M;
  ps.threshold = 80;
  ps.min_confidence = 0.7;
  ps.min_history_points = 100;
  PredictiveEngine eng(ps, Calendar(0));
  CHECK_FALSE(eng.forecast(0).valid);
  for (SimTime t = 0; t < 3 * kMicrosPerDay; t += M) eng.observe(t, sine_day(t));
  // The forecast error over the last day of scored forecasts (30 min ahead) is small.
  INFO("error % after 3 days: " << eng.error_percent());
  CHECK(eng.evaluated_forecasts() == PredictiveEngine::kErrorWindow);
  CHECK(eng.error_percent() < 1.0);
  CHECK(eng.confidence() > 0.99);

  // Day 4: the sine crosses 80 at 9:14 and peaks at 12:00.
  const SimTime day4 = 3 * kMicrosPerDay;
  std::optional<SimTime> first;
  double max_point_error = 0;
  for (SimTime t = day4; t < day4 + 14 * H; t += M) {
    eng.observe(t, sine_day(t));
    if ((t - day4) % (5 * M) != 0) continue;
    Forecast f = eng.forecast(t);
    REQUIRE(f.valid);
    CHECK(f.points.size() == 12);
    for (const auto& p : f.points) max_point_error = std::max(max_point_error, std::fabs(p.value - sine_day(p.at)));
    if (!first) {
      if (auto d = predictive_decision(t, f, ps, 4, 10, 4)) {
        first = t;
        CHECK(d->to == 5);  // ceil(4 x ~81 / 80)
        CHECK(d->policy_id == "predictive");
        CHECK(d->reason.find("ahead of it") != std::string::npos);
      }
    }
  }
  REQUIRE(first);
  const double crossing_h = 6.0 + 24.0 * 0.848062078981481 / (2.0 * pmath::kPi);  // asin(0.75)
  INFO("first predictive scale-out at hour " << to_seconds(*first - day4) / 3600.0);
  CHECK(*first - day4 < static_cast<SimDuration>(crossing_h * H));  // before the load reaches 80
  CHECK(*first - day4 >= static_cast<SimDuration>(crossing_h * H) - 60 * M);  // not before the horizon sees it
  CHECK(max_point_error < 1.0);  // every forecast point within 1 (of 10..90) of the truth
  CHECK(eng.error_percent() < 1.0);
}

TEST_CASE("Predictive engine needs history and confidence; memory is bounded", "[scaling]") {
  PredictiveSpec ps;
  ps.min_history_points = 100;
  PredictiveEngine eng(ps, Calendar(0));
  for (int i = 0; i < 99; ++i) eng.observe(i * M, 50);
  Forecast f = eng.forecast(99 * M);
  CHECK_FALSE(f.valid);
  CHECK(f.note.find("99 points") != std::string::npos);
  std::string why;
  CHECK_FALSE(predictive_decision(99 * M, f, ps, 2, 10, 2, &why));
  CHECK(why == f.note);
  eng.observe(99 * M, 50);
  Forecast g = eng.forecast(100 * M);
  REQUIRE(g.valid);
  CHECK(g.peak == Approx(50));
  CHECK(g.confidence == 0);  // nothing scored yet
  // Several observations within a minute make one point; 10 days keep at most 7 days.
  PredictiveEngine big(ps, Calendar(0));
  for (SimTime t = 0; t < 10 * kMicrosPerDay; t += 20 * S) big.observe(t, 50);
  CHECK(big.history_points() <= 7 * 24 * 60);
  CHECK(big.history_points() >= 7 * 24 * 60 - 1);
  CHECK(big.evaluated_forecasts() <= PredictiveEngine::kErrorWindow);
  CHECK(big.error_percent() == Approx(0).margin(1e-9));
}

TEST_CASE("Seasonal naive on a repeating pattern has near-zero error", "[scaling]") {
  PredictiveSpec ps;
  ps.method = PredictiveSpec::Method::seasonal_naive;
  ps.min_history_points = 100;
  ps.lead = 30 * M;
  PredictiveEngine eng(ps, Calendar(0));
  // A daily sawtooth with a plateau: repeats exactly every day.
  auto pattern = [](SimTime t) {
    const SimTime in_day = t % kMicrosPerDay;
    return in_day < 12 * H ? 20.0 + 60.0 * static_cast<double>(in_day) / static_cast<double>(12 * H) : 35.0;
  };
  CHECK_FALSE(eng.forecast(0).valid);
  for (SimTime t = 0; t < 3 * kMicrosPerDay; t += M) eng.observe(t, pattern(t));
  INFO("seasonal naive error %: " << eng.error_percent());
  CHECK(eng.evaluated_forecasts() > 200);
  CHECK(eng.error_percent() < 0.01);
  Forecast f = eng.forecast(3 * kMicrosPerDay + 11 * H);
  REQUIRE(f.valid);
  CHECK(f.value_at_lead == Approx(pattern(11 * H + 30 * M)));
}

TEST_CASE("Scaling decisions are deterministic", "[scaling]") {
  auto run = [] {
    PredictiveSpec ps;
    PredictiveEngine eng(ps, Calendar(1767225600));
    std::string all;
    for (SimTime t = 0; t < 2 * kMicrosPerDay; t += M) {
      eng.observe(t, sine_day(t) + 3.0 * pmath::cos(static_cast<double>(t) / 7e8));
      if (t % H == 0) {
        Forecast f = eng.forecast(t);
        all += format_number(f.peak, 6) + "," + format_number(eng.error_percent(), 6) + ";";
      }
    }
    return all;
  };
  CHECK(run() == run());
}
