// The scenario loader: the one place that turns a scenario's JSON into typed objects.
//
// [SECTION] Reading helpers (types, ranges, unknown fields, paths)
// [SECTION] services, agents, tenants and load patterns
// [SECTION] context, monitoring, scaling
// [SECTION] slos, alerting, incidents, faults, deployments, chaos, objectives, exercise
// [SECTION] cross-section checks and limits
#include "scenario/loader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <set>

#include "metrics/metric_catalog.h"
#include "metrics/registry.h"
#include "sre/canary.h"

namespace opsim {

using json::Type;
using json::Value;

std::string format_diagnostic(const Diagnostic& d, std::string_view source, std::string_view severity) {
  std::string s(source);
  if (d.line > 0) s += ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
  s += ": ";
  s += severity;
  s += ": ";
  s += d.path;
  s += ": ";
  s += d.message;
  return s;
}

int Scenario::service_index(const std::string& id) const {
  for (std::size_t i = 0; i < services.size(); ++i)
    if (services[i].id == id) return static_cast<int>(i);
  return -1;
}
int Scenario::agent_index(const std::string& id) const {
  for (std::size_t i = 0; i < agents.size(); ++i)
    if (agents[i].id == id) return static_cast<int>(i);
  return -1;
}
int Scenario::tenant_index(const std::string& id) const {
  for (std::size_t i = 0; i < tenants.size(); ++i)
    if (tenants[i].id == id) return static_cast<int>(i);
  return -1;
}


bool compare(double lhs, CompareOp op, double rhs) {
  switch (op) {
    case CompareOp::lt: return lhs < rhs;
    case CompareOp::le: return lhs <= rhs;
    case CompareOp::gt: return lhs > rhs;
    case CompareOp::ge: return lhs >= rhs;
    case CompareOp::eq: return lhs == rhs;
    case CompareOp::ne: return lhs != rhs;
  }
  return false;
}
const char* isolation_name(Isolation i) {
  static const char* names[] = {"shared", "namespace", "dedicated", "physical"};
  return names[static_cast<int>(i)];
}

const char* op_text(CompareOp op) {
  static const char* texts[] = {"<", "<=", ">", ">=", "==", "!="};
  return texts[static_cast<int>(op)];
}

namespace {

// [SECTION] Reading helpers (types, ranges, unknown fields, paths)

std::string num_text(double v) { return json::number(v); }

std::string range_text(double lo, double hi) {
  if (hi >= 1e300) return "of at least " + num_text(lo);
  return "from " + num_text(lo) + " to " + num_text(hi);
}

class Loader {
 public:
  explicit Loader(LoadResult& r) : r_(r), s_(r.scenario) {}

  void run(const Value& root);

 private:
  // ---- diagnostics
  void error(const Value* at, const std::string& path, const std::string& message) {
    r_.errors.push_back({path, message, at ? at->line : 0, at ? at->column : 0});
  }
  void warn(const Value* at, const std::string& path, const std::string& message) {
    r_.warnings.push_back({path, message, at ? at->line : 0, at ? at->column : 0});
  }
  void expected(const Value& v, const std::string& path, const std::string& what) {
    error(&v, path, "expected " + what + ", found " + json::describe(v));
  }

  static std::string join(const std::string& path, std::string_view key) { return path + "." + std::string(key); }
  static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

  // Checks that v is an object whose keys are all in `allowed` (or start with "x-").
  bool object(const Value& v, const std::string& path, std::initializer_list<std::string_view> allowed) {
    if (v.type != Type::object) {
      expected(v, path, "an object");
      return false;
    }
    for (const auto& m : v.members) {
      if (m.first.rfind("x-", 0) == 0) continue;
      if (std::find(allowed.begin(), allowed.end(), m.first) != allowed.end()) continue;
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(&m.second, join(path, m.first), "unknown field \"" + m.first + "\" (expected one of: " + list + ")");
    }
    return true;
  }

  // Returns the member or null; reports a missing required one.
  const Value* member(const Value& obj, const std::string& path, std::string_view key, bool required,
                      const std::string& what) {
    const Value* v = obj.find(key);
    if (!v && required)
      error(&obj, join(path, key), "expected " + what + ", found nothing (the field is required)");
    return v;
  }

  bool read_string(const Value& obj, const std::string& path, std::string_view key, std::string& out, bool required) {
    const Value* v = member(obj, path, key, required, "a string");
    if (!v) return false;
    if (v->type != Type::string) {
      expected(*v, join(path, key), "a string");
      return false;
    }
    out = v->text;
    return true;
  }

  // Ids appear inside scoped metric names (tenant.<id>.latency_p95_ms), so no dots.
  bool read_id(const Value& obj, const std::string& path, std::string_view key, std::string& out) {
    const std::string what = "an id (1 to 64 letters, digits, '_' or '-')";
    const Value* v = member(obj, path, key, true, what);
    if (!v) return false;
    bool ok = v->type == Type::string && !v->text.empty() && v->text.size() <= 64;
    if (ok)
      for (char c : v->text)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
    if (!ok) {
      expected(*v, join(path, key), what);
      return false;
    }
    out = v->text;
    return true;
  }

  bool read_number(const Value& obj, const std::string& path, std::string_view key, double& out, double lo,
                   double hi, bool required = false) {
    const std::string what = "a number " + range_text(lo, hi);
    const Value* v = member(obj, path, key, required, what);
    if (!v) return false;
    if (v->type != Type::number || v->number < lo || v->number > hi) {
      expected(*v, join(path, key), what);
      return false;
    }
    out = v->number;
    return true;
  }

  bool read_percent(const Value& obj, const std::string& path, std::string_view key, double& out,
                    bool required = false) {
    return read_number(obj, path, key, out, 0, 100, required);
  }

  template <typename Int>
  bool read_int(const Value& obj, const std::string& path, std::string_view key, Int& out, double lo, double hi,
                bool required = false) {
    const std::string what = "an integer " + range_text(lo, hi);
    const Value* v = member(obj, path, key, required, what);
    if (!v) return false;
    if (v->type != Type::number || !v->is_integer || v->number < lo || v->number > hi) {
      expected(*v, join(path, key), what);
      return false;
    }
    out = static_cast<Int>(v->number);
    return true;
  }

  bool read_bool(const Value& obj, const std::string& path, std::string_view key, bool& out) {
    const Value* v = member(obj, path, key, false, "true or false");
    if (!v) return false;
    if (v->type != Type::boolean) {
      expected(*v, join(path, key), "true or false");
      return false;
    }
    out = v->boolean;
    return true;
  }

  bool read_duration(const Value& obj, const std::string& path, std::string_view key, SimDuration& out,
                     SimDuration lo, SimDuration hi, bool required = false) {
    std::string what = "a duration such as \"250ms\", \"30s\" or \"1h30m\"";
    if (lo > 0 || hi < ScenarioLimits::kMaxDuration * 100)
      what += " from " + format_duration(lo) + " to " + format_duration(hi);
    const Value* v = member(obj, path, key, required, what);
    if (!v) return false;
    SimDuration d = 0;
    if (v->type != Type::string || !parse_duration(v->text, d) || d < lo || d > hi) {
      expected(*v, join(path, key), what);
      return false;
    }
    out = d;
    return true;
  }

  // An instant: an offset from `start` ("2d3h") or an ISO 8601 UTC time not before start.
  bool read_time(const Value& obj, const std::string& path, std::string_view key, SimTime& out,
                 bool required = false) {
    const std::string what = "a time: an offset from start such as \"2d3h\", or an ISO 8601 UTC time";
    const Value* v = member(obj, path, key, required, what);
    if (!v) return false;
    SimDuration d = 0;
    std::int64_t unix_s = 0;
    if (v->type == Type::string && parse_duration(v->text, d)) {
      out = d;
    } else if (v->type == Type::string && parse_iso8601_utc(v->text, unix_s)) {
      if (unix_s < s_.calendar.start_unix_s()) {
        expected(*v, join(path, key), "a time not before the scenario's start (" + s_.calendar.iso8601(0) + ")");
        return false;
      }
      out = (unix_s - s_.calendar.start_unix_s()) * kMicrosPerSecond;
    } else {
      expected(*v, join(path, key), what);
      return false;
    }
    if (out > ScenarioLimits::kMaxDuration) {
      expected(*v, join(path, key), "a time within " + format_duration(ScenarioLimits::kMaxDuration) + " of start");
      return false;
    }
    return true;
  }

  template <typename Enum>
  bool read_enum(const Value& obj, const std::string& path, std::string_view key, Enum& out,
                 std::initializer_list<std::string_view> names, bool required = false) {
    std::string what = "one of ";
    for (std::size_t i = 0; i < names.size(); ++i)
      what += (i ? ", " : "") + json::quote(*(names.begin() + i));
    const Value* v = member(obj, path, key, required, what);
    if (!v) return false;
    if (v->type == Type::string) {
      int i = 0;
      for (std::string_view n : names) {
        if (v->text == n) {
          out = static_cast<Enum>(i);
          return true;
        }
        ++i;
      }
    }
    expected(*v, join(path, key), what);
    return false;
  }

  bool read_string_list(const Value& obj, const std::string& path, std::string_view key,
                        std::vector<std::string>& out, std::initializer_list<std::string_view> allowed = {}) {
    const Value* v = member(obj, path, key, false, "an array of strings");
    if (!v) return false;
    const std::string p = join(path, key);
    if (v->type != Type::array) {
      expected(*v, p, "an array of strings");
      return false;
    }
    out.clear();
    for (std::size_t i = 0; i < v->items.size(); ++i) {
      const Value& item = v->items[i];
      bool ok = item.type == Type::string;
      if (ok && allowed.size() > 0) ok = std::find(allowed.begin(), allowed.end(), item.text) != allowed.end();
      if (!ok) {
        std::string what = "a string";
        if (allowed.size() > 0) {
          what = "one of ";
          std::size_t k = 0;
          for (std::string_view a : allowed) what += (k++ ? ", " : "") + json::quote(a);
        }
        expected(item, index(p, i), what);
        continue;
      }
      out.push_back(item.text);
    }
    return true;
  }

