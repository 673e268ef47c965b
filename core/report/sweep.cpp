// Index
//   [SECTION] JSON helpers
//   [SECTION] Paths into a JSON document
//   [SECTION] The sweep file
//   [SECTION] The plan
//   [SECTION] Shards
//   [SECTION] Results and merging
#include "report/sweep.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "json/reader.h"
#include "metrics/metric_catalog.h"
#include "metrics/registry.h"
#include "report/report.h"
#include "sim/simulation.h"

namespace opsim {

namespace {

constexpr const char* kSweepSchema = "opsim-sweep/1";
constexpr const char* kResultFormat = "opsim-sweep-result/1";

// ---------------------------------------------------------------------------------------
// [SECTION] JSON helpers
// ---------------------------------------------------------------------------------------

json::Value string_value(std::string_view s) {
  json::Value v;
  v.type = json::Type::string;
  v.text = std::string(s);
  return v;
}

json::Value bool_value(bool b) {
  json::Value v;
  v.type = json::Type::boolean;
  v.boolean = b;
  return v;
}

// A number as json::number writes it; not finite -> null (JSON has no NaN).
json::Value number_value(double d) {
  json::Value v;
  if (!std::isfinite(d)) return v;
  v.type = json::Type::number;
  v.number = d;
  v.text = json::number(d);
  v.is_integer = v.text.find_first_of(".eE") == std::string::npos;
  return v;
}

json::Value unsigned_value(std::uint64_t u) {
  json::Value v;
  v.type = json::Type::number;
  v.number = static_cast<double>(u);
  v.text = std::to_string(u);
  v.is_integer = true;
  return v;
}

json::Value array_value() {
  json::Value v;
  v.type = json::Type::array;
  return v;
}

json::Value object_value() {
  json::Value v;
  v.type = json::Type::object;
  return v;
}

json::Value* find_member(json::Value& obj, std::string_view key) {
  for (auto& m : obj.members)
    if (m.first == key) return &m.second;
  return nullptr;
}

// A JSON integer literal that fits in 64 bits unsigned.
bool read_unsigned(const json::Value& v, std::uint64_t& out) {
  if (v.type != json::Type::number || !v.is_integer || v.text.empty() || v.text[0] == '-') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long u = std::strtoull(v.text.c_str(), &end, 10);
  if (errno != 0 || *end != 0) return false;
  out = u;
  return true;
}

bool is_plain_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace


std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// ---------------------------------------------------------------------------------------
// [SECTION] Paths into a JSON document
// ---------------------------------------------------------------------------------------

bool parse_json_path(std::string_view text, std::vector<JsonPathStep>& out, std::string& why) {
  out.clear();
  std::size_t pos = 0;
  if (!text.empty() && text[0] == '$') {
    pos = 1;
    if (pos < text.size() && text[pos] != '.' && text[pos] != '[') {
      why = "'$' must be followed by '.' or '['";
      return false;
    }
  }
  bool first = true;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '[') {
      ++pos;
      JsonPathStep step;
      if (pos < text.size() && text[pos] == '"') {
        ++pos;
        while (pos < text.size() && text[pos] != '"') {
          if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
          step.key += text[pos++];
        }
        if (pos >= text.size()) {
          why = "unterminated quoted key";
          return false;
        }
        ++pos;  // closing quote
      } else {
        const std::size_t begin = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        if (pos == begin || pos - begin > 9) {
          why = "expected an array index (0, 1, ...) or a quoted key inside [ ]";
          return false;
        }
        step.is_index = true;
        step.index = static_cast<std::size_t>(std::strtoul(std::string(text.substr(begin, pos - begin)).c_str(), nullptr, 10));
      }
      if (pos >= text.size() || text[pos] != ']') {
        why = "expected ']' at character " + std::to_string(pos + 1);
        return false;
      }
      ++pos;
      out.push_back(step);
    } else {
      if (c == '.') {
        ++pos;
      } else if (!first || (!text.empty() && text[0] == '$')) {
        why = "expected '.' or '[' at character " + std::to_string(pos + 1);
        return false;
      }
      const std::size_t begin = pos;
      while (pos < text.size() && text[pos] != '.' && text[pos] != '[') ++pos;
      const std::string_view key = text.substr(begin, pos - begin);
      if (!is_plain_key(key)) {
        why = key.empty() ? "empty member name at character " + std::to_string(begin + 1)
                          : "member name \"" + std::string(key) +
                                "\" has characters other than letters, digits, '_' and '-' (write it as [\"...\"])";
        return false;
      }
      JsonPathStep step;
      step.key = std::string(key);
      out.push_back(step);
    }
    first = false;
  }
  if (out.empty()) {
    why = "the path is empty";
    return false;
  }
  return true;
}

