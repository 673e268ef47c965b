// The typed form of a scenario file (format "opsim/1", see SCENARIO_FORMAT.md). The loader
// (loader.h) is the one place that turns JSON into these objects; everything downstream
// reads only these structs. Durations and times are SimDuration / SimTime microseconds,
// cross-references are resolved to indices.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/random.h"
#include "engine/sim_time.h"
#include "json/json.h"

namespace opsim {

// A model provider's limits, speed and prices (SCENARIO_FORMAT.md "services[]", issue 15).
// Over a limit a call fails at once as `throttled` (HTTP 429). Its work is computed from
// tokens: time to first token (plus input tokens / input_tokens_per_second when given)
// plus output tokens / output_tokens_per_second.
struct ModelProviderSpec {
  double rate_limit_rpm = 0;  // requests per minute, sliding 60 s; 0: no limit
  double rate_limit_tpm = 0;  // input + output tokens per minute, sliding 60 s; 0: no limit
  SimDuration retry_after = -1;  // the 429's Retry-After: a retry waits at least this; -1: none
  Distribution time_to_first_token;  // seconds
  double output_tokens_per_second = 0;
  double input_tokens_per_second = 0;  // prefill speed; 0: input size adds no time
  double cost_per_1k_input_tokens = 0, cost_per_1k_output_tokens = 0;  // USD
};

// Server-side protection of a service's queue (issue 15): the order it serves in, and load
// shed by tenant priority past a queue length.
enum class QueueDiscipline { fifo, lifo, adaptive_lifo };
enum class Priority { critical, default_, sheddable };

struct ServiceSpec {
  std::string id;
  enum class Kind { service, llm_provider } kind = Kind::service;
  ModelProviderSpec model;  // kind llm_provider only
  int concurrency = 1;  // slots per instance
  double cpu_cores = 1.0;
  double memory_mb = 1024;
  SimDuration startup = 0;
  double cost_per_hour = 0.0;
  int instances_initial = 1, instances_min = 1, instances_max = 1;
  int queue_capacity = 100;
  SimDuration queue_timeout = 30 * kMicrosPerSecond;
  QueueDiscipline discipline = QueueDiscipline::fifo;
  int lifo_threshold = 0;  // adaptive_lifo: newest first while more than this many wait
  // Requests of a priority arriving while this many or more wait are shed; -1: never.
  int shed_sheddable_at = -1, shed_default_at = -1;
  bool sheds() const { return shed_sheddable_at >= 0 || shed_default_at >= 0; }
};

enum class Complexity { low, medium, high };
enum class ModelSize { standard, large };

// Agents that call agents (SCENARIO_FORMAT.md "agents[].calls", issue 15). A call is a
// request of the called agent on that agent's service, for the tenant whose request started
// the chain; the caller holds its slot until its calls have ended.
enum class Jitter { none, full, equal, decorrelated };  // AWS Architecture Blog, "Exponential Backoff and Jitter"

// Without a "retry" a call has one attempt; with one, absent members take resilience4j's
// defaults (the loader sets them), which these are.
struct RetrySpec {
  int max_attempts = 1;  // attempts in all, the first one included; 1: no retries
  SimDuration backoff = 500 * kMicrosPerMilli;  // before the first retry
  SimDuration max_backoff = 10 * kMicrosPerSecond;
  // The k-th retry waits backoff x multiplier^(k-1), capped at max_backoff; decorrelated
  // jitter's growth factor from one wait to the next (3 unless given).
  double multiplier = 1.5;
  Jitter jitter = Jitter::none;
  double budget_percent = -1;  // retries at most this share of first attempts (Finagle's RetryBudget); -1: no budget
};

// resilience4j's count of calls in a time window: it opens when at least min_calls calls
// ended in the last `window` and failure_percent of them failed; open for `open_for`, then
// half-open until half_open_calls trial calls have ended.
struct CircuitBreakerSpec {
  bool enabled = false;
  double failure_percent = 50;
  SimDuration window = 60 * kMicrosPerSecond;
  int min_calls = 100;
  SimDuration open_for = 60 * kMicrosPerSecond;
  int half_open_calls = 10;
};

struct CallSpec {
  std::string agent;
  int agent_index = -1;
  int count = 1;  // repeated in sequence, like an agent loop's model calls
  SimDuration timeout = -1;  // -1: the caller waits as long as the call takes
  bool cancel_on_timeout = false;  // a timed-out attempt still queued leaves the callee's queue
  RetrySpec retry;
  CircuitBreakerSpec circuit_breaker;
  bool continue_on_failure = false;  // "on_failure": "continue" (degraded) or "fail" (the default)
};

// One step of an agent's calls: one call, or several sent at once ("parallel") that end when
// all have ended.
struct CallStep {
  std::vector<CallSpec> calls;
  bool parallel = false;
};

struct AgentSpec {
  std::string id;
  std::string service;
  int service_index = -1;
  Distribution work;  // seconds
  Complexity complexity = Complexity::medium;
  ModelSize model_size = ModelSize::standard;
  double error_percent = 0.0;
  // Resource estimate of one execution (SCENARIO_FORMAT.md "agents[]", after seeds 000/004),
  // set by the loader from complexity and model size.
  double memory_estimate_mb = 256;
  double cpu_estimate_cores = 0.5;
  std::vector<CallStep> calls;  // run in order after the agent's own work
  // An agent on a model provider: the tokens of one call (its input without the assembled
  // context, which the chain's first request adds).
  Distribution input_tokens, output_tokens;
  bool has_tokens = false;
};

struct PatternSpec {
  enum class Type { constant, diurnal, weekly, ramp, spike, trace };
  Type type = Type::constant;
  double factor = 1.0;  // constant
  double peak_hour = 14.0, trough_factor = 0.3;  // diurnal
  std::array<double, 7> weekly_factors{{1, 1, 1, 1, 1, 1, 1}};  // weekly, Monday first
  SimTime at = 0;  // ramp, spike
  SimDuration duration = 0;  // ramp, spike
  double from = 1.0, to = 1.0;  // ramp
  double multiplier = 1.0;  // spike
  // trace: (time from the trace's start, rate per second), unit and scale applied. The
  // trace starts `shift` after the scenario (a negative shift: part-way into it); before it
  // starts, its first rate holds. With `repeat`, it loops with that period from its start;
  // without, its last rate holds after its last point.
  std::vector<std::pair<SimTime, double>> points;
  SimDuration shift = 0, repeat = 0;
};

struct LoadSpec {
  std::string agent;
  int agent_index = -1;
  double rate = 0.0;  // requests per second before patterns
  std::vector<PatternSpec> patterns;
};

struct UserSpec {
  std::string id;
  std::vector<std::string> roles;
  double weight = 1.0;
};

enum class Isolation { shared, namespace_, dedicated, physical };
const char* isolation_name(Isolation i);  // "shared", "namespace", "dedicated", "physical"
// The tokens a JSON value takes in a prompt when the scenario does not say: its compact
// JSON text at 4 characters a token (OpenAI's rule of thumb for English text), at least 1.
double context_tokens_estimate(const json::Value& v);
double context_tokens_estimate_of_text(std::size_t characters);

struct QuotaSpec {
  // Defaults are the seed's ResourceQuota defaults.
  int max_concurrent_agents = 10;
  double max_memory_mb = 2048;
  double max_cpu_cores = 2.0;
  double max_requests_per_minute = 1000;
  SimDuration max_execution_time = 300 * kMicrosPerSecond;
  // Tokens sent to and received from model providers in the last 60 s; 0: no limit.
  // Checked at each model call, as an API gateway's token limit is (a call over it fails
  // as `throttled`).
  double max_tokens_per_minute = 0;
  bool given = false;
};

struct BillingSpec {
  std::string plan;
  double price_per_request_usd = 0;  // per successful request
  double price_per_cpu_hour_usd = 0;  // per core-hour reserved by admitted executions
};

struct TenantSpec {
  std::string id, name;
  Isolation isolation = Isolation::shared;
  Priority priority = Priority::default_;  // which of its requests a shedding queue refuses first
  QuotaSpec quota;
  std::vector<UserSpec> users;
  std::vector<std::string> compliance;
  json::Value security_policies;  // free-form settings, part of the tenant context
  BillingSpec billing;
  std::vector<LoadSpec> load;
};

// Context (SCENARIO_FORMAT.md "context", after seed 000 part 1). Scopes from the broadest to
// the narrowest: a request at scope S sees entries whose scope is S or broader.
enum class ContextScope { global, division, department, project, user, session };

// Who may see an entry (the seed's access_control): a user listed in `users`, or holding one
// of `roles`. Both empty: everyone.
struct ContextAccess {
  std::vector<std::string> roles;
  std::vector<std::string> users;
  bool restricted() const { return !roles.empty() || !users.empty(); }
};

// The seed's ContextMetadata.
struct ContextMetadata {
  SimTime created_at = 0;  // the entry does not exist before; default: the scenario's start
  std::string created_by;  // default: the provider's id
  ContextScope scope = ContextScope::global;
  int priority = 5;  // 1-10, higher wins when several entries answer the same key
  SimTime expires_at = -1;  // -1: never; an entry is not returned from expires_at on
  std::vector<std::string> tags;
  ContextAccess access;
};

// One typed piece of provider data: a business/custom entry, or one named policy.
struct ContextEntrySpec {
  enum class Layer { entry, base, role, scope };  // entry: business/custom; the others: policy
  Layer layer = Layer::entry;
  std::string key;  // the context key it answers (policy: the provider's key)
  std::string name;  // policy: the policy's name
  std::string role;  // Layer::role: the role whose holders get this override
  json::Value value;  // opaque, rendered into prompts (a policy's value is an object)
  ContextMetadata meta;
  double tokens = 0;  // its size in a prompt: given, or estimated from its JSON (4 characters a token)
};

// Live values the operational provider exposes (from OperationalSnapshot).
enum class OperationalMetric {
  cpu_utilization, memory_utilization, latency_p95_ms, error_rate_percent, request_rate, instances, cost_usd
};
constexpr int kOperationalMetricCount = 7;

struct ProviderSpec {
  std::string id;
  enum class Kind { policy, business, operational, custom } kind = Kind::custom;
  int priority = 5;  // consultation order, highest first (ties: file order)
  SimDuration cache_ttl = 0;  // 0: no cache
  SimDuration latency = 0;  // cost of a cache miss
  SimDuration timeout = kMicrosPerSecond;  // cost of a look-up while the provider is down
  double failure_percent = 0.0;
  // Typed data (the loader parses `data` per kind):
  std::string key;  // policy ("policies") and operational ("operational_metrics"): the key it answers
  // policy: base policies, role overrides and scope policies, each in file order;
  // business/custom: the entries.
  std::vector<ContextEntrySpec> entries;
  std::string policy_version, enforcement_level;  // policy; empty: not stated
  std::vector<std::string> compliance_frameworks;  // policy
  std::vector<OperationalMetric> metrics;  // operational: what it exposes (default: all)
};

struct ContextSpec {
  bool given = false;
  std::vector<ProviderSpec> providers;
  std::vector<std::string> keys;  // empty: every key some provider answers, in provider order
  ContextScope scope = ContextScope::project;
  enum class Strategy { append, inject, template_ } strategy = Strategy::append;
  std::string template_text;  // strategy "template": "{prompt}" and "{context}" are filled in
};

enum class CompareOp { lt, le, gt, ge, eq, ne };
bool compare(double lhs, CompareOp op, double rhs);
const char* op_text(CompareOp op);

// Prometheus rule groups read from rule files (monitoring/rule_file.h).
struct PromRuleSet;

struct RuleSpec {
  std::string id, metric;
  CompareOp op = CompareOp::gt;
  double value = 0.0;
  SimDuration for_ = 0;
  int min_samples = 1;
  std::string severity = "warning";
  std::string tenant, service;  // scope; empty = global
};

struct ChannelSpec {
  std::string id;
  std::vector<std::string> severities;
  SimDuration delay = 0;
};

struct Matchers {  // empty fields match anything
  std::string rule, severity, tenant, service;
};

struct SilenceSpec {
  Matchers match;
  SimTime starts = 0, ends = 0;
  std::string comment;
};

struct InhibitSpec {
  Matchers source, target;
  std::vector<std::string> equal;  // label names: "service", "tenant"
};

struct MonitoringSpec {
  SimDuration scrape_interval = 15 * kMicrosPerSecond;
  SimDuration retention = 24 * kMicrosPerHour;
  std::vector<RuleSpec> rules;  // the seed's default rules when the scenario gives none
  bool rules_given = false;
  // Prometheus rule files (monitoring.rule_files, relative to the scenario's file), and
  // their groups once the platform has read them (attach_rule_files, with the runner's
  // --rules). Shared: a Scenario is copied into each Simulation.
  std::vector<std::string> rule_files;
  std::shared_ptr<const PromRuleSet> prometheus_rules;
  std::vector<ChannelSpec> channels;
  SimDuration group_wait = 30 * kMicrosPerSecond;
  SimDuration group_interval = 5 * kMicrosPerMinute;
  SimDuration repeat_interval = 4 * kMicrosPerHour;
  std::vector<SilenceSpec> silences;
  std::vector<InhibitSpec> inhibit;
  bool alerting_given = false;  // channels or routing present
};

struct BehaviorPolicySpec {
  enum class Type { percent, instances } type = Type::percent;
  double value = 100;
  SimDuration period = 15 * kMicrosPerSecond;
};

struct BehaviorRulesSpec {
  SimDuration stabilization_window = 0;
  enum class Select { max, min, disabled } select = Select::max;
  std::vector<BehaviorPolicySpec> policies;
  // Kubernetes 1.33's per-direction tolerance (behavior.scaleUp/scaleDown.tolerance): a usage
  // ratio above 1 is held against scale_up's, one below 1 against scale_down's. Absent: the
  // policy's `tolerance`.
  std::optional<double> tolerance;
};

enum class ScalingTrigger { cpu_utilization, memory_utilization, request_rate, queue_depth, custom, schedule };

struct ScheduleStep {
  SimTime at = 0;
  int instances = 0;
};

struct ScalingPolicySpec {
  std::string id;
  enum class Kind { threshold, target_tracking } kind = Kind::threshold;
  // threshold
  ScalingTrigger trigger = ScalingTrigger::cpu_utilization;
  std::string metric;  // custom trigger, and target_tracking
  double threshold_up = 75, threshold_down = 30;
  SimDuration cooldown = 5 * kMicrosPerMinute;
  int evaluation_periods = 2;
  int scale_increment = 1;
  std::vector<ScheduleStep> schedule;
  // The seed's directions: horizontal changes the instance count (scale out / in),
  // vertical the instance size (scale up / down) through a rolling restart. A vertical
  // policy steps through `size_factors` (ascending, containing 1, the service's `instance`
  // as written): a factor multiplies the instance's concurrency, cpu_cores, memory_mb and
  // cost_per_hour; scale_increment counts steps.
  enum class Direction { horizontal, vertical } direction = Direction::horizontal;
  std::vector<double> size_factors;
  // target_tracking (Kubernetes HPA defaults)
  double target = 60;
  double tolerance = 0.1;
  BehaviorRulesSpec scale_up, scale_down;
  // How the metric's value meets the target, as autoscaling/v2's MetricTarget type:
  // cpu_utilization and memory_utilization take `utilization` (a Resource metric);
  // request_rate and queue_depth `average_value` per ready instance (a Pods metric); any
  // other metric is an Object one, `value` (the default) or `average_value` (a value the
  // instances share).
  enum class TargetType { utilization, average_value, value } target_type = TargetType::value;
  // A manifest's further metrics (spec.metrics after the first, which is metric, target
  // and target_type above): each proposes a count and the largest is followed.
  struct TrackedMetric {
    std::string metric;
    double target = 0;
    TargetType target_type = TargetType::value;
    std::string series;  // as `series` below
  };
  std::vector<TrackedMetric> more_metrics;
  // A Pods metric that names a PromQL series: an expression over the monitoring's series
  // (a manifest's NAME{service="<id>", matchLabels...}), whose value summed over its
  // series is the pool's total; the target is that total per ready instance
  // (average_value), as the HPA averages a Pods metric over the pods. `metric` is then
  // the expression's text. Empty: `metric` names an opsim metric.
  std::string series;
  // Its own instance bounds within the service's (a manifest's minReplicas and maxReplicas);
  // -1: the service's.
  int min_instances = -1, max_instances = -1;
  // "kind": "kubernetes": the manifest as the scenario names it (a path, or "inline"), and
  // its metadata.name; the policy itself is target_tracking.
  std::string manifest, manifest_name;
};

// The target type a target_tracking policy's metric takes unless it says otherwise:
// utilization for cpu_utilization and memory_utilization, average_value for request_rate
// and queue_depth, value for any other metric.
ScalingPolicySpec::TargetType default_target_type(const std::string& metric);
const char* target_type_name(ScalingPolicySpec::TargetType t);  // "utilization", "average_value", "value"

struct PredictiveSpec {
  bool enabled = false;
  // What the engine learns, forecasts and scales on (scaling/scaling_loop.h): a load summed
  // over the pool for cpu_utilization and memory_utilization (times the ready instances),
  // request_rate and queue_depth, with `threshold` per instance; any other metric's value
  // as it is, scaled in proportion like a Kubernetes Object metric.
  std::string metric = "cpu_utilization";
  SimDuration horizon = 60 * kMicrosPerMinute;
  SimDuration lead = 30 * kMicrosPerMinute;
  double threshold = 80;
  double min_confidence = 0.7;
  int min_history_points = 100;
  enum class Method { seed_ensemble, seasonal_naive } method = Method::seed_ensemble;
};

struct ScalingSpec {
  std::string service;
  int service_index = -1;
  SimDuration evaluation_interval = 60 * kMicrosPerSecond;
  int max_events_per_hour = 10;
  bool cost_optimization = false;
  std::vector<ScalingPolicySpec> policies;
  PredictiveSpec predictive;
};

struct BurnRateAlertSpec {
  SimDuration long_window = kMicrosPerHour, short_window = 5 * kMicrosPerMinute;
  double factor = 14.4;
  std::string severity = "page";
  // The alert the rule belongs to. Rules of one SLO with the same name and severity are one
  // alert that holds while any of them does, as Sloth writes a page (or ticket) alert as the
  // `or` of its two window pairs. Empty: the rule is an alert of its own.
  std::string alert;
  // What the alert carries to its events, as Prometheus would (a Sloth spec's labels and
  // annotations; sorted by name).
  std::vector<std::pair<std::string, std::string>> labels, annotations;
};

struct SloSpec {
  std::string id, service;  // service empty = every service
  int service_index = -1;
  // query: good (or bad) and total events are PromQL over the monitoring's series (below).
  enum class Indicator { availability, latency, query } indicator = Indicator::availability;
  SimDuration threshold = 0;  // latency indicator
  // query indicator: exactly one of good and bad, and total. An expression without
  // {{.window}} is a counter: the events of an interval are its increase since the last
  // scrape. One with {{.window}} is a per-second rate over that window, as Sloth writes
  // them: the window becomes the scrape interval, and the events are rate x interval.
  std::string good_query, bad_query, total_query;
  double target_percent = 99.9;
  SimDuration window = 30 * kMicrosPerDay;
  // The SLO's own burn-rate rules (given, or a spec's), replacing the alerting section's.
  bool own_burn_rate = false;
  std::vector<BurnRateAlertSpec> burn_rate;
  // Where it was read from: a spec file's path and format ("sloth", "openslo"); empty when native.
  std::string file, file_format;
};

const char* slo_indicator_name(SloSpec::Indicator i);  // "availability", "latency", "query"

// An SLO query's {{.window}} (Sloth's template variable; spaces inside the braces allowed).
// slo_query_window_at: where the first template starts and how long it is; npos when the
// query has none. A "{{" that starts anything else sets `other` (false when there is none).
struct SloQueryTemplate {
  std::size_t at = std::string::npos, length = 0;
  bool other = false;
};
SloQueryTemplate slo_query_window_at(const std::string& query);
// The query with every {{.window}} replaced by the window, as a PromQL duration.
std::string slo_query_with_window(const std::string& query, SimDuration window);

struct AlertingSpec {
  bool given = false;
  std::vector<BurnRateAlertSpec> burn_rate;  // the SRE workbook's defaults when not given
};

struct IncidentsSpec {
  bool given = false;
  std::vector<std::string> open_on{"page"};
  SimDuration resolve_after = 10 * kMicrosPerMinute;
  std::vector<std::string> postmortem_for{"sev1", "sev2"};
};

enum class FaultType { instance_crash, latency, errors, provider_outage, traffic_spike, capacity_loss, data_loss, security };

struct FaultSpec {
  FaultType type = FaultType::instance_crash;
  SimTime at = 0;
  SimDuration duration = -1;  // -1: permanent
  std::string service, agent, tenant, provider;
  int service_index = -1, agent_index = -1, tenant_index = -1, provider_index = -1;
  int count = 0;
  double fraction = 0;
  SimDuration add = 0;
  double error_percent = 0;
  double multiplier = 1;
  double concurrency_percent = 0;
};

struct DeploymentSpec {
  std::string id, service;
  int service_index = -1;
  SimTime at = 0;
  enum class Strategy { rolling, canary, blue_green } strategy = Strategy::rolling;
  double version_error_percent = 0;
  double version_latency_factor = 1.0;
  std::vector<double> canary_steps{5, 25, 50, 100};
  SimDuration canary_step_duration = 10 * kMicrosPerMinute;
  double canary_max_error_rate_percent = 1.0;
  double canary_max_latency_p95_ms = 0;  // 0: no latency gate
  int rolling_max_surge = 1, rolling_max_unavailable = 0;
  bool auto_rollback = true;
};

struct ProbeSpec {
  std::string metric;
  SimDuration window = 10 * kMicrosPerMinute;
  double low = 0, high = 0;
};

struct ChaosSpec {
  std::string id, title;
  SimTime at = 0;
  std::string hypothesis_title;
  std::vector<ProbeSpec> probes;
  std::vector<std::pair<FaultSpec, SimDuration>> method;  // fault, how long it lasts
  std::vector<std::string> rollbacks;  // what to restore: "instances", "faults"
  double min_error_budget_remaining_percent = 0;
  std::vector<std::string> abort_on;
  double max_blast_radius_percent = 100;
};

struct ObjectiveSpec {
  std::string id, description, metric;
  CompareOp op = CompareOp::le;
  double value = 0;
};

// A course exercise: the task as the student reads it, hints the front end reveals one at a
// time, and the file name of the reference solution, relative to the exercise file's folder
// (a scenario that passes every objective). The objectives remain what is graded.
struct ExerciseSpec {
  bool present = false;  // the scenario has an "exercise" section
  std::string statement;
  std::vector<std::string> hints;
  std::string solution;  // "" when the exercise names none
};

struct Scenario {
  std::string name, description;
  std::vector<std::string> tags;
  std::uint64_t seed = 1;
  Calendar calendar{1767571200};  // 2026-01-05T00:00:00Z, a Monday
  SimDuration duration = 0;
  std::vector<ServiceSpec> services;
  std::vector<AgentSpec> agents;
  std::vector<TenantSpec> tenants;
  ContextSpec context;
  MonitoringSpec monitoring;
  std::vector<ScalingSpec> scaling;
  std::vector<SloSpec> slos;
  AlertingSpec alerting;
  IncidentsSpec incidents;
  std::vector<FaultSpec> faults;
  std::vector<DeploymentSpec> deployments;
  std::vector<ChaosSpec> chaos;
  std::vector<ObjectiveSpec> objectives;
  ExerciseSpec exercise;

  int service_index(const std::string& id) const;
  int agent_index(const std::string& id) const;
  int tenant_index(const std::string& id) const;
  // Whether any agent calls another (the call graph's metrics exist only then).
  bool has_calls() const;
  bool has_providers() const;  // a service of kind llm_provider
  bool sheds() const;  // a queue sheds load
};

// An edge of the call graph: every call entry from one agent to another shares its metrics
// (call.<caller>.<callee>.*). In the order the agents and their calls first name them.
struct CallEdge {
  int caller = 0, callee = 0;
};
std::vector<CallEdge> call_edges(const Scenario& s);

}  // namespace opsim
