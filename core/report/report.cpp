#include "report/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "json/json.h"
#include "report/analysis.h"
#include "report/event_json.h"
#include "report/sre_dashboard.h"

namespace opsim {

std::vector<ObjectiveResult> evaluate_objectives(const Simulation& sim, const std::vector<double>& summary) {
  std::vector<ObjectiveResult> out;
  for (const ObjectiveSpec& o : sim.scenario().objectives) {
    ObjectiveResult r;
    r.spec = &o;
    const int col = sim.metrics().find(o.metric);
    if (col >= 0) {
      r.measured = true;
      r.actual = summary[static_cast<std::size_t>(col)];
      r.passed = compare(r.actual, o.op, o.value);
    }
    out.push_back(r);
  }
  return out;
}

std::string metrics_json(const Simulation& sim, const std::vector<double>& values, bool pretty) {
  const auto& columns = sim.metrics().columns();
  std::string metrics = "{";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) metrics += ",";
    if (pretty) metrics += "\n    ";
    metrics += json::quote(columns[i].name) + ": " + json::number(values[i]);
  }
  return metrics + (pretty ? "\n  }" : "}");
}

std::string state_json(const Simulation& sim) {
  return "{\"t_s\": " + json::number(to_seconds(sim.now())) + ", \"metrics\": " +
         metrics_json(sim, sim.summary_values(), false) + "}";
}

std::string slos_json(const Simulation& sim) {
  std::string s = "[";
  const SimTime now = sim.now();
  for (std::size_t k = 0; k < sim.slos().size(); ++k) {
    const sre::SloTracker& t = sim.slos()[k];
    const SloSpec& spec = t.spec();
    const sre::BurnRateAlerts& alerts = sim.slo_alerts()[k];
    json::ObjectWriter w;
    w.field("id", spec.id);
    if (spec.service.empty()) w.raw("service", "null");
    else w.field("service", spec.service);
    w.field("indicator", slo_indicator_name(spec.indicator));
    if (spec.indicator == SloSpec::Indicator::latency) w.field("threshold_ms", to_seconds(spec.threshold) * 1000.0);
    w.field("target_percent", spec.target_percent)
        .field("window_s", to_seconds(spec.window))
        .field("total_events", static_cast<double>(t.total_events(now, spec.window)))
        .field("bad_events", static_cast<double>(t.bad_events(now, spec.window)))
        .field("sli_percent", t.sli_percent(now))
        .field("budget_remaining_percent", t.budget_remaining_percent(now))
        .field("burn_rate_1h", t.burn_rate(now, kMicrosPerHour))
        .field("compliant", t.compliant(now))
        .field("burn_rate_alerts_fired", static_cast<double>(alerts.fired_total()));
    s += (k ? ",\n    " : "\n    ") + w.str();
  }
  return s + (sim.slos().empty() ? "]" : "\n  ]");
}

std::string incidents_json(const Simulation& sim) {
  const sre::IncidentManager* m = sim.incidents();
  if (!m || m->incidents().empty()) return "[]";
  std::string s = "[";
  for (std::size_t i = 0; i < m->incidents().size(); ++i)
    s += (i ? ",\n    " : "\n    ") + m->incident_json(m->incidents()[i], sim.now());
  return s + "\n  ]";
}

std::string chaos_json(const Simulation& sim) {
  if (sim.chaos_count() == 0) return "[]";
  std::string s = "[";
  for (std::size_t i = 0; i < sim.chaos_count(); ++i) {
    const Simulation::ChaosView v = sim.chaos_view(i);
    s += (i ? ",\n    " : "\n    ") + sre::chaos_result_json(*v.spec, *v.result);
  }
  return s + "\n  ]";
}

std::string deployments_json(const Simulation& sim) {
  if (sim.deployment_count() == 0) return "[]";
  std::string s = "[";
  for (std::size_t d = 0; d < sim.deployment_count(); ++d) {
    const Simulation::DeploymentView v = sim.deployment_view(d);
    std::string analyses = "[";
    for (std::size_t k = 0; k < v.analyses.size(); ++k) analyses += (k ? "," : "") + fields_json(sre::canary_analysis_fields(v.analyses[k]).take());
    analyses += "]";
    auto time_or_null = [](SimTime t) { return t < 0 ? std::string("null") : json::number(to_seconds(t)); };
    s += (d ? ",\n    " : "\n    ") + json::ObjectWriter()
                                         .field("id", v.spec->id)
                                         .field("service", v.spec->service)
                                         .field("strategy", sre::deployment_strategy_name(v.spec->strategy))
                                         .field("phase", v.phase)
                                         .raw("started_at_s", time_or_null(v.started_at))
                                         .raw("finished_at_s", time_or_null(v.finished_at))
                                         .field("new_instances", v.new_instances)
                                         .field("old_instances", v.old_instances)
                                         .field("outcome", v.outcome)
                                         .raw("analyses", analyses)
                                         .str();
  }
  return s + "\n  ]";
}

