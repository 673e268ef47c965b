// The PromQL parser: recursive descent with precedence climbing, reproducing the grammar and
// precedences of Prometheus 2.42's yacc grammar (promql/parser/generated_parser.y):
//
//   or  <  and unless  <  == != <= < >= >  <  + -  <  * / % atan2  <  unary - +  <  ^  <  offset, [..]
//
// All binary operators are left-associative except ^. A unary sign binds less tightly than ^
// (-2^2 is -(2^2)) and more tightly than * (-a*b is (-a)*b). offset and ranges bind to the
// operand just before them.
//
// Syntax errors stop the parse (the first one is what the user needs); errors that Prometheus
// finds while building nodes (a bad duration, an unknown function, a wrong number of
// aggregation arguments) are recorded and parsing goes on, as there. The type checks
// (check.cpp) run only on a tree without errors.
//
// Index:
//   [SECTION] The parser's state and errors
//   [SECTION] Binary expressions
//   [SECTION] Unary expressions and suffixes (offset, ranges, subqueries)
//   [SECTION] Primary expressions: literals, selectors, calls, aggregations
//   [SECTION] Entry points
#include "promql/parser.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "promql/lexer.h"

namespace opsim {
namespace promql {

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] The parser's state and errors
// ---------------------------------------------------------------------------------------------

constexpr int kPowPrecedence = 6;

// Binding strength of a binary operator token; 0 for any other token.
int precedence(TokenKind k) {
  switch (k) {
    case TokenKind::kw_or: return 1;
    case TokenKind::kw_and:
    case TokenKind::kw_unless: return 2;
    case TokenKind::eqlc:
    case TokenKind::neq:
    case TokenKind::lte:
    case TokenKind::lss:
    case TokenKind::gte:
    case TokenKind::gtr: return 3;
    case TokenKind::add:
    case TokenKind::sub: return 4;
    case TokenKind::mul:
    case TokenKind::div:
    case TokenKind::mod:
    case TokenKind::kw_atan2: return 5;
    case TokenKind::pow: return kPowPrecedence;
    default: return 0;
  }
}

BinaryOp binary_op(TokenKind k) {
  switch (k) {
    case TokenKind::kw_or: return BinaryOp::lor;
    case TokenKind::kw_and: return BinaryOp::land;
    case TokenKind::kw_unless: return BinaryOp::lunless;
    case TokenKind::eqlc: return BinaryOp::eql;
    case TokenKind::neq: return BinaryOp::neq;
    case TokenKind::lte: return BinaryOp::lte;
    case TokenKind::lss: return BinaryOp::lss;
    case TokenKind::gte: return BinaryOp::gte;
    case TokenKind::gtr: return BinaryOp::gtr;
    case TokenKind::add: return BinaryOp::add;
    case TokenKind::sub: return BinaryOp::sub;
    case TokenKind::mul: return BinaryOp::mul;
    case TokenKind::div: return BinaryOp::div;
    case TokenKind::mod: return BinaryOp::mod;
    case TokenKind::kw_atan2: return BinaryOp::atan2;
    default: return BinaryOp::pow;
  }
}

// Keywords that may also name a metric (Prometheus's metric_identifier rule): `sum`, `by`,
// `offset` and `start` are valid metric names where an expression begins.
bool can_name_metric(TokenKind k) {
  switch (k) {
    case TokenKind::identifier:
    case TokenKind::metric_identifier:
    case TokenKind::aggregator:
    case TokenKind::kw_and:
    case TokenKind::kw_or:
    case TokenKind::kw_unless:
    case TokenKind::kw_offset:
    case TokenKind::kw_by:
    case TokenKind::kw_without:
    case TokenKind::kw_start:
    case TokenKind::kw_end: return true;
    default: return false;
  }
}

// Tokens that may name a label in by (...), on (...), group_left (...): any word but those
// with a colon (Prometheus's maybe_label rule, checked with isLabel).
bool can_name_label(const Token& t) {
  switch (t.kind) {
    case TokenKind::number:
    case TokenKind::string:
    case TokenKind::duration:
    case TokenKind::end:
    case TokenKind::error: return false;
    default: return is_label_name(t.text);
  }
}

std::string position_text(const SourcePos& p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

// Go's strconv.ParseInt(text, 0, 64), then ParseFloat when that fails, as Prometheus reads
// number literals: so "0x1F" is 31 and "0755" is octal 493, while "09" is 9.
bool parse_number(std::string_view text, double& out) {
  auto parse_int = [&](std::size_t from, int base) -> bool {
    if (from >= text.size()) return false;
    std::uint64_t n = 0;
    for (std::size_t i = from; i < text.size(); ++i) {
      const char c = text[i];
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 99;
      if (d >= base) return false;
      n = n * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
      if (n > static_cast<std::uint64_t>(INT64_MAX)) return false;
    }
    out = static_cast<double>(static_cast<std::int64_t>(n));
    return true;
  };
  if (text.size() > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) return parse_int(2, 16);
  if (text.size() > 1 && text[0] == '0' && parse_int(1, 8)) return true;
  if (parse_int(0, 10)) return true;
  const std::string s(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  // An overflow is an error in Go (ErrRange with +-Inf); infinity written as such is not.
  if (std::isinf(v) && s.find_first_of("iI") == std::string::npos) return false;
  out = v;
  return true;
}

class Parser {
 public:
  Parser(std::string_view input, std::vector<Diagnostic>& errors)
      : input_(input), tokens_(lex(input)), errors_(errors) {}

  ExprPtr parse_all();

 private:
  const Token& peek(std::size_t ahead = 0) const {
    const std::size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool at(TokenKind k) const { return peek().kind == k; }

  void error_at(const SourcePos& p, const std::string& message) { errors_.push_back(diagnostic_at(p, message)); }
  // What the parse functions return on a syntax error: false or a null node, whichever the
  // function returns.
  struct Failure {
    operator bool() const { return false; }
    operator ExprPtr() const { return nullptr; }
  };
  // A syntax error at the current token: "expected WHAT, found TOKEN" (or the lexer's own
  // message when the token is a lexical error). Stops the parse.
  Failure expected(const std::string& what) {
    const Token& t = peek();
    if (!failed_) {
      if (t.kind == TokenKind::error)
        error_at(t.pos, t.value);
      else
        error_at(t.pos, "expected " + what + ", found " + describe_token(t));
    }
    failed_ = true;
    return Failure{};
  }

  ExprPtr parse_expr(int min_precedence);
  bool parse_bin_modifiers(BinaryExpr& b);
  ExprPtr parse_unary();
  ExprPtr parse_suffixes(ExprPtr e);
  bool read_duration(const char* where, SimDuration& out);
  void apply_offset(Expr& e, SimDuration offset_us);
  ExprPtr parse_primary();
  ExprPtr parse_selector();
  bool parse_matchers(VectorSelector& vs);
  ExprPtr parse_call();
  ExprPtr parse_aggregate();
  bool parse_arguments(std::vector<ExprPtr>& args, const std::string& context);
  bool parse_grouping(const std::string& keyword, std::vector<std::string>& labels);

  std::string_view input_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::vector<Diagnostic>& errors_;
  bool failed_ = false;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] Binary expressions
// ---------------------------------------------------------------------------------------------

ExprPtr Parser::parse_expr(int min_precedence) {
  ExprPtr lhs = parse_unary();
  if (!lhs) return nullptr;
  while (true) {
    const Token& op = peek();
    const int prec = precedence(op.kind);
    if (prec == 0 || prec < min_precedence) return lhs;
    next();
    auto b = std::make_unique<BinaryExpr>();
    b->op = binary_op(op.kind);
    b->op_pos = op.pos;
    b->pos = lhs->pos;
    if (!parse_bin_modifiers(*b)) return nullptr;
    // ^ is right-associative: its right side may hold another ^; the others take only
    // tighter operators on their right.
    ExprPtr rhs = parse_expr(b->op == BinaryOp::pow ? prec : prec + 1);
    if (!rhs) return nullptr;
    b->lhs = std::move(lhs);
    b->rhs = std::move(rhs);
    lhs = std::move(b);
  }
}

// [bool] [on|ignoring (labels) [group_left|group_right [(labels)]]], in that order only.
bool Parser::parse_bin_modifiers(BinaryExpr& b) {
  // Every binary expression starts one-to-one; the checks drop the matching when a side is
  // not an instant vector, and make set operators many-to-many.
  b.matching = std::make_unique<VectorMatching>();
  if (at(TokenKind::kw_bool)) {
    next();
    b.return_bool = true;
  }
  if (!at(TokenKind::kw_on) && !at(TokenKind::kw_ignoring)) return true;
  const Token& keyword = next();
  b.matching->on = keyword.kind == TokenKind::kw_on;
  if (!parse_grouping(std::string(keyword.text), b.matching->matching_labels)) return false;
  if (!at(TokenKind::kw_group_left) && !at(TokenKind::kw_group_right)) return true;
  const Token& group = next();
  b.matching->card = group.kind == TokenKind::kw_group_left ? MatchCardinality::many_to_one
                                                             : MatchCardinality::one_to_many;
  if (at(TokenKind::left_paren)) return parse_grouping(std::string(group.text), b.matching->include);
  return true;
}

// "(a, b, c)", with an optional trailing comma; "()" too.
bool Parser::parse_grouping(const std::string& keyword, std::vector<std::string>& labels) {
  if (!at(TokenKind::left_paren)) return expected("\"(\" and a list of labels after \"" + keyword + "\"");
  next();
  if (at(TokenKind::right_paren)) {
    next();
    return true;
  }
  while (true) {
    if (!can_name_label(peek())) return expected("a label name in the list of \"" + keyword + "\"");
    labels.emplace_back(next().text);
    if (at(TokenKind::comma)) {
      next();
      if (at(TokenKind::right_paren)) break;
      continue;
    }
    if (at(TokenKind::right_paren)) break;
    return expected("\",\" or \")\" in the list of \"" + keyword + "\"");
  }
  next();
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Unary expressions and suffixes (offset, ranges, subqueries)
// ---------------------------------------------------------------------------------------------

ExprPtr Parser::parse_unary() {
  if (at(TokenKind::add) || at(TokenKind::sub)) {
    const Token& sign = next();
    // The operand takes ^ but not *: -a^b is -(a^b), -a*b is (-a)*b.
    ExprPtr operand = parse_expr(kPowPrecedence);
    if (!operand) return nullptr;
    if (operand->kind == ExprKind::number) {
      // A signed number literal is one literal, as in Prometheus ("-1" prints as "-1").
      auto* n = static_cast<NumberLiteral*>(operand.get());
      if (sign.kind == TokenKind::sub) n->value = -n->value;
      n->pos = sign.pos;
      return operand;
    }
    auto u = std::make_unique<UnaryExpr>();
    u->pos = sign.pos;
    u->negate = sign.kind == TokenKind::sub;
    u->expr = std::move(operand);
    return u;
  }
  ExprPtr e = parse_primary();
  if (!e) return nullptr;
  return parse_suffixes(std::move(e));
}

// A duration token, checked: valid syntax and greater than zero. A bad one is recorded and
// parsing goes on (as in Prometheus); a missing one stops the parse.
bool Parser::read_duration(const char* where, SimDuration& out) {
  if (!at(TokenKind::duration)) return expected(std::string("a duration ") + where);
  const Token& t = next();
  SimDuration d = 0;
  if (!parse_promql_duration(t.text, d))
    error_at(t.pos, "expected a duration such as 5m or 1h30m (whole numbers of y, w, d, h, m, s, ms, each unit once, "
                    "largest first), found \"" + std::string(t.text) + "\"");
  else if (d == 0)
    error_at(t.pos, "expected a duration greater than 0, found \"" + std::string(t.text) + "\"");
  out = d;
  return true;
}

void Parser::apply_offset(Expr& e, SimDuration offset_us) {
  SimDuration* target = nullptr;
  if (e.kind == ExprKind::vector_selector) target = &static_cast<VectorSelector&>(e).offset_us;
  if (e.kind == ExprKind::matrix_selector) target = &static_cast<MatrixSelector&>(e).selector->offset_us;
  if (e.kind == ExprKind::subquery) target = &static_cast<SubqueryExpr&>(e).offset_us;
  if (!target) {
    error_at(e.pos, "expected an instant vector selector, a range vector selector or a subquery before \"offset\", "
                    "found " + std::string(e.kind == ExprKind::paren ? "an expression in parentheses" : "another expression"));
    return;
  }
  if (*target != 0) {
    error_at(e.pos, "expected at most one \"offset\" on an expression, found a second one");
    return;
  }
  *target = offset_us;
}

ExprPtr Parser::parse_suffixes(ExprPtr e) {
  while (!failed_) {
    if (at(TokenKind::kw_offset)) {
      next();
      const bool negative = at(TokenKind::sub);
      if (negative) next();
      SimDuration d = 0;
      if (!read_duration("after \"offset\"", d)) return nullptr;
      apply_offset(*e, negative ? -d : d);
    } else if (at(TokenKind::left_bracket)) {
      const Token& bracket = next();
      SimDuration range = 0;
      if (!read_duration("after \"[\"", range)) return nullptr;
      if (at(TokenKind::right_bracket)) {
        next();
        // A range applies to a plain selector only: Prometheus refuses (a + b)[5m] and
        // foo offset 1m [5m] (the offset goes after the range).
        if (e->kind != ExprKind::vector_selector) {
          const std::string what = e->kind == ExprKind::matrix_selector || e->kind == ExprKind::subquery
                                       ? "a range vector"
                                       : "another kind of expression";
          error_at(bracket.pos, "expected a vector selector before the range [" + format_promql_duration(range) +
                                    "], found " + what + " (a subquery has a colon: [" + format_promql_duration(range) + ":])");
          continue;
        }
        auto* vs = static_cast<VectorSelector*>(e.get());
        if (vs->offset_us != 0) {
          error_at(bracket.pos, "expected the range before \"offset\" (foo[5m] offset 1h), found \"offset\" before it");
          continue;
        }
        auto m = std::make_unique<MatrixSelector>();
        m->pos = vs->pos;
        m->range_us = range;
        m->selector.reset(static_cast<VectorSelector*>(e.release()));
        e = std::move(m);
        continue;
      }
      if (!at(TokenKind::colon)) return expected("\":\" or \"]\" after the range");
      next();
      auto sq = std::make_unique<SubqueryExpr>();
      sq->pos = e->pos;
      sq->range_us = range;
      if (at(TokenKind::duration)) {
        if (!read_duration("after \":\"", sq->step_us)) return nullptr;
        if (!at(TokenKind::right_bracket)) return expected("\"]\" to end the subquery");
      } else if (!at(TokenKind::right_bracket)) {
        return expected("a step duration or \"]\" in the subquery");
      }
      next();
      sq->expr = std::move(e);
      e = std::move(sq);
    } else if (at(TokenKind::at)) {
      const Token& t = peek();
      error_at(t.pos, "expected an operator, \"offset\" or end of input, found \"@\" (opsim does not support the @ "
                      "modifier: a simulation has no fixed query times to pin)");
      failed_ = true;
      return nullptr;
    } else {
      break;
    }
  }
  if (failed_) return nullptr;
  return e;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Primary expressions: literals, selectors, calls, aggregations
// ---------------------------------------------------------------------------------------------

ExprPtr Parser::parse_primary() {
  const Token& t = peek();
  switch (t.kind) {
    case TokenKind::number: {
      next();
      auto n = std::make_unique<NumberLiteral>();
      n->pos = t.pos;
      if (!parse_number(t.text, n->value))
        error_at(t.pos, "expected a number (decimal, 0x hexadecimal, Inf or NaN) within float64's range, found \"" +
                            std::string(t.text) + "\"");
      return n;
    }
    case TokenKind::string: {
      next();
      auto s = std::make_unique<StringLiteral>();
      s->pos = t.pos;
      s->value = t.value;
      return s;
    }
    case TokenKind::left_paren: {
      const Token& open = next();
      auto p = std::make_unique<ParenExpr>();
      p->pos = open.pos;
      p->expr = parse_expr(0);
      if (!p->expr) return nullptr;
      if (!at(TokenKind::right_paren)) return expected("\")\" to close the \"(\" at " + position_text(open.pos));
      next();
      return p;
    }
    case TokenKind::left_brace: return parse_selector();
    case TokenKind::aggregator: {
      // `sum (...)` and `sum by (...)` aggregate; a bare `sum` is a metric name.
      const TokenKind after = peek(1).kind;
      if (after == TokenKind::left_paren || after == TokenKind::kw_by || after == TokenKind::kw_without)
        return parse_aggregate();
      return parse_selector();
    }
    case TokenKind::identifier:
      if (peek(1).kind == TokenKind::left_paren) return parse_call();
      return parse_selector();
    default:
      if (can_name_metric(t.kind)) return parse_selector();
      return expected("an expression");
  }
}

ExprPtr Parser::parse_selector() {
  auto vs = std::make_unique<VectorSelector>();
  vs->pos = peek().pos;
  if (!at(TokenKind::left_brace)) vs->metric_name = std::string(next().text);
  if (at(TokenKind::left_brace) && !parse_matchers(*vs)) return nullptr;
  // The name is also a matcher, last, as Prometheus's assembleVectorSelector makes it.
  if (!vs->metric_name.empty()) vs->matchers.push_back({"__name__", LabelMatchOp::equal, vs->metric_name});
  return vs;
}

// {label op "value", ...} with an optional trailing comma; {} too (refused by the checks).
bool Parser::parse_matchers(VectorSelector& vs) {
  next();  // "{"
  if (at(TokenKind::right_brace)) {
    next();
    return true;
  }
  while (true) {
    if (!at(TokenKind::identifier)) return expected("a label name or \"}\" in the label matchers");
    LabelMatcher m;
    m.name = std::string(next().text);
    switch (peek().kind) {
      case TokenKind::assign: m.op = LabelMatchOp::equal; break;
      case TokenKind::neq: m.op = LabelMatchOp::not_equal; break;
      case TokenKind::eql_regex: m.op = LabelMatchOp::regex; break;
      case TokenKind::neq_regex: m.op = LabelMatchOp::not_regex; break;
      default: return expected("a matcher operator (=, !=, =~ or !~) after the label name \"" + m.name + "\"");
    }
    next();
    if (!at(TokenKind::string)) return expected("a quoted string after \"" + m.name + label_match_op_text(m.op) + "\"");
    m.value = next().value;
    vs.matchers.push_back(std::move(m));
    if (at(TokenKind::comma)) {
      next();
      if (at(TokenKind::right_brace)) break;
      continue;
    }
    if (at(TokenKind::right_brace)) break;
    return expected("\",\" or \"}\" after a label matcher");
  }
  next();
  return true;
}

// "(a, b, c)"; a trailing comma is an error (recorded; parsing goes on), as in Prometheus.
bool Parser::parse_arguments(std::vector<ExprPtr>& args, const std::string& context) {
  if (!at(TokenKind::left_paren)) return expected("\"(\" and the arguments of " + context);
  next();
  if (at(TokenKind::right_paren)) {
    next();
    return true;
  }
  while (true) {
    ExprPtr a = parse_expr(0);
    if (!a) return false;
    args.push_back(std::move(a));
    if (at(TokenKind::comma)) {
      const Token& comma = next();
      if (at(TokenKind::right_paren)) {
        error_at(comma.pos, "expected another argument after \",\" in " + context + ", found \")\" (no trailing commas in calls)");
        break;
      }
      continue;
    }
    if (at(TokenKind::right_paren)) break;
    return expected("\",\" or \")\" in the arguments of " + context);
  }
  next();
  return true;
}

ExprPtr Parser::parse_call() {
  const Token& name = next();
  auto c = std::make_unique<Call>();
  c->pos = name.pos;
  c->function = find_function(name.text);
  const std::string fname(name.text);
  if (!c->function) {
    error_at(name.pos, "expected a function name (rate, irate, increase, histogram_quantile, ...), found unknown "
                       "function \"" + fname + "\"");
  } else if (!c->function->opsim_evaluates) {
    error_at(name.pos, "expected a function that opsim evaluates, found \"" + fname +
                           "\" (a Prometheus function that opsim does not implement)");
  }
  if (!parse_arguments(c->args, fname + "()")) return nullptr;
  return c;
}

ExprPtr Parser::parse_aggregate() {
  const Token& op = next();
  auto a = std::make_unique<AggregateExpr>();
  a->pos = op.pos;
  a->op = op.aggregate;
  const std::string name = aggregate_op_text(a->op);
  bool grouped = false;
  auto read_modifier = [&]() -> bool {
    const Token& kw = next();
    a->without = kw.kind == TokenKind::kw_without;
    grouped = true;
    return parse_grouping(a->without ? "without" : "by", a->grouping);
  };
  if ((at(TokenKind::kw_by) || at(TokenKind::kw_without)) && !read_modifier()) return nullptr;
  std::vector<ExprPtr> args;
  if (!parse_arguments(args, name)) return nullptr;
  if (!grouped && (at(TokenKind::kw_by) || at(TokenKind::kw_without)) && !read_modifier()) return nullptr;

  if (!opsim_evaluates(a->op))
    error_at(op.pos, "expected an aggregation that opsim evaluates, found \"" + name +
                         "\" (a Prometheus aggregation that opsim does not implement)");
  const std::size_t wanted = takes_parameter(a->op) ? 2 : 1;
  if (args.empty()) {
    error_at(op.pos, "expected " + std::to_string(wanted) + " argument(s) in the aggregation " + name + ", found none");
  } else if (args.size() != wanted) {
    error_at(op.pos, "expected " + std::to_string(wanted) + " argument(s) in the aggregation " + name + ", found " +
                         std::to_string(args.size()));
  } else {
    if (wanted == 2) a->param = std::move(args[0]);
    a->expr = std::move(args[wanted - 1]);
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Entry points
// ---------------------------------------------------------------------------------------------

ExprPtr Parser::parse_all() {
  if (at(TokenKind::end)) {
    error_at(SourcePos{}, "expected an expression, found end of input");
    return nullptr;
  }
  ExprPtr e = parse_expr(0);
  if (!e) return nullptr;
  if (!at(TokenKind::end)) return expected("an operator or end of input");
  return e;
}

}  // namespace

ParseResult parse(std::string_view text) {
  ParseResult result;
  Parser parser(text, result.errors);
  ExprPtr e = parser.parse_all();
  if (result.errors.empty() && e) check_types(*e, result.errors);
  if (result.errors.empty()) result.expr = std::move(e);
  return result;
}

Diagnostic diagnostic_at(const SourcePos& p, const std::string& message) {
  Diagnostic d;
  d.message = message;
  d.line = p.line;
  d.column = p.column;
  return d;
}

std::string format_error(const Diagnostic& d) {
  std::string s;
  if (!d.path.empty()) s += d.path + ": ";
  return s + std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message;
}

}  // namespace promql
}  // namespace opsim
