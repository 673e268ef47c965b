#include "report/sre_dashboard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "json/json.h"

namespace opsim {
namespace {

// [SECTION] Rule thresholds: every recommendation comes from one of these and a measured figure.
constexpr double kBudgetLowPercent = 25;  // an SLO budget below this freezes risky releases
constexpr double kBurnRateSustained = 1;  // over 6 h and the last hour: the budget will not last the window
constexpr double kExhaustionUrgentHours = 24;  // a projected exhaustion sooner than this is P1
constexpr std::uint64_t kRepeatedIncidents = 3;  // incidents on one service in the window
constexpr double kStablePercentagePoints = 0.05;  // availability and error-rate trends
constexpr double kStableRelativePercent = 5;  // latency and cost trends
constexpr SimDuration kFullTrendPeriod = 24 * kMicrosPerHour;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string scope_name(const std::string& service) { return service.empty() ? "the platform" : service; }

// [SECTION] Time-series access

// The retained rows as intervals: a row's values of rate and ratio columns are its own
// interval's; its cumulative columns become the interval's counts by difference with the
// row before.
class Intervals {
 public:
  explicit Intervals(const Simulation& sim) : sim_(sim), series_(sim.series()) {
    const std::size_t n = series_.size();
    // The run's first scrape has the start of the run (all zeros) before it; any other
    // oldest row is only a base.
    first_ = n > 0 && series_.time(0) <= sim.scenario().monitoring.scrape_interval ? 0 : 1;
    if (first_ > n) first_ = n;
  }
  std::size_t rows() const { return series_.size(); }
  std::size_t first() const { return first_; }  // the oldest row with counts
  std::size_t usable() const { return rows() - first_; }
  int column(const std::string& name) const { return sim_.metrics().find(name); }
  double value(std::size_t row, int col) const {
    return col < 0 ? 0.0 : series_.value(row, static_cast<std::size_t>(col));
  }
  // The interval's count of a cumulative column; only for rows >= first().
  double delta(std::size_t row, int col) const {
    if (col < 0) return 0.0;
    return row == 0 ? value(0, col) : value(row, col) - value(row - 1, col);
  }
  SimTime time(std::size_t row) const { return series_.time(row); }