std::string postmortems_json(const Simulation& sim) {
  const sre::IncidentManager* m = sim.incidents();
  if (!m || m->postmortems().empty()) return "[]";
  std::string s = "[";
  for (std::size_t i = 0; i < m->postmortems().size(); ++i)
    s += (i ? ",\n    " : "\n    ") + sre::IncidentManager::postmortem_json(m->postmortems()[i]);
  return s + "\n  ]";
}

std::string summary_json(const Simulation& sim, SimTime requested_end) {
  const std::vector<double> values = sim.summary_values();
  const std::string metrics = metrics_json(sim, values, true);
  std::string objectives = "[";
  const auto results = evaluate_objectives(sim, values);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ObjectiveResult& r = results[i];
    json::ObjectWriter w;
    w.field("id", r.spec->id)
        .field("description", r.spec->description)
        .field("metric", r.spec->metric)
        .field("op", op_text(r.spec->op))
        .field("value", r.spec->value);
    if (r.measured) w.field("actual", r.actual);
    else w.raw("actual", "null");
    w.field("passed", r.passed);
    objectives += (i ? ",\n    " : "\n    ") + w.str();
  }
  objectives += results.empty() ? "]" : "\n  ]";
  std::string s = "{\n";
  s += "  \"scenario\": " + json::quote(sim.scenario().name) + ",\n";
  s += "  \"seed\": " + std::to_string(sim.seed()) + ",\n";
  s += "  \"duration_s\": " + json::number(to_seconds(sim.now())) + ",\n";
  if (requested_end >= 0) {
    s += "  \"interrupted\": true,\n";
    s += "  \"requested_duration_s\": " + json::number(to_seconds(requested_end)) + ",\n";
  }
  s += "  \"metrics\": " + metrics + ",\n";
  s += "  \"slos\": " + slos_json(sim) + ",\n";
  // Incidents with their timelines, and the postmortem drafts (an incidents section turns
  // incident management on); chaos experiments are listed here once they run.
  s += "  \"incidents\": " + incidents_json(sim) + ",\n";
  s += "  \"postmortems\": " + postmortems_json(sim) + ",\n";
  s += "  \"chaos\": " + chaos_json(sim) + ",\n";
  s += "  \"deployments\": " + deployments_json(sim) + ",\n";
  // The SRE dashboard: availability against targets, budgets, incidents, trends, advice.
  s += "  \"sre\": " + sre_dashboard_json(sre_dashboard(sim)) + ",\n";
  s += "  \"scaling\": " + scaling_report_json(scaling_report(sim)) + ",\n";
  s += "  \"performance\": " + performance_json(analyze_performance(sim, true)) + ",\n";
  s += "  \"objectives\": " + objectives + "\n}\n";
  return s;
}

std::string timeseries_csv_header(const MetricRegistry& registry) {
  std::string s = "t_s";
  for (const Column& c : registry.columns()) s += "," + c.name;
  s += "\n";
  return s;
}

std::string timeseries_csv_row(SimTime t, const std::vector<double>& row) {
  std::string s = json::number(to_seconds(t));
  for (double v : row) {
    s += ',';
    s += json::number(v);
  }
  s += '\n';
  return s;
}

