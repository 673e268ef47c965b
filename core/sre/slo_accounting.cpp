#include "sre/slo_accounting.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "promql/parser.h"
#include "sim/invariants.h"

namespace opsim {

namespace {

const std::vector<BurnRateAlertSpec>& rules_of(const Scenario& s, const SloSpec& slo) {
  return slo.own_burn_rate ? slo.burn_rate : s.alerting.burn_rate;
}

}  // namespace

SloAccounting::SloAccounting(const Engine& engine, const Scenario& scenario, MetricRegistry& registry, EventLog& log,
                             Alerting& alerting, IncidentSignals& incidents)
    : engine_(engine), scenario_(scenario), registry_(registry), log_(log), alerting_(alerting), incidents_(incidents) {
  fast_.assign(scenario_.slos.size(), 0);
  query_of_.assign(scenario_.slos.size(), -1);
  const SimDuration interval = scenario_.monitoring.scrape_interval;
  for (std::size_t k = 0; k < scenario_.slos.size(); ++k) {
    const SloSpec& slo = scenario_.slos[k];
    const std::vector<BurnRateAlertSpec>& rules = rules_of(scenario_, slo);
    slos_.emplace_back(slo, interval, sre::longest_alert_window(rules));
    first_rule_.push_back(k == 0 ? 0 : first_rule_.back() + alerts_.back().size());
    alerts_.emplace_back(rules);
    if (slo.indicator == SloSpec::Indicator::latency) latency_slos_.push_back(static_cast<int>(k));
    if (slo.indicator != SloSpec::Indicator::query) continue;
    QuerySlo q;
    q.slo = static_cast<int>(k);
    q.counts_bad = !slo.bad_query.empty();
    // The loader has parsed them with a window in place of the template: they parse.
    auto parse = [&](const std::string& text, Query& out) {
      out.rate = slo_query_window_at(text).at != std::string::npos;
      promql::ParseResult r = promql::parse(slo_query_with_window(text, interval));
      if (!r.ok()) throw std::invalid_argument("SLO " + slo.id + ": " + promql::format_error(r.errors.front()));
      out.expr = std::move(r.expr);
    };
    parse(q.counts_bad ? slo.bad_query : slo.good_query, q.numerator);
    parse(slo.total_query, q.total);
    query_of_[k] = static_cast<int>(queries_.size());
    queries_.push_back(std::move(q));
  }
}

double SloAccounting::estimated_bytes(const Scenario& s) {
  double bytes = 0;
  for (const SloSpec& slo : s.slos)
    bytes += sre::SloTracker::estimated_bytes(slo, s.monitoring.scrape_interval,
                                              sre::longest_alert_window(rules_of(s, slo)));
  return bytes;
}

const std::string& SloAccounting::query_error(std::size_t slo) const {
  static const std::string kNone;
  return query_of_[slo] < 0 ? kNone : queries_[static_cast<std::size_t>(query_of_[slo])].error;
}

std::uint64_t SloAccounting::events(Query& q, const promql::Storage& storage, std::int64_t t_ms, std::string& error) {
  const promql::EvalResult r = promql::evaluate(*q.expr, t_ms, storage, {}, &cache_);
  if (!r.ok()) {
    error = r.error;
    return 0;
  }
  double value = 0;
  if (r.value.type == promql::ValueType::scalar) value = r.value.scalar;
  else
    for (const promql::Sample& s : r.value.vector) value += s.v;
  if (!std::isfinite(value)) value = 0;
  double count = 0;
  if (q.rate) {
    count = value * to_seconds(scenario_.monitoring.scrape_interval);
  } else {
    count = value >= q.last ? value - q.last : value;
    q.last = value;
  }
  return count > 0 ? static_cast<std::uint64_t>(std::llround(count)) : 0;
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

void SloAccounting::on_scrape(const promql::Storage& storage, std::int64_t t_ms) {
  // The interval's events: its service's window (or every tenant's), before it closes.
  const SimTime now = engine_.now();
  for (std::size_t k = 0; k < slos_.size(); ++k) {
    const SloSpec& slo = scenario_.slos[k];
    sre::SloTracker& tracker = slos_[k];
    if (query_of_[k] >= 0) {
      QuerySlo& q = queries_[static_cast<std::size_t>(query_of_[k])];
      q.error.clear();
      const std::uint64_t counted = events(q.numerator, storage, t_ms, q.error);
      const std::uint64_t total = events(q.total, storage, t_ms, q.error);
      const std::uint64_t good = q.counts_bad ? (counted < total ? total - counted : 0) : counted;
      tracker.record(now, good, total);
    } else {
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
      if (slo.indicator == SloSpec::Indicator::latency) tracker.record(now, fast_[k], succeeded);
      else tracker.record(now, succeeded, succeeded + failed);
    }
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
      a.rule_index = static_cast<int>(alerting_.rule_count() + first_rule_[k]) + t.rule_index;
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
