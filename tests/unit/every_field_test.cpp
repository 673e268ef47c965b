// Every setting the loader accepts changes what is simulated (the project's standard: a
// field parsed and then ignored is a defect). The test walks every leaf field of
// tests/scenarios/valid/everything.json, a scenario that uses every field of the schema
// (schema_test.cpp checks that) and is laid out so that each one matters in its run; it
// changes the field to other values the loader accepts, runs the scenario and checks that
// its outputs change: a time-series row, a logged event or summary.json.
//
// The exceptions are the three lists below, each entry with its reason (README.md,
// "Scenario files in brief", says the same): descriptive text for people, content that
// agents receive, and structural fields that select which other fields apply. Members
// under an "x-..." key are ignored by the format's definition wherever they stand.
//
// How a field is changed: a reference (a service, agent, tenant, provider, rule, user,
// role, severity or context key) to another of its kind that the scenario has; an id is
// renamed together with every reference to it; an enumeration to its other values; a
// metric name to the same metric of another scope or another metric of the same scope; a
// time (`at`, `starts`, ...) shifted earlier and later; a duration and a number scaled and
// stepped. The first few values that load are run (kRunsPerField), each compared with the
// unchanged run scrape by scrape, stopping at the first difference.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "json/json.h"
#include "report/event_json.h"
#include "report/report.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

const char* const kWalked = "tests/scenarios/valid/everything.json";

// At most this many accepted values are run per field: a field that ignores them is
// unlikely to heed another, and each costs up to a whole run.
constexpr int kRunsPerField = 4;

struct Exemption {
  const char* path;  // a JSON path; '*' stands for any run of characters
  const char* reason;
  // Structural fields only: their other values are tried all the same, and one that loads
  // on its own must change the run; the field counts as structural when none does.
  bool tried = true;
};

// Text for people: shown in the library, the UI, the reports and the event log as written,
// never acted on by the simulation.
const Exemption kDescriptive[] = {
    {"$.name", "the scenario's title in the library, the UI and the reports"},
    {"$.description", "the scenario's text in the library"},
    {"$.tags[*]", "the library's filters"},
    {"$.tenants[*].name", "a tenant's display name (its id is what everything refers to)"},
    {"$.monitoring.routing.silences[*].comment", "why the silence was set, for the people who read it"},
    {"$.chaos[*].title", "an experiment's title in the chaos tab and the event log"},
    {"$.chaos[*].hypothesis.title", "the steady-state hypothesis in words; its probes are what is checked"},
    {"$.objectives[*].description", "an objective in words; its metric, op and value are what is graded"},
    {"$.exercise.statement", "an exercise's task, shown in the UI"},
    {"$.exercise.hints[*]", "an exercise's hints, revealed one at a time in the UI"},
    {"$.exercise.solution", "the reference solution's file, opened from the UI"},
    {"$.scaling[*].policies[*].manifest.metadata.*", "the Kubernetes object's identity; its name is shown with the policy"},
    {"$.scaling[*].policies[*].manifest.spec.scaleTargetRef.*",
     "the workload's name in the cluster: the policy scales its scaling section's service (a name that is another "
     "service of the scenario is refused)"},
};

