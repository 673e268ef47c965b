#include "scaling/hpa.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>

#include "scaling/decision.h"

namespace opsim::scaling {

std::string format_number(double v, int decimals) {
  if (!std::isfinite(v)) return v != v ? "nan" : (v > 0 ? "inf" : "-inf");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

namespace {

std::string plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string stays_at(int current) { return ", so the count stays at " + plural(current, "instance") + "."; }

// Go's int32(float64) for the values the rate limits produce (truncation towards zero),
// saturated instead of undefined outside the int range.
int to_int(double x) {
  if (!(x == x)) return 0;
  if (x >= static_cast<double>(INT_MAX)) return INT_MAX;
  if (x <= static_cast<double>(INT_MIN)) return INT_MIN;
  return static_cast<int>(x);
}

SimDuration longest_period(const BehaviorRulesSpec& r) {
  SimDuration p = 0;
  for (const auto& bp : r.policies) p = std::max(p, bp.period);
  return p;
}

}  // namespace

HpaPods HpaPods::aggregate(int ready, double average, int missing, int unready) {
  HpaPods p;
  p.ready = ready;
  p.average = average;
  p.missing = std::max(0, missing);
  p.unready = std::max(0, unready);
  return p;
}

HpaPods HpaPods::pool_total(int ready, double total, int missing, int unready) {
  return aggregate(ready, ready > 0 ? total / ready : 0.0, missing, unready);
}

HpaPods HpaPods::ready_and_starting(int ready, double average, int starting) {
  HpaPods p = aggregate(ready, average, starting);
  p.missing_at_target = true;
  return p;
}

HpaPods HpaPods::from_pods(const std::vector<HpaPod>& pods, HpaTarget target, bool cpu_resource) {
  HpaPods p;
  double sum = 0;
  for (const HpaPod& pod : pods) {
    // groupPods' order: a pending pod is unready, then a pod without a sample is missing
    // (ready or not), then a CPU sample of a pod that is not ready is set aside.
    if (pod.phase == HpaPod::Phase::terminal) continue;
    if (pod.phase == HpaPod::Phase::pending || (pod.has_metric && cpu_resource && !pod.ready)) {
      ++p.unready;
      p.unready_request += pod.request;
    } else if (!pod.has_metric) {
      ++p.missing;
      p.missing_request += pod.request;
    } else {
      ++p.ready;
      p.ready_request += pod.request;
      sum += pod.value;
    }
  }
  if (target == HpaTarget::utilization) {
    p.average = p.ready_request > 0 ? 100.0 * sum / p.ready_request : 0.0;
  } else {
    p.average = p.ready > 0 ? sum / p.ready : 0.0;
    p.ready_request = p.missing_request = p.unready_request = 0;  // a plain average: one unit per pod
  }
  return p;
}

HpaMetric HpaMetric::utilization(const HpaPods& pods) {
  HpaMetric m;
  m.target = HpaTarget::utilization;
  m.pods = pods;
  return m;
}

HpaMetric HpaMetric::average_value(const HpaPods& pods) {
  HpaMetric m;
  m.target = HpaTarget::average_value;
  m.pods = pods;
  return m;
}

HpaMetric HpaMetric::object_value(double value, int ready) {
  HpaMetric m;
  m.target = HpaTarget::object_value;
  m.value = value;
  m.ready = ready;
  return m;
}

HpaMetric HpaMetric::object_average_value(double value) {
  HpaMetric m;
  m.target = HpaTarget::object_average_value;
  m.value = value;
  return m;
}

HpaController::HpaController(const ScalingPolicySpec& spec, int min_instances, int max_instances)
    : spec_(spec), min_(std::max(0, min_instances)), max_(std::max(std::max(0, min_instances), max_instances)) {}

double HpaController::scale_up_tolerance() const { return spec_.scale_up.tolerance.value_or(spec_.tolerance); }
double HpaController::scale_down_tolerance() const { return spec_.scale_down.tolerance.value_or(spec_.tolerance); }

// Kubernetes 1.33 writes the band as 1 - down <= ratio <= 1 + up. Comparing the deviation
// from 1 with the direction's tolerance is the same band except within a rounding error of
// its edges (66 / 60 against 0.1), and keeps the original controller's decisions bit for bit.
bool HpaController::within_tolerance(double ratio) const {
  if (ratio >= 1.0) return ratio - 1.0 <= scale_up_tolerance();
  return 1.0 - ratio <= scale_down_tolerance();
}

std::string HpaController::tolerance_text(double ratio) const {
  const double up = scale_up_tolerance(), down = scale_down_tolerance();
  if (up == down) return "the tolerance of " + format_number(up, 3);
  return ratio >= 1.0 ? "the scale-up tolerance of " + format_number(up, 3)
                      : "the scale-down tolerance of " + format_number(down, 3);
}

int HpaController::metric_replicas(int current, const HpaMetric& metric, HpaDecision& d, bool explain) const {
  if (metric.target == HpaTarget::utilization || metric.target == HpaTarget::average_value)
    return pod_replicas(current, metric, d, explain);
  return object_replicas(current, metric, d, explain);
}

int HpaController::pod_replicas(int current, const HpaMetric& metric, HpaDecision& d, bool explain) const {
  const HpaTarget target = metric.target;
  const HpaPods& pods = metric.pods;
  const std::string& name = !metric.name.empty() ? metric.name : spec_.metric.empty() ? std::string("the metric") : spec_.metric;
  const double goal = metric.name.empty() ? spec_.target : metric.goal;
  if (pods.ready <= 0 || !(goal > 0) || !std::isfinite(pods.average)) {
    d.no_metric = true;
    if (explain) d.reason = "No ready instance reports " + name + stays_at(current);
    return current;
  }
  const bool utilization = target == HpaTarget::utilization;
  const double ratio = pods.average / goal;
  d.usage_ratio = ratio;
  const bool rebalance_unready = pods.unready > 0 && ratio > 1.0;
  std::string head, set_aside;
  if (explain) {
    head = (utilization ? name + " " + format_number(pods.average) + " against a target of "
                        : name + " per ready instance " + format_number(pods.average) + " against a target average of ") +
           format_number(goal) + " is a ratio of " + format_number(ratio, 3);
    if (pods.unready > 0 && !rebalance_unready) set_aside = " (" + plural(pods.unready, "unready instance") + " set aside)";
  }
  if (!rebalance_unready && pods.missing == 0) {
    std::string text;
    if (explain) text = pods.unready > 0 ? head + " over " + plural(pods.ready, "ready instance") + set_aside : head;
    if (within_tolerance(ratio)) {
      d.within_tolerance = true;
      if (explain) d.reason = text + ", within " + tolerance_text(ratio) + stays_at(current);
      return current;
    }
    const int n = to_int(std::ceil(ratio * pods.ready));
    if (explain)
      d.reason = text + ", so ceil(" + std::to_string(pods.ready) + " x " + format_number(ratio, 3) + ") = " +
                 plural(n, "instance") + " are wanted.";
    return n;
  }
  // The pods set aside are filled in and the ratio recomputed over every pod counted: on a
  // scale-up missing and unready pods at 0; on a scale-down missing pods at 100 % of their
  // request for a utilization target (the target above 100 %), at the target otherwise.
  const auto weight = [&](double request, int count) {
    return utilization && request > 0 ? request : static_cast<double>(count);
  };
  const bool fill_missing = pods.missing > 0 && ratio != 1.0;
  double missing_fill = 0;  // in units of the target
  if (ratio < 1.0) missing_fill = utilization && !pods.missing_at_target ? std::max(100.0, goal) / goal : 1.0;
  double numerator = ratio * weight(pods.ready_request, pods.ready);
  double denominator = weight(pods.ready_request, pods.ready);
  int count = pods.ready;
  if (fill_missing) {
    numerator += missing_fill * weight(pods.missing_request, pods.missing);
    denominator += weight(pods.missing_request, pods.missing);
    count += pods.missing;
  }
  if (rebalance_unready) {
    denominator += weight(pods.unready_request, pods.unready);
    count += pods.unready;
  }
  const double new_ratio = numerator / denominator;
  std::string text;
  if (explain) {
    const std::string fill_text = ratio >= 1.0         ? "0 % of the target"
                                  : missing_fill == 1.0 ? "100 % of the target"
                                                        : "100 % of their request (" + format_number(missing_fill, 3) + " of the target)";
    text = head + " over " + plural(pods.ready, "ready instance") + set_aside;
    if (fill_missing || rebalance_unready) {
      std::string counted;
      if (fill_missing) counted = plural(pods.missing, "not-ready instance");
      if (rebalance_unready) counted += (counted.empty() ? "" : " and ") + plural(pods.unready, "unready instance");
      text += "; counting " + counted + " at " + fill_text + " gives " + format_number(new_ratio, 3) + " over " +
              plural(count, "instance");
    }
  }
  if (within_tolerance(new_ratio) || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0)) {
    d.within_tolerance = within_tolerance(new_ratio);
    if (explain) d.reason = text + stays_at(current);
    return current;
  }
  const int n = to_int(std::ceil(new_ratio * count));
  if ((new_ratio < 1.0 && n > current) || (new_ratio > 1.0 && n < current)) {
    if (explain) d.reason = text + stays_at(current);
    return current;
  }
  if (explain)
    d.reason = text + ", so ceil(" + std::to_string(count) + " x " + format_number(new_ratio, 3) + ") = " +
               plural(n, "instance") + " are wanted.";
  return n;
}

int HpaController::object_replicas(int current, const HpaMetric& metric, HpaDecision& d, bool explain) const {
  const std::string& name = !metric.name.empty() ? metric.name : spec_.metric.empty() ? std::string("the metric") : spec_.metric;
  const double goal = metric.name.empty() ? spec_.target : metric.goal;
  const double value = metric.value;
  if (!(goal > 0) || !std::isfinite(value)) {
    d.no_metric = true;
    if (explain) d.reason = "No value of " + name + " is measured" + stays_at(current);
    return current;
  }
  if (metric.target == HpaTarget::object_value) {
    const double ratio = value / goal;
    d.usage_ratio = ratio;
    std::string head;
    if (explain)
      head = name + " " + format_number(value) + " against a target of " + format_number(goal) + " is a ratio of " +
             format_number(ratio, 3);
    if (current == 0) {
      // Scaling from zero instances: no tolerance, no ready pods to multiply.
      const int n = to_int(std::ceil(ratio));
      if (explain)
        d.reason = head + " with no instance, so ceil(" + format_number(ratio, 3) + ") = " + plural(n, "instance") +
                   " are wanted.";
      return n;
    }
    if (within_tolerance(ratio)) {
      d.within_tolerance = true;
      if (explain) d.reason = head + ", within " + tolerance_text(ratio) + stays_at(current);
      return current;
    }
    const int ready = std::max(0, metric.ready);
    const int n = to_int(std::ceil(ratio * ready));
    if (explain)
      d.reason = head + " over " + plural(ready, "ready instance") + ", so ceil(" + std::to_string(ready) + " x " +
                 format_number(ratio, 3) + ") = " + plural(n, "instance") + " are wanted.";
    return n;
  }
  // object_average_value: the value is shared by the instances the service is set to.
  const double ratio = value / (goal * current);
  d.usage_ratio = ratio;
  std::string head;
  if (explain)
    head = name + " " + format_number(value) + " against a target average of " + format_number(goal) + " over " +
           plural(current, "instance") + " is a ratio of " + format_number(ratio, 3);
  if (within_tolerance(ratio)) {
    d.within_tolerance = true;
    if (explain) d.reason = head + ", within " + tolerance_text(ratio) + stays_at(current);
    return current;
  }
  const int n = to_int(std::ceil(value / goal));
  if (explain)
    d.reason = head + ", so ceil(" + format_number(value) + " / " + format_number(goal) + ") = " + plural(n, "instance") +
               " are wanted.";
  return n;
}

int HpaController::stabilize(SimTime now, int current, int desired) {
  const SimTime up_cut = now - spec_.scale_up.stabilization_window;
  const SimTime down_cut = now - spec_.scale_down.stabilization_window;
  int up_rec = desired, down_rec = desired;
  for (const Rec& r : recommendations_) {
    if (r.at > up_cut) up_rec = std::min(up_rec, r.value);
    if (r.at > down_cut) down_rec = std::max(down_rec, r.value);
  }
  int rec = current;
  if (rec < up_rec) rec = up_rec;
  if (rec > down_rec) rec = down_rec;
  recommendations_.push_back({now, desired});
  const SimTime oldest = std::min(up_cut, down_cut);
  while (!recommendations_.empty() && recommendations_.front().at <= oldest) recommendations_.pop_front();
  while (recommendations_.size() > kMaxHistory) recommendations_.pop_front();
  return rec;
}

int HpaController::changes_within(const std::deque<Rec>& events, SimTime now, SimDuration period) const {
  int sum = 0;
  for (const Rec& e : events)
    if (e.at > now - period) sum += e.value;
  return sum;
}

int HpaController::scale_up_limit(SimTime now, int current) const {
  const BehaviorRulesSpec& r = spec_.scale_up;
  if (r.select == BehaviorRulesSpec::Select::disabled) return current;
  if (r.policies.empty()) return INT_MAX;
  const bool pick_min = r.select == BehaviorRulesSpec::Select::min;
  int result = pick_min ? INT_MAX : INT_MIN;
  for (const auto& p : r.policies) {
    const int start = current - changes_within(up_events_, now, p.period) + changes_within(down_events_, now, p.period);
    int proposed;
    if (p.type == BehaviorPolicySpec::Type::instances)
      proposed = to_int(static_cast<double>(start) + std::floor(p.value));
    else
      proposed = to_int(std::ceil(static_cast<double>(start) * (1.0 + p.value / 100.0)));
    result = pick_min ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

int HpaController::scale_down_limit(SimTime now, int current) const {
  const BehaviorRulesSpec& r = spec_.scale_down;
  if (r.select == BehaviorRulesSpec::Select::disabled) return current;
  if (r.policies.empty()) return INT_MIN;
  // For a scale-down, the smallest change ("min") is the highest count.
  const bool pick_max = r.select == BehaviorRulesSpec::Select::min;
  int result = pick_max ? INT_MIN : INT_MAX;
  for (const auto& p : r.policies) {
    const int start = current - changes_within(up_events_, now, p.period) + changes_within(down_events_, now, p.period);
    int proposed;
    if (p.type == BehaviorPolicySpec::Type::instances)
      proposed = to_int(static_cast<double>(start) - std::floor(p.value));
    else
      proposed = to_int(static_cast<double>(start) * (1.0 - p.value / 100.0));
    result = pick_max ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

void HpaController::record_event(SimTime now, int from, int to) {
  if (to > from) up_events_.push_back({now, to - from});
  if (to < from) down_events_.push_back({now, from - to});
  const SimDuration keep = std::max(longest_period(spec_.scale_up), longest_period(spec_.scale_down));
  for (auto* q : {&up_events_, &down_events_}) {
    while (!q->empty() && q->front().at <= now - keep) q->pop_front();
    while (q->size() > kMaxHistory) q->pop_front();
  }
}

HpaDecision HpaController::recommend(SimTime now, int current, int ready, double metric_value) {
  const HpaPods pods = HpaPods::ready_and_starting(ready, metric_value, current - ready);
  return recommend(now, current, HpaMetric::utilization(pods));
}

HpaDecision HpaController::recommend(SimTime now, int current, const HpaMetric& metric) {
  HpaDecision d;
  d.current = current;
  // Kubernetes records the count as a recommendation on its first look at the target,
  // whatever follows (bounds, a metric it cannot read).
  if (!seeded_) {
    recommendations_.push_back({now, current});
    seeded_ = true;
  }
  if (current > max_ || current < min_) {
    const int bound = current > max_ ? max_ : min_;
    d.desired = d.metric_desired = d.stabilized = bound;
    d.limited_by_bounds = true;
    d.reason = "The count of " + plural(current, "instance") + " is " + (current > max_ ? "above the maximum" : "below the minimum") +
               " of " + std::to_string(bound) + ", so it is set to " + std::to_string(bound) + ".";
    record_event(now, current, bound);
    return d;
  }
  const int wanted = metric_replicas(current, metric, d);
  return finish(now, current, wanted, std::move(d));
}

HpaDecision HpaController::recommend(SimTime now, int current, const std::vector<HpaMetric>& metrics) {
  if (metrics.size() == 1) return recommend(now, current, metrics.front());
  HpaDecision d;
  d.current = current;
  if (!seeded_) {
    recommendations_.push_back({now, current});
    seeded_ = true;
  }
  if (current > max_ || current < min_) return recommend(now, current, HpaMetric{});  // the bound, as with one
  // Each metric's count without its sentence; then the sentence of the one followed.
  int wanted = -1;
  const HpaMetric* chosen = nullptr;
  const HpaMetric* first_missing = nullptr;
  std::string missing, counts;
  for (const HpaMetric& m : metrics) {
    HpaDecision one;
    const int n = metric_replicas(current, m, one, false);
    if (one.no_metric) {
      if (!first_missing) first_missing = &m;
      missing += (missing.empty() ? "" : ", ") + m.name;
      continue;
    }
    counts += (counts.empty() ? "" : ", ") + m.name + " " + std::to_string(n);
    if (n > wanted) wanted = n, chosen = &m;
  }
  metric_replicas(current, chosen ? *chosen : *first_missing, d);
  if (wanted < 0) {
    d.no_metric = true;
    d.desired = d.stabilized = d.metric_desired = current;
    return d;
  }
  d.reason += " Of the metrics' counts (" + counts + "), the largest is taken.";
  if (!missing.empty() && wanted < current) {
    // computeReplicasForMetrics: an invalid metric blocks a scale-down.
    d.reason += " No value of " + missing + ": no scale-down on part of the metrics" + stays_at(current);
    wanted = current;
  }
  return finish(now, current, wanted, std::move(d));
}

HpaDecision HpaController::finish(SimTime now, int current, int wanted, HpaDecision d) {
  d.metric_desired = wanted;
  if (d.no_metric) {
    // As when Kubernetes fails to compute a metric: no recommendation, no change.
    d.desired = d.stabilized = current;
    return d;
  }
  const int stab = stabilize(now, current, wanted);
  d.stabilized = stab;
  std::string tail;
  if (stab != wanted) {
    d.limited_by_stabilization = true;
    if (wanted < current || stab > wanted)
      tail += " The highest recommendation within the " + format_duration(spec_.scale_down.stabilization_window) +
              " scale-down stabilisation window is " + std::to_string(stab) + ".";
    else
      tail += " The lowest recommendation within the " + format_duration(spec_.scale_up.stabilization_window) +
              " scale-up stabilisation window is " + std::to_string(stab) + ".";
  }
  int desired = stab;
  if (desired > current) {
    int limit = scale_up_limit(now, current);
    if (limit < current) limit = current;
    const bool policy_tighter = max_ > limit;
    const int allowed = policy_tighter ? limit : max_;
    if (desired < min_) {
      desired = min_;
      d.limited_by_bounds = true;
    } else if (desired > allowed) {
      tail += policy_tighter
                  ? (spec_.scale_up.select == BehaviorRulesSpec::Select::disabled
                         ? " Scale-up is disabled by its behaviour."
                         : " The scale-up policies allow at most " + std::to_string(allowed) + " now.")
                  : " The maximum is " + std::to_string(max_) + ".";
      if (policy_tighter)
        d.limited_by_policy = true;
      else
        d.limited_by_bounds = true;
      desired = allowed;
    }
  } else if (desired < current) {
    int limit = scale_down_limit(now, current);
    if (limit > current) limit = current;
    const bool policy_tighter = min_ < limit;
    const int allowed = policy_tighter ? limit : min_;
    if (desired > max_) {
      desired = max_;
      d.limited_by_bounds = true;
    } else if (desired < allowed) {
      tail += policy_tighter
                  ? (spec_.scale_down.select == BehaviorRulesSpec::Select::disabled
                         ? " Scale-down is disabled by its behaviour."
                         : " The scale-down policies allow at least " + std::to_string(allowed) + " now.")
                  : " The minimum is " + std::to_string(min_) + ".";
      if (policy_tighter)
        d.limited_by_policy = true;
      else
        d.limited_by_bounds = true;
      desired = allowed;
    }
  } else {
    if (desired < min_) desired = min_, d.limited_by_bounds = true;
    if (desired > max_) desired = max_, d.limited_by_bounds = true;
  }
  d.desired = desired;
  if (desired != wanted)
    tail += desired == current ? " The count stays at " + plural(current, "instance") + "."
                               : " It scales from " + std::to_string(current) + " to " + plural(desired, "instance") + ".";
  // The metric sentence ends with a full stop; the limits follow as further sentences,
  // so the reason reads as one explanation.
  d.reason += tail;
  record_event(now, current, desired);
  return d;
}

}  // namespace opsim::scaling
