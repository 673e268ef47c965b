#include "performance/performance.h"

#include <algorithm>
#include <cmath>

#include "scaling/decision.h"

namespace opsim::performance {

namespace {

struct Rule {
  Kind kind;
  double medium, high;
};
constexpr Rule kRules[] = {
    {Kind::cpu, 80, 90}, {Kind::memory, 85, 95}, {Kind::latency, 2000, 5000}, {Kind::queue, 100, 500}};

double value_of(const Inputs& in, Kind k) {
  switch (k) {
    case Kind::cpu: return in.cpu_utilization;
    case Kind::memory: return in.memory_utilization;
    case Kind::latency: return in.latency_avg_ms;
    case Kind::queue: return in.queue_depth;
  }
  return 0;
}

void set_value(Inputs& in, Kind k, double v) {
  switch (k) {
    case Kind::cpu: in.cpu_utilization = v; break;
    case Kind::memory: in.memory_utilization = v; break;
    case Kind::latency: in.latency_avg_ms = v; break;
    case Kind::queue: in.queue_depth = v; break;
  }
}

std::string num(double v) { return scaling::format_number(v, 1); }

std::string describe(Kind k, double v) {
  switch (k) {
    case Kind::cpu: return "CPU utilisation at " + num(v) + " %";
    case Kind::memory: return "memory utilisation at " + num(v) + " %";
    case Kind::latency: return "average latency at " + num(v) + " ms";
    case Kind::queue: return num(v) + " requests waiting on average";
  }
  return {};
}

void add_once(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

// The actions one bottleneck calls for on its service: high severity needs an immediate
// action and a short-term one, medium only the short-term one.
void plan_for(const Bottleneck& b, const ServiceFacts& s, Plan& plan) {
  const std::string on = " on " + s.id;
  std::string now, soon;
  switch (b.kind) {
    case Kind::cpu:
      if (!s.has_scaling)
        now = "Add a scaling policy for " + s.id + ": it runs " + std::to_string(s.instances) +
              " instances with no autoscaling";
      else if (s.instances >= s.instances_max)
        now = "Raise instances.max of " + s.id + ": the fleet is at its maximum of " + std::to_string(s.instances_max);
      else
        now = "Scale " + s.id + " out sooner: lower threshold_up or the target, or shorten the cooldown";
      soon = "Cut the work per request" + on + " (shorter agent work, lower complexity, smaller models)";
      break;
    case Kind::memory:
      now = s.has_vertical ? "Let the vertical policy move " + s.id + " to a larger instance size"
                           : "Give " + s.id + " instances more memory (a vertical policy or a larger instance.memory_mb)";
      soon = "Reduce memory per execution" + on + " (high-complexity agents and large models need more)";
      break;
    case Kind::latency:
      now = s.inputs.queue_depth >= 1 ? "Add capacity" + on + ": requests wait in its queue"
                                       : "Look at the work itself" + on + ": requests barely queue, so the time is in the agents";
      soon = s.uses_context ? "Shorten context assembly" + on + ": longer cache_ttl for slow providers, fewer keys"
                            : "Cut the work per request" + on + " (shorter agent work, lower complexity, smaller models)";
      break;
    case Kind::queue:
      now = "Add instances or concurrency" + on + " to drain its queue";
      soon = "Isolate tenants" + on + " (namespace isolation queues each tenant fairly) so one burst cannot hold the rest";
      break;
  }
  if (b.severity == Severity::high) add_once(plan.immediate, now);
  add_once(plan.short_term, soon);
}

}  // namespace

double score(const Inputs& in) {
  double s = 100.0;
  if (in.cpu_utilization > 80) s -= (in.cpu_utilization - 80) * 0.5;
  if (in.memory_utilization > 85) s -= (in.memory_utilization - 85) * 0.6;
  if (in.latency_avg_ms > 1000) s -= std::min(30.0, (in.latency_avg_ms - 1000) / 100);
  if (in.queue_depth > 50) s -= std::min(20.0, (in.queue_depth - 50) / 10);
  return std::max(0.0, std::round(s * 10) / 10);
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::cpu: return "cpu_bottleneck";
    case Kind::memory: return "memory_bottleneck";
    case Kind::latency: return "latency_bottleneck";
    case Kind::queue: return "queue_bottleneck";
  }
  return "";
}

const char* severity_name(Severity s) { return s == Severity::high ? "high" : "medium"; }

Analysis analyze(const Inputs& overall, const std::vector<ServiceFacts>& services) {
  Analysis a;
  a.score = score(overall);
  Inputs relieved = overall;
  for (const ServiceFacts& s : services) {
    for (const Rule& r : kRules) {
      const double v = value_of(s.inputs, r.kind);
      if (!(v > r.medium)) continue;
      Bottleneck b;
      b.service = s.id;
      b.kind = r.kind;
      b.severity = v > r.high ? Severity::high : Severity::medium;
      b.value = v;
      b.threshold = r.medium;
      b.description = describe(r.kind, v) + " on " + s.id;
      plan_for(b, s, a.plan);
      a.bottlenecks.push_back(std::move(b));
      set_value(relieved, r.kind, std::min(value_of(relieved, r.kind), r.medium));
    }
    // Long term: structural changes the figures argue for.
    const bool strained = std::any_of(a.bottlenecks.begin(), a.bottlenecks.end(),
                                      [&](const Bottleneck& b) { return b.service == s.id; });
    if (strained && s.has_scaling && !s.has_predictive)
      add_once(a.plan.long_term, "Enable predictive scaling on " + s.id +
                                     " so that capacity is ready before load that follows a daily or weekly pattern");
    if (strained && !s.has_vertical && s.inputs.memory_utilization > 85)
      add_once(a.plan.long_term, "Add a vertical policy on " + s.id + " so that its instance size follows memory pressure");
  }
  a.plan.estimated_improvement = std::max(0.0, score(relieved) - a.score);
  return a;
}

}  // namespace opsim::performance
