// The chaos runner: the scenario's experiments and those started from the UI, next to the
// experiment rules they follow (sre/chaos.h). At its start an experiment checks its safety
// (blast radius, error budget left, open incidents) and its steady state (each probe's
// avg_over_time); either one failing skips it. The error budgets checked are those of the
// SLOs of the services its faults touch and, where agents make calls, of the services that
// call them, directly or not: breaking a dependency reaches its callers' users, whose
// metrics its probes may read. Its method's steps then inject their faults
// one after another; at each scrape a safety breach aborts it. At the end its rollbacks
// run (end its faults, restore pool sizes), its probes are read again, and it concludes
// with a verdict and a resilience score (chaos.<id>.* metrics).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "fleet/fleet.h"
#include "metrics/registry.h"
#include "scaling/scaling_loop.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"
#include "sim/faults.h"
#include "sre/chaos.h"
#include "sre/incident_signals.h"
#include "sre/propagation.h"
#include "sre/slo_accounting.h"

namespace opsim {

class ChaosRunner : public Component {
 public:
  ChaosRunner(Engine& engine, const Scenario& scenario, Faults& faults, const Fleet& fleet, ScalingLoop& scaling,
              const SloAccounting& slos, IncidentSignals& incidents, MetricRegistry& registry, const SeriesStore& series,
              EventLog& log);
  // Schedules the scenario's experiments.
  void start();
  void on_event(std::uint16_t kind, std::uint32_t target) override;
  // At each scrape: a running experiment whose safety is breached aborts.
  void check_abort();

  // What a probe reads now: the mean of its metric's scrape samples in (now - window, now]
  // (a dashboard's avg_over_time); NaN without a sample.
  double probe_value(const ProbeSpec& p) const;
  // The safety checks an experiment would face if it started now (empty: safe).
  std::vector<std::string> check_safety(const ChaosSpec& c) const;
  // Starts an experiment now (its `at` is ignored); returns its index.
  std::size_t start_now(const ChaosSpec& c);

  struct View {
    const ChaosSpec* spec = nullptr;
    const sre::ChaosResult* result = nullptr;
    int step = -1;  // the method step running now, -1 when none
  };
  std::size_t count() const { return runs_.size(); }
  View view(std::size_t i) const { return {&runs_[i].spec, &runs_[i].result, runs_[i].step}; }

 private:
  enum Kind : std::uint16_t { kStep };
  struct Run {
    ChaosSpec spec;
    sre::ChaosResult result;
    int step = -1;
    std::vector<int> faults;  // the faults it injected
    std::vector<std::pair<int, int>> pool_sizes;  // (pool, serving instances) at its start
    int column = -1;  // registry chaos scope index, -1 for experiments started from the UI
  };
  void on_step(std::uint32_t i);
  void finish(std::size_t i, bool aborted, const std::string& why);
  sre::SafetyInputs safety_inputs(const ChaosSpec& c) const;

  Engine& engine_;
  std::uint16_t id_;
  const Scenario& scenario_;
  Faults& faults_;
  const Fleet& fleet_;
  ScalingLoop& scaling_;
  const SloAccounting& slos_;
  IncidentSignals& incidents_;
  MetricRegistry& registry_;
  const SeriesStore& series_;
  EventLog& log_;
  sre::CallGraph graph_;  // the callers a fault's failures can reach
  std::vector<Run> runs_;
};

}  // namespace opsim
