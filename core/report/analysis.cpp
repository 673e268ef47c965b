#include "report/analysis.h"

#include <algorithm>

#include "json/json.h"
#include "scaling/decision.h"

namespace opsim {

namespace {

// A metric's value for the span: the last scrape row, or the run so far.
class Figures {
 public:
  Figures(const Simulation& sim, bool whole_run) : sim_(sim) {
    const SeriesStore& series = sim.series();
    if (whole_run || series.size() == 0) {
      values_ = sim.summary_values();
    } else {
      values_.resize(series.columns());
      for (std::size_t c = 0; c < series.columns(); ++c) values_[c] = series.value(series.size() - 1, c);
    }
  }
  double get(const std::string& name) const {
    const int col = sim_.metrics().find(name);
    return col >= 0 ? values_[static_cast<std::size_t>(col)] : 0.0;
  }
  performance::Inputs inputs(const std::string& prefix) const {
    performance::Inputs in;
    in.cpu_utilization = get(prefix + "cpu_utilization");
    in.memory_utilization = get(prefix + "memory_utilization");
    in.latency_avg_ms = get(prefix + "latency_avg_ms");
    in.queue_depth = get(prefix + "queue_depth");
    return in;
  }

 private:
  const Simulation& sim_;
  std::vector<double> values_;
};

std::string string_array(const std::vector<std::string>& items) {
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + json::quote(items[i]);
  return s + "]";
}

// A JSON array of objects, one a line, indented inside summary.json's nesting.
std::string object_array(const std::vector<std::string>& objects) {
  std::string s = "[";
  for (std::size_t i = 0; i < objects.size(); ++i) s += (i ? ",\n      " : "\n      ") + objects[i];
  return s + (objects.empty() ? "]" : "\n    ]");
}

std::string num(double v) { return scaling::format_number(v, 1); }

}  // namespace

performance::Analysis analyze_performance(const Simulation& sim, bool whole_run) {
  const Scenario& sc = sim.scenario();
  const Figures fig(sim, whole_run);
  std::vector<performance::ServiceFacts> services;
  for (std::size_t v = 0; v < sc.services.size(); ++v) {
    const ServiceSpec& spec = sc.services[v];
    performance::ServiceFacts f;
    f.id = spec.id;
    f.inputs = fig.inputs("service." + spec.id + ".");
    f.instances = static_cast<int>(fig.get("service." + spec.id + ".instances"));
    f.instances_max = spec.instances_max;
    f.uses_context = sim.context().enabled();
    for (const ScalingSpec& s : sc.scaling) {
      if (s.service_index != static_cast<int>(v)) continue;
      f.has_scaling = true;
      f.has_predictive = f.has_predictive || s.predictive.enabled;
      for (const ScalingPolicySpec& p : s.policies)
        f.has_vertical = f.has_vertical || p.direction == ScalingPolicySpec::Direction::vertical;
    }
    services.push_back(f);
  }
  performance::Analysis a = performance::analyze(fig.inputs(""), services);
  a.score = fig.get("performance_score");
  return a;
}

std::string performance_json(const performance::Analysis& a) {
  std::vector<std::string> bottlenecks;
  for (const performance::Bottleneck& x : a.bottlenecks) {
    json::ObjectWriter w;
    w.field("service", x.service)
        .field("type", performance::kind_name(x.kind))
        .field("severity", performance::severity_name(x.severity))
        .field("value", x.value)
        .field("threshold", x.threshold)
        .field("description", x.description);
    bottlenecks.push_back(w.str());
  }
  std::string s = "{\n    \"score\": " + json::number(a.score) + ",\n    \"bottlenecks\": " + object_array(bottlenecks) + ",\n";
  s += "    \"plan\": {\"immediate\": " + string_array(a.plan.immediate) +
       ",\n             \"short_term\": " + string_array(a.plan.short_term) +
       ",\n             \"long_term\": " + string_array(a.plan.long_term) +
       ",\n             \"estimated_improvement\": " + json::number(a.plan.estimated_improvement) + "}\n  }";
  return s;
}

ScalingReport scaling_report(const Simulation& sim) {
  const Scenario& sc = sim.scenario();
  const std::vector<double> values = sim.summary_values();
  auto get = [&](const std::string& name) {
    const int col = sim.metrics().find(name);
    return col >= 0 ? values[static_cast<std::size_t>(col)] : 0.0;
  };
  ScalingReport r;
  r.hours = to_seconds(sim.now()) / 3600.0;
  for (std::size_t v = 0; v < sc.services.size(); ++v) {
    const ServiceSpec& spec = sc.services[v];
    ScalingReport::Service s;
    s.id = spec.id;
    const std::string prefix = "service." + spec.id + ".";
    s.instances = static_cast<int>(get(prefix + "instances"));
    s.instances_max_reached = static_cast<int>(get(prefix + "instances_max"));
    s.instances_max = spec.instances_max;
    s.cost_usd = get(prefix + "cost_usd");
    s.cpu_utilization = get(prefix + "cpu_utilization");
    s.forecast_error_percent = get(prefix + "forecast_error_percent");
    bool size_set = false;
    for (std::size_t pi = 0; pi < sim.pool_count(); ++pi) {
      const Simulation::PoolView pv = sim.pool_view(static_cast<int>(pi));
      if (pv.service != static_cast<int>(v)) continue;
      if (!size_set) s.size_factor = pv.size_factor, size_set = true;  // the shared pool's, listed first
      const Simulation::PoolScalingStats& st = sim.pool_scaling_stats(static_cast<int>(pi));
      const int n = st.scale_out + st.scale_in + st.scale_up + st.scale_down;
      s.decisions += n;
      r.scale_out += st.scale_out;
      r.scale_in += st.scale_in;
      r.scale_up += st.scale_up;
      r.scale_down += st.scale_down;
      r.predictive += st.predictive;
      if (st.last_at >= 0) s.last_decision_s = std::max(s.last_decision_s, to_seconds(st.last_at));
    }
    r.decisions += s.decisions;
    // Policies: each of the service's scaling sections, then decisions made by hand.
    auto decisions_of = [&](const std::string& policy) {
      int n = 0;
      for (std::size_t pi = 0; pi < sim.pool_count(); ++pi) {
        if (sim.pool_view(static_cast<int>(pi)).service != static_cast<int>(v)) continue;
        for (const auto& e : sim.pool_scaling_stats(static_cast<int>(pi)).by_policy)
          if (e.first == policy) n += e.second;
      }
      return n;
    };
    auto add_policy = [&](const std::string& id, const std::string& kind) {
      ScalingReport::Policy p;
      p.service = spec.id;
      p.id = id;
      p.kind = kind;
      p.decisions = decisions_of(id);
      p.per_hour = r.hours > 0 ? p.decisions / r.hours : 0;
      r.policies.push_back(p);
    };
    for (const ScalingSpec& section : sc.scaling) {
      if (section.service_index != static_cast<int>(v)) continue;
      s.scaled = true;
      for (const ScalingPolicySpec& p : section.policies) {
        const char* kind = p.kind == ScalingPolicySpec::Kind::target_tracking        ? "target_tracking"
                           : p.direction == ScalingPolicySpec::Direction::vertical ? "vertical"
                           : p.trigger == ScalingTrigger::schedule                 ? "schedule"
                                                                                   : "threshold";
        add_policy(p.id, kind);
      }
      if (section.predictive.enabled) {
        s.predictive = true;
        add_policy("predictive", "predictive");
      }
    }
    if (decisions_of("manual") > 0) add_policy("manual", "manual");
    r.services.push_back(s);
  }
  r.decisions_per_hour = r.hours > 0 ? r.decisions / r.hours : 0;

  // Recommendations, each from a figure above.
  std::vector<std::string>& rec = r.recommendations;
  if (r.decisions_per_hour > 2)
    rec.push_back("Scaling " + num(r.decisions_per_hour) +
                  " times an hour: widen the gap between threshold_up and threshold_down, or lengthen cooldowns and "
                  "the scale-down stabilisation window.");
  if (r.scale_out >= 3 && r.scale_out > 3 * r.scale_in)
    rec.push_back(std::to_string(r.scale_out) + " scale-outs against " + std::to_string(r.scale_in) +
                  " scale-ins: the fleet grows much more than it shrinks; check threshold_down and cost_optimization.");
  for (const ScalingReport::Service& s : r.services) {
    if (s.scaled && s.decisions == 0)
      rec.push_back(s.id + " never scaled: its policies' thresholds were not crossed for long enough (CPU averaged " +
                    num(s.cpu_utilization) + " %).");
    if (s.instances_max_reached >= s.instances_max && s.instances_max > 0 && s.scaled)
      rec.push_back(s.id + " reached its maximum of " + std::to_string(s.instances_max) +
                    " instances: raise instances.max, or expect queueing at the peaks.");
    if (s.scaled && s.cpu_utilization > 0 && s.cpu_utilization < 30)
      rec.push_back(s.id + " averaged " + num(s.cpu_utilization) +
                    " % CPU: the fleet is larger than the load needs; raise thresholds or targets, or turn on "
                    "cost_optimization.");
    if (s.predictive && s.forecast_error_percent > 25)
      rec.push_back("Forecasts for " + s.id + " were off by " + num(s.forecast_error_percent) +
                    " % (weighted): the load does not follow its daily or weekly pattern closely; compare the "
                    "seasonal_naive method, or lean on reactive policies.");
  }
  for (const ScalingReport::Policy& p : r.policies)
    if (p.decisions == 0 && p.kind != "manual" && r.hours >= 1)
      rec.push_back("Policy " + p.id + " on " + p.service + " never acted in " + num(r.hours) + " h.");
  return r;
}

std::string scaling_report_json(const ScalingReport& r) {
  json::ObjectWriter stats;
  stats.field("hours", r.hours)
      .field("decisions", r.decisions)
      .field("scale_out", r.scale_out)
      .field("scale_in", r.scale_in)
      .field("scale_up", r.scale_up)
      .field("scale_down", r.scale_down)
      .field("predictive", r.predictive)
      .field("decisions_per_hour", r.decisions_per_hour);
  std::vector<std::string> services, policies;
  for (const ScalingReport::Service& s : r.services) {
    json::ObjectWriter w;
    w.field("service", s.id)
        .field("scaled", s.scaled)
        .field("instances", s.instances)
        .field("instances_max_reached", s.instances_max_reached)
        .field("instances_max", s.instances_max)
        .field("decisions", s.decisions);
    if (s.last_decision_s >= 0) w.field("last_decision_s", s.last_decision_s);
    else w.raw("last_decision_s", "null");
    w.field("cost_usd", s.cost_usd).field("cpu_utilization", s.cpu_utilization).field("size_factor", s.size_factor);
    if (s.predictive) w.field("forecast_error_percent", s.forecast_error_percent);
    services.push_back(w.str());
  }
  for (const ScalingReport::Policy& p : r.policies) {
    json::ObjectWriter w;
    w.field("service", p.service).field("policy", p.id).field("kind", p.kind).field("decisions", p.decisions);
    w.field("per_hour", p.per_hour);
    policies.push_back(w.str());
  }
  return "{\n    \"statistics\": " + stats.str() + ",\n    \"services\": " + object_array(services) +
         ",\n    \"policies\": " + object_array(policies) + ",\n    \"recommendations\": " +
         string_array(r.recommendations) + "\n  }";
}

}  // namespace opsim