  // Iterates an array field, calling fn(item, path) for each element.
  bool read_array(const Value& obj, const std::string& path, std::string_view key, bool required, std::size_t min_items,
                  std::size_t max_items, const char* limit_name,
                  const std::function<void(const Value&, const std::string&)>& fn) {
    const Value* v = member(obj, path, key, required, "an array");
    if (!v) return false;
    const std::string p = join(path, key);
    if (v->type != Type::array) {
      expected(*v, p, "an array");
      return false;
    }
    if (v->items.size() < min_items) {
      expected(*v, p, "an array of at least " + std::to_string(min_items));
      return false;
    }
    if (v->items.size() > max_items) {
      error(v, p, std::string("too many entries: ") + std::to_string(v->items.size()) + " exceeds the limit " + limit_name +
                      " = " + std::to_string(max_items));
      return false;
    }
    for (std::size_t i = 0; i < v->items.size(); ++i) fn(v->items[i], index(p, i));
    return true;
  }

  // Reports ids written twice in the array `arr`. Reads the JSON items themselves, so that
  // the index in the path is the item's own even when an earlier item was skipped as
  // invalid, and items without a (string) id are not duplicates of each other.
  void check_unique(const Value* arr, const std::string& path, const char* what) {
    if (!arr || arr->type != Type::array) return;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < arr->items.size(); ++i) {
      const Value* id = arr->items[i].type == Type::object ? arr->items[i].find("id") : nullptr;
      if (!id || id->type != Type::string) continue;
      if (!seen.insert(id->text).second)
        error(id, index(path, i) + ".id", std::string("duplicate ") + what + " id \"" + id->text + "\"");
    }
  }

  // Resolves a reference to a service, agent, tenant or provider id.
  int resolve(const Value& obj, const std::string& path, std::string_view key, const std::string& id,
              const std::vector<std::string>& ids, const char* what) {
    for (std::size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == id) return static_cast<int>(i);
    std::string known;
    for (const auto& k : ids) known += (known.empty() ? "" : ", ") + json::quote(k);
    const Value* v = obj.find(key);
    error(v ? v : &obj, join(path, key),
          std::string("expected the id of ") + (what[0] == 'a' ? "an " : "a ") + what + " (" + (known.empty() ? "none defined" : known) +
              "), found " + json::quote(id));
    return -1;
  }

  void check_metric(const Value& obj, const std::string& path, std::string_view key, const std::string& name) {
    MetricRef ref;
    std::string why;
    const Value* v = obj.find(key);
    if (!parse_metric_name(name, ref, why)) {
      error(v, join(path, key), "expected a metric name of SCENARIO_FORMAT.md (such as \"latency_p95_ms\" or "
                                "\"tenant.<id>.error_rate_percent\"), found " + json::quote(name) + ": " + why);
      return;
    }
    const std::vector<std::string>* ids = nullptr;
    const char* what = "";
    std::vector<std::string> tmp;
    switch (ref.scope) {
      case kGlobal: break;
      case kTenant: ids = &tenant_ids_; what = "tenant"; break;
      case kService: ids = &service_ids_; what = "service"; break;
      case kAgent: ids = &agent_ids_; what = "agent"; break;
      case kSlo:
        for (const auto& slo : s_.slos) tmp.push_back(slo.id);
        ids = &tmp;
        what = "SLO";
        break;
      case kChaos:
        for (const auto& c : s_.chaos) tmp.push_back(c.id);
        ids = &tmp;
        what = "chaos experiment";
        break;
    }
    if (ids && std::find(ids->begin(), ids->end(), ref.scope_id) == ids->end()) {
      error(v, join(path, key), std::string("metric ") + json::quote(name) + " names " + what + " \"" + ref.scope_id +
                                    "\", which the scenario does not define");
      return;
    }
    if (!ref.info->simulated)
      warn(v, join(path, key), std::string("metric \"") + ref.info->name +
                                   "\" belongs to a subsystem this version does not simulate yet; it is not measured");
  }

  void not_simulated_yet(const Value* v, const std::string& path, const std::string& what) {
    warn(v, path, what + " is validated but not simulated by this version of opsim yet");
  }

  // ---- sections
  void top(const Value& root);
  void services(const Value& root);
  void agents(const Value& root);
  void tenants(const Value& root);
  void pattern(const Value& v, const std::string& path, PatternSpec& p);
  void context(const Value& root);
  void monitoring(const Value& root);
  void matchers(const Value& v, const std::string& path, Matchers& m);
  void scaling(const Value& root);
  void scaling_one(const Value& v, const std::string& path, ScalingSpec& sc);
  void vertical_sizes(const Value& pv, const std::string& pp, ScalingPolicySpec& sp);
  void behavior_rules(const Value& v, const std::string& path, BehaviorRulesSpec& b);
  void slos(const Value& root);
  void alerting(const Value& root);
  void incidents(const Value& root);
  bool fault_body(const Value& v, const std::string& path, FaultSpec& f, bool needs_time);
  void faults(const Value& root);
  void deployments(const Value& root);
  void chaos(const Value& root);
  void objectives(const Value& root);
  void exercise(const Value& root);
  void limits(const Value& root);

