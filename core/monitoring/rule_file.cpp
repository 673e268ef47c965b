// Reading Prometheus rule files: yaml-cpp for the YAML, Prometheus 2.42's model/rulefmt for
// what is accepted (rule_file.h), opsim's Diagnostic for what is wrong.
//
// Index:
//   [SECTION] Positions: from a scalar's value back to the file
//   [SECTION] YAML: strict mappings, scalars, descriptions
//   [SECTION] Groups
//   [SECTION] Rules
//   [SECTION] load_rule_file
#include "monitoring/rule_file.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/mark.h>
#include <yaml-cpp/yaml.h>

#include "json/json.h"
#include "json/yaml.h"
#include "promql/parser.h"

namespace opsim {
namespace {

using yaml::content_start;
using yaml::is_blank;
using yaml::is_break;
using yaml::LineTable;

// ---------------------------------------------------------------------------------------------
// [SECTION] Positions: from a scalar's value back to the file
// ---------------------------------------------------------------------------------------------

// Appends the bytes a double-quoted scalar's escape at src[i] ('\\') stands for; returns the
// escape's length in the source, or 0 when it is not one.
std::size_t decode_escape(std::string_view src, std::size_t i, std::string& out) {
  if (i + 1 >= src.size()) return 0;
  const char c = src[i + 1];
  static const std::pair<char, const char*> kSimple[] = {
      {'0', "\0"}, {'a', "\a"}, {'b', "\b"}, {'t', "\t"}, {'\t', "\t"}, {'n', "\n"}, {'v', "\v"}, {'f', "\f"},
      {'r', "\r"}, {'e', "\x1b"}, {' ', " "}, {'"', "\""}, {'/', "/"}, {'\\', "\\"}, {'N', "\xC2\x85"},
      {'_', "\xC2\xA0"}, {'L', "\xE2\x80\xA8"}, {'P', "\xE2\x80\xA9"}};
  for (const auto& e : kSimple)
    if (e.first == c) {
      if (c == '0') out += '\0';
      else out += e.second;
      return 2;
    }
  const int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
  if (digits == 0 || i + 2 + static_cast<std::size_t>(digits) > src.size()) return 0;
  std::uint32_t r = 0;
  for (int k = 0; k < digits; ++k) {
    const char h = src[i + 2 + static_cast<std::size_t>(k)];
    const int v = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
    if (v < 0) return 0;
    r = r * 16 + static_cast<std::uint32_t>(v);
  }
  json::append_utf8(out, r);
  return 2 + static_cast<std::size_t>(digits);
}

// For each byte of a scalar's `value`, its offset in the file. The scalar's text starts at
// `start` (its content: a quote, a block indicator or the first character); `key_column` is
// the 0-based column of its key (a block scalar's explicit indentation counts from there).
// The text is followed with YAML's rules (line folding, quotes' escapes, block indentation)
// and compared with the value yaml-cpp decoded; on any disagreement the result is empty and
// the caller falls back to the scalar's start.
// `end`, when given, receives the offset just past the value's last byte in the file.
std::vector<std::size_t> value_offsets(std::string_view src, std::size_t start, const std::string& value,
                                       int key_column, std::size_t* end = nullptr) {
  enum class Style { plain, single, doubled, literal, folded } style = Style::plain;
  if (start >= src.size()) return {};
  std::size_t i = start;
  int indent = -1;  // block scalars: the content's indentation
  switch (src[i]) {
    case '\'': style = Style::single; ++i; break;
    case '"': style = Style::doubled; ++i; break;
    case '|': case '>': {
      style = src[i] == '|' ? Style::literal : Style::folded;
      int explicit_indent = 0;
      while (i < src.size() && !is_break(src[i])) {
        if (src[i] >= '1' && src[i] <= '9' && explicit_indent == 0) explicit_indent = src[i] - '0';
        if (src[i] == '#') break;
        ++i;
      }
      while (i < src.size() && src[i] != '\n') ++i;
      if (i >= src.size()) return {};
      ++i;
      if (explicit_indent > 0) {
        indent = std::max(key_column, 0) + explicit_indent;
      } else {  // the first line with content sets the indentation
        std::size_t j = i;
        for (;;) {
          std::size_t spaces = 0;
          while (j + spaces < src.size() && src[j + spaces] == ' ') ++spaces;
          if (j + spaces >= src.size() || !is_break(src[j + spaces])) {
            indent = static_cast<int>(spaces);
            break;
          }
          j += spaces;
          if (src[j] == '\r') ++j;
          if (j < src.size() && src[j] == '\n') ++j;
        }
      }
      for (int k = 0; k < indent && i < src.size() && src[i] == ' '; ++k) ++i;
      break;
    }
    default: break;
  }
  const bool block = style == Style::literal || style == Style::folded;
  std::vector<std::size_t> out(value.size());
  std::size_t v = 0;
  while (v < value.size()) {
    if (i >= src.size()) return {};
    const char c = src[i];
    // Trailing blanks before a line break are not content outside block scalars.
    bool at_break = is_break(c);
    if (!block && is_blank(c)) {
      std::size_t j = i;
      while (j < src.size() && is_blank(src[j])) ++j;
      if (j < src.size() && is_break(src[j])) {
        i = j;
        at_break = true;
      }
    }
    if (at_break) {
      // A run of line breaks (blank lines in between), up to the next line's content.
      std::vector<std::size_t> breaks;
      while (i < src.size() && is_break(src[i])) {
        if (src[i] == '\r') ++i;
        if (i >= src.size() || src[i] != '\n') return {};
        breaks.push_back(i++);
        if (block) {
          for (int k = 0; k < indent && i < src.size() && src[i] == ' '; ++k) ++i;
        } else {
          while (i < src.size() && is_blank(src[i])) ++i;
        }
      }
      const std::size_t k = breaks.size();
      std::size_t newlines = 0;
      while (v + newlines < value.size() && value[v + newlines] == '\n') ++newlines;
      std::size_t first = 0, count = 0;  // which breaks stand for newlines of the value
      if (style == Style::literal || (style == Style::folded && newlines >= k)) {
        count = std::min(k, value.size() - v);
      } else if (k == 1 && value[v] == ' ') {  // folded into a space
        out[v++] = breaks[0];
        continue;
      } else if (newlines >= k - 1 && k > 1) {
        first = 1;
        count = k - 1;
      } else {
        return {};
      }
      for (std::size_t n = 0; n < count; ++n) {
        if (value[v] != '\n') return {};
        out[v++] = breaks[first + n];
      }
      continue;
    }
    if (style == Style::doubled && c == '\\') {
      if (i + 1 < src.size() && is_break(src[i + 1])) {  // an escaped line break joins the lines
        i += 1;
        if (src[i] == '\r') ++i;
        ++i;
        while (i < src.size() && is_blank(src[i])) ++i;
        continue;
      }
      std::string bytes;
      const std::size_t length = decode_escape(src, i, bytes);
      if (length == 0 || value.compare(v, bytes.size(), bytes) != 0) return {};
      for (std::size_t n = 0; n < bytes.size(); ++n) out[v++] = i;
      i += length;
      continue;
    }
    if (style == Style::single && c == '\'' && i + 1 < src.size() && src[i + 1] == '\'') {
      if (value[v] != '\'') return {};
      out[v++] = i;
      i += 2;
      continue;
    }
    if (value[v] != c) return {};
    out[v++] = i++;
  }
  if (end) *end = i;
  return out;
}

// The file offset of byte `offset` of a scalar's value (its end when offset is the value's size).
std::size_t file_offset(const std::vector<std::size_t>& offsets, std::size_t offset, std::size_t fallback) {
  if (offsets.empty()) return fallback;
  if (offset < offsets.size()) return offsets[offset];
  return offsets.back() + 1;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] YAML: strict mappings, scalars, descriptions
// ---------------------------------------------------------------------------------------------

struct Entry {
  YAML::Node key, value;
  std::string name;
};

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: case YAML::NodeType::Undefined: return "nothing";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: break;
  }
  const std::string& s = n.Scalar();
  if (s.empty()) return "an empty string";
  if (s.size() > 60) return promql::quote_string(s.substr(0, 57)) + "...";
  return promql::quote_string(s);
}

