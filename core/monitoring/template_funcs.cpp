// The functions an alert template may call: Go's builtins (text/template/funcs.go) and
// Prometheus's (template/template.go at v2.42.0), rewritten for opsim with Go's results and
// error texts.
//
// Index:
//   [SECTION] Go's strconv.ParseFloat and Prometheus's convertToFloat
//   [SECTION] Builtins: comparisons, and/or/not, len, index, print, html, urlquery
//   [SECTION] Text: case mapping, regular expressions, host:port
//   [SECTION] Numbers: humanize*, timestamps, durations
//   [SECTION] The table
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "json/json.h"
#include "promql/regex.h"
#include "monitoring/template_internal.h"

namespace opsim {
namespace tmpl {
namespace {

[[noreturn]] void fail(std::string message) { throw CallError{std::move(message)}; }

// ---------------------------------------------------------------------------------------------
// [SECTION] Go's strconv.ParseFloat and Prometheus's convertToFloat
// ---------------------------------------------------------------------------------------------

bool iequals_prefix(std::string_view s, std::string_view word, std::size_t n) {
  if (s.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if ((s[i] | 0x20) != word[i]) return false;
  return true;
}

// strconv.ParseFloat(s, 64): decimal or hexadecimal (0x...p...) numbers, '_' between digits,
// "Inf", "Infinity" (signed or not) and "NaN", any case.
double go_parse_float(const std::string& s) {
  const std::string head = "strconv.ParseFloat: parsing " + promql::quote_string(s) + ": ";
  std::string_view t = s;
  bool negative = false;
  std::string_view unsigned_part = t;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    negative = t[0] == '-';
    unsigned_part = t.substr(1);
  }
  if ((unsigned_part.size() == 3 && iequals_prefix(unsigned_part, "inf", 3)) ||
      (unsigned_part.size() == 8 && iequals_prefix(unsigned_part, "infinity", 8)))
    return negative ? -HUGE_VAL : HUGE_VAL;
  if (t.size() == 3 && iequals_prefix(t, "nan", 3)) return std::nan("");
  // Check the syntax by hand (strtod takes more: spaces, "nan(...)", hex without exponent).
  std::string digits_only;
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) digits_only += t[i++];
  const bool hex = t.size() - i > 2 && t[i] == '0' && (t[i + 1] | 0x20) == 'x';
  if (hex) digits_only += t.substr(i, 2), i += 2;
  bool any_digit = false, dot = false, underscore = false;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    const bool digit = (c >= '0' && c <= '9') || (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f');
    if (digit) any_digit = true, digits_only += c;
    else if (c == '_') underscore = true;
    else if (c == '.' && !dot) dot = true, digits_only += c;
    else break;
  }
  bool ok = any_digit;
  if (ok && i < t.size() && (t[i] | 0x20) == (hex ? 'p' : 'e')) {
    digits_only += t[i++];
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) digits_only += t[i++];
    bool exp_digit = false;
    for (; i < t.size() && ((t[i] >= '0' && t[i] <= '9') || t[i] == '_'); ++i) {
      if (t[i] == '_') underscore = true;
      else exp_digit = true, digits_only += t[i];
    }
    ok = exp_digit;
  } else if (hex) {
    ok = false;  // a hexadecimal mantissa needs a 'p' exponent
  }
  if (ok && underscore) {
    // Go's underscoreOK: only between digits (or after the base prefix).
    char saw = hex ? '0' : '^';
    std::size_t j = (!t.empty() && (t[0] == '+' || t[0] == '-')) ? 1 : 0;
    if (hex) j += 2;
    for (; j < t.size() && ok; ++j) {
      const char c = t[j];
      const bool digit = (c >= '0' && c <= '9') || (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f');
      if (digit) saw = '0';
      else if (c == '_') ok = saw == '0', saw = '_';
      else ok = saw != '_', saw = '!';
    }
    ok = ok && saw != '_';
  }
  if (!ok || i != t.size()) fail(head + "invalid syntax");
  errno = 0;
  const double v = std::strtod(digits_only.c_str(), nullptr);
  if (std::isinf(v)) fail(head + "value out of range");
  return v;
}

double convert_to_float(const Value& v) {
  switch (v.kind) {
    case Kind::floating: return v.f;
    case Kind::string: return go_parse_float(v.s);
    case Kind::integer: return static_cast<double>(v.i);
    default: fail("can't convert " + type_name(v) + " to float");
  }
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Builtins: comparisons, and/or/not, len, index, print, html, urlquery
// ---------------------------------------------------------------------------------------------

enum class Basic { invalid, boolean, integer, uint, floating, string };

Basic basic_kind(const Value& v) {
  switch (v.kind) {
    case Kind::boolean: return Basic::boolean;
    case Kind::integer: return Basic::integer;
    case Kind::uint8: return Basic::uint;
    case Kind::floating: return Basic::floating;
    case Kind::string: case Kind::html: return Basic::string;
    default: return Basic::invalid;
  }
}

const char* const kBadComparisonType = "invalid type for comparison";
const char* const kBadComparison = "incompatible types for comparison";

bool equal(const Value& a, const std::vector<Value>& others) {
  if (others.empty()) fail("missing argument for comparison");
  const Basic k1 = basic_kind(a);
  for (const Value& b : others) {
    const Basic k2 = basic_kind(b);
    bool same = false;
    if (k1 != k2) {
      if ((k1 == Basic::integer && k2 == Basic::uint) || (k1 == Basic::uint && k2 == Basic::integer)) same = a.i == b.i;
      else if (a.kind != Kind::invalid && b.kind != Kind::invalid) fail(kBadComparison);
    } else {
      switch (k1) {
        case Basic::boolean: same = a.b == b.b; break;
        case Basic::floating: same = a.f == b.f; break;
        case Basic::integer: case Basic::uint: same = a.i == b.i; break;
        case Basic::string: same = a.s == b.s; break;
        case Basic::invalid:
          if (a.kind == Kind::invalid || b.kind == Kind::invalid) same = a.kind == b.kind;
          else fail("non-comparable types " + sprint_value(a) + ": " + type_name(a) + ", " + type_name(b) + ": " + sprint_value(b));
          break;
      }
    }
    if (same) return true;
  }
  return false;
}

bool less(const Value& a, const Value& b) {
  const Basic k1 = basic_kind(a);
  if (k1 == Basic::invalid) fail(kBadComparisonType);
  const Basic k2 = basic_kind(b);
  if (k2 == Basic::invalid) fail(kBadComparisonType);
  if (k1 != k2) {
    if ((k1 == Basic::integer && k2 == Basic::uint) || (k1 == Basic::uint && k2 == Basic::integer)) return a.i < b.i;
    fail(kBadComparison);
  }
  switch (k1) {
    case Basic::boolean: fail(kBadComparisonType);
    case Basic::floating: return a.f < b.f;
    case Basic::integer: case Basic::uint: return a.i < b.i;
    case Basic::string: return a.s < b.s;
    case Basic::invalid: break;
  }
  fail(kBadComparisonType);
}

Value fn_eq(const std::vector<Value>& a, const ExecEnv&) {
  return Value::of_bool(equal(a[0], std::vector<Value>(a.begin() + 1, a.end())));
}
Value fn_ne(const std::vector<Value>& a, const ExecEnv&) { return Value::of_bool(!equal(a[0], {a[1]})); }
Value fn_lt(const std::vector<Value>& a, const ExecEnv&) { return Value::of_bool(less(a[0], a[1])); }
Value fn_le(const std::vector<Value>& a, const ExecEnv&) { return Value::of_bool(less(a[0], a[1]) || equal(a[0], {a[1]})); }
Value fn_gt(const std::vector<Value>& a, const ExecEnv&) { return Value::of_bool(!(less(a[0], a[1]) || equal(a[0], {a[1]}))); }
Value fn_ge(const std::vector<Value>& a, const ExecEnv&) { return Value::of_bool(!less(a[0], a[1])); }
Value fn_not(const std::vector<Value>& a, const ExecEnv&) { return Value::of_bool(!truth(a[0])); }

Value fn_len(const std::vector<Value>& a, const ExecEnv&) {
  const Value& v = a[0];
  if (v.kind == Kind::map) return Value::of_int(static_cast<std::int64_t>(v.map->size()));
  if (v.kind == Kind::string || v.kind == Kind::html) return Value::of_int(static_cast<std::int64_t>(v.s.size()));
  if (v.kind == Kind::invalid) fail("reflect: call of reflect.Value.Type on zero Value");
  fail("len of type " + type_name(v));
}

Value fn_index(const std::vector<Value>& a, const ExecEnv&) {
  Value item = a[0];
  if (item.kind == Kind::invalid) fail("index of untyped nil");
  for (std::size_t k = 1; k < a.size(); ++k) {
    const Value& index = a[k];
    if (item.kind == Kind::map) {
      if (index.kind == Kind::invalid) fail("value is nil; should be of type string");
      if (index.kind != Kind::string) fail("value has type " + type_name(index) + "; should be string");
      const auto it = item.map->find(index.s);
      item = Value::of_string(it == item.map->end() ? std::string() : it->second);
    } else if (item.kind == Kind::string || item.kind == Kind::html) {
      if (index.kind == Kind::invalid) fail("cannot index slice/array with nil");
      if (index.kind != Kind::integer && index.kind != Kind::uint8)
        fail("cannot index slice/array with type " + type_name(index));
      if (index.i < 0 || index.i >= static_cast<std::int64_t>(item.s.size()))
        fail("index out of range: " + std::to_string(index.i));
      Value byte;
      byte.kind = Kind::uint8;
      byte.i = static_cast<unsigned char>(item.s[static_cast<std::size_t>(index.i)]);
      item = byte;
    } else {
      fail("can't index item of type " + type_name(item));
    }
  }
  return item;
}

Value fn_print(const std::vector<Value>& a, const ExecEnv&) { return Value::of_string(go_sprint(a)); }
Value fn_println(const std::vector<Value>& a, const ExecEnv&) { return Value::of_string(go_sprintln(a)); }
Value fn_printf(const std::vector<Value>& a, const ExecEnv&) {
  return Value::of_string(go_sprintf(a[0].s, std::vector<Value>(a.begin() + 1, a.end())));
}

// text/template's evalArgs: one string argument as it is, anything else through fmt.Sprint.
std::string eval_args(const std::vector<Value>& a) {
  if (a.size() == 1 && a[0].kind == Kind::string) return a[0].s;
  return go_sprint(a);
}

Value fn_html(const std::vector<Value>& a, const ExecEnv&) {
  std::string out;
  for (char c : eval_args(a)) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;
      default: out += c;
    }
  }
  return Value::of_string(out);
}

// url.QueryEscape.
std::string query_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

Value fn_urlquery(const std::vector<Value>& a, const ExecEnv&) { return Value::of_string(query_escape(eval_args(a))); }

// ---------------------------------------------------------------------------------------------
// [SECTION] Text: case mapping, regular expressions, host:port
// ---------------------------------------------------------------------------------------------

// Simple case mapping (unicode.ToUpper / ToLower) for ASCII, Latin-1, Latin Extended-A, Greek
// and Cyrillic; other runes map to themselves.
std::uint32_t to_upper_rune(std::uint32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if (r < 0x80) return r;
  if (r == 0xB5) return 0x39C;
  if ((r >= 0xE0 && r <= 0xFE && r != 0xF7)) return r - 32;
  if (r == 0xFF) return 0x178;
  if (r == 0x131) return 'I';
  if (r == 0x17F) return 'S';
  if ((r >= 0x100 && r <= 0x137) || (r >= 0x14A && r <= 0x177)) return r & ~1u;
  if ((r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E)) return (r % 2 == 0) ? r - 1 : r;
  if (r >= 0x3B1 && r <= 0x3CB && r != 0x3C2) return r - 32;
  if (r == 0x3C2) return 0x3A3;
  if (r == 0x3AC) return 0x386;
  if (r >= 0x3AD && r <= 0x3AF) return r - 37;
  if (r == 0x3CC) return 0x38C;
  if (r == 0x3CD || r == 0x3CE) return r - 63;
  if (r >= 0x430 && r <= 0x44F) return r - 32;
  if (r >= 0x450 && r <= 0x45F) return r - 80;
  if ((r >= 0x460 && r <= 0x481) || (r >= 0x48A && r <= 0x4BF)) return r & ~1u;
  return r;
}

std::uint32_t to_lower_rune(std::uint32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if (r < 0x80) return r;
  if ((r >= 0xC0 && r <= 0xDE && r != 0xD7)) return r + 32;
  if (r == 0x178) return 0xFF;
  if (r == 0x130) return 'i';
  if ((r >= 0x100 && r <= 0x137) || (r >= 0x14A && r <= 0x177)) return r | 1u;
  if ((r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E)) return (r % 2 == 1) ? r + 1 : r;
  if (r >= 0x391 && r <= 0x3AB && r != 0x3A2) return r + 32;
  if (r == 0x386) return 0x3AC;
  if (r >= 0x388 && r <= 0x38A) return r + 37;
  if (r == 0x38C) return 0x3CC;
  if (r == 0x38E || r == 0x38F) return r + 63;
  if (r >= 0x410 && r <= 0x42F) return r + 32;
  if (r >= 0x400 && r <= 0x40F) return r + 80;
  if ((r >= 0x460 && r <= 0x481) || (r >= 0x48A && r <= 0x4BF)) return r | 1u;
  return r;
}

bool is_unicode_space(std::uint32_t r) {
  return r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 ||
         r == 0x202F || r == 0x205F || r == 0x3000;
}

// strings.Title's isSeparator: ASCII other than letters, digits and '_'; beyond ASCII only
// spaces (letters, digits and symbols are not).
bool is_separator(std::uint32_t r) {
  if (r <= 0x7F) {
    const bool alnum = (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_';
    return !alnum;
  }
  return is_unicode_space(r);
}

// Applies f to every rune of s (bytes that are not UTF-8 are kept as they are).
template <typename F>
std::string map_runes(const std::string& s, F f) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool valid = n > 0 && i + static_cast<std::size_t>(n) <= s.size();
    std::uint32_t r = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (int k = 1; valid && k < n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      valid = (cc >> 6) == 2;
      r = (r << 6) | (cc & 0x3Fu);
    }
    if (!valid) {
      out += s[i++];
      continue;
    }
    const std::uint32_t m = f(r);
    json::append_utf8(out, m);
    i += static_cast<std::size_t>(n);
  }
  return out;
}