// Content that agents receive rather than settings of the platform: it goes into the
// context an agent is given (the context inspector shows it) as written, and nothing the
// platform does depends on it. Which entries a user may see, when they exist, which
// provider answers which key and what each look-up costs are settings, and walked.
const Exemption kContent[] = {
    {"$.tenants[*].compliance[*]", "the tenant context's compliance list"},
    {"$.tenants[*].security_policies.*", "the tenant context's free-form security policies"},
    {"$.tenants[*].billing.plan", "the plan's name on the bill; its prices are what is charged"},
    {"$.context.providers[*].data.base.*", "a policy's settings, passed to the agent as written"},
    {"$.context.providers[*].data.roles.*",
     "a role's policy overrides, passed as written (an override is another version of a policy: a user without the "
     "role keeps the base one, so no access depends on it)"},
    {"$.context.providers[*].data.scopes.*", "a scope's policies, passed as written (the scope names are keys)"},
    {"$.context.providers[*].data.version", "the policy set's version, in the answer"},
    {"$.context.providers[*].data.enforcement_level", "the policy set's enforcement level, in the answer"},
    {"$.context.providers[*].data.compliance_frameworks[*]", "the policy set's frameworks, in the answer"},
    {"$.context.providers[*].data.created_by", "the policy set's author, in the answer"},
    {"$.context.providers[*].data.tags[*]", "the policy set's tags, in the answer"},
    {"$.context.providers[*].data.entries[*].value*", "an entry's value, passed to the agent as written"},
    {"$.context.providers[*].data.entries[*].created_by", "an entry's author, in the answer"},
    {"$.context.providers[*].data.entries[*].tags[*]", "an entry's tags, in the answer"},
    {"$.context.providers[*].data.metrics[*]", "which live figures the operational answer lists"},
    {"$.context.providers[2].priority",
     "the operational provider's place in the consultation order, which orders only its answer in the prompt: it "
     "withholds nothing, so it logs no denials (the other providers' priorities order theirs, and are walked)"},
    {"$.context.strategy", "how the context joins the agent's prompt (the inspector's rendered prompt)"},
    {"$.context.template", "the prompt template of the \"template\" strategy"},
};

// Structural: the value selects which other fields apply (a work distribution's
// parameters, a pattern's, a fault's, a policy's), so that another value rarely loads
// without them; each variant's own fields are walked where they stand. Values that do
// load on their own are walked like any field. Also the values that the format fixes.
const Exemption kStructural[] = {
    {"$.schema", "the format's version: \"opsim/1\" is its only value"},
    {"$.agents[*].work.dist", "selects the distribution's parameters (value, mean, median and p99, mean and cv)"},
    {"$.agents[*].tokens.*.dist", "selects the distribution's parameters (value, mean, median and p99, mean and cv)"},
    {"$.services[*].time_to_first_token.dist", "selects the distribution's parameters (value, mean, median and p99, mean and cv)"},
    {"$.services[*].kind", "selects whether the model provider's fields apply, and its agents' tokens"},
    {"$.agents[*].service", "moving the model provider's agent to a plain service leaves it tokens and no work"},
    {"$.services[*].queue.discipline", "selects whether lifo_threshold applies"},
    {"$.tenants[*].load[*].patterns[*].type", "selects the pattern's fields"},
    {"$.context.providers[*].kind",
     "selects the form of the provider's data (policies, entries, live figures); business and custom are the seed's "
     "two names for providers of entries, which the simulation serves alike",
     false},
    {"$.scaling[*].policies[*].kind", "selects threshold or target-tracking fields"},
    {"$.scaling[*].policies[*].trigger", "selects thresholds, a custom metric or a schedule"},
    {"$.scaling[*].policies[*].direction", "selects instance counts or size_factors"},
    {"$.scaling[*].policies[*].size_factors[0]", "the factor 1, the instance as written, which the sizes must include"},
    {"$.slos[*].indicator", "selects whether a latency threshold or queries apply"},
    {"$.faults[*].type", "selects the fault's fields"},
    {"$.chaos[*].method[*].fault.type", "selects the fault's fields"},
    {"$.deployments[*].strategy", "selects whether canary settings and auto_rollback apply"},
    {"$.deployments[*].canary.steps[3]", "the last canary step, 100 % of the traffic, as the format requires"},
    {"$.scaling[*].policies[*].manifest.*",
     "a Kubernetes HPA, read into the target_tracking policy it is equivalent to: each field selects or sets one of "
     "that policy's, whose own fields are walked above (kubernetes_manifest_test.cpp checks each field's mapping, and "
     "that a manifest's run is its policy's, row for row; hpa_kubernetes_test.cpp how several metrics combine)",
     false},
    {"$.tenants[*].load[*].patterns[*].file",
     "the file whose rows are the trace: another file is other rows (trace_file_test.cpp checks that a CSV's and a "
     "Prometheus export's rows drive the arrivals)",
     false},
    {"$.tenants[*].load[*].patterns[*].column",
     "which of the file's columns holds the rates: reading another is reading other rows (trace_file_test.cpp reads a "
     "named column)",
     false},
    {"$.slos[*].file",
     "the spec whose SLOs join the scenario: another file is other SLOs (slo_spec_test.cpp checks a Sloth spec's and "
     "an OpenSLO spec's mapping, and that a spec's SLO keeps the budget of the native SLO it is equivalent to)",
     false},
    {"$.monitoring.rule_files[*]",
     "a rule file's name: the platform (the runner, the page) reads the file before the simulation, and this walk "
     "loads scenario text alone; prom_rules_test.cpp runs a scenario's rule files",
     false},
};

