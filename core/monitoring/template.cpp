// Compiling alert templates: Go 1.19's text/template parser (parse/parse.go), rewritten for
// opsim; the lexer is template_lex.cpp. The structure and the error words follow Go's, because
// Prometheus (rulefmt) reports Go's words to the user: `function "nosuch" not defined`,
// `unexpected {{end}}`, `missing value for if`.
//
// Index:
//   [SECTION] Parser
//   [SECTION] Node printing (Go's String(), for error contexts)
//   [SECTION] compile_template
#include "monitoring/template.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "monitoring/template_internal.h"

namespace opsim {
namespace tmpl {
namespace {

// Prometheus's prefix (rules/alerting.go), compiled before every alert template.
constexpr std::string_view kPrefix =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

// ---------------------------------------------------------------------------------------------
// [SECTION] Parser
// ---------------------------------------------------------------------------------------------

struct ParseFailure {
  std::string message;
  int pos;
};

class Parser {
 public:
  explicit Parser(std::vector<Item> items) : items_(std::move(items)) {}

  NodePtr parse() {
    vars_ = {"$"};
    auto root = make(NodeType::list, 0);
    while (peek().type != It::eof) {
      NodePtr n = text_or_action();
      if (n->type == NodeType::end_ || n->type == NodeType::else_) fail("unexpected " + node_string(*n));
      root->children.push_back(std::move(n));
    }
    return root;
  }

 private:
  std::vector<Item> items_;
  std::size_t next_ = 0;
  std::size_t last_ = 0;  // the item read last: where an error is reported
  std::vector<std::string> vars_;
  int range_depth_ = 0;
  // Nesting of parentheses and control structures. Go sets no bound; opsim does, so that a
  // pathological template cannot exhaust the stack (a WebAssembly stack is small), far above
  // what any alert template nests.
  int depth_ = 0;
  static constexpr int kMaxDepth = 100;
  struct Nested {
    Parser& p;
    explicit Nested(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth)
        p.fail("template nesting deeper than " + std::to_string(kMaxDepth) + " levels is not supported by opsim");
    }
    ~Nested() { --p.depth_; }
  };

  [[noreturn]] void fail(const std::string& message) {
    throw ParseFailure{message, item(last_).pos};
  }
  // The items end with EOF or an error; reading past the end reads that item again.
  const Item& item(std::size_t i) const { return items_[std::min(i, items_.size() - 1)]; }
  const Item& next() {
    last_ = std::min(next_, items_.size() - 1);
    return item(next_++);
  }
  void backup() {
    if (next_ > 0) --next_;
  }
  const Item& peek() const { return item(next_); }
  const Item& next_non_space() {
    while (peek().type == It::space) next();
    return next();
  }
  const Item& peek_non_space() {
    while (peek().type == It::space) next();
    return peek();
  }
  [[noreturn]] void unexpected(const Item& it, const std::string& context) {
    if (it.type == It::error) fail(it.val);
    fail("unexpected " + item_text(it) + " in " + context);
  }
  const Item& expect(It type, const std::string& context) {
    const Item& it = next_non_space();
    if (it.type != type) unexpected(it, context);
    return it;
  }
  static NodePtr make(NodeType type, int pos) {
    auto n = std::make_unique<Node>();
    n->type = type;
    n->pos = pos;
    return n;
  }

  NodePtr text_or_action() {
    const Item& it = next_non_space();
    if (it.type == It::text) {
      auto n = make(NodeType::text, it.pos);
      n->text = it.val;
      return n;
    }
    if (it.type == It::left_delim) return action();
    unexpected(it, "input");
  }

  NodePtr action() {
    const Item& it = next_non_space();
    switch (it.type) {
      case It::else_: return else_control();
      case It::end: return make(NodeType::end_, expect(It::right_delim, "end").pos);
      case It::if_: return control(NodeType::if_, true, "if");
      case It::range: return control(NodeType::range, false, "range");
      case It::with: return control(NodeType::with, false, "with");
      case It::break_: case It::continue_: {
        const bool is_break = it.type == It::break_;
        const int pos = it.pos;
        const char* word = is_break ? "{{break}}" : "{{continue}}";
        const Item& end = next_non_space();
        if (end.type != It::right_delim) unexpected(end, word);
        if (range_depth_ == 0) fail(std::string(word) + " outside {{range}}");
        return make(is_break ? NodeType::break_ : NodeType::continue_, pos);
      }
      case It::define: case It::template_: case It::block:
        fail("{{" + it.val + "}} is not supported by opsim (each label and annotation is one template; named "
             "templates cannot be defined or called)");
      default: break;
    }
    backup();
    auto n = make(NodeType::action, peek().pos);
    n->pipe = pipeline("command", It::right_delim);
    return n;
  }