  LoadResult& r_;
  Scenario& s_;
  std::vector<std::string> service_ids_, agent_ids_, tenant_ids_, provider_ids_;
};

void Loader::run(const Value& root) {
  if (!object(root, "$", {"schema", "name", "description", "tags", "seed", "start", "duration", "services", "agents",
                          "tenants", "context", "monitoring", "scaling", "slos", "alerting", "incidents", "faults",
                          "deployments", "chaos", "objectives", "exercise"}))
    return;
  top(root);
  services(root);
  agents(root);
  tenants(root);
  context(root);
  monitoring(root);
  scaling(root);
  slos(root);
  alerting(root);
  incidents(root);
  faults(root);
  deployments(root);
  chaos(root);
  objectives(root);
  exercise(root);
  if (r_.errors.empty()) limits(root);
}

void Loader::top(const Value& root) {
  const std::string p = "$";
  if (const Value* v = member(root, p, "schema", true, "\"opsim/1\"")) {
    if (v->type != Type::string || v->text != "opsim/1") expected(*v, "$.schema", "\"opsim/1\"");
  }
  if (read_string(root, p, "name", s_.name, true) && s_.name.empty()) expected(*root.find("name"), "$.name", "a non-empty string");
  read_string(root, p, "description", s_.description, false);
  read_string_list(root, p, "tags", s_.tags);
  if (const Value* v = root.find("seed")) {
    // Seeds are full 64-bit unsigned integers: read from the literal, not the double.
    char* end = nullptr;
    const unsigned long long seed = v->type == Type::number && v->is_integer && v->text[0] != '-'
                                        ? std::strtoull(v->text.c_str(), &end, 10)
                                        : 0;
    if (v->type != Type::number || !v->is_integer || v->text[0] == '-' || !end || *end != 0 ||
        v->text.size() > 20 || (v->text.size() == 20 && v->text > "18446744073709551615"))
      expected(*v, "$.seed", "an integer from 0 to 18446744073709551615");
    else
      s_.seed = seed;
  }
  if (const Value* v = root.find("start")) {
    std::int64_t unix_s = 0;
    if (v->type != Type::string || !parse_iso8601_utc(v->text, unix_s))
      expected(*v, "$.start", "an ISO 8601 UTC timestamp such as \"2026-01-05T00:00:00Z\"");
    else
      s_.calendar = Calendar(unix_s);
  }
  read_duration(root, p, "duration", s_.duration, kMicrosPerSecond, ScenarioLimits::kMaxDuration, true);
}

// [SECTION] services, agents, tenants and load patterns

void Loader::services(const Value& root) {
  read_array(root, "$", "services", true, 1, ScenarioLimits::kMaxServices, "kMaxServices",
             [&](const Value& v, const std::string& p) {
               ServiceSpec sv;
               if (!object(v, p, {"id", "instance", "instances", "queue"})) return;
               read_id(v, p, "id", sv.id);
               if (const Value* inst = member(v, p, "instance", false, "an object")) {
                 const std::string ip = join(p, "instance");
                 if (object(*inst, ip, {"concurrency", "cpu_cores", "memory_mb", "startup", "cost_per_hour"})) {
                   read_int(*inst, ip, "concurrency", sv.concurrency, 1, ScenarioLimits::kMaxConcurrency);
                   read_number(*inst, ip, "cpu_cores", sv.cpu_cores, 0.001, 1024);
                   read_number(*inst, ip, "memory_mb", sv.memory_mb, 1, 16777216);
                   read_duration(*inst, ip, "startup", sv.startup, 0, kMicrosPerDay);
                   read_number(*inst, ip, "cost_per_hour", sv.cost_per_hour, 0, 1e6);
                 }
               }
               if (const Value* n = member(v, p, "instances", false, "an object")) {
                 const std::string np = join(p, "instances");
                 if (object(*n, np, {"initial", "min", "max"})) {
                   const int lim = ScenarioLimits::kMaxInstancesPerService;
                   int initial = -1, min = -1, max = -1;
                   read_int(*n, np, "initial", initial, 0, lim);
                   read_int(*n, np, "min", min, 0, lim);
                   read_int(*n, np, "max", max, 1, lim);
                   // Unstated bounds follow the stated ones: {"initial": 3} is a fixed fleet of 3.
                   sv.instances_initial = initial >= 0 ? initial : std::max(min, 1);
                   // An unstated min never exceeds a stated max, so that {"initial": 5, "max": 3}
                   // is reported as an initial out of bounds, not as a min the file never wrote.
                   sv.instances_min =
                       min >= 0 ? min : std::min(sv.instances_initial, max >= 0 ? max : sv.instances_initial);
                   sv.instances_max = max >= 0 ? max : std::max(sv.instances_initial, sv.instances_min);
                   if (sv.instances_min > sv.instances_max)
                     error(n, np, "expected min <= max, found min " + std::to_string(sv.instances_min) + " and max " +
                                      std::to_string(sv.instances_max));
                   else if (sv.instances_initial < sv.instances_min || sv.instances_initial > sv.instances_max)
                     error(n, join(np, "initial"), "expected initial between min (" + std::to_string(sv.instances_min) +
                                                       ") and max (" + std::to_string(sv.instances_max) + "), found " +
                                                       std::to_string(sv.instances_initial));
                 }
               }
               if (const Value* q = member(v, p, "queue", false, "an object")) {
                 const std::string qp = join(p, "queue");
                 if (object(*q, qp, {"capacity", "timeout"})) {
                   read_int(*q, qp, "capacity", sv.queue_capacity, 0, ScenarioLimits::kMaxQueueCapacity);
                   read_duration(*q, qp, "timeout", sv.queue_timeout, kMicrosPerMilli, kMicrosPerDay);
                 }
               }
               s_.services.push_back(sv);
               service_ids_.push_back(sv.id);
             });
  check_unique(root.find("services"), "$.services", "service");
}

void Loader::agents(const Value& root) {
  read_array(root, "$", "agents", true, 1, ScenarioLimits::kMaxAgents, "kMaxAgents", [&](const Value& v, const std::string& p) {
    AgentSpec a;
    if (!object(v, p, {"id", "service", "work", "complexity", "model_size", "error_percent"})) return;
    read_id(v, p, "id", a.id);
    if (read_string(v, p, "service", a.service, true))
      a.service_index = resolve(v, p, "service", a.service, service_ids_, "service");
    if (const Value* w = member(v, p, "work", true, "an object such as {\"dist\": \"exponential\", \"mean\": \"1s\"}")) {
      const std::string wp = join(p, "work");
      enum class D { constant, exponential, lognormal, gamma } dist = D::constant;
      const SimDuration lo = 1, hi = kMicrosPerDay;
      if (w->type != Type::object) {
        expected(*w, wp, "an object such as {\"dist\": \"exponential\", \"mean\": \"1s\"}");
      } else if (read_enum(*w, wp, "dist", dist, {"constant", "exponential", "lognormal", "gamma"}, true)) {
        SimDuration x = 0, y = 0;
        double cv = 0;
        switch (dist) {
          case D::constant:
            if (object(*w, wp, {"dist", "value"}) && read_duration(*w, wp, "value", x, lo, hi, true))
              a.work = Distribution::constant(to_seconds(x));
            break;
          case D::exponential:
            if (object(*w, wp, {"dist", "mean"}) && read_duration(*w, wp, "mean", x, lo, hi, true))
              a.work = Distribution::exponential(to_seconds(x));
            break;
          case D::lognormal:
            if (object(*w, wp, {"dist", "median", "p99"}) && read_duration(*w, wp, "median", x, lo, hi, true) &&
                read_duration(*w, wp, "p99", y, lo, hi, true)) {
              if (y <= x)
                error(w->find("p99"), join(wp, "p99"), "expected a p99 above the median (" + format_duration(x) +
                                                           "), found " + json::quote(w->find("p99")->text));
              else
                a.work = Distribution::lognormal_median_p99(to_seconds(x), to_seconds(y));
            }
            break;
          case D::gamma:
            if (object(*w, wp, {"dist", "mean", "cv"}) && read_duration(*w, wp, "mean", x, lo, hi, true) &&
                read_number(*w, wp, "cv", cv, 0.01, 10, true))
              a.work = Distribution::gamma_mean_cv(to_seconds(x), cv);
            break;
        }
      }
    }
    read_enum(v, p, "complexity", a.complexity, {"low", "medium", "high"});
    read_enum(v, p, "model_size", a.model_size, {"standard", "large"});
    read_percent(v, p, "error_percent", a.error_percent);
    // The seeds' estimate: 256 MiB and 0.5 cores, x2 memory and x1.5 cores for high
    // complexity, x1.5 memory and x1.2 cores for a large model.
    a.memory_estimate_mb = 256 * (a.complexity == Complexity::high ? 2.0 : 1.0) * (a.model_size == ModelSize::large ? 1.5 : 1.0);
    a.cpu_estimate_cores = 0.5 * (a.complexity == Complexity::high ? 1.5 : 1.0) * (a.model_size == ModelSize::large ? 1.2 : 1.0);
    s_.agents.push_back(a);
    agent_ids_.push_back(a.id);
  });
  check_unique(root.find("agents"), "$.agents", "agent");
}

void Loader::pattern(const Value& v, const std::string& p, PatternSpec& pat) {
  if (v.type != Type::object) {
    expected(v, p, "an object such as {\"type\": \"diurnal\", \"peak_hour\": 14}");
    return;
  }
  using T = PatternSpec::Type;
  if (!read_enum(v, p, "type", pat.type, {"constant", "diurnal", "weekly", "ramp", "spike", "trace"}, true)) return;
  switch (pat.type) {
    case T::constant:
      if (object(v, p, {"type", "factor"})) read_number(v, p, "factor", pat.factor, 0, 1e6);
      break;
    case T::diurnal:
      if (object(v, p, {"type", "peak_hour", "trough_factor"})) {
        read_number(v, p, "peak_hour", pat.peak_hour, 0, 24);
        read_number(v, p, "trough_factor", pat.trough_factor, 0, 1);
      }
      break;
    case T::weekly:
      if (object(v, p, {"type", "factors"})) {
        const Value* f = member(v, p, "factors", true, "an array of 7 factors, Monday first");
        if (!f) break;
        if (f->type != Type::array || f->items.size() != 7) {
          expected(*f, join(p, "factors"), "an array of 7 factors, Monday first");
          break;
        }
        for (std::size_t i = 0; i < 7; ++i) {
          const Value& x = f->items[i];
          if (x.type != Type::number || x.number < 0 || x.number > 1e6)
            expected(x, index(join(p, "factors"), i), "a number " + range_text(0, 1e6));
          else
            pat.weekly_factors[i] = x.number;
        }
      }
      break;
    case T::ramp:
      if (object(v, p, {"type", "at", "duration", "from", "to"})) {
        read_time(v, p, "at", pat.at, true);
        read_duration(v, p, "duration", pat.duration, 1, ScenarioLimits::kMaxDuration, true);
        read_number(v, p, "from", pat.from, 0, 1e6, true);
        read_number(v, p, "to", pat.to, 0, 1e6, true);
      }
      break;
    case T::spike:
      if (object(v, p, {"type", "at", "duration", "multiplier"})) {
        read_time(v, p, "at", pat.at, true);
        read_duration(v, p, "duration", pat.duration, 1, ScenarioLimits::kMaxDuration, true);
        read_number(v, p, "multiplier", pat.multiplier, 0, 1e6, true);
      }
      break;
    case T::trace:
      if (object(v, p, {"type", "points"})) {
        const Value* pts = member(v, p, "points", true, "an array of [at, rate] pairs");
        if (!pts) break;
        const std::string pp = join(p, "points");
        if (pts->type != Type::array || pts->items.empty()) {
          expected(*pts, pp, "a non-empty array of [at, rate] pairs");
          break;
        }
        if (pts->items.size() > static_cast<std::size_t>(ScenarioLimits::kMaxTracePoints)) {
          error(pts, pp, "too many points: " + std::to_string(pts->items.size()) + " exceeds the limit kMaxTracePoints = " +
                             std::to_string(ScenarioLimits::kMaxTracePoints));
          break;
        }
        SimTime previous = -1;
        for (std::size_t i = 0; i < pts->items.size(); ++i) {
          const Value& pt = pts->items[i];
          const std::string ptp = index(pp, i);
          SimDuration at = 0;
          std::int64_t unix_s = 0;
          bool ok = pt.type == Type::array && pt.items.size() == 2 && pt.items[0].type == Type::string &&
                    pt.items[1].type == Type::number && pt.items[1].number >= 0 && pt.items[1].number <= 1e7;
          if (ok) {
            if (parse_duration(pt.items[0].text, at)) {
            } else if (parse_iso8601_utc(pt.items[0].text, unix_s) && unix_s >= s_.calendar.start_unix_s()) {
              at = (unix_s - s_.calendar.start_unix_s()) * kMicrosPerSecond;
            } else {
              ok = false;
            }
          }
          if (!ok) {
            expected(pt, ptp, "a pair [at, rate] such as [\"1h\", 12.5] (rate from 0 to 10000000)");
            continue;
          }
          if (at <= previous) {
            expected(pt.items[0], index(ptp, 0), "a time after the previous point's");
            continue;
          }
          previous = at;
          pat.points.emplace_back(at, pt.items[1].number);
        }
      }
      break;
  }
}

void Loader::tenants(const Value& root) {
  read_array(root, "$", "tenants", true, 1, ScenarioLimits::kMaxTenants, "kMaxTenants", [&](const Value& v, const std::string& p) {
    TenantSpec t;
    if (!object(v, p, {"id", "name", "isolation", "quota", "users", "compliance", "security_policies", "billing", "load"}))
      return;
    read_id(v, p, "id", t.id);
    t.name = t.id;
    read_string(v, p, "name", t.name, false);
    read_enum(v, p, "isolation", t.isolation, {"shared", "namespace", "dedicated", "physical"});
    if (const Value* q = member(v, p, "quota", false, "an object")) {
      const std::string qp = join(p, "quota");
      if (object(*q, qp, {"max_concurrent_agents", "max_memory_mb", "max_cpu_cores", "max_storage_gb",
                          "max_requests_per_minute", "max_execution_time"})) {
        QuotaSpec& qs = t.quota;
        qs.given = true;
        read_int(*q, qp, "max_concurrent_agents", qs.max_concurrent_agents, 1, 1e6);
        read_number(*q, qp, "max_memory_mb", qs.max_memory_mb, 1, 1e9);
        read_number(*q, qp, "max_cpu_cores", qs.max_cpu_cores, 0.001, 1e6);
        read_number(*q, qp, "max_storage_gb", qs.max_storage_gb, 0, 1e9);
        read_number(*q, qp, "max_requests_per_minute", qs.max_requests_per_minute, 1, 1e9);
        read_duration(*q, qp, "max_execution_time", qs.max_execution_time, kMicrosPerMilli, kMicrosPerDay);
        if (q->find("max_storage_gb"))
          not_simulated_yet(q->find("max_storage_gb"), join(qp, "max_storage_gb"),
                            "max_storage_gb (agents have no storage footprint in this version, so it never binds)");
      }
    }
    read_array(v, p, "users", false, 0, ScenarioLimits::kMaxUsersPerTenant, "kMaxUsersPerTenant",
               [&](const Value& u, const std::string& up) {
                 UserSpec us;
                 if (!object(u, up, {"id", "roles", "weight"})) return;
                 read_id(u, up, "id", us.id);
                 read_string_list(u, up, "roles", us.roles);
                 read_number(u, up, "weight", us.weight, 0, 1e6);
                 t.users.push_back(us);
               });
    check_unique(v.find("users"), join(p, "users"), "user");
    read_string_list(v, p, "compliance", t.compliance);
    if (const Value* sp = member(v, p, "security_policies", false, "an object")) {
      if (sp->type != Type::object) expected(*sp, join(p, "security_policies"), "an object");
      else t.security_policies = *sp;
    }
    if (const Value* b = member(v, p, "billing", false, "an object")) {
      const std::string bp = join(p, "billing");
      if (object(*b, bp, {"plan", "price_per_request_usd", "price_per_cpu_hour_usd"})) {
        read_string(*b, bp, "plan", t.billing.plan, false);
        read_number(*b, bp, "price_per_request_usd", t.billing.price_per_request_usd, 0, 1e6);
        read_number(*b, bp, "price_per_cpu_hour_usd", t.billing.price_per_cpu_hour_usd, 0, 1e6);
      }
    }
    read_array(v, p, "load", false, 0, ScenarioLimits::kMaxLoadsPerTenant, "kMaxLoadsPerTenant",
               [&](const Value& l, const std::string& lp) {
                 LoadSpec ld;
                 if (!object(l, lp, {"agent", "rate", "patterns"})) return;
                 if (read_string(l, lp, "agent", ld.agent, true))
                   ld.agent_index = resolve(l, lp, "agent", ld.agent, agent_ids_, "agent");
                 read_number(l, lp, "rate", ld.rate, 0, 1e7);
                 read_array(l, lp, "patterns", false, 0, ScenarioLimits::kMaxPatternsPerLoad, "kMaxPatternsPerLoad",
                            [&](const Value& pv, const std::string& pp) {
                              PatternSpec pat;
                              pattern(pv, pp, pat);
                              ld.patterns.push_back(pat);
                            });
                 const bool has_trace = std::any_of(ld.patterns.begin(), ld.patterns.end(),
                                                    [](const PatternSpec& x) { return x.type == PatternSpec::Type::trace; });
                 if (!l.find("rate") && !has_trace)
                   error(&l, join(lp, "rate"), "expected a number of at least 0 (requests per second), found nothing "
                                               "(the field is required unless a \"trace\" pattern gives the rate)");
                 t.load.push_back(ld);
               });
    s_.tenants.push_back(t);
    tenant_ids_.push_back(t.id);
  });
  check_unique(root.find("tenants"), "$.tenants", "tenant");
}

// [SECTION] context, monitoring, scaling

void Loader::context(const Value& root) {
  const Value* v = root.find("context");
  if (!v) return;
  const std::string p = "$.context";
  if (!object(*v, p, {"providers", "keys", "scope", "strategy", "template"})) return;
  ContextSpec& c = s_.context;
  c.given = true;
  const std::initializer_list<std::string_view> scope_names = {"global", "division", "department",
                                                               "project", "user", "session"};
  std::set<std::string> known_users;
  for (const TenantSpec& t : s_.tenants)
    for (const UserSpec& u : t.users) known_users.insert(u.id);

  // created_at, created_by, expires and tags: the metadata every entry carries (the seed's
  // ContextMetadata); scope, priority and access are read by the callers that allow them.
  auto read_lifetime = [&](const Value& o, const std::string& op, ContextMetadata& m) {
    read_time(o, op, "created_at", m.created_at);
    read_string(o, op, "created_by", m.created_by, false);
    if (read_time(o, op, "expires", m.expires_at) && m.expires_at <= m.created_at)
      expected(*o.find("expires"), join(op, "expires"),
               "a time after created_at (" + s_.calendar.iso8601(m.created_at) + ")");
    read_string_list(o, op, "tags", m.tags);
  };
  // A map from policy names to policy objects (opaque settings), one layer of a policy provider.
  auto read_policies = [&](const Value& mv, const std::string& mp, ContextEntrySpec proto, ProviderSpec& pr) {
    if (mv.type != Type::object) {
      expected(mv, mp, "an object mapping policy names to policy objects");
      return;
    }
    for (const auto& m : mv.members) {
      if (m.first.rfind("x-", 0) == 0) continue;
      if (m.second.type != Type::object) {
        expected(m.second, join(mp, m.first), "a policy object (its settings)");
        continue;
      }
      ContextEntrySpec e = proto;
      e.name = m.first;
      e.value = m.second;
      pr.entries.push_back(std::move(e));
    }
  };

  read_array(*v, p, "providers", false, 0, 100, "kMaxProviders", [&](const Value& pv, const std::string& pp) {
    ProviderSpec pr;
    if (!object(pv, pp, {"id", "kind", "priority", "cache_ttl", "latency", "timeout", "failure_percent", "data"})) return;
    read_id(pv, pp, "id", pr.id);
    const bool kind_ok = read_enum(pv, pp, "kind", pr.kind, {"policy", "business", "operational", "custom"}, true);
    read_int(pv, pp, "priority", pr.priority, 0, 100);
    read_duration(pv, pp, "cache_ttl", pr.cache_ttl, 0, 30 * kMicrosPerDay);
    read_duration(pv, pp, "latency", pr.latency, 0, kMicrosPerHour);
    read_duration(pv, pp, "timeout", pr.timeout, 0, kMicrosPerHour);
    read_percent(pv, pp, "failure_percent", pr.failure_percent);
    using K = ProviderSpec::Kind;
    if (kind_ok && pr.kind == K::policy) pr.key = "policies";
    if (kind_ok && pr.kind == K::operational) pr.key = "operational_metrics";
    const Value* d = pv.find("data");
    const std::string dp = join(pp, "data");
    if (d && d->type != Type::object) expected(*d, dp, "an object");
    if (d && d->type == Type::object && kind_ok) {
      ContextMetadata defaults;
      switch (pr.kind) {
        case K::policy: {
          if (!object(*d, dp, {"key", "base", "roles", "scopes", "version", "enforcement_level", "compliance_frameworks",
                               "created_at", "created_by", "expires", "tags"}))
            break;
          if (read_string(*d, dp, "key", pr.key, false) && pr.key.empty()) expected(*d->find("key"), join(dp, "key"), "a non-empty string");
          read_string(*d, dp, "version", pr.policy_version, false);
          read_string(*d, dp, "enforcement_level", pr.enforcement_level, false);
          read_string_list(*d, dp, "compliance_frameworks", pr.compliance_frameworks);
          read_lifetime(*d, dp, defaults);
          ContextEntrySpec proto;
          proto.meta = defaults;
          if (const Value* b = d->find("base")) {
            proto.layer = ContextEntrySpec::Layer::base;
            read_policies(*b, join(dp, "base"), proto, pr);
          }
          if (const Value* r = d->find("roles")) {
            const std::string rp = join(dp, "roles");
            if (r->type != Type::object) expected(*r, rp, "an object mapping role names to policy overrides");
            else
              for (const auto& m : r->members) {
                if (m.first.rfind("x-", 0) == 0) continue;
                ContextEntrySpec rproto = proto;
                rproto.layer = ContextEntrySpec::Layer::role;
                rproto.role = m.first;
                rproto.meta.access.roles = {m.first};
                read_policies(m.second, join(rp, m.first), rproto, pr);
              }
          }
          if (const Value* sc = d->find("scopes")) {
            const std::string sp = join(dp, "scopes");
            if (object(*sc, sp, scope_names))
              for (const auto& m : sc->members) {
                if (m.first.rfind("x-", 0) == 0) continue;
                ContextEntrySpec sproto = proto;
                sproto.layer = ContextEntrySpec::Layer::scope;
                sproto.meta.scope = static_cast<ContextScope>(
                    std::find(scope_names.begin(), scope_names.end(), m.first) - scope_names.begin());
                read_policies(m.second, join(sp, m.first), sproto, pr);
              }
          }
          break;
        }
        case K::business:
        case K::custom:
          if (d->type != Type::object) {
            expected(*d, dp, "an object");
            break;
          }
          // The short form of SCENARIO_FORMAT.md, {"market_conditions": {...}}: each member
          // is an entry of that key with default metadata; "entries" gives full metadata.
          for (const auto& m : d->members) {
            if (m.first == "entries" || m.first.rfind("x-", 0) == 0) continue;
            ContextEntrySpec e;
            e.key = m.first;
            e.value = m.second;
            pr.entries.push_back(std::move(e));
          }
          read_array(*d, dp, "entries", false, 0, 10000, "kMaxContextEntries", [&](const Value& ev, const std::string& ep) {
            ContextEntrySpec e;
            if (!object(ev, ep, {"key", "value", "scope", "priority", "created_at", "created_by", "expires", "tags", "access"}))
              return;
            if (read_string(ev, ep, "key", e.key, true) && e.key.empty())
              expected(*ev.find("key"), join(ep, "key"), "a non-empty string");
            if (const Value* val = member(ev, ep, "value", true, "a JSON value (the context data)")) e.value = *val;
            read_enum(ev, ep, "scope", e.meta.scope, scope_names);
            read_int(ev, ep, "priority", e.meta.priority, 1, 10);
            read_lifetime(ev, ep, e.meta);
            if (const Value* a = member(ev, ep, "access", false, "an object")) {
              const std::string ap = join(ep, "access");
              if (object(*a, ap, {"roles", "users"})) {
                read_string_list(*a, ap, "roles", e.meta.access.roles);
                read_string_list(*a, ap, "users", e.meta.access.users);
                for (std::size_t i = 0; i < e.meta.access.users.size(); ++i)
                  if (!known_users.count(e.meta.access.users[i]))
                    warn(&a->find("users")->items[i], index(join(ap, "users"), i),
                         "user \"" + e.meta.access.users[i] + "\" is not a user of any tenant; the entry is denied to everyone else");
              }
            }
            pr.entries.push_back(std::move(e));
          });
          break;
        case K::operational: {
          if (!object(*d, dp, {"key", "metrics"})) break;
          if (read_string(*d, dp, "key", pr.key, false) && pr.key.empty()) expected(*d->find("key"), join(dp, "key"), "a non-empty string");
          std::vector<std::string> names;
          const std::initializer_list<std::string_view> metric_names = {
              "cpu_utilization", "memory_utilization", "latency_p95_ms", "error_rate_percent", "request_rate", "instances",
              "cost_usd"};
          if (read_string_list(*d, dp, "metrics", names, metric_names)) {
            pr.metrics.clear();
            for (const std::string& n : names)
              pr.metrics.push_back(static_cast<OperationalMetric>(
                  std::find(metric_names.begin(), metric_names.end(), n) - metric_names.begin()));
          }
          break;
        }
      }
      if (pr.kind == K::policy)
        for (ContextEntrySpec& e : pr.entries) e.key = pr.key;
    }
    if (kind_ok && pr.kind == K::operational && !(d && d->find("metrics")))
      for (int i = 0; i < kOperationalMetricCount; ++i) pr.metrics.push_back(static_cast<OperationalMetric>(i));
    for (ContextEntrySpec& e : pr.entries)
      if (e.meta.created_by.empty()) e.meta.created_by = pr.id;
    c.providers.push_back(std::move(pr));
    provider_ids_.push_back(c.providers.back().id);
  });
  check_unique(v->find("providers"), join(p, "providers"), "provider");
  read_string_list(*v, p, "keys", c.keys);
  read_enum(*v, p, "scope", c.scope, scope_names);
  read_enum(*v, p, "strategy", c.strategy, {"append", "inject", "template"});
  read_string(*v, p, "template", c.template_text, false);
  if (c.strategy == ContextSpec::Strategy::template_ && c.template_text.empty())
    error(v, join(p, "template"), "expected a template text containing \"{context}\", found nothing (strategy is \"template\")");
}

void Loader::matchers(const Value& v, const std::string& p, Matchers& m) {
  if (!object(v, p, {"rule", "severity", "tenant", "service"})) return;
  read_string(v, p, "rule", m.rule, false);
  read_string(v, p, "severity", m.severity, false);
  read_string(v, p, "tenant", m.tenant, false);
  read_string(v, p, "service", m.service, false);
}

void Loader::monitoring(const Value& root) {
  MonitoringSpec& m = s_.monitoring;
  // The seed's default alert thresholds, used when the scenario lists no rules.
  m.rules = {
      {"high-error-rate", "error_rate_percent", CompareOp::gt, 5, 2 * kMicrosPerMinute, 5, "page", "", ""},
      {"slow-responses", "latency_avg_ms", CompareOp::gt, 1000, 5 * kMicrosPerMinute, 5, "ticket", "", ""},
      {"high-utilization", "cpu_utilization", CompareOp::gt, 80, 5 * kMicrosPerMinute, 5, "ticket", "", ""},
  };
  // The seed's fourth threshold, tenant quota utilisation over 90 %, is one rule per tenant.
  for (const std::string& t : tenant_ids_)
    m.rules.push_back({"quota-" + t, "quota_utilization_percent", CompareOp::gt, 90, 5 * kMicrosPerMinute, 5, "ticket", t, ""});
  const Value* v = root.find("monitoring");
  if (!v) return;
  const std::string p = "$.monitoring";
  if (!object(*v, p, {"scrape_interval", "retention", "rules", "channels", "routing"})) return;
  read_duration(*v, p, "scrape_interval", m.scrape_interval, ScenarioLimits::kMinScrapeInterval, kMicrosPerDay);
  read_duration(*v, p, "retention", m.retention, kMicrosPerMinute, 30 * kMicrosPerDay);
  if (v->find("rules")) {
    m.rules.clear();
    m.rules_given = true;
  }
  read_array(*v, p, "rules", false, 0, 1000, "kMaxRules", [&](const Value& rv, const std::string& rp) {
    RuleSpec r;
    if (!object(rv, rp, {"id", "metric", "op", "value", "for", "min_samples", "severity", "tenant", "service"})) return;
    read_id(rv, rp, "id", r.id);
    read_string(rv, rp, "metric", r.metric, true);
    read_enum(rv, rp, "op", r.op, {"<", "<=", ">", ">=", "==", "!="});
    read_number(rv, rp, "value", r.value, -1e300, 1e300, true);
    read_duration(rv, rp, "for", r.for_, 0, 7 * kMicrosPerDay);
    read_int(rv, rp, "min_samples", r.min_samples, 1, 1e6);
    read_string(rv, rp, "severity", r.severity, false);
    if (read_string(rv, rp, "tenant", r.tenant, false)) resolve(rv, rp, "tenant", r.tenant, tenant_ids_, "tenant");
    if (read_string(rv, rp, "service", r.service, false)) resolve(rv, rp, "service", r.service, service_ids_, "service");
    if (!r.metric.empty()) check_metric(rv, rp, "metric", r.metric);
    m.rules.push_back(r);
  });
  check_unique(v->find("rules"), join(p, "rules"), "rule");
  read_array(*v, p, "channels", false, 0, 100, "kMaxChannels", [&](const Value& cv, const std::string& cp) {
    ChannelSpec c;
    if (!object(cv, cp, {"id", "severities", "delay"})) return;
    read_id(cv, cp, "id", c.id);
    read_string_list(cv, cp, "severities", c.severities);
    read_duration(cv, cp, "delay", c.delay, 0, kMicrosPerDay);
    m.channels.push_back(c);
    m.alerting_given = true;
  });
  if (const Value* rt = member(*v, p, "routing", false, "an object")) {
    const std::string rp = join(p, "routing");
    if (object(*rt, rp, {"group_wait", "group_interval", "repeat_interval", "silences", "inhibit"})) {
      m.alerting_given = true;
      read_duration(*rt, rp, "group_wait", m.group_wait, 0, kMicrosPerDay);
      read_duration(*rt, rp, "group_interval", m.group_interval, 0, kMicrosPerDay);
      read_duration(*rt, rp, "repeat_interval", m.repeat_interval, kMicrosPerMinute, 30 * kMicrosPerDay);
      read_array(*rt, rp, "silences", false, 0, 1000, "kMaxSilences", [&](const Value& sv, const std::string& sp) {
        SilenceSpec si;
        if (!object(sv, sp, {"match", "starts", "ends", "comment"})) return;
        if (const Value* mv = member(sv, sp, "match", true, "an object of matchers")) matchers(*mv, join(sp, "match"), si.match);
        read_time(sv, sp, "starts", si.starts, true);
        read_time(sv, sp, "ends", si.ends, true);
        read_string(sv, sp, "comment", si.comment, false);
        if (si.ends <= si.starts && sv.find("ends"))
          expected(*sv.find("ends"), join(sp, "ends"), "a time after \"starts\"");
        m.silences.push_back(si);
      });
      read_array(*rt, rp, "inhibit", false, 0, 1000, "kMaxInhibitRules", [&](const Value& iv, const std::string& ip) {
        InhibitSpec in;
        if (!object(iv, ip, {"source", "target", "equal"})) return;
        if (const Value* sv = member(iv, ip, "source", true, "an object of matchers")) matchers(*sv, join(ip, "source"), in.source);
        if (const Value* tv = member(iv, ip, "target", true, "an object of matchers")) matchers(*tv, join(ip, "target"), in.target);
        read_string_list(iv, ip, "equal", in.equal, {"rule", "severity", "tenant", "service"});
        m.inhibit.push_back(in);
      });
    }
  }
}

void Loader::behavior_rules(const Value& v, const std::string& p, BehaviorRulesSpec& b) {
  if (!object(v, p, {"stabilization_window", "select_policy", "tolerance", "policies"})) return;
  read_duration(v, p, "stabilization_window", b.stabilization_window, 0, kMicrosPerHour);
  double tolerance = 0;
  if (read_number(v, p, "tolerance", tolerance, 0, 1)) b.tolerance = tolerance;
  read_enum(v, p, "select_policy", b.select, {"max", "min", "disabled"});
  if (v.find("policies")) b.policies.clear();
  read_array(v, p, "policies", false, 0, 10, "kMaxBehaviorPolicies", [&](const Value& pv, const std::string& pp) {
    BehaviorPolicySpec bp;
    if (!object(pv, pp, {"type", "value", "period"})) return;
    read_enum(pv, pp, "type", bp.type, {"percent", "instances"}, true);
    read_number(pv, pp, "value", bp.value, 1, 1e6, true);
    read_duration(pv, pp, "period", bp.period, kMicrosPerSecond, kMicrosPerHour, true);
    b.policies.push_back(bp);
  });
}

void Loader::vertical_sizes(const Value& pv, const std::string& pp, ScalingPolicySpec& sp) {
  read_enum(pv, pp, "direction", sp.direction, {"horizontal", "vertical"});
  const bool vertical = sp.direction == ScalingPolicySpec::Direction::vertical;
  const Value* fv = pv.find("size_factors");
  if (fv && !vertical) {
    expected(*fv, join(pp, "size_factors"), "no size_factors unless \"direction\" is \"vertical\"");
    return;
  }
  if (!vertical) return;
  read_array(pv, pp, "size_factors", true, 2, 16, "kMaxSizeFactors", [&](const Value& f, const std::string& fp) {
    if (f.type != Type::number || !(f.number > 0) || f.number > 64) {
      expected(f, fp, "a number above 0 and at most 64");
      return;
    }
    if (!sp.size_factors.empty() && !(f.number > sp.size_factors.back())) {
      expected(f, fp, "a factor above the previous one (" + num_text(sp.size_factors.back()) + "): factors ascend");
      return;
    }
    sp.size_factors.push_back(f.number);
  });
  if (sp.size_factors.size() >= 2 &&
      std::find(sp.size_factors.begin(), sp.size_factors.end(), 1.0) == sp.size_factors.end())
    expected(*fv, join(pp, "size_factors"), "factors that include 1 (the service's instance as written, where it starts)");
}

void Loader::scaling_one(const Value& v, const std::string& p, ScalingSpec& sc) {
  if (!object(v, p, {"service", "evaluation_interval", "max_events_per_hour", "cost_optimization", "policies",
                     "predictive"}))
    return;
  if (read_string(v, p, "service", sc.service, true))
    sc.service_index = resolve(v, p, "service", sc.service, service_ids_, "service");
  read_duration(v, p, "evaluation_interval", sc.evaluation_interval, kMicrosPerSecond, kMicrosPerHour);
  read_int(v, p, "max_events_per_hour", sc.max_events_per_hour, 1, 3600);
  read_bool(v, p, "cost_optimization", sc.cost_optimization);
  read_array(v, p, "policies", false, 0, 50, "kMaxScalingPolicies", [&](const Value& pv, const std::string& pp) {
    ScalingPolicySpec sp;
    // Kubernetes HPA defaults: scale up by max(100 %, 4 pods) per 15 s with no
    // stabilisation; scale down by 100 % per 15 s after a 300 s stabilisation window.
    sp.scale_up.policies = {{BehaviorPolicySpec::Type::percent, 100, 15 * kMicrosPerSecond},
                            {BehaviorPolicySpec::Type::instances, 4, 15 * kMicrosPerSecond}};
    sp.scale_down.stabilization_window = 300 * kMicrosPerSecond;
    sp.scale_down.policies = {{BehaviorPolicySpec::Type::percent, 100, 15 * kMicrosPerSecond}};
    if (pv.type != Type::object) {
      expected(pv, pp, "an object");
      return;
    }
    if (!read_enum(pv, pp, "kind", sp.kind, {"threshold", "target_tracking"}, true)) return;
    if (sp.kind == ScalingPolicySpec::Kind::threshold) {
      if (!read_enum(pv, pp, "trigger", sp.trigger,
                     {"cpu_utilization", "memory_utilization", "request_rate", "queue_depth", "custom", "schedule"}, true))
        return;
      // Each trigger takes its own fields: a schedule has steps, not thresholds; only a
      // custom trigger names its metric.
      bool fields_ok;
      if (sp.trigger == ScalingTrigger::schedule)
        fields_ok = object(pv, pp, {"id", "kind", "trigger", "schedule", "cooldown", "evaluation_periods", "scale_increment",
                                    "direction"});
      else if (sp.trigger == ScalingTrigger::custom)
        fields_ok = object(pv, pp, {"id", "kind", "trigger", "metric", "threshold_up", "threshold_down", "cooldown",
                                    "evaluation_periods", "scale_increment", "direction", "size_factors"});
      else
        fields_ok = object(pv, pp, {"id", "kind", "trigger", "threshold_up", "threshold_down", "cooldown",
                                    "evaluation_periods", "scale_increment", "direction", "size_factors"});
      if (!fields_ok) return;
      vertical_sizes(pv, pp, sp);
      if (sp.trigger == ScalingTrigger::schedule && sp.direction == ScalingPolicySpec::Direction::vertical)
        expected(*pv.find("direction"), join(pp, "direction"), "\"horizontal\" (a schedule sets instance counts)");
      read_id(pv, pp, "id", sp.id);
      if (sp.trigger == ScalingTrigger::custom) {
        if (read_string(pv, pp, "metric", sp.metric, true)) check_metric(pv, pp, "metric", sp.metric);
      }
      if (sp.trigger == ScalingTrigger::schedule) {
        read_array(pv, pp, "schedule", true, 1, 1000, "kMaxScheduleSteps", [&](const Value& sv, const std::string& spp) {
          ScheduleStep st;
          if (!object(sv, spp, {"at", "instances"})) return;
          read_time(sv, spp, "at", st.at, true);
          read_int(sv, spp, "instances", st.instances, 0, ScenarioLimits::kMaxInstancesPerService, true);
          sp.schedule.push_back(st);
        });
      } else {
        read_number(pv, pp, "threshold_up", sp.threshold_up, 0, 1e12, true);
        read_number(pv, pp, "threshold_down", sp.threshold_down, 0, 1e12, true);
        if (sp.threshold_down >= sp.threshold_up && pv.find("threshold_down"))
          expected(*pv.find("threshold_down"), join(pp, "threshold_down"),
                   "a number below threshold_up (" + num_text(sp.threshold_up) + ")");
      }
      read_duration(pv, pp, "cooldown", sp.cooldown, 0, kMicrosPerDay);
      read_int(pv, pp, "evaluation_periods", sp.evaluation_periods, 1, 1000);
      read_int(pv, pp, "scale_increment", sp.scale_increment, 1, ScenarioLimits::kMaxInstancesPerService);
    } else {
      if (!object(pv, pp, {"id", "kind", "metric", "target", "tolerance", "behavior"})) return;
      read_id(pv, pp, "id", sp.id);
      if (read_string(pv, pp, "metric", sp.metric, true)) check_metric(pv, pp, "metric", sp.metric);
      read_number(pv, pp, "target", sp.target, 1e-9, 1e12, true);
      read_number(pv, pp, "tolerance", sp.tolerance, 0, 1);
      if (const Value* bv = member(pv, pp, "behavior", false, "an object")) {
        const std::string bp = join(pp, "behavior");
        if (object(*bv, bp, {"scale_up", "scale_down"})) {
          if (const Value* u = bv->find("scale_up")) behavior_rules(*u, join(bp, "scale_up"), sp.scale_up);
          if (const Value* d = bv->find("scale_down")) behavior_rules(*d, join(bp, "scale_down"), sp.scale_down);
        }
      }
    }
    sc.policies.push_back(sp);
  });
  check_unique(v.find("policies"), join(p, "policies"), "policy");
  if (const Value* pr = member(v, p, "predictive", false, "an object")) {
    const std::string pp = join(p, "predictive");
    PredictiveSpec& ps = sc.predictive;
    if (object(*pr, pp, {"enabled", "metric", "horizon", "lead", "threshold", "min_confidence", "min_history_points",
                         "method"})) {
      ps.enabled = true;
      read_bool(*pr, pp, "enabled", ps.enabled);
      if (read_string(*pr, pp, "metric", ps.metric, false)) check_metric(*pr, pp, "metric", ps.metric);
      read_duration(*pr, pp, "horizon", ps.horizon, kMicrosPerMinute, 7 * kMicrosPerDay);
      read_duration(*pr, pp, "lead", ps.lead, 0, kMicrosPerDay);
      read_number(*pr, pp, "threshold", ps.threshold, 0, 1e12);
      read_number(*pr, pp, "min_confidence", ps.min_confidence, 0, 1);
      read_int(*pr, pp, "min_history_points", ps.min_history_points, 2, 1e6);
      read_enum(*pr, pp, "method", ps.method, {"seed_ensemble", "seasonal_naive"});
    }
  }
}

void Loader::scaling(const Value& root) {
  const Value* v = root.find("scaling");
  if (!v) return;
  if (v->type == Type::array) {
    for (std::size_t i = 0; i < v->items.size(); ++i) {
      ScalingSpec sc;
      scaling_one(v->items[i], index("$.scaling", i), sc);
      s_.scaling.push_back(sc);
    }
  } else if (v->type == Type::object) {
    ScalingSpec sc;
    scaling_one(*v, "$.scaling", sc);
    s_.scaling.push_back(sc);
  } else {
    expected(*v, "$.scaling", "an object, or an array of objects (one per service)");
    return;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < s_.scaling.size(); ++i)
    if (!s_.scaling[i].service.empty() && !seen.insert(s_.scaling[i].service).second)
      error(v, "$.scaling", "service \"" + s_.scaling[i].service + "\" has two scaling sections");
}

// [SECTION] slos, alerting, incidents, faults, deployments, chaos, objectives

void Loader::slos(const Value& root) {
  read_array(root, "$", "slos", false, 0, 200, "kMaxSlos", [&](const Value& v, const std::string& p) {
    SloSpec s;
    if (!object(v, p, {"id", "service", "indicator", "threshold", "target_percent", "window"})) return;
    read_id(v, p, "id", s.id);
    if (read_string(v, p, "service", s.service, false))
      s.service_index = resolve(v, p, "service", s.service, service_ids_, "service");
    read_enum(v, p, "indicator", s.indicator, {"availability", "latency"}, true);
    if (s.indicator == SloSpec::Indicator::latency)
      read_duration(v, p, "threshold", s.threshold, kMicrosPerMilli, kMicrosPerHour, true);
    else if (v.find("threshold"))
      error(v.find("threshold"), join(p, "threshold"), "expected no threshold for an availability SLO, found " +
                                                          json::describe(*v.find("threshold")));
    read_number(v, p, "target_percent", s.target_percent, 50, 99.9999, true);
    read_duration(v, p, "window", s.window, kMicrosPerHour, 90 * kMicrosPerDay);
    s_.slos.push_back(s);
  });
  check_unique(root.find("slos"), "$.slos", "SLO");
}

void Loader::alerting(const Value& root) {
  AlertingSpec& a = s_.alerting;
  // The SRE workbook's multi-window, multi-burn-rate defaults.
  a.burn_rate = {{kMicrosPerHour, 5 * kMicrosPerMinute, 14.4, "page"},
                 {6 * kMicrosPerHour, 30 * kMicrosPerMinute, 6, "page"},
                 {3 * kMicrosPerDay, 6 * kMicrosPerHour, 1, "ticket"}};
  const Value* v = root.find("alerting");
  if (!v) return;
  if (!object(*v, "$.alerting", {"burn_rate"})) return;
  a.given = true;
  if (v->find("burn_rate")) a.burn_rate.clear();
  read_array(*v, "$.alerting", "burn_rate", false, 0, 20, "kMaxBurnRateAlerts", [&](const Value& bv, const std::string& bp) {
    BurnRateAlertSpec b;
    if (!object(bv, bp, {"long", "short", "factor", "severity"})) return;
    read_duration(bv, bp, "long", b.long_window, kMicrosPerMinute, 90 * kMicrosPerDay, true);
    read_duration(bv, bp, "short", b.short_window, kMicrosPerMinute, 90 * kMicrosPerDay, true);
    read_number(bv, bp, "factor", b.factor, 0.01, 1e6, true);
    read_string(bv, bp, "severity", b.severity, false);
    if (b.short_window >= b.long_window && bv.find("short"))
      expected(*bv.find("short"), join(bp, "short"), "a window shorter than \"long\" (" + format_duration(b.long_window) + ")");
    a.burn_rate.push_back(b);
  });
}

void Loader::incidents(const Value& root) {
  const Value* v = root.find("incidents");
  if (!v) return;
  const std::string p = "$.incidents";
  if (!object(*v, p, {"open_on", "resolve_after", "postmortem_for"})) return;
  IncidentsSpec& in = s_.incidents;
  in.given = true;
  read_string_list(*v, p, "open_on", in.open_on);
  read_duration(*v, p, "resolve_after", in.resolve_after, 0, kMicrosPerDay);
  read_string_list(*v, p, "postmortem_for", in.postmortem_for, {"sev1", "sev2", "sev3", "sev4"});
}

bool Loader::fault_body(const Value& v, const std::string& p, FaultSpec& f, bool needs_time) {
  if (v.type != Type::object) {
    expected(v, p, "an object");
    return false;
  }
  if (!read_enum(v, p, "type", f.type,
                 {"instance_crash", "latency", "errors", "provider_outage", "traffic_spike", "capacity_loss", "data_loss",
                  "security"},
                 true))
    return false;
  std::vector<std::string_view> allowed = {"type"};
  if (needs_time) allowed.insert(allowed.end(), {"at", "duration"});
  switch (f.type) {
    case FaultType::instance_crash: allowed.insert(allowed.end(), {"service", "count", "fraction"}); break;
    case FaultType::latency: allowed.insert(allowed.end(), {"service", "agent", "add"}); break;
    case FaultType::errors: allowed.insert(allowed.end(), {"service", "agent", "error_percent"}); break;
    case FaultType::provider_outage: allowed.insert(allowed.end(), {"provider"}); break;
    case FaultType::traffic_spike: allowed.insert(allowed.end(), {"tenant", "multiplier"}); break;
    case FaultType::capacity_loss: allowed.insert(allowed.end(), {"service", "concurrency_percent"}); break;
    case FaultType::data_loss:
    case FaultType::security: allowed.insert(allowed.end(), {"service", "tenant"}); break;
  }
  // Unknown-field check with the type-specific list.
  for (const auto& m : v.members) {
    if (m.first.rfind("x-", 0) == 0 || std::find(allowed.begin(), allowed.end(), m.first) != allowed.end()) continue;
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    error(&m.second, join(p, m.first), "unknown field \"" + m.first + "\" for a fault of type \"" + v.find("type")->text +
                                           "\" (expected one of: " + list + ")");
  }
  if (needs_time) {
    read_time(v, p, "at", f.at, true);
    read_duration(v, p, "duration", f.duration, kMicrosPerSecond, ScenarioLimits::kMaxDuration);
  }
  const bool needs_service = f.type == FaultType::instance_crash || f.type == FaultType::capacity_loss;
  if (read_string(v, p, "service", f.service, needs_service))
    f.service_index = resolve(v, p, "service", f.service, service_ids_, "service");
  if (read_string(v, p, "agent", f.agent, false)) f.agent_index = resolve(v, p, "agent", f.agent, agent_ids_, "agent");
  if (read_string(v, p, "tenant", f.tenant, f.type == FaultType::traffic_spike))
    f.tenant_index = resolve(v, p, "tenant", f.tenant, tenant_ids_, "tenant");
  if (read_string(v, p, "provider", f.provider, f.type == FaultType::provider_outage))
    f.provider_index = resolve(v, p, "provider", f.provider, provider_ids_, "context provider");
  switch (f.type) {
    case FaultType::instance_crash: {
      const bool has_count = read_int(v, p, "count", f.count, 1, ScenarioLimits::kMaxInstancesPerService);
      const bool has_fraction = read_number(v, p, "fraction", f.fraction, 0.0001, 1);
      if (has_count == has_fraction && !v.find("count") == !v.find("fraction"))
        error(&v, p, v.find("count") ? "expected either \"count\" or \"fraction\", found both"
                                     : "expected \"count\" or \"fraction\", found neither");
      break;
    }
    case FaultType::latency:
      read_duration(v, p, "add", f.add, kMicrosPerMilli, kMicrosPerHour, true);
      break;
    case FaultType::errors: read_percent(v, p, "error_percent", f.error_percent, true); break;
    case FaultType::traffic_spike: read_number(v, p, "multiplier", f.multiplier, 0, 1e4, true); break;
    case FaultType::capacity_loss: read_percent(v, p, "concurrency_percent", f.concurrency_percent, true); break;
    default: break;
  }
  if ((f.type == FaultType::latency || f.type == FaultType::errors) && f.service.empty() && f.agent.empty() &&
      !v.find("service") && !v.find("agent"))
    error(&v, p, "expected \"service\" or \"agent\" to say where the fault acts, found neither");
  return true;
}

void Loader::faults(const Value& root) {
  read_array(root, "$", "faults", false, 0, 10000, "kMaxFaults", [&](const Value& v, const std::string& p) {
    FaultSpec f;
    if (!fault_body(v, p, f, true)) return;
    // data_loss and security only feed incident classification: without an incidents
    // section nothing reads them.
    if ((f.type == FaultType::data_loss || f.type == FaultType::security) && !s_.incidents.given)
      not_simulated_yet(&v, p, "a fault of type \"" + v.find("type")->text + "\" without an incidents section");
    s_.faults.push_back(f);
  });
}

void Loader::deployments(const Value& root) {
  read_array(root, "$", "deployments", false, 0, 1000, "kMaxDeployments", [&](const Value& v, const std::string& p) {
    DeploymentSpec d;
    if (!object(v, p, {"id", "service", "at", "strategy", "version", "canary", "rolling", "auto_rollback"})) return;
    read_id(v, p, "id", d.id);
    if (read_string(v, p, "service", d.service, true))
      d.service_index = resolve(v, p, "service", d.service, service_ids_, "service");
    read_time(v, p, "at", d.at, true);
    read_enum(v, p, "strategy", d.strategy, {"rolling", "canary", "blue_green"}, true);
    if (const Value* ver = member(v, p, "version", false, "an object")) {
      const std::string vp = join(p, "version");
      if (object(*ver, vp, {"error_percent", "latency_factor"})) {
        read_percent(*ver, vp, "error_percent", d.version_error_percent);
        read_number(*ver, vp, "latency_factor", d.version_latency_factor, 0.01, 100);
      }
    }
    if (const Value* c = member(v, p, "canary", false, "an object")) {
      const std::string cp = join(p, "canary");
      if (object(*c, cp, {"steps", "step_duration", "max_error_rate_percent", "max_latency_p95_ms"})) {
        if (const Value* st = c->find("steps")) {
          d.canary_steps.clear();
          bool ok = st->type == Type::array && !st->items.empty();
          double prev = 0;
          for (std::size_t i = 0; ok && i < st->items.size(); ++i) {
            const Value& x = st->items[i];
            ok = x.type == Type::number && x.number > prev && x.number <= 100;
            if (ok) d.canary_steps.push_back(prev = x.number);
          }
          if (!ok || d.canary_steps.back() != 100)
            expected(*st, join(cp, "steps"), "an increasing array of traffic percentages ending at 100");
        }
        read_duration(*c, cp, "step_duration", d.canary_step_duration, kMicrosPerSecond, kMicrosPerDay);
        read_percent(*c, cp, "max_error_rate_percent", d.canary_max_error_rate_percent);
        read_number(*c, cp, "max_latency_p95_ms", d.canary_max_latency_p95_ms, 0, 1e9);
      }
    }
    if (const Value* rl = member(v, p, "rolling", false, "an object")) {
      const std::string rp = join(p, "rolling");
      if (object(*rl, rp, {"max_surge", "max_unavailable"})) {
        read_int(*rl, rp, "max_surge", d.rolling_max_surge, 0, ScenarioLimits::kMaxInstancesPerService);
        read_int(*rl, rp, "max_unavailable", d.rolling_max_unavailable, 0, ScenarioLimits::kMaxInstancesPerService);
        if (d.rolling_max_surge == 0 && d.rolling_max_unavailable == 0)
          error(rl, rp, "expected max_surge or max_unavailable above 0 (otherwise the rollout cannot progress)");
      }
    }
    read_bool(v, p, "auto_rollback", d.auto_rollback);
    s_.deployments.push_back(d);
  });
  check_unique(root.find("deployments"), "$.deployments", "deployment");
}

void Loader::chaos(const Value& root) {
  read_array(root, "$", "chaos", false, 0, 1000, "kMaxChaosExperiments", [&](const Value& v, const std::string& p) {
    ChaosSpec c;
    if (!object(v, p, {"id", "title", "at", "hypothesis", "method", "rollbacks", "safety"})) return;
    read_id(v, p, "id", c.id);
    read_string(v, p, "title", c.title, false);
    read_time(v, p, "at", c.at, true);
    if (const Value* h = member(v, p, "hypothesis", true, "an object with \"probes\"")) {
      const std::string hp = join(p, "hypothesis");
      if (object(*h, hp, {"title", "probes"})) {
        read_string(*h, hp, "title", c.hypothesis_title, false);
        read_array(*h, hp, "probes", true, 1, 50, "kMaxProbes", [&](const Value& pv, const std::string& pp) {
          ProbeSpec pr;
          if (!object(pv, pp, {"metric", "window", "tolerance"})) return;
          if (read_string(pv, pp, "metric", pr.metric, true)) check_metric(pv, pp, "metric", pr.metric);
          read_duration(pv, pp, "window", pr.window, kMicrosPerSecond, kMicrosPerDay);
          if (const Value* t = member(pv, pp, "tolerance", true, "[low, high]")) {
            if (t->type != Type::array || t->items.size() != 2 || t->items[0].type != Type::number ||
                t->items[1].type != Type::number || t->items[0].number > t->items[1].number)
              expected(*t, join(pp, "tolerance"), "[low, high] with low <= high");
            else {
              pr.low = t->items[0].number;
              pr.high = t->items[1].number;
            }
          }
          c.probes.push_back(pr);
        });
      }
    }
    read_array(v, p, "method", true, 1, 50, "kMaxMethodSteps", [&](const Value& mv, const std::string& mp) {
      if (!object(mv, mp, {"fault", "duration"})) return;
      FaultSpec f;
      SimDuration d = 0;
      const Value* fv = member(mv, mp, "fault", true, "a fault object");
      read_duration(mv, mp, "duration", d, kMicrosPerSecond, kMicrosPerDay, true);
      if (fv && fault_body(*fv, join(mp, "fault"), f, false)) c.method.emplace_back(f, d);
    });
    read_array(v, p, "rollbacks", false, 0, 20, "kMaxRollbacks", [&](const Value& rv, const std::string& rp) {
      enum class R { instances, faults } r = R::instances;
      if (object(rv, rp, {"restore"}) && read_enum(rv, rp, "restore", r, {"instances", "faults"}, true))
        c.rollbacks.push_back(rv.find("restore")->text);
    });
    if (const Value* sf = member(v, p, "safety", false, "an object")) {
      const std::string sp = join(p, "safety");
      if (object(*sf, sp, {"min_error_budget_remaining_percent", "abort_on", "max_blast_radius_percent"})) {
        read_number(*sf, sp, "min_error_budget_remaining_percent", c.min_error_budget_remaining_percent, -1e6, 100);
        read_string_list(*sf, sp, "abort_on", c.abort_on, {"sev1", "sev2", "sev3", "sev4"});
        read_percent(*sf, sp, "max_blast_radius_percent", c.max_blast_radius_percent);
      }
    }
    s_.chaos.push_back(c);
  });
  check_unique(root.find("chaos"), "$.chaos", "chaos experiment");
}

void Loader::objectives(const Value& root) {
  read_array(root, "$", "objectives", false, 0, 200, "kMaxObjectives", [&](const Value& v, const std::string& p) {
    ObjectiveSpec o;
    if (!object(v, p, {"id", "description", "metric", "op", "value"})) return;
    read_id(v, p, "id", o.id);
    read_string(v, p, "description", o.description, false);
    if (read_string(v, p, "metric", o.metric, true)) check_metric(v, p, "metric", o.metric);
    read_enum(v, p, "op", o.op, {"<", "<=", ">", ">=", "==", "!="}, true);
    read_number(v, p, "value", o.value, -1e300, 1e300, true);
    s_.objectives.push_back(o);
  });
  check_unique(root.find("objectives"), "$.objectives", "objective");
}

// A solution is named relative to the exercise's folder and must stay below it, so that
// both the runner (a path) and the built-in library (a name) can resolve it: segments of
// letters, digits, '_', '-' and '.', none starting with '.', ending in ".json".
bool is_solution_file_name(const std::string& name) {
  if (name.size() < 6 || name.compare(name.size() - 5, 5, ".json") != 0) return false;
  bool segment_start = true;
  for (char c : name) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (c == '/') {
      if (segment_start) return false;
      segment_start = true;
    } else if (word || (c == '.' && !segment_start)) {
      segment_start = false;
    } else {
      return false;
    }
  }
  return !segment_start;
}