bool is_plain(const YAML::Node& n) { return n.Tag() == "?"; }

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + static_cast<std::size_t>(n) > s.size()) return false;
    std::uint32_t r = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (int k = 1; k < n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((cc >> 6) != 2) return false;
      r = (r << 6) | (cc & 0x3Fu);
    }
    const std::uint32_t min = n == 1 ? 0 : n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (r < min || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) return false;
    i += static_cast<std::size_t>(n);
  }
  return true;
}

// Prometheus's label names (model.LabelName.IsValid) and metric names (IsValidMetricName).
bool valid_name(const std::string& s, bool colons) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':') ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// An unquoted YAML integer as yaml.v3 decodes it into an int: decimal, 0x, 0o, 0b or a
// leading 0 (octal), '_' between digits, or a float with no fraction ("1e3", "10.0").
// `fractional` tells a float that has one.
bool yaml_integer(std::string text, long long& out, bool& fractional) {
  fractional = false;
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  if (text.empty()) return false;
  std::size_t i = text[0] == '+' || text[0] == '-' ? 1 : 0;
  const bool negative = text[0] == '-';
  int base = 10;
  if (text.size() - i > 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'o' || text[i + 1] == 'b')) {
    base = text[i + 1] == 'x' ? 16 : text[i + 1] == 'o' ? 8 : 2;
    i += 2;
  } else if (text.size() - i > 1 && text[i] == '0') {
    base = 8;
    i += 1;
  }
  unsigned long long v = 0;
  bool digits_ok = i < text.size();
  for (std::size_t k = i; k < text.size() && digits_ok; ++k) {
    const char c = static_cast<char>(text[k] | 0x20);
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99;
    digits_ok = d < base && v < (1ULL << 62);
    v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
  }
  if (digits_ok) {
    out = negative ? -static_cast<long long>(v) : static_cast<long long>(v);
    return true;
  }
  // YAML's float syntax: [-+]?(.d+|d+(.d*)?)([eE][-+]?d+)?
  std::size_t k = text[0] == '+' || text[0] == '-' ? 1 : 0;
  std::size_t mantissa = 0;
  while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) ++k, ++mantissa;
  if (k < text.size() && text[k] == '.') {
    ++k;
    while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) ++k, ++mantissa;
  }
  if (mantissa == 0) return false;
  if (k < text.size() && (text[k] == 'e' || text[k] == 'E')) {
    ++k;
    if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
    std::size_t exponent = 0;
    while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) ++k, ++exponent;
    if (exponent == 0) return false;
  }
  if (k != text.size()) return false;
  const double d = std::strtod(text.c_str(), nullptr);
  if (!(d > -9.2e18 && d < 9.2e18)) return false;
  out = static_cast<long long>(d);
  fractional = static_cast<double>(out) != d;
  return !fractional;
}

