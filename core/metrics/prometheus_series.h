// The platform's metrics in Prometheus's data model (docs/prometheus.md has the table): what
// each scrape appends to the monitoring's series store (promql/storage.h), for PromQL rules,
// the Explore tab and metrics.om.
//
//   opsim_requests_total{tenant, service, agent, caller, outcome, reason}   counter
//       every request an agent served to its end: users' requests (no caller label) and
//       calls' attempts (caller = the calling agent); outcome succeeded | failed | rejected,
//       reason = why it failed (queue_full, timeout, ...) or which quota refused it.
//   opsim_request_duration_seconds{tenant, service, agent, caller}          histogram
//       successful requests' latency, arrival to completion (kLatencyBucketsSeconds).
//   opsim_pool_instances{service, state}, opsim_busy_slots{service}, opsim_slots{service}
//       the fleet now: instances by state (ready, starting, draining); slots working, ready.
//   opsim_<metric>{scope labels}                                            gauge
//       every other catalogue metric (metric_catalog.h) that the scenario has, in each of
//       its scopes: none (global), tenant, service, agent (with service), slo, experiment,
//       or caller and callee for an edge of the call graph.
//
// Counters count from the run's start, as a Prometheus client's do from its process's, so
// rate() and increase() apply. A series exists from the first scrape after its first event.
#pragma once
#include <cstdint>
#include <vector>

#include "metrics/registry.h"
#include "promql/storage.h"
#include "scenario/scenario.h"
#include "sim/outcome.h"

namespace opsim {

class Fleet;

// Upper bounds (le) of the latency histogram, in seconds, then +Inf: Prometheus clients'
// default buckets (5 ms to 10 s), which resolve the agents' latencies, and 30 s, 1 min and
// 2 min for model calls and requests that wait out a queue timeout.
constexpr double kLatencyBucketsSeconds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
constexpr int kLatencyBuckets = static_cast<int>(sizeof kLatencyBucketsSeconds / sizeof kLatencyBucketsSeconds[0]);
// The same bounds in microseconds, for the search every successful request makes: whole
// numbers, so that latency_us <= bound holds exactly when it does in seconds (checked below).
constexpr SimDuration kLatencyBucketsMicros[] = {5000,    10000,   25000,    50000,    100000,   250000,    500000,
                                                 1000000, 2500000, 5000000,  10000000, 30000000, 60000000, 120000000};
static_assert(sizeof kLatencyBucketsMicros / sizeof kLatencyBucketsMicros[0] == kLatencyBuckets,
              "a bound in microseconds for each bound in seconds");

class PrometheusSeries : public OutcomeObserver {
 public:
  explicit PrometheusSeries(const Scenario& s);
  void on_outcome(const RequestOutcome& o) override;
  void on_rejected(const RequestOutcome& o, unsigned exceeded) override;

  // Appends every series' value at t_ms (Unix milliseconds): the counters and histograms
  // as they stand and the fleet's gauges. The other catalogue metrics are the storage's
  // column series, read from the time-series rows (the storage's column source) where the
  // scrape has just put them.
  void scrape(std::int64_t t_ms, const MetricRegistry& registry, const Fleet& fleet, promql::Storage& storage);

  // The bytes of the series a run of `s` keeps at most: those its traffic can create, each
  // with its labels and the points of `monitoring.retention`.
  static double estimated_bytes(const Scenario& s);

  // Whether a catalogue metric is carried by opsim_requests_total and the histogram (and so
  // not exported as a gauge of its own).
  static bool from_request_series(MetricId m);

 private:
  // A row of counters: one (tenant, agent) for users' requests, one (tenant, edge) for calls.
  int row_of(const RequestOutcome& o) const;
  promql::Labels row_labels(int row) const;
  void create_row_series(int row, promql::Storage& storage);
  void create_gauges(const MetricRegistry& registry, promql::Storage& storage);

  const Scenario& scenario_;
  int tenants_, agents_;
  std::vector<CallEdge> edges_;
  // Per row: kOutcomeCodes counters; kLatencyBuckets + 1 bucket counts (not cumulative),
  // the latency sum in microseconds; the series refs, created at the row's first scrape
  // with something to show.
  static constexpr int kOutcomeCodes = 15;  // succeeded, 10 failure reasons, 4 quota limits
  std::vector<std::uint64_t> counts_;
  std::vector<std::uint64_t> buckets_;
  std::vector<std::int64_t> latency_sum_us_;
  std::vector<std::int32_t> count_refs_;  // -1: not created
  std::vector<std::int32_t> hist_refs_;   // per row: kLatencyBuckets + 1 buckets, sum, count; -1 before
  bool gauges_created_ = false;
  // Per service: its pool instances by state, busy and ready slots.
  std::vector<promql::Storage::SeriesRef> pool_refs_;
};

}  // namespace opsim
