// Parsing PromQL text into a typed syntax tree (ast.h), with the checks that Prometheus 2.42's
// parser makes: which functions exist and what argument types they take, which operators
// accept which operand types, `bool` only on comparisons, vector matching only between
// instant vectors, set operators many-to-many, a range vector where one is required.
//
// Bad input never throws: the result carries diagnostics, each at the line:column (1-based)
// of the offending token, saying what was expected and what was found:
//
//   1:8: expected a range vector as argument 1 of rate(), found an instant vector
//   1:5: expected an operator or end of input, found identifier "some_metric"
//
// Diagnostic::path is left empty: a caller that reads expressions out of a document (a rule
// file) sets it to where the expression stands there.
//
// What opsim does not take (each with its own error): the @ modifier; functions and the
// `group` aggregation that Prometheus has and opsim does not evaluate (FunctionInfo's
// opsim_evaluates).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "json/reader.h"  // Diagnostic
#include "promql/ast.h"

namespace opsim {
namespace promql {

struct ParseResult {
  ExprPtr expr;  // null whenever there are errors
  std::vector<Diagnostic> errors;  // in the order found; the first is the one to show
  bool ok() const { return errors.empty(); }
};

ParseResult parse(std::string_view text);

// "LINE:COLUMN: MESSAGE" (the diagnostic's path first, when it has one).
std::string format_error(const Diagnostic& d);
// A diagnostic at a position of the expression's text (the parser's and the checks').
Diagnostic diagnostic_at(const SourcePos& p, const std::string& message);

// The type checks, on a tree the parser built (parse() runs them itself). Like Prometheus's,
// they also settle binary expressions' vector matching: dropped when a side is not an
// instant vector, many-to-many for and, or, unless.
void check_types(Expr& e, std::vector<Diagnostic>& errors);

// Whether a regular expression (RE2 syntax, matched against the whole value as Prometheus
// anchors it) matches the empty string. A selector must have one matcher that does not match
// the empty value, or it would select every series.
bool regex_matches_empty(std::string_view pattern);

}  // namespace promql
}  // namespace opsim