class Loader {
 public:
  Loader(const std::string& file, std::string_view text, std::vector<Diagnostic>& errors)
      : file_(file), text_(text), lines_(text), errors_(errors) {}

  void read_document(const YAML::Node& doc, std::vector<RuleGroup>& out);

  void error_at(std::size_t offset, const std::string& path, const std::string& message) {
    Diagnostic d;
    d.path = path;
    d.message = message;
    lines_.position(std::min(offset, text_.size()), d.line, d.column);
    errors_.push_back(std::move(d));
  }
  // At a node: a scalar's content (past its anchor or tag), a collection's first entry.
  void error(const YAML::Node& at, const std::string& path, const std::string& message) {
    error_at(offset_of(at), path, message);
  }

 private:
  const std::string& file_;
  std::string_view text_;
  LineTable lines_;
  std::vector<Diagnostic>& errors_;
  // yaml-cpp counts positions after a UTF-8 byte order mark; the file's offsets include it.
  std::size_t bom_bytes_ = text_.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;

  std::size_t offset_of(const YAML::Node& n) const {
    const int pos = n.Mark().pos;
    return content_start(text_, (pos > 0 ? static_cast<std::size_t>(pos) : 0) + bom_bytes_);
  }
  // Where an entry's value is wrong: the value, or its key when the value is empty (yaml-cpp
  // marks an empty value at the next token, which may be lines below).
  std::size_t entry_offset(const Entry& e) const { return e.value.IsNull() ? offset_of(e.key) : offset_of(e.value); }
  int column_of(const YAML::Node& n) const {
    int line = 0, column = 0;
    lines_.position(offset_of(n), line, column);
    return column - 1;
  }

