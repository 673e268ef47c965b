// The SRE dashboard (core/report/sre_dashboard): its figures against the incident manager,
// the SLO trackers and the time series read independently, and against hand arithmetic;
// trends from the history; recommendations only when a figure triggers them.
#include <cmath>
#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "json/json.h"
#include "report/report.h"
#include "report/sre_dashboard.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

constexpr const char* kIncidents =
    R"("incidents": {"open_on": ["page"], "resolve_after": "10m", "postmortem_for": ["sev1", "sev2"]})";

// One service "api" of ample capacity (no queueing), `rate` requests/s of 100 ms constant
// work that never fail on their own; `extra` adds members (faults, slos, incidents...).
std::string scenario(const std::string& duration, double rate, const std::string& extra,
                     const std::string& monitoring = R"({"scrape_interval": "15s", "retention": "1d"})") {
  return R"({"schema": "opsim/1", "name": "sre", "duration": ")" + duration + R"(", "seed": 11,
    "services": [{"id": "api", "instance": {"concurrency": 50, "cost_per_hour": 0.5},
                  "instances": {"initial": 4, "min": 1, "max": 8}, "queue": {"capacity": 1000, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "api", "work": {"dist": "constant", "value": "100ms"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000,
                 "max_cpu_cores": 100000, "max_requests_per_minute": 1000000},
                 "load": [{"agent": "a", "rate": )" +
         std::to_string(rate) + R"(}]}],
    "monitoring": )" + monitoring +
         (extra.empty() ? "" : ", " + extra) + "}";
}

const SreRecommendation* find_rule(const SreDashboard& d, const std::string& rule) {
  for (const SreRecommendation& r : d.recommendations)
    if (r.rule == rule) return &r;
  return nullptr;
}

const SreTrend& find_trend(const SreDashboard& d, const std::string& metric) {
  for (const SreTrend& t : d.trends.metrics)
    if (t.metric == metric) return t;
  FAIL("no trend for " << metric);
  return d.trends.metrics.front();
}

double summary_value(const Simulation& sim, const std::string& name) {
  const int col = sim.metrics().find(name);
  REQUIRE(col >= 0);
  return sim.summary_values()[static_cast<std::size_t>(col)];
}

// The row of the series at time t (REQUIREs it).
std::size_t row_at(const SeriesStore& s, SimTime t) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s.time(i) == t) return i;
  FAIL("no row at " << t);
  return 0;
}

}  // namespace

