// The canonical text of an expression, byte for byte what Prometheus 2.42's String() prints
// (promql/parser/printer.go), so that tests can compare with Prometheus's own expectations and
// rule files can be shown as Prometheus shows them.
//
// Index:
//   [SECTION] Numbers as Go prints them
//   [SECTION] Strings as Go quotes them
//   [SECTION] Nodes
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "promql/ast.h"

namespace opsim {
namespace promql {

// ---------------------------------------------------------------------------------------------
// [SECTION] Numbers as Go prints them
// ---------------------------------------------------------------------------------------------
// Go's %v of a float64 is strconv's 'g' format with the shortest digits that read back to the
// same value; for the shortest form Go switches to exponent form when the decimal exponent is
// below -4 or at least 6, with at least two exponent digits: 123456 -> "123456", 1234567 ->
// "1.234567e+06", 1e6 -> "1e+06", 0.0001 -> "0.0001", 0.00001 -> "1e-05".

namespace {

// The shortest digits of a finite, non-zero v that read back exactly: its sign ("" or "-"),
// the digits without trailing zeros, and the decimal exponent of the first. printf is
// correctly rounded in both glibc and musl, so the digits are the same in every build, and
// they are the digits Go's shortest formatting picks.
void shortest_digits(double v, std::string& sign, std::string& mantissa, int& exponent) {
  char buf[64];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  // buf is "-d.ddde+XX": split it into sign, digit string and decimal exponent.
  const char* p = buf;
  sign.clear();
  if (*p == '-') {
    sign = "-";
    ++p;
  }
  mantissa.clear();
  for (; *p && *p != 'e'; ++p)
    if (*p != '.') mantissa += *p;
  exponent = std::atoi(p + 1);
  while (mantissa.size() > 1 && mantissa.back() == '0') mantissa.pop_back();
}

// The digits with the point placed by the exponent, never in exponent form.
std::string plain_decimal(const std::string& sign, const std::string& mantissa, int exponent) {
  const int nd = static_cast<int>(mantissa.size());
  std::string s = sign;
  if (exponent < 0) {
    s += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + mantissa;
  } else if (exponent + 1 >= nd) {
    s += mantissa + std::string(static_cast<std::size_t>(exponent + 1 - nd), '0');
  } else {
    s += mantissa.substr(0, static_cast<std::size_t>(exponent + 1)) + "." +
         mantissa.substr(static_cast<std::size_t>(exponent + 1));
  }
  return s;
}

}  // namespace

std::string format_number(double v) {
  if (!std::isfinite(v) || v == 0) return format_number_plain(v);  // NaN, +Inf, -Inf, 0, -0
  std::string sign, mantissa;
  int exponent = 0;
  shortest_digits(v, sign, mantissa, exponent);
  if (exponent < -4 || exponent >= 6) {
    std::string s = sign + mantissa.substr(0, 1);
    if (mantissa.size() > 1) s += "." + mantissa.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return s + e;
  }
  return plain_decimal(sign, mantissa, exponent);
}

std::string format_number_plain(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  std::string sign, mantissa;
  int exponent = 0;
  shortest_digits(v, sign, mantissa, exponent);
  return plain_decimal(sign, mantissa, exponent);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Strings as Go quotes them
// ---------------------------------------------------------------------------------------------

namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is not valid UTF-8
// (then the byte is printed as \xNN, as Go does).
int decode_utf8(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) return 0;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  static const std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return 0;
  return len;
}

// Go's unicode.IsPrint without its tables: what is not printable among the code points that
// PromQL strings plausibly hold. Unassigned code points count as printable here (Go would
// escape them); label values rarely hold them.
bool is_printable(std::uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA1) || cp == 0xAD) return false;
  if ((cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F)) return false;
  if (cp == 0x3000 || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xFFFE || cp == 0xFFFF) return false;
  if ((cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000) return false;  // private use
  return true;
}

}  // namespace

std::string quote_string(std::string_view s) {
  std::string out = "\"";
  char buf[16];
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    const int len = decode_utf8(s, i, cp);
    if (len == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      ++i;
      continue;
    }
    switch (cp) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default:
        if (is_printable(cp)) {
          out.append(s.substr(i, static_cast<std::size_t>(len)));
        } else if (cp < 0x80) {
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
          out += buf;
        } else if (cp < 0x10000) {
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
          out += buf;
        } else {
          std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(cp));
          out += buf;
        }
    }
    i += static_cast<std::size_t>(len);
  }
  return out + "\"";
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Nodes
// ---------------------------------------------------------------------------------------------

