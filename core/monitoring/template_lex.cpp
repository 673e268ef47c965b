// The alert templates' lexer (Go 1.19's text/template/parse/lex.go, rewritten for opsim) and
// the literal conversions the parser needs (strconv.Unquote, strconv.ParseInt with base 0).
// Item types, positions and error words follow Go's: the parser quotes them to the user.
//
// Index:
//   [SECTION] Lexer
//   [SECTION] Literals
#include <string>
#include <vector>

#include "json/json.h"
#include "monitoring/template_internal.h"

namespace opsim {
namespace tmpl {
namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] Lexer
// ---------------------------------------------------------------------------------------------

constexpr int kEof = -1;

bool is_space(int r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

// unicode.IsLetter || unicode.IsDigit || '_', with every non-ASCII rune a letter except the
// Latin-1 and general punctuation blocks (templates name things in ASCII; this only decides
// where an identifier ends).
bool is_alnum(int r) {
  if (r == '_') return true;
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
  if (r >= 0xA0 && r <= 0xBF) return false;
  if (r == 0xD7 || r == 0xF7) return false;
  if (r >= 0x2000 && r <= 0x206F) return false;
  if (r >= 0x3000 && r <= 0x303F) return false;
  return true;
}

bool has_left_trim_marker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && is_space(s[1]); }
bool has_right_trim_marker(std::string_view s) { return s.size() >= 2 && is_space(s[0]) && s[1] == '-'; }

std::size_t left_trim_length(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}
std::size_t right_trim_length(std::string_view s) {
  std::size_t i = s.size();
  while (i > 0 && is_space(static_cast<unsigned char>(s[i - 1]))) --i;
  return s.size() - i;
}

}  // namespace

// Decodes one UTF-8 rune at s[i]; width 1 and U+FFFD for a bad byte, as Go's decoder does.
int decode_rune(std::string_view s, std::size_t i, int& width) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    width = 1;
    return c < 0x80 ? c : 0xFFFD;
  }
  int r = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < n; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 2) {
      width = 1;
      return 0xFFFD;
    }
    r = (r << 6) | (cc & 0x3F);
  }
  width = n;
  return r;
}

namespace {

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  // Every item up to EOF or the first error (which ends the list, as Go's lexer stops there).
  std::vector<Item> run() {
    State s = State::text;
    while (s != State::done) s = step(s);
    return std::move(items_);
  }

 private:
  enum class State { text, left_delim, comment, inside, space, right_delim, quote, raw_quote, variable, field,
                     identifier, number, char_, done };

  std::string_view in_;
  std::size_t pos_ = 0, start_ = 0;
  int width_ = 0;
  int paren_depth_ = 0;
  std::vector<Item> items_;

  int next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    const int r = decode_rune(in_, pos_, width_);
    pos_ += width_;
    return r;
  }
  void backup() { pos_ -= width_; }
  int peek() {
    const int r = next();
    backup();
    return r;
  }
  bool accept(std::string_view valid) {
    const int r = next();
    if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    backup();
    return false;
  }
  void accept_run(std::string_view valid) {
    while (accept(valid)) {
    }
  }
  void emit(It type) {
    items_.push_back({type, static_cast<int>(start_), std::string(in_.substr(start_, pos_ - start_))});
    start_ = pos_;
  }
  void ignore() { start_ = pos_; }
  State error(std::string message) {
    items_.push_back({It::error, static_cast<int>(start_), std::move(message)});
    return State::done;
  }
  bool at_right_delim(bool& trim) {
    const std::string_view rest = in_.substr(pos_);
    if (has_right_trim_marker(rest) && rest.substr(2, 2) == "}}") {
      trim = true;
      return true;
    }
    trim = false;
    return rest.substr(0, 2) == "}}";
  }
  bool at_terminator() {
    const int r = peek();
    if (is_space(r)) return true;
    switch (r) {
      case kEof: case '.': case ',': case '|': case ':': case ')': case '(': case '}': return true;
      default: return false;
    }
  }

  State step(State s);
  State lex_text();
  State lex_left_delim();
  State lex_comment();
  State lex_inside();
  State lex_space();
  State lex_right_delim();
  State lex_quote(char quote, It type, const char* unterminated);
  State lex_raw_quote();
  State lex_field_or_variable(It type);
  State lex_identifier();
  // Reads letters, digits and underscores; returns the rune that ended them (left unread).
  int skip_alnum();
  State lex_number();
  bool scan_number();
};

