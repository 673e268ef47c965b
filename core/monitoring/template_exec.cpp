// Running alert templates: Go 1.19's text/template executor (exec.go), rewritten for opsim.
// Where Go records the node it is working on (s.at) this file does the same, so that an error
// names the node Go names: "at <humanize \"abc\">: error calling humanize: ...".
//
// Index:
//   [SECTION] State and errors
//   [SECTION] Statements (walk)
//   [SECTION] Pipelines, commands, fields
//   [SECTION] Calls and arguments
//   [SECTION] execute_template, expand_template
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "monitoring/template.h"
#include "monitoring/template_internal.h"

namespace opsim {
namespace tmpl {
namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] State and errors
// ---------------------------------------------------------------------------------------------

struct ExecFailure {
  std::string message;  // "template: NAME:1:115: executing \"NAME\" at <...>: ..."
};

// What a statement asks of the range around it.
enum class Flow { normal, break_, continue_ };

constexpr const char* kDataType =
    "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }";

class State {
 public:
  State(const Tree& tree, const AlertTemplateData& data, std::string& out) : tree_(tree), data_(data), out_(out) {
    env_.data = &data;
    labels_ = to_map(data.labels);
    external_labels_ = to_map(data.external_labels);
  }

  void run() {
    Value dot;
    dot.kind = Kind::data;
    dot.data = &data_;
    vars_.push_back({"$", dot});
    walk(dot, *tree_.root);
  }

 private:
  const Tree& tree_;
  const AlertTemplateData& data_;
  std::string& out_;
  ExecEnv env_;
  std::shared_ptr<const StringMap> labels_, external_labels_;
  std::vector<std::pair<std::string, Value>> vars_;
  const Node* node_ = nullptr;  // what Go's s.node is: the node errors are reported at

  void at(const Node& n) { node_ = &n; }

  // Go's errorf: the location is line:column of the node in the whole text, the column
  // counting bytes from 0, and the context the node's String().
  [[noreturn]] void errorf(const std::string& message) {
    const std::string& name = tree_.name;
    if (!node_) throw ExecFailure{"template: " + name + ": " + message};
    const std::string before = tree_.text.substr(0, static_cast<std::size_t>(node_->pos));
    const std::size_t last_newline = before.rfind('\n');
    int line = 1;
    for (char c : before) line += c == '\n';
    const std::size_t column = last_newline == std::string::npos ? before.size() : before.size() - last_newline - 1;
    throw ExecFailure{"template: " + name + ":" + std::to_string(line) + ":" + std::to_string(column) +
                      ": executing " + promql::quote_string(name) + " at <" + node_string(*node_) + ">: " + message};
  }

  // ---- Variables
  std::size_t mark() const { return vars_.size(); }
  void pop(std::size_t mark) { vars_.resize(mark); }
  void set_var(const std::string& name, const Value& v) {
    for (std::size_t i = vars_.size(); i-- > 0;)
      if (vars_[i].first == name) {
        vars_[i].second = v;
        return;
      }
    errorf("undefined variable: " + name);
  }
  Value var_value(const std::string& name) {
    for (std::size_t i = vars_.size(); i-- > 0;)
      if (vars_[i].first == name) return vars_[i].second;
    errorf("undefined variable: " + name);
  }

  // ---- Statements
  Flow walk(const Value& dot, const Node& n);
  Flow walk_if_or_with(const Value& dot, const Node& n);
  Flow walk_range(const Value& dot, const Node& n);

