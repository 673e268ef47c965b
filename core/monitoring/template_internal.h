// The inside of alert templates (template.h), shared by the parser (template.cpp), the
// executor (template_exec.cpp) and the functions and Go formatting (template_funcs.cpp).
// Nothing outside these files includes it.
//
// The tree and the values follow Go's text/template (parse/node.go, exec.go) closely,
// because Prometheus's error texts name Go's nodes and types: "at <gt $value 10>: error
// calling gt: incompatible types for comparison". Keeping the same shapes keeps the texts.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "monitoring/template.h"

namespace opsim {
namespace tmpl {

// ---------------------------------------------------------------------------------------------
// [SECTION] The lexer and literals (template_lex.cpp)
// ---------------------------------------------------------------------------------------------

enum class It {
  error, boolean, char_, char_constant, complex, assign, declare, eof, field, identifier, left_delim,
  left_paren, number, pipe, raw_string, right_delim, right_paren, space, string, text, variable,
  // keywords (Go's items above itemKeyword: printed as <word> in errors)
  block, break_, continue_, dot, define, else_, end, if_, nil, range, template_, with
};

struct Item {
  It type = It::eof;
  int pos = 0;
  std::string val;
};

// Every item of `text` up to EOF or the first error (an `error` item, which ends the list).
std::vector<Item> lex(std::string_view text);
// Go's item.String(), which parse errors quote: "EOF", "<if>", "\"x\"", "\"aaaaaaaaaa\"...".
std::string item_text(const Item& it);
// One UTF-8 rune at s[i] and its width; U+FFFD and width 1 for a byte that starts none.
int decode_rune(std::string_view s, std::size_t i, int& width);
// strconv.Unquote of a "..." or '...' literal; false on a bad escape. `rune_count`: the runes decoded.
bool go_unquote(std::string_view lit, std::string& out, int* rune_count = nullptr);
// strconv.ParseInt(text, 0, 64); `overflow` tells a well-formed integer that does not fit.
bool go_parse_int(std::string_view text, std::int64_t& out, bool& overflow);
// Go's underscoreOK: '_' only between digits, or between a base prefix and a digit.
bool underscores_ok(std::string_view s);

// ---------------------------------------------------------------------------------------------
// [SECTION] The parse tree
// ---------------------------------------------------------------------------------------------

enum class NodeType {
  list, text, action, if_, range, with, break_, continue_,
  pipe, command, identifier, field, variable, chain, dot, nil, boolean, number, string,
  end_, else_  // only while parsing: {{end}} and {{else}} close the list being read
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

// One node of every kind; the members a kind does not use stay empty. `pos` is the byte
// offset in the whole template text (Prometheus's prefix included), as Go's Pos is.
struct Node {
  NodeType type = NodeType::list;
  int pos = 0;
  std::string text;  // text: the text; identifier: the name; string: the value; number: the literal
  std::string quoted;  // string: the literal as written (Go prints it in error contexts)
  // field: {"Labels", "x"}; variable: {"$labels", "x"}; chain: the fields after the operand.
  std::vector<std::string> idents;
  bool boolean = false;
  // number: Go's NumberNode flags (an integral float literal is also an int, as in Go).
  bool is_int = false, is_float = false;
  std::int64_t int_value = 0;
  double float_value = 0;
  // pipe: declared variables, and whether they are assigned (=) rather than declared (:=).
  std::vector<std::string> decl;
  bool is_assign = false;
  // list: items; pipe: commands; command: arguments; chain: {operand}.
  std::vector<NodePtr> children;
  // if / range / with: the pipeline, the body and the else body (may be null).
  NodePtr pipe, list, else_list;
};

// Go's Node.String(), which error contexts quote: "gt $value 10", "$labels.instance".
std::string node_string(const Node& n);

struct Tree {
  std::string name;  // "__alert_HighErrorRate"
  std::string text;  // the whole text, Prometheus's prefix included
  int prefix_bytes = 0;  // the length of that prefix
  NodePtr root;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] Values
// ---------------------------------------------------------------------------------------------

using StringMap = std::map<std::string, std::string>;  // ordered by bytes, as Go's fmt sorts keys

// A value in a running template, by its Go type. `invalid` is Go's zero reflect.Value (what
// an untyped nil becomes); `data` is the struct Prometheus passes as dot.
enum class Kind { invalid, boolean, integer, uint8, floating, string, html, map, data };

struct Value {
  Kind kind = Kind::invalid;
  bool b = false;
  std::int64_t i = 0;  // integer, uint8
  double f = 0;
  std::string s;  // string, html
  std::shared_ptr<const StringMap> map;  // map
  const AlertTemplateData* data = nullptr;  // data: lives while the template runs

  static Value of_bool(bool v) { Value x; x.kind = Kind::boolean; x.b = v; return x; }
  static Value of_int(std::int64_t v) { Value x; x.kind = Kind::integer; x.i = v; return x; }
  static Value of_float(double v) { Value x; x.kind = Kind::floating; x.f = v; return x; }
  static Value of_string(std::string v) { Value x; x.kind = Kind::string; x.s = std::move(v); return x; }
};

// Go's type name: "float64", "map[string]string", "template.HTML", "struct { Labels ... }".
std::string type_name(const Value& v);
// Go's truth: false, 0, "", an empty map and nil are false.
bool truth(const Value& v);
// Labels as the map[string]string Go sees.
std::shared_ptr<const StringMap> to_map(const promql::Labels& labels);

// ---------------------------------------------------------------------------------------------
// [SECTION] Go's fmt (template_funcs.cpp)
// ---------------------------------------------------------------------------------------------

// fmt.Sprint of one value, as the template prints an action's result. An invalid value
// prints "<no value>" there (text/template's own rule), "<nil>" in fmt.
std::string sprint_value(const Value& v);
std::string go_sprint(const std::vector<Value>& args);  // fmt.Sprint
std::string go_sprintln(const std::vector<Value>& args);  // fmt.Sprintln
std::string go_sprintf(std::string_view format, const std::vector<Value>& args);  // fmt.Sprintf
// Go's %#U of a rune: "U+0023 '#'".
std::string go_rune_u(std::uint32_t r);

// ---------------------------------------------------------------------------------------------
// [SECTION] Functions (template_funcs.cpp)
// ---------------------------------------------------------------------------------------------

// How a parameter takes its argument, in Go's terms: `any` is interface{} or reflect.Value
// (anything goes), `string` accepts only a string (a literal of another kind is refused
// with "expected string; found 3", another value with "wrong type for value").
enum class Param { any, string };

// A function's failure: becomes "error calling NAME: MESSAGE".
struct CallError {
  std::string message;
};

struct ExecEnv;  // what a function may need besides its arguments (the external URL)

struct Function {
  const char* name;
  std::vector<Param> fixed;  // fixed parameters
  bool variadic = false;
  Param variadic_param = Param::any;
  // Throws CallError. `and`, `or` are not called through here (they short-circuit).
  Value (*call)(const std::vector<Value>& args, const ExecEnv& env);
};

// The function named, or null. `unsupported` tells why opsim refuses a function Prometheus
// has (the query family, toTime, ...), or is left empty.
const Function* find_function(std::string_view name, std::string* unsupported = nullptr);

struct ExecEnv {
  const AlertTemplateData* data = nullptr;
};

}  // namespace tmpl
}  // namespace opsim