bool glob(const char* p, const char* s) {
  if (*p == 0) return *s == 0;
  if (*p == '*') return glob(p + 1, s) || (*s != 0 && glob(p, s + 1));
  return *p == *s && glob(p + 1, s + 1);
}

template <std::size_t N>
const Exemption* exemption(const Exemption (&list)[N], const std::string& path) {
  for (const Exemption& e : list)
    if (glob(e.path, path.c_str())) return &e;
  return nullptr;
}

struct Leaf {
  std::string path;
  std::string key;  // the member name, or for an array element its array's
  std::string parent;  // the path of the object or array that holds it
  const json::Value* value;
  bool extension;  // under an "x-..." member
};

void collect(const json::Value& v, const std::string& path, const std::string& parent, const std::string& key,
             bool extension, std::vector<Leaf>& out) {
  if (v.type == json::Type::object) {
    for (const auto& m : v.members)
      collect(m.second, path + "." + m.first, path, m.first, extension || m.first.rfind("x-", 0) == 0, out);
  } else if (v.type == json::Type::array) {
    for (std::size_t i = 0; i < v.items.size(); ++i)
      collect(v.items[i], path + "[" + std::to_string(i) + "]", path, key, extension, out);
  } else {
    out.push_back({path, key, parent, &v, extension});
  }
}

// The run's outputs, scrape by scrape: each time-series row with a digest of the events
// logged up to it. A run under test is compared with the unchanged one as it goes; rows
// compare by value, and rows whose values differ by their text in timeseries.csv (a value
// that moved in a digit the file does not print is no change).
struct Sample {
  SimTime t;
  std::uint64_t events;
  std::vector<double> row;
};

struct Recorder : SimObserver {
  const std::vector<Sample>* base = nullptr;  // the unchanged run's, or null to record them
  std::vector<Sample> samples;
  std::uint64_t events = 1469598103934665603ull;  // FNV-1a of the events' JSON lines
  std::size_t next = 0;
  bool differs = false;

  void on_log(const LogEvent& e) override {
    for (unsigned char c : event_json(e)) events = (events ^ c) * 1099511628211ull;
  }
  void on_sample(SimTime t, const std::vector<double>& row) override {
    if (!base) {
      samples.push_back({t, events, row});
      return;
    }
    if (differs) return;
    if (next == base->size()) {
      differs = true;
      return;
    }
    const Sample& b = (*base)[next++];
    differs = b.t != t || b.events != events ||
              (b.row != row && timeseries_csv_row(t, row) != timeseries_csv_row(b.t, b.row));
  }
};

struct Baseline {
  std::vector<Sample> samples;
  std::uint64_t events = 0;  // after the last scrape
  std::string summary;
};

Baseline run_whole(const Scenario& sc) {
  Simulation sim(sc, sc.seed);
  Recorder r;
  sim.add_observer(&r);
  sim.run();
  return {std::move(r.samples), r.events, summary_json(sim)};
}

// Runs scrape by scrape and stops at the first row or event that differs from the
// baseline's; at the end compares the last events and summary.json.
bool outputs_differ(const Scenario& sc, const Baseline& base) {
  Simulation sim(sc, sc.seed);
  Recorder r;
  r.base = &base.samples;
  sim.add_observer(&r);
  const SimDuration step = sc.monitoring.scrape_interval;
  for (SimTime t = step; t <= sim.end_time(); t += step) {
    sim.run_until(t);
    if (r.differs) return true;
  }
  sim.run();
  return r.differs || r.next != base.samples.size() || r.events != base.events || summary_json(sim) != base.summary;
}