TEST_CASE("slo-hard-outage: incidents, coverage and availability against the target", "[sre_dashboard]") {
  std::string text = test::read_text("scenarios/slo-hard-outage.json");
  // The built-in scenario has no incidents section of its own (if it gains one, it is used).
  if (text.find("\"incidents\"") == std::string::npos) {
    const std::size_t end = text.rfind('}');
    text = text.substr(0, end) + ", " + kIncidents + "\n}\n";
  }
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, sc.seed);
  sim.run();
  const SreDashboard d = sre_dashboard(sim);
  const sre::IncidentManager* im = sim.incidents();
  REQUIRE(im != nullptr);

  // 12 h is shorter than 30 days: the window is the whole run.
  CHECK(d.incidents.enabled);
  CHECK(d.incidents.whole_run);
  CHECK(d.incidents.from == 0);
  CHECK(d.incidents.to == 12 * kMicrosPerHour);
  CHECK(d.incidents.total == im->incidents_total());
  for (int k = 0; k < 4; ++k)
    CHECK(d.incidents.by_severity[k] == im->incidents_with_severity(static_cast<sre::Severity>(k + 1)));
  CHECK(d.incidents.open == static_cast<std::uint64_t>(im->open_count()));
  CHECK(d.incidents.mttr_minutes == Approx(im->mttr_minutes()));
  CHECK(d.incidents.mttd_minutes == Approx(im->mttd_minutes()));
  // The 20-minute total outage is one sev1 incident, resolved, with a postmortem: 1 of 1.
  CHECK(d.incidents.total == 1);
  CHECK(d.incidents.by_severity[0] == 1);
  std::uint64_t due = 0;
  for (const sre::Incident& inc : im->incidents())
    due += !inc.open() && (inc.severity == sre::Severity::sev1 || inc.severity == sre::Severity::sev2);
  CHECK(d.incidents.postmortems_due == due);
  CHECK(d.incidents.postmortems_written == im->postmortems().size());
  REQUIRE(due == 1);
  CHECK(d.incidents.postmortem_coverage_percent == Approx(100.0 * static_cast<double>(im->postmortems().size()) / 1.0));

  // chat: 20 minutes of 12 hours failed, about 97.2 %, against 99.9 %: not met.
  REQUIRE(d.services.size() == 1);
  const SreServiceRow& chat = d.services[0];
  CHECK(chat.service == "chat");
  CHECK(chat.availability_percent == Approx(summary_value(sim, "service.chat.availability_percent")));
  CHECK(chat.availability_percent == Approx(100.0 * (1 - 20.0 / 720)).margin(0.3));
  CHECK(chat.has_target);
  CHECK(chat.target_slo == "availability");
  CHECK(chat.target_percent == 99.9);
  CHECK_FALSE(chat.met);
  CHECK(chat.status == im->service_status("chat"));

  // SLOs at the last scrape (12 h, the end).
  REQUIRE(d.slos.size() == 2);
  const sre::SloTracker& t = sim.slos()[0];
  CHECK(d.evaluated_at == 12 * kMicrosPerHour);
  CHECK(d.slos[0].budget_remaining_percent == Approx(t.budget_remaining_percent(d.evaluated_at)));
  CHECK(d.slos[0].burn_rate_6h == Approx(t.burn_rate(d.evaluated_at, 6 * kMicrosPerHour)));
  // The 6 h window (6h, 12h] holds the whole outage: 20 of 360 minutes failed, / 0.001.
  CHECK(d.slos[0].burn_rate_6h == Approx(20.0 / 360 / 0.001).epsilon(0.02));
  CHECK(d.slos[0].burn_rate_1h == 0);
  CHECK_FALSE(d.slos[0].compliant);
  CHECK(d.slos[1].compliant);

  // Recommendations: the target missed (P1, first); no "at this pace" projection, since the
  // last hour burns nothing.
  REQUIRE_FALSE(d.recommendations.empty());
  CHECK(d.recommendations[0].priority == "P1");
  const SreRecommendation* below = find_rule(d, "availability_below_target");
  REQUIRE(below != nullptr);
  char avail[32];
  std::snprintf(avail, sizeof avail, "%.3f", chat.availability_percent);
  CHECK(below->text.find(avail) != std::string::npos);
  CHECK(find_rule(d, "burn_rate_6h") == nullptr);
  // MTTR above 30 minutes calls for runbooks exactly when it is.
  CHECK((find_rule(d, "mttr_high") != nullptr) == (im->mttr_minutes() > 30));
  CHECK(find_rule(d, "postmortem_coverage") == nullptr);
}

