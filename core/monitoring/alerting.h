// Alerting in the running simulation: the monitoring rules (monitoring/alert_rules.h)
// evaluated on each scrape's row, and the notifications (monitoring/notifications.h) of
// their transitions and of the burn-rate alerts routed here, delivered by an event of
// this component at each channel's time. Transitions and notifications are logged; firing
// alerts are counted and given to the incident signals.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/engine.h"
#include "metrics/registry.h"
#include "monitoring/alert_rules.h"
#include "monitoring/notifications.h"
#include "monitoring/prom_rules.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"
#include "sre/incident_signals.h"

namespace opsim {

class Alerting : public Component {
 public:
  Alerting(Engine& engine, Scenario& scenario, MetricRegistry& registry, promql::Storage& storage, EventLog& log,
           IncidentSignals& incidents);
  void on_event(std::uint16_t kind, std::uint32_t target) override;

  // Every rule sees its metric's value in the row just scraped (a metric this version does
  // not measure reads as no data), the PromQL rule groups due evaluate over the series just
  // scraped; then due notifications go out.
  void evaluate(const std::vector<double>& row);
  // A transition of another kind of alert (an SLO's burn rate), routed to the channels.
  void route(const AlertTransition& t);
  std::size_t rule_count() const { return alerts_.size(); }
  const AlertEvaluator& evaluator() const { return alerts_; }
  // The rule files' rules; null when the scenario has none.
  const PromRules* prometheus_rules() const { return prom_.get(); }
  // What-if: a rule's new condition, effective from the next scrape (logged as rule_changed).
  void update_rule(std::size_t rule, const RuleSpec& spec);

 private:
  enum Kind : std::uint16_t { kNotify };
  void deliver();

  Engine& engine_;
  std::uint16_t id_;
  Scenario& scenario_;
  MetricRegistry& registry_;
  EventLog& log_;
  IncidentSignals& incidents_;
  AlertEvaluator alerts_;
  std::unique_ptr<PromRules> prom_;
  Notifier notifier_;
  std::vector<int> rule_column_;  // per rule: its time-series column, -1 when not measured
  SimTime notify_at_ = -1;  // the pending delivery event's time, -1 when none
};

}  // namespace opsim