std::string json_path_text(const std::vector<JsonPathStep>& steps) {
  std::string s = "$";
  for (const JsonPathStep& step : steps) {
    if (step.is_index) s += "[" + std::to_string(step.index) + "]";
    else if (is_plain_key(step.key)) s += "." + step.key;
    else s += "[" + json::quote(step.key) + "]";
  }
  return s;
}

bool apply_json_path(json::Value& doc, const std::vector<JsonPathStep>& steps, const json::Value& value, std::string& why) {
  json::Value* at = &doc;
  std::vector<JsonPathStep> walked;
  for (const JsonPathStep& step : steps) {
    const std::string where = json_path_text(walked);
    if (step.is_index) {
      if (at->type != json::Type::array) {
        why = where + " is " + json::describe(*at) + ", not an array, so it has no [" + std::to_string(step.index) + "]";
        return false;
      }
      if (step.index >= at->items.size()) {
        why = where + " has " + std::to_string(at->items.size()) + " element(s), so no [" + std::to_string(step.index) + "]";
        return false;
      }
      at = &at->items[step.index];
    } else {
      if (at->type != json::Type::object) {
        why = where + " is " + json::describe(*at) + ", not an object, so it has no member \"" + step.key + "\"";
        return false;
      }
      json::Value* next = find_member(*at, step.key);
      if (!next) {
        std::string members;
        for (const auto& m : at->members) members += (members.empty() ? "" : ", ") + m.first;
        why = where + " has no member \"" + step.key + "\" (it has: " + (members.empty() ? "none" : members) +
              "); a sweep only replaces values the base scenario writes out";
        return false;
      }
      at = next;
    }
    walked.push_back(step);
  }
  *at = value;
  return true;
}

// ---------------------------------------------------------------------------------------
// [SECTION] The sweep file
// ---------------------------------------------------------------------------------------

namespace {

// Reads a sweep file with the typed JSON reader the scenario loader uses (json/reader.h),
// so that both word their diagnostics the same way.
class SweepReader : public json::Reader {
 public:
  explicit SweepReader(std::vector<Diagnostic>& errors) : json::Reader(errors) {}

  bool read(const json::Value& root, SweepSpec& s) {
    if (root.type != json::Type::object) return expected(root, "$", "an object");
    unknown_fields(root, "$",
                   {"schema", "name", "description", "scenario", "parameters", "seeds", "first_seed", "until", "metrics"},
                   {}, ", or an \"x-...\" key");
    const std::string schema_text = std::string("\"") + kSweepSchema + "\"";
    const json::Value* schema = member(root, "$", "schema", true, schema_text);
    if (schema && (schema->type != json::Type::string || schema->text != kSweepSchema))
      expected(*schema, "$.schema", schema_text);
    read_string(root, "$", "name", s.name, false);
    std::string description;
    read_string(root, "$", "description", description, false);
    const std::string scenario_what = "a scenario file (relative to the sweep file) or a built-in scenario's name";
    if (const json::Value* v = member(root, "$", "scenario", true, scenario_what)) {
      if (v->type == json::Type::string && !v->text.empty()) s.scenario = v->text;
      else expected(*v, "$.scenario", scenario_what);
    }
    read_parameters(root, s);
    read_seeds(root, s);
    // Not read_duration: `until` has no upper bound of its own (a point's run ends at its
    // scenario's duration anyway).
    if (const json::Value* v = root.find("until")) {
      SimDuration d = 0;
      if (v->type == json::Type::string && parse_duration(v->text, d) && d > 0) s.until = d;
      else expected(*v, "$.until", "a duration such as \"6h\"");
    }
    read_metrics(root, s);
    if (error_count() == 0) check_size(root, s);
    return error_count() == 0;
  }

 private:
  void read_parameters(const json::Value& root, SweepSpec& s) {
    const json::Value* list = root.find("parameters");
    if (!list) return;  // a sweep over seeds alone
    if (list->type != json::Type::array) {
      expected(*list, "$.parameters", "an array of {\"path\", \"values\"}");
      return;
    }
    if (list->items.size() > SweepLimits::kMaxParameters)
      error(list, "$.parameters", "expected at most " + std::to_string(SweepLimits::kMaxParameters) + " parameters, found " +
                                      std::to_string(list->items.size()));
    const std::string path_what = "a path into the scenario such as \"scaling.policies[0].cooldown\"";
    std::map<std::string, std::size_t> seen;  // normalised path -> parameter position
    for (std::size_t i = 0; i < list->items.size(); ++i) {
      const json::Value& p = list->items[i];
      const std::string at = index("$.parameters", i);
      if (p.type != json::Type::object) {
        expected(p, at, "an object {\"path\", \"values\"}");
        continue;
      }
      unknown_fields(p, at, {"path", "values"});
      SweepParameter param;
      if (const json::Value* path = member(p, at, "path", true, path_what)) {
        std::string why;
        if (path->type != json::Type::string) {
          expected(*path, join(at, "path"), path_what);
        } else if (!parse_json_path(path->text, param.steps, why)) {
          error(path, join(at, "path"), "expected " + path_what + ", found " + json::quote(path->text) + ": " + why);
        } else if (!param.steps[0].is_index && param.steps[0].key == "seed") {
          error(path, join(at, "path"), "the seed is not a parameter: list seeds in \"seeds\" (a count or a list)");
        } else {
          param.path = path->text;
          const std::string normal = json_path_text(param.steps);
          const auto it = seen.find(normal);
          if (it != seen.end())
            error(path, join(at, "path"),
                  "the same path as $.parameters[" + std::to_string(it->second) + "].path (" + normal + ")");
          else seen[normal] = i;
        }
      }
      if (const json::Value* values = member(p, at, "values", true, "a non-empty array of values")) {
        if (values->type != json::Type::array || values->items.empty())
          expected(*values, join(at, "values"), "a non-empty array of values");
        else param.values = values->items;
      }
      s.parameters.push_back(std::move(param));
    }
  }

