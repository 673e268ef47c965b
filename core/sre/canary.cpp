#include "sre/canary.h"

#include "json/json.h"
#include "scaling/decision.h"

namespace opsim::sre {

const char* deployment_strategy_name(DeploymentSpec::Strategy s) {
  switch (s) {
    case DeploymentSpec::Strategy::rolling: return "rolling";
    case DeploymentSpec::Strategy::canary: return "canary";
    case DeploymentSpec::Strategy::blue_green: return "blue_green";
  }
  return "rolling";
}

double VersionWindow::error_percent() const {
  return completed() ? 100.0 * static_cast<double>(failed) / static_cast<double>(completed()) : 0.0;
}

double VersionWindow::p95_ms() const { return latency.count() ? latency.quantile_us(0.95) / 1000.0 : 0.0; }

CanaryAnalysis analyze_canary(const DeploymentSpec& d, const VersionWindow& canary, const VersionWindow& baseline) {
  using scaling::format_number;
  CanaryAnalysis a;
  a.canary_requests = canary.completed();
  a.baseline_requests = baseline.completed();
  a.canary_error_percent = canary.error_percent();
  a.baseline_error_percent = baseline.error_percent();
  a.canary_p95_ms = canary.p95_ms();
  a.baseline_p95_ms = baseline.p95_ms();
  a.enough_data = a.canary_requests >= kMinCanaryRequests;
  if (!a.enough_data) {
    a.reason = "only " + std::to_string(a.canary_requests) + " requests completed on the new version (at least " +
               std::to_string(kMinCanaryRequests) + " are needed to judge it)";
    return a;
  }
  const bool error_gate = a.canary_error_percent > d.canary_max_error_rate_percent &&
                          a.canary_error_percent > a.baseline_error_percent;
  // No baseline latency (no successes on the old version): the limit alone decides.
  const bool latency_gate = d.canary_max_latency_p95_ms > 0 && a.canary_p95_ms > d.canary_max_latency_p95_ms &&
                            (a.baseline_p95_ms <= 0 || a.canary_p95_ms > a.baseline_p95_ms);
  a.passed = !error_gate && !latency_gate;
  const std::string figures = "error rate " + format_number(a.canary_error_percent) + " % (baseline " +
                              format_number(a.baseline_error_percent) + " %, limit " +
                              format_number(d.canary_max_error_rate_percent) + " %), p95 " +
                              format_number(a.canary_p95_ms) + " ms (baseline " + format_number(a.baseline_p95_ms) +
                              " ms" +
                              (d.canary_max_latency_p95_ms > 0 ? ", limit " + format_number(d.canary_max_latency_p95_ms) + " ms"
                                                               : std::string()) +
                              ") over " + std::to_string(a.canary_requests) + " requests";
  if (error_gate && latency_gate) a.reason = "the new version fails both gates: " + figures;
  else if (error_gate) a.reason = "the new version's error rate is over its limit and the baseline's: " + figures;
  else if (latency_gate) a.reason = "the new version's p95 is over its limit and the baseline's: " + figures;
  else a.reason = "the new version is within its gates: " + figures;
  return a;
}

EventFields canary_analysis_fields(const CanaryAnalysis& a) {
  auto side = [](std::uint64_t n, double err, double p95) {
    EventFields f;
    f.add("requests", n).add("error_rate_percent", err).add("latency_p95_ms", p95);
    return f;
  };
  EventFields f;
  f.add("at_s", to_seconds(a.at))
      .add("step", a.step)
      .add("weight_percent", a.weight_percent)
      .add("canary", side(a.canary_requests, a.canary_error_percent, a.canary_p95_ms))
      .add("baseline", side(a.baseline_requests, a.baseline_error_percent, a.baseline_p95_ms))
      .add("enough_data", a.enough_data)
      .add("passed", a.passed)
      .add("reason", a.reason);
  return f;
}

}  // namespace opsim::sre
