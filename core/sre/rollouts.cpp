// Deployments (rollouts.h): starting, canary steps and analyses, the blue-green switch,
// completion, rollback, and the incident response that rolls a suspect release back.
#include "sre/rollouts.h"

#include <algorithm>

namespace opsim {
namespace {

// A canary step whose analysis lacks data is extended this many times; then it fails.
constexpr int kMaxStepExtensions = 5;

}  // namespace

Rollouts::Rollouts(Engine& engine, const Scenario& scenario, std::uint64_t seed, Fleet& fleet, IncidentSignals& incidents,
                   EventLog& log)
    : engine_(engine), id_(engine.add(this)), scenario_(scenario), fleet_(fleet), incidents_(incidents), log_(log) {
  versions_.assign(1 + scenario_.deployments.size(), VersionBehaviour{});
  rollouts_.resize(scenario_.deployments.size());
  active_rollout_.assign(scenario_.services.size(), -1);
  canary_of_pool_.assign(fleet_.pool_count(), -1);
  for (std::size_t d = 0; d < scenario_.deployments.size(); ++d) {
    const DeploymentSpec& spec = scenario_.deployments[d];
    versions_[d + 1] = {spec.version_error_percent, spec.version_latency_factor};
    rollouts_[d].rng = Rng::stream(seed, "canary/" + spec.id);
  }
}

double Rollouts::estimated_bytes(const Scenario& s) {
  return static_cast<double>(s.deployments.size()) * static_cast<double>(sizeof(Rollout) + sizeof(VersionBehaviour));
}

void Rollouts::start() {
  for (std::size_t d = 0; d < scenario_.deployments.size(); ++d)
    if (scenario_.deployments[d].at <= engine_.end())
      engine_.schedule(scenario_.deployments[d].at, id_, kStart, static_cast<std::uint32_t>(d));
}

void Rollouts::on_event(std::uint16_t kind, std::uint32_t target) {
  switch (kind) {
    case kStart: start_rollout(static_cast<int>(target)); break;
    case kTimer: on_timer(static_cast<int>(target)); break;
    case kIncidentRollback: on_incident_rollback(static_cast<int>(target)); break;
  }
  update_listening();
}

void Rollouts::update_listening() {
  bool collecting = false;
  for (const Rollout& ro : rollouts_)
    collecting = collecting || ro.phase == Rollout::Phase::canary || ro.phase == Rollout::Phase::warming ||
                 ro.phase == Rollout::Phase::baking;
  if (!feed_ || collecting == listening_) return;
  if (collecting) feed_->add_outcome_observer(this);
  else feed_->remove_outcome_observer(this);
  listening_ = collecting;
}

std::vector<int> Rollouts::pools_of(int service) const {
  std::vector<int> pools;
  for (std::size_t pi = 0; pi < fleet_.pool_count(); ++pi)
    if (fleet_.service_of(static_cast<int>(pi)) == service) pools.push_back(static_cast<int>(pi));
  return pools;
}

void Rollouts::set_timer(int d, SimTime at) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  ro.timer_at = at;
  if (at <= engine_.end()) engine_.schedule(at, id_, kTimer, static_cast<std::uint32_t>(d));
}

void Rollouts::on_outcome(const RequestOutcome& o) {
  if (o.version < 0) return;
  const int d = active_rollout_[static_cast<std::size_t>(o.service)];
  if (d < 0) return;
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  if (ro.phase != Rollout::Phase::canary && ro.phase != Rollout::Phase::warming && ro.phase != Rollout::Phase::baking)
    return;
  sre::VersionWindow& w = o.version == d + 1 ? ro.canary : ro.baseline;
  if (o.failed()) {
    ++w.failed;
  } else {
    ++w.succeeded;
    w.latency.record(o.latency_us);
  }
}

