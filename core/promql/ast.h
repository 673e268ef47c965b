// The syntax tree of a PromQL expression, as Prometheus 2.42's parser builds it
// (promql/parser/ast.go), with opsim's units: every duration is a SimDuration in
// microseconds. The parser (parser.h) builds it, the printer (print_expr) turns it back into
// the canonical text that Prometheus's String() prints, and the evaluator will walk it.
//
// Index:
//   [SECTION] Value types
//   [SECTION] Operators
//   [SECTION] Functions (the table the parser checks calls against)
//   [SECTION] Nodes
//   [SECTION] Durations and printing
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sim_time.h"

namespace opsim {
namespace promql {

// ---------------------------------------------------------------------------------------------
// [SECTION] Value types
// ---------------------------------------------------------------------------------------------

// What an expression evaluates to. `none` is a node that has no value of its own (never the
// result of a well-typed expression).
enum class ValueType { none, scalar, string, instant_vector, range_vector };

// "scalar", "string", "instant vector", "range vector": the names Prometheus's
// documentation (and its errors) use.
const char* value_type_name(ValueType t);

// A position in the expression's text: byte offset (0-based), line and column (1-based; the
// column counts bytes, as Prometheus's errors do).
struct SourcePos {
  int offset = 0;
  int line = 1;
  int column = 1;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] Operators
// ---------------------------------------------------------------------------------------------

// Binary operators, by family. Precedence (binding tightest first; all left-associative but
// `^`): ^ | * / % atan2 | + - | == != <= < >= > | and unless | or.
enum class BinaryOp { add, sub, mul, div, mod, pow, atan2, eql, neq, lte, lss, gte, gtr, land, lor, lunless };
const char* binary_op_text(BinaryOp op);  // "+", "==", "and", ...
bool is_comparison(BinaryOp op);
bool is_set_operator(BinaryOp op);  // and, or, unless

enum class AggregateOp { sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk, count_values, quantile };
const char* aggregate_op_text(AggregateOp op);
// topk, bottomk, quantile and count_values take a parameter before the vector.
bool takes_parameter(AggregateOp op);
// Whether opsim evaluates the aggregation (issue 16's list); the parser refuses the others.
bool opsim_evaluates(AggregateOp op);

enum class LabelMatchOp { equal, not_equal, regex, not_regex };
const char* label_match_op_text(LabelMatchOp op);  // "=", "!=", "=~", "!~"

// ---------------------------------------------------------------------------------------------
// [SECTION] Functions
// ---------------------------------------------------------------------------------------------

// One entry of the function table: the types of the arguments, how many of the last one may
// be repeated or left out, and the result type. Mirrors Prometheus 2.42's functions.go so that
// arity and argument types are checked as Prometheus checks them.
struct FunctionInfo {
  const char* name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types.size() arguments. n > 0: the last argument is optional and may be
  // given up to n times (round, hour). -1: the last may repeat without bound (label_join).
  int variadic;
  ValueType return_type;
  // Whether opsim evaluates it (issue 16's list). The parser refuses a call to a function that
  // Prometheus knows and opsim does not, so that a rule file fails when loaded, not when run.
  bool opsim_evaluates;
};

// nullptr for a name Prometheus does not know.
const FunctionInfo* find_function(std::string_view name);
const std::vector<FunctionInfo>& function_table();

// ---------------------------------------------------------------------------------------------
// [SECTION] Nodes
// ---------------------------------------------------------------------------------------------

enum class ExprKind { number, string, vector_selector, matrix_selector, subquery, call, aggregate, binary, unary, paren };

// The base of every node: its kind and where it starts in the text (where Prometheus places
// errors about it). Nodes are owned by their parent through ExprPtr.
struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;
  // The type the expression evaluates to (Prometheus's Expr.Type()).
  ValueType type() const;

