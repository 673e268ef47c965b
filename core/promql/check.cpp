// The type checks of a parsed PromQL expression: what Prometheus 2.42's checkAST verifies
// (promql/parser/parse.go), in the same order, so that the first error reported is the one
// Prometheus reports. Children are checked before their parent.
//
// Index:
//   [SECTION] Regular expressions that match the empty value
//   [SECTION] The checks
#include <cstddef>

#include "promql/parser.h"

namespace opsim {
namespace promql {

// ---------------------------------------------------------------------------------------------
// [SECTION] Regular expressions that match the empty value
// ---------------------------------------------------------------------------------------------
// `{job=~".*"}` would select every series, so Prometheus requires a matcher that does not
// match the empty value. Whether a regex matches "" is its nullability, which needs no
// regex engine: an alternation is nullable when a branch is, a sequence when every item is,
// a repetition when it allows zero or its item is nullable; a character (or class) is not,
// an anchor is. The pattern is not validated here (the evaluator compiles it).

namespace {

class Nullability {
 public:
  explicit Nullability(std::string_view p) : p_(p) {}
  bool alternation() {
    bool any = sequence();
    while (i_ < p_.size() && p_[i_] == '|') {
      ++i_;
      any = sequence() || any;
    }
    return any;
  }

 private:
  bool sequence() {
    bool all = true;
    while (i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') all = repetition() && all;
    return all;
  }
  bool repetition() {
    bool nullable = atom();
    while (i_ < p_.size()) {
      const char c = p_[i_];
      if (c == '*' || c == '?') {
        nullable = true;
        ++i_;
      } else if (c == '+') {
        ++i_;
      } else if (c == '{' && i_ + 1 < p_.size() && p_[i_ + 1] >= '0' && p_[i_ + 1] <= '9') {
        ++i_;
        int low = 0;
        while (i_ < p_.size() && p_[i_] >= '0' && p_[i_] <= '9') low = low * 10 + (p_[i_++] - '0');
        while (i_ < p_.size() && p_[i_] != '}') ++i_;
        if (i_ < p_.size()) ++i_;
        if (low == 0) nullable = true;
      } else {
        break;
      }
      if (i_ < p_.size() && p_[i_] == '?') ++i_;  // lazy quantifier: same language
    }
    return nullable;
  }
  bool atom() {
    const char c = p_[i_];
    if (c == '(') {
      ++i_;
      if (i_ < p_.size() && p_[i_] == '?') {  // (?:...), (?P<name>...), (?i), (?i:...)
        while (i_ < p_.size() && p_[i_] != ':' && p_[i_] != ')') ++i_;
        if (i_ < p_.size() && p_[i_] == ')') {  // a flag group matches nothing: zero-width
          ++i_;
          return true;
        }
        if (i_ < p_.size()) ++i_;
      }
      const bool inner = alternation();
      if (i_ < p_.size()) ++i_;  // ")"
      return inner;
    }
    if (c == '[') {
      skip_class();
      return false;
    }
    if (c == '^' || c == '$') {
      ++i_;
      return true;
    }
    if (c == '\\' && i_ + 1 < p_.size()) {
      const char e = p_[i_ + 1];
      i_ += 2;
      if (e == 'A' || e == 'z' || e == 'b' || e == 'B') return true;  // assertions
      if (e == 'Q') {  // \Q...\E: literal text, empty or not
        const std::size_t end = p_.find("\\E", i_);
        const std::size_t stop = end == std::string_view::npos ? p_.size() : end;
        const bool empty = stop == i_;
        i_ = end == std::string_view::npos ? p_.size() : end + 2;
        return empty;
      }
      if ((e == 'p' || e == 'P') && i_ < p_.size() && p_[i_] == '{') {
        while (i_ < p_.size() && p_[i_] != '}') ++i_;
        if (i_ < p_.size()) ++i_;
      } else if ((e == 'p' || e == 'P') && i_ < p_.size()) {
        ++i_;
      } else if (e == 'x' && i_ < p_.size() && p_[i_] == '{') {
        while (i_ < p_.size() && p_[i_] != '}') ++i_;
        if (i_ < p_.size()) ++i_;
      }
      return false;
    }
    // One character, all of its UTF-8 bytes, so that a quantifier applies to the whole of it.
    ++i_;
    if (static_cast<unsigned char>(c) >= 0xC0)
      while (i_ < p_.size() && (static_cast<unsigned char>(p_[i_]) & 0xC0) == 0x80) ++i_;
    return false;
  }
  // [...], where "]" right after "[" or "[^" is a member, and [:alpha:] nests.
  void skip_class() {
    ++i_;
    if (i_ < p_.size() && p_[i_] == '^') ++i_;
    if (i_ < p_.size() && p_[i_] == ']') ++i_;
    while (i_ < p_.size() && p_[i_] != ']') {
      if (p_[i_] == '\\') {
        i_ += 2;
      } else if (p_[i_] == '[' && i_ + 1 < p_.size() && p_[i_ + 1] == ':') {
        const std::size_t end = p_.find(":]", i_ + 2);
        i_ = end == std::string_view::npos ? i_ + 1 : end + 2;
      } else {
        ++i_;
      }
    }
    if (i_ < p_.size()) ++i_;
  }

  std::string_view p_;
  std::size_t i_ = 0;
};

}  // namespace

bool regex_matches_empty(std::string_view pattern) {
  Nullability n(pattern);
  return n.alternation();
}

// ---------------------------------------------------------------------------------------------
// [SECTION] The checks
// ---------------------------------------------------------------------------------------------

namespace {

std::string with_article(ValueType t) {
  const std::string name = value_type_name(t);
  if (t == ValueType::instant_vector) return "an " + name;
  if (t == ValueType::none) return "no value";
  return "a " + name;
}

class Checker {
 public:
  explicit Checker(std::vector<Diagnostic>& errors) : errors_(errors) {}
  ValueType check(Expr& e);