TEST_CASE("an errors fault in the second half shows as a worsening availability trend", "[sre_dashboard]") {
  // 4 h at 20 requests/s; from 2h on, 10 % of requests fail. Retained history 4 h < 48 h:
  // the period is half of it, 2 h: (0, 2h] against (2h, 4h].
  const Scenario sc = test::must_load(scenario(
      "4h", 20, R"("faults": [{"at": "2h", "type": "errors", "service": "api", "error_percent": 10}])"));
  Simulation sim(sc, sc.seed);
  sim.run();
  const SreDashboard d = sre_dashboard(sim);
  REQUIRE(d.trends.measured);
  CHECK(d.trends.period == 2 * kMicrosPerHour);
  CHECK(d.trends.previous_from == 0);
  CHECK(d.trends.recent_from == 2 * kMicrosPerHour);
  CHECK(d.trends.to == 4 * kMicrosPerHour);

  // Independently: the cumulative counters at 2h and at 4h.
  const SeriesStore& s = sim.series();
  const std::size_t mid = row_at(s, 2 * kMicrosPerHour), end = row_at(s, 4 * kMicrosPerHour);
  const auto col = [&](const char* name) { return static_cast<std::size_t>(sim.metrics().find(name)); };
  const double ok1 = s.value(mid, col("requests_succeeded")), bad1 = s.value(mid, col("requests_failed"));
  const double ok2 = s.value(end, col("requests_succeeded")) - ok1, bad2 = s.value(end, col("requests_failed")) - bad1;
  const SreTrend& a = find_trend(d, "availability_percent");
  REQUIRE(a.measured);
  CHECK(a.previous == Approx(100.0 * ok1 / (ok1 + bad1)));
  CHECK(a.recent == Approx(100.0 * ok2 / (ok2 + bad2)));
  // By hand: nothing fails before the fault, 10 % after (144,000 requests: within 0.3 pp).
  CHECK(a.previous == 100);
  CHECK(a.recent == Approx(90).margin(0.3));
  CHECK(a.change == Approx(a.recent - a.previous));
  CHECK(a.direction == "worsening");
  const SreTrend& e = find_trend(d, "error_rate_percent");
  CHECK(e.previous == 0);
  CHECK(e.recent == Approx(100 - a.recent));
  CHECK(e.direction == "worsening");
  // The fleet is fixed at 4 instances of $0.50/h: $2/h in both periods.
  const SreTrend& c = find_trend(d, "cost_usd_per_hour");
  CHECK(c.previous == Approx(2.0));
  CHECK(c.recent == Approx(2.0));
  CHECK(c.direction == "stable");
  // Successful requests still take 100 ms (the histogram is within 0.39 %): stable.
  const SreTrend& l = find_trend(d, "latency_p95_ms");
  CHECK(l.previous == Approx(100).epsilon(0.004));
  CHECK(l.recent == Approx(100).epsilon(0.004));
  CHECK(l.direction == "stable");
  const SreRecommendation* r = find_rule(d, "availability_trend");
  REQUIRE(r != nullptr);
  CHECK(r->text.find("100.000 %") != std::string::npos);

  // Without an incidents section the simulation still measures the status, from the last
  // interval: about 90 % available, above 5 % and below 90 % only by noise, so check
  // against assess_status of the last row itself.
  REQUIRE(d.services.size() == 1);
  sre::ServiceSignals last;
  last.availability_percent = s.value(end, col("service.api.availability_percent"));
  last.error_rate_percent = s.value(end, col("service.api.error_rate_percent"));
  last.requests = static_cast<std::uint64_t>(s.value(end, col("service.api.requests_succeeded")) +
                                             s.value(end, col("service.api.requests_failed")) -
                                             s.value(end - 1, col("service.api.requests_succeeded")) -
                                             s.value(end - 1, col("service.api.requests_failed")));
  CHECK(last.requests > 200);  // 20/s over 15 s
  CHECK(d.services[0].status == sre::assess_status(last).status);
  CHECK(d.services[0].status != sre::ServiceStatus::healthy);  // 10 % errors: at least degraded
}

TEST_CASE("added work in the second half is a worsening latency trend with its numbers", "[sre_dashboard]") {
  // 100 ms of work, then 150 ms more from 1h: p95 100 ms, then 250 ms (+150 %).
  const Scenario sc = test::must_load(
      scenario("2h", 10, R"("faults": [{"at": "1h", "type": "latency", "service": "api", "add": "150ms"}])"));
  Simulation sim(sc, sc.seed);
  sim.run();
  const SreDashboard d = sre_dashboard(sim);
  const SreTrend& l = find_trend(d, "latency_p95_ms");
  CHECK(l.previous == Approx(100).epsilon(0.004));
  // The interval holding 1h mixes both; the others are 250 ms: the weighted mean is within 1 %.
  CHECK(l.recent == Approx(250).epsilon(0.01));
  CHECK(l.change_percent == Approx(150).epsilon(0.02));
  CHECK(l.direction == "worsening");
  CHECK(find_trend(d, "availability_percent").direction == "stable");
  const SreRecommendation* r = find_rule(d, "latency_trend");
  REQUIRE(r != nullptr);
  CHECK(r->priority == "P2");
  char from[32], to[32];
  std::snprintf(from, sizeof from, "%.1f ms", l.previous);
  std::snprintf(to, sizeof to, "%.1f ms", l.recent);
  CHECK(r->text.find(from) != std::string::npos);
  CHECK(r->text.find(to) != std::string::npos);
}

