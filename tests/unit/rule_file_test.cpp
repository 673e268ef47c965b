// Prometheus rule files (core/monitoring/rule_file.h): what they read into, what they refuse
// and where. Accepting and refusing follow Prometheus 2.42: every file refused here is refused
// by `promtool check rules` too (with its own words), except where a test says opsim is
// stricter; every file accepted here is accepted by it.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "monitoring/rule_file.h"
#include "promql/parser.h"

using namespace opsim;

namespace {

struct Loaded {
  bool ok = false;
  std::vector<RuleGroup> groups;
  std::vector<std::string> errors;  // "rules.yml:LINE:COLUMN: error: PATH: MESSAGE"
};

Loaded load(const std::string& text) {
  Loaded l;
  std::vector<Diagnostic> diagnostics;
  l.ok = load_rule_file("rules.yml", text, l.groups, diagnostics);
  for (const Diagnostic& d : diagnostics) l.errors.push_back(format_diagnostic(d, "rules.yml", "error"));
  return l;
}

// The one error of a file that must have exactly one.
std::string only_error(const std::string& text) {
  const Loaded l = load(text);
  INFO(text);
  CHECK_FALSE(l.ok);
  CHECK(l.groups.empty());
  REQUIRE(l.errors.size() == 1);
  return l.errors[0];
}

// "LINE:COLUMN PATH" of the one error: where a PromQL or template error lands in the file.
std::string where(const std::string& text) {
  const std::string e = only_error(text);
  const std::size_t after_file = e.find(':') + 1;
  const std::size_t after_line = e.find(':', after_file) + 1;
  const std::size_t after_column = e.find(':', after_line);
  const std::size_t path_start = e.find("error: ") + 7;
  return e.substr(after_file, after_column - after_file) + " " + e.substr(path_start, e.find(':', path_start) - path_start);
}

std::string rule_with(const std::string& fields) {
  return "groups:\n- name: g\n  rules:\n  - alert: A\n" + fields;
}

}  // namespace

TEST_CASE("a rule file reads into groups and rules, with Prometheus's defaults", "[rule_file]") {
  const Loaded l = load(R"(groups:
- name: api
  interval: 30s
  limit: 10
  rules:
  - alert: Down
    expr: up == 0
    for: 1h30m
    keep_firing_for: 5m
    labels: {severity: page, team: "{{ $labels.job }}"}
    annotations:
      summary: "{{ $value | humanize }}"
      description: x
  - record: job:up:sum
    expr: sum by (job) (up)
    labels: {b: "2", a: ""}
- name: other
  rules:
)");
  INFO((l.errors.empty() ? std::string() : l.errors[0]));
  REQUIRE(l.ok);
  REQUIRE(l.groups.size() == 2);
  const RuleGroup& g = l.groups[0];
  CHECK(g.name == "api");
  CHECK(g.file == "rules.yml");
  CHECK(g.interval_us == 30 * kMicrosPerSecond);
  CHECK(g.limit == 10);
  CHECK(g.line == 2);
  CHECK(g.column == 3);
  REQUIRE(g.rules.size() == 2);

  const PromRule& alert = g.rules[0];
  CHECK(alert.kind == PromRule::Kind::alerting);
  CHECK(alert.name == "Down");
  CHECK(alert.expr_text == "up == 0");
  REQUIRE(alert.expr);
  CHECK(promql::print_expr(*alert.expr) == "up == 0");
  CHECK(alert.for_us == 90 * kMicrosPerMinute);
  CHECK(alert.keep_firing_for_us == 5 * kMicrosPerMinute);
  CHECK(alert.line == 6);
  CHECK(alert.column == 5);
  // Sorted by name, as Prometheus keeps them, each with its compiled template.
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(alert.labels == Pairs{{"severity", "page"}, {"team", "{{ $labels.job }}"}});
  CHECK(alert.annotations == Pairs{{"description", "x"}, {"summary", "{{ $value | humanize }}"}});
  REQUIRE(alert.label_templates.size() == 2);
  REQUIRE(alert.annotation_templates.size() == 2);
  AlertTemplateData data;
  data.labels = {{"job", "api"}};
  data.value = 1234567;
  CHECK(expand_template(alert.label_templates[1], data) == "api");
  CHECK(expand_template(alert.annotation_templates[1], data) == "1.235M");
  CHECK(alert.label_templates[1].name() == "__alert_Down");

  const PromRule& record = g.rules[1];
  CHECK(record.kind == PromRule::Kind::recording);
  CHECK(record.name == "job:up:sum");
  CHECK(record.for_us == 0);
  // An empty value stays: it removes the label from the result.
  CHECK(record.labels == Pairs{{"a", ""}, {"b", "2"}});
  CHECK(record.label_templates.empty());

  CHECK(l.groups[1].name == "other");
  CHECK(l.groups[1].interval_us == 0);  // not given: the caller's default
  CHECK(l.groups[1].rules.empty());
}

