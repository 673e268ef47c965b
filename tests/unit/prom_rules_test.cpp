// Rule files in the running simulation (monitoring/prom_rules.h): the alert state machine and
// recording rules as Prometheus 2.42's rules/alerting.go and manager.go run them. The oracle
// test (tests/prometheus) checks the same against promtool over whole runs; these pin the
// transitions one evaluation at a time.
#include <cmath>
#include <string>
#include <vector>

#include "builtin.h"
#include "monitoring/prom_rules.h"
#include "test_support.h"

using namespace opsim;
using promql::Storage;

namespace {

constexpr std::int64_t kStartMs = 1767571200000;  // the default calendar's start

// The groups of one rule file, which must be valid.
std::shared_ptr<const PromRuleSet> must_attach(Scenario& s, const std::string& text) {
  std::vector<RuleFileError> errors;
  std::string all;
  const bool ok = attach_rule_files(s, {{"rules.yml", text}}, errors);
  for (const RuleFileError& e : errors) all += format_diagnostic(e.diagnostic, e.file, "error") + "\n";
  INFO(all);
  REQUIRE(ok);
  return s.monitoring.prometheus_rules;
}

// A rule file of one group "g" (`group`: its lines after the name), attached to M/M/c.
std::shared_ptr<const PromRuleSet> one_group(const std::string& group) {
  Scenario s = test::must_load(find_builtin_scenario("mmc")->text);
  return must_attach(s, "groups:\n  - name: g\n" + group);
}

// Appends x{svc} = v at minute m.
void put(Storage& st, const std::string& svc, int minute, double v) {
  st.append(st.series({{"__name__", "x"}, {"svc", svc}}), kStartMs + minute * 60000, v);
}

std::vector<PromTransition> evaluate_at(PromRules& rules, int minute) {
  std::vector<PromTransition> out;
  rules.evaluate(minute * kMicrosPerMinute, out);
  return out;
}

bool has_series(const Storage& st, const std::string& name, const std::string& label, const std::string& value,
                std::int64_t t_ms) {
  for (Storage::SeriesRef r = 0; r < st.size(); ++r) {
    if (promql::label_value(st.labels(r), "__name__") != name) continue;
    if (promql::label_value(st.labels(r), label) != value) continue;
    promql::Point p;
    if (st.latest(r, t_ms, t_ms, p)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("an alert pends for `for`, fires, outlives its condition by keep_firing_for, then resolves",
          "[prometheus][rules]") {
  const auto set = one_group(
                             "    interval: 1m\n"
                             "    rules:\n"
                             "      - alert: XHigh\n"
                             "        expr: x > 5\n"
                             "        for: 2m\n"
                             "        keep_firing_for: 3m\n"
                             "        labels: {severity: page, where: '{{ $labels.svc }}-side'}\n"
                             "        annotations: {summary: '{{ $labels.svc }} at {{ $value }}'}\n");
  Storage st;
  PromRules rules(set->groups, kStartMs, st);
  // x is 0, then above 5 from minute 2 to 5, then 0, then above again at minute 11.
  const double x[] = {0, 0, 10, 10, 10, 10, 0, 0, 0, 0, 0, 10, 10};
  std::vector<std::string> log;  // "minute state"
  for (int m = 1; m <= 12; ++m) {
    put(st, "a", m, x[m]);
    for (const PromTransition& t : evaluate_at(rules, m))
      log.push_back(std::to_string(m) + " " + alert_state_name(t.transition.state));
  }
  // Pending at 2; firing once active for 2m (at 4); kept firing while the condition is away
  // for less than 3m (6, 7, 8); resolved at 9; a return at 11 is a new alert that pends again.
  CHECK(log == std::vector<std::string>{"2 pending", "4 firing", "9 resolved", "11 pending"});
  const std::vector<const PromAlert*> alerts = rules.alerts(0);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0]->state == AlertState::pending);
  CHECK(alerts[0]->active_since == 11 * kMicrosPerMinute);
  CHECK(promql::labels_text(alerts[0]->labels) == "{alertname=\"XHigh\", severity=\"page\", svc=\"a\", where=\"a-side\"}");
  const auto annotations = rules.annotations(0, *alerts[0]);
  REQUIRE(annotations.size() == 1);
  CHECK(annotations[0].second == "a at 10");
  // Prometheus's own series of its alerts.
  CHECK(has_series(st, "ALERTS", "alertstate", "pending", kStartMs + 11 * 60000));
}

TEST_CASE("the firing transition carries the alert's labels, severity and annotations to the notifier",
          "[prometheus][rules]") {
  const auto set = one_group(
                             "    rules:\n"
                             "      - alert: XHigh\n"
                             "        expr: x > 5\n"
                             "        labels: {severity: ticket, service: api}\n"
                             "        annotations: {summary: 'value {{ $value | humanize }}'}\n");
  Storage st;
  PromRules rules(set->groups, kStartMs, st);
  put(st, "a", 1, 12345);
  const std::vector<PromTransition> t = evaluate_at(rules, 1);
  REQUIRE(t.size() == 1);  // for 0: firing at once, no pending
  CHECK(t[0].transition.state == AlertState::firing);
  CHECK(t[0].transition.rule == "XHigh");
  CHECK(t[0].transition.severity == "ticket");
  CHECK(t[0].transition.service == "api");
  CHECK(t[0].transition.rule_index >= kFirstPromAlertIndex);
  LogEvent e;
  e.fields = PromTransition(t[0]).fields.take();
  CHECK(e.text("labels") == "{alertname=\"XHigh\", service=\"api\", severity=\"ticket\", svc=\"a\"}");
  CHECK(e.number("value") == 12345);
}

TEST_CASE("recording rules record under their name and labels, and mark stale what they stop returning",
          "[prometheus][rules]") {
  const auto set = one_group(
                             "    rules:\n"
                             "      - record: svc:x:doubled\n"
                             "        expr: 2 * x\n"
                             "        labels: {team: ops}\n"
                             "      - record: svc:x:quadrupled\n"
                             "        expr: 2 * svc:x:doubled\n");
  Storage st;
  PromRules rules(set->groups, kStartMs, st);
  put(st, "a", 1, 3);
  put(st, "b", 1, 4);
  evaluate_at(rules, 1);
  // The second rule sees what the first recorded at the same instant.
  CHECK(has_series(st, "svc:x:doubled", "team", "ops", kStartMs + 60000));
  CHECK(has_series(st, "svc:x:quadrupled", "svc", "b", kStartMs + 60000));
  // b's series ends (Prometheus's scrape would mark it stale): its recordings go stale too.
  put(st, "a", 2, 3);
  st.mark_stale(st.series({{"__name__", "x"}, {"svc", "b"}}), kStartMs + 120000);
  evaluate_at(rules, 2);
  CHECK(has_series(st, "svc:x:doubled", "svc", "a", kStartMs + 120000));
  promql::Point p;
  const Storage::SeriesRef b = st.series({{"__name__", "svc:x:doubled"}, {"svc", "b"}, {"team", "ops"}});
  CHECK(st.is_stale(b));
  CHECK_FALSE(st.latest(b, kStartMs, kStartMs + 120000, p));
}

TEST_CASE("a rule whose result has equal label sets records nothing and says why", "[prometheus][rules]") {
  const auto set = one_group(
                             "    limit: 1\n"
                             "    rules:\n"
                             "      - record: same\n"
                             "        expr: x\n"
                             "        labels: {svc: one}\n"
                             "      - record: over_limit\n"
                             "        expr: x\n");
  Storage st;
  PromRules rules(set->groups, kStartMs, st);
  put(st, "a", 1, 1);
  put(st, "b", 1, 2);
  evaluate_at(rules, 1);
  CHECK(rules.rule_view(0).last_error == "vector contains metrics with the same labelset after applying rule labels");
  CHECK(rules.rule_view(1).last_error == "exceeded limit of 1 with 2 series");
  CHECK_FALSE(has_series(st, "same", "svc", "one", kStartMs + 60000));
  CHECK_FALSE(has_series(st, "over_limit", "svc", "a", kStartMs + 60000));
}

TEST_CASE("rule files: groups must evaluate at scrapes, and they replace the default rules", "[prometheus][rules]") {
  Scenario s = test::must_load(find_builtin_scenario("mmc")->text);
  REQUIRE(!s.monitoring.rules.empty());  // the seed's defaults
  std::vector<RuleFileError> errors;
  const std::string text = "groups:\n  - name: g\n    interval: 90s\n    rules:\n      - record: r\n        expr: x\n";
  CHECK_FALSE(attach_rule_files(s, {{"r.yml", text}}, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].file == "r.yml");
  CHECK(errors[0].diagnostic.line == 2);
  CHECK(errors[0].diagnostic.message.find("multiple of monitoring.scrape_interval") != std::string::npos);
  CHECK(s.monitoring.prometheus_rules == nullptr);
  must_attach(s, "groups:\n  - name: g\n    interval: 2m\n    rules:\n      - record: r\n        expr: x\n");
  CHECK(s.monitoring.rules.empty());
}

TEST_CASE("a rule file's alerts run in the simulation as alert events, notifications and incidents",
          "[prometheus][rules]") {
  Scenario s = test::must_load(find_builtin_scenario("retry-storm")->text);
  must_attach(s,
              "groups:\n"
              "  - name: storm\n"
              "    rules:\n"
              "      - record: agent:failed:rate1m\n"
              "        expr: sum by (agent) (rate(opsim_requests_total{outcome=\"failed\"}[1m]))\n"
              "      - alert: AgentFailing\n"
              "        expr: agent:failed:rate1m > 1\n"
              "        for: 2m\n"
              "        labels: {severity: page}\n");
  test::RecordedRun run(s, 5);
  run.sim.run_until(2 * kMicrosPerHour);
  const LogEvent* firing = nullptr;
  for (const LogEvent& e : run.events.events)
    if (e.kind == EventKind::alert_firing && e.text("rule") == "AgentFailing") {
      firing = &e;
      break;
    }
  REQUIRE(firing != nullptr);
  CHECK(firing->text("severity") == "page");
  // It fired 2m after it started pending, at an evaluation (a whole minute).
  const LogEvent* pending = run.events.first(EventKind::alert_pending);
  REQUIRE(pending != nullptr);
  CHECK(firing->t - pending->t >= 2 * kMicrosPerMinute);
  CHECK(firing->t % kMicrosPerMinute == 0);
  // The JSON default rules gave way to the file's.
  CHECK(run.sim.alerts().size() == 0);
  CHECK(run.sim.prometheus_rules()->rule_count() == 2);
}
