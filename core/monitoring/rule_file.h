// Reading Prometheus rule files (YAML) into recording and alerting rules, with the checks that
// Prometheus 2.42 makes when it loads one (model/rulefmt: strict YAML decoding, then
// RuleGroups.Validate), so that a file opsim accepts is a file Prometheus accepts:
//
//   groups:
//     - name: api-slo            # required, unique in the file
//       interval: 30s            # optional; 0 or absent: the caller's evaluation interval
//       limit: 100               # optional; > 0: at most this many series per rule
//       rules:
//         - record: service:errors:ratio_rate5m     # a metric name
//           expr: sum by (service) (rate(...[5m]))
//         - alert: HighErrorRate
//           expr: service:errors:ratio_rate5m > 0.01
//           for: 5m
//           keep_firing_for: 10m
//           labels: {severity: page}                # templates, for alerting rules
//           annotations: {summary: "{{ $value | humanizePercentage }} errors"}
//
// Every problem is a Diagnostic at the file's line:column (1-based, bytes), with a path such
// as `groups[0].rules[3].expr`, what was expected and what was found. All of them are
// collected, not only the first. Format them with format_diagnostic(d, file_name, "error"):
//
//   rules.yml:9:28: error: groups[0].rules[1].expr: expected an operator or end of input, found identifier "x"
//
// A PromQL error inside `expr` and a template error inside a label or annotation are placed
// where they are in the file, through the YAML quoting or block scalar (|, >) around them.
//
// Checked as Prometheus does: unknown fields and fields given twice (yaml.v3's strict decoding);
// `groups` a list; a group's name present and unique; interval a Prometheus duration; limit an
// integer; each rule exactly one of record / alert, an expr that parses, a record name that is
// a valid metric name, for / keep_firing_for / annotations only on alerting rules (a zero for
// and empty annotations pass, as in Prometheus), label names valid and not __name__, label
// values UTF-8, annotation names valid, the templates of alerting rules compiling.
//
// Read as yaml.v3 reads YAML: merge keys (<<) expand, any scalar reads as the text written
// where a string is expected, an empty item of a list is left out. Where yaml-cpp is more
// lenient than YAML (a quote never closed, a stray ','), the file is refused as Prometheus
// refuses it.
//
// Where opsim is stricter than Prometheus (each with its own message): a fractional limit
// (Prometheus truncates 1.5 to 1); a second YAML document in the file (Prometheus ignores it);
// PromQL that opsim does not evaluate (promql/parser.h) and templates that use what opsim does
// not implement (monitoring/template.h: query, toTime, {{define}}, ...).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/sim_time.h"
#include "json/reader.h"  // Diagnostic
#include "monitoring/template.h"
#include "promql/ast.h"

namespace opsim {

// A recording or alerting rule.
struct PromRule {
  enum class Kind { recording, alerting };
  Kind kind = Kind::recording;
  std::string name;  // record: (a metric name) or alert:
  std::string expr_text;  // as written
  std::shared_ptr<const promql::Expr> expr;  // parsed; shared, so that scenarios copy cheaply
  SimDuration for_us = 0;  // alerting: how long the condition must hold before firing
  SimDuration keep_firing_for_us = 0;  // alerting: how long a firing alert outlives its condition
  // Name and value as written, sorted by name. An empty value removes the label from the
  // result, as in Prometheus. An alerting rule's values are templates (label_templates).
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<AlertTemplate> label_templates;  // alerting rules: labels[i]'s, compiled
  // Alerting rules: name and template text, sorted by name as Prometheus keeps them.
  std::vector<std::pair<std::string, std::string>> annotations;
  std::vector<AlertTemplate> annotation_templates;  // annotations[i]'s, compiled
  int line = 0, column = 0;  // where the rule starts in the file
};

struct RuleGroup {
  std::string name;
  std::string file;  // the file it was read from
  SimDuration interval_us = 0;  // 0: not given, the caller's default evaluation interval
  // At most this many series per rule and evaluation, else the evaluation fails (Prometheus's
  // rule group limit). 0 or less: no limit.
  int limit = 0;
  std::vector<PromRule> rules;
  int line = 0, column = 0;  // where the group starts in the file
};

// Reads the rule file `text` (named `file_name` in the groups) and appends its groups to
// `out`. Returns true when the file has no errors; on errors nothing is appended and every
// error found is appended to `errors`.
bool load_rule_file(const std::string& file_name, std::string_view text, std::vector<RuleGroup>& out,
                    std::vector<Diagnostic>& errors);

}  // namespace opsim