TEST_CASE("a fleet doubled under a steady load costs twice as much per request", "[sre_dashboard]") {
  // 4 instances at $0.50/h, then 8 from 1h (started at once: no startup time).
  const Scenario sc = test::must_load(scenario("2h", 10, ""));
  Simulation sim(sc, sc.seed);
  sim.run_until(kMicrosPerHour);
  sim.scale_pool(0, 8, "test");
  sim.run();
  const SreDashboard d = sre_dashboard(sim);
  const SreTrend& c = find_trend(d, "cost_usd_per_hour");
  CHECK(c.previous == Approx(2.0));
  CHECK(c.recent == Approx(4.0));
  CHECK(c.change_percent == Approx(100));
  CHECK(c.direction == "worsening");
  const SreRecommendation* r = find_rule(d, "cost_trend");
  REQUIRE(r != nullptr);
  CHECK(r->priority == "P3");
  CHECK(r->text.find("$2.00/h") != std::string::npos);
  CHECK(r->text.find("$4.00/h") != std::string::npos);
}

TEST_CASE("a service failing half its requests at the end is in a major outage, incidents or not", "[sre_dashboard]") {
  const Scenario sc = test::must_load(scenario(
      "1h", 20, R"("faults": [{"at": "30m", "type": "errors", "service": "api", "error_percent": 50}])"));
  Simulation sim(sc, sc.seed);
  sim.run();
  const SreDashboard d = sre_dashboard(sim);
  REQUIRE(d.services.size() == 1);
  // About 50 % available is a partial outage by availability, but the tenant's one
  // (anonymous) user sees over 10 % of its requests fail: 100 % of users affected, a major
  // outage by the seed's user rule.
  CHECK(d.services[0].status == sre::ServiceStatus::major_outage);
  CHECK(d.services[0].status_reason.find("users") != std::string::npos);
  CHECK_FALSE(d.services[0].has_target);  // no SLO: no target, nothing to meet
  CHECK(find_rule(d, "availability_below_target") == nullptr);
  CHECK_FALSE(d.incidents.enabled);
}

TEST_CASE("a healthy run gives no recommendations", "[sre_dashboard]") {
  const Scenario sc = test::must_load(scenario(
      "2h", 20,
      std::string(R"("slos": [{"id": "avail", "indicator": "availability", "target_percent": 99.9, "window": "30d"}], )") +
          kIncidents));
  Simulation sim(sc, sc.seed);
  sim.run();
  const SreDashboard d = sre_dashboard(sim);
  INFO(sre_dashboard_json(d));
  CHECK(d.recommendations.empty());
  REQUIRE(d.services.size() == 1);
  CHECK(d.services[0].availability_percent == 100);
  CHECK(d.services[0].target_slo == "avail");  // the platform-wide SLO applies to api
  CHECK(d.services[0].met);
  CHECK(d.services[0].status == sre::ServiceStatus::healthy);
  CHECK(d.incidents.total == 0);
  CHECK(std::isnan(d.incidents.mttr_minutes));
  CHECK(std::isnan(d.incidents.postmortem_coverage_percent));  // nothing due
  for (const SreTrend& t : d.trends.metrics) {
    CHECK(t.measured);
    CHECK(t.direction == "stable");
  }
  CHECK(d.slos[0].budget_remaining_percent == 100);
  // NaN figures are left out of the JSON.
  json::Value doc;
  json::ParseError error;
  REQUIRE(json::parse(sre_dashboard_json(d), doc, error));
  const json::Value* inc = doc.find("incidents");
  REQUIRE(inc != nullptr);
  CHECK(inc->find("total")->number == 0);
  CHECK(inc->find("mttr_minutes") == nullptr);
  CHECK(inc->find("postmortem_coverage_percent") == nullptr);
  CHECK(doc.find("recommendations")->items.empty());
}