  // ---- Expressions; `final` is the previous command's value in a pipeline, or null.
  Value eval_pipeline(const Value& dot, const Node& pipe);
  Value eval_command(const Value& dot, const Node& cmd, const Value* final);
  void not_a_function(const std::vector<NodePtr>* args, const Value* final) {
    if ((args && args->size() > 1) || final) errorf("can't give argument to non-function " + node_string(*(*args)[0]));
  }
  Value eval_field_chain(Value receiver, const std::vector<std::string>& idents, std::size_t first,
                         const std::vector<NodePtr>* args, const Value* final);
  Value eval_field(const std::string& name, const std::vector<NodePtr>* args, const Value* final,
                   const Value& receiver);
  Value eval_variable(const Node& n, const std::vector<NodePtr>* args, const Value* final);
  Value eval_chain(const Value& dot, const Node& n, const std::vector<NodePtr>* args, const Value* final);
  Value eval_function(const Value& dot, const Node& ident, const Node& cmd, const std::vector<NodePtr>* args,
                      const Value* final);
  Value eval_arg(const Value& dot, Param param, const Node& n);
  Value validate(const Value& v, Param param);
  Value ideal_constant(const Node& n);
};

// ---------------------------------------------------------------------------------------------
// [SECTION] Statements (walk)
// ---------------------------------------------------------------------------------------------

Flow State::walk(const Value& dot, const Node& n) {
  switch (n.type) {
    case NodeType::action: {
      const Value v = eval_pipeline(dot, *n.pipe);
      if (n.pipe->decl.empty()) {
        at(n);
        out_ += sprint_value(v);
      }
      return Flow::normal;
    }
    case NodeType::break_: return Flow::break_;
    case NodeType::continue_: return Flow::continue_;
    case NodeType::if_: case NodeType::with: return walk_if_or_with(dot, n);
    case NodeType::list:
      for (const NodePtr& c : n.children) {
        const Flow f = walk(dot, *c);
        if (f != Flow::normal) return f;
      }
      return Flow::normal;
    case NodeType::range: return walk_range(dot, n);
    case NodeType::text: out_ += n.text; return Flow::normal;
    default: break;
  }
  at(n);
  errorf("unknown node: " + node_string(n));
}

Flow State::walk_if_or_with(const Value& dot, const Node& n) {
  const std::size_t m = mark();
  const Value v = eval_pipeline(dot, *n.pipe);
  Flow f = Flow::normal;
  if (truth(v)) f = walk(n.type == NodeType::with ? v : dot, *n.list);
  else if (n.else_list) f = walk(dot, *n.else_list);
  pop(m);
  return f;
}

Flow State::walk_range(const Value& dot, const Node& n) {
  at(n);
  const std::size_t outer = mark();
  const Value v = eval_pipeline(dot, *n.pipe);
  const std::size_t m = mark();
  const Node& pipe = *n.pipe;
  bool iterated = false;
  if (v.kind == Kind::map) {
    for (const auto& kv : *v.map) {
      iterated = true;
      const Value key = Value::of_string(kv.first), elem = Value::of_string(kv.second);
      // One variable takes the element; two take the key and the element.
      if (!pipe.decl.empty()) {
        if (pipe.is_assign) set_var(pipe.decl[0], pipe.decl.size() > 1 ? key : elem);
        else vars_[vars_.size() - 1].second = elem;
      }
      if (pipe.decl.size() > 1) {
        if (pipe.is_assign) set_var(pipe.decl[1], elem);
        else vars_[vars_.size() - 2].second = key;
      }
      const Flow f = walk(elem, *n.list);
      pop(m);
      if (f == Flow::break_) break;
    }
  } else if (v.kind != Kind::invalid) {
    errorf("range can't iterate over " + sprint_value(v));
  }
  if (!iterated && n.else_list) walk(dot, *n.else_list);
  pop(outer);
  return Flow::normal;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Pipelines, commands, fields
// ---------------------------------------------------------------------------------------------

Value State::eval_pipeline(const Value& dot, const Node& pipe) {
  at(pipe);
  Value v;
  bool have = false;
  for (const NodePtr& cmd : pipe.children) {
    v = eval_command(dot, *cmd, have ? &v : nullptr);
    have = true;
  }
  for (const std::string& name : pipe.decl) {
    if (pipe.is_assign) set_var(name, v);
    else vars_.push_back({name, v});
  }
  return v;
}

Value State::eval_command(const Value& dot, const Node& cmd, const Value* final) {
  const Node& first = *cmd.children[0];
  switch (first.type) {
    case NodeType::field:
      at(first);
      return eval_field_chain(dot, first.idents, 0, &cmd.children, final);
    case NodeType::chain: return eval_chain(dot, first, &cmd.children, final);
    case NodeType::identifier: return eval_function(dot, first, cmd, &cmd.children, final);
    case NodeType::pipe:
      not_a_function(&cmd.children, final);
      return eval_pipeline(dot, first);
    case NodeType::variable: return eval_variable(first, &cmd.children, final);
    default: break;
  }
  at(first);
  not_a_function(&cmd.children, final);
  switch (first.type) {
    case NodeType::boolean: return Value::of_bool(first.boolean);
    case NodeType::dot: return dot;
    case NodeType::nil: errorf("nil is not a command");
    case NodeType::number: return ideal_constant(first);
    case NodeType::string: return Value::of_string(first.text);
    default: break;
  }
  errorf("can't evaluate command " + promql::quote_string(node_string(first)));
}

Value State::eval_variable(const Node& n, const std::vector<NodePtr>* args, const Value* final) {
  at(n);
  const Value v = var_value(n.idents[0]);
  if (n.idents.size() == 1) {
    not_a_function(args, final);
    return v;
  }
  return eval_field_chain(v, n.idents, 1, args, final);
}

Value State::eval_chain(const Value& dot, const Node& n, const std::vector<NodePtr>* args, const Value* final) {
  at(n);
  if (n.children[0]->type == NodeType::nil) errorf("indirection through explicit nil in " + node_string(n));
  const Value receiver = eval_arg(dot, Param::any, *n.children[0]);
  return eval_field_chain(receiver, n.idents, 0, args, final);
}

Value State::eval_field_chain(Value receiver, const std::vector<std::string>& idents, std::size_t first,
                              const std::vector<NodePtr>* args, const Value* final) {
  for (std::size_t i = first; i + 1 < idents.size(); ++i) receiver = eval_field(idents[i], nullptr, nullptr, receiver);
  return eval_field(idents.back(), args, final, receiver);
}

Value State::eval_field(const std::string& name, const std::vector<NodePtr>* args, const Value* final,
                        const Value& receiver) {
  if (receiver.kind == Kind::invalid) return Value{};  // Prometheus's missingkey=zero: no error
  const bool has_args = (args && args->size() > 1) || final;
  if (receiver.kind == Kind::data) {
    Value v;
    if (name == "Labels" || name == "ExternalLabels") {
      v.kind = Kind::map;
      v.map = name == "Labels" ? labels_ : external_labels_;
    } else if (name == "ExternalURL") {
      v = Value::of_string(data_.external_url);
    } else if (name == "Value") {
      v = Value::of_float(data_.value);
    } else {
      errorf("can't evaluate field " + name + " in type " + kDataType);
    }
    if (has_args) errorf(name + " has arguments but cannot be invoked as function");
    return v;
  }
  if (receiver.kind == Kind::map) {
    if (has_args) errorf(name + " is not a method but has arguments");
    const auto it = receiver.map->find(name);
    return Value::of_string(it == receiver.map->end() ? std::string() : it->second);
  }
  errorf("can't evaluate field " + name + " in type " + type_name(receiver));
}

// A number literal as Go's idealConstant types it: float64 when written with . e E p P (and
// not a hex integer or a character), int otherwise.
Value State::ideal_constant(const Node& n) {
  at(n);
  const std::string& t = n.text;
  const bool hex_int = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && t.find_first_of("pP") == std::string::npos;
  const bool rune_int = !t.empty() && t[0] == '\'';
  if (n.is_float && !hex_int && !rune_int && t.find_first_of(".eEpP") != std::string::npos) return Value::of_float(n.float_value);
  if (n.is_int) return Value::of_int(n.int_value);
  errorf(t + " overflows int");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Calls and arguments
// ---------------------------------------------------------------------------------------------

Value State::eval_function(const Value& dot, const Node& ident, const Node& cmd, const std::vector<NodePtr>* args,
                           const Value* final) {
  at(ident);
  const std::string& name = ident.text;
  const Function* fn = find_function(name);
  if (!fn) errorf(promql::quote_string(name) + " is not a defined function");
  const std::size_t given = args ? args->size() - 1 : 0;  // args[0] is the function's name
  const std::size_t num_in = given + (final ? 1 : 0);
  const std::size_t num_fixed = fn->fixed.size();
  if (fn->variadic) {
    if (num_in < num_fixed)
      errorf("wrong number of args for " + name + ": want at least " + std::to_string(num_fixed) + " got " +
             std::to_string(given));
  } else if (num_in != num_fixed) {
    errorf("wrong number of args for " + name + ": want " + std::to_string(num_fixed) + " got " + std::to_string(num_in));
  }
  // and / or evaluate their arguments lazily and return one of them.
  if (name == "and" || name == "or") {
    Value v;
    for (std::size_t i = 1; i <= given; ++i) {
      v = eval_arg(dot, Param::any, *(*args)[i]);
      if (truth(v) == (name == "or")) return v;
    }
    if (final) v = *final;
    return v;
  }
  std::vector<Value> argv;
  for (std::size_t i = 0; i < given; ++i)
    argv.push_back(eval_arg(dot, i < num_fixed ? fn->fixed[i] : fn->variadic_param, *(*args)[i + 1]));
  if (final) {
    Param p = fn->variadic ? (num_in - 1 < num_fixed ? fn->fixed[num_in - 1] : fn->variadic_param) : fn->fixed.back();
    argv.push_back(validate(*final, p));
  }
  try {
    return fn->call(argv, env_);
  } catch (const CallError& e) {
    at(cmd);
    errorf("error calling " + name + ": " + e.message);
  }
}

Value State::validate(const Value& v, Param param) {
  if (param == Param::any) return v;
  if (v.kind == Kind::invalid) errorf("invalid value; expected string");
  if (v.kind != Kind::string) errorf("wrong type for value; expected string; got " + type_name(v));
  return v;
}

Value State::eval_arg(const Value& dot, Param param, const Node& n) {
  at(n);
  switch (n.type) {
    case NodeType::dot: return validate(dot, param);
    case NodeType::nil:
      if (param == Param::any) return Value{};
      errorf("cannot assign nil to string");
    case NodeType::field: return validate(eval_field_chain(dot, n.idents, 0, nullptr, nullptr), param);
    case NodeType::variable: return validate(eval_variable(n, nullptr, nullptr), param);
    case NodeType::pipe: return validate(eval_pipeline(dot, n), param);
    case NodeType::identifier: return validate(eval_function(dot, n, n, nullptr, nullptr), param);
    case NodeType::chain: return validate(eval_chain(dot, n, nullptr, nullptr), param);
    default: break;
  }
  if (param == Param::string) {
    if (n.type == NodeType::string) return Value::of_string(n.text);
    errorf("expected string; found " + node_string(n));
  }
  switch (n.type) {
    case NodeType::boolean: return Value::of_bool(n.boolean);
    case NodeType::number: return ideal_constant(n);
    case NodeType::string: return Value::of_string(n.text);
    default: break;
  }
  errorf("can't handle " + node_string(n) + " for arg of type interface {}");
}

}  // namespace
}  // namespace tmpl

// ---------------------------------------------------------------------------------------------
// [SECTION] execute_template, expand_template
// ---------------------------------------------------------------------------------------------

bool execute_template(const AlertTemplate& t, const AlertTemplateData& data, std::string& out, std::string& error) {
  if (t.empty()) {
    error = "template: no template compiled";
    return false;
  }
  std::string buffer;
  try {
    tmpl::State state(*t.tree(), data, buffer);
    state.run();
  } catch (const tmpl::ExecFailure& f) {
    error = "error executing template " + t.name() + ": " + f.message;
    return false;
  } catch (const std::exception& e) {
    // Like Prometheus's recover() around Execute: a bug in a template function must cost an
    // annotation, not the simulation.
    error = "error executing template " + t.name() + ": " + e.what();
    return false;
  }
  out = std::move(buffer);
  return true;
}

std::string expand_template(const AlertTemplate& t, const AlertTemplateData& data) {
  std::string out, error;
  if (!execute_template(t, data, out, error)) return "<error expanding template: " + error + ">";
  return out;
}

}  // namespace opsim
