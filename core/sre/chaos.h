// Chaos experiments (seed 004 part 2, ChaosEngineer): safety validation, probes of the
// steady-state hypothesis, the verdict and the resilience score. A pure library: the
// simulation runs the method's faults, reads the probes' values and asks this to judge.
//
// [SECTION] Lifecycle (what the simulation does with these)
// 1. At the experiment's start: safety (validate_safety) and the steady state before (each
//    probe over the window that ends then). A breach of safety or a probe outside its
//    tolerance skips the experiment: nothing is injected.
// 2. The method: its steps one after another, each fault for its duration.
// 3. While it runs, at every scrape: an open incident of a severity in safety.abort_on, or
//    an SLO budget below safety.min_error_budget_remaining_percent, aborts it: no further
//    steps; the rollbacks run at once.
// 4. At the end (or abort): the rollbacks ("faults": end what the experiment injected that
//    is still active; "instances": bring each pool of the services it touched back to its
//    size at the start), then the probes again over the window that ends then (the window
//    covers the method: "users barely notice" is judged while the fault acts).
//
// [SECTION] Scores
// A probe reads the mean of its metric's scrape samples over its window (a dashboard's
// avg_over_time); no sample in the window reads as no data, which fails the probe.
// Per probe: 1 within tolerance, else max(0, 1 - miss / scale) where miss is the distance to
// the nearest bound and scale is |that bound| (the width of the tolerance when the bound is
// 0, 1 when both are 0): 95 % availability against [99, 100] scores 1 - 4/99 = 0.96. No data
// scores 0. resilience_score = 100 x the mean over probes; an aborted experiment scores 0;
// a skipped one has none (its metric reads 0). passed = ran to the end and every probe held.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim::sre {

struct ProbeReading {
  double value = std::numeric_limits<double>::quiet_NaN();  // NaN: no data
  bool within = false;
  double score = 0;  // 0..1, see [SECTION] Scores
};
ProbeReading read_probe(const ProbeSpec& p, double value);

// The share of what a fault reaches, in percent: instance_crash, the instances it takes
// down of those serving (`serving_instances` of its service); capacity_loss, the slots it
// removes; errors, the requests it fails; latency, provider_outage, traffic_spike,
// data_loss and security reach every request of their target: 100.
double blast_radius_percent(const FaultSpec& f, int serving_instances);

struct SafetyInputs {
  double blast_radius_percent = 0;
  // The lowest budget remaining among the SLOs of the services the method touches (every
  // SLO when a step has no service); NaN when there is no such SLO.
  double min_budget_remaining_percent = std::numeric_limits<double>::quiet_NaN();
  std::string min_budget_slo;
  std::vector<std::string> open_incident_severities;  // "sev1", ... of incidents open now
  std::vector<std::string> open_incident_ids;
};
// Empty when safe; otherwise each breached condition as a sentence with the numbers.
// `starting` adds the blast-radius check (it cannot change once the experiment runs).
std::vector<std::string> validate_safety(const ChaosSpec& c, const SafetyInputs& in, bool starting);

enum class ChaosVerdict { pending, running, passed, failed, aborted, skipped };
const char* chaos_verdict_name(ChaosVerdict v);

struct ChaosResult {
  ChaosVerdict verdict = ChaosVerdict::pending;
  std::string reason;
  SimTime started_at = -1, method_started_at = -1, ended_at = -1;
  int steps_run = 0;
  double blast_radius_percent = 0;
  std::vector<ProbeReading> before, after;  // parallel to the spec's probes
  std::vector<std::string> rollbacks_done;
  double resilience_score = 0;  // 0..100
};
// The verdict and score once the after-probes are read (aborted stays aborted, scores 0).
void conclude(const ChaosSpec& c, ChaosResult& r);

// {"id","title","hypothesis","verdict","reason","started_at_s",...,"probes":[...]}
std::string chaos_result_json(const ChaosSpec& c, const ChaosResult& r);

}  // namespace opsim::sre