  void read_seeds(const json::Value& root, SweepSpec& s) {
    const json::Value* v = root.find("seeds");
    const json::Value* first = root.find("first_seed");
    if (!v) {
      s.seed_count = 1;
    } else if (v->type == json::Type::array) {
      if (v->items.empty() || v->items.size() > SweepLimits::kMaxSeeds) {
        expected(*v, "$.seeds", "a list of 1 to " + std::to_string(SweepLimits::kMaxSeeds) + " seeds");
      } else {
        std::set<std::uint64_t> distinct;
        for (std::size_t i = 0; i < v->items.size(); ++i) {
          std::uint64_t seed = 0;
          const std::string at = index("$.seeds", i);
          if (!read_unsigned(v->items[i], seed)) expected(v->items[i], at, "an unsigned 64-bit integer");
          else if (!distinct.insert(seed).second) error(&v->items[i], at, "seed " + v->items[i].text + " is listed twice");
          else s.seed_list.push_back(seed);
        }
      }
      if (first) error(first, "$.first_seed", "first_seed goes with a count of seeds, not with a list");
    } else {
      std::uint64_t n = 0;
      if (!read_unsigned(*v, n) || n < 1 || n > SweepLimits::kMaxSeeds)
        expected(*v, "$.seeds", "a count from 1 to " + std::to_string(SweepLimits::kMaxSeeds) + " or a list of seeds");
      else s.seed_count = static_cast<std::size_t>(n);
    }
    if (first && (!v || v->type != json::Type::array)) {
      if (read_unsigned(*first, s.first_seed)) s.has_first_seed = true;
      else expected(*first, "$.first_seed", "an unsigned 64-bit integer");
    }
  }

  void read_metrics(const json::Value& root, SweepSpec& s) {
    const std::string what =
        "a list of 1 to " + std::to_string(SweepLimits::kMaxMetrics) + " metric names (such as \"latency_p95_ms\")";
    const json::Value* v = member(root, "$", "metrics", true, what);
    if (!v) return;
    if (v->type != json::Type::array || v->items.empty() || v->items.size() > SweepLimits::kMaxMetrics) {
      expected(*v, "$.metrics", what);
      return;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < v->items.size(); ++i) {
      const json::Value& m = v->items[i];
      const std::string at = index("$.metrics", i);
      MetricRef ref;
      std::string why;
      if (m.type != json::Type::string) {
        expected(m, at, "a metric name (such as \"latency_p95_ms\")");
      } else if (!parse_metric_name(m.text, ref, why)) {
        error(&m, at, "expected a metric name of SCENARIO_FORMAT.md (such as \"latency_p95_ms\" or "
                      "\"tenant.<id>.error_rate_percent\"), found " + json::quote(m.text) + ": " + why);
      } else if (!seen.insert(m.text).second) {
        error(&m, at, "metric " + json::quote(m.text) + " is listed twice");
      } else {
        s.metrics.push_back(m.text);
      }
    }
  }

  void check_size(const json::Value& root, const SweepSpec& s) {
    double points = static_cast<double>(s.seed_list.empty() ? s.seed_count : s.seed_list.size());
    for (const SweepParameter& p : s.parameters) points *= static_cast<double>(p.values.size());
    if (points > static_cast<double>(SweepLimits::kMaxPoints)) {
      const json::Value* at = root.find("parameters");
      error(at ? at : &root, "$.parameters",
            "the grid has " + json::number(points) + " points (value counts multiplied, times the seeds); the limit is " +
                std::to_string(SweepLimits::kMaxPoints));
    }
  }
};

}  // namespace