Value fn_to_upper(const std::vector<Value>& a, const ExecEnv&) { return Value::of_string(map_runes(a[0].s, to_upper_rune)); }
Value fn_to_lower(const std::vector<Value>& a, const ExecEnv&) { return Value::of_string(map_runes(a[0].s, to_lower_rune)); }
Value fn_title(const std::vector<Value>& a, const ExecEnv&) {
  std::uint32_t prev = ' ';
  return Value::of_string(map_runes(a[0].s, [&prev](std::uint32_t r) {
    const bool start = is_separator(prev);
    prev = r;
    return start ? to_upper_rune(r) : r;
  }));
}

// A Go (RE2) pattern made ready for std::regex's ECMAScript grammar: a leading (?i) becomes
// the icase flag, (?P<name>re) a numbered group whose name is remembered for $name, \A and \z
// anchors. What both grammars write alike (classes, repetitions, alternation) passes through.
struct CompiledRegex {
  std::regex re;
  std::vector<std::string> group_names;  // index i: the name of group i+1, or ""
};

const CompiledRegex& compile_regex(const std::string& pattern, const char* context) {
  // Templates run at every evaluation with the same few patterns: keep the last ones compiled.
  static thread_local std::list<std::pair<std::string, CompiledRegex>> cache;
  for (auto it = cache.begin(); it != cache.end(); ++it)
    if (it->first == pattern) {
      cache.splice(cache.begin(), cache, it);
      return cache.front().second;
    }
  CompiledRegex out;
  const promql::Re2Translation t = promql::translate_re2(pattern);
  out.group_names = t.group_names;
  try {
    out.re = std::regex(t.pattern, t.flags);
  } catch (const std::regex_error& e) {
    std::string why;
    switch (e.code()) {
      case std::regex_constants::error_paren: why = "missing closing )"; break;
      case std::regex_constants::error_brack: why = "missing closing ]"; break;
      case std::regex_constants::error_badrepeat: why = "missing argument to repetition operator"; break;
      case std::regex_constants::error_escape: why = "invalid escape sequence"; break;
      case std::regex_constants::error_range: why = "invalid character class range"; break;
      case std::regex_constants::error_brace: case std::regex_constants::error_badbrace: why = "invalid repeat count"; break;
      default: why = "invalid or unsupported Perl syntax"; break;
    }
    const std::string parse_error = "error parsing regexp: " + why + ": `" + pattern + "`";
    // regexp.MustCompile's panic names the pattern first; regexp.MatchString does not.
    if (std::string(context) == "compile") {
      const bool backquote = pattern.find('`') == std::string::npos;
      fail("regexp: Compile(" + (backquote ? "`" + pattern + "`" : promql::quote_string(pattern)) + "): " + parse_error);
    }
    fail(parse_error);
  }
  cache.emplace_front(pattern, std::move(out));
  if (cache.size() > 32) cache.pop_back();
  return cache.front().second;
}