Lexer::State Lexer::step(State s) {
  switch (s) {
    case State::text: return lex_text();
    case State::left_delim: return lex_left_delim();
    case State::comment: return lex_comment();
    case State::inside: return lex_inside();
    case State::space: return lex_space();
    case State::right_delim: return lex_right_delim();
    case State::quote: return lex_quote('"', It::string, "unterminated quoted string");
    case State::raw_quote: return lex_raw_quote();
    case State::variable:
      if (at_terminator()) {  // "$" alone
        emit(It::variable);
        return State::inside;
      }
      return lex_field_or_variable(It::variable);
    case State::field: return lex_field_or_variable(It::field);
    case State::identifier: return lex_identifier();
    case State::number: return lex_number();
    case State::char_: return lex_quote('\'', It::char_constant, "unterminated character constant");
    case State::done: break;
  }
  return State::done;
}

Lexer::State Lexer::lex_text() {
  const std::size_t x = in_.find("{{", pos_);
  if (x == std::string_view::npos) {
    pos_ = in_.size();
    if (pos_ > start_) emit(It::text);
    emit(It::eof);
    return State::done;
  }
  if (x > pos_) {
    pos_ = x;
    std::size_t trim = 0;
    if (has_left_trim_marker(in_.substr(pos_ + 2))) trim = right_trim_length(in_.substr(start_, pos_ - start_));
    if (pos_ - trim > start_)
      items_.push_back({It::text, static_cast<int>(start_), std::string(in_.substr(start_, pos_ - trim - start_))});
    ignore();
  }
  return State::left_delim;
}

Lexer::State Lexer::lex_left_delim() {
  pos_ += 2;
  const bool trim = has_left_trim_marker(in_.substr(pos_));
  const std::size_t after_marker = trim ? 2 : 0;
  if (in_.substr(pos_ + after_marker, 2) == "/*") {
    pos_ += after_marker;
    ignore();
    return State::comment;
  }
  emit(It::left_delim);
  pos_ += after_marker;
  ignore();
  paren_depth_ = 0;
  return State::inside;
}

Lexer::State Lexer::lex_comment() {
  pos_ += 2;
  const std::size_t x = in_.find("*/", pos_);
  if (x == std::string_view::npos) return error("unclosed comment");
  pos_ = x + 2;
  bool trim = false;
  if (!at_right_delim(trim)) return error("comment ends before closing delimiter");
  if (trim) pos_ += 2;
  pos_ += 2;
  if (trim) pos_ += left_trim_length(in_.substr(pos_));
  ignore();
  return State::text;
}

Lexer::State Lexer::lex_inside() {
  bool trim = false;
  if (at_right_delim(trim)) {
    if (paren_depth_ == 0) return State::right_delim;
    return error("unclosed left paren");
  }
  const int r = next();
  if (r == kEof) return error("unclosed action");
  if (is_space(r)) {
    backup();
    return State::space;
  }
  switch (r) {
    case '=': emit(It::assign); return State::inside;
    case ':':
      if (next() != '=') return error("expected :=");
      emit(It::declare);
      return State::inside;
    case '|': emit(It::pipe); return State::inside;
    case '"': return State::quote;
    case '`': return State::raw_quote;
    case '$': return State::variable;
    case '\'': return State::char_;
    case '(':
      emit(It::left_paren);
      ++paren_depth_;
      return State::inside;
    case ')':  // an unmatched one is the parser's to report ("unexpected \")\" in command")
      --paren_depth_;
      emit(It::right_paren);
      return State::inside;
    default: break;
  }
  if (r == '.') {
    // ".5" is a number; anything else after a dot is a field (or dot alone).
    if (pos_ < in_.size() && (in_[pos_] < '0' || in_[pos_] > '9')) return State::field;
  }
  if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
    backup();
    return State::number;
  }
  if (is_alnum(r)) {
    backup();
    return State::identifier;
  }
  if (r < 0x80 && r >= 0x20 && r != 0x7F) {
    emit(It::char_);
    return State::inside;
  }
  return error("unrecognized character in action: " + go_rune_u(static_cast<std::uint32_t>(r)));
}

