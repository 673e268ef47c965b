// Changes made to a running platform: deployments of new versions and chaos experiments,
// and faults injected by hand. Part of Simulation (simulation.h); the request path, the
// fleet and the rolling restart they use are in simulation.cpp.
//
// [SECTION] Deployments
// [SECTION] Chaos experiments and injected faults
#include <algorithm>
#include <cmath>
#include <limits>

#include "json/json.h"
#include "scaling/decision.h"
#include "sim/simulation.h"

namespace opsim {
namespace {

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// A canary step whose analysis lacks data is extended this many times; then it fails.
constexpr int kMaxStepExtensions = 5;

}  // namespace

// [SECTION] Deployments

void Simulation::setup_deployments() {
  versions_.assign(1 + scenario_.deployments.size(), VersionBehaviour{});
  rollouts_.resize(scenario_.deployments.size());
  active_rollout_.assign(scenario_.services.size(), -1);
  canary_of_pool_.assign(pools_.size(), -1);
  for (std::size_t d = 0; d < scenario_.deployments.size(); ++d) {
    const DeploymentSpec& spec = scenario_.deployments[d];
    versions_[d + 1] = {spec.version_error_percent, spec.version_latency_factor};
    rollouts_[d].rng = Rng::stream(seed_, "canary/" + spec.id);
    if (spec.at <= end_time()) events_.push(spec.at, kDeployStart, static_cast<std::uint32_t>(d));
  }
}

int Simulation::version_of_request(Pool& p, int instance) {
  // A canary's router picks the version per request; otherwise the instance's release serves it.
  const int d = canary_of_pool_[static_cast<std::size_t>(&p - pools_.data())];
  if (d >= 0) {
    Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
    if (ro.rng.uniform_open() * 100.0 < ro.weight_percent) return d + 1;
  }
  return p.instances[static_cast<std::size_t>(instance)].version;
}

void Simulation::count_version(const Request& r, bool failed, std::int64_t latency_us) {
  const int d = active_rollout_[static_cast<std::size_t>(r.service)];
  if (d < 0) return;
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  if (ro.phase != Rollout::Phase::canary && ro.phase != Rollout::Phase::warming && ro.phase != Rollout::Phase::baking)
    return;
  sre::VersionWindow& w = r.version == d + 1 ? ro.canary : ro.baseline;
  if (failed) {
    ++w.failed;
  } else {
    ++w.succeeded;
    w.latency.record(latency_us);
  }
}

void Simulation::start_rollout(int d) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  const int service = spec.service_index;
  int& active = active_rollout_[static_cast<std::size_t>(service)];
  if (active >= 0) {
    ro.phase = Rollout::Phase::waiting;
    log(EventKind::deployment_waiting,
        EventFields()
            .add("id", spec.id)
            .add("service", spec.service)
            .add("behind", scenario_.deployments[static_cast<std::size_t>(active)].id)
            .add("reason", "one rollout per service at a time; it starts when the one in progress ends"));
    return;
  }
  active = d;
  ro.started_at = now_;
  ro.canary.clear();
  ro.baseline.clear();
  std::vector<int> pools;
  int instances = 0;
  for (std::size_t pi = 0; pi < pools_.size(); ++pi)
    if (pools_[pi].service == service) {
      pools.push_back(static_cast<int>(pi));
      instances += serving_instances(pools_[pi]);
    }
  ro.previous_version = pools_[static_cast<std::size_t>(pools.front())].version;
  EventFields w;
  w.add("id", spec.id).add("service", spec.service).add("strategy", sre::deployment_strategy_name(spec.strategy));
  w.add("version", d + 1).add("error_percent", spec.version_error_percent);
  w.add("latency_factor", spec.version_latency_factor).add("instances", instances);
  log(EventKind::deployment_started, std::move(w));
  if (incidents_)
    ro.fault_record = incidents_->on_change(now_, spec.service,
                                            "deployment " + spec.id + " of " + spec.service + " (" +
                                                sre::deployment_strategy_name(spec.strategy) + ")");
  switch (spec.strategy) {
    case DeploymentSpec::Strategy::rolling:
      ro.phase = Rollout::Phase::rolling;
      ro.weight_percent = 0;
      for (int pi : pools) {
        Pool& p = pools_[static_cast<std::size_t>(pi)];
        p.version = d + 1;
        p.rolling_max_surge = spec.rolling_max_surge;
        p.rolling_max_unavailable = spec.rolling_max_unavailable;
        p.rolling = true;
        p.rolling_replaced = 0;
        p.rolling_since = now_;
      }
      for (int pi : pools) advance_rolling(pi);
      break;
    case DeploymentSpec::Strategy::canary:
      ro.phase = Rollout::Phase::canary;
      ro.step = 0;
      ro.weight_percent = spec.canary_steps.front();
      for (int pi : pools) canary_of_pool_[static_cast<std::size_t>(pi)] = d;
      log(EventKind::deployment_step, EventFields()
                                 .add("id", spec.id)
                                 .add("step", 1)
                                 .add("steps", static_cast<int>(spec.canary_steps.size()))
                                 .add("weight_percent", ro.weight_percent));
      ro.timer_at = now_ + spec.canary_step_duration;
      if (ro.timer_at <= end_time()) events_.push(ro.timer_at, kDeployTimer, static_cast<std::uint32_t>(d));
      break;
    case DeploymentSpec::Strategy::blue_green: {
      // The new fleet: as many instances as each pool serves with now, out of service until
      // all are ready. Meanwhile the baseline window collects the old fleet's figures.
      ro.phase = Rollout::Phase::warming;
      int started = 0;
      for (int pi : pools) {
        const int n = serving_instances(pools_[static_cast<std::size_t>(pi)]);
        for (int k = 0; k < n; ++k) {
          const int slot = start_instance(pi);
          Pool& p = pools_[static_cast<std::size_t>(pi)];
          Instance& in = p.instances[static_cast<std::size_t>(slot)];
          in.version = d + 1;
          in.green = true;
          ++p.green_instances;
          ++started;
        }
        fleet_changed(pi);
      }
      if (started == 0) switch_blue_green(d);
      break;
    }
  }
}