bool parse_sweep(std::string_view text, SweepSpec& out, std::vector<Diagnostic>& errors) {
  out = SweepSpec{};
  if (text.size() > SweepLimits::kMaxFileBytes) {
    errors.push_back({"$", "the sweep file is " + std::to_string(text.size()) + " bytes; the limit is " +
                               std::to_string(SweepLimits::kMaxFileBytes)});
    return false;
  }
  json::ParseError pe;
  if (!json::parse(text, out.doc, pe)) {
    errors.push_back({"$", "JSON syntax error: " + pe.message, pe.line, pe.column});
    return false;
  }
  const std::size_t before = errors.size();
  std::vector<Diagnostic> mine;
  SweepReader(mine).read(out.doc, out);
  errors.insert(errors.end(), mine.begin(), mine.end());
  return errors.size() == before;
}

// ---------------------------------------------------------------------------------------
// [SECTION] The plan
// ---------------------------------------------------------------------------------------

namespace {

// Collects plan errors: each distinct one once, with how many combinations have it.
class PlanErrors {
 public:
  PlanErrors(std::size_t combinations, std::size_t seeds) : combinations_(combinations), seeds_(seeds) {}

  void add(const std::string& key, bool in_scenario, Diagnostic d, std::size_t combination) {
    const auto it = index_.find(key);
    if (it != index_.end()) {
      ++entries_[it->second].count;
      return;
    }
    if (entries_.size() >= kMaxReportedSweepErrors) {
      more_.insert(key);
      return;
    }
    index_[key] = entries_.size();
    entries_.push_back({in_scenario, std::move(d), 1, combination});
  }

  bool empty() const { return entries_.empty(); }

  void emit(std::vector<SweepError>& out) const {
    for (const Entry& e : entries_) {
      SweepError err{e.in_scenario, e.diagnostic};
      if (combinations_ > 1)
        err.diagnostic.message += " (in " + std::to_string(e.count) + " of " + std::to_string(combinations_) +
                                  " combinations, the first at point " + std::to_string(e.first * seeds_) + ")";
      out.push_back(err);
    }
    if (!more_.empty())
      out.push_back({false, {"$", "and " + std::to_string(more_.size()) + " more distinct error(s) not shown"}});
  }

 private:
  struct Entry {
    bool in_scenario;
    Diagnostic diagnostic;
    std::size_t count;
    std::size_t first;  // combination
  };
  std::size_t combinations_, seeds_;
  std::vector<Entry> entries_;
  std::map<std::string, std::size_t> index_;
  std::set<std::string> more_;
};

const json::Value& member_or(const json::Value& obj, std::string_view key) {
  const json::Value* v = obj.find(key);
  return v ? *v : obj;
}

// Where parameter k's value v stands in the sweep file.
const json::Value& value_node(const SweepSpec& spec, std::size_t k, std::size_t v) {
  const json::Value& params = member_or(spec.doc, "parameters");
  if (params.type != json::Type::array || k >= params.items.size()) return spec.doc;
  const json::Value& values = member_or(params.items[k], "values");
  return values.type == json::Type::array && v < values.items.size() ? values.items[v] : params.items[k];
}

std::vector<std::size_t> decompose(const SweepSpec& spec, std::size_t combination) {
  std::vector<std::size_t> positions(spec.parameters.size(), 0);
  for (std::size_t k = spec.parameters.size(); k-- > 0;) {
    const std::size_t n = spec.parameters[k].values.size();
    positions[k] = combination % n;
    combination /= n;
  }
  return positions;
}

// The combination's scenario document, or false with the parameter that could not be set.
bool combination_doc(const SweepPlan& plan, std::size_t combination, json::Value& doc, std::size_t& failed_parameter,
                     std::string& why) {
  doc = plan.base;
  const std::vector<std::size_t> positions = decompose(plan.spec, combination);
  for (std::size_t k = 0; k < plan.spec.parameters.size(); ++k) {
    const SweepParameter& p = plan.spec.parameters[k];
    if (!apply_json_path(doc, p.steps, p.values[positions[k]], why)) {
      failed_parameter = k;
      return false;
    }
  }
  return true;
}

bool path_within(const std::string& path, const std::string& prefix) {
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

// Why `name` is not a column of this scenario's registry.
std::string missing_metric_reason(const std::string& name) {
  MetricRef ref;
  std::string why;
  if (!parse_metric_name(name, ref, why)) return why;
  if (!ref.info->simulated) return "this version does not simulate it";
  switch (ref.scope) {
    case kTenant: return "the scenario has no tenant \"" + ref.scope_id + "\"";
    case kService: return "the scenario has no service \"" + ref.scope_id + "\"";
    case kAgent: return "the scenario has no agent \"" + ref.scope_id + "\"";
    case kSlo: return "the scenario has no SLO \"" + ref.scope_id + "\"";
    case kChaos: return "the scenario has no chaos experiment \"" + ref.scope_id + "\"";
    case kCall: return "the scenario has no call from one agent to the other in \"" + ref.scope_id + "\"";
    case kGlobal: break;
  }
  return "it has no global form (use a scoped form such as tenant.<id>." + name + ")";
}

}  // namespace

namespace {
std::string hex16(std::uint64_t h) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(h >> shift) & 0xf];
  return out;
}
}  // namespace