Lexer::State Lexer::lex_space() {
  int spaces = 0;
  while (is_space(peek())) {
    next();
    ++spaces;
  }
  // A space may be the start of " -}}": leave it to the delimiter.
  if (has_right_trim_marker(in_.substr(pos_ - 1)) && in_.substr(pos_ - 1 + 2, 2) == "}}") {
    --pos_;
    if (spaces == 1) return State::right_delim;
  }
  emit(It::space);
  return State::inside;
}

Lexer::State Lexer::lex_right_delim() {
  const bool trim = has_right_trim_marker(in_.substr(pos_));
  if (trim) {
    pos_ += 2;
    ignore();
  }
  pos_ += 2;
  emit(It::right_delim);
  if (trim) {
    pos_ += left_trim_length(in_.substr(pos_));
    ignore();
  }
  return State::text;
}

Lexer::State Lexer::lex_quote(char quote, It type, const char* unterminated) {
  for (;;) {
    int r = next();
    if (r == '\\') {
      r = next();
      if (r != kEof && r != '\n') continue;
    }
    if (r == kEof || r == '\n') return error(unterminated);
    if (r == quote) break;
  }
  emit(type);
  return State::inside;
}

Lexer::State Lexer::lex_raw_quote() {
  for (;;) {
    const int r = next();
    if (r == kEof) return error("unterminated raw quoted string");
    if (r == '`') break;
  }
  emit(It::raw_string);
  return State::inside;
}

int Lexer::skip_alnum() {
  for (;;) {
    const int r = next();
    if (!is_alnum(r)) {
      backup();
      return r;
    }
  }
}

Lexer::State Lexer::lex_field_or_variable(It type) {
  if (at_terminator()) {  // "." alone
    emit(type == It::variable ? It::variable : It::dot);
    return State::inside;
  }
  const int r = skip_alnum();
  if (!at_terminator()) return error("bad character " + go_rune_u(static_cast<std::uint32_t>(r)));
  emit(type);
  return State::inside;
}

Lexer::State Lexer::lex_identifier() {
  const int r = skip_alnum();
  if (!at_terminator()) return error("bad character " + go_rune_u(static_cast<std::uint32_t>(r)));
  const std::string_view word = in_.substr(start_, pos_ - start_);
  static const struct {
    std::string_view word;
    It type;
  } kKeywords[] = {{"block", It::block}, {"break", It::break_}, {"continue", It::continue_}, {"define", It::define},
                   {"else", It::else_}, {"end", It::end}, {"if", It::if_}, {"nil", It::nil}, {"range", It::range},
                   {"template", It::template_}, {"with", It::with}};
  for (const auto& k : kKeywords)
    if (k.word == word) {
      emit(k.type);
      return State::inside;
    }
  emit(word == "true" || word == "false" ? It::boolean : It::identifier);
  return State::inside;
}

bool Lexer::scan_number() {
  accept("+-");
  std::string_view digits = "0123456789_";
  if (accept("0")) {
    if (accept("xX")) digits = "0123456789abcdefABCDEF_";
    else if (accept("oO")) digits = "01234567_";
    else if (accept("bB")) digits = "01_";
  }
  accept_run(digits);
  if (accept(".")) accept_run(digits);
  if (digits.size() == 11 && accept("eE")) {
    accept("+-");
    accept_run("0123456789_");
  }
  if (digits.size() == 23 && accept("pP")) {
    accept("+-");
    accept_run("0123456789_");
  }
  accept("i");
  if (is_alnum(peek())) {
    next();
    return false;
  }
  return true;
}

Lexer::State Lexer::lex_number() {
  auto bad = [this] { return error("bad number syntax: " + promql::quote_string(in_.substr(start_, pos_ - start_))); };
  if (!scan_number()) return bad();
  const int sign = peek();
  if (sign == '+' || sign == '-') {  // a complex number such as 1+2i
    if (!scan_number() || in_[pos_ - 1] != 'i') return bad();
    emit(It::complex);
  } else {
    emit(It::number);
  }
  return State::inside;
}

}  // namespace

// Go's item.String(), which parse errors quote: "EOF", "<if>", "\"x\"", "\"aaaaaaaaaa\"...".
std::string item_text(const Item& it) {
  if (it.type == It::eof) return "EOF";
  if (it.type == It::error) return it.val;
  if (it.type >= It::block) return "<" + it.val + ">";
  if (it.val.size() > 10) {
    // %.10q: the first ten runes, quoted.
    std::size_t end = 0;
    for (int runes = 0; runes < 10 && end < it.val.size(); ++runes) {
      int w = 1;
      decode_rune(it.val, end, w);
      end += w;
    }
    return promql::quote_string(std::string_view(it.val).substr(0, end)) + "...";
  }
  return promql::quote_string(it.val);
}


