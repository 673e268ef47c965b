#include "sre/slo_accounting.h"

#include <string>

#include "sim/invariants.h"

namespace opsim {

SloAccounting::SloAccounting(const Engine& engine, const Scenario& scenario, MetricRegistry& registry, EventLog& log,
                             Alerting& alerting, IncidentSignals& incidents)
    : engine_(engine), scenario_(scenario), registry_(registry), log_(log), alerting_(alerting), incidents_(incidents) {
  const SimDuration longest = sre::longest_alert_window(scenario_.alerting.burn_rate);
  fast_.assign(scenario_.slos.size(), 0);
  for (std::size_t k = 0; k < scenario_.slos.size(); ++k) {
    const SloSpec& slo = scenario_.slos[k];
    slos_.emplace_back(slo, scenario_.monitoring.scrape_interval, longest);
    alerts_.emplace_back(scenario_.alerting.burn_rate);
    if (slo.indicator == SloSpec::Indicator::latency) latency_slos_.push_back(static_cast<int>(k));
  }
}

double SloAccounting::estimated_bytes(const Scenario& s) {
  const SimDuration longest = sre::longest_alert_window(s.alerting.burn_rate);
  double bytes = 0;
  for (const SloSpec& slo : s.slos) bytes += sre::SloTracker::estimated_bytes(slo, s.monitoring.scrape_interval, longest);
  return bytes;
}

void SloAccounting::on_outcome(const RequestOutcome& o) {
  if (o.failed()) return;
  for (int k : latency_slos_) {
    const SloSpec& slo = scenario_.slos[static_cast<std::size_t>(k)];
    // A service's SLO counts every attempt it serves; the platform's, requests as users see them.
    if ((slo.service_index < 0 ? o.root : slo.service_index == o.service) && o.latency_us <= slo.threshold)
      ++fast_[static_cast<std::size_t>(k)];
  }
}

void SloAccounting::on_scrape() {
  // The interval's events: its service's window (or every tenant's), before it closes.
  const SimTime now = engine_.now();
  for (std::size_t k = 0; k < slos_.size(); ++k) {
    const SloSpec& slo = scenario_.slos[k];
    std::uint64_t succeeded = 0, failed = 0;
    if (slo.service_index >= 0) {
      const WindowCounters& w = registry_.service(slo.service_index).window;
      succeeded = w.succeeded;
      failed = w.failed;
    } else {
      for (std::size_t t = 0; t < scenario_.tenants.size(); ++t) {
        const WindowCounters& w = registry_.tenant(static_cast<int>(t)).window;
        succeeded += w.succeeded;
        failed += w.failed;
      }
    }
    sre::SloTracker& tracker = slos_[k];
    if (slo.indicator == SloSpec::Indicator::latency) tracker.record(now, fast_[k], succeeded);
    else tracker.record(now, succeeded, succeeded + failed);
    fast_[k] = 0;
    tracker.advance(now);
    ScopeStats& st = registry_.slo(static_cast<int>(k));
    st.slo_budget_remaining_percent = tracker.budget_remaining_percent(now);
    st.slo_burn_rate = tracker.burn_rate(now, kMicrosPerHour);
    st.slo_compliant = tracker.compliant(now) ? 1 : 0;
    st.slo_sli_percent = tracker.sli_percent(now);
    std::vector<sre::BurnRateTransition> transitions;
    alerts_[k].evaluate(now, tracker, transitions);
    for (const sre::BurnRateTransition& t : transitions) {
      if (t.state == AlertState::firing) registry_.global().window.alerts_fired++;
      log_.log(alert_event_kind(t.state), t.fields());
      incidents_.on_alert(sre::alert_info(t, slo.service));
      // Routed like any alert; burn-rate rules are numbered after the monitoring rules.
      AlertTransition a;
      a.rule_index = static_cast<int>(alerting_.rule_count() + k * alerts_[k].size()) + t.rule_index;
      a.rule = t.rule;
      a.severity = t.severity;
      a.metric = "slo." + slo.id + ".burn_rate";
      a.service = slo.service;
      a.state = t.state;
      a.value = t.long_burn_rate;
      a.threshold = t.factor;
      a.time = t.time;
      a.active_since = t.active_since;
      alerting_.route(a);
    }
  }
}

void SloAccounting::check_invariants(SimTime now) const {
  // The figures shown are the tracker's arithmetic (SRE workbook: burn rate = error ratio /
  // (1 - target); budget remaining = 100 x (1 - consumed)), within their ranges.
  auto n = [](auto v) { return std::to_string(v); };
  for (std::size_t k = 0; k < slos_.size(); ++k) {
    const sre::SloTracker& t = slos_[k];
    const SloSpec& spec = t.spec();
    const ScopeStats& shown = registry_.slo(static_cast<int>(k));
    const std::uint64_t total = t.total_events(now, spec.window), bad = t.bad_events(now, spec.window);
    const double sli = t.sli_percent(now), consumed = t.budget_consumed(now), allowed = t.allowed_error_ratio();
    const std::string who = "SLO " + spec.id;
    if (bad > total) invariant_broken("budget", now, who + ": " + n(bad) + " bad events of " + n(total));
    if (!(sli >= 0 && sli <= 100)) invariant_broken("budget", now, who + ": SLI " + n(sli) + " %");
    if (!(consumed >= 0)) invariant_broken("budget", now, who + ": budget consumed " + n(consumed));
    if (allowed > 0 && !invariant_close(t.burn_rate(now, kMicrosPerHour), t.error_ratio(now, kMicrosPerHour) / allowed))
      invariant_broken("budget", now,
                       who + ": burn rate " + n(t.burn_rate(now, kMicrosPerHour)) + " is not error ratio / (1 - target)");
    if (t.compliant(now) != (t.error_ratio(now, spec.window) <= allowed))
      invariant_broken("budget", now, who + ": compliance disagrees with the error ratio");
    const double remaining = 100.0 * (1.0 - consumed);
    if (!invariant_close(shown.slo_budget_remaining_percent, remaining) || !invariant_close(shown.slo_sli_percent, sli) ||
        (allowed > 0 && !invariant_close(shown.slo_burn_rate, t.burn_rate(now, kMicrosPerHour))))
      invariant_broken("budget", now,
                       who + ": shows budget remaining " + n(shown.slo_budget_remaining_percent) + " %, SLI " +
                           n(shown.slo_sli_percent) + " %, burn rate " + n(shown.slo_burn_rate) + "; its events give " +
                           n(remaining) + " %, " + n(sli) + " %, " + n(t.burn_rate(now, kMicrosPerHour)));
  }
}

}  // namespace opsim