TEST_CASE("what Prometheus accepts without a rule, opsim accepts too", "[rule_file]") {
  for (const char* text : {"", "groups:\n", "groups: ~\n", "groups:\n- name: a\n", "groups:\n- name: a\n  rules: ~\n",
                           "groups:\n-\n", "groups:\n- name: a\n  rules:\n  -\n", "# only a comment\n",
                           "groups:\n- name: a\n  rules:\n  - alert: x\n    expr: 1\n---\n"}) {
    const Loaded l = load(text);
    INFO(text);
    CHECK(l.ok);
    CHECK(l.errors.empty());
  }
  // A zero `for`, empty annotations and a nothing-valued label are not alerting-only fields.
  const Loaded l = load("groups:\n- name: a\n  rules:\n  - record: x\n    expr: 1\n    for: 0s\n    keep_firing_for: 0\n"
                        "    annotations: {}\n    labels:\n      a: null\n      b:\n");
  CHECK(l.ok);
  // Scalars of any YAML type read as the text written, as yaml.v3 reads them into strings.
  const Loaded t = load("groups:\n- name: 5\n  limit: 0x10\n  rules:\n  - alert: true\n    expr: !!str 1\n"
                        "    labels: {a: 1.50, b: yes}\n");
  REQUIRE(t.ok);
  CHECK(t.groups[0].name == "5");
  CHECK(t.groups[0].limit == 16);
  CHECK(t.groups[0].rules[0].name == "true");
  CHECK(t.groups[0].rules[0].labels[0].second == "1.50");
  for (const char* limit : {"1e3", "1_000", "0o1750", "1000.0"}) {
    const Loaded n = load(std::string("groups:\n- name: a\n  limit: ") + limit + "\n");
    INFO(limit);
    REQUIRE(n.ok);
    CHECK(n.groups[0].limit == 1000);
  }
}

TEST_CASE("YAML merge keys work as in yaml.v3", "[rule_file]") {
  const Loaded l = load("groups:\n- name: a\n  rules:\n  - &base\n    alert: x\n    expr: up == 0\n    labels: {severity: page}\n"
                        "  - <<: *base\n    alert: y\n");
  REQUIRE(l.ok);
  REQUIRE(l.groups[0].rules.size() == 2);
  CHECK(l.groups[0].rules[1].name == "y");
  CHECK(l.groups[0].rules[1].expr_text == "up == 0");
  CHECK(l.groups[0].rules[1].labels.size() == 1);
}