TEST_CASE("a budget below 25 % recommends a release freeze, and a live burn projects exhaustion", "[sre_dashboard]") {
  // 99 % over 1 day allows 14.4 minutes of total failure; 12 minutes of it at 1h burn
  // 100 x 12 min / 1440 min = 83.3 % of the budget.
  const Scenario sc = test::must_load(scenario(
      "1h30m", 20,
      R"("slos": [{"id": "avail", "service": "api", "indicator": "availability", "target_percent": 99, "window": "1d"}],
         "faults": [{"at": "1h", "duration": "12m", "type": "errors", "service": "api", "error_percent": 100}])"));
  Simulation sim(sc, sc.seed);
  sim.run();
  const SreDashboard d = sre_dashboard(sim);
  REQUIRE(d.slos.size() == 1);
  const SreSloRow& slo = d.slos[0];
  CHECK(slo.budget_remaining_percent == Approx(100 - 100.0 * 12 / 14.4).margin(0.5));
  const SreRecommendation* freeze = find_rule(d, "budget_low");
  REQUIRE(freeze != nullptr);
  CHECK(freeze->priority == "P1");
  char left[32];
  std::snprintf(left, sizeof left, "%.1f %%", slo.budget_remaining_percent);
  CHECK(freeze->text.find(left) != std::string::npos);
  CHECK(freeze->text.find("freeze") != std::string::npos);
  // The last hour (30m, 1h30m] holds the 12 minutes: burn 100 x 12/60 = 20; the 6 h window
  // holds the 90 minutes since the start: 100 x 12/90.
  CHECK(slo.burn_rate_1h == Approx(20).epsilon(0.02));
  CHECK(slo.burn_rate_6h == Approx(100.0 * 12 / 90).epsilon(0.02));
  const SreRecommendation* pace = find_rule(d, "burn_rate_6h");
  REQUIRE(pace != nullptr);
  char hours[32];
  std::snprintf(hours, sizeof hours, "%.1f h", slo.budget_remaining_percent / 100 * 24 / slo.burn_rate_6h);
  CHECK(pace->text.find(hours) != std::string::npos);
  // Availability 78/90 of the run, below 99 %.
  CHECK(find_rule(d, "availability_below_target") != nullptr);
  CHECK(d.recommendations.front().priority == "P1");
}

TEST_CASE("the trend period is 24 h once 48 h are retained, else half the history", "[sre_dashboard]") {
  const std::string load;  // steady load, nothing else
  {
    const Scenario sc = test::must_load(scenario("3d", 0.5, load, R"({"scrape_interval": "1m", "retention": "3d"})"));
    Simulation sim(sc, sc.seed);
    sim.run();
    const SreDashboard d = sre_dashboard(sim);
    CHECK(d.trends.period == 24 * kMicrosPerHour);
    CHECK(d.trends.recent_from == 2 * kMicrosPerDay);
    CHECK(d.trends.previous_from == kMicrosPerDay);
  }
  {
    // One day retained of three: 1440 rows, the oldest only a base: 1439 intervals, 719 a period.
    const Scenario sc = test::must_load(scenario("3d", 0.5, load, R"({"scrape_interval": "1m", "retention": "1d"})"));
    Simulation sim(sc, sc.seed);
    sim.run();
    const SreDashboard d = sre_dashboard(sim);
    CHECK(d.trends.period == 719 * kMicrosPerMinute);
    CHECK(d.trends.to == 3 * kMicrosPerDay);
    CHECK(d.trends.recent_from == 3 * kMicrosPerDay - 719 * kMicrosPerMinute);
  }
}

TEST_CASE("incidents older than 30 days of simulated time leave the window", "[sre_dashboard]") {
  // Two total outages of 30 minutes, at 12h and at 30d12h; the run ends at 31d, so the
  // window is [1d, 31d] and holds only the second.
  const Scenario sc = test::must_load(scenario(
      "31d", 0.5,
      std::string(R"("slos": [{"id": "avail", "service": "api", "indicator": "availability", "target_percent": 99.9, "window": "30d"}],
         "faults": [{"at": "12h", "duration": "30m", "type": "errors", "service": "api", "error_percent": 100},
                    {"at": "30d12h", "duration": "30m", "type": "errors", "service": "api", "error_percent": 100}], )") +
          kIncidents,
      R"({"scrape_interval": "1m", "retention": "1d"})"));
  Simulation sim(sc, sc.seed);
  sim.run();
  const sre::IncidentManager* im = sim.incidents();
  REQUIRE(im != nullptr);
  REQUIRE(im->incidents_total() == 2);
  const SreDashboard d = sre_dashboard(sim);
  CHECK_FALSE(d.incidents.whole_run);
  CHECK(d.incidents.from == kMicrosPerDay);
  CHECK(d.incidents.total == 1);
  const sre::Incident& second = im->incidents()[1];
  CHECK(second.opened_at > 30 * kMicrosPerDay);
  REQUIRE_FALSE(second.open());
  CHECK(d.incidents.mttr_minutes == Approx(static_cast<double>(second.time_to_resolve()) / kMicrosPerMinute));
  REQUIRE(d.incidents.by_service.size() == 1);
  CHECK(d.incidents.by_service[0].first == "api");
  CHECK(d.incidents.by_service[0].second == 1);
}

TEST_CASE("three incidents on one service call for a common fix", "[sre_dashboard]") {
  // Three 10-minute total outages, 90 minutes apart: each pages, resolves, and the next
  // opens a new incident.
  const Scenario sc = test::must_load(scenario(
      "5h", 5,
      std::string(R"("slos": [{"id": "avail", "service": "api", "indicator": "availability", "target_percent": 99.9, "window": "30d"}],
         "faults": [{"at": "30m", "duration": "10m", "type": "errors", "service": "api", "error_percent": 100},
                    {"at": "2h", "duration": "10m", "type": "errors", "service": "api", "error_percent": 100},
                    {"at": "3h30m", "duration": "10m", "type": "errors", "service": "api", "error_percent": 100}], )") +
          kIncidents));
  Simulation sim(sc, sc.seed);
  sim.run();
  REQUIRE(sim.incidents() != nullptr);
  REQUIRE(sim.incidents()->incidents_total() == 3);
  const SreDashboard d = sre_dashboard(sim);
  REQUIRE(d.incidents.by_service.size() == 1);
  CHECK(d.incidents.by_service[0].second == 3);
  const SreRecommendation* r = find_rule(d, "repeated_incidents");
  REQUIRE(r != nullptr);
  CHECK(r->text.find("3 incidents on api") == 0);
  // Each is sev1 (availability 0 %) and gets its postmortem: 3 of 3.
  CHECK(d.incidents.by_severity[0] == 3);
  CHECK(d.incidents.postmortems_due == 3);
  CHECK(d.incidents.postmortem_coverage_percent == 100);
}

TEST_CASE("summary.json carries the dashboard under \"sre\"", "[sre_dashboard]") {
  const Scenario sc = test::must_load(scenario(
      "1h", 5, R"("slos": [{"id": "avail", "service": "api", "indicator": "availability", "target_percent": 99.9, "window": "30d"}])"));
  Simulation sim(sc, sc.seed);
  sim.run();
  json::Value doc;
  json::ParseError error;
  const std::string text = summary_json(sim);
  REQUIRE(json::parse(text, doc, error));
  const json::Value* sre = doc.find("sre");
  REQUIRE(sre != nullptr);
  CHECK(text.find(sre_dashboard_json(sre_dashboard(sim))) != std::string::npos);
  CHECK(sre->find("incidents")->type == json::Type::null);  // no incidents section
  const json::Value* services = sre->find("services");
  REQUIRE(services->items.size() == 1);
  CHECK(services->items[0].find("target_percent")->number == 99.9);
  CHECK(services->items[0].find("met")->boolean);
  const json::Value* trends = sre->find("trends");
  CHECK(trends->find("period_s")->number == 1800);
  CHECK(trends->find("metrics")->items.size() == 4);
}
