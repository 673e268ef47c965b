// The typed JSON reader (reader.h): diagnostics, objects and their unknown fields, typed
// members, ids.
#include "json/reader.h"

#include <algorithm>
#include <set>

namespace opsim {

std::string format_diagnostic(const Diagnostic& d, std::string_view source, std::string_view severity) {
  std::string s(d.file.empty() ? source : std::string_view(d.file));
  if (d.line > 0) s += ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
  s += ": ";
  s += severity;
  s += ": ";
  s += d.path;
  s += ": ";
  s += d.message;
  return s;
}

namespace json {

std::string range_text(double lo, double hi) {
  if (hi >= 1e300) return "of at least " + number(lo);
  return "from " + number(lo) + " to " + number(hi);
}

bool KeyList::contains(std::string_view key) const { return std::find(begin(), end(), key) != end(); }

std::string KeyList::joined(std::string_view separator) const {
  std::string s;
  for (std::string_view k : *this) {
    if (!s.empty()) s += separator;
    s += k;
  }
  return s;
}

// ---- Diagnostics

void Reader::error(const Value* at, const std::string& path, const std::string& message) {
  errors_.push_back({path, message, at ? at->line : 0, at ? at->column : 0});
}

void Reader::warn(const Value* at, const std::string& path, const std::string& message) {
  if (warnings_) warnings_->push_back({path, message, at ? at->line : 0, at ? at->column : 0});
}

bool Reader::expected(const Value& v, const std::string& path, const std::string& what) {
  error(&v, path, "expected " + what + ", found " + describe(v));
  return false;
}

// ---- Objects

bool Reader::object(const Value& v, const std::string& path, KeyList allowed) {
  if (v.type != Type::object) return expected(v, path, "an object");
  unknown_fields(v, path, allowed);
  return true;
}

void Reader::unknown_fields(const Value& v, const std::string& path, KeyList allowed, std::string_view qualifier,
                            std::string_view tail) {
  for (const auto& m : v.members) {
    if (is_extension_key(m.first) || allowed.contains(m.first)) continue;
    error(&m.second, join(path, m.first),
          "unknown field \"" + m.first + "\"" + std::string(qualifier) + " (expected one of: " + allowed.joined(", ") +
              std::string(tail) + ")");
  }
}

const Value* Reader::member(const Value& obj, const std::string& path, std::string_view key, bool required,
                            const std::string& what) {
  const Value* v = obj.find(key);
  if (!v && required) error(&obj, join(path, key), "expected " + what + ", found nothing (the field is required)");
  return v;
}

// ---- Typed members

bool Reader::read_string(const Value& obj, const std::string& path, std::string_view key, std::string& out,
                         bool required) {
  const Value* v = member(obj, path, key, required, "a string");
  if (!v) return false;
  if (v->type != Type::string) return expected(*v, join(path, key), "a string");
  out = v->text;
  return true;
}

bool Reader::read_id(const Value& obj, const std::string& path, std::string_view key, std::string& out) {
  const std::string what = "an id (1 to 64 letters, digits, '_' or '-')";
  const Value* v = member(obj, path, key, true, what);
  if (!v) return false;
  bool ok = v->type == Type::string && !v->text.empty() && v->text.size() <= 64;
  if (ok)
    for (char c : v->text)
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  if (!ok) return expected(*v, join(path, key), what);
  out = v->text;
  return true;
}

bool Reader::read_number(const Value& obj, const std::string& path, std::string_view key, double& out, double lo,
                         double hi, bool required) {
  const std::string what = "a number " + range_text(lo, hi);
  const Value* v = member(obj, path, key, required, what);
  if (!v) return false;
  if (v->type != Type::number || v->number < lo || v->number > hi) return expected(*v, join(path, key), what);
  out = v->number;
  return true;
}

bool Reader::read_integer(const Value& obj, const std::string& path, std::string_view key, double& out, double lo,
                          double hi, bool required) {
  const std::string what = "an integer " + range_text(lo, hi);
  const Value* v = member(obj, path, key, required, what);
  if (!v) return false;
  if (v->type != Type::number || !v->is_integer || v->number < lo || v->number > hi)
    return expected(*v, join(path, key), what);
  out = v->number;
  return true;
}

bool Reader::read_bool(const Value& obj, const std::string& path, std::string_view key, bool& out) {
  const Value* v = member(obj, path, key, false, "true or false");
  if (!v) return false;
  if (v->type != Type::boolean) return expected(*v, join(path, key), "true or false");
  out = v->boolean;
  return true;
}

bool Reader::read_duration(const Value& obj, const std::string& path, std::string_view key, SimDuration& out,
                           SimDuration lo, SimDuration hi, bool required) {
  const std::string what = "a duration such as \"250ms\", \"30s\" or \"1h30m\" from " + format_duration(lo) + " to " +
                           format_duration(hi);
  const Value* v = member(obj, path, key, required, what);
  if (!v) return false;
  SimDuration d = 0;
  if (v->type != Type::string || !parse_duration(v->text, d) || d < lo || d > hi)
    return expected(*v, join(path, key), what);
  out = d;
  return true;
}

bool Reader::read_choice(const Value& obj, const std::string& path, std::string_view key, int& position,
                         KeyList names, bool required) {
  std::string what = "one of ";
  for (const std::string_view* n = names.begin(); n != names.end(); ++n)
    what += (n != names.begin() ? ", " : "") + quote(*n);
  const Value* v = member(obj, path, key, required, what);
  if (!v) return false;
  if (v->type == Type::string)
    for (const std::string_view* n = names.begin(); n != names.end(); ++n)
      if (v->text == *n) {
        position = static_cast<int>(n - names.begin());
        return true;
      }
  return expected(*v, join(path, key), what);
}

bool Reader::read_string_list(const Value& obj, const std::string& path, std::string_view key,
                              std::vector<std::string>& out, KeyList allowed) {
  const Value* v = member(obj, path, key, false, "an array of strings");
  if (!v) return false;
  const std::string p = join(path, key);
  if (v->type != Type::array) return expected(*v, p, "an array of strings");
  out.clear();
  for (std::size_t i = 0; i < v->items.size(); ++i) {
    const Value& item = v->items[i];
    bool ok = item.type == Type::string;
    if (ok && allowed.size() > 0) ok = allowed.contains(item.text);
    if (!ok) {
      std::string what = "a string";
      if (allowed.size() > 0) {
        what = "one of ";
        for (const std::string_view* a = allowed.begin(); a != allowed.end(); ++a)
          what += (a != allowed.begin() ? ", " : "") + quote(*a);
      }
      expected(item, index(p, i), what);
      continue;
    }
    out.push_back(item.text);
  }
  return true;
}

bool Reader::read_array(const Value& obj, const std::string& path, std::string_view key, bool required,
                        std::size_t min_items, std::size_t max_items, const char* limit_name,
                        const std::function<void(const Value&, const std::string&)>& fn) {
  const Value* v = member(obj, path, key, required, "an array");
  if (!v) return false;
  const std::string p = join(path, key);
  if (v->type != Type::array) return expected(*v, p, "an array");
  if (v->items.size() < min_items) return expected(*v, p, "an array of at least " + std::to_string(min_items));
  if (v->items.size() > max_items) {
    error(v, p, std::string("too many entries: ") + std::to_string(v->items.size()) + " exceeds the limit " + limit_name +
                    " = " + std::to_string(max_items));
    return false;
  }
  for (std::size_t i = 0; i < v->items.size(); ++i) fn(v->items[i], index(p, i));
  return true;
}

// ---- Ids across an array

void Reader::check_unique(const Value* arr, const std::string& path, const char* what) {
  if (!arr || arr->type != Type::array) return;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < arr->items.size(); ++i) {
    const Value* id = arr->items[i].type == Type::object ? arr->items[i].find("id") : nullptr;
    if (!id || id->type != Type::string) continue;
    if (!seen.insert(id->text).second)
      error(id, index(path, i) + ".id", std::string("duplicate ") + what + " id \"" + id->text + "\"");
  }
}

int Reader::resolve(const Value& obj, const std::string& path, std::string_view key, const std::string& id,
                    const std::vector<std::string>& ids, const char* what) {
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == id) return static_cast<int>(i);
  std::string known;
  for (const auto& k : ids) known += (known.empty() ? "" : ", ") + quote(k);
  const Value* v = obj.find(key);
  const bool vowel = std::string_view("aeiou").find(what[0]) != std::string_view::npos;
  error(v ? v : &obj, join(path, key),
        std::string("expected the id of ") + (vowel ? "an " : "a ") + what + " (" +
            (known.empty() ? "none defined" : known) + "), found " + quote(id));
  return -1;
}

}  // namespace json
}  // namespace opsim