void Loader::exercise(const Value& root) {
  const Value* v = member(root, "$", "exercise", false, "an object");
  const std::string p = "$.exercise";
  if (!v || !object(*v, p, {"statement", "hints", "solution"})) return;
  ExerciseSpec& e = s_.exercise;
  e.present = true;
  if (read_string(*v, p, "statement", e.statement, true) && e.statement.empty())
    expected(*v->find("statement"), join(p, "statement"), "a non-empty string");
  read_array(*v, p, "hints", false, 0, 20, "kMaxHints", [&](const Value& h, const std::string& hp) {
    if (h.type != Type::string || h.text.empty()) expected(h, hp, "a non-empty string");
    else e.hints.push_back(h.text);
  });
  if (read_string(*v, p, "solution", e.solution, false) && !is_solution_file_name(e.solution)) {
    expected(*v->find("solution"), join(p, "solution"),
             "a relative file name ending in \".json\" (such as \"solutions/cooldown.json\"; segments of letters, "
             "digits, '_', '-' and '.', none starting with '.')");
    e.solution.clear();
  }
}

// [SECTION] cross-section checks and limits

double peak_factor(const PatternSpec& p) {
  switch (p.type) {
    case PatternSpec::Type::constant: return p.factor;
    case PatternSpec::Type::diurnal: return 1.0;
    case PatternSpec::Type::weekly: return *std::max_element(p.weekly_factors.begin(), p.weekly_factors.end());
    case PatternSpec::Type::ramp: return std::max({1.0, p.from, p.to});
    case PatternSpec::Type::spike: return std::max(1.0, p.multiplier);
    case PatternSpec::Type::trace: return 1.0;  // the trace's own peak is the rate, below
  }
  return 1.0;
}