TEST_CASE("refusals of the file's structure", "[rule_file]") {
  CHECK(only_error("- a\n") == "rules.yml:1:1: error: $: expected a mapping, found a list");
  CHECK(only_error("base: 1\n") == "rules.yml:1:1: error: $: unknown field \"base\" (expected one of: groups)");
  CHECK(only_error("groups: {a: 1}\n") == "rules.yml:1:9: error: groups: expected a list of rule groups, found a mapping");
  CHECK(only_error("groups:\n- a\n") == "rules.yml:2:3: error: groups[0]: expected a mapping, found \"a\"");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - record: x\n    expr: 1\n    foo: 2\n") ==
        "rules.yml:6:5: error: groups[0].rules[0]: unknown field \"foo\" (expected one of: record, alert, expr, for, "
        "keep_firing_for, labels, annotations)");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - record: x\n    expr: 1\n    expr: 2\n") ==
        "rules.yml:6:5: error: groups[0].rules[0]: duplicate field \"expr\" (first at line 5)");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - alert: x\n    expr: 1\n    labels:\n      a: b\n      a: c\n") ==
        "rules.yml:8:7: error: groups[0].rules[0].labels: duplicate field \"a\" (first at line 7)");
  CHECK(only_error("groups:\n- name: a\n  bogus: 1\n") ==
        "rules.yml:3:3: error: groups[0]: unknown field \"bogus\" (expected one of: name, interval, limit, rules)");
  CHECK(only_error("groups:\n- name: a\n  rules: 5\n") == "rules.yml:3:10: error: groups[0].rules: expected a list of rules, found \"5\"");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - [a]\n") == "rules.yml:4:5: error: groups[0].rules[0]: expected a mapping, found a list");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - alert: x\n    expr: 1\n    labels: [a]\n") ==
        "rules.yml:6:13: error: groups[0].rules[0].labels: expected a mapping of label names to values, found a list");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - alert: x\n    expr: 1\n    annotations:\n      a: {b: c}\n") ==
        "rules.yml:7:10: error: groups[0].rules[0].annotations.a: expected a string, found a mapping");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - alert: x\n    expr: {a: 1}\n") ==
        "rules.yml:5:11: error: groups[0].rules[0].expr: expected a PromQL expression (a string), found a mapping");
  // yaml-cpp's own words for what is not YAML.
  CHECK(only_error("groups: [a\n") == "rules.yml:2:1: error: $: expected YAML, found a syntax error: end of sequence flow not found");
  CHECK(only_error("a: b: c\n") == "rules.yml:1:5: error: $: expected YAML, found a syntax error: illegal map value");
  // yaml-cpp would read a stray ',' as empty documents without end.
  CHECK(only_error(",") == "rules.yml: error: $: expected YAML, found text that starts no YAML node (such as a ',' outside [ ] or { })");
  // yaml-cpp would end a quoted string that never closes at the end of the file.
  CHECK(only_error("groups:\n- name: \"a\n  rules: []\n") ==
        "rules.yml:2:9: error: groups[0].name: expected a closing \" for the string that starts here, found the end of the file");
}

TEST_CASE("refusals of groups", "[rule_file]") {
  CHECK(only_error("groups:\n- rules: []\n") == "rules.yml:2:3: error: groups[0].name: expected a group name, found nothing (the field is required)");
  CHECK(only_error("groups:\n- name:\n  rules: []\n") == "rules.yml:2:3: error: groups[0].name: expected a group name, found nothing");
  CHECK(only_error("groups:\n- name: ''\n") == "rules.yml:2:9: error: groups[0].name: expected a group name, found an empty string");
  CHECK(only_error("groups:\n- name: [a]\n") == "rules.yml:2:9: error: groups[0].name: expected a string, found a list");
  CHECK(only_error("groups:\n- name: a\n- name: b\n- name: a\n") ==
        "rules.yml:4:9: error: groups[2].name: expected a group name not used before in the file, found \"a\" again (first at line 2)");
  CHECK(only_error("groups:\n- name: a\n  interval: 5x\n") ==
        "rules.yml:3:13: error: groups[0].interval: expected a duration such as 30s, 5m or 1h30m (whole numbers with the "
        "units y, w, d, h, m, s, ms, largest first), found \"5x\"");
  CHECK(only_error("groups:\n- name: a\n  limit: abc\n") == "rules.yml:3:10: error: groups[0].limit: expected a whole number of series, found \"abc\"");
  CHECK(only_error("groups:\n- name: a\n  limit: \"5\"\n") ==
        "rules.yml:3:10: error: groups[0].limit: expected a whole number of series, found \"5\" (quoted: a string)");
  // Stricter than Prometheus, which truncates 1.5 to 1.
  CHECK(only_error("groups:\n- name: a\n  limit: 1.5\n") ==
        "rules.yml:3:10: error: groups[0].limit: expected a whole number of series, found \"1.5\" (Prometheus would "
        "truncate it; write the number meant)");
  // Stricter than Prometheus, which reads the first document only.
  CHECK(only_error("groups:\n- name: a\n---\ngroups:\n- name: b\n") ==
        "rules.yml:4:1: error: $: expected one YAML document, found a second one (Prometheus would read only the first "
        "and ignore this one; put its groups in the first)");
}

