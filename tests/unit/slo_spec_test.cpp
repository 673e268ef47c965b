// SLOs read from Sloth and OpenSLO specs: the alerts Sloth generates (its documented
// example's windows, factors, labels and annotations), OpenSLO's fields, the budget of a
// spec's SLO against the native SLO that counts the same events, and the errors a bad spec
// gets (its file, line:column, what was expected and found).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "scenario/loader.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// A small platform whose SLOs are `slos` (JSON), with the files `files` beside it.
LoadResult load_with(const std::string& slos, const std::map<std::string, std::string>& files) {
  const std::string text = R"({"schema": "opsim/1", "name": "specs", "duration": "1h",
    "services": [{"id": "myservice", "instance": {"concurrency": 4}, "instances": {"initial": 2, "min": 2, "max": 2}}],
    "agents": [{"id": "a", "service": "myservice", "work": {"dist": "constant", "value": "100ms"}}],
    "tenants": [{"id": "t", "load": [{"agent": "a", "rate": 2}]}],
    "slos": )" + slos + "}";
  LoadResult r = load_scenario(text, test::named_files(files));
  std::string errors;
  for (const auto& d : r.errors) errors += format_diagnostic(d, "scenario.json", "error") + "\n";
  INFO(errors);
  return r;
}

// Sloth's getting-started example (examples/getting-started.yml in its repository): its
// inputs, as facts for the test.
const char* kSlothGettingStarted = R"~(version: "prometheus/v1"
service: "myservice"
labels:
  owner: "myteam"
  repo: "myorg/myservice"
  tier: "2"
slos:
  - name: "requests-availability"
    objective: 99.9
    description: "Common SLO based on availability for HTTP request responses."
    sli:
      events:
        error_query: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      labels:
        category: "availability"
      annotations:
        summary: "High error rate on 'myservice' requests responses"
      page_alert:
        labels:
          severity: pageteam
          routing_key: myteam
      ticket_alert:
        labels:
          severity: "slack"
          slack_channel: "#alerts-myteam"
)~";

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string value_of(const Pairs& pairs, const std::string& name) {
  for (const auto& [n, v] : pairs)
    if (n == name) return v;
  return "(none)";
}

}  // namespace

TEST_CASE("a Sloth spec generates the alerts Sloth's documented example generates") {
  const LoadResult r = load_with(R"([{"file": "slos.yml"}])", {{"slos.yml", kSlothGettingStarted}});
  REQUIRE(r.ok);
  CHECK(r.warnings.empty());  // "myservice" is the scenario's service
  REQUIRE(r.scenario.slos.size() == 1);
  const SloSpec& s = r.scenario.slos[0];
  CHECK(s.id == "myservice-requests-availability");  // Sloth's sloth_id
  CHECK(s.service == "myservice");
  CHECK(s.service_index == 0);
  CHECK(s.indicator == SloSpec::Indicator::query);
  CHECK(s.target_percent == 99.9);
  CHECK(s.window == 30 * kMicrosPerDay);  // slo:time_period:days = 30
  CHECK(s.bad_query == R"~(sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}])))~");
  CHECK(s.good_query.empty());
  CHECK(s.file == "slos.yml");
  CHECK(s.file_format == "sloth");
  REQUIRE(s.own_burn_rate);

  // Sloth's generated output (examples/_gen/getting-started.yml): one page alert, the `or`
  // of 5m and 1h above 14.4 x budget and of 30m and 6h above 6 x budget; one ticket alert,
  // the `or` of 2h and 1d above 3 x and of 6h and 3d above 1 x.
  struct Expected {
    SimDuration long_window, short_window;
    double factor;
    const char* severity;
  };
  const Expected expected[] = {{kMicrosPerHour, 5 * kMicrosPerMinute, 14.4, "page"},
                               {6 * kMicrosPerHour, 30 * kMicrosPerMinute, 6, "page"},
                               {kMicrosPerDay, 2 * kMicrosPerHour, 3, "ticket"},
                               {3 * kMicrosPerDay, 6 * kMicrosPerHour, 1, "ticket"}};
  REQUIRE(s.burn_rate.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    const BurnRateAlertSpec& b = s.burn_rate[i];
    INFO("rule " << i);
    CHECK(b.long_window == expected[i].long_window);
    CHECK(b.short_window == expected[i].short_window);
    CHECK(b.factor == expected[i].factor);
    CHECK(b.severity == expected[i].severity);
    CHECK(b.alert == "MyServiceHighErrorRate");
    // The rule's labels, and the series labels `max ... without (sloth_window)` keeps.
    CHECK(value_of(b.labels, "category") == "availability");
    CHECK(value_of(b.labels, "sloth_severity") == expected[i].severity);
    CHECK(value_of(b.labels, "sloth_id") == "myservice-requests-availability");
    CHECK(value_of(b.labels, "sloth_service") == "myservice");
    CHECK(value_of(b.labels, "sloth_slo") == "requests-availability");
    CHECK(value_of(b.labels, "owner") == "myteam");
    CHECK(value_of(b.labels, "tier") == "2");
    CHECK(value_of(b.annotations, "summary") == "High error rate on 'myservice' requests responses");
    CHECK(value_of(b.annotations, "title") == std::string("(") + expected[i].severity +
                                                  ") myservice requests-availability SLO error budget burn rate is too fast.");
    CHECK(std::is_sorted(b.labels.begin(), b.labels.end()));
  }
  CHECK(value_of(s.burn_rate[0].labels, "severity") == "pageteam");
  CHECK(value_of(s.burn_rate[0].labels, "routing_key") == "myteam");
  CHECK(value_of(s.burn_rate[2].labels, "severity") == "slack");
  CHECK(value_of(s.burn_rate[2].labels, "slack_channel") == "#alerts-myteam");
  CHECK(value_of(s.burn_rate[2].labels, "routing_key") == "(none)");

  // Disabling an alert drops its two rules; with both disabled no name is needed.
  std::string no_page = kSlothGettingStarted;
  no_page.replace(no_page.find("      page_alert:\n"), 18, "      page_alert:\n        disable: true\n");
  const LoadResult tickets = load_with(R"([{"file": "slos.yml"}])", {{"slos.yml", no_page}});
  REQUIRE(tickets.ok);
  REQUIRE(tickets.scenario.slos[0].burn_rate.size() == 2);
  CHECK(tickets.scenario.slos[0].burn_rate[0].severity == "ticket");
}

