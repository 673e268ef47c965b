#include "monitoring/alert_rules.h"

#include <cmath>
#include <limits>
#include <utility>

#include "json/json.h"
#include "scaling/decision.h"

namespace opsim {

const char* alert_state_name(AlertState s) {
  switch (s) {
    case AlertState::inactive: return "inactive";
    case AlertState::pending: return "pending";
    case AlertState::firing: return "firing";
    case AlertState::resolved: return "resolved";
  }
  return "inactive";
}

EventKind alert_event_kind(AlertState s) {
  return s == AlertState::pending ? EventKind::alert_pending
         : s == AlertState::firing ? EventKind::alert_firing
                                   : EventKind::alert_resolved;
}

EventFields AlertTransition::fields() const {
  EventFields f;
  f.add("rule", rule)
      .add("state", alert_state_name(state))
      .add("severity", severity)
      .add("metric", metric)
      .add("value", value)
      .add("threshold", threshold)
      .add("op", op_text(op));
  if (!tenant.empty()) f.add("tenant", tenant);
  if (!service.empty()) f.add("service", service);
  f.add("reason", reason());
  return f;
}

std::string AlertTransition::reason() const {
  // One sentence a student can read in the event log: why the rule moved.
  using scaling::format_number;
  const std::string scope = !tenant.empty() ? " for tenant " + tenant : !service.empty() ? " on " + service : "";
  const std::string now = std::isnan(value) ? std::string("no data") : format_number(value);
  const std::string condition = std::string(op_text(op)) + " " + format_number(threshold);
  switch (state) {
    case AlertState::pending:
      return metric + scope + " is " + now + ", " + condition + ": pending until that holds for the rule's `for`";
    case AlertState::firing:
      if (time > active_since)
        return metric + scope + " has been " + condition + " for " + format_duration(time - active_since) + " (now " +
               now + "): it fires at " + severity + " severity";
      return metric + scope + " is " + now + ", " + condition + ", and the rule waits for nothing: it fires at " +
             severity + " severity";
    case AlertState::resolved:
      return metric + scope + " is " + now + ", no longer " + condition;
    case AlertState::inactive: break;
  }
  return metric + scope + " is " + now + ", no longer " + condition + " before the rule fired";
}

AlertEvaluator::AlertEvaluator(std::vector<RuleSpec> rules) : rules_(std::move(rules)), states_(rules_.size()) {}

void AlertEvaluator::update_rule(std::size_t i, const RuleSpec& rule) {
  if (i < rules_.size()) rules_[i] = rule;
}

AlertTransition AlertEvaluator::make(std::size_t i, AlertState s, double value, SimTime now) const {
  const RuleSpec& r = rules_[i];
  AlertTransition t;
  t.rule_index = static_cast<int>(i);
  t.rule = r.id;
  t.severity = r.severity;
  t.metric = r.metric;
  t.tenant = r.tenant;
  t.service = r.service;
  t.state = s;
  t.value = value;
  t.threshold = r.value;
  t.op = r.op;
  t.time = now;
  t.active_since = states_[i].active_since;
  return t;
}

void AlertEvaluator::evaluate(SimTime now, const std::vector<double>& values_by_rule,
                              std::vector<AlertTransition>& out) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const RuleSpec& r = rules_[i];
    RuleState& st = states_[i];
    const double v = i < values_by_rule.size() ? values_by_rule[i] : nan;
    const bool has_data = !std::isnan(v);
    if (has_data) ++st.samples;
    const bool holds = has_data && st.samples >= r.min_samples && compare(v, r.op, r.value);
    st.value = v;
    if (holds) {
      if (st.state == AlertState::inactive) {
        st.active_since = now;
        st.state = AlertState::pending;
        if (r.for_ > 0) {
          out.push_back(make(i, AlertState::pending, v, now));
          continue;
        }
      }
      if (st.state == AlertState::pending && now - st.active_since >= r.for_) {
        st.state = AlertState::firing;
        st.fired_at = now;
        ++st.fired;
        ++fired_total_;
        out.push_back(make(i, AlertState::firing, v, now));
      }
      // firing: de-duplicated, nothing to report
    } else if (st.state == AlertState::pending) {
      st.state = AlertState::inactive;
      out.push_back(make(i, AlertState::inactive, v, now));
    } else if (st.state == AlertState::firing) {
      st.state = AlertState::inactive;
      out.push_back(make(i, AlertState::resolved, v, now));
      st.fired_at = -1;
    }
  }
}

std::vector<ActiveAlert> AlertEvaluator::firing() const {
  std::vector<ActiveAlert> r;
  for (const ActiveAlert& a : active())
    if (a.state == AlertState::firing) r.push_back(a);
  return r;
}

std::vector<ActiveAlert> AlertEvaluator::active() const {
  std::vector<ActiveAlert> r;
  for (std::size_t i = 0; i < states_.size(); ++i) {
    const RuleState& st = states_[i];
    if (st.state != AlertState::pending && st.state != AlertState::firing) continue;
    ActiveAlert a;
    a.rule_index = static_cast<int>(i);
    a.state = st.state;
    a.active_since = st.active_since;
    a.fired_at = st.state == AlertState::firing ? st.fired_at : -1;
    a.value = st.value;
    r.push_back(a);
  }
  return r;
}

}  // namespace opsim
