#include "report/hpa_manifest.h"

#include <algorithm>
#include <cmath>

#include "report/analysis.h"
#include "scaling/decision.h"

namespace opsim {

namespace {

std::string num(double v) { return scaling::format_number(v); }

}  // namespace

bool recommend_hpa(const Simulation& sim, const std::string& service, HpaRecommendation& out, std::string& why) {
  const Scenario& sc = sim.scenario();
  const auto it = std::find_if(sc.services.begin(), sc.services.end(), [&](const ServiceSpec& s) { return s.id == service; });
  if (it == sc.services.end()) {
    why = "no service of the scenario is \"" + service + "\"";
    return false;
  }
  const ServiceSpec& spec = *it;
  HpaRecommendation r;
  r.service = service;
  // The target: the service's own CPU target, where a target-tracking policy has one.
  std::string target_from;
  for (const ScalingSpec& section : sc.scaling) {
    if (section.service != service) continue;
    for (const ScalingPolicySpec& p : section.policies)
      if (p.kind == ScalingPolicySpec::Kind::target_tracking && p.metric == "cpu_utilization" && target_from.empty()) {
        r.target_percent = p.target;
        target_from = "policy " + p.id + "'s target";
      }
  }
  if (target_from.empty()) target_from = "Kubernetes' default";
  const int util_col = sim.metrics().find("service." + service + ".cpu_utilization");
  const int inst_col = sim.metrics().find("service." + service + ".instances");
  const SeriesStore& rows = sim.series();
  if (util_col < 0 || inst_col < 0 || rows.size() == 0) {
    why = "the run has no rows for service \"" + service + "\" yet";
    return false;
  }
  int least = -1, most = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double util = rows.value(i, static_cast<std::size_t>(util_col));
    const double instances = rows.value(i, static_cast<std::size_t>(inst_col));
    const double work = util / 100 * instances;
    // Rounded to a millionth first, so that a work of exactly 3 instances' worth at 100 %
    // is not taken for 3.0000000001.
    const int needed = std::max(1, static_cast<int>(std::ceil(std::round(work / (r.target_percent / 100) * 1e6) / 1e6)));
    if (least < 0 || needed < least) {
      least = needed;
      r.trough_work = work;
    }
    if (needed > most) {
      most = needed;
      r.peak_work = work;
    }
    if (instances >= spec.instances_max && util > 95) r.saturated = true;
    ++r.rows;
  }
  r.min_replicas = least;
  r.max_replicas = std::max(most, least);
  const std::string span = std::to_string(r.rows) + " intervals of " + format_duration(sc.monitoring.scrape_interval);
  r.reasons.push_back("cpu at " + num(r.target_percent) + " % utilization: " + target_from);
  r.reasons.push_back("the fewest replicas that held " + num(r.target_percent) + " % in any of " + span + " (" +
                      num(r.trough_work) + " instances' worth of busy slots at the trough)");
  if (r.saturated) {
    r.max_replicas = std::max(r.max_replicas, static_cast<int>(std::ceil(most * (1 + kSaturatedMargin))));
    r.reasons.push_back("the pool sat at its maximum of " + std::to_string(spec.instances_max) +
                        " instances, over 95 % busy: the work it turned away is not in the figures, so the peak's " +
                        std::to_string(most) + " replicas get " + num(kSaturatedMargin * 100) + " % more room");
  } else {
    r.reasons.push_back("the most replicas needed to hold " + num(r.target_percent) + " % in any interval (" +
                        num(r.peak_work) + " instances' worth of busy slots at the peak)");
  }
  const ScalingReport report = scaling_report(sim);
  for (const ScalingReport::Service& s : report.services)
    if (s.id == service && report.hours > 0 && s.decisions / report.hours > 2) {
      r.scale_down_stabilization_s = 600;
      r.reasons.push_back("the pool scaled " + num(s.decisions / report.hours) +
                          " times an hour: a 10-minute scale-down window (twice Kubernetes' 5) damps the flapping");
    }
  out = r;
  return true;
}

std::string hpa_manifest_yaml(const HpaRecommendation& r) {
  std::string y;
  y += "# opsim's recommendation for the pool of service " + r.service + ", from the run's figures.\n";
  y += "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: " + r.service + "\nspec:\n";
  y += "  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: " + r.service + "\n";
  y += "  # " + r.reasons[1] + "\n  minReplicas: " + std::to_string(r.min_replicas) + "\n";
  y += "  # " + r.reasons[2] + "\n  maxReplicas: " + std::to_string(r.max_replicas) + "\n";
  y += "  metrics:\n    # " + r.reasons[0] + "\n";
  y += "    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n";
  y += "          averageUtilization: " + num(std::round(r.target_percent)) + "\n";
  if (r.scale_down_stabilization_s >= 0) {
    y += "  behavior:\n    scaleDown:\n      # " + r.reasons.back() + "\n";
    y += "      stabilizationWindowSeconds: " + std::to_string(r.scale_down_stabilization_s) + "\n";
  }
  return y;
}

}  // namespace opsim