// The document with the values at `targets` replaced (by identity, on a copy).
using Replacements = std::vector<std::pair<const json::Value*, json::Value>>;
json::Value with_values(const json::Value& doc, const Replacements& targets) {
  for (const auto& t : targets)
    if (&doc == t.first) return t.second;
  json::Value c = doc;
  for (std::size_t i = 0; i < doc.items.size(); ++i) c.items[i] = with_values(doc.items[i], targets);
  for (std::size_t i = 0; i < doc.members.size(); ++i) c.members[i].second = with_values(doc.members[i].second, targets);
  return c;
}
json::Value with_value(const json::Value& doc, const json::Value* target, const json::Value& replacement) {
  return with_values(doc, {{target, replacement}});
}

json::Value number(double x) { return test::must_parse(json::number(x)); }
json::Value text(const std::string& s) { return test::must_parse(json::quote(s)); }

// What the scenario defines, by kind: the values a reference may take.
struct Names {
  std::map<std::string, std::vector<std::string>> ids;  // "service" -> its ids, ...
  std::map<std::string, std::set<std::string>> enums;  // property name -> the schema's values
};

void add_unique(std::vector<std::string>& v, const std::string& s) {
  for (const std::string& x : v)
    if (x == s) return;
  v.push_back(s);
}

Names names_of(const json::Value& doc) {
  Names n;
  auto ids = [&](const char* kind, const json::Value* list) {
    if (!list) return;
    for (const json::Value& item : list->items)
      if (const json::Value* id = item.find("id")) add_unique(n.ids[kind], id->text);
  };
  ids("service", doc.find("services"));
  ids("agent", doc.find("agents"));
  ids("tenant", doc.find("tenants"));
  ids("slo", doc.find("slos"));
  ids("chaos", doc.find("chaos"));
  if (const json::Value* m = doc.find("monitoring")) ids("rule", m->find("rules"));
  if (const json::Value* c = doc.find("context")) ids("provider", c->find("providers"));
  // Users, roles, severities and context keys: every value of the kind the document holds.
  std::function<void(const json::Value&, const std::string&)> walk = [&](const json::Value& v, const std::string& key) {
    if (v.type == json::Type::string) {
      if (key == "severity" || key == "severities" || key == "open_on") add_unique(n.ids["severity"], v.text);
      if (key == "roles") add_unique(n.ids["role"], v.text);
      if (key == "key" || key == "keys") add_unique(n.ids["context key"], v.text);
    }
    for (const auto& m : v.members) {
      if (key == "roles" && m.second.type == json::Type::object) add_unique(n.ids["role"], m.first);
      walk(m.second, m.first);
    }
    for (const json::Value& i : v.items) walk(i, key);
  };
  walk(doc, "");
  for (const json::Value& t : doc.find("tenants")->items)
    if (const json::Value* users = t.find("users"))
      for (const json::Value& u : users->items) add_unique(n.ids["user"], u.find("id")->text);
  add_unique(n.ids["severity"], "warning");
  const json::Value schema_doc = test::must_parse(test::read_text("scenarios/opsim.schema.json"));
  // A property's values: its enum or const (a variant's type), its items' enum, or those of
  // the definition it refers to.
  std::function<void(const std::string&, const json::Value&)> values = [&](const std::string& name, const json::Value& p) {
    if (const json::Value* e = p.find("enum"))
      for (const json::Value& x : e->items)
        if (x.type == json::Type::string) n.enums[name].insert(x.text);
    if (const json::Value* c = p.find("const"))
      if (c->type == json::Type::string) n.enums[name].insert(c->text);
    if (const json::Value* items = p.find("items")) values(name, *items);
    if (const json::Value* ref = p.find("$ref"))
      if (const json::Value* defs = schema_doc.find("$defs"))
        if (const json::Value* def = defs->find(ref->text.substr(ref->text.rfind('/') + 1))) values(name, *def);
  };
  std::function<void(const json::Value&)> schema = [&](const json::Value& v) {
    if (const json::Value* props = v.find("properties"))
      for (const auto& p : props->members) values(p.first, p.second);
    for (const auto& m : v.members) schema(m.second);
    for (const auto& i : v.items) schema(i);
  };
  schema(schema_doc);
  return n;
}