void Simulation::switch_blue_green(int d) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  int switched = 0, standby = 0;
  for (std::size_t pi = 0; pi < pools_.size(); ++pi) {
    Pool& p = pools_[pi];
    if (p.service != spec.service_index) continue;
    // The new fleet first, so that queued requests have somewhere to go.
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      Instance& in = p.instances[i];
      if (!in.green || in.state != InstanceState::starting) continue;
      in.green = in.warm = false;
      --p.green_instances;
      make_ready(static_cast<int>(pi), static_cast<int>(i));
      ++switched;
    }
    p.version = d + 1;
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      Instance& in = p.instances[i];
      if (in.version == d + 1 || (in.state != InstanceState::ready && in.state != InstanceState::starting)) continue;
      in.standby = in.state == InstanceState::ready;  // a starting old instance is simply cancelled
      standby += in.standby;
      drain_instance(static_cast<int>(pi), static_cast<int>(i));
    }
  }
  ro.phase = Rollout::Phase::baking;
  ro.weight_percent = 100;
  ro.canary.clear();  // the baseline keeps the old fleet's figures from the warm-up
  log(EventKind::deployment_switched, EventFields()
                                 .add("id", spec.id)
                                 .add("service", spec.service)
                                 .add("new_instances", switched)
                                 .add("standby_instances", standby)
                                 .add("took_s", to_seconds(now_ - ro.started_at))
                                 .add("reason", "every instance of the new fleet is ready: traffic switches at once; "
                                                  "the old fleet stands by for the analysis"));
  ro.timer_at = now_ + spec.canary_step_duration;
  if (ro.timer_at <= end_time()) events_.push(ro.timer_at, kDeployTimer, static_cast<std::uint32_t>(d));
}

