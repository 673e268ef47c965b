#include "scaling/threshold.h"

#include <algorithm>

namespace opsim::scaling {

const char* trigger_name(ScalingTrigger t) {
  switch (t) {
    case ScalingTrigger::cpu_utilization: return "cpu_utilization";
    case ScalingTrigger::memory_utilization: return "memory_utilization";
    case ScalingTrigger::request_rate: return "request_rate";
    case ScalingTrigger::queue_depth: return "queue_depth";
    case ScalingTrigger::custom: return "custom";
    case ScalingTrigger::schedule: return "schedule";
  }
  return "unknown";
}

std::optional<double> MetricValues::value_for(const ScalingPolicySpec& p) const {
  switch (p.trigger) {
    case ScalingTrigger::cpu_utilization: return cpu_utilization;
    case ScalingTrigger::memory_utilization: return memory_utilization;
    case ScalingTrigger::request_rate: return request_rate;
    case ScalingTrigger::queue_depth: return queue_depth;
    case ScalingTrigger::custom:
      for (const auto& kv : custom)
        if (kv.first == p.metric) return kv.second;
      return std::nullopt;
    case ScalingTrigger::schedule: return std::nullopt;
  }
  return std::nullopt;
}

namespace {

std::string metric_name(const ScalingPolicySpec& p) {
  return p.trigger == ScalingTrigger::custom ? p.metric : std::string(trigger_name(p.trigger));
}

std::string times(int n) { return n == 1 ? "once" : std::to_string(n) + " evaluations in a row"; }

}  // namespace

ThresholdPolicy::ThresholdPolicy(const ScalingPolicySpec& spec, int min_instances, int max_instances)
    : spec_(spec), min_(std::max(0, min_instances)), max_(std::max(std::max(0, min_instances), max_instances)) {
  std::stable_sort(spec_.schedule.begin(), spec_.schedule.end(),
                   [](const ScheduleStep& a, const ScheduleStep& b) { return a.at < b.at; });
}

bool ThresholdPolicy::in_cooldown(SimTime now) const { return acted_ && now - last_action_ < spec_.cooldown; }

void ThresholdPolicy::on_applied(SimTime now) {
  acted_ = true;
  last_action_ = now;
  up_ = down_ = 0;
  pending_target_ = -1;
}

std::optional<ScalingDecision> ThresholdPolicy::evaluate(SimTime now, int current, std::optional<double> value,
                                                         std::string* why) {
  auto say = [&](const std::string& s) {
    if (why) *why = s;
  };
  if (is_schedule()) {
    while (next_step_ < spec_.schedule.size() && spec_.schedule[next_step_].at <= now) {
      pending_target_ = std::clamp(spec_.schedule[next_step_].instances, min_, max_);
      pending_at_ = spec_.schedule[next_step_].at;
      ++next_step_;
    }
    if (pending_target_ < 0) {
      say("No schedule step has come yet.");
      return std::nullopt;
    }
    if (pending_target_ == current) {
      pending_target_ = -1;
      say("The schedule's count is already in place.");
      return std::nullopt;
    }
    ScalingDecision d;
    d.at = now;
    d.from = current;
    d.to = pending_target_;
    d.policy_id = spec_.id;
    d.reason = "The schedule step at " + format_duration(pending_at_) + " sets " + std::to_string(pending_target_) +
               " instances, so " + std::to_string(current) + " become " + std::to_string(pending_target_) + ".";
    return d;
  }
  const std::string name = metric_name(spec_);
  if (!value) {
    up_ = down_ = 0;
    say(name + " has no value, so the breach counts start again.");
    return std::nullopt;
  }
  const double v = *value;
  if (v > spec_.threshold_up) {
    ++up_;
    down_ = 0;
  } else if (v < spec_.threshold_down) {
    ++down_;
    up_ = 0;
  } else {
    up_ = down_ = 0;
    say(name + " " + format_number(v) + " is within [" + format_number(spec_.threshold_down) + ", " +
        format_number(spec_.threshold_up) + "].");
    return std::nullopt;
  }
  // Counts saturate so that a very long breach cannot overflow.
  up_ = std::min(up_, 1 << 20);
  down_ = std::min(down_, 1 << 20);
  const bool out = up_ > 0;
  const int streak = out ? up_ : down_;
  if (streak < spec_.evaluation_periods) {
    say(name + " " + format_number(v) + (out ? " is above " : " is below ") +
        format_number(out ? spec_.threshold_up : spec_.threshold_down) + " for " + std::to_string(streak) + " of " +
        std::to_string(spec_.evaluation_periods) + " evaluation periods.");
    return std::nullopt;
  }
  if (in_cooldown(now)) {
    say("Policy " + spec_.id + " is in its " + format_duration(spec_.cooldown) + " cooldown until " +
        format_duration(last_action_ + spec_.cooldown) + ".");
    return std::nullopt;
  }
  const int to = out ? std::min(max_, current + spec_.scale_increment) : std::max(min_, current - spec_.scale_increment);
  // A vertical policy counts size steps (indices into size_factors), not instances.
  const bool vertical = spec_.direction == ScalingPolicySpec::Direction::vertical;
  auto size = [&](int i) { return "size x" + format_number(spec_.size_factors[static_cast<std::size_t>(i)]); };
  const char* verb = vertical ? (out ? "up" : "down") : (out ? "out" : "in");
  if (to == current) {
    if (vertical)
      say(name + " " + format_number(v) + " asks to scale " + verb + " but the instances are at their " +
          (out ? "largest " : "smallest ") + size(current) + ".");
    else
      say(name + " " + format_number(v) + " asks to scale " + verb + " but the count is at its " +
          (out ? "maximum" : "minimum") + " of " + std::to_string(current) + ".");
    return std::nullopt;
  }
  ScalingDecision d;
  d.at = now;
  d.from = current;
  d.to = to;
  d.policy_id = spec_.id;
  d.reason = name + " " + format_number(v) + " has been " + (out ? "above " : "below ") +
             format_number(out ? spec_.threshold_up : spec_.threshold_down) + " " + times(streak) + ", so policy " +
             spec_.id + " scales " + verb + " from " +
             (vertical ? size(current) + " to " + size(to) + " by a rolling restart."
                       : std::to_string(current) + " to " + std::to_string(to) + " instances.");
  return d;
}

ThresholdScaler::ThresholdScaler(const ScalingSpec& spec, int min_instances, int max_instances,
                                 ScalingPolicySpec::Direction direction)
    : spec_(spec), min_(std::max(0, min_instances)), max_(std::max(std::max(0, min_instances), max_instances)) {
  for (const auto& p : spec_.policies)
    if (p.kind == ScalingPolicySpec::Kind::threshold && p.direction == direction) policies_.emplace_back(p, min_, max_);
}

void ThresholdScaler::update(const ScalingSpec& spec) {
  spec_.max_events_per_hour = spec.max_events_per_hour;
  spec_.cost_optimization = spec.cost_optimization;
  for (const ScalingPolicySpec& changed : spec.policies)
    for (ThresholdPolicy& p : policies_)
      if (p.spec().id == changed.id) p.update_spec(changed);
}

void ThresholdPolicy::update_spec(const ScalingPolicySpec& spec) {
  // Breach counts and the last action stay: the new thresholds judge the next values, and
  // a cooldown in progress is measured with the new length from the same start. A
  // schedule is a plan fixed at load, so only the figures change.
  std::vector<ScheduleStep> schedule = std::move(spec_.schedule);
  spec_ = spec;
  spec_.schedule = std::move(schedule);
}

int ThresholdScaler::events_in_last_hour(SimTime now) const {
  int n = 0;
  for (SimTime t : events_)
    if (t > now - kMicrosPerHour && t <= now) ++n;
  return n;
}

ThresholdScaler::Outcome ThresholdScaler::evaluate(SimTime now, int current, const MetricValues& values,
                                                   const std::vector<ScalingDecision>& extra, int scale_in_floor) {
  Outcome out;
  struct Candidate {
    ScalingDecision d;
    int policy = -1;  // index into policies_, -1 for an extra proposal
  };
  std::vector<Candidate> cands;
  std::vector<std::optional<double>> vals(policies_.size());
  std::string first_why;
  for (std::size_t i = 0; i < policies_.size(); ++i) {
    vals[i] = policies_[i].is_schedule() ? std::nullopt : values.value_for(policies_[i].spec());
    std::string why;
    if (auto d = policies_[i].evaluate(now, current, vals[i], &why)) {
      cands.push_back({*d, static_cast<int>(i)});
    } else if (first_why.empty()) {
      first_why = why;
    }
  }
  for (const auto& e : extra) {
    ScalingDecision d = e;
    d.at = now;
    d.from = current;
    d.to = std::clamp(d.to, min_, max_);
    if (d.to != current) cands.push_back({d, -1});
  }
  // A metric policy's scale-in stops at the floor (the instances a confident forecast
  // needs), so that it does not undo what the predictive engine started.
  std::string floor_note;
  for (auto& c : cands) {
    const bool schedule = c.policy >= 0 && policies_[static_cast<std::size_t>(c.policy)].is_schedule();
    if (!c.d.scale_in() || schedule || c.d.to >= scale_in_floor) continue;
    if (floor_note.empty())
      floor_note = "Policy " + c.d.policy_id + " would scale in to " + std::to_string(c.d.to) + " but the forecast needs " +
                   std::to_string(scale_in_floor) + " instances.";
    c.d.to = std::min(scale_in_floor, current);
    c.d.reason += " The forecast needs " + std::to_string(scale_in_floor) + ", so it stops there.";
  }
  cands.erase(std::remove_if(cands.begin(), cands.end(), [&](const Candidate& c) { return c.d.to == current; }),
              cands.end());
  if (!floor_note.empty()) first_why = floor_note;
  for (const auto& c : cands) out.proposals.push_back(c.d);

  const Candidate* best = nullptr;
  for (const auto& c : cands)
    if (c.d.scale_out() && (!best || c.d.to > best->d.to)) best = &c;
  std::string extra_text;
  if (!best) {
    const bool cost = spec_.cost_optimization;
    std::string blocked;
    for (const auto& c : cands) {
      if (!c.d.scale_in()) continue;
      const bool schedule = c.policy >= 0 && policies_[static_cast<std::size_t>(c.policy)].is_schedule();
      if (!schedule) {
        // Agreement of the other metric policies: below threshold_down (no cost
        // optimisation), or at least not above threshold_up (cost optimisation).
        bool ok = true;
        for (std::size_t i = 0; i < policies_.size() && ok; ++i) {
          if (static_cast<int>(i) == c.policy || policies_[i].is_schedule() || !vals[i]) continue;
          const auto& ps = policies_[i].spec();
          if (cost ? *vals[i] > ps.threshold_up : *vals[i] >= ps.threshold_down) {
            ok = false;
            if (blocked.empty())
              blocked = "Policy " + c.d.policy_id + " would scale in but " + metric_name(ps) + " " +
                        format_number(*vals[i]) + " is not below " +
                        format_number(cost ? ps.threshold_up : ps.threshold_down) + " (policy " + ps.id + ").";
          }
        }
        if (!ok) continue;
      }
      if (!best || (cost ? c.d.to < best->d.to : c.d.to > best->d.to)) best = &c;
    }
    if (best && best->policy >= 0 && !policies_[static_cast<std::size_t>(best->policy)].is_schedule()) {
      int n_in = 0;
      for (const auto& c : cands) n_in += c.d.scale_in() ? 1 : 0;
      if (cost) extra_text = " Cost optimisation prefers scale-in while no metric is above its upper threshold.";
      else if (n_in > 1) extra_text = " The smallest scale-in step of the agreeing policies is taken.";
    }
    if (!best) {
      out.note = !blocked.empty() ? blocked : (first_why.empty() ? "No policy asks for a change." : first_why);
      return out;
    }
  } else {
    int n_out = 0, n_in = 0;
    for (const auto& c : cands) (c.d.scale_out() ? n_out : n_in) += (c.d.to != c.d.from) ? 1 : 0;
    if (n_in > 0) extra_text = " Scale-out wins over the scale-in of another policy.";
    else if (n_out > 1) extra_text = " It is the largest of " + std::to_string(n_out) + " scale-out proposals.";
  }

  while (!events_.empty() && events_.front() <= now - kMicrosPerHour) events_.pop_front();
  if (static_cast<int>(events_.size()) >= spec_.max_events_per_hour) {
    out.note = "Policy " + best->d.policy_id + " would scale from " + std::to_string(current) + " to " +
               std::to_string(best->d.to) + " but " + std::to_string(events_.size()) +
               " scaling events in the last hour reach the cap of " + std::to_string(spec_.max_events_per_hour) + ".";
    return out;
  }
  ScalingDecision chosen = best->d;
  chosen.reason += extra_text;
  events_.push_back(now);
  for (const auto& c : cands)
    if (c.policy >= 0 && c.d.scale_out() == chosen.scale_out()) policies_[static_cast<std::size_t>(c.policy)].on_applied(now);
  out.decision = chosen;
  return out;
}

}  // namespace opsim::scaling