void add_to_sweep_identity(SweepPlan& plan, std::string_view text) {
  plan.identity = hex16(fnv1a64(plan.identity + "\n" + std::string(text)));
}

bool plan_sweep(const SweepSpec& spec, std::string_view base_text, SweepPlan& out, std::vector<SweepError>& errors,
                const FileReader& files) {
  out = SweepPlan{};
  out.spec = spec;
  out.files = files;
  json::ParseError pe;
  if (!json::parse(base_text, out.base, pe)) {
    errors.push_back({true, {"$", "JSON syntax error: " + pe.message, pe.line, pe.column}});
    return false;
  }
  out.identity = hex16(fnv1a64(json::write(spec.doc) + "\n" + json::write(out.base)));
  out.combinations = 1;
  for (const SweepParameter& p : spec.parameters) out.combinations *= p.values.size();
  const std::size_t seeds = spec.seed_list.empty() ? spec.seed_count : spec.seed_list.size();

  // Errors the base scenario has on its own are reported once, at its own lines, rather
  // than once per combination that keeps them.
  const LoadResult base = load_scenario(base_text, files);
  std::map<std::string, Diagnostic> base_errors;
  for (const Diagnostic& d : base.errors) base_errors.emplace(d.path + "\n" + d.message, d);

  std::vector<std::string> normal_paths;
  for (const SweepParameter& p : spec.parameters) normal_paths.push_back(json_path_text(p.steps));

  PlanErrors found(out.combinations, seeds);
  std::uint64_t scenario_seed = 1;
  for (std::size_t c = 0; c < out.combinations; ++c) {
    const std::vector<std::size_t> positions = decompose(spec, c);
    // The values of the parameters nearest to an error's path: those inside the closest
    // enclosing object or array that holds any (for an error at
    // $.services[0].instances.initial, the parameters under $.services[0].instances).
    auto values_text = [&](std::string path) {
      for (;;) {
        std::string inside;
        for (std::size_t k = 0; k < spec.parameters.size(); ++k)
          if (path_within(normal_paths[k], path))
            inside += (inside.empty() ? "" : ", ") + spec.parameters[k].path + " = " +
                      json::write(spec.parameters[k].values[positions[k]]);
        const std::size_t cut = path.find_last_of(".[");
        if (!inside.empty() || cut == std::string::npos) return inside;
        path.resize(cut);
      }
    };
    json::Value doc;
    std::size_t failed = 0;
    std::string why;
    if (!combination_doc(out, c, doc, failed, why)) {
      const json::Value& at = member_or(member_or(spec.doc, "parameters").items[failed], "path");
      const std::string path = "$.parameters[" + std::to_string(failed) + "].path";
      found.add(path + "\n" + why, false,
                {path, "cannot set " + json::quote(spec.parameters[failed].path) + ": " + why, at.line, at.column}, c);
      continue;
    }
    const LoadResult r = load_scenario(json::write(doc), files);
    for (const Diagnostic& d : r.errors) {
      const std::string key = d.path + "\n" + d.message;
      const auto b = base_errors.find(key);
      if (b != base_errors.end()) {
        Diagnostic bd = b->second;
        bd.message += "; no parameter value changes it";
        found.add("base\n" + key, true, bd, c);
        continue;
      }
      // The parameter whose path holds the error (the most specific one), if any.
      std::size_t owner = spec.parameters.size();
      for (std::size_t k = 0; k < spec.parameters.size(); ++k)
        if (path_within(d.path, normal_paths[k]) &&
            (owner == spec.parameters.size() || normal_paths[k].size() > normal_paths[owner].size()))
          owner = k;
      if (owner < spec.parameters.size()) {
        const json::Value& at = value_node(spec, owner, positions[owner]);
        const std::string path =
            "$.parameters[" + std::to_string(owner) + "].values[" + std::to_string(positions[owner]) + "]";
        const SweepParameter& p = spec.parameters[owner];
        const std::string message = "with " + p.path + " = " + json::write(p.values[positions[owner]]) +
                                    " the scenario is invalid: " + d.path + ": " + d.message;
        found.add(path + "\n" + key, false, {path, message, at.line, at.column}, c);
      } else {
        const json::Value& at = member_or(spec.doc, "parameters");
        const std::string values = values_text(d.path);
        const std::string message = "with " + values + " the scenario is invalid: " + d.path + ": " + d.message;
        found.add("combination\n" + values + "\n" + key, false, {"$.parameters", message, at.line, at.column}, c);
      }
    }
    if (!r.ok) continue;
    if (c == 0) scenario_seed = r.scenario.seed;
    // The same columns as every Simulation of this scenario has (Simulation builds its
    // registry from the scenario the same way), so a name found here is measured there.
    const MetricRegistry registry(r.scenario);
    for (std::size_t i = 0; i < spec.metrics.size(); ++i) {
      if (registry.find(spec.metrics[i]) >= 0) continue;
      const json::Value& at = member_or(spec.doc, "metrics").items[i];
      const std::string path = "$.metrics[" + std::to_string(i) + "]";
      const std::string reason = missing_metric_reason(spec.metrics[i]);
      found.add(path + "\n" + reason, false,
                {path, "metric " + json::quote(spec.metrics[i]) + " is not measured: " + reason, at.line, at.column}, c);
    }
  }
  if (!found.empty()) {
    found.emit(errors);
    return false;
  }
  if (!spec.seed_list.empty()) {
    out.seeds = spec.seed_list;
  } else {
    const std::uint64_t first = spec.has_first_seed ? spec.first_seed : scenario_seed;
    for (std::size_t i = 0; i < spec.seed_count; ++i) out.seeds.push_back(first + i);
  }
  out.points = out.combinations * out.seeds.size();
  return true;
}

