// Index:
//   [SECTION] Names of types and operators
//   [SECTION] The function table
//   [SECTION] Result types
//   [SECTION] Durations
#include "promql/ast.h"

#include <cstdint>

namespace opsim {
namespace promql {

// ---------------------------------------------------------------------------------------------
// [SECTION] Names of types and operators
// ---------------------------------------------------------------------------------------------

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::none: return "none";
    case ValueType::scalar: return "scalar";
    case ValueType::string: return "string";
    case ValueType::instant_vector: return "instant vector";
    case ValueType::range_vector: return "range vector";
  }
  return "none";
}

const char* binary_op_text(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return "+";
    case BinaryOp::sub: return "-";
    case BinaryOp::mul: return "*";
    case BinaryOp::div: return "/";
    case BinaryOp::mod: return "%";
    case BinaryOp::pow: return "^";
    case BinaryOp::atan2: return "atan2";
    case BinaryOp::eql: return "==";
    case BinaryOp::neq: return "!=";
    case BinaryOp::lte: return "<=";
    case BinaryOp::lss: return "<";
    case BinaryOp::gte: return ">=";
    case BinaryOp::gtr: return ">";
    case BinaryOp::land: return "and";
    case BinaryOp::lor: return "or";
    case BinaryOp::lunless: return "unless";
  }
  return "?";
}

bool is_comparison(BinaryOp op) {
  return op == BinaryOp::eql || op == BinaryOp::neq || op == BinaryOp::lte || op == BinaryOp::lss ||
         op == BinaryOp::gte || op == BinaryOp::gtr;
}

bool is_set_operator(BinaryOp op) { return op == BinaryOp::land || op == BinaryOp::lor || op == BinaryOp::lunless; }

const char* aggregate_op_text(AggregateOp op) {
  switch (op) {
    case AggregateOp::sum: return "sum";
    case AggregateOp::avg: return "avg";
    case AggregateOp::count: return "count";
    case AggregateOp::min: return "min";
    case AggregateOp::max: return "max";
    case AggregateOp::group: return "group";
    case AggregateOp::stddev: return "stddev";
    case AggregateOp::stdvar: return "stdvar";
    case AggregateOp::topk: return "topk";
    case AggregateOp::bottomk: return "bottomk";
    case AggregateOp::count_values: return "count_values";
    case AggregateOp::quantile: return "quantile";
  }
  return "?";
}

bool takes_parameter(AggregateOp op) {
  return op == AggregateOp::topk || op == AggregateOp::bottomk || op == AggregateOp::count_values ||
         op == AggregateOp::quantile;
}

bool opsim_evaluates(AggregateOp op) { return op != AggregateOp::group; }

