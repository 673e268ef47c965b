#include "monitoring/alerting.h"

#include <limits>
#include <string>

#include "sre/incidents.h"

namespace opsim {
namespace {

// The time-series column a rule reads: its metric in its tenant's or service's scope.
std::string rule_metric_name(const RuleSpec& rule) {
  const std::string scope = !rule.tenant.empty()    ? "tenant." + rule.tenant + "."
                            : !rule.service.empty() ? "service." + rule.service + "."
                                                    : "";
  return scope + rule.metric;
}

}  // namespace

Alerting::Alerting(Engine& engine, Scenario& scenario, MetricRegistry& registry, promql::Storage& storage, EventLog& log,
                   IncidentSignals& incidents)
    : engine_(engine),
      id_(engine.add(this)),
      scenario_(scenario),
      registry_(registry),
      log_(log),
      incidents_(incidents),
      alerts_(scenario.monitoring.rules),
      notifier_(scenario.monitoring) {
  for (const RuleSpec& rule : scenario_.monitoring.rules) rule_column_.push_back(registry_.find(rule_metric_name(rule)));
  if (scenario_.monitoring.prometheus_rules)
    prom_ = std::make_unique<PromRules>(scenario_.monitoring.prometheus_rules->groups,
                                        scenario_.calendar.start_unix_s() * 1000, storage);
}

void Alerting::on_event(std::uint16_t kind, std::uint32_t /*target*/) {
  if (kind == kNotify) deliver();
}

void Alerting::evaluate(const std::vector<double>& row) {
  std::vector<double> values(rule_column_.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = rule_column_[i] >= 0 ? row[static_cast<std::size_t>(rule_column_[i])] : std::numeric_limits<double>::quiet_NaN();
  std::vector<AlertTransition> transitions;
  alerts_.evaluate(engine_.now(), values, transitions);
  for (const AlertTransition& t : transitions) {
    if (t.state == AlertState::inactive) continue;  // a pending alert whose condition went away
    if (t.state == AlertState::firing) registry_.global().window.alerts_fired++;
    log_.log(alert_event_kind(t.state), t.fields());
    notifier_.on_transition(t);
    incidents_.on_alert(sre::alert_info(t));
  }
  if (prom_) {
    std::vector<PromTransition> prom;
    prom_->evaluate(engine_.now(), prom);
    for (PromTransition& p : prom) {
      const AlertTransition& t = p.transition;
      if (t.state == AlertState::firing) registry_.global().window.alerts_fired++;
      log_.log(alert_event_kind(t.state), std::move(p.fields));
      notifier_.on_transition(t);
      sre::AlertInfo info = sre::alert_info(t);
      info.reason = p.reason;
      incidents_.on_alert(info);
    }
  }
  deliver();
}

void Alerting::route(const AlertTransition& t) { notifier_.on_transition(t); }

void Alerting::deliver() {
  const SimTime now = engine_.now();
  if (notify_at_ == now) notify_at_ = -1;
  std::vector<Notification> due;
  notifier_.advance(now, due);
  for (const Notification& n : due) log_.log(EventKind::notification, n.fields());
  const SimTime next = notifier_.next_due();
  if (next != Notifier::kNever && next <= engine_.end() && (notify_at_ < 0 || next < notify_at_)) {
    notify_at_ = next;
    engine_.schedule(next, id_, kNotify, 0);
  }
}

void Alerting::update_rule(std::size_t rule, const RuleSpec& spec) {
  alerts_.update_rule(rule, spec);
  scenario_.monitoring.rules[rule] = spec;
  rule_column_[rule] = registry_.find(rule_metric_name(spec));
  EventFields w;
  w.add("rule", spec.id).add("metric", rule_metric_name(spec)).add("op", op_text(spec.op)).add("value", spec.value);
  w.add("for_s", to_seconds(spec.for_)).add("min_samples", spec.min_samples).add("severity", spec.severity);
  log_.log(EventKind::rule_changed, std::move(w));
}

}  // namespace opsim
