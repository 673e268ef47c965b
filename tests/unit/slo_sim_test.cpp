// SLOs in the simulation: the burn-rate page catches a hard outage within the workbook's
// 0.0144 h, the budget after it matches the arithmetic, and the figures reach the metrics
// and summary.json.
#include <string>

#include <catch2/catch.hpp>

#include "json/json.h"
#include "report/report.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// 20 requests/s of 100 ms constant work on ample capacity, never failing on their own; an
// errors fault of 100 % from 2h for 30 minutes is a total outage.
std::string scenario(const std::string& extra) {
  return R"({"schema": "opsim/1", "name": "slo", "duration": "4h", "seed": 8,
    "services": [{"id": "api", "instance": {"concurrency": 50}, "instances": {"initial": 4, "min": 1, "max": 4},
                  "queue": {"capacity": 1000, "timeout": "1h"}}],
    "agents": [{"id": "a", "service": "api", "work": {"dist": "constant", "value": "100ms"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 100000, "max_memory_mb": 100000000, "max_cpu_cores": 100000,
                 "max_requests_per_minute": 1000000}, "load": [{"agent": "a", "rate": 20}]}],
    "monitoring": {"scrape_interval": "15s", "retention": "1d"},
    "slos": [{"id": "avail", "service": "api", "indicator": "availability", "target_percent": 99.9, "window": "30d"},
             {"id": "fast", "indicator": "latency", "threshold": "150ms", "target_percent": 99, "window": "30d"}],
    "faults": [{"at": "2h", "duration": "30m", "type": "errors", "service": "api", "error_percent": 100}])" +
         extra + "}";
}

}  // namespace

TEST_CASE("a hard outage fires the 14.4x 1h/5m page within 0.0144 h and burns the budget by the arithmetic",
          "[slo]") {
  const Scenario sc = test::must_load(scenario(""));
  Simulation sim(sc, sc.seed);
  sim.run();
  // The fault starts at 2h: 14.4 x 0.001 x 3600 s = 51.84 s of total failure in the hour
  // is needed, so the first scrape at or after 2h + 51.84 s: 2h + 60 s.
  const LogEvent* page = nullptr;
  for (const LogEvent& e : sim.recent_events())
    if (!page && e.kind == EventKind::alert_firing && e.text("slo") == "avail" && e.number("factor") == 14.4)
      page = &e;
  REQUIRE(page != nullptr);
  CHECK(page->t == 2 * kMicrosPerHour + 60 * kMicrosPerSecond);
  // Budget: a burn of 1000 for 0.5 h over a 720 h window consumes 1000 x 0.5 / 720.
  const auto values = sim.summary_values();
  auto get = [&](const std::string& name) {
    const int col = sim.metrics().find(name);
    REQUIRE(col >= 0);
    return values[static_cast<std::size_t>(col)];
  };
  CHECK(get("slo.avail.budget_remaining_percent") == Approx(100.0 * (1 - 1000 * 0.5 / 720)).epsilon(1e-6));
  CHECK(get("slo.avail.compliant") == 0);  // 30 minutes of 4 hours failed: far below 99.9 %
  CHECK(get("slo.avail.sli_percent") == Approx(100.0 * 3.5 / 4).epsilon(1e-3));
  // The last hour was clean again.
  CHECK(get("slo.avail.burn_rate") == 0);
  // Latency: every success takes 100 ms, within 150 ms; failures are not latency events.
  CHECK(get("slo.fast.budget_remaining_percent") == 100);
  CHECK(get("slo.fast.compliant") == 1);
  CHECK(get("alerts_fired") >= 3);  // 14.4x, 6x and the 1x ticket
  // summary.json lists the SLOs with the same figures.
  json::Value doc;
  json::ParseError error;
  REQUIRE(json::parse(summary_json(sim), doc, error));
  const json::Value* slos = doc.find("slos");
  REQUIRE(slos != nullptr);
  REQUIRE(slos->items.size() == 2);
  CHECK(slos->items[0].find("id")->text == "avail");
  CHECK(slos->items[0].find("budget_remaining_percent")->number ==
        Approx(get("slo.avail.budget_remaining_percent")).epsilon(1e-9));
  CHECK(slos->items[1].find("service")->type == json::Type::null);
}