TEST_CASE("an OpenSLO SLO maps its indicator, window and objective") {
  const std::string spec = test::read_text("examples/slo/openslo.yaml");
  const LoadResult r = load_with(R"([{"file": "openslo.yaml"}])", {{"openslo.yaml", spec}});
  REQUIRE(r.ok);
  // "chat" is no service of this scenario: the SLO is the platform's, with a warning.
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].file == "openslo.yaml");
  CHECK(r.warnings[0].path == "spec.service");
  const SloSpec& s = r.scenario.slos.at(0);
  CHECK(s.id == "chat-availability");
  CHECK(s.service.empty());
  CHECK(s.window == 28 * kMicrosPerDay);  // 4w
  CHECK(s.target_percent == Approx(99.9).epsilon(1e-12));
  CHECK(s.good_query == R"(sum(opsim_requests_total{service="chat",outcome="succeeded"}))");
  CHECK(s.bad_query.empty());
  CHECK(!s.own_burn_rate);  // the scenario's alerting.burn_rate
  CHECK(s.file_format == "openslo");

  // bad instead of good, targetPercent instead of target.
  std::string bad = spec;
  bad.replace(bad.find("        good:"), 13, "        bad:");
  bad.replace(bad.find("outcome=\"succeeded\""), 19, "outcome=\"failed\"");
  bad.replace(bad.find("target: 0.999"), 13, "targetPercent: 99.5");
  const LoadResult b = load_with(R"([{"file": "openslo.yaml"}])", {{"openslo.yaml", bad}});
  REQUIRE(b.ok);
  CHECK(b.scenario.slos[0].bad_query == R"(sum(opsim_requests_total{service="chat",outcome="failed"}))");
  CHECK(b.scenario.slos[0].target_percent == 99.5);
}