 private:
  const Simulation& sim_;
  const SeriesStore& series_;
  std::size_t first_ = 0;
};

// [SECTION] Services

const SloSpec* target_slo(const Scenario& sc, const std::string& service) {
  const SloSpec* own = nullptr;  // the service's own availability SLOs: the strictest
  const SloSpec* global = nullptr;  // availability SLOs of every service: the strictest
  for (const SloSpec& s : sc.slos) {
    if (s.indicator != SloSpec::Indicator::availability) continue;
    const SloSpec** best = s.service == service ? &own : s.service.empty() ? &global : nullptr;
    if (best && (!*best || s.target_percent > (*best)->target_percent)) *best = &s;
  }
  return own ? own : global;
}

std::vector<SreServiceRow> services(const Simulation& sim, const std::vector<double>& values) {
  const Scenario& sc = sim.scenario();
  std::vector<SreServiceRow> out;
  for (const ServiceSpec& sv : sc.services) {
    SreServiceRow row;
    row.service = sv.id;
    const int col = sim.metrics().find("service." + sv.id + ".availability_percent");
    if (col >= 0) row.availability_percent = values[static_cast<std::size_t>(col)];
    if (const SloSpec* slo = target_slo(sc, sv.id)) {
      row.has_target = true;
      row.target_slo = slo->id;
      row.target_percent = slo->target_percent;
      row.met = row.availability_percent >= slo->target_percent - 1e-9;
    }
    // The simulation measures every service's status at each scrape, incidents or not.
    const sre::StatusAssessment& st = sim.service_status(static_cast<int>(&sv - sc.services.data()));
    row.status = st.status;
    row.status_reason = st.reason.empty() ? "not evaluated yet" : st.reason;
    out.push_back(std::move(row));
  }
  return out;
}

// [SECTION] SLOs

std::vector<SreSloRow> slos(const Simulation& sim, SimTime at) {
  std::vector<SreSloRow> out;
  for (std::size_t k = 0; k < sim.slos().size(); ++k) {
    const sre::SloTracker& t = sim.slos()[k];
    const SloSpec& spec = t.spec();
    SreSloRow row;
    row.id = spec.id;
    row.service = spec.service;
    const bool latency = spec.indicator == SloSpec::Indicator::latency;
    row.indicator = slo_indicator_name(spec.indicator);
    if (latency) row.threshold_ms = to_seconds(spec.threshold) * 1000.0;
    row.target_percent = spec.target_percent;
    row.window = spec.window;
    row.sli_percent = t.sli_percent(at);
    row.budget_remaining_percent = t.budget_remaining_percent(at);
    row.burn_rate_1h = t.burn_rate(at, kMicrosPerHour);
    row.burn_rate_6h = t.burn_rate(at, 6 * kMicrosPerHour);
    row.compliant = t.compliant(at);
    if (k < sim.slo_alerts().size()) {
      const sre::BurnRateAlerts& alerts = sim.slo_alerts()[k];
      for (std::size_t i = 0; i < alerts.size(); ++i) {
        if (!alerts.firing(i)) continue;
        const BurnRateAlertSpec& r = alerts.rules()[i];
        row.firing.push_back({spec.id + ":burn_rate:" + format_duration(r.long_window) + "/" +
                                  format_duration(r.short_window),
                              r.severity, r.factor, alerts.fired_at(i)});
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

// [SECTION] Incidents

SreIncidentSummary incidents(const Simulation& sim) {
  SreIncidentSummary s;
  s.to = sim.now();
  s.from = std::max<SimTime>(0, sim.now() - s.window);
  s.whole_run = s.from == 0;
  const sre::IncidentManager* im = sim.incidents();
  if (!im) return s;
  s.enabled = true;
  const std::vector<std::string>& due_for = sim.scenario().incidents.postmortem_for;
  std::vector<std::string> in_window_due;  // ids of resolved incidents that call for a postmortem
  double ttr_sum = 0, ttd_sum = 0;
  int ttr_n = 0, ttd_n = 0;
  std::vector<std::uint64_t> per_service(sim.scenario().services.size() + 1, 0);  // last: the platform
  for (const sre::Incident& inc : im->incidents()) {
    if (inc.opened_at < s.from || inc.opened_at > s.to) continue;
    ++s.total;
    ++s.by_severity[static_cast<int>(inc.severity) - 1];
    if (inc.open()) {
      ++s.open;
    } else {
      ttr_sum += static_cast<double>(inc.time_to_resolve()) / kMicrosPerMinute;
      ++ttr_n;
      if (std::find(due_for.begin(), due_for.end(), sre::severity_name(inc.severity)) != due_for.end())
        in_window_due.push_back(inc.id);
    }
    if (inc.mttd >= 0) {
      ttd_sum += static_cast<double>(inc.mttd) / kMicrosPerMinute;
      ++ttd_n;
    }
    std::size_t slot = per_service.size() - 1;
    for (std::size_t v = 0; v < sim.scenario().services.size(); ++v)
      if (sim.scenario().services[v].id == inc.service) slot = v;
    ++per_service[slot];
  }
  if (ttr_n) s.mttr_minutes = ttr_sum / ttr_n;
  if (ttd_n) s.mttd_minutes = ttd_sum / ttd_n;
  s.postmortems_due = in_window_due.size();
  for (const sre::Postmortem& pm : im->postmortems())
    if (std::find(in_window_due.begin(), in_window_due.end(), pm.incident_id) != in_window_due.end())
      ++s.postmortems_written;
  if (s.postmortems_due > 0)
    s.postmortem_coverage_percent =
        100.0 * static_cast<double>(s.postmortems_written) / static_cast<double>(s.postmortems_due);
  for (std::size_t v = 0; v < per_service.size(); ++v)
    if (per_service[v] > 0)
      s.by_service.emplace_back(v < sim.scenario().services.size() ? sim.scenario().services[v].id : std::string(),
                                per_service[v]);
  return s;
}

// [SECTION] Trends

struct PeriodFigures {
  double succeeded = 0, failed = 0, p95_weighted = 0, cost_usd = 0;
};

// Rows [from, to): counts as one difference of the cumulative columns across the period
// (summing per-interval differences would add rounding noise to a flat cost); the p95s
// weighted by each interval's successes.
PeriodFigures period_figures(const Intervals& iv, std::size_t from, std::size_t to) {
  const int succeeded = iv.column("requests_succeeded"), failed = iv.column("requests_failed"),
            p95 = iv.column("latency_p95_ms"), cost = iv.column("cost_usd");
  const auto across = [&](int col) { return iv.value(to - 1, col) - (from == 0 ? 0.0 : iv.value(from - 1, col)); };
  PeriodFigures f;
  f.succeeded = across(succeeded);
  f.failed = across(failed);
  f.cost_usd = across(cost);
  for (std::size_t i = from; i < to; ++i) f.p95_weighted += iv.value(i, p95) * iv.delta(i, succeeded);
  return f;
}

// higher_is_better: availability. absolute_band: the band is in the metric's unit (pp),
// otherwise in percent of the previous value.
SreTrend trend(const std::string& metric, bool measured, double previous, double recent, bool higher_is_better,
               bool absolute_band) {
  SreTrend t;
  t.metric = metric;
  t.stable_within = absolute_band ? fmt("%g pp", kStablePercentagePoints) : fmt("%g %%", kStableRelativePercent);
  t.measured = measured;
  if (!measured) return t;
  t.previous = previous;
  t.recent = recent;
  t.change = recent - previous;
  // Equal figures read from cumulative sums can differ in the last bits: no change.
  if (std::fabs(t.change) <= 1e-9 * std::max(std::fabs(previous), std::fabs(recent))) t.change = 0;
  if (previous != 0) t.change_percent = 100.0 * t.change / std::fabs(previous);
  bool stable = false;
  if (absolute_band) stable = std::fabs(t.change) <= kStablePercentagePoints + 1e-12;
  else if (previous != 0) stable = std::fabs(t.change_percent) <= kStableRelativePercent + 1e-12;
  else stable = recent == 0;
  if (stable) t.direction = "stable";
  else t.direction = (t.change > 0) == higher_is_better ? "improving" : "worsening";
  return t;
}

SreTrends trends(const Simulation& sim, const Intervals& iv) {
  SreTrends out;
  const SimDuration interval = sim.scenario().monitoring.scrape_interval;
  const std::size_t usable = iv.usable();
  const std::size_t full = static_cast<std::size_t>(kFullTrendPeriod / std::max<SimDuration>(1, interval));
  const std::size_t k = static_cast<SimDuration>(usable) * interval >= 2 * kFullTrendPeriod ? full : usable / 2;
  if (k == 0) return out;
  const std::size_t n = iv.rows();
  out.measured = true;
  out.period = static_cast<SimDuration>(k) * interval;
  out.to = iv.time(n - 1);
  out.recent_from = iv.time(n - k) - interval;
  out.previous_from = iv.time(n - 2 * k) - interval;
  const PeriodFigures prev = period_figures(iv, n - 2 * k, n - k), rec = period_figures(iv, n - k, n);
  const double prev_done = prev.succeeded + prev.failed, rec_done = rec.succeeded + rec.failed;
  out.previous_requests = prev_done;
  out.recent_requests = rec_done;
  const bool done = prev_done > 0 && rec_done > 0;
  out.metrics.push_back(trend("availability_percent", done, done ? 100.0 * prev.succeeded / prev_done : 0,
                              done ? 100.0 * rec.succeeded / rec_done : 0, true, true));
  out.metrics.push_back(trend("error_rate_percent", done, done ? 100.0 * prev.failed / prev_done : 0,
                              done ? 100.0 * rec.failed / rec_done : 0, false, true));
  const bool ok = prev.succeeded > 0 && rec.succeeded > 0;
  out.metrics.push_back(trend("latency_p95_ms", ok, ok ? prev.p95_weighted / prev.succeeded : 0,
                              ok ? rec.p95_weighted / rec.succeeded : 0, false, false));
  const double hours = static_cast<double>(out.period) / kMicrosPerHour;
  out.metrics.push_back(trend("cost_usd_per_hour", iv.column("cost_usd") >= 0, prev.cost_usd / hours,
                              rec.cost_usd / hours, false, false));
  return out;
}

// [SECTION] Recommendations

std::vector<SreRecommendation> recommendations(const Simulation& sim, const SreDashboard& d) {
  std::vector<SreRecommendation> out;
  auto add = [&](const char* priority, const char* rule, std::string text) {
    out.push_back({priority, rule, std::move(text)});
  };

  for (const SreServiceRow& s : d.services)
    if (s.has_target && !s.met)
      add("P1", "availability_below_target",
          s.service + " availability is " + fmt("%.3f", s.availability_percent) + " % over the run, below its " +
              fmt("%g", s.target_percent) + " % target (SLO " + s.target_slo +
              "): put reliability work ahead of features for " + s.service + ".");

  for (const SreSloRow& r : d.slos) {
    const std::string window = format_duration(r.window);
    if (r.budget_remaining_percent < kBudgetLowPercent)
      add("P1", "budget_low",
          "SLO " + r.id + " has " + fmt("%.1f", r.budget_remaining_percent) + " % of its " + window +
              " error budget left (below " + fmt("%g", kBudgetLowPercent) +
              " %): freeze risky releases and changes to " + scope_name(r.service) + " until it recovers.");
    // The 6 h pace, confirmed by the last hour (as a burn-rate alert's short window does):
    // an outage that is over leaves the 6 h rate high while nothing burns any more.
    if (r.burn_rate_6h > kBurnRateSustained && r.burn_rate_1h > kBurnRateSustained && r.budget_remaining_percent > 0) {
      // At this pace the remaining budget lasts remaining x window / burn rate (ignoring the
      // old errors that leave the window meanwhile, so a little early).
      const double hours = r.budget_remaining_percent / 100.0 * to_seconds(r.window) / 3600.0 / r.burn_rate_6h;
      add(hours < kExhaustionUrgentHours ? "P1" : "P2", "burn_rate_6h",
          "SLO " + r.id + " is burning its budget at " + fmt("%.2f", r.burn_rate_6h) + "x over the last 6 h (" +
              fmt("%.2f", r.burn_rate_1h) + "x over the last hour): at this pace the " +
              fmt("%.1f", r.budget_remaining_percent) + " % left is spent in " + fmt("%.1f", hours) + " h, before its " +
              window + " window ends; find what is failing now.");
    }
  }

  const SreIncidentSummary& inc = d.incidents;
  const std::string in_window = inc.whole_run ? "over the run" : "in the last 30 days";
  if (inc.enabled && sim.incidents()) {
    const sre::IncidentThresholds& th = sim.incidents()->thresholds();
    const double mttr_target = static_cast<double>(th.mttr_target) / kMicrosPerMinute;
    if (!std::isnan(inc.mttr_minutes) && inc.mttr_minutes > mttr_target)
      add("P2", "mttr_high",
          "MTTR is " + fmt("%.1f", inc.mttr_minutes) + " min " + in_window + ", above the " + fmt("%g", mttr_target) +
              " min target: write runbooks for the causes seen and automate their first remediation step.");
    const double slow = static_cast<double>(th.slow_detection) / kMicrosPerMinute;
    if (!std::isnan(inc.mttd_minutes) && inc.mttd_minutes > slow)
      add("P3", "mttd_slow",
          "MTTD is " + fmt("%.1f", inc.mttd_minutes) + " min " + in_window + ", slower than " + fmt("%g", slow) +
              " min: add a faster burn-rate window or a symptom alert on the services affected.");
    if (!std::isnan(inc.postmortem_coverage_percent) && inc.postmortem_coverage_percent < 100)
      add("P2", "postmortem_coverage",
          "Postmortem coverage is " + fmt("%.0f", inc.postmortem_coverage_percent) + " % (" +
              std::to_string(inc.postmortems_written) + " of " + std::to_string(inc.postmortems_due) +
              " due): write the missing postmortems before the causes are forgotten.");
    for (const auto& [service, n] : inc.by_service)
      if (n >= kRepeatedIncidents)
        add("P2", "repeated_incidents",
            std::to_string(n) + " incidents on " + scope_name(service) + " " + in_window +
                ": look for the common cause across their postmortems and fix it once.");
  }

  for (const SreTrend& t : d.trends.metrics) {
    if (t.direction != "worsening") continue;
    const std::string period = format_duration(d.trends.period);
    const std::string before = " in the " + period + " before", after = " in the last " + period;
    if (t.metric == "latency_p95_ms")
      add("P2", "latency_trend",
          "p95 latency rose from " + fmt("%.1f", t.previous) + " ms" + before + " to " + fmt("%.1f", t.recent) + " ms" +
              after + (std::isnan(t.change_percent) ? std::string() : " (" + fmt("%+.1f", t.change_percent) + " %)") +
              ": check saturation and recent changes before it reaches a latency SLO.");
    else if (t.metric == "availability_percent")
      add("P2", "availability_trend",
          "Availability fell from " + fmt("%.3f", t.previous) + " %" + before + " to " + fmt("%.3f", t.recent) + " %" +
              after + ": find the new failures before they spend the error budget.");
    else if (t.metric == "cost_usd_per_hour" && d.trends.previous_requests > 0 && d.trends.recent_requests > 0) {
      // A fleet that grows with the load costs more and is doing its job: only a rise in
      // the cost of each request calls for a look.
      const double hours = static_cast<double>(d.trends.period) / kMicrosPerHour;
      const double per_k_before = 1000 * t.previous * hours / d.trends.previous_requests;
      const double per_k_after = 1000 * t.recent * hours / d.trends.recent_requests;
      const double rise_percent = 100 * (per_k_after - per_k_before) / per_k_before;
      if (per_k_before > 0 && rise_percent > kStableRelativePercent)
        add("P3", "cost_trend",
            "Cost rose from $" + fmt("%.2f", t.previous) + "/h" + before + " to $" + fmt("%.2f", t.recent) + "/h" +
                after + ", and per 1,000 requests from $" + fmt("%.3f", per_k_before) + " to $" +
                fmt("%.3f", per_k_after) + " (" + fmt("%+.1f", rise_percent) +
                " %): capacity grew faster than the load; check scale-in thresholds and cooldowns.");
    }
    // error_rate_percent worsens exactly when availability does: one recommendation for both.
  }

  std::stable_sort(out.begin(), out.end(),
                   [](const SreRecommendation& a, const SreRecommendation& b) { return a.priority < b.priority; });
  return out;
}

// [SECTION] JSON

void optional_field(json::ObjectWriter& w, std::string_view key, double v) {
  if (!std::isnan(v)) w.field(key, v);
}

// A JSON array of objects, one a line, nested as summary.json's second level.
std::string object_array(const std::vector<std::string>& objects) {
  std::string s = "[";
  for (std::size_t i = 0; i < objects.size(); ++i) s += (i ? ",\n      " : "\n      ") + objects[i];
  return s + (objects.empty() ? "]" : "\n    ]");
}

}  // namespace

SreDashboard sre_dashboard(const Simulation& sim) {
  SreDashboard d;
  d.now = sim.now();
  const Intervals iv(sim);
  d.evaluated_at = iv.rows() > 0 ? iv.time(iv.rows() - 1) : -1;
  const std::vector<double> values = sim.summary_values();
  d.services = services(sim, values);
  d.slos = slos(sim, d.evaluated_at >= 0 ? d.evaluated_at : sim.now());
  d.incidents = incidents(sim);
  d.trends = trends(sim, iv);
  d.recommendations = recommendations(sim, d);
  return d;
}

std::string sre_dashboard_json(const SreDashboard& d) {
  std::vector<std::string> services, slos, trends, recs;
  for (const SreServiceRow& s : d.services) {
    json::ObjectWriter w;
    w.field("service", s.service).field("availability_percent", s.availability_percent);
    if (s.has_target) w.field("target_percent", s.target_percent).field("target_slo", s.target_slo).field("met", s.met);
    else w.raw("target_percent", "null").raw("target_slo", "null").raw("met", "null");
    w.field("status", sre::service_status_name(s.status)).field("status_reason", s.status_reason);
    services.push_back(w.str());
  }
  for (const SreSloRow& r : d.slos) {
    std::vector<std::string> firing;
    for (const SreSloRow::FiringRule& f : r.firing)
      firing.push_back(json::ObjectWriter()
                           .field("rule", f.rule)
                           .field("severity", f.severity)
                           .field("factor", f.factor)
                           .field("since_s", to_seconds(f.since))
                           .str());
    std::string firing_json = "[";
    for (std::size_t i = 0; i < firing.size(); ++i) firing_json += (i ? ", " : "") + firing[i];
    firing_json += "]";
    json::ObjectWriter w;
    w.field("id", r.id);
    if (r.service.empty()) w.raw("service", "null");
    else w.field("service", r.service);
    w.field("indicator", r.indicator);
    if (r.indicator == "latency") w.field("threshold_ms", r.threshold_ms);
    w.field("target_percent", r.target_percent)
        .field("window_s", to_seconds(r.window))
        .field("sli_percent", r.sli_percent)
        .field("budget_remaining_percent", r.budget_remaining_percent)
        .field("burn_rate_1h", r.burn_rate_1h)
        .field("burn_rate_6h", r.burn_rate_6h)
        .field("compliant", r.compliant)
        .raw("alerts_firing", firing_json);
    slos.push_back(w.str());
  }
  std::string incidents = "null";
  if (d.incidents.enabled) {
    const SreIncidentSummary& s = d.incidents;
    json::ObjectWriter sev;
    for (int k = 0; k < 4; ++k) sev.field(sre::severity_name(static_cast<sre::Severity>(k + 1)), s.by_severity[k]);
    std::string by_service = "[";
    for (std::size_t i = 0; i < s.by_service.size(); ++i) {
      json::ObjectWriter one;
      if (s.by_service[i].first.empty()) one.raw("service", "null");  // the platform
      else one.field("service", s.by_service[i].first);
      by_service += (i ? ", " : "") + one.field("incidents", s.by_service[i].second).str();
    }
    by_service += "]";
    json::ObjectWriter w;
    w.field("window_s", to_seconds(s.window))
        .field("from_s", to_seconds(s.from))
        .field("to_s", to_seconds(s.to))
        .field("whole_run", s.whole_run)
        .field("total", s.total)
        .raw("by_severity", sev.str())
        .field("open", s.open);
    optional_field(w, "mttr_minutes", s.mttr_minutes);
    optional_field(w, "mttd_minutes", s.mttd_minutes);
    w.field("postmortems_written", s.postmortems_written).field("postmortems_due", s.postmortems_due);
    optional_field(w, "postmortem_coverage_percent", s.postmortem_coverage_percent);
    w.raw("by_service", by_service);
    incidents = w.str();
  }
  for (const SreTrend& t : d.trends.metrics) {
    json::ObjectWriter w;
    w.field("metric", t.metric).field("measured", t.measured);
    if (t.measured) {
      w.field("previous", t.previous).field("recent", t.recent).field("change", t.change);
      optional_field(w, "change_percent", t.change_percent);
      w.field("direction", t.direction);
    }
    w.field("stable_within", t.stable_within);
    trends.push_back(w.str());
  }
  std::string trends_json = "{\"measured\":" + std::string(d.trends.measured ? "true" : "false");
  if (d.trends.measured) {
    json::ObjectWriter period;
    period.field("period_s", to_seconds(d.trends.period))
        .field("previous_from_s", to_seconds(d.trends.previous_from))
        .field("recent_from_s", to_seconds(d.trends.recent_from))
        .field("to_s", to_seconds(d.trends.to));
    const std::string p = period.str();
    trends_json += "," + p.substr(1, p.size() - 2);
  }
  trends_json += ",\"metrics\":" + object_array(trends) + "}";
  for (const SreRecommendation& r : d.recommendations)
    recs.push_back(json::ObjectWriter().field("priority", r.priority).field("rule", r.rule).field("text", r.text).str());

  std::string s = "{\n    \"t_s\": " + json::number(to_seconds(d.now)) + ",\n    \"evaluated_at_s\": " +
                  (d.evaluated_at >= 0 ? json::number(to_seconds(d.evaluated_at)) : std::string("null"));
  s += ",\n    \"services\": " + object_array(services);
  s += ",\n    \"slos\": " + object_array(slos);
  s += ",\n    \"incidents\": " + incidents;
  s += ",\n    \"trends\": " + trends_json;
  s += ",\n    \"recommendations\": " + object_array(recs);
  return s + "\n  }";
}

}  // namespace opsim