// regexp.Expand's template: $1, ${1}, $name, ${name}, $$.
void expand_replacement(std::string& out, const std::string& repl, const std::smatch& m, const CompiledRegex& re) {
  for (std::size_t i = 0; i < repl.size(); ++i) {
    if (repl[i] != '$') {
      out += repl[i];
      continue;
    }
    if (i + 1 < repl.size() && repl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    const bool brace = j < repl.size() && repl[j] == '{';
    if (brace) ++j;
    const std::size_t name_start = j;
    while (j < repl.size() && (std::isalnum(static_cast<unsigned char>(repl[j])) || repl[j] == '_')) ++j;
    const std::string name = repl.substr(name_start, j - name_start);
    if (name.empty() || (brace && (j >= repl.size() || repl[j] != '}'))) {
      out += '$';  // malformed: the '$' is text
      continue;
    }
    if (brace) ++j;
    i = j - 1;
    const bool numeric = std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    std::size_t group = 0;
    if (numeric) {
      if (name.size() > 9) continue;
      group = static_cast<std::size_t>(std::stoul(name));
    } else {
      const auto it = std::find(re.group_names.begin(), re.group_names.end(), name);
      if (it == re.group_names.end()) continue;
      group = static_cast<std::size_t>(it - re.group_names.begin()) + 1;
    }
    if (group < m.size() && m[group].matched) out += m[group].str();
  }
}

Value fn_re_replace_all(const std::vector<Value>& a, const ExecEnv&) {
  const CompiledRegex& re = compile_regex(a[0].s, "compile");
  const std::string& text = a[2].s;
  std::string out;
  auto begin = text.cbegin();
  std::size_t last_match_end = std::string::npos;
  try {
    for (std::sregex_iterator it(text.begin(), text.end(), re.re), end; it != end; ++it) {
      const std::smatch& m = *it;
      const std::size_t start = static_cast<std::size_t>(m.position(0));
      // Go skips an empty match right where the previous match ended.
      if (m.length(0) == 0 && start == last_match_end) continue;
      out.append(begin, text.cbegin() + static_cast<std::ptrdiff_t>(start));
      expand_replacement(out, a[1].s, m, re);
      begin = text.cbegin() + static_cast<std::ptrdiff_t>(start + static_cast<std::size_t>(m.length(0)));
      last_match_end = start + static_cast<std::size_t>(m.length(0));
    }
  } catch (const std::regex_error& e) {  // std::regex gives up where RE2 would not (complexity)
    fail(std::string("opsim's regular expression engine gave up: ") + e.what());
  }
  out.append(begin, text.cend());
  return Value::of_string(out);
}

Value fn_match(const std::vector<Value>& a, const ExecEnv&) {
  const CompiledRegex& re = compile_regex(a[0].s, "match");
  try {
    return Value::of_bool(std::regex_search(a[1].s, re.re));
  } catch (const std::regex_error& e) {  // std::regex gives up where RE2 would not (complexity)
    fail(std::string("opsim's regular expression engine gave up: ") + e.what());
  }
}

Value fn_safe_html(const std::vector<Value>& a, const ExecEnv&) {
  Value v = Value::of_string(a[0].s);
  v.kind = Kind::html;
  return v;
}

// net.SplitHostPort.
bool split_host_port(const std::string& hp, std::string& host, std::string& port) {
  const std::size_t colon = hp.rfind(':');
  if (colon == std::string::npos) return false;
  std::size_t j = 0, k = 0;
  if (!hp.empty() && hp[0] == '[') {
    const std::size_t end = hp.find(']');
    if (end == std::string::npos || end + 1 != colon) return false;
    host = hp.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    host = hp.substr(0, colon);
    if (host.find(':') != std::string::npos) return false;
  }
  if (hp.find('[', j) != std::string::npos) return false;
  if (hp.find(']', k) != std::string::npos) return false;
  port = hp.substr(colon + 1);
  return true;
}

// net.ParseIP: dotted IPv4 (no leading zeros) or IPv6 (with :: and an IPv4 tail).
bool is_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    std::size_t start = i;
    int v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) v = v * 10 + (s[i++] - '0');
    if (i == start || v > 255 || (i - start > 1 && s[start] == '0')) return false;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