TEST_CASE("a spec's SLO and the native SLO that counts the same events have the same budget") {
  const LoadResult loaded = load_scenario(test::read_text("examples/slo/scenario.json"), test::files_in("examples/slo/"));
  REQUIRE(loaded.ok);
  const Scenario& s = loaded.scenario;
  // examples/slo: sloth.yaml's two SLOs, openslo.yaml's, and a native availability SLO.
  REQUIRE(s.slos.size() == 4);
  Scenario with_twin = s;
  // The Sloth SLO written natively: the same queries and Sloth's rules (labels aside).
  SloSpec twin = s.slos[0];
  twin.id = "sloth-twin";
  twin.file.clear();
  twin.file_format.clear();
  with_twin.slos.push_back(twin);
  test::RecordedRun run(with_twin, with_twin.seed);
  run.sim.run_until(7 * kMicrosPerHour);  // the outage is 06:00 to 06:20
  const SimTime now = run.sim.now();
  const auto& t = run.sim.slos();
  auto same = [&](std::size_t a, std::size_t b) {
    INFO(t[a].id() << " against " << t[b].id());
    CHECK(t[a].total_events(now, t[a].spec().window) == t[b].total_events(now, t[b].spec().window));
    CHECK(t[a].bad_events(now, t[a].spec().window) == t[b].bad_events(now, t[b].spec().window));
    CHECK(t[a].budget_remaining_percent(now) == t[b].budget_remaining_percent(now));
    CHECK(t[a].burn_rate(now, kMicrosPerHour) == t[b].burn_rate(now, kMicrosPerHour));
  };
  // OpenSLO's counters count exactly what the native availability SLO counts.
  REQUIRE(t[2].id() == "chat-availability");
  REQUIRE(t[3].id() == "native-availability");
  same(2, 3);
  CHECK(t[3].bad_events(now, t[3].spec().window) > 6000);  // the outage is in it
  CHECK(t[3].budget_remaining_percent(now) < 60);
  same(0, 4);
  // Sloth's rate() over one scrape interval cannot see a series' first interval (no sample
  // before it), as in Prometheus: the failed series appears with the outage, so the rate-
  // based SLO counts one interval's failures fewer (6 req/s x 15 s) and the succeeded
  // series' first interval fewer in total.
  const std::int64_t missed_bad = static_cast<std::int64_t>(t[3].bad_events(now, t[3].spec().window)) -
                                  static_cast<std::int64_t>(t[0].bad_events(now, t[0].spec().window));
  CHECK(missed_bad > 50);
  CHECK(missed_bad < 150);

  // Sloth's page alert is one alert: both window pairs hold in the outage, it fires once.
  int page_fired = 0, page_resolved = 0;
  for (const LogEvent& e : run.events.events)
    if (e.text("rule") == "ChatHighErrorRate" && e.text("severity") == "page" && e.text("slo") == "chat-requests-availability") {
      page_fired += e.kind == EventKind::alert_firing;
      page_resolved += e.kind == EventKind::alert_resolved;
      if (e.kind == EventKind::alert_firing) {
        CHECK(e.text("long") == "1h");  // the fast pair trips first
        CHECK(e.number("factor") == 14.4);
      }
    }
  CHECK(page_fired == 1);
  CHECK(page_resolved == 1);
  // While 1h/5m held, 6h/30m came to hold too: rule by rule, both fired.
  CHECK(run.events.count(EventKind::alert_firing) > 0);
}