 private:
  void error_at(const SourcePos& p, const std::string& message) { errors_.push_back(diagnostic_at(p, message)); }
  void expect_type(Expr& e, ValueType want, const std::string& context) {
    const ValueType t = check(e);
    if (t != want) error_at(e.pos, "expected " + with_article(want) + " as " + context + ", found " + with_article(t));
  }
  void check_selector(const VectorSelector& vs);
  void check_call(Call& c);
  void check_binary(BinaryExpr& b);

  std::vector<Diagnostic>& errors_;
};

ValueType Checker::check(Expr& e) {
  switch (e.kind) {
    case ExprKind::number:
    case ExprKind::string: break;
    case ExprKind::vector_selector: check_selector(static_cast<VectorSelector&>(e)); break;
    case ExprKind::matrix_selector: check_selector(*static_cast<MatrixSelector&>(e).selector); break;
    case ExprKind::paren: check(*static_cast<ParenExpr&>(e).expr); break;
    case ExprKind::subquery: {
      auto& sq = static_cast<SubqueryExpr&>(e);
      const ValueType t = check(*sq.expr);
      if (t != ValueType::instant_vector)
        error_at(sq.pos, "expected an instant vector before the subquery [" + format_promql_duration(sq.range_us) + ":" +
                             (sq.step_us ? format_promql_duration(sq.step_us) : "") + "], found " + with_article(t));
      break;
    }
    case ExprKind::unary: {
      auto& u = static_cast<UnaryExpr&>(e);
      const ValueType t = check(*u.expr);
      if (t != ValueType::scalar && t != ValueType::instant_vector)
        error_at(u.pos, std::string("expected a scalar or an instant vector after the unary \"") + (u.negate ? "-" : "+") +
                            "\", found " + with_article(t));
      break;
    }
    case ExprKind::call: check_call(static_cast<Call&>(e)); break;
    case ExprKind::aggregate: {
      auto& a = static_cast<AggregateExpr&>(e);
      const std::string name = aggregate_op_text(a.op);
      expect_type(*a.expr, ValueType::instant_vector, "the argument of " + name);
      if (a.op == AggregateOp::topk || a.op == AggregateOp::bottomk || a.op == AggregateOp::quantile)
        expect_type(*a.param, ValueType::scalar, "the parameter of " + name);
      if (a.op == AggregateOp::count_values)
        expect_type(*a.param, ValueType::string, "the parameter of " + name + " (the label to write)");
      break;
    }
    case ExprKind::binary: check_binary(static_cast<BinaryExpr&>(e)); break;
  }
  return e.type();
}

void Checker::check_selector(const VectorSelector& vs) {
  if (!vs.metric_name.empty()) {
    // The last matcher is the name's own; any other __name__ sets it a second time.
    for (std::size_t i = 0; i + 1 < vs.matchers.size(); ++i)
      if (vs.matchers[i].name == "__name__")
        error_at(vs.pos, "expected the metric name once, found it twice: \"" + vs.metric_name + "\" and __name__" +
                             label_match_op_text(vs.matchers[i].op) + quote_string(vs.matchers[i].value));
    return;
  }
  for (const LabelMatcher& m : vs.matchers) {
    bool matches_empty = false;
    switch (m.op) {
      case LabelMatchOp::equal: matches_empty = m.value.empty(); break;
      case LabelMatchOp::not_equal: matches_empty = !m.value.empty(); break;
      case LabelMatchOp::regex: matches_empty = regex_matches_empty(m.value); break;
      case LabelMatchOp::not_regex: matches_empty = !regex_matches_empty(m.value); break;
    }
    if (!matches_empty) return;
  }
  error_at(vs.pos, "expected a metric name or a matcher that does not match the empty value (such as job=\"api\"), "
                   "found " + std::string(vs.matchers.empty() ? "no matcher" : "only matchers that match series without the label"));
}

void Checker::check_call(Call& c) {
  const FunctionInfo& f = *c.function;
  const std::string name = std::string(f.name) + "()";
  const std::size_t declared = f.arg_types.size();
  const std::size_t given = c.args.size();
  if (f.variadic == 0) {
    if (given != declared)
      error_at(c.pos, "expected " + std::to_string(declared) + " argument(s) in the call to " + name + ", found " +
                          std::to_string(given));
  } else {
    const std::size_t at_least = declared - 1;
    if (given < at_least)
      error_at(c.pos, "expected at least " + std::to_string(at_least) + " argument(s) in the call to " + name +
                          ", found " + std::to_string(given));
    else if (f.variadic > 0 && given > at_least + static_cast<std::size_t>(f.variadic))
      error_at(c.pos, "expected at most " + std::to_string(at_least + static_cast<std::size_t>(f.variadic)) +
                          " argument(s) in the call to " + name + ", found " + std::to_string(given));
  }
  for (std::size_t i = 0; i < given; ++i) {
    std::size_t slot = i;
    if (slot >= declared) {
      if (f.variadic == 0) break;  // already reported as too many
      slot = declared - 1;
    }
    expect_type(*c.args[i], f.arg_types[slot], "argument " + std::to_string(i + 1) + " of " + name);
  }
}

void Checker::check_binary(BinaryExpr& b) {
  const ValueType lt = check(*b.lhs);
  const ValueType rt = check(*b.rhs);
  const std::string op = binary_op_text(b.op);
  if (b.return_bool && !is_comparison(b.op))
    error_at(b.op_pos, "expected a comparison operator (==, !=, >, <, >=, <=) before \"bool\", found \"" + op + "\"");
  if (is_comparison(b.op) && !b.return_bool && lt == ValueType::scalar && rt == ValueType::scalar)
    error_at(b.op_pos, "expected \"" + op + " bool\" between two scalars, found \"" + op +
                           "\" alone (a comparison of scalars must return 0 or 1)");
  VectorMatching* vm = b.matching.get();
  if (vm && is_set_operator(b.op) && vm->card == MatchCardinality::one_to_one) vm->card = MatchCardinality::many_to_many;
  if (vm && vm->on) {
    for (const std::string& label : vm->matching_labels)
      for (const std::string& included : vm->include)
        if (label == included)
          error_at(b.op_pos, "expected a label in either on (...) or group_x (...), found \"" + label + "\" in both");
  }
  if (lt != ValueType::scalar && lt != ValueType::instant_vector)
    error_at(b.lhs->pos, "expected a scalar or an instant vector on the left of \"" + op + "\", found " + with_article(lt));
  if (rt != ValueType::scalar && rt != ValueType::instant_vector)
    error_at(b.rhs->pos, "expected a scalar or an instant vector on the right of \"" + op + "\", found " + with_article(rt));
  if (vm && (lt != ValueType::instant_vector || rt != ValueType::instant_vector)) {
    if (!vm->matching_labels.empty())
      error_at(b.pos, "expected instant vectors on both sides of \"" + op + "\" to use on (...) or ignoring (...), found " +
                          (lt != ValueType::instant_vector ? with_article(lt) + " on the left" : with_article(rt) + " on the right"));
    b.matching.reset();
  } else if (vm && is_set_operator(b.op) &&
             (vm->card == MatchCardinality::many_to_one || vm->card == MatchCardinality::one_to_many)) {
    error_at(b.pos, "expected no group_left or group_right with \"" + op + "\", found one (set operators match many-to-many)");
  }
  if ((lt == ValueType::scalar || rt == ValueType::scalar) && is_set_operator(b.op))
    error_at(b.pos, "expected instant vectors on both sides of \"" + op + "\", found " +
                        (lt == ValueType::scalar ? "a scalar on the left" : "a scalar on the right"));
}

}  // namespace

void check_types(Expr& e, std::vector<Diagnostic>& errors) {
  Checker checker(errors);
  checker.check(e);
}

}  // namespace promql
}  // namespace opsim
