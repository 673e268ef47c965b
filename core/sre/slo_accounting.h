// SLO accounting: one tracker and one set of multi-window burn-rate alerts per scenario SLO
// (sre/slo.h). Each scrape records the interval's good and total events (availability:
// successes of all that ended; latency: successes within the threshold of all successes;
// query: what its PromQL expressions count, below), sets the slo.<id>.* figures, and
// evaluates the burn-rate alerts (the SLO's own rules, else the alerting section's), whose
// transitions are logged, counted, routed like any alert and given to the incident signals.
//
// A query SLO's expressions are evaluated at the scrape's time over the monitoring's series
// store, once the scrape's counters and histograms are in it (the catalogue's gauges and
// recording rules are there as of the scrape before). An expression's value is its result
// summed over series (0 for none). A counter gives the interval's events as its increase
// since the last scrape (a fall is a reset: the value itself); a rate over [{{.window}}]
// is evaluated with the scrape interval as the window, events = rate x interval. Counts
// are rounded to whole events. An evaluation that fails counts no events and is kept as
// the SLO's last error.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "metrics/registry.h"
#include "monitoring/alerting.h"
#include "promql/eval.h"
#include "promql/storage.h"
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
  // At each scrape, before the windows close, with the store the scrape has just filled;
  // t_ms: the scrape's time in Unix milliseconds.
  void on_scrape(const promql::Storage& storage, std::int64_t t_ms);
  // A query SLO's last evaluation error (empty when it went well, or for other SLOs).
  const std::string& query_error(std::size_t slo) const;

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
  std::vector<std::size_t> first_rule_;  // per SLO: its rules' place after the SLOs' before it
  std::vector<int> latency_slos_;  // indices of latency SLOs
  std::vector<std::uint64_t> fast_;  // per SLO: successes within its threshold since the last scrape
  // A query SLO's expressions, parsed with the scrape interval as {{.window}}.
  struct Query {
    std::unique_ptr<promql::Expr> expr;
    bool rate = false;  // a rate over the window; else a counter
    double last = 0;  // a counter's value at the last scrape
  };
  struct QuerySlo {
    int slo = -1;
    bool counts_bad = false;  // the numerator counts bad events (else good)
    Query numerator, total;
    std::string error;
  };
  std::uint64_t events(Query& q, const promql::Storage& storage, std::int64_t t_ms, std::string& error);
  std::vector<QuerySlo> queries_;
  std::vector<int> query_of_;  // per SLO: its index in queries_, or -1
  promql::QueryCache cache_;
};

}  // namespace opsim