TEST_CASE("a slow burn at 0.2 % never pages but burns the budget at rate 2", "[slo]") {
  // After an hour of clean traffic (in the first seconds of a run a window holds only a
  // few hundred requests, and two failures among them would read as a burn of 6).
  std::string text = scenario("");
  text.replace(text.find(R"("faults")"), std::string::npos,
               R"("faults": [{"at": "1h", "type": "errors", "service": "api", "error_percent": 0.2}]})");
  const Scenario sc = test::must_load(text);
  Simulation sim(sc, sc.seed);
  sim.run();
  int pages = 0, tickets = 0;
  for (const LogEvent& e : sim.recent_events()) {
    if (e.kind != EventKind::alert_firing) continue;
    pages += e.text("severity") == "page";
    tickets += e.text("severity") == "ticket";
  }
  CHECK(pages == 0);
  CHECK(tickets >= 1);
  const auto values = sim.summary_values();
  const double burn = values[static_cast<std::size_t>(sim.metrics().find("slo.avail.burn_rate"))];
  // The burn rate is the last hour's error ratio over the allowed 0.1 %...
  const sre::SloTracker& t = sim.slos()[0];
  const double ratio = static_cast<double>(t.bad_events(sim.now(), kMicrosPerHour)) /
                       static_cast<double>(t.total_events(sim.now(), kMicrosPerHour));
  CHECK(burn == Approx(ratio / 0.001).epsilon(1e-9));
  // ...and that is 2 give or take Poisson noise: 72,000 requests an hour, 144 failures
  // expected, a standard deviation of 0.17 in the burn rate (4 of them allowed here).
  CHECK(burn == Approx(2).margin(0.67));
  // Three hours at about rate 2 over 720 h: about 0.83 % of the budget.
  const double remaining = values[static_cast<std::size_t>(sim.metrics().find("slo.avail.budget_remaining_percent"))];
  CHECK(remaining == Approx(100 - 100.0 * 2 * 3 / 720).margin(0.15));
}

TEST_CASE("the outage opens one sev1 incident, resolved after its signal and alerts are quiet for resolve_after",
          "[slo][incidents]") {
  const Scenario sc = test::must_load(
      scenario(R"(, "incidents": {"open_on": ["page"], "resolve_after": "10m", "postmortem_for": ["sev1", "sev2"]})"));
  Simulation sim(sc, sc.seed);
  sim.run();
  REQUIRE(sim.incidents() != nullptr);
  const auto& incidents = sim.incidents()->incidents();
  // The SLO pages and the default error-rate rule fires too; with one service they are one
  // incident.
  REQUIRE(incidents.size() == 1);
  const sre::Incident& inc = incidents[0];
  CHECK(inc.severity == sre::Severity::sev1);  // availability 0 %: the service is unavailable
  // The first page: the 6x 6h/30m rule at 2h + 45 s (its 6 h window holds only the 2 h
  // since the start, so 45 s of failures already burn at 6.2x).
  CHECK(inc.opened_at == 2 * kMicrosPerHour + 45 * kMicrosPerSecond);
  CHECK(inc.mttd == 45 * kMicrosPerSecond);  // from the errors fault's start
  // The fault ends at 2h30m; the 6x rule's 30 m short window is clean at 3h, when it
  // resolves; 10 minutes of quiet later the incident resolves.
  CHECK(inc.recovered_at == 3 * kMicrosPerHour);
  CHECK(inc.resolved_at == 3 * kMicrosPerHour + 10 * kMicrosPerMinute);
  const auto values = sim.summary_values();
  auto get = [&](const std::string& name) { return values[static_cast<std::size_t>(sim.metrics().find(name))]; };
  CHECK(get("incidents_total") == 1);
  CHECK(get("incidents_sev1") == 1);
  CHECK(get("mttr_minutes") == Approx(69.25));  // 3h10m - 2h0m45s
  CHECK(get("mttd_minutes") == Approx(0.75));
  REQUIRE(sim.incidents()->postmortems().size() == 1);
  const sre::Postmortem& pm = sim.incidents()->postmortems()[0];
  CHECK(pm.primary_cause.find("errors on api") == 0);
  CHECK(pm.failed_requests > 30000);  // 20 requests/s for 30 minutes
  int opened = 0, resolved = 0;
  for (const LogEvent& e : sim.recent_events()) {
    opened += e.kind == EventKind::incident_opened;
    resolved += e.kind == EventKind::incident_resolved && e.text("id") == "INC-0001";
  }
  CHECK(opened == 1);
  CHECK(resolved == 1);
}