void Loader::limits(const Value& root) {
  double slots = 0;
  for (const ServiceSpec& sv : s_.services) slots += static_cast<double>(sv.instances_max) * sv.concurrency;
  if (slots > ScenarioLimits::kMaxTotalSlots)
    error(root.find("services"), "$.services",
          "instances.max x concurrency summed over services is " + num_text(slots) +
              ", over the limit kMaxTotalSlots = " + num_text(ScenarioLimits::kMaxTotalSlots));
  // traffic_spike faults (the scenario's and the chaos experiments') multiply their
  // tenant's loads while they last, so they count at their peak like a spike pattern: all
  // of them, since they may overlap, but only the largest of one experiment, whose steps
  // run one after another. Without them a few overlapping spikes passed this limit and the
  // run then took hours (found by fuzz_simulation).
  std::vector<double> spike_factor(s_.tenants.size(), 1.0);
  auto spike = [](const FaultSpec& f) {
    return f.type == FaultType::traffic_spike && f.tenant_index >= 0 ? std::max(1.0, f.multiplier) : 1.0;
  };
  for (const FaultSpec& f : s_.faults)
    if (f.tenant_index >= 0) spike_factor[static_cast<std::size_t>(f.tenant_index)] *= spike(f);
  for (const ChaosSpec& c : s_.chaos) {
    std::vector<double> largest(s_.tenants.size(), 1.0);
    for (const auto& step : c.method)
      if (step.first.tenant_index >= 0) {
        double& l = largest[static_cast<std::size_t>(step.first.tenant_index)];
        l = std::max(l, spike(step.first));
      }
    for (std::size_t t = 0; t < largest.size(); ++t) spike_factor[t] *= largest[t];
  }
  double expected_requests = 0;
  for (std::size_t ti = 0; ti < s_.tenants.size(); ++ti)
    for (const LoadSpec& l : s_.tenants[ti].load) {
      double peak = l.rate;
      for (const PatternSpec& p : l.patterns) {
        if (p.type == PatternSpec::Type::trace) {
          double m = 0;
          for (const auto& pt : p.points) m = std::max(m, pt.second);
          peak = m;
        }
      }
      for (const PatternSpec& p : l.patterns) peak *= peak_factor(p);
      expected_requests += peak * spike_factor[ti] * to_seconds(s_.duration);
    }
  if (expected_requests > ScenarioLimits::kMaxExpectedRequests)
    error(root.find("tenants"), "$.tenants",
          "the loads' peak rates over the duration come to " + num_text(expected_requests) +
              " requests, over the limit kMaxExpectedRequests = " + num_text(ScenarioLimits::kMaxExpectedRequests));
  // Each SLO keeps one bucket per scrape interval over its window (or the longest
  // burn-rate window, if longer).
  SimDuration longest_alert = 0;
  for (const BurnRateAlertSpec& b : s_.alerting.burn_rate) longest_alert = std::max(longest_alert, b.long_window);
  double slo_buckets = 0;
  for (const SloSpec& slo : s_.slos)
    slo_buckets += std::ceil(static_cast<double>(std::max(slo.window, longest_alert)) /
                             static_cast<double>(s_.monitoring.scrape_interval)) + 1;
  if (slo_buckets > ScenarioLimits::kMaxSloBuckets)
    error(root.find("slos"), "$.slos",
          "the SLOs' windows / scrape_interval come to " + num_text(slo_buckets) +
              " buckets, over the limit kMaxSloBuckets = " + num_text(ScenarioLimits::kMaxSloBuckets));
  const double rows = static_cast<double>(s_.monitoring.retention) / static_cast<double>(s_.monitoring.scrape_interval);
  const double values = rows * static_cast<double>(timeseries_column_count(s_));
  if (values > ScenarioLimits::kMaxRetainedValues)
    error(root.find("monitoring"), "$.monitoring.retention",
          "retention / scrape_interval x " + std::to_string(timeseries_column_count(s_)) + " time-series columns is " +
              num_text(values) + " values, over the limit kMaxRetainedValues = " +
              num_text(ScenarioLimits::kMaxRetainedValues));
  // Checked last and only when every part is within its own limit: it names the whole.
  if (!r_.errors.empty()) return;
  const double mb = estimated_memory_bytes(s_) / (1024.0 * 1024.0);
  if (mb > ScenarioLimits::kMaxEstimatedMemoryMb)
    error(&root, "$",
          "the simulation would need about " + num_text(std::ceil(mb)) +
              " MB (scopes, samples, SLO buckets, users x services, requests in flight), over the limit "
              "kMaxEstimatedMemoryMb = " + num_text(ScenarioLimits::kMaxEstimatedMemoryMb));
}

}  // namespace

