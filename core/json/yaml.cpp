#include "json/yaml.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/yaml.h>

namespace opsim::yaml {

LineTable::LineTable(std::string_view text) {
  starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(i + 1);
}

void LineTable::position(std::size_t offset, int& line, int& column) const {
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  const std::size_t index = static_cast<std::size_t>(it - starts_.begin()) - 1;
  line = static_cast<int>(index) + 1;
  column = static_cast<int>(offset - starts_[index]) + 1;
}

std::size_t content_start(std::string_view src, std::size_t pos) {
  while (pos < src.size() && (src[pos] == '&' || src[pos] == '!')) {
    while (pos < src.size() && !is_blank(src[pos]) && !is_break(src[pos])) ++pos;
    while (pos < src.size() && (is_blank(src[pos]) || is_break(src[pos]))) ++pos;
  }
  return pos;
}

namespace {

Diagnostic syntax_error(const YAML::Exception& e) {
  Diagnostic d;
  d.path = "$";
  d.message = "expected YAML, found a syntax error: " + e.msg;
  d.line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
  d.column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
  return d;
}

// Whether a YAML document has content, and where it starts.
class ContentSeen : public YAML::EventHandler {
 public:
  bool content = false;
  YAML::Mark first;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { seen(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { seen(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    seen(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    seen(m);
  }
  void OnMapEnd() override {}

 private:
  void seen(const YAML::Mark& m) {
    if (!content) first = m;
    content = true;
  }
};

// A plain scalar's value under YAML 1.2's core schema.
json::Value plain_scalar(const std::string& s) {
  json::Value v;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return v;  // null
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    v.type = json::Type::boolean;
    v.boolean = s[0] == 't' || s[0] == 'T';
    return v;
  }
  const std::size_t sign = s[0] == '-' || s[0] == '+' ? 1 : 0;
  // Integers: decimal, and (unsigned) 0o octal and 0x hexadecimal.
  if (sign == 0 && s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
    const int base = s[1] == 'o' ? 8 : 16;
    char* end = nullptr;
    const unsigned long long n = std::strtoull(s.c_str() + 2, &end, base);
    if (end && *end == 0 && n < (1ULL << 53)) {
      v.type = json::Type::number;
      v.is_integer = true;
      v.number = static_cast<double>(n);
      v.text = std::to_string(n);
      return v;
    }
  }
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, an integer without '.' or exponent.
  std::size_t k = sign, mantissa = 0;
  bool fraction = false;
  while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k, ++mantissa;
  if (k < s.size() && s[k] == '.') {
    fraction = true;
    ++k;
    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k, ++mantissa;
  }
  bool exponent_ok = true;
  if (mantissa > 0 && k < s.size() && (s[k] == 'e' || s[k] == 'E')) {
    fraction = true;
    ++k;
    if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    std::size_t digits = 0;
    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k, ++digits;
    exponent_ok = digits > 0;
  }
  if (mantissa > 0 && exponent_ok && k == s.size()) {
    const double d = std::strtod(s.c_str(), nullptr);
    if (std::isfinite(d)) {
      v.type = json::Type::number;
      v.number = d;
      v.is_integer = !fraction;
      v.text = s[0] == '+' ? s.substr(1) : s;
      return v;
    }
  }
  v.type = json::Type::string;
  v.text = s;
  return v;
}

class Converter {
 public:
  Converter(std::string_view text, std::vector<Diagnostic>& errors)
      : text_(text), lines_(text), errors_(errors), bom_bytes_(text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0) {}

  // `at_key`: the key of a member whose value this is (an empty value is placed at its key:
  // yaml-cpp marks it at the next token, which may be lines below).
  void convert(const YAML::Node& n, const std::string& path, json::Value& out, const YAML::Node* at_key) {
    if (++values_ > kMaxYamlValues) {
      if (values_ == kMaxYamlValues + 1)
        error(n, path, "expected at most " + std::to_string(kMaxYamlValues) +
                           " values, found more (aliases of anchors expand to them)");
      return;
    }
    place(n.IsNull() && at_key ? *at_key : n, out);
    switch (n.Type()) {
      case YAML::NodeType::Null: case YAML::NodeType::Undefined: out.type = json::Type::null; return;
      case YAML::NodeType::Scalar: {
        const int line = out.line, column = out.column;
        const std::string& tag = n.Tag();
        if (tag == "?") {
          out = plain_scalar(n.Scalar());
        } else {  // quoted, or tagged: a string, unless the tag names another type
          const bool typed = tag.size() > 18 && tag.rfind("tag:yaml.org,2002:", 0) == 0 && tag != "tag:yaml.org,2002:str";
          if (typed) {
            out = plain_scalar(n.Scalar());
          } else {
            out.type = json::Type::string;
            out.text = n.Scalar();
          }
        }
        out.line = line, out.column = column;
        return;
      }
      case YAML::NodeType::Sequence: {
        out.type = json::Type::array;
        std::size_t i = 0;
        for (const YAML::Node& item : n) {
          json::Value v;
          convert(item, path + "[" + std::to_string(i++) + "]", v, nullptr);
          out.items.push_back(std::move(v));
        }
        return;
      }
      case YAML::NodeType::Map: {
        out.type = json::Type::object;
        members(n, path, out);
        return;
      }
    }
  }

 private:
  std::string_view text_;
  LineTable lines_;
  std::vector<Diagnostic>& errors_;
  std::size_t bom_bytes_;
  std::size_t values_ = 0;

  void place(const YAML::Node& n, json::Value& v) const {
    const int pos = n.Mark().pos;
    const std::size_t offset = content_start(text_, (pos > 0 ? static_cast<std::size_t>(pos) : 0) + bom_bytes_);
    lines_.position(std::min(offset, text_.size()), v.line, v.column);
  }
  void error(const YAML::Node& at, const std::string& path, const std::string& message) {
    Diagnostic d;
    d.path = path;
    d.message = message;
    json::Value where;
    place(at, where);
    d.line = where.line, d.column = where.column;
    errors_.push_back(std::move(d));
  }

  // A mapping's members (mapping_entries).
  void members(const YAML::Node& n, const std::string& path, json::Value& out) {
    MappingCallbacks c;
    c.entry = [&](const YAML::Node& key, const YAML::Node& value) {
      json::Value v;
      convert(value, path + "." + key.Scalar(), v, &key);
      out.members.emplace_back(key.Scalar(), std::move(v));
    };
    c.problem = [&](const YAML::Node& at, const std::string& message) { error(at, path, message); };
    c.describe = [](const YAML::Node& node) {
      if (node.IsScalar()) return json::quote(node.Scalar());
      return std::string(node.IsMap() ? "a mapping" : node.IsSequence() ? "a list" : "nothing");
    };
    c.line_of = [&](const YAML::Node& key) {
      json::Value at;
      place(key, at);
      return at.line;
    };
    mapping_entries(n, c);
  }
};

}  // namespace

namespace {

void collect(const YAML::Node& n, const MappingCallbacks& c, std::map<std::string, int>& seen, bool merged, int depth) {
  std::vector<YAML::Node> merges;
  for (const auto& kv : n) {
    const YAML::Node key = kv.first, value = kv.second;
    if (!key.IsScalar()) {
      c.problem(key, "expected a field name, found " + c.describe(key));
      continue;
    }
    if (key.Scalar() == "<<" && key.Tag() == "?") {
      merges.push_back(value);
      continue;
    }
    const auto [it, fresh] = seen.emplace(key.Scalar(), c.line_of(key));
    if (!fresh) {
      if (!merged)
        c.problem(key, "duplicate field " + c.describe(key) + " (first at line " + std::to_string(it->second) + ")");
      continue;
    }
    c.entry(key, value);
  }
  for (const YAML::Node& m : merges) {
    if (depth > 16) continue;  // merges of merges: enough for any sane file, finite for any other
    if (m.IsMap()) {
      collect(m, c, seen, true, depth + 1);
    } else if (m.IsSequence()) {
      for (const auto& item : m) {
        if (item.IsMap()) collect(item, c, seen, true, depth + 1);
        else c.problem(item, "expected a mapping to merge (<<), found " + c.describe(item));
      }
    } else {
      c.problem(m, "expected a mapping or a list of mappings to merge (<<), found " + c.describe(m));
    }
  }
}

}  // namespace

void mapping_entries(const YAML::Node& map, const MappingCallbacks& callbacks) {
  std::map<std::string, int> seen;
  collect(map, callbacks, seen, false, 0);
}

bool load_document(std::string_view text, YAML::Node& out, std::vector<Diagnostic>& errors) {
  try {
    out = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    errors.push_back(syntax_error(e));
    return false;
  }
  return true;
}

bool refuse_more_documents(std::string_view text, std::string_view what_then, std::vector<Diagnostic>& errors) {
  // yaml-cpp's LoadAll never returns on some inputs (a stray ',' yields empty documents
  // without end), so the documents are walked here, a bounded number of them.
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    ContentSeen first;
    parser.HandleNextDocument(first);
    for (int k = 0;; ++k) {
      if (k == 64) {  // yaml-cpp is stuck: no document ends there, and YAML refuses the text
        Diagnostic d;
        d.path = "$";
        d.message = "expected YAML, found text that starts no YAML node (such as a ',' outside [ ] or { })";
        errors.push_back(std::move(d));
        return false;
      }
      ContentSeen next;
      if (!parser.HandleNextDocument(next)) return true;
      if (!next.content) continue;
      Diagnostic d;
      d.path = "$";
      d.message = "expected one YAML document, found a second one (" + std::string(what_then) + ")";
      d.line = next.first.line + 1;
      d.column = next.first.column + 1;
      errors.push_back(std::move(d));
      return false;
    }
  } catch (const YAML::Exception& e) {
    errors.push_back(syntax_error(e));
    return false;
  }
}

bool parse_yaml(std::string_view text, json::Value& out, std::vector<Diagnostic>& errors) {
  const std::size_t before = errors.size();
  out = json::Value{};
  YAML::Node doc;
  if (!load_document(text, doc, errors)) return false;
  if (!refuse_more_documents(text, "put everything in the first", errors)) return false;
  Converter(text, errors).convert(doc, "$", out, nullptr);
  return errors.size() == before;
}

bool parse_json_or_yaml(std::string_view text, json::Value& out, std::vector<Diagnostic>& errors) {
  const std::size_t bom = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::size_t i = bom;
  while (i < text.size() && (is_blank(text[i]) || is_break(text[i]))) ++i;
  if (i < text.size() && (text[i] == '{' || text[i] == '[')) {
    json::ParseError pe;
    if (json::parse(text.substr(bom), out, pe)) return true;
    errors.push_back({"$", "JSON syntax error: " + pe.message, pe.line, pe.column});
    return false;
  }
  return parse_yaml(text, out, errors);
}

}  // namespace opsim::yaml
