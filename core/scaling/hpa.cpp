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

HpaController::HpaController(const ScalingPolicySpec& spec, int min_instances, int max_instances)
    : spec_(spec), min_(std::max(0, min_instances)), max_(std::max(std::max(0, min_instances), max_instances)) {}

int HpaController::metric_replicas(int current, int ready, double metric, HpaDecision& d) const {
  const std::string& name = spec_.metric.empty() ? std::string("the metric") : spec_.metric;
  const double target = spec_.target;
  const double tol = spec_.tolerance;
  if (ready <= 0 || !(target > 0) || !std::isfinite(metric)) {
    d.reason = "No ready instance reports " + name + ", so the count stays at " + plural(current, "instance") + ".";
    return current;
  }
  const double ratio = metric / target;
  d.usage_ratio = ratio;
  const std::string head = name + " " + format_number(metric) + " against a target of " + format_number(target) +
                           " is a ratio of " + format_number(ratio, 3);
  const int missing = std::max(0, current - ready);
  if (missing == 0) {
    if (std::fabs(ratio - 1.0) <= tol) {
      d.within_tolerance = true;
      d.reason = head + ", within the tolerance of " + format_number(tol, 3) + ", so the count stays at " +
                 plural(current, "instance") + ".";
      return current;
    }
    const int n = to_int(std::ceil(ratio * ready));
    d.reason = head + ", so ceil(" + std::to_string(ready) + " x " + format_number(ratio, 3) + ") = " +
               plural(n, "instance") + " are wanted.";
    return n;
  }
  // Not-ready instances have no metric: 0 % of the target on a scale-up, 100 % on a
  // scale-down, then the ratio is recomputed over every instance.
  double fill = 0;
  int count = ready;
  std::string fill_text;
  if (ratio < 1.0) {
    fill = missing * 1.0;
    count = current;
    fill_text = "100 %";
  } else if (ratio > 1.0) {
    count = current;
    fill_text = "0 %";
  }
  const double new_ratio = (ratio * ready + fill) / count;
  std::string text = head + " over " + plural(ready, "ready instance");
  if (!fill_text.empty())
    text += "; counting " + plural(missing, "not-ready instance") + " at " + fill_text + " of the target gives " +
            format_number(new_ratio, 3) + " over " + plural(count, "instance");
  if (std::fabs(new_ratio - 1.0) <= tol || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0)) {
    d.within_tolerance = std::fabs(new_ratio - 1.0) <= tol;
    d.reason = text + ", so the count stays at " + plural(current, "instance") + ".";
    return current;
  }
  const int n = to_int(std::ceil(new_ratio * count));
  if ((new_ratio < 1.0 && n > current) || (new_ratio > 1.0 && n < current)) {
    d.reason = text + ", so the count stays at " + plural(current, "instance") + ".";
    return current;
  }
  d.reason = text + ", so ceil(" + std::to_string(count) + " x " + format_number(new_ratio, 3) + ") = " +
             plural(n, "instance") + " are wanted.";
  return n;
}

int HpaController::stabilize(SimTime now, int current, int desired) {
  if (!seeded_) {
    recommendations_.push_back({now, current});
    seeded_ = true;
  }
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
  HpaDecision d;
  d.current = current;
  if (current > max_ || current < min_) {
    const int bound = current > max_ ? max_ : min_;
    d.desired = d.metric_desired = d.stabilized = bound;
    d.limited_by_bounds = true;
    d.reason = "The count of " + plural(current, "instance") + " is " + (current > max_ ? "above the maximum" : "below the minimum") +
               " of " + std::to_string(bound) + ", so it is set to " + std::to_string(bound) + ".";
    record_event(now, current, bound);
    return d;
  }
  const int wanted = metric_replicas(current, ready, metric_value, d);
  d.metric_desired = wanted;
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