  NodePtr else_control() {
    const Item& it = peek_non_space();
    if (it.type == It::if_) return make(NodeType::else_, it.pos);  // "else if": the if stays pending
    return make(NodeType::else_, expect(It::right_delim, "else").pos);
  }

  NodePtr control(NodeType type, bool allow_else_if, const char* context) {
    const Nested nested(*this);
    const std::size_t vars_mark = vars_.size();
    auto n = make(type, 0);
    n->pipe = pipeline(context, It::right_delim);
    n->pos = n->pipe->pos;
    if (type == NodeType::range) ++range_depth_;
    NodePtr next_node;
    n->list = item_list(next_node);
    if (type == NodeType::range) --range_depth_;
    if (next_node->type == NodeType::else_) {
      if (allow_else_if && peek().type == It::if_) {
        // {{if a}}_{{else if b}}_{{end}} is {{if a}}_{{else}}{{if b}}_{{end}}{{end}}: one {{end}}.
        next();
        n->else_list = make(NodeType::list, next_node->pos);
        n->else_list->children.push_back(control(NodeType::if_, true, "if"));
      } else {
        n->else_list = item_list(next_node);
        if (next_node->type != NodeType::end_) fail("expected end; found " + node_string(*next_node));
      }
    }
    vars_.resize(vars_mark);
    return n;
  }

  NodePtr item_list(NodePtr& closing) {
    auto list = make(NodeType::list, peek_non_space().pos);
    while (peek_non_space().type != It::eof) {
      NodePtr n = text_or_action();
      if (n->type == NodeType::end_ || n->type == NodeType::else_) {
        closing = std::move(n);
        return list;
      }
      list->children.push_back(std::move(n));
    }
    next();
    fail("unexpected EOF");
  }

  NodePtr pipeline(const std::string& context, It end) {
    const Nested nested(*this);
    auto pipe = make(NodeType::pipe, peek_non_space().pos);
    for (;;) {  // declarations: "$x :=", "$x =", "$k, $v :=" in a range
      const std::size_t save = next_;
      if (peek_non_space().type != It::variable) break;
      const Item& v = next();
      const Item& following = peek_non_space();
      if (following.type == It::assign || following.type == It::declare) {
        pipe->is_assign = following.type == It::assign;
        next_non_space();
        pipe->decl.push_back(v.val);
        vars_.push_back(v.val);
        break;
      }
      if (following.type == It::char_ && following.val == ",") {
        next_non_space();
        pipe->decl.push_back(v.val);
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          const It t = peek_non_space().type;
          if (t == It::variable || t == It::right_delim || t == It::right_paren) continue;
          fail("range can only initialize variables");
        }
        fail("too many declarations in " + context);
      }
      next_ = save;  // not a declaration: read it again as an operand
      break;
    }
    for (;;) {
      const Item& it = next_non_space();
      if (it.type == end) {
        check_pipeline(*pipe, context);
        return pipe;
      }
      switch (it.type) {
        case It::boolean: case It::char_constant: case It::complex: case It::dot: case It::field:
        case It::identifier: case It::number: case It::nil: case It::raw_string: case It::string:
        case It::variable: case It::left_paren:
          backup();
          pipe->children.push_back(command());
          break;
        default: unexpected(it, context);
      }
    }
  }

  void check_pipeline(const Node& pipe, const std::string& context) {
    if (pipe.children.empty()) fail("missing value for " + context);
    for (std::size_t i = 1; i < pipe.children.size(); ++i) {
      switch (pipe.children[i]->children[0]->type) {
        case NodeType::boolean: case NodeType::dot: case NodeType::nil: case NodeType::number: case NodeType::string:
          fail("non executable command in pipeline stage " + std::to_string(i + 1));
        default: break;
      }
    }
  }

  NodePtr command() {
    auto cmd = make(NodeType::command, peek_non_space().pos);
    for (;;) {
      peek_non_space();
      if (NodePtr operand_node = operand()) cmd->children.push_back(std::move(operand_node));
      const Item& it = next();
      if (it.type == It::space) continue;
      if (it.type == It::right_delim || it.type == It::right_paren) backup();
      else if (it.type != It::pipe) unexpected(it, "operand");
      break;
    }
    if (cmd->children.empty()) fail("empty command");
    return cmd;
  }