// The kind of id a field refers to, by its name; "" for none.
std::string reference_kind(const Leaf& leaf) {
  const std::string& k = leaf.key;
  if (k == "service" || k == "agent" || k == "tenant" || k == "provider" || k == "rule" || k == "severity") return k;
  if (k == "severities" || k == "open_on") return "severity";
  if (k == "roles") return "role";
  if (k == "users") return "user";
  if (k == "keys" || (k == "key" && leaf.path.find(".data.") != std::string::npos)) return "context key";
  return "";
}

// The kind of id an "id" field defines, from the list it stands in.
std::string id_kind(const Leaf& leaf) {
  const std::string& p = leaf.parent;
  auto in = [&](const char* list) { return p.find(list) != std::string::npos && p.rfind(']') == p.size() - 1; };
  if (in("$.services[")) return "service";
  if (in("$.agents[")) return "agent";
  if (p.find(".users[") != std::string::npos) return "user";
  if (in("$.tenants[")) return "tenant";
  if (in("$.context.providers[")) return "provider";
  if (in("$.monitoring.rules[")) return "rule";
  if (in("$.slos[")) return "slo";
  if (in("$.chaos[")) return "chaos";
  return "";
}

// The document with id `from` of `kind` renamed `to` wherever it stands: the id itself,
// references by field name, and the scope part of metric names ("tenant.acme.x").
json::Value renamed(const json::Value& doc, const json::Value* id, const std::string& kind, const std::string& to) {
  const std::string from = id->text;
  // `within`: the key of the object holding the value (an HPA manifest's describedObject
  // names a service or a tenant by "name").
  std::function<json::Value(const json::Value&, const std::string&, const std::string&)> copy =
      [&](const json::Value& v, const std::string& key, const std::string& within) -> json::Value {
    json::Value c = v;
    if (&v == id) {
      c.text = to;
      return c;
    }
    if (v.type == json::Type::string) {
      const bool refers = (key == kind) || (kind == "user" && key == "users") ||
                          (kind == "rule" && key == "rule") || (kind == "provider" && key == "provider") ||
                          (key == "name" && within == "describedObject" && (kind == "service" || kind == "tenant"));
      if (refers && v.text == from) c.text = to;
      const std::string scope = kind + "." + from + ".";
      if (key == "metric" && v.text.rfind(scope, 0) == 0) c.text = kind + "." + to + "." + v.text.substr(scope.size());
      return c;
    }
    for (std::size_t i = 0; i < v.items.size(); ++i) c.items[i] = copy(v.items[i], key, within);
    for (std::size_t i = 0; i < v.members.size(); ++i)
      c.members[i].second = copy(v.members[i].second, v.members[i].first, key);
    return c;
  };
  return copy(doc, "", "");
}

bool is_time_field(const Leaf& leaf) {
  const std::string& k = leaf.key;
  return k == "at" || k == "starts" || k == "ends" || k == "created_at" || k == "expires" ||
         (k == "points" && leaf.path.size() > 3 && leaf.path.compare(leaf.path.size() - 3, 3, "[0]") == 0);
}

// A path with its indices written as "*": the same field of another element.
std::string shape(const std::string& path) {
  std::string out;
  bool in_index = false;
  for (char c : path) {
    if (c == '[') in_index = true, out += "[*";
    else if (c == ']') in_index = false, out += ']';
    else if (!in_index) out += c;
  }
  return out;
}

// A changed document and what was changed, for the report.
struct Candidate {
  json::Value doc;
  std::string what;
};