double estimated_memory_bytes(const Scenario& s) {
  const double scopes = 1.0 + static_cast<double>(s.tenants.size() + s.services.size() + s.agents.size() +
                                                  s.slos.size() + s.chaos.size());
  double bytes = scopes * sizeof(ScopeStats);
  // Retained samples, and the row being built.
  const double rows = static_cast<double>(s.monitoring.retention) / static_cast<double>(s.monitoring.scrape_interval);
  bytes += (rows + 2) * static_cast<double>(timeseries_column_count(s)) * sizeof(double);
  // SLO buckets: one per scrape interval over the longest window, about 24 bytes each.
  SimDuration longest_alert = 0;
  for (const BurnRateAlertSpec& b : s.alerting.burn_rate) longest_alert = std::max(longest_alert, b.long_window);
  for (const SloSpec& slo : s.slos)
    bytes += 24.0 * (std::ceil(static_cast<double>(std::max(slo.window, longest_alert)) /
                               static_cast<double>(s.monitoring.scrape_interval)) + 1);
  // A canary and a baseline window per deployment.
  bytes += 2.0 * sizeof(sre::VersionWindow) * static_cast<double>(s.deployments.size());
  // Each service's interval counts per user (a tenant without users has one slot).
  double user_slots = 0;
  for (const TenantSpec& t : s.tenants) user_slots += static_cast<double>(std::max<std::size_t>(1, t.users.size()));
  bytes += 8.0 * user_slots * static_cast<double>(s.services.size());
  // Instances (about 48 bytes), and at most every slot busy and every queue full: a
  // request record, its event and its queue entry, about 96 bytes. A dedicated or
  // physical tenant has pools of its own, as large as the service's.
  std::vector<double> pools(s.services.size(), 1.0);
  for (const TenantSpec& t : s.tenants) {
    if (t.isolation != Isolation::dedicated && t.isolation != Isolation::physical) continue;
    std::set<int> used;
    for (const LoadSpec& l : t.load)
      if (l.agent_index >= 0) used.insert(s.agents[static_cast<std::size_t>(l.agent_index)].service_index);
    for (const int v : used)
      if (v >= 0) pools[static_cast<std::size_t>(v)] += 1;
  }
  for (std::size_t v = 0; v < s.services.size(); ++v) {
    const ServiceSpec& sv = s.services[v];
    const double instances = static_cast<double>(sv.instances_max) * pools[v];
    bytes += 48.0 * instances + 96.0 * (instances * sv.concurrency + static_cast<double>(sv.queue_capacity) * pools[v]);
  }
  return bytes;
}