TEST_CASE("refusals of rules", "[rule_file]") {
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - record: x\n    alert: y\n    expr: 1\n") ==
        "rules.yml:4:13: error: groups[0].rules[0]: expected either record or alert, found both (alert at line 5)");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - expr: 1\n") ==
        "rules.yml:4:5: error: groups[0].rules[0]: expected record (a recording rule's metric name) or alert (an alerting "
        "rule's name), found neither");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - alert: ''\n    expr: 1\n") ==
        "rules.yml:4:5: error: groups[0].rules[0]: expected record (a recording rule's metric name) or alert (an alerting "
        "rule's name), found an empty one");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - record: x\n") ==
        "rules.yml:4:5: error: groups[0].rules[0].expr: expected a PromQL expression, found nothing (the field is required)");
  CHECK(only_error(rule_with("    expr:\n")) == "rules.yml:5:5: error: groups[0].rules[0].expr: expected a PromQL expression, found nothing");
  CHECK(only_error("groups:\n- name: a\n  rules:\n  - record: 0\n    expr: 1\n") ==
        "rules.yml:4:13: error: groups[0].rules[0].record: expected a metric name (letters, digits, '_' and ':', not "
        "starting with a digit), found \"0\"");
  CHECK(only_error(rule_with("    expr: 1\n    for: -5m\n")) ==
        "rules.yml:6:10: error: groups[0].rules[0].for: expected a duration such as 30s, 5m or 1h30m (whole numbers "
        "with the units y, w, d, h, m, s, ms, largest first), found \"-5m\"");
  CHECK(only_error(rule_with("    expr: 1\n    labels:\n      __name__: a\n")) ==
        "rules.yml:7:7: error: groups[0].rules[0].labels.__name__: expected a label name other than __name__ (the rule's "
        "name is the metric name), found __name__");
  CHECK(only_error(rule_with("    expr: 1\n    labels:\n      1a: b\n")) ==
        "rules.yml:7:7: error: groups[0].rules[0].labels.1a: expected a label name (letters, digits and '_', not starting "
        "with a digit), found \"1a\"");
  CHECK(only_error(rule_with("    expr: 1\n    annotations:\n      a-b: c\n")) ==
        "rules.yml:7:7: error: groups[0].rules[0].annotations.a-b: expected an annotation name (letters, digits and '_', "
        "not starting with a digit), found \"a-b\"");

  // What only alerting rules may have, each in its own error, all collected.
  const Loaded l = load("groups:\n- name: a\n  rules:\n  - record: x-y\n    expr: 1\n    for: 5m\n    annotations: {a: b}\n"
                        "    keep_firing_for: 1m\n");
  CHECK_FALSE(l.ok);
  CHECK(l.errors == std::vector<std::string>{
                        "rules.yml:4:13: error: groups[0].rules[0].record: expected a metric name (letters, digits, '_' and "
                        "':', not starting with a digit), found \"x-y\"",
                        "rules.yml:6:5: error: groups[0].rules[0].for: expected no for in a recording rule (it applies to "
                        "alerting rules), found \"5m\"",
                        "rules.yml:8:5: error: groups[0].rules[0].keep_firing_for: expected no keep_firing_for in a "
                        "recording rule (it applies to alerting rules), found \"1m\"",
                        "rules.yml:7:5: error: groups[0].rules[0].annotations: expected no annotations in a recording "
                        "rule (they belong to alerts), found 1"});
}