namespace {

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string pad(std::string s, std::size_t width, bool left = false) {
  if (s.size() >= width) return s;
  return left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
}

// The SRE dashboard's short form: availability against target per service, incidents,
// and the first recommendation.
std::string sre_table(const SreDashboard& d) {
  auto count = [](std::uint64_t n) { return std::to_string(n); };
  std::string s = "\n" + pad("sre service", 16, true) + pad("avail %", 10) + pad("target %", 10) + pad("met", 5) +
                  "  status\n";
  for (const SreServiceRow& r : d.services) {
    const std::string target = r.has_target ? fmt("%.3f", r.target_percent) : "-";
    const std::string met = r.has_target ? (r.met ? "yes" : "no") : "-";
    s += pad(r.service, 16, true) + pad(fmt("%.3f", r.availability_percent), 10) + pad(target, 10) + pad(met, 5) + "  " +
         sre::service_status_name(r.status) + "\n";
  }
  const SreIncidentSummary& inc = d.incidents;
  if (inc.enabled) {
    s += "incidents " + count(inc.total) + (inc.whole_run ? " over the run" : " in 30 days") + " (sev1 " +
         count(inc.by_severity[0]) + ", sev2 " + count(inc.by_severity[1]) + ", sev3 " + count(inc.by_severity[2]) +
         ", sev4 " + count(inc.by_severity[3]) + "), " + count(inc.open) + " open, MTTR " +
         (std::isnan(inc.mttr_minutes) ? std::string("-") : fmt("%.1f", inc.mttr_minutes) + " min") + ", postmortems " +
         count(inc.postmortems_written) + " of " + count(inc.postmortems_due) + " due";
    if (!std::isnan(inc.postmortem_coverage_percent)) s += " (" + fmt("%.0f", inc.postmortem_coverage_percent) + " %)";
    s += "\n";
  } else {
    s += "incidents not managed (the scenario has no incidents section)\n";
  }
  if (d.recommendations.empty()) return s + "advice    none: no rule triggered\n";
  s += "advice    " + d.recommendations.front().priority + " " + d.recommendations.front().text;
  if (d.recommendations.size() > 1) s += " (+" + count(d.recommendations.size() - 1) + " more)";
  return s + "\n";
}

}  // namespace