SweepPoint sweep_point(const SweepPlan& plan, std::size_t index) {
  SweepPoint p;
  p.index = index;
  p.combination = index / plan.seeds.size();
  p.seed = plan.seeds[index % plan.seeds.size()];
  p.value_positions = decompose(plan.spec, p.combination);
  return p;
}

LoadResult sweep_scenario(const SweepPlan& plan, std::size_t combination) {
  json::Value doc;
  std::size_t failed = 0;
  std::string why;
  if (!combination_doc(plan, combination, doc, failed, why)) {
    LoadResult r;
    r.errors.push_back({"$", why});
    return r;
  }
  return load_scenario(json::write(doc), plan.files);
}

SimTime sweep_run_end(const SweepPlan& plan, const Scenario& scenario) {
  return plan.spec.until > 0 ? std::min(plan.spec.until, scenario.duration) : scenario.duration;
}

// ---------------------------------------------------------------------------------------
// [SECTION] Shards
// ---------------------------------------------------------------------------------------

bool parse_shard(std::string_view text, SweepShard& out, std::string& why) {
  const std::size_t slash = text.find('/');
  auto number = [](std::string_view s, std::size_t& n) {
    if (s.empty() || s.size() > 7) return false;
    n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return true;
  };
  std::size_t i = 0, n = 0;
  if (slash == std::string_view::npos || !number(text.substr(0, slash), i) || !number(text.substr(slash + 1), n)) {
    why = "expected i/n such as 0/8 (0-based: i from 0 to n-1), found \"" + std::string(text) + "\"";
    return false;
  }
  if (n < 1 || n > 1000000) {
    why = "expected a shard count n from 1 to 1000000, found " + std::to_string(n);
    return false;
  }
  if (i >= n) {
    why = "shard index " + std::to_string(i) + " is not below the shard count " + std::to_string(n) +
          " (shards are numbered from 0, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are)";
    return false;
  }
  out.index = i;
  out.count = n;
  return true;
}

bool in_shard(std::size_t point_index, const SweepShard& shard) { return point_index % shard.count == shard.index; }

std::vector<std::size_t> shard_points(std::size_t points, const SweepShard& shard) {
  std::vector<std::size_t> out;
  for (std::size_t i = shard.index; i < points; i += shard.count) out.push_back(i);
  return out;
}

// ---------------------------------------------------------------------------------------
// [SECTION] Results and merging
// ---------------------------------------------------------------------------------------

json::Value sweep_row(const SweepPlan& plan, const SweepPoint& point, const Simulation& sim) {
  const std::vector<double> values = sim.summary_values();
  json::Value row = object_value();
  row.members.emplace_back("index", unsigned_value(point.index));
  row.members.emplace_back("seed", unsigned_value(point.seed));
  json::Value params = object_value();
  for (std::size_t k = 0; k < plan.spec.parameters.size(); ++k)
    params.members.emplace_back(plan.spec.parameters[k].path, plan.spec.parameters[k].values[point.value_positions[k]]);
  row.members.emplace_back("parameters", std::move(params));
  json::Value metrics = object_value();
  for (const std::string& name : plan.spec.metrics) {
    const int col = sim.metrics().find(name);
    metrics.members.emplace_back(name, col >= 0 ? number_value(values[static_cast<std::size_t>(col)]) : json::Value{});
  }
  row.members.emplace_back("metrics", std::move(metrics));
  const std::vector<ObjectiveResult> objectives = evaluate_objectives(sim, values);
  if (objectives.empty()) {
    row.members.emplace_back("objectives_passed", json::Value{});
  } else {
    bool all = true;
    for (const ObjectiveResult& r : objectives) all = all && r.passed;
    row.members.emplace_back("objectives_passed", bool_value(all));
  }
  return row;
}