void Rollouts::start_rollout(int d) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  const int service = spec.service_index;
  int& active = active_rollout_[static_cast<std::size_t>(service)];
  if (active >= 0) {
    ro.phase = Rollout::Phase::waiting;
    log_.log(EventKind::deployment_waiting,
             EventFields()
                 .add("id", spec.id)
                 .add("service", spec.service)
                 .add("behind", scenario_.deployments[static_cast<std::size_t>(active)].id)
                 .add("reason", "one rollout per service at a time; it starts when the one in progress ends"));
    return;
  }
  active = d;
  ro.started_at = engine_.now();
  ro.canary.clear();
  ro.baseline.clear();
  const std::vector<int> pools = pools_of(service);
  const int instances = fleet_.serving_instances_of_service(service);
  ro.previous_version = fleet_.pool_version(pools.front());
  EventFields w;
  w.add("id", spec.id).add("service", spec.service).add("strategy", sre::deployment_strategy_name(spec.strategy));
  w.add("version", d + 1).add("error_percent", spec.version_error_percent);
  w.add("latency_factor", spec.version_latency_factor).add("instances", instances);
  log_.log(EventKind::deployment_started, std::move(w));
  ro.change_record = incidents_.on_change(spec.service, "deployment " + spec.id + " of " + spec.service + " (" +
                                                            sre::deployment_strategy_name(spec.strategy) + ")");
  switch (spec.strategy) {
    case DeploymentSpec::Strategy::rolling:
      ro.phase = Rollout::Phase::rolling;
      ro.weight_percent = 0;
      fleet_.set_release(service, d + 1, spec.rolling_max_surge, spec.rolling_max_unavailable);
      for (int pi : pools) fleet_.advance_rolling(pi);
      break;
    case DeploymentSpec::Strategy::canary:
      ro.phase = Rollout::Phase::canary;
      ro.step = 0;
      ro.weight_percent = spec.canary_steps.front();
      for (int pi : pools) canary_of_pool_[static_cast<std::size_t>(pi)] = d;
      log_.log(EventKind::deployment_step, EventFields()
                                               .add("id", spec.id)
                                               .add("step", 1)
                                               .add("steps", static_cast<int>(spec.canary_steps.size()))
                                               .add("weight_percent", ro.weight_percent));
      set_timer(d, engine_.now() + spec.canary_step_duration);
      break;
    case DeploymentSpec::Strategy::blue_green:
      // The new fleet: as many instances as each pool serves with now, out of service until
      // all are ready. Meanwhile the baseline window collects the old fleet's figures.
      ro.phase = Rollout::Phase::warming;
      if (fleet_.start_green_fleet(service, d + 1) == 0) switch_blue_green(d);
      break;
  }
}

void Rollouts::on_green_fleet_ready(int service) {
  const int d = active_rollout_[static_cast<std::size_t>(service)];
  if (d >= 0) switch_blue_green(d);
  update_listening();
}

void Rollouts::switch_blue_green(int d) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  const auto [switched, standby] = fleet_.switch_to_green(spec.service_index, d + 1);
  ro.phase = Rollout::Phase::baking;
  ro.weight_percent = 100;
  ro.canary.clear();  // the baseline keeps the old fleet's figures from the warm-up
  log_.log(EventKind::deployment_switched, EventFields()
                                               .add("id", spec.id)
                                               .add("service", spec.service)
                                               .add("new_instances", switched)
                                               .add("standby_instances", standby)
                                               .add("took_s", to_seconds(engine_.now() - ro.started_at))
                                               .add("reason", "every instance of the new fleet is ready: traffic switches at "
                                                              "once; the old fleet stands by for the analysis"));
  set_timer(d, engine_.now() + spec.canary_step_duration);
}

void Rollouts::on_timer(int d) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  if (ro.timer_at != engine_.now()) return;  // a rollback or a later step replaced this timer
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  if (ro.phase != Rollout::Phase::canary && ro.phase != Rollout::Phase::baking) return;
  sre::CanaryAnalysis a = sre::analyze_canary(spec, ro.canary, ro.baseline);
  a.at = engine_.now();
  a.step = ro.phase == Rollout::Phase::canary ? ro.step : -1;
  a.weight_percent = ro.weight_percent;
  ro.analyses.push_back(a);
  log_.log(EventKind::canary_analysis, EventFields().add("id", spec.id).append(sre::canary_analysis_fields(a)));
  if (!a.enough_data && ro.extensions < kMaxStepExtensions) {
    ++ro.extensions;
    set_timer(d, engine_.now() + spec.canary_step_duration);
    return;
  }
  ro.extensions = 0;
  const bool passed = a.passed;
  if (!passed && spec.auto_rollback) {
    roll_back(static_cast<std::size_t>(d),
              std::string(a.step >= 0 ? "canary analysis failed at step " + std::to_string(a.step + 1)
                                      : std::string("blue-green analysis failed after the switch")) +
                  ": " + a.reason);
    return;
  }
  const std::string note = passed ? std::string() : " (its analysis failed, but auto_rollback is off)";
  ro.canary.clear();
  ro.baseline.clear();
  if (ro.phase == Rollout::Phase::baking) {
    // The old fleet is no longer needed.
    fleet_.retire_standby(spec.service_index);
    finish_rollout(d, Rollout::Phase::completed,
                   "the new fleet served every request for the analysis; the old one is retired" + note);
    return;
  }
  if (ro.step + 1 == static_cast<int>(spec.canary_steps.size())) {
    // Promotion: the canary's version becomes the stable one.
    fleet_.promote(spec.service_index, d + 1);
    for (int pi : pools_of(spec.service_index)) canary_of_pool_[static_cast<std::size_t>(pi)] = -1;
    finish_rollout(d, Rollout::Phase::completed,
                   "the canary passed every step and version " + std::to_string(d + 1) + " is stable" + note);
    return;
  }
  ++ro.step;
  ro.weight_percent = spec.canary_steps[static_cast<std::size_t>(ro.step)];
  log_.log(EventKind::deployment_step, EventFields()
                                           .add("id", spec.id)
                                           .add("step", ro.step + 1)
                                           .add("steps", static_cast<int>(spec.canary_steps.size()))
                                           .add("weight_percent", ro.weight_percent));
  set_timer(d, engine_.now() + spec.canary_step_duration);
}

