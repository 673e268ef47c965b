// The SRE dashboard (issue 6, item 7): one page of what a reliability review asks of a
// run, derived from the Simulation's public state only, at any moment.
//
// [SECTION] Index
//   Services         availability over the run against the availability SLO target that
//                    applies, met or not, and the status now
//   SLOs             SLI, target, budget remaining, burn rate over 1 h and 6 h, compliance,
//                    the burn-rate alerts firing
//   Incidents        the last 30 days of simulated time (the whole run when shorter): by
//                    severity, open, MTTR, MTTD, postmortem coverage
//   Trends           the most recent period of the retained history against the one before
//   Recommendations  each from an explicit rule and the numbers that triggered it
//
// [SECTION] Definitions
// - Target of a service: the highest target among the availability SLOs of that service;
//   without one, the highest among availability SLOs without a service (the platform's);
//   none: no target. Met = availability over the run >= target.
// - Status: the incident manager's when the scenario has an incidents section; otherwise
//   sre::assess_status() of the last scrape interval's availability, error rate, p95 and
//   request count for the service (users and a latency baseline are not in the time
//   series, so the users and performance rules cannot trigger there).
// - SLO figures are taken at the last scrape (the trackers are fed at scrapes; a query
//   between scrapes would dilute the windows with time not yet recorded).
// - Postmortem coverage = postmortems written for incidents of the window / incidents of
//   the window that are resolved and whose severity is in incidents.postmortem_for; absent
//   when that denominator is 0.
// - Trends. Each time-series row holds one scrape interval: rates, ratios and percentiles
//   of that interval, and cumulative counters (requests_*, cost_usd). An interval's counts
//   are the difference from the row before (from 0 for the run's first scrape; the oldest
//   retained row of a run longer than its retention only serves as that base). Period =
//   24 h when the intervals retained cover at least 48 h, else half of them (whole
//   intervals). Per period:
//     availability_percent  request-weighted mean of the interval values = succeeded /
//                           (succeeded + failed) over the period;
//     error_rate_percent    likewise, failed / (succeeded + failed);
//     latency_p95_ms        mean of the interval p95s weighted by successful requests (the
//                           period's own p95 would need the histograms, which are not kept);
//     cost_usd_per_hour     cost accrued in the period / its length in hours.
//   A metric whose period has no requests (nothing to weigh) is not measured. Direction:
//   "stable" when |recent - previous| <= 0.05 percentage points (availability, error rate)
//   or <= 5 % of the previous value (latency, cost); otherwise "improving" or "worsening"
//   (availability up is improving; error rate, latency and cost up are worsening).
//
// [SECTION] Recommendation rules (priority, rule id: trigger)
//   P1 availability_below_target  a service's availability over the run is below its target
//   P1 budget_low                 an SLO has less than 25 % of its error budget left
//   P1/P2 burn_rate_6h            an SLO burns faster than 1x over 6 h and over the last hour
//                                 (still burning): the budget left lasts remaining x window /
//                                 burn rate; P1 when that is under 24 h
//   P2 mttr_high                  MTTR of the window above the incident manager's 30 min target
//   P3 mttd_slow                  MTTD of the window above its 5 min slow-detection mark
//   P2 postmortem_coverage        coverage below 100 %
//   P2 repeated_incidents         3 or more incidents on one service in the window
//   P2 latency_trend, availability_trend   a "worsening" trend (the error rate worsens with
//                                 availability: one recommendation)
//   P3 cost_trend                 a "worsening" cost rate that is not load: the cost per
//                                 completed request rose by more than 5 % too
// Each sentence carries the figures that triggered it. P1 first, then P2, P3.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/simulation.h"

namespace opsim {

struct SreServiceRow {
  std::string service;
  double availability_percent = 100;  // over the run so far
  bool has_target = false;
  std::string target_slo;  // the SLO whose target applies (when has_target)
  double target_percent = std::numeric_limits<double>::quiet_NaN();
  bool met = true;  // meaningful only with a target
  sre::ServiceStatus status = sre::ServiceStatus::healthy;
  std::string status_reason;
};

struct SreSloRow {
  std::string id, service;  // service empty: every service
  std::string indicator;  // "availability" or "latency"
  double threshold_ms = 0;  // latency SLOs
  double target_percent = 0;
  SimDuration window = 0;
  double sli_percent = 100, budget_remaining_percent = 100;
  double burn_rate_1h = 0, burn_rate_6h = 0;
  bool compliant = true;
  struct FiringRule {
    std::string rule;  // "<slo>:burn_rate:<long>/<short>", as the alert is named
    std::string severity;
    double factor = 0;
    SimTime since = 0;
  };
  std::vector<FiringRule> firing;
};

struct SreIncidentSummary {
  bool enabled = false;  // the scenario has an incidents section
  SimDuration window = 30 * kMicrosPerDay;
  SimTime from = 0, to = 0;  // incidents opened in [from, to]
  bool whole_run = true;  // the run is no longer than the window
  std::uint64_t total = 0, by_severity[4] = {0, 0, 0, 0}, open = 0;
  double mttr_minutes = std::numeric_limits<double>::quiet_NaN();
  double mttd_minutes = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t postmortems_written = 0, postmortems_due = 0;
  double postmortem_coverage_percent = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::pair<std::string, std::uint64_t>> by_service;  // "" = the platform; scenario order, then platform
};

struct SreTrend {
  std::string metric;  // availability_percent, error_rate_percent, latency_p95_ms, cost_usd_per_hour
  bool measured = false;
  double previous = 0, recent = 0;
  double change = 0;  // recent - previous, in the metric's unit
  double change_percent = std::numeric_limits<double>::quiet_NaN();  // of previous; NaN when previous is 0
  std::string direction;  // improving, stable, worsening ("" when not measured)
  std::string stable_within;  // the band: "0.05 pp" or "5 %"
};

struct SreTrends {
  bool measured = false;  // at least two intervals with counts
  SimDuration period = 0;
  SimTime previous_from = 0, recent_from = 0, to = 0;  // (previous_from, recent_from], (recent_from, to]
  double previous_requests = 0, recent_requests = 0;  // completed (succeeded + failed) in each period
  std::vector<SreTrend> metrics;
};

struct SreRecommendation {
  std::string priority;  // P1 (now), P2 (this cycle), P3 (backlog)
  std::string rule;  // which rule fired: budget_low, burn_rate_6h, availability_below_target, ...
  std::string text;  // one sentence with the numbers
};

struct SreDashboard {
  SimTime now = 0;
  SimTime evaluated_at = -1;  // the last scrape (-1: none yet)
  std::vector<SreServiceRow> services;
  std::vector<SreSloRow> slos;
  SreIncidentSummary incidents;
  SreTrends trends;
  std::vector<SreRecommendation> recommendations;  // P1 first
};

SreDashboard sre_dashboard(const Simulation& sim);
// {"t_s","evaluated_at_s","services":[..],"slos":[..],"incidents":{..}|null (no incidents
//  section),"trends":{..},"recommendations":[{"priority","rule","text"}]}; figures that are
//  NaN (MTTR, MTTD, coverage, change_percent) are left out. Laid out for summary.json's "sre".
std::string sre_dashboard_json(const SreDashboard& d);

}  // namespace opsim