const char* label_match_op_text(LabelMatchOp op) {
  switch (op) {
    case LabelMatchOp::equal: return "=";
    case LabelMatchOp::not_equal: return "!=";
    case LabelMatchOp::regex: return "=~";
    case LabelMatchOp::not_regex: return "!~";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// [SECTION] The function table
// ---------------------------------------------------------------------------------------------
// Every function of Prometheus 2.42, so that a call Prometheus accepts but opsim does not
// evaluate gets a precise refusal rather than "unknown function". Sorted by name.

namespace {
constexpr ValueType S = ValueType::scalar;
constexpr ValueType Str = ValueType::string;
constexpr ValueType V = ValueType::instant_vector;
constexpr ValueType M = ValueType::range_vector;
}  // namespace

const std::vector<FunctionInfo>& function_table() {
  static const std::vector<FunctionInfo> table = {
      {"abs", {V}, 0, V, true},
      {"absent", {V}, 0, V, true},
      {"absent_over_time", {M}, 0, V, true},
      {"acos", {V}, 0, V, false},
      {"acosh", {V}, 0, V, false},
      {"asin", {V}, 0, V, false},
      {"asinh", {V}, 0, V, false},
      {"atan", {V}, 0, V, false},
      {"atanh", {V}, 0, V, false},
      {"avg_over_time", {M}, 0, V, true},
      {"ceil", {V}, 0, V, true},
      {"changes", {M}, 0, V, false},
      {"clamp", {V, S, S}, 0, V, true},
      {"clamp_max", {V, S}, 0, V, true},
      {"clamp_min", {V, S}, 0, V, true},
      {"cos", {V}, 0, V, false},
      {"cosh", {V}, 0, V, false},
      {"count_over_time", {M}, 0, V, true},
      {"day_of_month", {V}, 1, V, false},
      {"day_of_week", {V}, 1, V, false},
      {"day_of_year", {V}, 1, V, false},
      {"days_in_month", {V}, 1, V, false},
      {"deg", {V}, 0, V, false},
      {"delta", {M}, 0, V, true},
      {"deriv", {M}, 0, V, false},
      {"exp", {V}, 0, V, false},
      {"floor", {V}, 0, V, true},
      {"histogram_count", {V}, 0, V, false},
      {"histogram_fraction", {S, S, V}, 0, V, false},
      {"histogram_quantile", {S, V}, 0, V, true},
      {"histogram_sum", {V}, 0, V, false},
      {"holt_winters", {M, S, S}, 0, V, false},
      {"hour", {V}, 1, V, false},
      {"idelta", {M}, 0, V, true},
      {"increase", {M}, 0, V, true},
      {"irate", {M}, 0, V, true},
      {"label_join", {V, Str, Str, Str}, -1, V, false},
      {"label_replace", {V, Str, Str, Str, Str}, 0, V, true},
      {"last_over_time", {M}, 0, V, true},
      {"ln", {V}, 0, V, false},
      {"log10", {V}, 0, V, false},
      {"log2", {V}, 0, V, false},
      {"max_over_time", {M}, 0, V, true},
      {"min_over_time", {M}, 0, V, true},
      {"minute", {V}, 1, V, false},
      {"month", {V}, 1, V, false},
      {"pi", {}, 0, S, false},
      {"predict_linear", {M, S}, 0, V, false},
      {"present_over_time", {M}, 0, V, true},
      {"quantile_over_time", {S, M}, 0, V, true},
      {"rad", {V}, 0, V, false},
      {"rate", {M}, 0, V, true},
      {"resets", {M}, 0, V, false},
      {"round", {V, S}, 1, V, true},
      {"scalar", {V}, 0, S, true},
      {"sgn", {V}, 0, V, false},
      {"sin", {V}, 0, V, false},
      {"sinh", {V}, 0, V, false},
      {"sort", {V}, 0, V, true},
      {"sort_desc", {V}, 0, V, true},
      {"sqrt", {V}, 0, V, false},
      {"stddev_over_time", {M}, 0, V, true},
      {"stdvar_over_time", {M}, 0, V, true},
      {"sum_over_time", {M}, 0, V, true},
      {"tan", {V}, 0, V, false},
      {"tanh", {V}, 0, V, false},
      {"time", {}, 0, S, true},
      {"timestamp", {V}, 0, V, true},
      {"vector", {S}, 0, V, true},
      {"year", {V}, 1, V, false},
  };
  return table;
}

const FunctionInfo* find_function(std::string_view name) {
  for (const FunctionInfo& f : function_table())
    if (name == f.name) return &f;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Result types
// ---------------------------------------------------------------------------------------------

ValueType Expr::type() const {
  switch (kind) {
    case ExprKind::number: return ValueType::scalar;
    case ExprKind::string: return ValueType::string;
    case ExprKind::vector_selector: return ValueType::instant_vector;
    case ExprKind::matrix_selector:
    case ExprKind::subquery: return ValueType::range_vector;
    case ExprKind::call: {
      const auto* c = static_cast<const Call*>(this);
      return c->function ? c->function->return_type : ValueType::none;
    }
    case ExprKind::aggregate: return ValueType::instant_vector;
    case ExprKind::binary: {
      const auto* b = static_cast<const BinaryExpr*>(this);
      const bool both_scalar = b->lhs && b->rhs && b->lhs->type() == ValueType::scalar &&
                               b->rhs->type() == ValueType::scalar;
      return both_scalar ? ValueType::scalar : ValueType::instant_vector;
    }
    case ExprKind::unary: {
      const auto* u = static_cast<const UnaryExpr*>(this);
      return u->expr ? u->expr->type() : ValueType::none;
    }
    case ExprKind::paren: {
      const auto* p = static_cast<const ParenExpr*>(this);
      return p->expr ? p->expr->type() : ValueType::none;
    }
  }
  return ValueType::none;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Durations
// ---------------------------------------------------------------------------------------------

namespace {
struct DurationUnit {
  const char* suffix;
  SimDuration micros;
};
// In the only order Prometheus accepts them. "ms" must be tried before "m" at each position,
// which the parser below does by matching the longest suffix.
const DurationUnit kUnits[] = {
    {"y", 365 * kMicrosPerDay}, {"w", 7 * kMicrosPerDay}, {"d", kMicrosPerDay},      {"h", kMicrosPerHour},
    {"m", kMicrosPerMinute},    {"s", kMicrosPerSecond},  {"ms", kMicrosPerMilli},
};
constexpr int kUnitCount = sizeof(kUnits) / sizeof(kUnits[0]);
}  // namespace

bool parse_promql_duration(std::string_view text, SimDuration& out) {
  if (text == "0") {  // model.ParseDuration's one unitless form
    out = 0;
    return true;
  }
  if (text.empty()) return false;
  std::size_t i = 0;
  int next_unit = 0;  // units must come in kUnits order, each at most once
  SimDuration total = 0;
  // About 292,000 years of microseconds fit in int64; refuse what would overflow.
  constexpr SimDuration kMax = SimDuration{1} << 62;
  while (i < text.size()) {
    std::size_t start = i;
    std::int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > (kMax / 10)) return false;
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return false;
    int unit = -1;
    for (int u = next_unit; u < kUnitCount; ++u) {
      std::string_view suffix = kUnits[u].suffix;
      if (text.substr(i, suffix.size()) != suffix) continue;
      // "m" must not take the "m" of "ms".
      if (suffix == "m" && text.substr(i, 2) == "ms") continue;
      unit = u;
      break;
    }
    if (unit < 0) return false;
    i += std::string_view(kUnits[unit].suffix).size();
    if (n > (kMax - total) / kUnits[unit].micros) return false;
    total += n * kUnits[unit].micros;
    next_unit = unit + 1;
  }
  out = total;
  return true;
}

std::string format_promql_duration(SimDuration d) {
  std::int64_t ms = d / kMicrosPerMilli;
  if (ms == 0) return "0s";
  std::string s;
  if (ms < 0) {  // Prometheus never prints one (offsets print their sign apart), but be total
    s = "-";
    ms = -ms;
  }
  for (int u = 0; u < kUnitCount; ++u) {
    const std::int64_t unit_ms = kUnits[u].micros / kMicrosPerMilli;
    const bool exact_only = u < 2;  // years and weeks: only when nothing is left over
    if (exact_only && ms % unit_ms != 0) continue;
    const std::int64_t n = ms / unit_ms;
    if (n > 0) {
      s += std::to_string(n) + kUnits[u].suffix;
      ms -= n * unit_ms;
    }
  }
  return s;
}

}  // namespace promql
}  // namespace opsim
