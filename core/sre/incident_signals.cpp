#include "sre/incident_signals.h"

#include <algorithm>
#include <cmath>

namespace opsim {

IncidentSignals::IncidentSignals(const Engine& engine, const Scenario& scenario, const Fleet& fleet,
                                 MetricRegistry& registry, EventLog& log)
    : engine_(engine), scenario_(scenario), fleet_(fleet), registry_(registry), log_(log) {
  // Service signals (and so each service's status) are measured in every run; incident
  // management only when the scenario asks for it.
  if (scenario_.incidents.given) manager_ = std::make_unique<sre::IncidentManager>(scenario_.incidents);
  if (manager_ && scenario_.has_calls()) {
    manager_->set_call_graph(sre::call_graph(scenario_));
    for (const sre::FailureReason& r : sre::failure_reasons()) {
      const auto& catalog = metric_catalog();
      auto it = std::find_if(catalog.begin(), catalog.end(), [&](const MetricInfo& m) { return r.metric == std::string(m.name); });
      reason_metrics_.push_back(it->id);  // every reason names a catalogued counter (a unit test checks)
    }
  }
  for (const TenantSpec& t : scenario_.tenants) {
    user_slot_base_.push_back(user_slots_);
    user_slots_ += std::max<std::size_t>(1, t.users.size());
  }
  interval_users_.assign(scenario_.services.size() * user_slots_, UserCounts{});
  healthy_p95_.assign(scenario_.services.size(), {});
  healthy_sorted_.assign(scenario_.services.size(), {});
  p95_smoothed_ms_.assign(scenario_.services.size(), 0.0);
  service_status_.assign(scenario_.services.size(), sre::StatusAssessment{});
}

double IncidentSignals::estimated_bytes(const Scenario& s) {
  double user_slots = 0;
  for (const TenantSpec& t : s.tenants) user_slots += static_cast<double>(std::max<std::size_t>(1, t.users.size()));
  return user_slots * static_cast<double>(s.services.size()) * sizeof(UserCounts);
}

void IncidentSignals::on_scrape(const std::vector<bool>& cooldown_blocked) {
  const std::vector<sre::ServiceSignals> s = signals(cooldown_blocked);
  for (std::size_t v = 0; v < s.size(); ++v) service_status_[v] = sre::assess_status(s[v]);
  const SimTime now = engine_.now();
  if (manager_ && !reason_metrics_.empty()) {
    const sre::GraphFigures graph = graph_figures(now - last_scrape_);
    transitions(manager_->evaluate(now, s, &graph));
  } else if (manager_) {
    transitions(manager_->evaluate(now, s));
  }
  last_scrape_ = now;
}

sre::GraphFigures IncidentSignals::graph_figures(SimDuration elapsed) const {
  // Each window read as the time series reads it, with the window itself as the
  // "cumulative" counters, so that counters give the interval's counts.
  sre::GraphFigures f;
  double v[kMetricCount];
  auto evaluate = [&](const ScopeStats& st) {
    evaluate_all_metrics(st.window, st.window_latency, nullptr, elapsed, st.window, st, v);
    return [&](MetricId m) { return v[static_cast<int>(m)]; };
  };
  for (std::size_t k = 0; k < scenario_.services.size(); ++k) {
    const auto at = evaluate(registry_.service(static_cast<int>(k)));
    sre::ServiceFigures s;
    s.requests = at(MetricId::requests_succeeded) + at(MetricId::requests_failed);
    s.failed = at(MetricId::requests_failed);
    for (MetricId m : reason_metrics_) s.failed_by_reason.push_back(at(m));
    s.slot_utilization_percent = at(MetricId::slot_utilization);
    s.queue_depth = at(MetricId::queue_depth);
    f.services.push_back(std::move(s));  // status and p95: the incident manager's, from the signals
  }
  for (std::size_t k = 0; k < manager_->call_graph().edges.size(); ++k) {
    const auto at = evaluate(registry_.edge(static_cast<int>(k)));
    sre::EdgeFigures e;
    e.attempts = at(MetricId::attempts);
    e.retries = at(MetricId::retries);
    e.timeouts = at(MetricId::timeouts);
    e.failures = at(MetricId::failures);
    e.circuit_open_percent = at(MetricId::circuit_open_percent);
    e.latency_p95_ms = at(MetricId::latency_p95_ms);
    f.edges.push_back(e);
  }
  return f;
}

std::vector<sre::ServiceSignals> IncidentSignals::signals(const std::vector<bool>& cooldown_blocked) {
  // Each service's scrape interval, read from its window before it closes. A user is
  // affected when at least 10 % of its requests in the interval failed: background agent
  // errors of a fraction of a percent touch nobody, an outage touches everyone it serves.
  constexpr double kAffectedFailedShare = 0.10;
  constexpr std::size_t kBaselineIntervals = 240;
  std::vector<sre::ServiceSignals> out;
  for (std::size_t v = 0; v < scenario_.services.size(); ++v) {
    const ScopeStats& st = registry_.service(static_cast<int>(v));
    const WindowCounters& w = st.window;
    sre::ServiceSignals s;
    s.service = scenario_.services[v].id;
    s.requests = w.succeeded + w.failed;
    s.availability_percent = s.requests ? 100.0 * static_cast<double>(w.succeeded) / static_cast<double>(s.requests) : 100.0;
    s.error_rate_percent = 100.0 - s.availability_percent;
    // One interval's p95 over a few hundred requests moves by tens of percent on its own,
    // which would read as degradation against the baseline; the signal is smoothed over
    // about ten intervals (a sustained slowdown still shows within a few).
    constexpr double kSmoothing = 0.1;
    if (st.window_latency.count()) {
      const double p95 = st.window_latency.quantile_us(0.95) / 1000.0;
      double& smoothed = p95_smoothed_ms_[v];
      smoothed = smoothed > 0 ? smoothed + kSmoothing * (p95 - smoothed) : p95;
    }
    s.latency_p95_ms = p95_smoothed_ms_[v];
    // Baseline: the median p95 of the service's recent healthy intervals (the order
    // statistic a selection on a copy would find, read from the sorted copy kept below).
    const std::vector<double>& healthy = healthy_sorted_[v];
    if (!healthy.empty()) s.baseline_latency_p95_ms = healthy[healthy.size() / 2];
    for (std::size_t k = v * user_slots_; k < (v + 1) * user_slots_; ++k) {
      UserCounts& c = interval_users_[k];
      if (c.completed == 0) continue;
      ++s.users_total;
      s.users_affected += static_cast<double>(c.failed) >= kAffectedFailedShare * static_cast<double>(c.completed);
      c = UserCounts{};
    }
    // At its maximum and short of capacity (slots held over 80 %, or a queue): a fleet held
    // at a fixed size that has room is not a contributing factor.
    const bool saturated = (w.ready_slot_us > 0 && w.held_slot_us > 0.8 * w.ready_slot_us) || w.queue_len_us > 0;
    for (std::size_t pi = 0; pi < fleet_.pool_count(); ++pi)
      if (fleet_.service_of(static_cast<int>(pi)) == static_cast<int>(v) && saturated &&
          fleet_.serving_instances(static_cast<int>(pi)) >= scenario_.services[v].instances_max)
        s.at_max_instances = true;
    s.scaling_cooldown_blocked = cooldown_blocked[v];
    // The interval counts towards the baseline when it looks healthy by itself.
    if (s.latency_p95_ms > 0 && sre::assess_status(s).status == sre::ServiceStatus::healthy) {
      std::vector<double>& h = healthy_p95_[v];
      std::vector<double>& sorted = healthy_sorted_[v];
      if (h.size() == kBaselineIntervals) {
        sorted.erase(std::lower_bound(sorted.begin(), sorted.end(), h.front()));
        h.erase(h.begin());
      }
      h.push_back(s.latency_p95_ms);
      sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), s.latency_p95_ms), s.latency_p95_ms);
    }
    out.push_back(s);
  }
  return out;
}

