// The PromQL lexer. It follows the behaviour of Prometheus 2.42's lexer (which characters
// start which token, where durations may stand, which escapes strings accept) so that the
// same inputs are accepted and refused, and the errors stand at the same line:column.
//
// Index:
//   [SECTION] Characters and positions
//   [SECTION] Numbers and durations
//   [SECTION] Strings
//   [SECTION] The lexer
//   [SECTION] Describing tokens
#include "promql/lexer.h"

#include "json/json.h"

#include <cctype>
#include <cstdint>
#include <cstdio>

namespace opsim {
namespace promql {

// ---------------------------------------------------------------------------------------------
// [SECTION] Characters and positions
// ---------------------------------------------------------------------------------------------

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// The character at i, or '\0' past the end (no PromQL token contains a NUL byte, so it acts
// as "end" in every test below).
char at(std::string_view s, std::size_t i) { return i < s.size() ? s[i] : '\0'; }

// `"x"` for a printable ASCII character, else its code ("U+00E9").
std::string char_text(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == '"') return "'\"'";
  if (c >= 0x20 && c < 0x7F) return std::string("\"") + static_cast<char>(c) + "\"";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
  return buf;
}

}  // namespace

SourcePos position_at(std::string_view input, std::size_t offset) {
  SourcePos p;
  p.offset = static_cast<int>(offset);
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset && i < input.size(); ++i) {
    if (input[i] == '\n') {
      ++p.line;
      line_start = i + 1;
    }
  }
  p.column = static_cast<int>(offset - line_start) + 1;
  return p;
}

