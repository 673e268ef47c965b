#include "sre/chaos_runner.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "scaling/decision.h"

namespace opsim {
namespace {

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

ChaosRunner::ChaosRunner(Engine& engine, const Scenario& scenario, Faults& faults, const Fleet& fleet, ScalingLoop& scaling,
                         const SloAccounting& slos, IncidentSignals& incidents, MetricRegistry& registry,
                         const SeriesStore& series, EventLog& log)
    : engine_(engine),
      id_(engine.add(this)),
      scenario_(scenario),
      faults_(faults),
      fleet_(fleet),
      scaling_(scaling),
      slos_(slos),
      incidents_(incidents),
      registry_(registry),
      series_(series),
      log_(log),
      graph_(sre::call_graph(scenario)) {
  for (std::size_t i = 0; i < scenario_.chaos.size(); ++i) {
    Run run;
    run.spec = scenario_.chaos[i];
    run.column = static_cast<int>(i);
    runs_.push_back(std::move(run));
  }
}

void ChaosRunner::start() {
  for (std::size_t i = 0; i < scenario_.chaos.size(); ++i)
    if (scenario_.chaos[i].at <= engine_.end())
      engine_.schedule(scenario_.chaos[i].at, id_, kStep, static_cast<std::uint32_t>(i));
}

void ChaosRunner::on_event(std::uint16_t kind, std::uint32_t target) {
  if (kind == kStep) on_step(target);
}

double ChaosRunner::probe_value(const ProbeSpec& p) const {
  const int column = registry_.find(p.metric);
  if (column < 0) return std::numeric_limits<double>::quiet_NaN();
  const SimTime now = engine_.now();
  double sum = 0;
  int n = 0;
  for (std::size_t i = series_.size(); i-- > 0;) {
    if (series_.time(i) <= now - p.window) break;
    if (series_.time(i) > now) continue;
    sum += series_.value(i, static_cast<std::size_t>(column));
    ++n;
  }
  return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

sre::SafetyInputs ChaosRunner::safety_inputs(const ChaosSpec& c) const {
  sre::SafetyInputs in;
  std::vector<int> services;
  bool platform = false;  // a step without a service reaches the whole platform
  for (const auto& step : c.method) {
    const FaultSpec& f = step.first;
    int v = f.service_index;
    if (v < 0 && f.agent_index >= 0) v = scenario_.agents[static_cast<std::size_t>(f.agent_index)].service_index;
    if (v < 0) platform = true;
    else services.push_back(v);
    if (v >= 0)  // its callers, through calls: an agent's fault reaches only that agent's callers
      for (int caller : graph_.callers_of(v, f.service_index < 0 ? f.agent_index : -1)) services.push_back(caller);
    int serving = 0;
    for (std::size_t pi = 0; pi < fleet_.pool_count(); ++pi)
      if (fleet_.service_of(static_cast<int>(pi)) == v) serving += fleet_.serving_instances(static_cast<int>(pi));
    in.blast_radius_percent = std::max(in.blast_radius_percent, sre::blast_radius_percent(f, serving));
  }
  const SimTime now = engine_.now();
  const std::vector<sre::SloTracker>& trackers = slos_.trackers();
  for (std::size_t k = 0; k < trackers.size(); ++k) {
    const int v = scenario_.slos[k].service_index;
    if (!platform && v >= 0 && std::find(services.begin(), services.end(), v) == services.end()) continue;
    const double left = trackers[k].budget_remaining_percent(now);
    if (!std::isfinite(in.min_budget_remaining_percent) || left < in.min_budget_remaining_percent) {
      in.min_budget_remaining_percent = left;
      in.min_budget_slo = scenario_.slos[k].id;
    }
  }
  if (const sre::IncidentManager* m = incidents_.manager())
    for (const sre::Incident& inc : m->incidents())
      if (inc.open()) {
        in.open_incident_severities.push_back(sre::severity_name(inc.severity));
        in.open_incident_ids.push_back(inc.id);
      }
  return in;
}

std::vector<std::string> ChaosRunner::check_safety(const ChaosSpec& c) const {
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

std::size_t ChaosRunner::start_now(const ChaosSpec& c) {
  Run run;
  run.spec = c;
  run.spec.at = engine_.now();
  runs_.push_back(std::move(run));
  on_step(static_cast<std::uint32_t>(runs_.size() - 1));
  return runs_.size() - 1;
}

void ChaosRunner::on_step(std::uint32_t i) {
  Run& c = runs_[i];
  sre::ChaosResult& r = c.result;
  const SimTime now = engine_.now();
  if (r.verdict != sre::ChaosVerdict::pending && r.verdict != sre::ChaosVerdict::running) return;  // ended meanwhile
  if (r.verdict == sre::ChaosVerdict::pending) {
    // Safety first, then the steady state; either one failing skips the experiment.
    r.started_at = now;
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
      r.ended_at = now;
      log_.log(EventKind::chaos_finished, EventFields()
                                              .add("id", c.spec.id)
                                              .add("passed", false)
                                              .add("verdict", "skipped")
                                              .add("reason", r.reason));
      return;
    }
    for (std::size_t pi = 0; pi < fleet_.pool_count(); ++pi)
      c.pool_sizes.emplace_back(static_cast<int>(pi), fleet_.serving_instances(static_cast<int>(pi)));
    r.verdict = sre::ChaosVerdict::running;
    r.method_started_at = now;
    log_.log(EventKind::chaos_started, EventFields()
                                           .add("id", c.spec.id)
                                           .add("title", c.spec.title)
                                           .add("hypothesis", c.spec.hypothesis_title)
                                           .add("blast_radius_percent", r.blast_radius_percent)
                                           .add("steps", static_cast<int>(c.spec.method.size())));
    incidents_.on_event("", "chaos_started", "chaos experiment " + c.spec.id + " started");
    c.step = 0;
  } else if (++c.step >= static_cast<int>(c.spec.method.size())) {
    finish(i, false, "");
    return;
  }
  // The method's next step: its fault, for its duration.
  const auto& step = c.spec.method[static_cast<std::size_t>(c.step)];
  FaultSpec f = step.first;
  f.duration = step.second;
  c.faults.push_back(faults_.add(f));
  ++r.steps_run;
  log_.log(EventKind::chaos_step, EventFields()
                                      .add("id", c.spec.id)
                                      .add("step", c.step + 1)
                                      .add("steps", static_cast<int>(c.spec.method.size()))
                                      .add("fault", sre::describe_fault(f))
                                      .add("duration_s", to_seconds(step.second)));
  if (now + step.second <= engine_.end()) engine_.schedule(now + step.second, id_, kStep, i);
}

void ChaosRunner::check_abort() {
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    if (runs_[i].result.verdict != sre::ChaosVerdict::running) continue;
    const std::vector<std::string> breaches = sre::validate_safety(runs_[i].spec, safety_inputs(runs_[i].spec), false);
    if (!breaches.empty()) finish(i, true, join(breaches, "; "));
  }
}

void ChaosRunner::finish(std::size_t i, bool aborted, const std::string& why) {
  Run& c = runs_[i];
  sre::ChaosResult& r = c.result;
  if (aborted) {
    r.verdict = sre::ChaosVerdict::aborted;
    log_.log(EventKind::chaos_aborted, EventFields().add("id", c.spec.id).add("step", c.step + 1).add("reason", why));
  }
  for (const std::string& what : c.spec.rollbacks) {
    std::string done;
    if (what == "faults") {
      int ended = 0;
      for (int f : c.faults)
        if (faults_.active(f)) {
          faults_.end(f);
          ++ended;
        }
      done = "faults: ended " + std::to_string(ended) + " still active";
    } else {
      int started = 0;
      for (const auto& [pool, size] : c.pool_sizes) {
        const int now_serving = fleet_.serving_instances(pool);
        if (now_serving >= size) continue;
        started += size - now_serving;
        scaling_.resize(pool, size, "chaos:" + c.spec.id,
                        "chaos experiment " + c.spec.id + " rolls back: the pool returns to its " + std::to_string(size) +
                            " instances from before the experiment");
      }
      done = "instances: started " + std::to_string(started);
    }
    r.rollbacks_done.push_back(done);
    log_.log(EventKind::chaos_rollback, EventFields().add("id", c.spec.id).add("restore", what).add("done", done));
  }
  for (const ProbeSpec& p : c.spec.probes) r.after.push_back(sre::read_probe(p, probe_value(p)));
  if (aborted) r.reason = "aborted at step " + std::to_string(c.step + 1) + ": " + why;
  sre::conclude(c.spec, r);
  r.ended_at = engine_.now();
  c.step = -1;
  if (c.column >= 0) {
    ScopeStats& st = registry_.chaos(c.column);
    st.chaos_passed = r.verdict == sre::ChaosVerdict::passed ? 1 : 0;
    st.chaos_resilience_score = r.resilience_score;
  }
  log_.log(EventKind::chaos_finished, EventFields()
                                          .add("id", c.spec.id)
                                          .add("passed", r.verdict == sre::ChaosVerdict::passed)
                                          .add("verdict", sre::chaos_verdict_name(r.verdict))
                                          .add("resilience_score", r.resilience_score)
                                          .add("reason", r.reason));
  incidents_.on_event("", "chaos_finished", "chaos experiment " + c.spec.id + " " + sre::chaos_verdict_name(r.verdict));
}

}  // namespace opsim
