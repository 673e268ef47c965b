// The scenario loader's internals, shared by its source files (not part of the API):
// the Loader class, which reads one scenario document section by section into
// LoadResult::scenario and reports what is wrong in LoadResult::errors and ::warnings.
//
//   loader.cpp            load_scenario, the order of the sections, top-level fields,
//                         cross-section checks and limits, the memory estimate
//   loader_fleet.cpp      services, agents, tenants and load patterns
//   loader_operations.cpp context, monitoring, scaling
//   loader_sre.cpp        slos, alerting, incidents, faults, deployments, chaos,
//                         objectives, exercise
//
// [SECTION] Reading helpers (types, ranges, unknown fields, paths)
// [SECTION] The Loader class
#pragma once
#include <algorithm>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "metrics/metric_catalog.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"

namespace opsim::detail {

using json::Type;
using json::Value;

// [SECTION] Reading helpers (types, ranges, unknown fields, paths)

inline std::string num_text(double v) { return json::number(v); }

inline std::string range_text(double lo, double hi) {
  if (hi >= 1e300) return "of at least " + num_text(lo);
  return "from " + num_text(lo) + " to " + num_text(hi);
}

// [SECTION] The Loader class

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

}  // namespace opsim::detail