bool is_ip(const std::string& s) {
  if (is_ipv4(s)) return true;
  if (s.find(':') == std::string::npos) return false;
  int groups = 0;
  bool ellipsis = false;
  std::size_t i = 0;
  if (s.compare(0, 2, "::") == 0) ellipsis = true, i = 2;
  while (i < s.size()) {
    std::size_t start = i;
    while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i])) && i - start < 4) ++i;
    if (i < s.size() && s[i] == '.') {  // an IPv4 tail takes two groups
      if (!is_ipv4(std::string_view(s).substr(start))) return false;
      groups += 2;
      i = s.size();
      break;
    }
    if (i == start) return false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (ellipsis) return false;
      ellipsis = true;
      ++i;
    } else if (i == s.size()) {
      return false;
    }
  }
  return ellipsis ? groups < 8 : groups == 8;
}

Value fn_strip_port(const std::vector<Value>& a, const ExecEnv&) {
  std::string host, port;
  return Value::of_string(split_host_port(a[0].s, host, port) ? host : a[0].s);
}

Value fn_strip_domain(const std::vector<Value>& a, const ExecEnv&) {
  const std::string& hp = a[0].s;
  std::string host, port;
  if (!split_host_port(hp, host, port)) host = hp, port.clear();
  if (is_ip(host)) return Value::of_string(hp);
  host = host.substr(0, host.find('.'));
  if (port.empty()) return Value::of_string(host);
  return Value::of_string(host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port);
}