namespace {

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? separator : "") + items[i];
  return s;
}

// " offset 5m" / " offset -5m" / "" (Prometheus prints the sign apart from the duration).
std::string offset_suffix(SimDuration offset_us) {
  if (offset_us > 0) return " offset " + format_promql_duration(offset_us);
  if (offset_us < 0) return " offset -" + format_promql_duration(-offset_us);
  return "";
}

// The selector without its offset: a matrix selector prints its range between the two.
std::string print_selector_body(const VectorSelector& vs) {
  std::vector<std::string> parts;
  for (const LabelMatcher& m : vs.matchers) {
    // The matcher that carries the metric name is printed as the name.
    if (m.name == "__name__" && m.op == LabelMatchOp::equal && m.value == vs.metric_name) continue;
    parts.push_back(m.name + label_match_op_text(m.op) + quote_string(m.value));
  }
  if (parts.empty()) return vs.metric_name;
  std::sort(parts.begin(), parts.end());
  return vs.metric_name + "{" + join(parts, ",") + "}";
}

}  // namespace

std::string print_expr(const Expr& e) {
  switch (e.kind) {
    case ExprKind::number: return format_number(static_cast<const NumberLiteral&>(e).value);
    case ExprKind::string: return quote_string(static_cast<const StringLiteral&>(e).value);
    case ExprKind::vector_selector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      return print_selector_body(vs) + offset_suffix(vs.offset_us);
    }
    case ExprKind::matrix_selector: {
      const auto& ms = static_cast<const MatrixSelector&>(e);
      return print_selector_body(*ms.selector) + "[" + format_promql_duration(ms.range_us) + "]" +
             offset_suffix(ms.selector->offset_us);
    }
    case ExprKind::subquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      const std::string step = sq.step_us != 0 ? format_promql_duration(sq.step_us) : "";
      return print_expr(*sq.expr) + "[" + format_promql_duration(sq.range_us) + ":" + step + "]" +
             offset_suffix(sq.offset_us);
    }
    case ExprKind::call: {
      const auto& c = static_cast<const Call&>(e);
      std::vector<std::string> args;
      for (const ExprPtr& a : c.args) args.push_back(print_expr(*a));
      return std::string(c.function ? c.function->name : "?") + "(" + join(args, ", ") + ")";
    }
    case ExprKind::aggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      std::string s = aggregate_op_text(a.op);
      // An empty by () prints as nothing (it means the same as no clause); an empty
      // without () does not (it keeps every label).
      if (a.without)
        s += " without (" + join(a.grouping, ", ") + ") ";
      else if (!a.grouping.empty())
        s += " by (" + join(a.grouping, ", ") + ") ";
      s += "(";
      if (takes_parameter(a.op) && a.param) s += print_expr(*a.param) + ", ";
      return s + print_expr(*a.expr) + ")";
    }
    case ExprKind::binary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      std::string s = print_expr(*b.lhs) + " " + binary_op_text(b.op);
      if (b.return_bool) s += " bool";
      const VectorMatching* vm = b.matching.get();
      // As Prometheus: an empty ignoring () is not printed, and neither is the group_x that
      // follows it (a quirk of printer.go that we keep so that outputs compare equal).
      if (vm && (!vm->matching_labels.empty() || vm->on)) {
        s += std::string(vm->on ? " on (" : " ignoring (") + join(vm->matching_labels, ", ") + ")";
        if (vm->card == MatchCardinality::many_to_one || vm->card == MatchCardinality::one_to_many) {
          s += std::string(vm->card == MatchCardinality::many_to_one ? " group_left (" : " group_right (") +
               join(vm->include, ", ") + ")";
        }
      }
      return s + " " + print_expr(*b.rhs);
    }
    case ExprKind::unary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      return (u.negate ? "-" : "+") + print_expr(*u.expr);
    }
    case ExprKind::paren: return "(" + print_expr(*static_cast<const ParenExpr&>(e).expr) + ")";
  }
  return "";
}

}  // namespace promql
}  // namespace opsim