  NodePtr operand() {
    NodePtr node = term();
    if (!node) return nullptr;
    if (peek().type != It::field) return node;
    const int chain_pos = peek().pos;
    std::vector<std::string> fields;
    while (peek().type == It::field) fields.push_back(next().val.substr(1));
    switch (node->type) {
      case NodeType::field: case NodeType::variable:
        node->pos = chain_pos;  // Go rebuilds the node at the chain's position
        node->idents.insert(node->idents.end(), fields.begin(), fields.end());
        return node;
      case NodeType::boolean: case NodeType::string: case NodeType::number: case NodeType::nil: case NodeType::dot:
        fail("unexpected . after term " + promql::quote_string(node_string(*node)));
      default: {
        auto chain = make(NodeType::chain, chain_pos);
        chain->idents = std::move(fields);
        chain->children.push_back(std::move(node));
        return chain;
      }
    }
  }

  NodePtr term() {
    const Item& it = next_non_space();
    switch (it.type) {
      case It::identifier: {
        std::string why;
        if (!find_function(it.val, &why)) {
          if (!why.empty()) fail("function " + promql::quote_string(it.val) + " is not supported by opsim (" + why + ")");
          fail("function " + promql::quote_string(it.val) + " not defined");
        }
        auto n = make(NodeType::identifier, it.pos);
        n->text = it.val;
        return n;
      }
      case It::dot: return make(NodeType::dot, it.pos);
      case It::nil: return make(NodeType::nil, it.pos);
      case It::variable: {
        auto n = make(NodeType::variable, it.pos);
        n->idents = {it.val};
        bool known = false;
        for (const std::string& v : vars_) known = known || v == it.val;
        if (!known) fail("undefined variable " + promql::quote_string(it.val));
        return n;
      }
      case It::field: {
        auto n = make(NodeType::field, it.pos);
        n->idents = {it.val.substr(1)};
        return n;
      }
      case It::boolean: {
        auto n = make(NodeType::boolean, it.pos);
        n->boolean = it.val == "true";
        return n;
      }
      case It::char_constant: case It::complex: case It::number: return number(it);
      case It::left_paren: return pipeline("parenthesized pipeline", It::right_paren);
      case It::string: case It::raw_string: {
        auto n = make(NodeType::string, it.pos);
        n->quoted = it.val;
        if (it.type == It::raw_string) {
          for (char c : std::string_view(it.val).substr(1, it.val.size() - 2))
            if (c != '\r') n->text += c;  // Go's Unquote drops carriage returns from raw strings
        } else if (!go_unquote(it.val, n->text)) {
          fail("invalid syntax");
        }
        return n;
      }
      default:
        backup();
        return nullptr;
    }
  }