Value fn_graph_link(const std::vector<Value>& a, const ExecEnv&) {
  return Value::of_string("/graph?g0.expr=" + query_escape(a[0].s) + "&g0.tab=0");
}
Value fn_table_link(const std::vector<Value>& a, const ExecEnv&) {
  return Value::of_string("/graph?g0.expr=" + query_escape(a[0].s) + "&g0.tab=1");
}
Value fn_external_url(const std::vector<Value>&, const ExecEnv& env) { return Value::of_string(env.data->external_url); }
Value fn_path_prefix(const std::vector<Value>&, const ExecEnv& env) {
  // url.URL.Path: what follows the scheme and host, up to a query or fragment.
  std::string u = env.data->external_url;
  const std::size_t scheme = u.find("://");
  std::size_t start = scheme == std::string::npos ? 0 : u.find('/', scheme + 3);
  if (start == std::string::npos) return Value::of_string("");
  const std::size_t end = u.find_first_of("?#", start);
  return Value::of_string(u.substr(start, end == std::string::npos ? std::string::npos : end - start));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Numbers: humanize*, timestamps, durations
// ---------------------------------------------------------------------------------------------

std::string g4(double v, const char* suffix = "") { return go_sprintf("%.4g", {Value::of_float(v)}) + suffix; }

Value fn_humanize(const std::vector<Value>& a, const ExecEnv&) {
  double v = convert_to_float(a[0]);
  if (v == 0 || std::isnan(v) || std::isinf(v)) return Value::of_string(g4(v));
  if (std::fabs(v) >= 1) {
    const char* prefix = "";
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return Value::of_string(g4(v, prefix));
  }
  const char* prefix = "";
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::of_string(g4(v, prefix));
}

Value fn_humanize1024(const std::vector<Value>& a, const ExecEnv&) {
  double v = convert_to_float(a[0]);
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return Value::of_string(g4(v));
  const char* prefix = "";
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return Value::of_string(g4(v, prefix));
}

Value fn_humanize_duration(const std::vector<Value>& a, const ExecEnv&) {
  double v = convert_to_float(a[0]);
  if (std::isnan(v) || std::isinf(v)) return Value::of_string(g4(v));
  if (v == 0) return Value::of_string(g4(v, "s"));
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    // Go's int64(v): beyond the int64 range amd64 gives the minimum; keep the range.
    const std::int64_t duration = v >= 9.2e18 ? INT64_MIN : static_cast<std::int64_t>(v);
    const std::int64_t seconds = duration % 60, minutes = (duration / 60) % 60, hours = (duration / 60 / 60) % 24,
                       days = duration / 60 / 60 / 24;
    auto n = [](std::int64_t x) { return std::to_string(x); };
    if (days != 0) return Value::of_string(sign + n(days) + "d " + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s");
    if (hours != 0) return Value::of_string(sign + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s");
    if (minutes != 0) return Value::of_string(sign + n(minutes) + "m " + n(seconds) + "s");
    return Value::of_string(sign + g4(v, "s"));
  }
  const char* prefix = "";
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::of_string(g4(v, (std::string(prefix) + "s").c_str()));
}

Value fn_humanize_percentage(const std::vector<Value>& a, const ExecEnv&) {
  return Value::of_string(g4(convert_to_float(a[0]) * 100, "%"));
}

// Go's time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string utc_time_text(std::int64_t seconds, std::int64_t nanos) {
  std::int64_t days = seconds / 86400, rem = seconds % 86400;
  if (rem < 0) rem += 86400, --days;
  // Howard Hinnant's civil_from_days.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2);
  char b[96];
  std::snprintf(b, sizeof b, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  std::string s = b;
  if (nanos != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09lld", static_cast<long long>(nanos));
    std::string frac = f;
    while (frac.back() == '0') frac.pop_back();
    s += frac;
  }
  return s + " +0000 UTC";
}

Value fn_humanize_timestamp(const std::vector<Value>& a, const ExecEnv&) {
  const double v = convert_to_float(a[0]);
  if (std::isnan(v) || std::isinf(v)) return Value::of_string(g4(v));
  const double ns = v * 1e9;
  if (ns > 9223372036854775807.0 || ns < -9223372036854775808.0)
    fail(promql::format_number(v) + " cannot be represented as a nanoseconds timestamp since it overflows int64");
  // model.TimeFromUnixNano keeps milliseconds (truncating), then time.Unix splits them.
  const std::int64_t ms = static_cast<std::int64_t>(ns) / 1000000;
  std::int64_t seconds = ms / 1000, nanos = (ms % 1000) * 1000000;
  if (nanos < 0) nanos += 1000000000, --seconds;
  return Value::of_string(utc_time_text(seconds, nanos));
}

Value fn_parse_duration(const std::vector<Value>& a, const ExecEnv&) {
  const std::string& text = a[0].s;
  if (text.empty()) fail("empty duration string");
  SimDuration us = 0;
  if (!promql::parse_promql_duration(text, us)) fail("not a valid duration string: " + promql::quote_string(text));
  return Value::of_float(static_cast<double>(us) / 1e6);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] The table
// ---------------------------------------------------------------------------------------------

const Param A = Param::any;
const Param S = Param::string;

const Function kFunctions[] = {
    // Go's builtins
    {"and", {A}, true, A, nullptr},
    {"or", {A}, true, A, nullptr},
    {"not", {A}, false, A, fn_not},
    {"eq", {A}, true, A, fn_eq},
    {"ne", {A, A}, false, A, fn_ne},
    {"lt", {A, A}, false, A, fn_lt},
    {"le", {A, A}, false, A, fn_le},
    {"gt", {A, A}, false, A, fn_gt},
    {"ge", {A, A}, false, A, fn_ge},
    {"len", {A}, false, A, fn_len},
    {"index", {A}, true, A, fn_index},
    {"print", {}, true, A, fn_print},
    {"printf", {S}, true, A, fn_printf},
    {"println", {}, true, A, fn_println},
    {"html", {}, true, A, fn_html},
    {"urlquery", {}, true, A, fn_urlquery},
    // Prometheus's
    {"humanize", {A}, false, A, fn_humanize},
    {"humanize1024", {A}, false, A, fn_humanize1024},
    {"humanizeDuration", {A}, false, A, fn_humanize_duration},
    {"humanizePercentage", {A}, false, A, fn_humanize_percentage},
    {"humanizeTimestamp", {A}, false, A, fn_humanize_timestamp},
    {"title", {S}, false, A, fn_title},
    {"toUpper", {S}, false, A, fn_to_upper},
    {"toLower", {S}, false, A, fn_to_lower},
    {"reReplaceAll", {S, S, S}, false, A, fn_re_replace_all},
    {"match", {S, S}, false, A, fn_match},
    {"safeHtml", {S}, false, A, fn_safe_html},
    {"stripPort", {S}, false, A, fn_strip_port},
    {"stripDomain", {S}, false, A, fn_strip_domain},
    {"graphLink", {S}, false, A, fn_graph_link},
    {"tableLink", {S}, false, A, fn_table_link},
    {"externalURL", {}, false, A, fn_external_url},
    {"pathPrefix", {}, false, A, fn_path_prefix},
    {"parseDuration", {S}, false, A, fn_parse_duration},
};

// Functions Prometheus has and opsim refuses when the template is compiled, with the reason.
const std::pair<const char*, const char*> kUnsupported[] = {
    {"query", "opsim runs no PromQL queries from templates"},
    {"first", "it reads the result of query, which opsim does not run from templates"},
    {"label", "it reads the result of query, which opsim does not run from templates"},
    {"value", "it reads the result of query, which opsim does not run from templates"},
    {"strvalue", "it reads the result of query, which opsim does not run from templates"},
    {"sortByLabel", "it sorts the result of query, which opsim does not run from templates"},
    {"toTime", "it returns a Go time.Time, whose methods opsim cannot call; use humanizeTimestamp"},
    {"args", "it builds arguments for named templates, which opsim does not have"},
    {"js", "JavaScript escaping has no use in alert labels and annotations"},
    {"call", "templates in opsim hold no function values to call"},
    {"slice", "templates in opsim hold no slices"},
};

}  // namespace

const Function* find_function(std::string_view name, std::string* unsupported) {
  for (const Function& f : kFunctions)
    if (name == f.name) return &f;
  if (unsupported) {
    unsupported->clear();
    for (const auto& u : kUnsupported)
      if (name == u.first) *unsupported = u.second;
  }
  return nullptr;
}

}  // namespace tmpl
}  // namespace opsim