std::size_t timeseries_column_count(const Scenario& s) {
  std::size_t global = 0, tenant = 0, service = 0, slo = 0, agent = 0;
  for (const MetricInfo& m : metric_catalog()) {
    if (!m.simulated) continue;
    global += (m.scopes & kGlobal) ? 1 : 0;
    tenant += (m.scopes & kTenant) ? 1 : 0;
    service += (m.scopes & kService) ? 1 : 0;
    slo += (m.scopes & kSlo) ? 1 : 0;
    agent += (m.scopes & kAgent) ? 1 : 0;
  }
  return global + tenant * s.tenants.size() + service * s.services.size() + slo * s.slos.size() +
         agent * s.agents.size();
}

LoadResult load_scenario(std::string_view text) {
  LoadResult r;
  if (text.size() > ScenarioLimits::kMaxFileBytes) {
    r.errors.push_back({"$", "the file is " + std::to_string(text.size()) + " bytes, over the limit kMaxFileBytes = " +
                                 std::to_string(ScenarioLimits::kMaxFileBytes), 0, 0});
    return r;
  }
  json::Value root;
  json::ParseError pe;
  if (!json::parse(text, root, pe)) {
    r.errors.push_back({"$", "JSON syntax error: " + pe.message, pe.line, pe.column});
    return r;
  }
  Loader loader(r);
  loader.run(root);
  std::stable_sort(r.errors.begin(), r.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line < b.line || (a.line == b.line && a.column < b.column);
  });
  r.ok = r.errors.empty();
  if (!r.ok) r.scenario = Scenario{};
  return r;
}

}  // namespace opsim
