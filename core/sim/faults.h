// Faults: the scenario's `faults`, those a chaos experiment injects and those injected from
// the UI, each started and ended by an event of this component and applied where it acts:
//   provider_outage  the context provider answers nothing (context/context_engine.h)
//   instance_crash   ready instances crash, their work fails; they restart at its end
//   capacity_loss    each instance of the service keeps (100 - concurrency_percent) % of its slots
//   errors, latency  added to the error rate / work time of a service's or an agent's requests
//   traffic_spike    the tenant's arrivals multiplied (a spike pattern of its loads, known in
//                    advance so that the arrival process stays exact; ended early, it is cut)
//   data_loss, security  nothing breaks in the request path; they open and flag incidents
// Every start and end is logged and given to the incident signals.
#pragma once
#include <cstdint>
#include <vector>

#include "context/context_engine.h"
#include "engine/engine.h"
#include "fleet/fleet.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"
#include "sim/request_path.h"
#include "sre/incident_signals.h"

namespace opsim {

// The scenario with each traffic_spike fault written into its tenant's loads as a spike
// pattern (a permanent fault lasts to the end).
Scenario with_traffic_spikes(const Scenario& scenario);

class Faults : public Component {
 public:
  Faults(Engine& engine, Scenario& scenario, Fleet& fleet, RequestPath& requests, ContextEngine& context,
         IncidentSignals& incidents, EventLog& log);
  // Schedules the scenario's faults.
  void start();
  void on_event(std::uint16_t kind, std::uint32_t target) override;

  // A fault that starts now and lasts its duration (-1: to the end); its `at` is ignored.
  // Returns its index.
  int add(const FaultSpec& f);
  // Ends an active fault now (its scheduled end is then ignored).
  void end(int fault) {
    if (active(fault)) on_fault(static_cast<std::uint32_t>(fault), false);
  }
  bool active(int fault) const { return active_[static_cast<std::size_t>(fault)]; }
  // An instance_crash fault is active on the service (its size may be below the minimum).
  bool crash_active(int service) const;

 private:
  enum Kind : std::uint16_t { kStart, kEnd };
  void on_fault(std::uint32_t fault, bool start);

  Engine& engine_;
  std::uint16_t id_;
  Scenario& scenario_;
  Fleet& fleet_;
  RequestPath& requests_;
  ContextEngine& context_;
  IncidentSignals& incidents_;
  EventLog& log_;
  std::vector<int> crashed_;  // per fault: instances it took down, restarted at its end
  std::vector<bool> active_;  // per scenario_.faults entry
};

}  // namespace opsim