TEST_CASE("every error of a file is reported, not only the first", "[rule_file]") {
  const Loaded l = load("groups:\n- name: a\n  rules:\n  - alert: x\n    expr: up ==\n    extra: 1\n  - record: \"a b\"\n"
                        "    expr: up\n- name: a\n  interval: 1h1h\n");
  CHECK_FALSE(l.ok);
  CHECK(l.groups.empty());
  REQUIRE(l.errors.size() == 5);
  CHECK(l.errors[0].rfind("rules.yml:6:5: error: groups[0].rules[0]: unknown field \"extra\"", 0) == 0);
  CHECK(l.errors[1].rfind("rules.yml:5:16: error: groups[0].rules[0].expr: ", 0) == 0);
  CHECK(l.errors[2].rfind("rules.yml:7:13: error: groups[0].rules[1].record: expected a metric name", 0) == 0);
  CHECK(l.errors[3].rfind("rules.yml:10:13: error: groups[1].interval: expected a duration", 0) == 0);
  CHECK(l.errors[4].rfind("rules.yml:9:9: error: groups[1].name: expected a group name not used before", 0) == 0);
}

TEST_CASE("a PromQL error is placed where it stands in the file, through YAML's quoting", "[rule_file]") {
  // Each expression has one error, at the identifier BAD (or the end of input).
  CHECK(where(rule_with("    expr: sum(x) BAD\n")) == "5:18 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: rate(x[5m]\n")) == "5:21 groups[0].rules[0].expr");  // the end of input
  CHECK(where(rule_with("    expr: 'sum(x{a=\"it''s\"}) BAD'\n")) == "5:30 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: \"sum(x{a=\\\"\\u00e9\\t\\\"})\\\n      \\ + z BAD\"\n")) == "6:13 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: \"sum(x)   \n      BAD\"\n")) == "6:7 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: sum(x)\n\n      +\n\n\n      z BAD\n")) == "10:9 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: |\n      sum(rate(x[5m]))\n        / on() foo BAD\n")) == "7:20 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: |+\n\n      sum(x)\n\n        + on()\n      z BAD\n\n")) == "10:9 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: >-\n      sum(rate(x[5m]))\n      / foo BAD\n")) == "7:13 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: >\n      sum(x)\n        + on()\n      y\n\n      BAD\n")) == "10:7 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: |2\n        sum(x)\n      BAD\n")) == "7:7 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: |-\n      sum(x)\n      # not a comment\n      BAD\n")) == "8:7 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr: !!str sum(x) BAD\n")) == "5:24 groups[0].rules[0].expr");
  CHECK(where(rule_with("    expr:    sum(x)    BAD   # comment\n")) == "5:24 groups[0].rules[0].expr");
  CHECK(where("groups:\n- name: a\n  rules:\n  - {alert: x, expr: \"sum(x)  BAD\"}\n") == "4:31 groups[0].rules[0].expr");
  CHECK(where("groups:\r\n- name: a\r\n  rules:\r\n  - alert: x\r\n    expr: sum(up) BAD\r\n") == "5:19 groups[0].rules[0].expr");
  CHECK(where("\xEF\xBB\xBFgroups:\n- name: a\n  rules:\n  - alert: x\n    expr: sum(up) BAD\n") == "5:19 groups[0].rules[0].expr");
  // The message is the PromQL parser's.
  const std::string e = only_error(rule_with("    expr: sum(x) BAD\n"));
  CHECK(e.find("found identifier \"BAD\"") != std::string::npos);
  // opsim's PromQL refusals are refusals of the file.
  CHECK(where(rule_with("    expr: foo @ 100\n")) == "5:15 groups[0].rules[0].expr");
}