void Simulation::on_deploy_timer(int d) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  if (ro.timer_at != now_) return;  // a rollback or a later step replaced this timer
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  if (ro.phase != Rollout::Phase::canary && ro.phase != Rollout::Phase::baking) return;
  sre::CanaryAnalysis a = sre::analyze_canary(spec, ro.canary, ro.baseline);
  a.at = now_;
  a.step = ro.phase == Rollout::Phase::canary ? ro.step : -1;
  a.weight_percent = ro.weight_percent;
  ro.analyses.push_back(a);
  log(EventKind::canary_analysis, EventFields().add("id", spec.id).append(sre::canary_analysis_fields(a)));
  if (!a.enough_data && ro.extensions < kMaxStepExtensions) {
    ++ro.extensions;
    ro.timer_at = now_ + spec.canary_step_duration;
    if (ro.timer_at <= end_time()) events_.push(ro.timer_at, kDeployTimer, static_cast<std::uint32_t>(d));
    return;
  }
  ro.extensions = 0;
  const bool passed = a.passed;
  if (!passed && spec.auto_rollback) {
    rollback_deployment(static_cast<std::size_t>(d),
                        std::string(a.step >= 0 ? "canary analysis failed at step " + std::to_string(a.step + 1)
                                                : std::string("blue-green analysis failed after the switch")) +
                            ": " + a.reason);
    return;
  }
  const std::string note = passed ? std::string() : " (its analysis failed, but auto_rollback is off)";
  ro.canary.clear();
  ro.baseline.clear();
  std::vector<int> pools;
  for (std::size_t pi = 0; pi < pools_.size(); ++pi)
    if (pools_[pi].service == spec.service_index) pools.push_back(static_cast<int>(pi));
  if (ro.phase == Rollout::Phase::baking) {
    // The old fleet is no longer needed.
    for (int pi : pools)
      for (std::size_t i = 0; i < pools_[static_cast<std::size_t>(pi)].instances.size(); ++i) {
        Instance& in = pools_[static_cast<std::size_t>(pi)].instances[i];
        if (!in.standby) continue;
        in.standby = false;
        retire_if_idle(pi, static_cast<int>(i));
      }
    finish_rollout(d, Rollout::Phase::completed, "the new fleet served every request for the analysis; the old one is retired" + note);
    return;
  }
  if (ro.step + 1 == static_cast<int>(spec.canary_steps.size())) {
    // Promotion: the canary's version becomes the stable one.
    for (int pi : pools) {
      Pool& p = pools_[static_cast<std::size_t>(pi)];
      p.version = d + 1;
      for (Instance& in : p.instances) in.version = d + 1;
      canary_of_pool_[static_cast<std::size_t>(pi)] = -1;
    }
    finish_rollout(d, Rollout::Phase::completed,
                   "the canary passed every step and version " + std::to_string(d + 1) + " is stable" + note);
    return;
  }
  ++ro.step;
  ro.weight_percent = spec.canary_steps[static_cast<std::size_t>(ro.step)];
  log(EventKind::deployment_step, EventFields()
                             .add("id", spec.id)
                             .add("step", ro.step + 1)
                             .add("steps", static_cast<int>(spec.canary_steps.size()))
                             .add("weight_percent", ro.weight_percent));
  ro.timer_at = now_ + spec.canary_step_duration;
  if (ro.timer_at <= end_time()) events_.push(ro.timer_at, kDeployTimer, static_cast<std::uint32_t>(d));
}

void Simulation::finish_rollout(int d, Rollout::Phase phase, const std::string& outcome) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  ro.phase = phase;
  ro.finished_at = now_;
  ro.outcome = outcome;
  ro.timer_at = -1;
  ro.canary.release();
  ro.baseline.release();
  log(EventKind::deployment_finished, EventFields()
                                 .add("id", spec.id)
                                 .add("service", spec.service)
                                 .add("strategy", sre::deployment_strategy_name(spec.strategy))
                                 .add("took_s", to_seconds(now_ - ro.started_at))
                                 .add("outcome", outcome));
  if (incidents_) incidents_->on_event(now_, spec.service, "deployment_finished", "deployment " + spec.id + ": " + outcome);
  active_rollout_[static_cast<std::size_t>(spec.service_index)] = -1;
  // The next deployment that waited for this service.
  for (std::size_t k = 0; k < rollouts_.size(); ++k)
    if (rollouts_[k].phase == Rollout::Phase::waiting && scenario_.deployments[k].service_index == spec.service_index) {
      start_rollout(static_cast<int>(k));
      break;
    }
}

