// The incident signals: each service's signals for every scrape interval (availability,
// users affected, smoothed p95 against its healthy baseline, saturation at the maximum,
// scaling held back by a cooldown), the status they give (measured in every run), and,
// when the scenario has an `incidents` section, the incident manager (sre/incidents.h)
// fed with them, with alerts, faults, scaling decisions and deployments, and, where agents
// make calls, with the call graph and each interval's figures of its services and edges
// (sre/propagation.h: the deepest failing dependency, the propagation chain). Its
// transitions are logged and counted, and listeners hear of each incident opened (a
// deployment's incident response).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "fleet/fleet.h"
#include "metrics/registry.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"
#include "sim/outcome.h"
#include "sre/incidents.h"

namespace opsim {

class IncidentListener {
 public:
  virtual ~IncidentListener() = default;
  virtual void on_incident_opened(const sre::Incident& inc) = 0;
};

class IncidentSignals : public OutcomeObserver {
 public:
  IncidentSignals(const Engine& engine, const Scenario& scenario, const Fleet& fleet, MetricRegistry& registry,
                  EventLog& log);
  void add_listener(IncidentListener* l) { listeners_.push_back(l); }
  // The bytes of the per-user interval counts (a slot per user of every tenant, per service).
  static double estimated_bytes(const Scenario& s);

  // Each request ended counts for its user (a tenant without users is one anonymous user).
  void on_outcome(const RequestOutcome& o) override {
    UserCounts& c = interval_users_[static_cast<std::size_t>(o.service) * user_slots_ +
                                    user_slot_base_[static_cast<std::size_t>(o.tenant)] + static_cast<std::size_t>(std::max(0, o.user))];
    ++c.completed;
    c.failed += o.failed() ? 1 : 0;
  }
  // At each scrape, before the windows close: each service's signals for the interval and
  // its status, then the incident manager's evaluation. `cooldown_blocked[service]`: a
  // scaling evaluation of the service was held back by a cooldown.
  void on_scrape(const std::vector<bool>& cooldown_blocked);

  const sre::StatusAssessment& status(int service) const { return service_status_[static_cast<std::size_t>(service)]; }

  // Incident management (null without an incidents section).
  const sre::IncidentManager* manager() const { return manager_.get(); }
  bool enabled() const { return manager_ != nullptr; }
  // Inputs, ignored without an incidents section. An unscoped alert with a single service
  // is about that service: one outage, one incident.
  void on_alert(sre::AlertInfo alert);
  void on_fault(const FaultSpec& fault, bool started);
  void on_event(const std::string& service, const std::string& kind, const std::string& text);
  int on_change(const std::string& service, const std::string& description);  // -1 without incidents
  void end_change(int record);

 private:
  struct UserCounts {
    std::uint32_t completed = 0, failed = 0;
  };
  std::vector<sre::ServiceSignals> signals(const std::vector<bool>& cooldown_blocked);
  sre::GraphFigures graph_figures(SimDuration elapsed) const;
  void transitions(const std::vector<sre::IncidentTransition>& ts);

  const Engine& engine_;
  const Scenario& scenario_;
  const Fleet& fleet_;
  MetricRegistry& registry_;
  EventLog& log_;
  std::unique_ptr<sre::IncidentManager> manager_;
  std::vector<IncidentListener*> listeners_;
  std::size_t user_slots_ = 0;  // every tenant's users (a tenant without users has one slot)
  std::vector<UserCounts> interval_users_;  // [service x user slot]
  std::vector<std::size_t> user_slot_base_;  // per tenant: its first user slot (a tenant without users has one)
  std::vector<std::vector<double>> healthy_p95_;  // per service: the smoothed p95 of recent healthy intervals
  std::vector<std::vector<double>> healthy_sorted_;  // per service: the same values, ascending (for their median)
  std::vector<double> p95_smoothed_ms_;  // per service: interval p95s, exponentially smoothed
  std::vector<sre::StatusAssessment> service_status_;  // per service, from the last scrape
  // With calls and incidents: the failure_reasons() counters as catalogue ids, and the last scrape.
  std::vector<MetricId> reason_metrics_;
  SimTime last_scrape_ = 0;
};

}  // namespace opsim