void Rollouts::finish_rollout(int d, Rollout::Phase phase, const std::string& outcome) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  ro.phase = phase;
  ro.finished_at = engine_.now();
  ro.outcome = outcome;
  ro.timer_at = -1;
  ro.canary.release();
  ro.baseline.release();
  log_.log(EventKind::deployment_finished, EventFields()
                                               .add("id", spec.id)
                                               .add("service", spec.service)
                                               .add("strategy", sre::deployment_strategy_name(spec.strategy))
                                               .add("took_s", to_seconds(engine_.now() - ro.started_at))
                                               .add("outcome", outcome));
  incidents_.on_event(spec.service, "deployment_finished", "deployment " + spec.id + ": " + outcome);
  active_rollout_[static_cast<std::size_t>(spec.service_index)] = -1;
  start_next_waiting(spec.service_index);
}

void Rollouts::start_next_waiting(int service) {
  for (std::size_t k = 0; k < rollouts_.size(); ++k)
    if (rollouts_[k].phase == Rollout::Phase::waiting && scenario_.deployments[k].service_index == service) {
      start_rollout(static_cast<int>(k));
      break;
    }
}

bool Rollouts::on_rolling_finished(int pool) {
  const int service = fleet_.service_of(pool);
  const int d = active_rollout_[static_cast<std::size_t>(service)];
  if (d < 0) return false;  // a vertical resize
  for (std::size_t pi = 0; pi < fleet_.pool_count(); ++pi)
    if (fleet_.service_of(static_cast<int>(pi)) == service && fleet_.rolling(static_cast<int>(pi)))
      return true;  // another pool of the service is still rolling
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  if (ro.undoing) {
    ro.undoing = false;
    active_rollout_[static_cast<std::size_t>(service)] = -1;
    log_.log(EventKind::deployment_rollback_finished, EventFields()
                                                          .add("id", spec.id)
                                                          .add("service", spec.service)
                                                          .add("version", ro.previous_version)
                                                          .add("took_s", to_seconds(engine_.now() - ro.finished_at)));
    start_next_waiting(service);
    return true;
  }
  if (ro.phase == Rollout::Phase::rolling)
    finish_rollout(d, Rollout::Phase::completed, "every instance runs version " + std::to_string(d + 1));
  update_listening();
  return true;
}

void Rollouts::roll_back(std::size_t index, const std::string& reason) {
  const int d = static_cast<int>(index);
  Rollout& ro = rollouts_[index];
  const DeploymentSpec& spec = scenario_.deployments[index];
  const Rollout::Phase from = ro.phase;
  if (!can_roll_back(index)) return;
  const std::string from_phase = view(index).phase;
  const std::vector<int> pools = pools_of(spec.service_index);
  switch (from) {
    case Rollout::Phase::canary:
      // The router sends everything back to the stable version at once.
      for (int pi : pools) canary_of_pool_[static_cast<std::size_t>(pi)] = -1;
      break;
    case Rollout::Phase::warming: fleet_.cancel_green(spec.service_index); break;
    case Rollout::Phase::baking:
      // Switch back: the old fleet takes traffic again, the new one drains.
      fleet_.switch_back(spec.service_index, ro.previous_version, d + 1);
      break;
    default:
      // Rolling, or a finished rollout: roll the instances back the same way.
      fleet_.set_release(spec.service_index, ro.previous_version, spec.rolling_max_surge, spec.rolling_max_unavailable);
      ro.undoing = true;
      active_rollout_[static_cast<std::size_t>(spec.service_index)] = d;
      break;
  }
  ro.phase = Rollout::Phase::rolled_back;
  ro.finished_at = engine_.now();
  ro.timer_at = -1;
  ro.canary.release();
  ro.baseline.release();
  ro.outcome = reason;
  ro.weight_percent = 0;
  log_.log(EventKind::deployment_rolled_back, EventFields()
                                                  .add("id", spec.id)
                                                  .add("service", spec.service)
                                                  .add("from_phase", from_phase)
                                                  .add("to_version", ro.previous_version)
                                                  .add("reason", reason));
  incidents_.on_event(spec.service, "rollback", "deployment " + spec.id + " rolled back: " + reason);
  incidents_.end_change(ro.change_record);
  if (ro.undoing) {
    for (int pi : pools) fleet_.advance_rolling(pi);
  } else {
    active_rollout_[static_cast<std::size_t>(spec.service_index)] = -1;
    start_next_waiting(spec.service_index);
  }
  update_listening();
}