void Simulation::on_rolling_finished(int pool) {
  Pool& p = pools_[static_cast<std::size_t>(pool)];
  const int d = active_rollout_[static_cast<std::size_t>(p.service)];
  if (d < 0) {
    // A vertical resize.
    EventFields w;
    w.add("service", scenario_.services[static_cast<std::size_t>(p.service)].id);
    if (p.owner_tenant >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(p.owner_tenant)].id);
    w.add("size", p.size_factors[static_cast<std::size_t>(p.size)]).add("instances_replaced", p.rolling_replaced);
    w.add("took_s", to_seconds(now_ - p.rolling_since));
    log(EventKind::rolling_restart_finished, std::move(w));
    return;
  }
  for (const Pool& q : pools_)
    if (q.service == p.service && q.rolling) return;  // another pool of the service is still rolling
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const DeploymentSpec& spec = scenario_.deployments[static_cast<std::size_t>(d)];
  if (ro.undoing) {
    ro.undoing = false;
    active_rollout_[static_cast<std::size_t>(p.service)] = -1;
    log(EventKind::deployment_rollback_finished, EventFields()
                                            .add("id", spec.id)
                                            .add("service", spec.service)
                                            .add("version", ro.previous_version)
                                            .add("took_s", to_seconds(now_ - ro.finished_at)));
    for (std::size_t k = 0; k < rollouts_.size(); ++k)
      if (rollouts_[k].phase == Rollout::Phase::waiting && scenario_.deployments[k].service_index == p.service) {
        start_rollout(static_cast<int>(k));
        break;
      }
    return;
  }
  if (ro.phase == Rollout::Phase::rolling)
    finish_rollout(d, Rollout::Phase::completed, "every instance runs version " + std::to_string(d + 1));
}