// Other values for a leaf, each a whole document, most likely to matter first.
std::vector<Candidate> candidates(const json::Value& doc, const Leaf& leaf, const std::vector<Leaf>& leaves,
                                  const Names& names, std::int64_t start_unix_s) {
  const json::Value& v = *leaf.value;
  std::vector<Candidate> out;
  auto put = [&](const json::Value& replacement) {
    out.push_back({with_value(doc, leaf.value, replacement), json::write(replacement)});
  };
  switch (v.type) {
    case json::Type::boolean: put(test::must_parse(v.boolean ? "false" : "true")); break;
    case json::Type::number: {
      const double x = v.number;
      std::vector<double> tried;
      // (An integer field refuses the fractions, which then cost no run.)
      for (double y : {x * 2, x / 2, x * 10, x / 10, 0.0, x + 1, x - 1, 1.0, x * 1.5, x * 0.75, x + 0.1, x - 0.1})
        if (y != x && std::find(tried.begin(), tried.end(), y) == tried.end()) {
          tried.push_back(y);
          put(number(y));
        }
      break;
    }
    case json::Type::string: {
      const std::string& s = v.text;
      if (leaf.key == "id") {
        const std::string kind = id_kind(leaf);
        if (kind.empty()) put(text(s + "-2"));
        else out.push_back({renamed(doc, leaf.value, kind, s + "-2"), json::quote(s + "-2") + ", renamed everywhere"});
        break;
      }
      SimDuration d = 0;
      std::int64_t unix_s = 0;
      const SimDuration m = kMicrosPerMinute, h = kMicrosPerHour;
      if (is_time_field(leaf) && parse_duration(s, d)) {
        for (SimDuration e : {d + h, d - h, d + 10 * m, d - 10 * m, d + 24 * h, d - 24 * h})
          if (e >= 0 && e != d) put(text(format_duration(e)));
        break;
      }
      if (parse_iso8601_utc(s, unix_s)) {
        // A time of the calendar: shifted, and still written as one.
        const Calendar c(0);
        const bool at_start = leaf.path == "$.start";
        for (SimDuration e : {h, -h, 10 * m, -10 * m, 24 * h, -24 * h})
          if (at_start || unix_s * kMicrosPerSecond + e >= start_unix_s * kMicrosPerSecond)
            put(text(c.iso8601(unix_s * kMicrosPerSecond + e)));
        break;
      }
      if (parse_duration(s, d)) {
        for (SimDuration e : {2 * d, d / 2, 10 * d, d + h, d / 10, d + m, d - m, 3 * d})
          if (e > 0 && e != d) put(text(format_duration(e)));
        if (d > 0) put(text("0s"));
        break;
      }
      const std::string kind = reference_kind(leaf);
      if (!kind.empty()) {
        auto it = names.ids.find(kind);
        if (it == names.ids.end()) break;
        for (const std::string& other : it->second)
          if (other != s) put(text(other));
        // Where a reference must be unique (one scaling section per service), the same
        // field of another element that holds the other value takes this one.
        for (const std::string& other : it->second)
          for (const Leaf& l : leaves)
            if (other != s && l.value->type == json::Type::string && l.value->text == other && l.path != leaf.path &&
                shape(l.path) == shape(leaf.path))
              out.push_back({with_values(doc, {{leaf.value, text(other)}, {l.value, text(s)}}),
                             json::quote(other) + ", swapped with " + l.path});
        // A context key that no provider answers, or that the context does not ask for.
        if (kind == "context key") put(text(s + "-2"));
        break;
      }
      if (leaf.key == "metric") {
        // Another scope of the same kind, then other metrics of the same scope.
        std::string scope, base = s;
        const std::size_t dot = s.rfind('.');
        if (dot != std::string::npos) {
          scope = s.substr(0, dot + 1);
          base = s.substr(dot + 1);
          const std::string kind = scope.substr(0, scope.find('.'));
          auto it = names.ids.find(kind);
          if (it != names.ids.end())
            for (const std::string& other : it->second)
              if (kind + "." + other + "." != scope) put(text(kind + "." + other + "." + base));
        }
        for (const char* other : {"latency_p99_ms", "latency_avg_ms", "error_rate_percent", "cpu_utilization",
                                  "request_rate", "queue_depth", "memory_utilization", "availability_percent"})
          if (other != base) put(text(scope + other));
        break;
      }
      auto e = names.enums.find(leaf.key);
      if (e != names.enums.end()) {
        for (const std::string& other : e->second)
          if (other != s) put(text(other));
        break;
      }
      put(text(s + "-2"));
      break;
    }
    default: break;
  }
  return out;
}

}  // namespace