bool is_label_name(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (char c : s)
    if (!is_alnum(c)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Numbers and durations
// ---------------------------------------------------------------------------------------------
// Prometheus reads a number first (decimal, hex "0x..", fraction, exponent); when a letter
// follows, it tries the rest as a duration unit list instead. "5m" is thus a duration and
// "5e3" a number; "0deadbeef" is neither.

namespace {

// Scans a number from i; sets `end` to where the scan stopped. True when no letter or digit
// follows it (a complete number).
bool scan_number(std::string_view s, std::size_t i, std::size_t& end) {
  bool hex = false;
  if (at(s, i) == '0' && (at(s, i + 1) == 'x' || at(s, i + 1) == 'X')) {
    hex = true;
    i += 2;
  }
  while (hex ? is_hex(at(s, i)) : is_digit(at(s, i))) ++i;
  if (at(s, i) == '.') {
    ++i;
    while (hex ? is_hex(at(s, i)) : is_digit(at(s, i))) ++i;
  }
  if (at(s, i) == 'e' || at(s, i) == 'E') {
    ++i;
    if (at(s, i) == '+' || at(s, i) == '-') ++i;
    while (is_digit(at(s, i))) ++i;
  }
  end = i;
  return !is_alnum(at(s, i));
}

// After the digits of a duration's first number: its unit, then more number-unit pairs.
// Only the lexical shape is checked here ("5mm" fails); order and repetition of units
// ("5m1h") are parse_promql_duration's to refuse, as in Prometheus.
bool scan_duration_rest(std::string_view s, std::size_t i, std::size_t& end) {
  const std::string_view first_units = "smhdwy";
  if (i >= s.size() || first_units.find(s[i]) == std::string_view::npos) {
    end = i;
    return false;
  }
  ++i;
  if (at(s, i) == 's') ++i;  // "ms"
  while (is_digit(at(s, i))) {
    while (is_digit(at(s, i))) ++i;
    const std::string_view units = "smhdw";
    if (i >= s.size() || units.find(s[i]) == std::string_view::npos) {
      end = i;
      return false;
    }
    ++i;
    if (at(s, i) == 's') ++i;
  }
  // A letter or digit right after the units is part of the bad text ("5mm"), as Prometheus
  // quotes it.
  const bool complete = !is_alnum(at(s, i));
  end = complete ? i : i + 1;
  return complete;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Strings
// ---------------------------------------------------------------------------------------------

// The length of a valid UTF-8 sequence at s[i], or 0. Prometheus refuses strings that are not
// valid UTF-8 (label values must be).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
  for (std::size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3Fu);
  }
  static const std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return 0;
  return len;
}

const char* const kEscapes = "expected an escape sequence (\\a \\b \\f \\n \\r \\t \\v \\\\ \\\" \\' \\NNN \\xNN \\uNNNN \\UNNNNNNNN)";

// Reads a quoted string starting at the quote s[start]; unquotes it into `value`. Go's rules
// (Prometheus uses strconv.Unquote): escapes in '...' and "..." strings, none in `...`, which
// may span lines. On error returns false with `error` set; `end` is past the closing quote.
bool scan_string(std::string_view s, std::size_t start, std::size_t& end, std::string& value, std::string& error) {
  const char quote = s[start];
  const bool raw = quote == '`';
  std::size_t i = start + 1;
  while (true) {
    if (i >= s.size() || (!raw && s[i] == '\n')) {
      error = std::string("expected the closing ") + quote + " of the string that starts here, found " +
              (i >= s.size() ? "end of input" : "end of line");
      return false;
    }
    const char c = s[i];
    if (c == quote) break;
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') {
      const std::size_t len = c == '\0' ? 1 : utf8_length(s, i);
      if (len == 0) {
        error = "expected text in UTF-8, found an invalid byte in the string that starts here";
        return false;
      }
      value.append(s.substr(i, len));
      i += len;
      continue;
    }
    if (raw || c != '\\') {
      value += c;
      ++i;
      continue;
    }
    // An escape sequence.
    ++i;
    if (i >= s.size()) {
      error = std::string(kEscapes) + ", found end of input";
      return false;
    }
    const char e = s[i];
    int digits = 0, base = 16;
    std::uint32_t max = 0x10FFFF;
    bool bytes = false;  // \x and octal produce one byte, not a code point
    switch (e) {
      case 'a': value += '\a'; ++i; continue;
      case 'b': value += '\b'; ++i; continue;
      case 'f': value += '\f'; ++i; continue;
      case 'n': value += '\n'; ++i; continue;
      case 'r': value += '\r'; ++i; continue;
      case 't': value += '\t'; ++i; continue;
      case 'v': value += '\v'; ++i; continue;
      case '\\': value += '\\'; ++i; continue;
      case 'x': digits = 2; max = 255; bytes = true; ++i; break;
      case 'u': digits = 4; ++i; break;
      case 'U': digits = 8; ++i; break;
      default:
        if (e == quote) {
          value += e;
          ++i;
          continue;
        }
        if (e >= '0' && e <= '7') {
          digits = 3;
          base = 8;
          max = 255;
          bytes = true;
          break;
        }
        error = std::string(kEscapes) + ", found \\" + (is_alnum(e) || std::ispunct(static_cast<unsigned char>(e)) ? std::string(1, e) : "?");
        return false;
    }
    std::uint32_t x = 0;
    for (int k = 0; k < digits; ++k, ++i) {
      const char d = at(s, i);
      const int v = is_digit(d) ? d - '0' : (d >= 'a' && d <= 'f') ? d - 'a' + 10 : (d >= 'A' && d <= 'F') ? d - 'A' + 10 : 99;
      if (v >= base) {
        error = std::string("expected ") + std::to_string(digits) + (base == 8 ? " octal" : " hexadecimal") +
                " digits in the escape sequence, found " + (i >= s.size() ? "end of input" : char_text(s, i));
        return false;
      }
      x = x * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(v);
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
      error = "expected a valid Unicode code point in the escape sequence, found one out of range";
      return false;
    }
    if (bytes)
      value += static_cast<char>(x);
    else
      json::append_utf8(value, x);
  }
  end = i + 1;
  return true;
}

struct Keyword {
  const char* word;
  TokenKind kind;
};
const Keyword kKeywords[] = {
    {"and", TokenKind::kw_and},         {"or", TokenKind::kw_or},
    {"unless", TokenKind::kw_unless},   {"atan2", TokenKind::kw_atan2},
    {"offset", TokenKind::kw_offset},   {"by", TokenKind::kw_by},
    {"without", TokenKind::kw_without}, {"on", TokenKind::kw_on},
    {"ignoring", TokenKind::kw_ignoring}, {"group_left", TokenKind::kw_group_left},
    {"group_right", TokenKind::kw_group_right}, {"bool", TokenKind::kw_bool},
    {"start", TokenKind::kw_start},     {"end", TokenKind::kw_end},
};
const AggregateOp kAggregators[] = {
    AggregateOp::sum,    AggregateOp::avg,  AggregateOp::count,   AggregateOp::min,     AggregateOp::max,
    AggregateOp::group,  AggregateOp::stddev, AggregateOp::stdvar, AggregateOp::topk,   AggregateOp::bottomk,
    AggregateOp::count_values, AggregateOp::quantile,
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] The lexer
// ---------------------------------------------------------------------------------------------

std::vector<Token> lex(std::string_view s) {
  std::vector<Token> tokens;
  std::vector<std::size_t> open_parens;  // offsets of the "(" not closed yet
  std::size_t open_brace = 0, open_bracket = 0;
  bool in_braces = false, in_brackets = false, got_colon = false;
  bool expect_duration = false;  // right after "[": a duration must follow

  auto push = [&](TokenKind kind, std::size_t start, std::size_t end) {
    Token t;
    t.kind = kind;
    t.text = s.substr(start, end - start);
    t.pos = position_at(s, start);
    tokens.push_back(t);
    return &tokens.back();
  };
  auto fail = [&](std::size_t where, const std::string& message) {
    Token* t = push(TokenKind::error, where, where);
    t->value = message;
    return tokens;
  };

  std::size_t i = 0;
  while (true) {
    // Spaces and comments separate tokens everywhere.
    while (i < s.size() && is_space(s[i])) ++i;
    if (at(s, i) == '#') {
      while (i < s.size() && s[i] != '\n' && s[i] != '\r') ++i;
      continue;
    }
    if (i >= s.size()) {
      if (in_braces)
        return fail(i, "expected \"}\" to close the \"{\" at " + std::to_string(position_at(s, open_brace).line) + ":" +
                           std::to_string(position_at(s, open_brace).column) + ", found end of input");
      if (!open_parens.empty()) {
        const SourcePos p = position_at(s, open_parens.back());
        return fail(i, "expected \")\" to close the \"(\" at " + std::to_string(p.line) + ":" +
                           std::to_string(p.column) + ", found end of input");
      }
      if (in_brackets) {
        const SourcePos p = position_at(s, open_bracket);
        return fail(i, "expected \"]\" to close the \"[\" at " + std::to_string(p.line) + ":" +
                           std::to_string(p.column) + ", found end of input");
      }
      push(TokenKind::end, i, i);
      return tokens;
    }
    const std::size_t start = i;
    const char c = s[i];

    if (expect_duration) {
      // Prometheus reads a range or subquery range right after "[": a bare number there is
      // a missing unit, anything else a bad duration.
      expect_duration = false;
      std::size_t end = i;
      if (scan_number(s, i, end))
        return fail(start, "expected a duration with a unit (ms, s, m, h, d, w, y) after \"[\", found " +
                               (end == start ? char_text(s, start) : "\"" + std::string(s.substr(start, end - start)) + "\""));
      if (!scan_duration_rest(s, end, end))
        return fail(start, "expected a duration such as 5m or 1h30m, found \"" +
                               std::string(s.substr(start, end - start)) + "\"");
      push(TokenKind::duration, start, end);
      i = end;
      continue;
    }

    if (in_braces) {
      if (is_alpha(c)) {
        while (is_alnum(at(s, i))) ++i;
        push(TokenKind::identifier, start, i);
      } else if (c == '"' || c == '\'' || c == '`') {
        std::string value, error;
        std::size_t end = i;
        if (!scan_string(s, i, end, value, error)) return fail(start, error);
        push(TokenKind::string, start, end)->value = value;
        i = end;
      } else if (c == ',') {
        push(TokenKind::comma, start, ++i);
      } else if (c == '=') {
        i += at(s, i + 1) == '~' ? 2 : 1;
        push(i - start == 2 ? TokenKind::eql_regex : TokenKind::assign, start, i);
      } else if (c == '!' && (at(s, i + 1) == '=' || at(s, i + 1) == '~')) {
        i += 2;
        push(s[start + 1] == '=' ? TokenKind::neq : TokenKind::neq_regex, start, i);
      } else if (c == '}') {
        push(TokenKind::right_brace, start, ++i);
        in_braces = false;
      } else {
        return fail(start, "expected a label name, a matcher operator (= != =~ !~), a string, \",\" or \"}\", found " +
                               char_text(s, i));
      }
      continue;
    }

    if (is_digit(c) || (c == '.' && is_digit(at(s, i + 1)))) {
      std::size_t end = i;
      if (scan_number(s, i, end)) {
        push(TokenKind::number, start, end);
      } else if (scan_duration_rest(s, end, end)) {
        push(TokenKind::duration, start, end);
      } else {
        return fail(start, "expected a number or a duration, found \"" +
                               std::string(s.substr(start, end - start)) + "\"");
      }
      i = end;
      continue;
    }
    if (is_alpha(c) || c == ':') {
      if (in_brackets) {
        // Only the ":" of a subquery may stand between durations.
        if (c != ':' || got_colon) return fail(start, "expected a duration, \":\" or \"]\", found " + char_text(s, i));
        got_colon = true;
        push(TokenKind::colon, start, ++i);
        continue;
      }
      while (is_alnum(at(s, i)) || at(s, i) == ':') ++i;
      const std::string_view word = s.substr(start, i - start);
      std::string lower;
      for (char ch : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "inf" || lower == "nan") {
        push(TokenKind::number, start, i);
        continue;
      }
      bool done = false;
      for (const Keyword& k : kKeywords) {
        if (lower == k.word) {
          push(k.kind, start, i);
          done = true;
          break;
        }
      }
      for (AggregateOp op : kAggregators) {
        if (!done && lower == aggregate_op_text(op)) {
          push(TokenKind::aggregator, start, i)->aggregate = op;
          done = true;
        }
      }
      if (!done) push(word.find(':') == std::string_view::npos ? TokenKind::identifier : TokenKind::metric_identifier, start, i);
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      std::string value, error;
      std::size_t end = i;
      if (!scan_string(s, i, end, value, error)) return fail(start, error);
      push(TokenKind::string, start, end)->value = value;
      i = end;
      continue;
    }

    // Operators and punctuation.
    const char n = at(s, i + 1);
    TokenKind kind = TokenKind::end;
    std::size_t len = 1;
    switch (c) {
      case ',': kind = TokenKind::comma; break;
      case '*': kind = TokenKind::mul; break;
      case '/': kind = TokenKind::div; break;
      case '%': kind = TokenKind::mod; break;
      case '+': kind = TokenKind::add; break;
      case '-': kind = TokenKind::sub; break;
      case '^': kind = TokenKind::pow; break;
      case '@': kind = TokenKind::at; break;
      case '=':
        if (n == '~') return fail(start, "expected \"==\" or a label matcher inside braces, found \"=~\"");
        kind = n == '=' ? TokenKind::eqlc : TokenKind::assign;
        len = n == '=' ? 2 : 1;
        break;
      case '!':
        if (n != '=') return fail(start, "expected \"!=\", found \"!" + std::string(n ? std::string(1, n) : "") + "\"");
        kind = TokenKind::neq;
        len = 2;
        break;
      case '<':
        kind = n == '=' ? TokenKind::lte : TokenKind::lss;
        len = n == '=' ? 2 : 1;
        break;
      case '>':
        kind = n == '=' ? TokenKind::gte : TokenKind::gtr;
        len = n == '=' ? 2 : 1;
        break;
      case '(':
        kind = TokenKind::left_paren;
        open_parens.push_back(start);
        break;
      case ')':
        if (open_parens.empty()) return fail(start, "expected an operator or end of input, found \")\" (no \"(\" is open)");
        open_parens.pop_back();
        kind = TokenKind::right_paren;
        break;
      case '{':
        kind = TokenKind::left_brace;
        in_braces = true;
        open_brace = start;
        break;
      case '[':
        if (in_brackets) return fail(start, "expected a duration, \":\" or \"]\", found \"[\"");
        kind = TokenKind::left_bracket;
        in_brackets = true;
        open_bracket = start;
        got_colon = false;
        expect_duration = true;
        break;
      case ']':
        if (!in_brackets) return fail(start, "expected an operator or end of input, found \"]\" (no \"[\" is open)");
        kind = TokenKind::right_bracket;
        in_brackets = false;
        break;
      default:
        if (c == '}') return fail(start, "expected an expression or operator, found \"}\" (no \"{\" is open)");
        return fail(start, "expected an expression or operator, found " + char_text(s, i) +
                               ", which begins no PromQL token");
    }
    i += len;
    push(kind, start, i);
  }
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Describing tokens
// ---------------------------------------------------------------------------------------------

std::string describe_token(const Token& t) {
  const std::string text = "\"" + std::string(t.text) + "\"";
  switch (t.kind) {
    case TokenKind::end: return t.text.empty() ? "end of input" : text;
    case TokenKind::error: return "an error";
    case TokenKind::number: return "number " + text;
    case TokenKind::string: return "string " + std::string(t.text);
    case TokenKind::duration: return "duration " + text;
    case TokenKind::identifier: return "identifier " + text;
    case TokenKind::metric_identifier: return "metric name " + text;
    case TokenKind::aggregator: return "aggregation " + text;
    case TokenKind::kw_and:
    case TokenKind::kw_or:
    case TokenKind::kw_unless:
    case TokenKind::kw_atan2:
    case TokenKind::kw_offset:
    case TokenKind::kw_by:
    case TokenKind::kw_without:
    case TokenKind::kw_on:
    case TokenKind::kw_ignoring:
    case TokenKind::kw_group_left:
    case TokenKind::kw_group_right:
    case TokenKind::kw_bool:
    case TokenKind::kw_start:
    case TokenKind::kw_end: return "keyword " + text;
    default: return text;
  }
}

}  // namespace promql
}  // namespace opsim