void Simulation::rollback_deployment(std::size_t index, const std::string& reason) {
  const int d = static_cast<int>(index);
  Rollout& ro = rollouts_[index];
  const DeploymentSpec& spec = scenario_.deployments[index];
  const Rollout::Phase from = ro.phase;
  if (!can_roll_back(index)) return;
  const std::string from_phase = deployment_view(index).phase;
  std::vector<int> pools;
  for (std::size_t pi = 0; pi < pools_.size(); ++pi)
    if (pools_[pi].service == spec.service_index) pools.push_back(static_cast<int>(pi));
  switch (from) {
    case Rollout::Phase::canary:
      // The router sends everything back to the stable version at once.
      for (int pi : pools) canary_of_pool_[static_cast<std::size_t>(pi)] = -1;
      break;
    case Rollout::Phase::warming:
      for (int pi : pools)
        for (std::size_t i = 0; i < pools_[static_cast<std::size_t>(pi)].instances.size(); ++i)
          if (pools_[static_cast<std::size_t>(pi)].instances[i].green) drain_instance(pi, static_cast<int>(i));
      break;
    case Rollout::Phase::baking:
      // Switch back: the old fleet takes traffic again, the new one drains.
      for (int pi : pools) {
        Pool& p = pools_[static_cast<std::size_t>(pi)];
        p.version = ro.previous_version;
        for (std::size_t i = 0; i < p.instances.size(); ++i)
          if (p.instances[i].standby && p.instances[i].state == InstanceState::draining) {
            p.instances[i].standby = false;
            make_ready(pi, static_cast<int>(i));
          }
        for (std::size_t i = 0; i < p.instances.size(); ++i) {
          const Instance& in = p.instances[i];
          if (in.version == d + 1 && (in.state == InstanceState::ready || in.state == InstanceState::starting))
            drain_instance(pi, static_cast<int>(i));
        }
      }
      break;
    default:
      // Rolling, or a finished rollout: roll the instances back the same way.
      for (int pi : pools) {
        Pool& p = pools_[static_cast<std::size_t>(pi)];
        p.version = ro.previous_version;
        p.rolling_max_surge = spec.rolling_max_surge;
        p.rolling_max_unavailable = spec.rolling_max_unavailable;
        p.rolling = true;
        p.rolling_replaced = 0;
        p.rolling_since = now_;
      }
      ro.undoing = true;
      active_rollout_[static_cast<std::size_t>(spec.service_index)] = d;
      break;
  }
  ro.phase = Rollout::Phase::rolled_back;
  ro.finished_at = now_;
  ro.timer_at = -1;
  ro.canary.release();
  ro.baseline.release();
  ro.outcome = reason;
  ro.weight_percent = 0;
  log(EventKind::deployment_rolled_back, EventFields()
                                    .add("id", spec.id)
                                    .add("service", spec.service)
                                    .add("from_phase", from_phase)
                                    .add("to_version", ro.previous_version)
                                    .add("reason", reason));
  if (incidents_) {
    incidents_->on_event(now_, spec.service, "rollback", "deployment " + spec.id + " rolled back: " + reason);
    if (ro.fault_record >= 0) incidents_->end_change(now_, ro.fault_record);
  }
  if (ro.undoing) {
    for (int pi : pools) advance_rolling(pi);
    return;
  }
  active_rollout_[static_cast<std::size_t>(spec.service_index)] = -1;
  for (std::size_t k = 0; k < rollouts_.size(); ++k)
    if (rollouts_[k].phase == Rollout::Phase::waiting && scenario_.deployments[k].service_index == spec.service_index) {
      start_rollout(static_cast<int>(k));
      break;
    }
}

bool Simulation::can_roll_back(std::size_t d) const {
  const Rollout& ro = rollouts_[d];
  if (ro.started_at < 0 || ro.phase == Rollout::Phase::rolled_back || ro.phase == Rollout::Phase::waiting) return false;
  if (ro.phase == Rollout::Phase::canary || ro.phase == Rollout::Phase::warming) return true;
  // Otherwise its version must still be what the service's pools run: a later release
  // replaced it, and rolling that back is the later deployment's business.
  for (const Pool& p : pools_)
    if (p.service == scenario_.deployments[d].service_index && p.version != static_cast<int>(d) + 1) return false;
  return true;
}

void Simulation::suspect_deployments(const sre::Incident& inc) {
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
  ro.rollback_incident = static_cast<int>(&inc - incidents_->incidents().data());
  incidents_->on_event(now_, service, "mitigation",
                       "deployment " + scenario_.deployments[static_cast<std::size_t>(suspect)].id + " began " +
                           format_duration(inc.detected_at - ro.started_at) +
                           " before detection: the response rolls it back in " + format_duration(kRollbackDecisionDelay));
  if (now_ + kRollbackDecisionDelay <= end_time())
    events_.push(now_ + kRollbackDecisionDelay, kDeployRollback, static_cast<std::uint32_t>(suspect));
}

void Simulation::on_incident_rollback(int d) {
  Rollout& ro = rollouts_[static_cast<std::size_t>(d)];
  const sre::Incident& inc = incidents_->incidents()[static_cast<std::size_t>(ro.rollback_incident)];
  if (!inc.open()) return;  // it recovered by itself meanwhile
  rollback_deployment(static_cast<std::size_t>(d),
                      "the response to incident " + inc.id + " (" + sre::severity_name(inc.severity) +
                          ") rolled back the deployment that preceded it");
}