  bool mapping(const YAML::Node& n, const std::string& path, const std::vector<std::string_view>& allowed,
               std::vector<Entry>& out);
  bool string_of(const Entry& e, const std::string& path, std::string& out);
  bool closed(const Entry& e, const std::string& path);
  bool duration(const Entry& e, const std::string& path, SimDuration& out);
  void read_group(const YAML::Node& n, const std::string& path, std::map<std::string, int>& names,
                  std::vector<RuleGroup>& out);
  void read_rule(const YAML::Node& n, const std::string& path, RuleGroup& g);
  void read_strings(const Entry& e, const std::string& path, const char* what,
                    std::vector<std::pair<std::string, std::string>>& out, std::vector<Entry>& entries);
  // Reports `message`, a PromQL or template error at line:column of the scalar's `value`, where
  // that place is in the file.
  void error_in_scalar(const Entry& e, const std::string& path, const std::string& value, int line, int column,
                       const std::string& message);
};

// The entries of a mapping, with YAML merge keys (<<) expanded as yaml.v3 expands them: the
// mapping's own keys first, then merged ones it does not have. Reports keys given twice
// (yaml.v3 refuses them) and, when `allowed` is not empty, keys not in it.
bool Loader::mapping(const YAML::Node& n, const std::string& path, const std::vector<std::string_view>& allowed,
                     std::vector<Entry>& out) {
  if (!n.IsMap()) {
    error(n, path, "expected a mapping, found " + describe(n));
    return false;
  }
  const std::size_t before = errors_.size();
  yaml::MappingCallbacks c;
  c.entry = [&](const YAML::Node& key, const YAML::Node& value) { out.push_back({key, value, key.Scalar()}); };
  c.problem = [&](const YAML::Node& at, const std::string& message) { error(at, path, message); };
  c.describe = [](const YAML::Node& node) { return describe(node); };
  c.line_of = [&](const YAML::Node& key) {
    int line = 0, column = 0;
    lines_.position(offset_of(key), line, column);
    return line;
  };
  yaml::mapping_entries(n, c);
  if (!allowed.empty()) {
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    for (const Entry& e : out)
      if (std::find(allowed.begin(), allowed.end(), e.name) == allowed.end())
        error(e.key, path, "unknown field " + promql::quote_string(e.name) + " (expected one of: " + list + ")");
  }
  return errors_.size() == before;
}

// A field read into a string as yaml.v3 reads it: any scalar as written, nothing as "".
bool Loader::string_of(const Entry& e, const std::string& path, std::string& out) {
  if (e.value.IsNull()) {
    out.clear();
    return true;
  }
  if (!e.value.IsScalar()) {
    error(e.value, path, "expected a string, found " + describe(e.value));
    return false;
  }
  out = e.value.Scalar();
  return closed(e, path);
}

// yaml-cpp ends a quoted scalar that never closes at the end of the file; YAML (and
// Prometheus) refuse it, and so does opsim.
bool Loader::closed(const Entry& e, const std::string& path) {
  const std::size_t start = entry_offset(e);
  if (start >= text_.size() || (text_[start] != '"' && text_[start] != '\'')) return true;
  std::size_t end = 0;
  if (value_offsets(text_, start, e.value.Scalar(), column_of(e.key), &end).empty() && !e.value.Scalar().empty())
    return true;  // not followed: nothing to say
  if (e.value.Scalar().empty()) end = start + 1;
  while (end < text_.size() && (is_blank(text_[end]) || is_break(text_[end]))) ++end;
  if (end < text_.size() && text_[end] == text_[start]) return true;
  error_at(start, path, std::string("expected a closing ") + (text_[start] == '"' ? "\"" : "'") +
                            " for the string that starts here, found the end of the file");
  return false;
}

