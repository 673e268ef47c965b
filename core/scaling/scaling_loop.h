// The scaling loop: each scaling section's controllers for each pool of its service (a
// dedicated pool scales on its own figures), evaluated every evaluation_interval by an
// event of this component. An evaluation reads the pool's figures since the last one
// (utilisation, request rate, queue depth; custom metrics from the last scrape), lets the
// target-tracking controllers (scaling/hpa.h) and the predictive engine
// (scaling/predictive.h) propose, consolidates with the threshold policies
// (scaling/threshold.h), and applies the result to the fleet; a vertical policy resizes the
// instances instead. Every change applied, whoever asked for it (a policy, a chaos
// rollback, the UI), goes through resize() / resize_instances(): logged, counted and
// recorded for the scaling report.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "fleet/fleet.h"
#include "promql/ast.h"
#include "promql/storage.h"
#include "metrics/registry.h"
#include "scaling/hpa.h"
#include "scaling/predictive.h"
#include "scaling/threshold.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"
#include "sim/request_path.h"
#include "sre/incident_signals.h"
#include "sre/rollouts.h"

namespace opsim {

class ScalingLoop : public Component {
 public:
  // `row` is the last scrape's time-series row (custom metrics are read from it).
  // `storage` holds the monitoring's series, for policies on a PromQL series (their
  // `series`), evaluated at the Unix time start_unix_ms + the simulated time.
  ScalingLoop(Engine& engine, Scenario& scenario, Fleet& fleet, RequestPath& requests, const Rollouts& rollouts,
              IncidentSignals& incidents, MetricRegistry& registry, EventLog& log, const std::vector<double>& row,
              const promql::Storage& storage, std::int64_t start_unix_ms);
  // Schedules each scaler's first evaluation.
  void start();
  void on_event(std::uint16_t kind, std::uint32_t target) override;

  // Sets a pool's size now (logged as scale_out / scale_in with the policy and reason).
  void resize(int pool, int target, const std::string& policy, const std::string& reason);
  // Vertical scaling: new instances get size index `to`, a rolling restart replaces the others.
  void resize_instances(int pool, int to, const std::string& policy, const std::string& reason);
  // What-if: scaling section `section`'s new figures from now on: thresholds, cooldowns,
  // periods and increments of threshold policies; target, tolerance and behaviour of
  // target-tracking ones; predictive settings (method, threshold, confidence, lead,
  // horizon, enabled); the cap and cost optimisation. Policies are matched by id; kinds,
  // triggers, directions, sizes and metrics are the scenario's. Logged as policy_changed.
  void update(std::size_t section, const ScalingSpec& spec);
  // Per service: an evaluation of one of its pools was last held back by a cooldown.
  std::vector<bool> cooldown_blocked() const;

  struct Record {
    SimTime at = 0;
    int pool = 0;
    EventKind kind = EventKind::scale_out;  // scale_out, scale_in, scale_up, scale_down
    double from = 0, to = 0;  // instance counts, or size factors for scale_up / scale_down
    std::string policy, reason;
  };
  // The last kRecords decisions carried out, oldest first.
  const std::deque<Record>& records() const { return records_; }
  static constexpr std::size_t kRecords = 2000;
  // Decisions carried out per pool, over the whole run.
  struct PoolStats {
    int scale_out = 0, scale_in = 0, scale_up = 0, scale_down = 0, predictive = 0;
    SimTime last_at = -1;
    std::vector<std::pair<std::string, int>> by_policy;  // policy id -> decisions
  };
  const PoolStats& pool_stats(int pool) const { return pool_stats_[static_cast<std::size_t>(pool)]; }
  struct ScalerView {
    int pool = 0;
    std::size_t section = 0;  // index into scenario().scaling
    const scaling::PredictiveEngine* predictive = nullptr;  // null without one
    std::string last_note;  // why the last evaluation changed nothing (or what it did)
  };
  std::size_t scaler_count() const { return scalers_.size(); }
  ScalerView scaler_view(std::size_t i) const;

 private:
  enum Kind : std::uint16_t { kEvaluate };
  struct PoolScaler {
    int pool = 0;
    const ScalingSpec* spec = nullptr;
    std::unique_ptr<scaling::ThresholdScaler> threshold;
    std::unique_ptr<scaling::ThresholdScaler> vertical;  // vertical policies, on size steps
    std::vector<std::unique_ptr<scaling::HpaController>> hpa;  // target_tracking policies
    std::unique_ptr<scaling::PredictiveEngine> predictive;
    std::string note;  // the last evaluation's
  };
  void evaluate(std::uint32_t scaler);
  // A target-tracking controller's decision on the metric it names, or on a manifest's
  // several (none without a value):
  // cpu_utilization and memory_utilization as Resource metrics (average utilisation),
  // request_rate and queue_depth per ready instance as Pods metrics (averageValue), any
  // other metric as an Object metric (its value, or its value per instance for target_type
  // average_value).
  std::optional<scaling::HpaDecision> track(scaling::HpaController& hpa, SimTime now, int current, int ready,
                                            const scaling::MetricValues& values) const;
  // One metric's measure for the controller, as above; none without a value.
  // A series (ScalingPolicySpec::series, non-empty) is evaluated over the storage: its sum
  // is the pool's total, per ready instance as a Pods metric is; none when it returns
  // nothing or fails. (A service's series are the service's: each of its pools divides the
  // service's total by its own instances.)
  std::optional<scaling::HpaMetric> measure(const std::string& metric, const std::string& series,
                                            ScalingPolicySpec::TargetType type, int current, int ready,
                                            const scaling::MetricValues& values) const;
  void record(int pool, EventKind kind, double from, double to, const std::string& policy, const std::string& reason);

  Engine& engine_;
  std::uint16_t id_;
  Scenario& scenario_;
  Fleet& fleet_;
  RequestPath& requests_;
  const Rollouts& rollouts_;
  IncidentSignals& incidents_;
  MetricRegistry& registry_;
  EventLog& log_;
  const std::vector<double>& row_;
  const promql::Storage& storage_;
  std::int64_t start_unix_ms_;
  std::map<std::string, std::unique_ptr<promql::Expr>> series_;  // parsed, by text
  std::vector<PoolScaler> scalers_;
  std::deque<Record> records_;
  std::vector<PoolStats> pool_stats_;  // per pool
  std::vector<SimTime> eval_since_;  // per pool: its last evaluation
  // Per pool: its evaluations' windows within the last kRateWindow, for request_rate and
  // queue_depth.
  static constexpr SimDuration kRateWindow = kMicrosPerMinute;
  struct RateWindow {
    SimTime from, to;
    std::uint64_t arrivals;
    double queue_len_us;
  };
  std::vector<std::deque<RateWindow>> rate_windows_;
};

}  // namespace opsim