Simulation::DeploymentView Simulation::deployment_view(std::size_t d) const {
  const Rollout& ro = rollouts_[d];
  DeploymentView v;
  v.spec = &scenario_.deployments[d];
  static const char* const kPhase[] = {"scheduled", "waiting", "rolling", "canary", "warming", "baking", "completed",
                                       "rolled_back"};
  v.phase = kPhase[static_cast<int>(ro.phase)];
  v.step = ro.phase == Rollout::Phase::canary ? ro.step : -1;
  v.weight_percent = ro.weight_percent;
  for (const Pool& p : pools_) {
    if (p.service != v.spec->service_index) continue;
    for (const Instance& in : p.instances) {
      if (in.state == InstanceState::gone || in.state == InstanceState::draining) continue;
      (in.version == static_cast<int>(d) + 1 ? v.new_instances : v.old_instances)++;
    }
  }
  v.started_at = ro.started_at;
  v.finished_at = ro.finished_at;
  v.outcome = ro.outcome;
  v.analyses = ro.analyses;
  return v;
}

// [SECTION] Chaos experiments and injected faults

void Simulation::setup_chaos() {
  for (std::size_t i = 0; i < scenario_.chaos.size(); ++i) {
    ChaosRun run;
    run.spec = scenario_.chaos[i];
    run.column = static_cast<int>(i);
    chaos_.push_back(std::move(run));
    if (scenario_.chaos[i].at <= end_time()) events_.push(scenario_.chaos[i].at, kChaosStep, static_cast<std::uint32_t>(i));
  }
}