bool Loader::duration(const Entry& e, const std::string& path, SimDuration& out) {
  std::string text;
  if (!string_of(e, path, text)) return false;
  if (e.value.IsNull()) {
    out = 0;
    return true;
  }
  if (!promql::parse_promql_duration(text, out)) {
    error_at(entry_offset(e), path,
             "expected a duration such as 30s, 5m or 1h30m (whole numbers with the units y, w, d, h, m, s, ms, "
             "largest first), found " + describe(e.value));
    return false;
  }
  return true;
}

void Loader::error_in_scalar(const Entry& e, const std::string& path, const std::string& value, int line, int column,
                             const std::string& message) {
  const std::size_t start = entry_offset(e);
  if (line <= 0 || e.value.IsNull()) {
    error_at(start, path, message);
    return;
  }
  std::size_t offset = 0;
  for (int l = 1; l < line && offset < value.size(); ++offset)
    if (value[offset] == '\n') ++l;
  offset = std::min(offset + static_cast<std::size_t>(std::max(column, 1) - 1), value.size());
  const std::vector<std::size_t> offsets = value_offsets(text_, start, value, column_of(e.key));
  error_at(file_offset(offsets, offset, start), path, message);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Groups
// ---------------------------------------------------------------------------------------------

void Loader::read_document(const YAML::Node& doc, std::vector<RuleGroup>& out) {
  if (doc.IsNull()) return;  // an empty file: no groups, as Prometheus reads it
  std::vector<Entry> entries;
  if (!mapping(doc, "$", {"groups"}, entries)) return;
  std::map<std::string, int> names;  // group name -> line of its first use
  for (const Entry& e : entries) {
    if (e.name != "groups" || e.value.IsNull()) continue;
    if (!e.value.IsSequence()) {
      error(e.value, "groups", "expected a list of rule groups, found " + describe(e.value));
      continue;
    }
    std::size_t index = 0;
    for (const auto& item : e.value) {
      const std::string path = "groups[" + std::to_string(index++) + "]";
      if (item.IsNull()) continue;  // yaml.v3 leaves an empty item out
      read_group(item, path, names, out);
    }
  }
}

void Loader::read_group(const YAML::Node& n, const std::string& path, std::map<std::string, int>& names,
                        std::vector<RuleGroup>& out) {
  std::vector<Entry> entries;
  mapping(n, path, {"name", "interval", "limit", "rules"}, entries);
  if (!n.IsMap()) return;
  RuleGroup g;
  g.file = file_;
  lines_.position(offset_of(n), g.line, g.column);
  const Entry* name = nullptr;
  for (const Entry& e : entries) {
    const std::string field = path + "." + e.name;
    if (e.name == "name") {
      if (string_of(e, field, g.name)) name = &e;
    } else if (e.name == "interval") {
      duration(e, field, g.interval_us);
    } else if (e.name == "limit") {
      if (e.value.IsNull()) continue;
      // yaml.v3 decodes an int from an unquoted integer or an integral float; Prometheus
      // truncates a fractional one, which opsim refuses.
      long long v = 0;
      bool fractional = false;
      if (!e.value.IsScalar() || !is_plain(e.value) || !yaml_integer(e.value.Scalar(), v, fractional)) {
        error_at(entry_offset(e), field,
                 "expected a whole number of series, found " + describe(e.value) +
                     (fractional ? " (Prometheus would truncate it; write the number meant)"
                                 : e.value.IsScalar() && !is_plain(e.value) ? " (quoted: a string)" : ""));
      } else if (v > 2147483647LL || v < -2147483648LL) {
        error_at(entry_offset(e), field, "expected a number of series up to 2147483647, found " + describe(e.value));
      } else {
        g.limit = static_cast<int>(v);
      }
    } else if (e.name == "rules") {
      if (e.value.IsNull()) continue;
      if (!e.value.IsSequence()) {
        error(e.value, field, "expected a list of rules, found " + describe(e.value));
        continue;
      }
      std::size_t index = 0;
      for (const auto& item : e.value) {
        const std::string rule_path = field + "[" + std::to_string(index++) + "]";
        if (item.IsNull()) continue;  // yaml.v3 leaves an empty item out
        read_rule(item, rule_path, g);
      }
    }
  }
  const bool name_unreadable = !name && std::any_of(entries.begin(), entries.end(), [](const Entry& e) { return e.name == "name"; });
  if (name_unreadable) {
    // string_of has said what is wrong with it
  } else if (g.name.empty()) {
    if (name) error_at(entry_offset(*name), path + ".name", "expected a group name, found " + describe(name->value));
    else error(n, path + ".name", "expected a group name, found nothing (the field is required)");
  } else {
    const auto [it, fresh] = names.emplace(g.name, g.line);
    if (!fresh)
      error_at(entry_offset(*name), path + ".name",
               "expected a group name not used before in the file, found " + promql::quote_string(g.name) +
                   " again (first at line " + std::to_string(it->second) + ")");
  }
  out.push_back(std::move(g));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Rules
// ---------------------------------------------------------------------------------------------

void Loader::read_strings(const Entry& e, const std::string& path, const char* what,
                          std::vector<std::pair<std::string, std::string>>& out, std::vector<Entry>& entries) {
  if (e.value.IsNull()) return;
  if (!e.value.IsMap()) {
    error(e.value, path, "expected a mapping of " + std::string(what) + " names to values, found " + describe(e.value));
    return;
  }
  mapping(e.value, path, {}, entries);
  for (const Entry& item : entries) {
    std::string value;
    if (string_of(item, path + "." + item.name, value)) out.push_back({item.name, value});
  }
}

void Loader::read_rule(const YAML::Node& n, const std::string& path, RuleGroup& g) {
  std::vector<Entry> entries;
  mapping(n, path, {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}, entries);
  if (!n.IsMap()) return;
  PromRule r;
  lines_.position(offset_of(n), r.line, r.column);
  std::string record, alert;
  const Entry *record_entry = nullptr, *alert_entry = nullptr, *expr_entry = nullptr, *for_entry = nullptr,
              *keep_entry = nullptr, *annotations_entry = nullptr;
  std::vector<Entry> label_entries, annotation_entries;
  for (const Entry& e : entries) {
    const std::string field = path + "." + e.name;
    if (e.name == "record") {
      record_entry = &e;
      string_of(e, field, record);
    } else if (e.name == "alert") {
      alert_entry = &e;
      string_of(e, field, alert);
    } else if (e.name == "expr") {
      expr_entry = &e;
      if (!e.value.IsNull() && !e.value.IsScalar())
        error(e.value, field, "expected a PromQL expression (a string), found " + describe(e.value));
      else if (e.value.IsScalar() && closed(e, field)) r.expr_text = e.value.Scalar();
    } else if (e.name == "for") {
      for_entry = &e;
      duration(e, field, r.for_us);
    } else if (e.name == "keep_firing_for") {
      keep_entry = &e;
      duration(e, field, r.keep_firing_for_us);
    } else if (e.name == "labels") {
      read_strings(e, field, "label", r.labels, label_entries);
    } else if (e.name == "annotations") {
      annotations_entry = &e;
      read_strings(e, field, "annotation", r.annotations, annotation_entries);
    }
  }

  // record or alert, exactly one (an empty one counts as absent, as in Prometheus).
  if (!record.empty() && !alert.empty()) {
    int line = 0, column = 0;
    lines_.position(entry_offset(*alert_entry), line, column);
    error_at(entry_offset(*record_entry), path,
             "expected either record or alert, found both (alert at line " + std::to_string(line) + ")");
  } else if (record.empty() && alert.empty()) {
    error(n, path, "expected record (a recording rule's metric name) or alert (an alerting rule's name), found " +
                       std::string(record_entry || alert_entry ? "an empty one" : "neither"));
  }
  const bool recording = !record.empty() && alert.empty();
  r.kind = recording ? PromRule::Kind::recording : PromRule::Kind::alerting;
  r.name = recording ? record : alert;
  if (!record.empty() && !valid_name(record, true))
    error_at(entry_offset(*record_entry), path + ".record",
             "expected a metric name (letters, digits, '_' and ':', not starting with a digit), found " +
                 promql::quote_string(record));

  if (r.expr_text.empty()) {
    if (!expr_entry || expr_entry->value.IsNull() || expr_entry->value.IsScalar()) {
      if (expr_entry) error_at(entry_offset(*expr_entry), path + ".expr", "expected a PromQL expression, found " + describe(expr_entry->value));
      else error(n, path + ".expr", "expected a PromQL expression, found nothing (the field is required)");
    }
  } else {
    promql::ParseResult parsed = promql::parse(r.expr_text);
    for (const Diagnostic& d : parsed.errors)
      error_in_scalar(*expr_entry, path + ".expr", r.expr_text, d.line, d.column, d.message);
    if (parsed.ok()) r.expr = std::shared_ptr<const promql::Expr>(std::move(parsed.expr));
  }

  if (recording) {
    // What only alerting rules have. Prometheus lets a zero `for` and no annotations pass.
    if (for_entry && r.for_us != 0)
      error(for_entry->key, path + ".for", "expected no for in a recording rule (it applies to alerting rules), found " + describe(for_entry->value));
    if (keep_entry && r.keep_firing_for_us != 0)
      error(keep_entry->key, path + ".keep_firing_for",
            "expected no keep_firing_for in a recording rule (it applies to alerting rules), found " + describe(keep_entry->value));
    if (annotations_entry && !r.annotations.empty())
      error(annotations_entry->key, path + ".annotations",
            "expected no annotations in a recording rule (they belong to alerts), found " + std::to_string(r.annotations.size()));
  }

  for (const Entry& e : label_entries) {
    const std::string field = path + ".labels." + e.name;
    if (!valid_name(e.name, false))
      error(e.key, field, "expected a label name (letters, digits and '_', not starting with a digit), found " + promql::quote_string(e.name));
    else if (e.name == promql::kMetricNameLabel)
      error(e.key, field, "expected a label name other than __name__ (the rule's name is the metric name), found __name__");
    if (e.value.IsScalar() && !valid_utf8(e.value.Scalar()))
      error(e.value, field, "expected a label value in UTF-8, found bytes that are not UTF-8");
  }
  for (const Entry& e : annotation_entries)
    if (!valid_name(e.name, false))
      error(e.key, path + ".annotations." + e.name,
            "expected an annotation name (letters, digits and '_', not starting with a digit), found " + promql::quote_string(e.name));

  // Prometheus keeps labels and annotations sorted by name.
  auto by_name = [](const std::pair<std::string, std::string>& a, const std::pair<std::string, std::string>& b) {
    return a.first < b.first;
  };
  std::sort(r.labels.begin(), r.labels.end(), by_name);
  std::sort(r.annotations.begin(), r.annotations.end(), by_name);

  if (!recording && !alert.empty()) {
    // An alerting rule's labels and annotations are templates: they must compile.
    auto compile = [&](const std::vector<std::pair<std::string, std::string>>& items, const std::vector<Entry>& from,
                       const std::string& prefix, std::vector<AlertTemplate>& compiled) {
      for (const auto& item : items) {
        AlertTemplate t;
        TemplateError te;
        if (!compile_template(item.second, "__alert_" + alert, t, te)) {
          const auto it = std::find_if(from.begin(), from.end(), [&](const Entry& x) { return x.name == item.first; });
          error_in_scalar(*it, prefix + item.first, item.second, te.line, te.column,
                          "expected a template that compiles, found an error: " + te.message);
        }
        compiled.push_back(std::move(t));
      }
    };
    compile(r.labels, label_entries, path + ".labels.", r.label_templates);
    compile(r.annotations, annotation_entries, path + ".annotations.", r.annotation_templates);
  }
  g.rules.push_back(std::move(r));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] load_rule_file
// ---------------------------------------------------------------------------------------------

bool load_rule_file(const std::string& file_name, std::string_view text, std::vector<RuleGroup>& out,
                    std::vector<Diagnostic>& errors) {
  const std::size_t before = errors.size();
  Loader loader(file_name, text, errors);
  YAML::Node document;
  if (!yaml::load_document(text, document, errors)) return false;
  std::vector<RuleGroup> groups;
  loader.read_document(document, groups);
  yaml::refuse_more_documents(
      text, "Prometheus would read only the first and ignore this one; put its groups in the first", errors);
  if (errors.size() > before) return false;
  for (RuleGroup& g : groups) out.push_back(std::move(g));
  return true;
}

}  // namespace opsim
