// Deployments: new versions rolled out to a service, next to their canary analysis
// (sre/canary.h). Version 0 is what the scenario describes; deployment d ships version
// d + 1, whose requests fail `error_percent` more often and whose work takes
// `latency_factor` times as long. One rollout per service runs at a time; a deployment due
// while another runs on its service waits for it.
//   rolling: instances replaced max_surge / max_unavailable at a time (Kubernetes'
//     RollingUpdate, the fleet's rolling restart), no analysis: a bad release is caught by
//     SLOs and incidents.
//   canary: a traffic router sends each step's share of the service's requests to the new
//     version (its replicas are taken to scale with that share, so capacity and cost are
//     the fleet's); each step lasts step_duration and ends with an analysis against the
//     baseline; a failed one rolls back when auto_rollback is set; after the 100 % step the
//     new version is the stable one.
//   blue_green: a second fleet of the same size starts on the new version and takes no
//     traffic until all of it is ready; then traffic switches at once and the old fleet
//     stands by, idle but paid for, for one step_duration while the new one is analysed
//     like a canary step; a failure switches back.
// An incident opened on a service whose latest deployment began within
// kSuspectDeploymentWindow before it was detected (and was not rolled back) gets that
// deployment rolled back by its response, kRollbackDecisionDelay after opening, if the
// incident is still open then.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/random.h"
#include "fleet/fleet.h"
#include "scenario/scenario.h"
#include "sim/event_log.h"
#include "sim/outcome.h"
#include "sre/canary.h"
#include "sre/incident_signals.h"

namespace opsim {

// How a release's requests behave.
struct VersionBehaviour {
  double error_percent = 0, latency_factor = 1;
};

class Rollouts : public Component, public FleetListener, public OutcomeObserver, public IncidentListener {
 public:
  static constexpr SimDuration kSuspectDeploymentWindow = 2 * kMicrosPerHour;
  static constexpr SimDuration kRollbackDecisionDelay = 10 * kMicrosPerMinute;

  Rollouts(Engine& engine, const Scenario& scenario, std::uint64_t seed, Fleet& fleet, IncidentSignals& incidents,
           EventLog& log);
  // Schedules each deployment's start.
  void start();
  // The bytes of every deployment's state, its canary and baseline windows included.
  static double estimated_bytes(const Scenario& s);
  void on_event(std::uint16_t kind, std::uint32_t target) override;

  // The version that serves a request starting on `instance`: a canary's router picks per
  // request; otherwise the instance's release serves it.
  int route(int pool, int instance) {
    const int d = canary_of_pool_[static_cast<std::size_t>(pool)];
    if (d >= 0) {
      Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
      if (ro.rng.uniform_open() * 100.0 < ro.weight_percent) return d + 1;
    }
    return fleet_.instance_version(pool, instance);
  }
  const VersionBehaviour& behaviour(int version) const { return versions_[static_cast<std::size_t>(version)]; }
  // The deployment rolling out on the service now, -1 when none.
  int active_on(int service) const { return active_rollout_[static_cast<std::size_t>(service)]; }

  // Outcomes of requests served while a canary or a blue-green analysis runs on their
  // service feed its windows: the rollouts listen to `feed` only while one does.
  void listen_to(OutcomeFeed* feed) { feed_ = feed; }
  void on_outcome(const RequestOutcome& o) override;
  bool on_rolling_finished(int pool) override;
  void on_green_fleet_ready(int service) override;
  void on_incident_opened(const sre::Incident& inc) override;

  struct View {
    const DeploymentSpec* spec = nullptr;
    std::string phase;  // scheduled, waiting, rolling, canary, warming, baking, completed, rolled_back
    int step = -1;  // canary: the current step's index
    double weight_percent = 0;  // the new version's share of traffic now
    int new_instances = 0, old_instances = 0;  // live and not draining, in the service's pools
    SimTime started_at = -1, finished_at = -1;
    std::string outcome;  // why it completed or was rolled back
    std::vector<sre::CanaryAnalysis> analyses;
  };
  std::size_t count() const { return rollouts_.size(); }
  View view(std::size_t d) const;
  // Whether roll_back(d) would act: it started, is not waiting, was not rolled back, and is
  // still its service's release (or its canary / warm-up is under way).
  bool can_roll_back(std::size_t d) const;
  // Rolls deployment d back now (a no-op unless can_roll_back(d)).
  void roll_back(std::size_t d, const std::string& reason);

 private:
  enum Kind : std::uint16_t { kStart, kTimer, kIncidentRollback };
  struct Rollout {
    enum class Phase { scheduled, waiting, rolling, canary, warming, baking, completed, rolled_back };
    Phase phase = Phase::scheduled;
    int previous_version = 0;
    int step = -1;
    double weight_percent = 0;
    SimTime started_at = -1, finished_at = -1, timer_at = -1;
    std::string outcome;
    Rng rng{1};  // canary routing
    sre::VersionWindow canary, baseline;
    std::vector<sre::CanaryAnalysis> analyses;
    int change_record = -1;  // its entry in the incident manager's change records
    bool undoing = false;  // rolled back while rolling or after it completed: instances roll back to previous_version
    int extensions = 0;  // of the current analysis window, for lack of data
    int rollback_incident = -1;  // the incident whose response will roll it back
  };

  void start_rollout(int d);
  void on_timer(int d);
  void switch_blue_green(int d);
  void finish_rollout(int d, Rollout::Phase phase, const std::string& outcome);
  void start_next_waiting(int service);
  void on_incident_rollback(int d);
  void set_timer(int d, SimTime at);
  std::vector<int> pools_of(int service) const;
  // Listens to the outcome feed exactly while a rollout collects analysis windows.
  void update_listening();

  Engine& engine_;
  std::uint16_t id_;
  const Scenario& scenario_;
  Fleet& fleet_;
  IncidentSignals& incidents_;
  EventLog& log_;
  std::vector<VersionBehaviour> versions_;  // [0]: the scenario's; [d + 1]: deployment d's
  std::vector<Rollout> rollouts_;
  std::vector<int> active_rollout_;  // per service: the rollout in progress, -1 when none
  std::vector<int> canary_of_pool_;  // per pool: the canary rollout routing its traffic, -1 when none
  OutcomeFeed* feed_ = nullptr;
  bool listening_ = false;
};

}  // namespace opsim