  // Go's newNumber: what a literal is as an int and as a float.
  NodePtr number(const Item& it) {
    auto n = make(NodeType::number, it.pos);
    n->text = it.val;
    const std::string& t = it.val;
    if (it.type == It::complex || (!t.empty() && t.back() == 'i'))
      fail("complex number " + promql::quote_string(t) + " is not supported by opsim");
    if (it.type == It::char_constant) {
      std::string decoded;
      int runes = 0;
      if (!go_unquote(t, decoded, &runes) || runes == 0) fail("invalid syntax");
      if (runes != 1) fail("malformed character constant: " + t);
      int w = 1;
      const int r = decoded.size() == 1 ? static_cast<unsigned char>(decoded[0]) : decode_rune(decoded, 0, w);
      n->is_int = n->is_float = true;
      n->int_value = r;
      n->float_value = r;
      return n;
    }
    bool overflow = false;
    std::int64_t iv = 0;
    if (go_parse_int(t, iv, overflow)) {
      n->is_int = n->is_float = true;
      n->int_value = iv;
      n->float_value = static_cast<double>(iv);
      return n;
    }
    // A float: Go's ParseFloat syntax, digit separators removed for strtod.
    std::string cleaned;
    for (char c : t)
      if (c != '_') cleaned += c;
    const bool looks_float = t.find_first_of(".eEpP") != std::string::npos;
    char* end = nullptr;
    errno = 0;
    const double f = cleaned.empty() ? 0 : std::strtod(cleaned.c_str(), &end);
    const bool parsed = underscores_ok(t) && !cleaned.empty() && end == cleaned.c_str() + cleaned.size() &&
                        (looks_float || overflow);
    if (parsed) {
      if (!looks_float) fail("integer overflow: " + promql::quote_string(t));
      n->is_float = true;
      n->float_value = f;
      if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 && static_cast<double>(static_cast<std::int64_t>(f)) == f) {
        n->is_int = true;
        n->int_value = static_cast<std::int64_t>(f);
      }
      return n;
    }
    fail("illegal number syntax: " + promql::quote_string(t));
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] Node printing (Go's String(), for error contexts)
// ---------------------------------------------------------------------------------------------

std::string node_string(const Node& n) {
  auto join = [](const std::vector<std::string>& parts, const char* prefix, const char* sep) {
    std::string s;
    for (std::size_t i = 0; i < parts.size(); ++i) s += (i == 0 ? prefix : sep) + parts[i];
    return s;
  };
  auto list = [](const NodePtr& l) {
    std::string s;
    if (l)
      for (const NodePtr& c : l->children) s += node_string(*c);
    return s;
  };
  switch (n.type) {
    case NodeType::list: {
      std::string s;
      for (const NodePtr& c : n.children) s += node_string(*c);
      return s;
    }
    case NodeType::text: return n.text;
    case NodeType::action: return "{{" + node_string(*n.pipe) + "}}";
    case NodeType::if_: case NodeType::range: case NodeType::with: {
      const char* word = n.type == NodeType::if_ ? "if" : n.type == NodeType::range ? "range" : "with";
      std::string s = std::string("{{") + word + " " + node_string(*n.pipe) + "}}" + list(n.list);
      if (n.else_list) s += "{{else}}" + list(n.else_list);
      return s + "{{end}}";
    }
    case NodeType::break_: return "{{break}}";
    case NodeType::continue_: return "{{continue}}";
    case NodeType::end_: return "{{end}}";
    case NodeType::else_: return "{{else}}";
    case NodeType::pipe: {
      std::string s;
      if (!n.decl.empty()) s = join(n.decl, "", ", ") + " := ";
      for (std::size_t i = 0; i < n.children.size(); ++i) s += (i ? " | " : "") + node_string(*n.children[i]);
      return s;
    }
    case NodeType::command: {
      std::string s;
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) s += " ";
        const Node& arg = *n.children[i];
        s += arg.type == NodeType::pipe ? "(" + node_string(arg) + ")" : node_string(arg);
      }
      return s;
    }
    case NodeType::identifier: return n.text;
    case NodeType::field: return join(n.idents, ".", ".");
    case NodeType::variable: return join(n.idents, "", ".");
    case NodeType::chain: {
      const Node& operand = *n.children[0];
      std::string s = operand.type == NodeType::pipe ? "(" + node_string(operand) + ")" : node_string(operand);
      return s + join(n.idents, ".", ".");
    }
    case NodeType::dot: return ".";
    case NodeType::nil: return "nil";
    case NodeType::boolean: return n.boolean ? "true" : "false";
    case NodeType::number: return n.text;
    case NodeType::string: return n.quoted;
  }
  return "";
}

}  // namespace tmpl

// ---------------------------------------------------------------------------------------------
// [SECTION] compile_template
// ---------------------------------------------------------------------------------------------

const std::string& AlertTemplate::name() const {
  static const std::string kNone;
  return tree_ ? tree_->name : kNone;
}

bool compile_template(std::string_view text, std::string_view name, AlertTemplate& out, TemplateError& error) {
  auto tree = std::make_shared<tmpl::Tree>();
  tree->name = std::string(name);
  tree->text = std::string(tmpl::kPrefix) + std::string(text);
  tree->prefix_bytes = static_cast<int>(tmpl::kPrefix.size());
  try {
    tmpl::Parser parser(tmpl::lex(tree->text));
    tree->root = parser.parse();
  } catch (const tmpl::ParseFailure& f) {
    error = TemplateError{};
    error.message = f.message;
    error.offset = std::max(0, std::min(f.pos - tree->prefix_bytes, static_cast<int>(text.size())));
    for (int i = 0; i < error.offset; ++i) {
      if (text[static_cast<std::size_t>(i)] == '\n') {
        ++error.line;
        error.column = 1;
      } else {
        ++error.column;
      }
    }
    return false;
  } catch (const std::exception& e) {  // a bug here must refuse the template, not end the program
    error = TemplateError{};
    error.message = std::string("opsim could not compile the template: ") + e.what();
    return false;
  }
  out.tree_ = std::move(tree);
  return true;
}

}  // namespace opsim
