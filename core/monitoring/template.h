// Alert label and annotation templates, as Prometheus 2.42 expands them (template/template.go,
// rules/alerting.go): Go's text/template language, Go 1.19's version, with Prometheus's
// functions and data.
//
//   summary: "{{ $labels.service }} fails {{ $value | humanizePercentage }} of requests"
//
// Like Prometheus, every template is compiled with this prefix before the user's text, so that
// $labels, $externalLabels, $externalURL and $value exist (and error positions count it):
//
//   {{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}
//
// Implemented: [X] text, actions, {{- -}} trim markers, {{/* comments */}}
//              [X] pipelines, parenthesised pipelines, variables ($x := ..., $x = ...), fields
//                  (.Labels.x, $labels.x), literals (strings, raw strings, numbers, chars, bool, nil)
//              [X] if / else if / else, with / else, range over a map (sorted keys) with
//                  $k, $v := ..., break, continue
//              [X] builtins: and or not eq ne lt le gt ge len index print printf println html
//                  urlquery (fmt's verbs %v %s %q %d %x %X %o %b %c %t %f %F %e %E %g %G, flags,
//                  width, precision, * and [n]; Go's %!d(string=x), %!d(MISSING), %!(EXTRA ...))
//              [X] Prometheus: humanize humanize1024 humanizeDuration humanizePercentage
//                  humanizeTimestamp title toUpper toLower reReplaceAll match stripPort
//                  stripDomain safeHtml parseDuration graphLink tableLink externalURL pathPrefix
//              [ ] refused when compiled, with a reason: query first label value strvalue
//                  sortByLabel (opsim runs no PromQL from templates), toTime args js call slice,
//                  {{define}} {{template}} {{block}}, complex numbers
//
// Numbers print as Go prints them: $value as fmt.Sprint(float64) ("0.1", "1e+06"), humanize
// with %.4g and SI prefixes. Regular expressions (reReplaceAll, match) are Go's RE2 syntax read
// as ECMAScript (std::regex): the common subset agrees; (?i) and (?P<name>...) are translated.
// toUpper, toLower and title map ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters;
// other scripts pass unchanged.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "promql/value.h"

namespace opsim {

namespace tmpl {
struct Tree;
}

// What a template sees: Prometheus's AlertTemplateData.
struct AlertTemplateData {
  promql::Labels labels;  // .Labels, $labels: the alert's labels
  promql::Labels external_labels;  // .ExternalLabels, $externalLabels
  std::string external_url;  // .ExternalURL, $externalURL
  double value = 0;  // .Value, $value: the alert expression's value
};

// A compilation error, at its place in the text the caller gave (the prefix not counted).
struct TemplateError {
  std::string message;  // Go's words where Go has them: `function "nosuch" not defined`
  int line = 1, column = 1;  // 1-based; the column counts bytes
  int offset = 0;  // byte offset in the text
};

// A compiled template. Copies share the tree, which is never changed after compilation.
class AlertTemplate {
 public:
  bool empty() const { return tree_ == nullptr; }
  const std::string& name() const;
  const tmpl::Tree* tree() const { return tree_.get(); }

 private:
  friend bool compile_template(std::string_view, std::string_view, AlertTemplate&, TemplateError&);
  std::shared_ptr<const tmpl::Tree> tree_;
};

// Compiles `text` as Prometheus does, under `name` (Prometheus names an alert's templates
// "__alert_" + the alert name; execution errors quote it). False with the first error.
bool compile_template(std::string_view text, std::string_view name, AlertTemplate& out, TemplateError& error);

// Runs the template: true with the output, or false with Go's error text, as Prometheus's
// Expander.Expand() returns it: "error executing template __alert_X: template:
// __alert_X:1:115: executing \"__alert_X\" at <gt $value 10>: error calling gt: incompatible
// types for comparison".
bool execute_template(const AlertTemplate& t, const AlertTemplateData& data, std::string& out, std::string& error);

// What Prometheus puts into the label or annotation: the output, or on an execution error
// "<error expanding template: " + the error + ">".
std::string expand_template(const AlertTemplate& t, const AlertTemplateData& data);

}  // namespace opsim
