// SLO accounting: one tracker and one set of multi-window burn-rate alerts per scenario SLO
// (sre/slo.h). Each scrape records the interval's good and total events (availability:
// successes of all that ended; latency: successes within the threshold of all successes),
// sets the slo.<id>.* figures, and evaluates the burn-rate alerts, whose transitions are
// logged, counted, routed like any alert and given to the incident signals.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/engine.h"
#include "metrics/registry.h"
#include "monitoring/alerting.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"
#include "sim/outcome.h"
#include "sre/incident_signals.h"
#include "sre/slo.h"

namespace opsim {

class SloAccounting : public OutcomeObserver {
 public:
  SloAccounting(const Engine& engine, const Scenario& scenario, MetricRegistry& registry, EventLog& log,
                Alerting& alerting, IncidentSignals& incidents);

  // The bytes of every SLO's buckets.
  static double estimated_bytes(const Scenario& s);
  // A success within a latency SLO's threshold counts as good for it.
  void on_outcome(const RequestOutcome& o) override;
  bool counts_outcomes() const { return !latency_slos_.empty(); }
  // At each scrape, before the windows close.
  void on_scrape();

  const std::vector<sre::SloTracker>& trackers() const { return slos_; }
  const std::vector<sre::BurnRateAlerts>& alerts() const { return alerts_; }
  // Throws InvariantViolation when a tracker's figures or those shown disagree with the
  // SRE workbook's arithmetic.
  void check_invariants(SimTime now) const;

 private:
  const Engine& engine_;
  const Scenario& scenario_;
  MetricRegistry& registry_;
  EventLog& log_;
  Alerting& alerting_;
  IncidentSignals& incidents_;
  std::vector<sre::SloTracker> slos_;
  std::vector<sre::BurnRateAlerts> alerts_;
  std::vector<int> latency_slos_;  // indices of latency SLOs
  std::vector<std::uint64_t> fast_;  // per SLO: successes within its threshold since the last scrape
};

}  // namespace opsim