TEST_CASE("alerting rules' templates must compile; errors land in the file", "[rule_file]") {
  CHECK(only_error(rule_with("    expr: 1\n    annotations:\n      s: \"{{ $value | nosuch }}\"\n")) ==
        "rules.yml:7:23: error: groups[0].rules[0].annotations.s: expected a template that compiles, found an error: "
        "function \"nosuch\" not defined");
  CHECK(only_error(rule_with("    expr: 1\n    labels:\n      severity: \"{{ if }}\"\n")) ==
        "rules.yml:7:24: error: groups[0].rules[0].labels.severity: expected a template that compiles, found an error: "
        "missing value for if");
  CHECK(where(rule_with("    expr: 1\n    annotations:\n      d: >-\n        Line one\n        and {{ $value | nosuch }}\n")) ==
        "9:25 groups[0].rules[0].annotations.d");
  CHECK(where(rule_with("    expr: 1\n    annotations:\n      d: \"\xC3\xA9{{ $value | nosuch }}\"\n")) ==
        "7:25 groups[0].rules[0].annotations.d");
  // opsim's template refusals are refusals of the file (Prometheus would run the query).
  CHECK(only_error(rule_with("    expr: 1\n    annotations:\n      s: '{{ query \"up\" }}'\n")) ==
        "rules.yml:7:14: error: groups[0].rules[0].annotations.s: expected a template that compiles, found an error: "
        "function \"query\" is not supported by opsim (opsim runs no PromQL queries from templates)");
  // A recording rule's labels are not templates.
  CHECK(load("groups:\n- name: a\n  rules:\n  - record: x\n    expr: 1\n    labels: {a: \"{{ if }}\"}\n").ok);
}

TEST_CASE("the example SLO burn-rate rules load, and their annotations read as Prometheus writes them", "[rule_file]") {
  std::ifstream in(std::string(OPSIM_SOURCE_DIR) + "/examples/rules/slo-burn-rate.yml", std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  const Loaded l = load(text.str());
  INFO((l.errors.empty() ? std::string() : l.errors[0]));
  REQUIRE(l.ok);
  REQUIRE(l.groups.size() == 2);
  CHECK(l.groups[0].rules.size() == 7);
  for (const PromRule& r : l.groups[0].rules) CHECK(r.kind == PromRule::Kind::recording);
  const std::vector<PromRule>& alerts = l.groups[1].rules;
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].name == "ErrorBudgetBurnFast");
  CHECK(alerts[0].for_us == 2 * kMicrosPerMinute);
  CHECK(alerts[0].labels[0] == std::make_pair(std::string("severity"), std::string("page")));
  CHECK(alerts[1].name == "ErrorBudgetBurnSlow");
  CHECK(alerts[1].labels[0] == std::make_pair(std::string("severity"), std::string("ticket")));

  // What `promtool test rules` printed for these alerts on series where checkout fails 5 % of
  // its requests and search 0.4 % (annotations sorted: description, summary).
  AlertTemplateData checkout;
  checkout.labels = {{"service", "checkout"}};
  checkout.value = 0.05;
  CHECK(expand_template(alerts[0].annotation_templates[1], checkout) ==
        "checkout is burning its error budget fast: 5% of requests fail");
  CHECK(expand_template(alerts[0].annotation_templates[0], checkout) ==
        "checkout fails 5% of its users' requests over the last\nhour (or six hours): more than 14.4 (or 6) times what "
        "the 0.1 % error budget allows, and\nthe errors go on. At this rate the 30-day budget is gone within days.");
  AlertTemplateData search;
  search.labels = {{"service", "search"}};
  search.value = 0.004;
  CHECK(expand_template(alerts[1].annotation_templates[1], search) ==
        "search is spending its error budget faster than it lasts: 0.4% of requests fail");
  CHECK(expand_template(alerts[1].annotation_templates[0], search) ==
        "search fails a share of 0.0040 of its users' requests over the\nlast day (or three days), against a budget of "
        "0.0010: 3 times the budget or more.\nNot an emergency: look at it in working hours, before the 30-day budget is spent.");
}