  ExprKind kind;
  SourcePos pos;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral : Expr {
  NumberLiteral() : Expr(ExprKind::number) {}
  double value = 0;
};

struct StringLiteral : Expr {
  StringLiteral() : Expr(ExprKind::string) {}
  std::string value;  // unquoted: escapes resolved
};

struct LabelMatcher {
  std::string name;
  LabelMatchOp op = LabelMatchOp::equal;
  std::string value;  // unquoted
};

// `name{matchers} offset d`. As in Prometheus, a metric name given before the braces is also
// kept as the matcher __name__="name" (the last one), so that the evaluator needs only the
// matchers; the printer leaves that matcher out.
struct VectorSelector : Expr {
  VectorSelector() : Expr(ExprKind::vector_selector) {}
  std::string metric_name;  // empty when only matchers are given: {__name__=~"a.*"}
  std::vector<LabelMatcher> matchers;
  SimDuration offset_us = 0;  // negative: looks into the future
};

// `selector[range]`; an offset after the brackets belongs to the selector.
struct MatrixSelector : Expr {
  MatrixSelector() : Expr(ExprKind::matrix_selector) {}
  std::unique_ptr<VectorSelector> selector;
  SimDuration range_us = 0;
};

// `expr[range:step] offset d`. step_us == 0: the rule's or query's evaluation interval.
struct SubqueryExpr : Expr {
  SubqueryExpr() : Expr(ExprKind::subquery) {}
  ExprPtr expr;
  SimDuration range_us = 0;
  SimDuration step_us = 0;
  SimDuration offset_us = 0;
};

struct Call : Expr {
  Call() : Expr(ExprKind::call) {}
  const FunctionInfo* function = nullptr;  // never null in a tree the parser returned
  std::vector<ExprPtr> args;
};

struct AggregateExpr : Expr {
  AggregateExpr() : Expr(ExprKind::aggregate) {}
  AggregateOp op = AggregateOp::sum;
  ExprPtr param;  // topk/bottomk/quantile: a scalar; count_values: a string; else null
  ExprPtr expr;
  std::vector<std::string> grouping;  // the labels of by (...) or without (...)
  bool without = false;
};

// How the two sides of a binary operation between instant vectors pair up.
enum class MatchCardinality { one_to_one, many_to_one, one_to_many, many_to_many };
struct VectorMatching {
  MatchCardinality card = MatchCardinality::one_to_one;
  std::vector<std::string> matching_labels;  // of on (...) or ignoring (...)
  bool on = false;  // true: on (...); false: ignoring (...) (an empty ignoring() matches all labels)
  std::vector<std::string> include;  // the labels of group_left (...) / group_right (...)
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::binary) {}
  BinaryOp op = BinaryOp::add;
  SourcePos op_pos;  // the operator's position (errors about `bool` and the operator point at it)
  ExprPtr lhs, rhs;
  bool return_bool = false;
  // Present only between two instant vectors (the parser drops it otherwise, as Prometheus does).
  std::unique_ptr<VectorMatching> matching;
};

// `-expr` or `+expr` (a sign before a number literal is folded into the literal instead).
struct UnaryExpr : Expr {
  UnaryExpr() : Expr(ExprKind::unary) {}
  bool negate = true;  // false: unary plus
  ExprPtr expr;
};

struct ParenExpr : Expr {
  ParenExpr() : Expr(ExprKind::paren) {}
  ExprPtr expr;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] Durations and printing
// ---------------------------------------------------------------------------------------------

// PromQL's duration syntax (Prometheus's model.ParseDuration): integers with the units y w d h
// m s ms, each at most once and in that order ("1h30m", "5m", "1y2w"); a year is 365 days.
// It differs from opsim's scenario durations (engine/sim_time.h: fractions, "us", any order),
// so it has its own parser here. Returns false on anything else; `out` is left alone.
bool parse_promql_duration(std::string_view text, SimDuration& out);
// Prometheus's model.Duration.String(): the largest units first, years and weeks only when
// they divide the duration exactly ("90d", not "12w6d"); "0s" for zero. Millisecond
// precision: sub-millisecond parts (which PromQL text cannot produce) are dropped.
std::string format_promql_duration(SimDuration d);

// Prometheus's String() of the expression: canonical spacing, keywords in lower case, numbers
// as Go prints a float64, strings double-quoted with Go's escapes, matchers sorted.
std::string print_expr(const Expr& e);
// A number as Go's fmt.Sprint(float64) writes it: "1", "0.005", "1e+06", "+Inf", "NaN".
std::string format_number(double v);
// strconv.FormatFloat(v, 'f', -1, 64): the same shortest digits, never with an exponent
// ("0.0001", 1e21 as "1000000000000000000000"); NaN, +Inf, -Inf.
std::string format_number_plain(double v);
// A string as Go's strconv.Quote writes it.
std::string quote_string(std::string_view s);

}  // namespace promql
}  // namespace opsim
