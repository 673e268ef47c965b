// The scenario loader's internals, shared by its source files (not part of the API):
// the Loader class, which reads one scenario document section by section into
// LoadResult::scenario and reports what is wrong in LoadResult::errors and ::warnings.
// The typed reading helpers (objects and their unknown fields, strings, numbers, integers,
// durations, enums, arrays, ids) are json::Reader's (json/reader.h), which the sweep file
// reader shares; the Loader adds the helpers that need the scenario read so far.
//
//   loader.cpp            load_scenario, the order of the sections, top-level fields,
//                         scenario-aware helpers, cross-section checks and limits, the
//                         memory estimate
//   loader_fleet.cpp      services, agents, tenants and load patterns
//   loader_calls.cpp      agents' calls (steps, retries, circuit breakers) and their cycles
//   loader_operations.cpp context, monitoring, scaling
//   loader_kubernetes.cpp a scaling policy read from a Kubernetes HPA manifest
//   loader_sre.cpp        slos, alerting, incidents, faults, deployments, chaos,
//                         objectives, exercise
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "json/reader.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"

namespace opsim::detail {

using json::Type;
using json::Value;

class Loader : public json::Reader {
  friend class HpaManifest;  // loader_kubernetes.cpp: reads a manifest with the scenario read so far
  friend class SpecReader;   // loader_slo_files.cpp: Sloth and OpenSLO specs, likewise

 public:
  Loader(LoadResult& r, const FileReader& files) : json::Reader(r.errors, &r.warnings), r_(r), s_(r.scenario), files_(files) {}

  void run(const Value& root);

 private:
  // ---- helpers that need the scenario read so far (loader.cpp)
  // An instant: an offset from `start` ("2d3h") or an ISO 8601 UTC time not before start.
  bool read_time(const Value& obj, const std::string& path, std::string_view key, SimTime& out,
                 bool required = false);
  // A metric name of SCENARIO_FORMAT.md whose scope id (tenant.<id>. ...) the scenario
  // defines; a warning for a name this version does not measure.
  // Diagnostics go to `into` when given (a manifest's reader), else the scenario's.
  void check_metric(const Value& obj, const std::string& path, std::string_view key, const std::string& name,
                    json::Reader* into = nullptr);
  // A file the scenario names at obj[key] (a path relative to the scenario's file): read
  // into `out`, or an error at the name. False when absent too.
  bool read_named_file(const Value& obj, const std::string& path, std::string_view key, NamedFile& out);
  // Diagnostics found inside a named file: placed in it, their path made relative to its
  // root, and said to be in the file that `named_at` (a scenario path) names.
  void file_diagnostics(const NamedFile& file, const std::string& named_at, std::vector<Diagnostic>& found,
                        bool warnings = false);

  // ---- sections
  void top(const Value& root);
  void services(const Value& root);
  void agents(const Value& root);
  void tenants(const Value& root);
  void size_instances(const Value& root);
  void model_provider(const Value& v, const std::string& path, ServiceSpec& sv);
  void queue_protection(const Value& q, const std::string& path, ServiceSpec& sv);
  // A positive distribution ("work", a provider's time to first token, an agent's tokens):
  // {"dist": constant | exponential | lognormal | gamma, ...} of durations or token counts.
  enum class Quantity { duration, tokens };
  bool read_distribution(const Value& obj, const std::string& path, std::string_view key, Distribution& out,
                         Quantity quantity, bool required);
  void resources_note(const Value& v, const std::string& p, const AgentSpec& a);
  // agents[].calls (loader_calls.cpp), read once every agent id is known.
  void calls(const Value& agent, const std::string& path, int agent_index, AgentSpec& a);
  bool call(const Value& v, const std::string& path, int agent_index, CallSpec& c);
  void retry(const Value& v, const std::string& path, RetrySpec& r);
  void circuit_breaker(const Value& v, const std::string& path, CircuitBreakerSpec& b);
  void call_cycles();
  void pattern(const Value& v, const std::string& path, PatternSpec& p);
  void trace(const Value& v, const std::string& path, PatternSpec& p);  // points, or a file (trace_file.h)
  void context(const Value& root);
  void monitoring(const Value& root);
  void matchers(const Value& v, const std::string& path, Matchers& m);
  void rule_metric(const Value& rv, const std::string& rp, const RuleSpec& r);
  void scaling(const Value& root);
  void scaling_one(const Value& v, const std::string& path, ScalingSpec& sc);
  void vertical_sizes(const Value& pv, const std::string& pp, ScalingPolicySpec& sp);
  void behavior_rules(const Value& v, const std::string& path, BehaviorRulesSpec& b);
  // "kind": "kubernetes" (loader_kubernetes.cpp): an autoscaling/v2 manifest, inline or in a
  // file, read into the target_tracking policy it is equivalent to.
  void kubernetes_policy(const Value& v, const std::string& path, const ScalingSpec& sc, ScalingPolicySpec& sp);
  void slos(const Value& root);
  // {"file": PATH} in slos[] (loader_slo_files.cpp): a Sloth prometheus/v1 or OpenSLO v1
  // document, whose SLOs join the scenario's.
  void slo_file(const Value& v, const std::string& path);
  // A list of burn-rate rules ({long, short, factor, severity, alert}) at obj[key].
  void burn_rate_rules(const Value& obj, const std::string& path, std::vector<BurnRateAlertSpec>& out);
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
  const FileReader& files_;
  std::vector<std::string> service_ids_, agent_ids_, tenant_ids_, provider_ids_;
  struct Sized {
    bool cores_given, memory_given;
  };
  std::vector<Sized> sized_;  // per service: which of its instance's resources the file gives
  // Per agent read (s_.agents' order): its JSON item and path, and the calls that name a
  // known agent, where they stand, for the cycle check.
  struct CallEdge {
    int callee;
    const Value* at;  // the "agent" member
    std::string path;
  };
  std::vector<const Value*> agent_items_;
  std::vector<std::string> agent_paths_;
  std::vector<std::vector<CallEdge>> call_edges_;
};

// An SLO's PromQL query (slos[].good, bad, total; a spec's queries): an expression of a
// scalar or an instant vector, whose only template is {{.window}}. Its errors go to `into`
// at the query's value. False when it is not one.
bool check_slo_query(json::Reader& into, const Value& v, const std::string& path);
// A scaling policy's series (a Pods metric on a PromQL series): an expression of a scalar
// or an instant vector, without templates. Errors go to `into` at the value.
bool check_series(json::Reader& into, const Value& v, const std::string& path);

}  // namespace opsim::detail