namespace {

json::Value shard_value(const SweepShard& shard) {
  json::Value v = object_value();
  v.members.emplace_back("index", unsigned_value(shard.index));
  v.members.emplace_back("count", unsigned_value(shard.count));
  return v;
}

std::size_t row_index(const json::Value& row) {
  std::uint64_t i = 0;
  const json::Value* v = row.find("index");
  return v && read_unsigned(*v, i) ? static_cast<std::size_t>(i) : static_cast<std::size_t>(-1);
}

// The one layout of a result document: a member a line, a row a line, so that files diff
// and grep well; merge writes it the same way from the parsed shards.
std::string write_result(const json::Value& doc) {
  std::string s = "{\n";
  for (std::size_t i = 0; i < doc.members.size(); ++i) {
    const auto& m = doc.members[i];
    s += "  " + json::quote(m.first) + ": ";
    if (m.first == "rows" && m.second.type == json::Type::array && !m.second.items.empty()) {
      s += "[\n";
      for (std::size_t r = 0; r < m.second.items.size(); ++r)
        s += "    " + json::write(m.second.items[r]) + (r + 1 < m.second.items.size() ? ",\n" : "\n");
      s += "  ]";
    } else {
      s += json::write(m.second);
    }
    s += i + 1 < doc.members.size() ? ",\n" : "\n";
  }
  return s + "}\n";
}

void sort_rows(std::vector<json::Value>& rows) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const json::Value& a, const json::Value& b) { return row_index(a) < row_index(b); });
}

}  // namespace

std::string sweep_result_json(const SweepPlan& plan, const SweepShard& shard, std::vector<json::Value> rows, bool partial,
                              std::string_view tool_version) {
  sort_rows(rows);
  json::Value doc = object_value();
  doc.members.emplace_back("format", string_value(kResultFormat));
  doc.members.emplace_back("opsim", string_value(tool_version));
  doc.members.emplace_back("sweep_id", string_value(plan.identity));
  doc.members.emplace_back("name", string_value(plan.spec.name));
  doc.members.emplace_back("scenario", string_value(plan.spec.scenario));
  json::Value params = array_value();
  for (const SweepParameter& p : plan.spec.parameters) {
    json::Value pv = object_value();
    pv.members.emplace_back("path", string_value(p.path));
    json::Value values = array_value();
    values.items = p.values;
    pv.members.emplace_back("values", std::move(values));
    params.items.push_back(std::move(pv));
  }
  doc.members.emplace_back("parameters", std::move(params));
  json::Value seeds = array_value();
  for (std::uint64_t s : plan.seeds) seeds.items.push_back(unsigned_value(s));
  doc.members.emplace_back("seeds", std::move(seeds));
  doc.members.emplace_back("until_s", plan.spec.until > 0 ? number_value(to_seconds(plan.spec.until)) : json::Value{});
  json::Value metrics = array_value();
  for (const std::string& m : plan.spec.metrics) metrics.items.push_back(string_value(m));
  doc.members.emplace_back("metrics", std::move(metrics));
  doc.members.emplace_back("points_total", unsigned_value(plan.points));
  doc.members.emplace_back("shard", shard_value(shard));
  doc.members.emplace_back("partial", bool_value(partial));
  json::Value rows_value = array_value();
  rows_value.items = std::move(rows);
  doc.members.emplace_back("rows", std::move(rows_value));
  return write_result(doc);
}

std::string index_ranges(const std::vector<std::size_t>& idx, std::size_t max_items) {
  std::string s;
  std::size_t items = 0, i = 0;
  while (i < idx.size()) {
    std::size_t j = i;
    while (j + 1 < idx.size() && idx[j + 1] == idx[j] + 1) ++j;
    if (items == max_items) return s + ", ... (" + std::to_string(idx.size() - i) + " more)";
    s += (items ? ", " : "") + std::to_string(idx[i]) + (j > i ? "-" + std::to_string(idx[j]) : "");
    ++items;
    i = j + 1;
  }
  return s;
}