TEST_CASE("every field of everything.json changes the run unless a list exempts it", "[every_field]") {
  const auto began = std::chrono::steady_clock::now();
  const std::string text_of_file = test::read_text(kWalked);
  const json::Value doc = test::must_parse(text_of_file);
  const Scenario base_scenario = test::must_load(text_of_file);
  const Baseline base = run_whole(base_scenario);
  const Names names = names_of(doc);
  std::vector<Leaf> leaves;
  collect(doc, "$", "", "", false, leaves);
  REQUIRE(leaves.size() > 300);

  std::vector<std::string> unchanged, unmutable;
  int walked = 0, extension = 0, descriptive = 0, content = 0, structural = 0, structural_walked = 0, runs = 0;
  std::set<const Exemption*> used;
  for (const Leaf& leaf : leaves) {
    if (leaf.extension) {
      ++extension;
      continue;
    }
    const Exemption* e = exemption(kDescriptive, leaf.path);
    if (e) ++descriptive;
    if (!e && (e = exemption(kContent, leaf.path))) ++content;
    const Exemption* s = e ? nullptr : exemption(kStructural, leaf.path);
    if (e || (s && !s->tried)) {
      used.insert(e ? e : s);
      structural += s ? 1 : 0;
      continue;
    }
    // Every other field, structural ones included: a value that loads must change the run.
    bool changed = false;
    int accepted = 0;
    std::string tried;
    for (const Candidate& c : candidates(doc, leaf, leaves, names, base_scenario.calendar.start_unix_s())) {
      if (accepted == kRunsPerField) break;
      const LoadResult r = load_scenario(json::write(c.doc), test::scenario_files());
      if (!r.ok) continue;
      ++accepted;
      ++runs;
      tried += (tried.empty() ? "" : ", ") + c.what;
      if (outputs_differ(r.scenario, base)) {
        changed = true;
        break;
      }
    }
    const std::string field = leaf.path + " = " + json::describe(*leaf.value);
    if (s) {
      used.insert(s);
      ++(accepted ? structural_walked : structural);
      if (accepted && !changed) unchanged.push_back(field + " (tried " + tried + ")");
      continue;
    }
    ++walked;
    if (accepted == 0) unmutable.push_back(field);
    else if (!changed) unchanged.push_back(field + " (tried " + tried + ")");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::printf("[every_field] %zu leaves: %d walked, %d structural walked as well (their other values that load), "
              "%d structural, %d descriptive, %d content, %d under x- members; %d runs in %.1f s; %zu unchanged, "
              "%zu with no other value that loads\n",
              leaves.size(), walked, structural_walked, structural, descriptive, content, extension, runs, seconds,
              unchanged.size(), unmutable.size());
  std::string report;
  for (const std::string& u : unchanged) report += "  unchanged: " + u + "\n";
  for (const std::string& u : unmutable) report += "  no other value loads: " + u + "\n";
  INFO(report);
  CHECK(unchanged.empty());
  CHECK(unmutable.empty());
  // Every exemption names a field the scenario has: a list that outlives its fields hides
  // nothing, but misleads whoever reads it.
  std::string stale;
  for (const auto& e : kDescriptive)
    if (!used.count(&e)) stale += std::string("  ") + e.path + "\n";
  for (const auto& e : kContent)
    if (!used.count(&e)) stale += std::string("  ") + e.path + "\n";
  for (const auto& e : kStructural)
    if (!used.count(&e)) stale += std::string("  ") + e.path + "\n";
  INFO("exemptions that match no field:\n" << stale);
  CHECK(stale.empty());
}