std::vector<Item> lex(std::string_view text) { return Lexer(text).run(); }

// ---------------------------------------------------------------------------------------------
// [SECTION] Literals
// ---------------------------------------------------------------------------------------------

namespace {

bool hex_value(char c, int& v) {
  if (c >= '0' && c <= '9') v = c - '0';
  else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
  else return false;
  return true;
}

}  // namespace

// Go's strconv.Unquote for "..." and '...' literals (raw strings are handled apart). False on
// a bad escape ("invalid syntax", Go's only word for it).
bool go_unquote(std::string_view lit, std::string& out, int* rune_count) {
  const char quote = lit.front();
  if (lit.size() < 2 || lit.back() != quote) return false;
  std::string_view s = lit.substr(1, lit.size() - 2);
  out.clear();
  int runes = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == quote) return false;
    ++runes;
    if (s[i] != '\\') {
      int w = 1;
      decode_rune(s, i, w);
      out.append(s.substr(i, w));
      i += w;
      continue;
    }
    if (i + 1 >= s.size()) return false;
    const char c = s[i + 1];
    i += 2;
    switch (c) {
      case 'a': out += '\a'; continue;
      case 'b': out += '\b'; continue;
      case 'f': out += '\f'; continue;
      case 'n': out += '\n'; continue;
      case 'r': out += '\r'; continue;
      case 't': out += '\t'; continue;
      case 'v': out += '\v'; continue;
      case '\\': out += '\\'; continue;
      case '\'': case '"':
        if (c != quote) return false;
        out += c;
        continue;
      default: break;
    }
    int n = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
    if (n == 0) return false;
    std::uint32_t v = 0;
    if (n == 3) {  // octal: the first digit was c
      --i;
      for (int k = 0; k < 3; ++k, ++i) {
        if (i >= s.size() || s[i] < '0' || s[i] > '7') return false;
        v = v * 8 + static_cast<std::uint32_t>(s[i] - '0');
      }
      if (v > 255) return false;
      out += static_cast<char>(v);
      continue;
    }
    for (int k = 0; k < n; ++k, ++i) {
      int d = 0;
      if (i >= s.size() || !hex_value(s[i], d)) return false;
      v = v * 16 + static_cast<std::uint32_t>(d);
    }
    if (c == 'x') {
      out += static_cast<char>(v);
      continue;
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return false;
    json::append_utf8(out, v);
  }
  if (rune_count) *rune_count = runes;
  return true;
}

bool underscores_ok(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  char saw = '^';
  std::size_t i = 0;
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    if (p == 'b' || p == 'o' || p == 'x') {
      i = 2;
      saw = '0';
      hex = p == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    const char lower = static_cast<char>(c | 0x20);
    if ((c >= '0' && c <= '9') || (hex && lower >= 'a' && lower <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// strconv.ParseInt(text, 0, 64): base prefixes 0x 0o 0b, a leading 0 for octal, and '_'
// between digits. `overflow` tells a well-formed integer that does not fit.
bool go_parse_int(std::string_view text, std::int64_t& out, bool& overflow) {
  overflow = false;
  if (!underscores_ok(text)) return false;
  std::string t;
  for (char c : text)
    if (c != '_') t += c;
  std::size_t i = 0;
  bool negative = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';
  int base = 10;
  if (t.size() - i >= 2 && t[i] == '0') {
    const char p = static_cast<char>(t[i + 1] | 0x20);
    if (p == 'x') base = 16, i += 2;
    else if (p == 'o') base = 8, i += 2;
    else if (p == 'b') base = 2, i += 2;
    else base = 8, i += 1;
  }
  if (i >= t.size()) return false;
  unsigned long long v = 0;
  for (; i < t.size(); ++i) {
    int d = 0;
    if (!hex_value(t[i], d) || d >= base) return false;
    if (v > (~0ULL - static_cast<unsigned>(d)) / static_cast<unsigned>(base)) overflow = true;
    v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
  }
  const unsigned long long limit = negative ? (1ULL << 63) : (1ULL << 63) - 1;
  if (overflow || v > limit) {
    overflow = true;
    return false;
  }
  out = negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
  return true;
}

}  // namespace tmpl
}  // namespace opsim