bool merge_sweep_results(const std::vector<SweepResultFile>& files, std::string& out, std::vector<std::string>& errors) {
  const std::size_t errors_before = errors.size();
  if (files.empty()) {
    errors.push_back("no shard files to merge");
    return false;
  }
  std::vector<json::Value> docs(files.size());
  for (std::size_t f = 0; f < files.size(); ++f) {
    json::ParseError pe;
    if (!json::parse(files[f].text, docs[f], pe)) {
      errors.push_back(files[f].name + ":" + std::to_string(pe.line) + ":" + std::to_string(pe.column) +
                       ": JSON syntax error: " + pe.message);
      continue;
    }
    const json::Value& d = docs[f];
    const json::Value* format = d.find("format");
    const json::Value* rows = d.find("rows");
    std::uint64_t total = 0;
    const json::Value* total_v = d.find("points_total");
    if (d.type != json::Type::object || !format || format->type != json::Type::string || format->text != kResultFormat ||
        !rows || rows->type != json::Type::array || !d.find("sweep_id") || !total_v || !read_unsigned(*total_v, total))
      errors.push_back(files[f].name + ": not a result of opsim sweep (expected \"format\": \"" + kResultFormat +
                       "\", \"sweep_id\", \"points_total\" and \"rows\")");
  }
  if (errors.size() > errors_before) return false;

  // Same sweep: the identity first (the usual mistake), then every other header member.
  const json::Value& first = docs[0];
  for (std::size_t f = 1; f < files.size(); ++f) {
    const std::string a = json::write(*first.find("sweep_id")), b = json::write(*docs[f].find("sweep_id"));
    if (a != b) {
      errors.push_back(files[f].name + " is from sweep " + b + ", " + files[0].name + " from sweep " + a +
                       ": a different sweep file or base scenario");
      continue;
    }
    if (docs[f].members.size() != first.members.size()) {
      errors.push_back(files[f].name + " and " + files[0].name + " have different members");
      continue;
    }
    for (const auto& m : first.members) {
      if (m.first == "shard" || m.first == "partial" || m.first == "rows") continue;
      const json::Value* other = docs[f].find(m.first);
      if (!other || json::write(*other) != json::write(m.second)) {
        errors.push_back(files[f].name + " and " + files[0].name + " differ in \"" + m.first + "\" (" +
                         (other ? json::write(*other) : "missing") + " vs " + json::write(m.second) + ")");
        break;
      }
    }
  }
  if (errors.size() > errors_before) return false;

  std::uint64_t total = 0;
  read_unsigned(*first.find("points_total"), total);
  std::vector<json::Value> rows;
  std::vector<std::size_t> owner(static_cast<std::size_t>(total), files.size());
  std::map<std::size_t, std::vector<std::size_t>> duplicates;  // index -> files holding it
  for (std::size_t f = 0; f < files.size(); ++f) {
    const json::Value& list = *docs[f].find("rows");
    for (std::size_t r = 0; r < list.items.size(); ++r) {
      const std::size_t i = row_index(list.items[r]);
      if (list.items[r].type != json::Type::object || i >= total) {
        errors.push_back(files[f].name + ": rows[" + std::to_string(r) + "] has no \"index\" from 0 to " +
                         std::to_string(total - (total > 0 ? 1 : 0)));
        continue;
      }
      if (owner[i] != files.size()) {
        auto& holders = duplicates[i];
        if (holders.empty()) holders.push_back(owner[i]);
        holders.push_back(f);
        continue;
      }
      owner[i] = f;
      rows.push_back(list.items[r]);
    }
  }
  if (!duplicates.empty()) {
    std::vector<std::size_t> idx;
    for (const auto& d : duplicates) idx.push_back(d.first);
    std::string e = "points given more than once: " + index_ranges(idx);
    const auto& example = *duplicates.begin();
    e += " (point " + std::to_string(example.first) + " is in";
    for (std::size_t k = 0; k < example.second.size(); ++k) e += (k ? " and " : " ") + files[example.second[k]].name;
    errors.push_back(e + ")");
  }
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < owner.size(); ++i)
    if (owner[i] == files.size()) missing.push_back(i);
  if (!missing.empty()) {
    std::string e = "points missing: " + index_ranges(missing) + " (" + std::to_string(missing.size()) + " of " +
                    std::to_string(total) + ")";
    // When every file is a shard i/n of one n, name the shards that no file holds.
    std::set<std::size_t> counts, present;
    for (const json::Value& d : docs) {
      std::uint64_t i = 0, n = 0;
      const json::Value* shard = d.find("shard");
      const json::Value* iv = shard ? shard->find("index") : nullptr;
      const json::Value* nv = shard ? shard->find("count") : nullptr;
      if (iv && nv && read_unsigned(*iv, i) && read_unsigned(*nv, n)) {
        counts.insert(static_cast<std::size_t>(n));
        present.insert(static_cast<std::size_t>(i));
      }
    }
    if (counts.size() == 1) {
      const std::size_t n = *counts.begin();
      std::vector<std::size_t> absent;
      for (std::size_t i = 0; i < n; ++i)
        if (!present.count(i)) absent.push_back(i);
      if (!absent.empty()) e += "; no file holds shard(s) " + index_ranges(absent) + " of " + std::to_string(n);
    }
    std::string partial;
    for (std::size_t f = 0; f < files.size(); ++f) {
      const json::Value* p = docs[f].find("partial");
      if (p && p->type == json::Type::boolean && p->boolean) partial += (partial.empty() ? "" : ", ") + files[f].name;
    }
    if (!partial.empty()) e += "; interrupted before finishing: " + partial;
    errors.push_back(e);
  }
  if (errors.size() > errors_before) return false;

  sort_rows(rows);
  json::Value doc = first;
  for (auto& m : doc.members) {
    if (m.first == "shard") m.second = shard_value(SweepShard{});
    else if (m.first == "partial") m.second = bool_value(false);
    else if (m.first == "rows") m.second.items = std::move(rows);
  }
  out = write_result(doc);
  return true;
}

}  // namespace opsim
