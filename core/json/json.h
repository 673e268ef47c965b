// A small JSON reader and writer of opsim's own. The reader keeps the line and column of
// every value, so that a scenario error can point at the line where the bad value stands
// (not only syntax errors), rejects duplicate keys (which most parsers silently collapse),
// and keeps integer literals exactly (a 64-bit seed does not fit in a double).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace opsim::json {

enum class Type { null, boolean, number, string, array, object };
const char* type_name(Type t);  // "null", "a boolean", "a number", ...

struct Value {
  Type type = Type::null;
  bool boolean = false;
  double number = 0;
  bool is_integer = false;  // the literal had no fraction or exponent
  std::string text;  // string contents, or the number's literal text
  std::vector<Value> items;  // array elements
  std::vector<std::pair<std::string, Value>> members;  // object members, in file order
  int line = 0, column = 0;  // where the value starts, 1-based

  const Value* find(std::string_view key) const;
};

struct ParseError {
  std::string message;
  int line = 0, column = 0;
};

// Parses a whole document. On failure returns false and fills `error`.
bool parse(std::string_view text, Value& out, ParseError& error);

// A compact, deterministic description of a value for error messages: strings quoted,
// numbers as written, containers summarised ("an object", "an array of 3").
std::string describe(const Value& v);

// Writing. Numbers are printed so that native and WebAssembly builds give the same bytes:
// integers exactly, other values with up to 10 significant digits.
std::string quote(std::string_view s);
// Appends a code point (at most 0x10FFFF) in UTF-8: the one encoder of the JSON reader, the
// PromQL lexer, the rule-file reader and the templates.
void append_utf8(std::string& out, std::uint32_t code_point);
std::string number(double v);
// A parsed document written back on one line with ", " and ": " separators: members in
// document order, numbers as written (a 64-bit integer stays exact, "1e3" stays distinct
// from "1000"), strings re-escaped the one way quote does. Parsing the output and writing
// it again gives the same bytes, which the sweep's result files and identity rely on.
std::string write(const Value& v);

// Builds one JSON object a member at a time, in the order given.
class ObjectWriter {
 public:
  ObjectWriter& field(std::string_view key, double v);
  ObjectWriter& field(std::string_view key, std::int64_t v);
  ObjectWriter& field(std::string_view key, std::uint64_t v);
  ObjectWriter& field(std::string_view key, int v) { return field(key, static_cast<std::int64_t>(v)); }
  ObjectWriter& field(std::string_view key, bool v);
  ObjectWriter& field(std::string_view key, std::string_view v);
  ObjectWriter& field(std::string_view key, const char* v) { return field(key, std::string_view(v)); }
  ObjectWriter& raw(std::string_view key, std::string_view json_text);
  std::string str() const { return body_.empty() ? "{}" : body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_;
};

}  // namespace opsim::json