TEST_CASE("a bad SLO spec is refused with its file, line:column, what was expected and what was found") {
  struct Case {
    const char* name;
    std::string file;  // text of slo.yml
    const char* where;  // "LINE:COLUMN" in slo.yml
    const char* says;
  };
  const std::string sloth_head = "version: prometheus/v1\nservice: myservice\nslos:\n  - name: a\n    objective: 99.9\n";
  const std::string events =
      "    sli:\n      events:\n        error_query: sum(rate(x{code=\"5xx\"}[{{.window}}]))\n"
      "        total_query: sum(rate(x[{{.window}}]))\n";
  const std::string alerting = "    alerting:\n      name: A\n";
  const std::string openslo_head =
      "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: s\nspec:\n  service: myservice\n"
      "  indicator:\n    spec:\n      ratioMetric:\n        counter: true\n"
      "        good:\n          metricSource:\n            type: Prometheus\n            spec:\n              query: sum(good)\n"
      "        total:\n          metricSource:\n            type: Prometheus\n            spec:\n              query: sum(total)\n"
      "  timeWindow:\n    - duration: 28d\n      isRolling: true\n";
  const Case cases[] = {
      {"a raw SLI", sloth_head + "    sli:\n      raw:\n        error_ratio_query: x\n" + alerting, "8:9",
       "opsim cannot honour raw"},
      {"a PromQL error", sloth_head + "    sli:\n      events:\n        error_query: sum(rate(x[{{.window}}])\n"
                                      "        total_query: sum(rate(x[{{.window}}]))\n" + alerting,
       "8:22", "found an error at column"},
      {"a template other than .window", sloth_head + "    sli:\n      events:\n        error_query: sum(rate(x[{{.range}}]))\n"
                                                     "        total_query: sum(rate(x[{{.window}}]))\n" + alerting,
       "8:22", "no template but {{.window}}"},
      {"a range vector", sloth_head + "    sli:\n      events:\n        error_query: x[{{.window}}]\n"
                                      "        total_query: sum(rate(x[{{.window}}]))\n" + alerting,
       "8:22", "found range vector"},
      {"alerts without a name", sloth_head + events, "4:5", "expected the alerts' name"},
      {"an objective out of range", "version: prometheus/v1\nservice: myservice\nslos:\n  - name: a\n    objective: 101\n" +
                                        events + alerting,
       "5:16", "expected a number from 50 to 99.9999, found 101"},
      {"another Sloth version", "version: prometheus/v2\nservice: s\nslos: []\n", "1:10", "expected \"prometheus/v1\""},
      {"neither format", "slos: []\n", "1:1", "expected a Sloth spec (version: prometheus/v1) or an OpenSLO SLO"},
      {"Timeslices", openslo_head + "  budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n", "24:20",
       "time slices are not simulated"},
      {"a calendar window", std::string(openslo_head).replace(openslo_head.find("      isRolling: true\n"), 22,
                                                              "      calendar:\n        startTime: 2022-01-01 00:00:00\n") +
                                "  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n",
       "24:9", "opsim cannot honour calendar"},
      {"counter: true with a rate", std::string(openslo_head).replace(openslo_head.find("sum(good)"), 9, "sum(rate(good[{{.window}}]))") +
                                        "  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n",
       "15:22", "expected a counter's value (counter: true), found a rate"},
      {"two objectives", openslo_head + "  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n    - target: 0.9\n",
       "26:5", "expected an array of one objective"},
      {"a target of 1", openslo_head + "  budgetingMethod: Occurrences\n  objectives:\n    - target: 1\n", "26:15",
       "expected a number from 0.5 to 0.999999, found 1"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const LoadResult r = load_with(R"([{"file": "slo.yml"}])", {{"slo.yml", c.file}});
    REQUIRE_FALSE(r.ok);
    REQUIRE(!r.errors.empty());
    const Diagnostic& d = r.errors.front();
    const std::string shown = format_diagnostic(d, "scenario.json", "error");
    INFO(shown);
    CHECK(d.file == "slo.yml");
    CHECK(std::to_string(d.line) + ":" + std::to_string(d.column) == c.where);
    CHECK(shown.find(c.says) != std::string::npos);
    CHECK(shown.find("(in the file that $.slos[0].file names)") != std::string::npos);
  }

  // The file itself: missing, and an id the scenario already has.
  const LoadResult missing = load_with(R"([{"file": "nowhere.yml"}])", {});
  REQUIRE_FALSE(missing.ok);
  CHECK(missing.errors.front().path == "$.slos[0].file");
  const LoadResult twice = load_with(R"([{"id": "myservice-a", "indicator": "availability", "target_percent": 99},
                                         {"file": "slo.yml"}])",
                                     {{"slo.yml", sloth_head + events + alerting}});
  REQUIRE_FALSE(twice.ok);
  CHECK(twice.errors.front().path == "$.slos[1].file");
  CHECK(twice.errors.front().message.find("duplicate SLO id \"myservice-a\" (an SLO of slo.yml)") != std::string::npos);
}

TEST_CASE("a native query SLO: good or bad with total, and queries only where the indicator is query") {
  const LoadResult ok = load_with(
      R"~([{"id": "q", "indicator": "query", "bad": "sum(opsim_requests_total{outcome=\"failed\"})",
           "total": "sum(opsim_requests_total)", "target_percent": 99,
           "burn_rate": [{"long": "1h", "short": "5m", "factor": 14.4, "alert": "Fast"}]}])~",
      {});
  REQUIRE(ok.ok);
  CHECK(ok.scenario.slos[0].own_burn_rate);
  CHECK(ok.scenario.slos[0].burn_rate.at(0).alert == "Fast");
  const LoadResult both = load_with(
      R"~([{"id": "q", "indicator": "query", "good": "sum(a)", "bad": "sum(b)", "total": "sum(c)", "target_percent": 99}])~", {});
  REQUIRE_FALSE(both.ok);
  CHECK(both.errors.front().path == "$.slos[0].bad");
  const LoadResult stray = load_with(R"~([{"id": "q", "indicator": "availability", "total": "sum(c)", "target_percent": 99}])~", {});
  REQUIRE_FALSE(stray.ok);
  CHECK(stray.errors.front().path == "$.slos[0].total");
}