std::string summary_table(const Simulation& sim) {
  const std::vector<double> v = sim.summary_values();
  const MetricRegistry& reg = sim.metrics();
  auto get = [&](const std::string& name) {
    const int c = reg.find(name);
    return c >= 0 ? v[static_cast<std::size_t>(c)] : 0.0;
  };
  const Scenario& sc = sim.scenario();
  std::string s;
  s += "scenario  " + sc.name + "\n";
  s += "seed      " + std::to_string(sim.seed()) + "\n";
  s += "simulated " + format_duration(sim.now()) + " from " + sc.calendar.iso8601(0) + " (" +
       fmt("%.0f", static_cast<double>(sim.events_processed())) + " events)\n\n";
  s += "requests  " + fmt("%.0f", get("requests_total")) + " total, " + fmt("%.0f", get("requests_succeeded")) +
       " succeeded, " + fmt("%.0f", get("requests_failed")) + " failed, " + fmt("%.0f", get("requests_rejected")) +
       " rejected, " + fmt("%.0f", get("requests_in_flight")) + " in flight\n";
  s += "failures  " + fmt("%.0f", get("requests_failed_queue_full")) + " queue full, " +
       fmt("%.0f", get("requests_failed_timeout")) + " queue timeout, " +
       fmt("%.0f", get("requests_failed_agent_error")) + " agent error\n";
  if (sc.has_calls())
    s += "calls     " + fmt("%.0f", get("requests_failed_dependency")) + " failed by a dependency, " +
         fmt("%.0f", get("requests_failed_circuit_open")) + " by an open circuit breaker, " +
         fmt("%.0f", get("requests_degraded")) + " degraded; " + fmt("%.0f", get("retries")) + " retries, " +
         fmt("%.2f", get("retry_amplification")) + " attempts per first attempt\n";
  if (sc.has_providers()) {
    double throttled = 0;  // model calls refused, counted where they were sent
    for (const ServiceSpec& sv : sc.services) throttled += get("service." + sv.id + ".requests_failed_throttled");
    s += "models    " + fmt("%.0f", get("tokens_in")) + " tokens in, " + fmt("%.0f", get("tokens_out")) +
         " out, $" + fmt("%.2f", get("token_cost_usd")) + "; " + fmt("%.0f", throttled) + " model calls throttled (429)\n";
  }
  if (sc.sheds()) {
    double shed = 0;  // requests and call attempts alike, counted where they were shed
    for (const ServiceSpec& sv : sc.services) shed += get("service." + sv.id + ".requests_shed");
    s += "shedding  " + fmt("%.0f", shed) + " requests shed by priority, " + fmt("%.0f", get("requests_shed")) +
         " of them users' own\n";
  }
  s += "latency   avg " + fmt("%.1f", get("latency_avg_ms")) + " ms, p50 " + fmt("%.1f", get("latency_p50_ms")) +
       " ms, p95 " + fmt("%.1f", get("latency_p95_ms")) + " ms, p99 " + fmt("%.1f", get("latency_p99_ms")) + " ms\n";
  s += "rates     " + fmt("%.2f", get("request_rate")) + " req/s, availability " +
       fmt("%.3f", get("availability_percent")) + " %, errors " + fmt("%.3f", get("error_rate_percent")) + " %\n";
  s += "fleet     " + fmt("%.0f", get("instances")) + " instances (max " + fmt("%.0f", get("instances_max")) +
       "), cpu " + fmt("%.1f", get("cpu_utilization")) + " %, memory " + fmt("%.1f", get("memory_utilization")) +
       " %, queue " + fmt("%.2f", get("queue_depth")) + " avg / " + fmt("%.0f", get("queue_depth_max")) +
       " max, cost $" + fmt("%.2f", get("cost_usd")) + "\n";
  const ScalingReport scaling = scaling_report(sim);
  s += "scaling   " + fmt("%.0f", static_cast<double>(scaling.decisions)) + " decisions (" +
       fmt("%.0f", static_cast<double>(scaling.scale_out)) + " out, " + fmt("%.0f", static_cast<double>(scaling.scale_in)) +
       " in, " + fmt("%.0f", static_cast<double>(scaling.scale_up + scaling.scale_down)) + " resizes), " +
       fmt("%.0f", get("alerts_fired")) + " alert(s) fired\n";
  const performance::Analysis perf = analyze_performance(sim, true);
  s += "perf      score " + fmt("%.1f", perf.score) + ", " + fmt("%.0f", static_cast<double>(perf.bottlenecks.size())) +
       " bottleneck(s) over the run\n\n";

  s += pad("tenant", 16, true) + pad("requests", 12) + pad("req/s", 10) + pad("avail %", 10) + pad("p50 ms", 10) +
       pad("p95 ms", 10) + pad("p99 ms", 10) + pad("rejected", 10) + "\n";
  for (const TenantSpec& t : sc.tenants) {
    const std::string p = "tenant." + t.id + ".";
    s += pad(t.id, 16, true) + pad(fmt("%.0f", get(p + "requests_total")), 12) + pad(fmt("%.2f", get(p + "request_rate")), 10) +
         pad(fmt("%.3f", get(p + "availability_percent")), 10) + pad(fmt("%.1f", get(p + "latency_p50_ms")), 10) +
         pad(fmt("%.1f", get(p + "latency_p95_ms")), 10) + pad(fmt("%.1f", get(p + "latency_p99_ms")), 10) +
         pad(fmt("%.0f", get(p + "requests_rejected")), 10) + "\n";
  }
  s += "\n" + pad("service", 16, true) + pad("requests", 12) + pad("instances", 11) + pad("cpu %", 9) + pad("queue", 9) +
       pad("p95 ms", 10) + pad("cost $", 11) + "\n";
  for (const ServiceSpec& sv : sc.services) {
    const std::string p = "service." + sv.id + ".";
    s += pad(sv.id, 16, true) + pad(fmt("%.0f", get(p + "requests_total")), 12) + pad(fmt("%.0f", get(p + "instances")), 11) +
         pad(fmt("%.1f", get(p + "cpu_utilization")), 9) + pad(fmt("%.2f", get(p + "queue_depth")), 9) +
         pad(fmt("%.1f", get(p + "latency_p95_ms")), 10) + pad(fmt("%.2f", get(p + "cost_usd")), 11) + "\n";
  }
  s += sre_table(sre_dashboard(sim));
  return s;
}

std::string objectives_table(const std::vector<ObjectiveResult>& results) {
  // Columns as wide as their longest entry (and a space), so long names never run together.
  std::size_t id_width = 10, metric_width = 7;
  for (const ObjectiveResult& r : results) {
    id_width = std::max(id_width, r.spec->id.size() + 1);
    metric_width = std::max(metric_width, r.spec->metric.size() + 1);
  }
  std::string s = pad("objective", id_width, true) + pad("metric", metric_width, true) + pad("target", 14, true) +
                  pad("actual", 14) + "  result\n";
  for (const ObjectiveResult& r : results) {
    const std::string target = std::string(op_text(r.spec->op)) + " " + json::number(r.spec->value);
    s += pad(r.spec->id, id_width, true) + pad(r.spec->metric, metric_width, true) + pad(target, 14, true) +
         pad(r.measured ? json::number(r.actual) : "n/a", 14) + "  " +
         (r.passed ? "PASS" : r.measured ? "FAIL" : "FAIL (metric not simulated)") + "\n";
  }
  return s;
}

}  // namespace opsim