double Simulation::probe_value(const ProbeSpec& p) const {
  // avg_over_time: the mean of the metric's scrape samples in (now - window, now].
  const int column = registry_.find(p.metric);
  if (column < 0) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  int n = 0;
  for (std::size_t i = series_.size(); i-- > 0;) {
    if (series_.time(i) <= now_ - p.window) break;
    if (series_.time(i) > now_) continue;
    sum += series_.value(i, static_cast<std::size_t>(column));
    ++n;
  }
  return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

sre::SafetyInputs Simulation::safety_inputs(const ChaosSpec& c) const {
  sre::SafetyInputs in;
  std::vector<int> services;
  bool platform = false;  // a step without a service reaches the whole platform
  for (const auto& step : c.method) {
    const FaultSpec& f = step.first;
    int v = f.service_index;
    if (v < 0 && f.agent_index >= 0) v = scenario_.agents[static_cast<std::size_t>(f.agent_index)].service_index;
    if (v < 0) platform = true;
    else services.push_back(v);
    int serving = 0;
    for (const Pool& p : pools_)
      if (p.service == v) serving += serving_instances(p);
    in.blast_radius_percent = std::max(in.blast_radius_percent, sre::blast_radius_percent(f, serving));
  }
  for (std::size_t k = 0; k < slos_.size(); ++k) {
    const int v = scenario_.slos[k].service_index;
    if (!platform && v >= 0 && std::find(services.begin(), services.end(), v) == services.end()) continue;
    const double left = slos_[k].budget_remaining_percent(now_);
    if (!std::isfinite(in.min_budget_remaining_percent) || left < in.min_budget_remaining_percent) {
      in.min_budget_remaining_percent = left;
      in.min_budget_slo = scenario_.slos[k].id;
    }
  }
  if (incidents_)
    for (const sre::Incident& inc : incidents_->incidents())
      if (inc.open()) {
        in.open_incident_severities.push_back(sre::severity_name(inc.severity));
        in.open_incident_ids.push_back(inc.id);
      }
  return in;
}

std::vector<std::string> Simulation::check_chaos_safety(const ChaosSpec& c) const {
  std::vector<std::string> out = sre::validate_safety(c, safety_inputs(c), true);
  for (const ProbeSpec& p : c.probes) {
    const sre::ProbeReading r = sre::read_probe(p, probe_value(p));
    if (!r.within)
      out.push_back("steady state: " + p.metric + " is " +
                    (std::isfinite(r.value) ? scaling::format_number(r.value) : std::string("(no data)")) + ", outside [" +
                    scaling::format_number(p.low) + ", " + scaling::format_number(p.high) + "]");
  }
  return out;
}

int Simulation::add_fault(const FaultSpec& f) {
  FaultSpec g = f;
  g.at = now_;
  scenario_.faults.push_back(g);
  crashed_by_fault_.push_back(0);
  fault_active_.push_back(false);
  const int index = static_cast<int>(scenario_.faults.size() - 1);
  if (g.type == FaultType::traffic_spike && g.tenant_index >= 0) {
    // Like the scenario's spikes: the tenant's load patterns carry it (on_fault's end cuts it short).
    PatternSpec spike;
    spike.type = PatternSpec::Type::spike;
    spike.at = now_;
    spike.duration = g.duration >= 0 ? g.duration : std::max<SimDuration>(0, end_time() - now_);
    spike.multiplier = g.multiplier;
    for (LoadSpec& load : scenario_.tenants[static_cast<std::size_t>(g.tenant_index)].load) load.patterns.push_back(spike);
  }
  on_fault(static_cast<std::uint32_t>(index), true);
  if (g.duration >= 0 && now_ + g.duration <= end_time())
    events_.push(now_ + g.duration, kFaultEnd, static_cast<std::uint32_t>(index));
  return index;
}

void Simulation::inject_fault(const FaultSpec& f) { add_fault(f); }

std::size_t Simulation::start_chaos(const ChaosSpec& c) {
  ChaosRun run;
  run.spec = c;
  run.spec.at = now_;
  chaos_.push_back(std::move(run));
  on_chaos_step(static_cast<std::uint32_t>(chaos_.size() - 1));
  return chaos_.size() - 1;
}

void Simulation::on_chaos_step(std::uint32_t i) {
  ChaosRun& c = chaos_[i];
  sre::ChaosResult& r = c.result;
  if (r.verdict != sre::ChaosVerdict::pending && r.verdict != sre::ChaosVerdict::running) return;  // ended meanwhile
  if (r.verdict == sre::ChaosVerdict::pending) {
    // Safety first, then the steady state; either one failing skips the experiment.
    r.started_at = now_;
    const sre::SafetyInputs in = safety_inputs(c.spec);
    r.blast_radius_percent = in.blast_radius_percent;
    const std::vector<std::string> unsafe = sre::validate_safety(c.spec, in, true);
    std::vector<std::string> unsteady;
    for (const ProbeSpec& p : c.spec.probes) {
      r.before.push_back(sre::read_probe(p, probe_value(p)));
      if (!r.before.back().within)
        unsteady.push_back(p.metric + " " +
                           (std::isfinite(r.before.back().value) ? scaling::format_number(r.before.back().value)
                                                                 : std::string("(no data)")) +
                           " outside [" + scaling::format_number(p.low) + ", " + scaling::format_number(p.high) + "]");
    }
    if (!unsafe.empty() || !unsteady.empty()) {
      r.verdict = sre::ChaosVerdict::skipped;
      r.reason = !unsafe.empty() ? "safety: " + join(unsafe, "; ") : "steady state not met: " + join(unsteady, "; ");
      r.ended_at = now_;
      log(EventKind::chaos_finished, EventFields()
                                .add("id", c.spec.id)
                                .add("passed", false)
                                .add("verdict", "skipped")
                                .add("reason", r.reason));
      return;
    }
    for (const Pool& p : pools_) {
      const int pi = static_cast<int>(&p - pools_.data());
      c.pool_sizes.emplace_back(pi, serving_instances(p));
    }
    r.verdict = sre::ChaosVerdict::running;
    r.method_started_at = now_;
    log(EventKind::chaos_started, EventFields()
                             .add("id", c.spec.id)
                             .add("title", c.spec.title)
                             .add("hypothesis", c.spec.hypothesis_title)
                             .add("blast_radius_percent", r.blast_radius_percent)
                             .add("steps", static_cast<int>(c.spec.method.size())));
    if (incidents_) incidents_->on_event(now_, "", "chaos_started", "chaos experiment " + c.spec.id + " started");
    c.step = 0;
  } else if (++c.step >= static_cast<int>(c.spec.method.size())) {
    end_chaos(i, false, "");
    return;
  }
  // The method's next step: its fault, for its duration.
  const auto& step = c.spec.method[static_cast<std::size_t>(c.step)];
  FaultSpec f = step.first;
  f.duration = step.second;
  c.faults.push_back(add_fault(f));
  ++r.steps_run;
  log(EventKind::chaos_step, EventFields()
                        .add("id", c.spec.id)
                        .add("step", c.step + 1)
                        .add("steps", static_cast<int>(c.spec.method.size()))
                        .add("fault", sre::describe_fault(f))
                        .add("duration_s", to_seconds(step.second)));
  if (now_ + step.second <= end_time()) events_.push(now_ + step.second, kChaosStep, i);
}

void Simulation::check_chaos_abort() {
  for (std::size_t i = 0; i < chaos_.size(); ++i) {
    if (chaos_[i].result.verdict != sre::ChaosVerdict::running) continue;
    const std::vector<std::string> breaches = sre::validate_safety(chaos_[i].spec, safety_inputs(chaos_[i].spec), false);
    if (!breaches.empty()) end_chaos(i, true, join(breaches, "; "));
  }
}

void Simulation::end_chaos(std::size_t i, bool aborted, const std::string& why) {
  ChaosRun& c = chaos_[i];
  sre::ChaosResult& r = c.result;
  if (aborted) {
    r.verdict = sre::ChaosVerdict::aborted;
    log(EventKind::chaos_aborted, EventFields()
                             .add("id", c.spec.id)
                             .add("step", c.step + 1)
                             .add("reason", why));
  }
  for (const std::string& what : c.spec.rollbacks) {
    std::string done;
    if (what == "faults") {
      int ended = 0;
      for (int f : c.faults)
        if (fault_active_[static_cast<std::size_t>(f)]) {
          on_fault(static_cast<std::uint32_t>(f), false);
          ++ended;
        }
      done = "faults: ended " + std::to_string(ended) + " still active";
    } else {
      int started = 0;
      for (const auto& [pool, size] : c.pool_sizes) {
        const int now_serving = serving_instances(pools_[static_cast<std::size_t>(pool)]);
        if (now_serving >= size) continue;
        started += size - now_serving;
        resize_pool(pool, size, "chaos:" + c.spec.id,
                    "chaos experiment " + c.spec.id + " rolls back: the pool returns to its " + std::to_string(size) +
                        " instances from before the experiment");
      }
      done = "instances: started " + std::to_string(started);
    }
    r.rollbacks_done.push_back(done);
    log(EventKind::chaos_rollback, EventFields().add("id", c.spec.id).add("restore", what).add("done", done));
  }
  for (const ProbeSpec& p : c.spec.probes) r.after.push_back(sre::read_probe(p, probe_value(p)));
  if (aborted) r.reason = "aborted at step " + std::to_string(c.step + 1) + ": " + why;
  sre::conclude(c.spec, r);
  r.ended_at = now_;
  c.step = -1;
  if (c.column >= 0) {
    ScopeStats& st = registry_.chaos(c.column);
    st.chaos_passed = r.verdict == sre::ChaosVerdict::passed ? 1 : 0;
    st.chaos_resilience_score = r.resilience_score;
  }
  log(EventKind::chaos_finished, EventFields()
                            .add("id", c.spec.id)
                            .add("passed", r.verdict == sre::ChaosVerdict::passed)
                            .add("verdict", sre::chaos_verdict_name(r.verdict))
                            .add("resilience_score", r.resilience_score)
                            .add("reason", r.reason));
  if (incidents_)
    incidents_->on_event(now_, "", "chaos_finished",
                         "chaos experiment " + c.spec.id + " " + sre::chaos_verdict_name(r.verdict));
}

Simulation::ChaosView Simulation::chaos_view(std::size_t i) const {
  const ChaosRun& c = chaos_[i];
  return {&c.spec, &c.result, c.step};
}

}  // namespace opsim