bool Rollouts::can_roll_back(std::size_t d) const {
  const Rollout& ro = rollouts_[d];
  if (ro.started_at < 0 || ro.phase == Rollout::Phase::rolled_back || ro.phase == Rollout::Phase::waiting) return false;
  if (ro.phase == Rollout::Phase::canary || ro.phase == Rollout::Phase::warming) return true;
  // Otherwise its version must still be what the service's pools run: a later release
  // replaced it, and rolling that back is the later deployment's business.
  for (int pi : pools_of(scenario_.deployments[d].service_index))
    if (fleet_.pool_version(pi) != static_cast<int>(d) + 1) return false;
  return true;
}

void Rollouts::on_incident_opened(const sre::Incident& inc) {
  // The incident's service (an unscoped incident with one service is about it), and its
  // latest deployment if that began shortly before detection.
  std::string service = inc.service;
  if (service.empty() && scenario_.services.size() == 1) service = scenario_.services[0].id;
  const int v = scenario_.service_index(service);
  if (v < 0) return;
  int suspect = -1;
  for (std::size_t d = 0; d < rollouts_.size(); ++d) {
    const Rollout& ro = rollouts_[d];
    if (scenario_.deployments[d].service_index != v || ro.started_at < 0 || ro.phase == Rollout::Phase::rolled_back)
      continue;
    if (ro.started_at > inc.detected_at || inc.detected_at - ro.started_at > kSuspectDeploymentWindow) continue;
    if (suspect < 0 || ro.started_at >= rollouts_[static_cast<std::size_t>(suspect)].started_at) suspect = static_cast<int>(d);
  }
  if (suspect < 0 || rollouts_[static_cast<std::size_t>(suspect)].rollback_incident >= 0) return;
  Rollout& ro = rollouts_[static_cast<std::size_t>(suspect)];
  ro.rollback_incident = static_cast<int>(&inc - incidents_.manager()->incidents().data());
  incidents_.on_event(service, "mitigation",
                      "deployment " + scenario_.deployments[static_cast<std::size_t>(suspect)].id + " began " +
                          format_duration(inc.detected_at - ro.started_at) +
                          " before detection: the response rolls it back in " + format_duration(kRollbackDecisionDelay));
  const SimTime at = engine_.now() + kRollbackDecisionDelay;
  if (at <= engine_.end()) engine_.schedule(at, id_, kIncidentRollback, static_cast<std::uint32_t>(suspect));
}

void Rollouts::on_incident_rollback(int d) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const sre::Incident& inc = incidents_.manager()->incidents()[static_cast<std::size_t>(ro.rollback_incident)];
  if (!inc.open()) return;  // it recovered by itself meanwhile
  roll_back(static_cast<std::size_t>(d), "the response to incident " + inc.id + " (" + sre::severity_name(inc.severity) +
                                             ") rolled back the deployment that preceded it");
}

Rollouts::View Rollouts::view(std::size_t d) const {
  const Rollout& ro = rollouts_[d];
  View v;
  v.spec = &scenario_.deployments[d];
  static const char* const kPhase[] = {"scheduled", "waiting", "rolling", "canary", "warming", "baking", "completed",
                                       "rolled_back"};
  v.phase = kPhase[static_cast<int>(ro.phase)];
  v.step = ro.phase == Rollout::Phase::canary ? ro.step : -1;
  v.weight_percent = ro.weight_percent;
  const auto [on, other] = fleet_.instances_by_version(v.spec->service_index, static_cast<int>(d) + 1);
  v.new_instances = on;
  v.old_instances = other;
  v.started_at = ro.started_at;
  v.finished_at = ro.finished_at;
  v.outcome = ro.outcome;
  v.analyses = ro.analyses;
  return v;
}

}  // namespace opsim