void IncidentSignals::on_alert(sre::AlertInfo alert) {
  if (!manager_) return;
  if (alert.service.empty() && scenario_.services.size() == 1) alert.service = scenario_.services[0].id;
  transitions(manager_->on_alert(engine_.now(), alert));
}

void IncidentSignals::on_fault(const FaultSpec& fault, bool started) {
  if (!manager_) return;
  FaultSpec tied = fault;  // an agent's fault is its service's
  if (tied.service.empty() && tied.agent_index >= 0)
    tied.service =
        scenario_.services[static_cast<std::size_t>(scenario_.agents[static_cast<std::size_t>(tied.agent_index)].service_index)].id;
  transitions(manager_->on_fault(engine_.now(), tied, started));
}

void IncidentSignals::on_event(const std::string& service, const std::string& kind, const std::string& text) {
  if (manager_) manager_->on_event(engine_.now(), service, kind, text);
}

int IncidentSignals::on_change(const std::string& service, const std::string& description) {
  return manager_ ? manager_->on_change(engine_.now(), service, description) : -1;
}

void IncidentSignals::end_change(int record) {
  if (manager_ && record >= 0) manager_->end_change(engine_.now(), record);
}

void IncidentSignals::transitions(const std::vector<sre::IncidentTransition>& ts) {
  for (const sre::IncidentTransition& t : ts) {
    const sre::Incident& inc = manager_->incidents()[t.incident];
    log_.log(t.event_kind(), t.fields(inc));
    if (t.kind == sre::IncidentTransition::Kind::opened)
      for (IncidentListener* l : listeners_) l->on_incident_opened(inc);
  }
  ScopeStats& g = registry_.global();
  g.incidents_total = static_cast<double>(manager_->incidents_total());
  for (int k = 0; k < 4; ++k)
    g.incidents_sev[k] = static_cast<double>(manager_->incidents_with_severity(static_cast<sre::Severity>(k + 1)));
  const double mttr = manager_->mttr_minutes(), mttd = manager_->mttd_minutes();
  g.mttr_minutes = std::isfinite(mttr) ? mttr : 0.0;
  g.mttd_minutes = std::isfinite(mttd) ? mttd : 0.0;
}

}  // namespace opsim
