// A scaling policy read from a Kubernetes HorizontalPodAutoscaler (autoscaling/v2), as
// `kubectl get hpa NAME -o yaml` (or -o json) prints it:
//
//   {"id": "hpa", "kind": "kubernetes", "manifest": "hpa.yaml"}     a file, relative to the scenario's
//   {"id": "hpa", "kind": "kubernetes", "manifest": {...}}          the object, inline
//
// The manifest becomes the target_tracking policy it is equivalent to (scaling/hpa.h runs
// both), with Kubernetes' defaults where it is silent: minReplicas 1, the metric cpu at 80 %
// utilization, scale-up by max(100 %, 4 pods) per 15 s with no stabilisation, scale-down by
// 100 % per 15 s after 300 s, selectPolicy Max, tolerance 0.1. What it maps to:
//   Resource cpu / memory, Utilization      cpu_utilization / memory_utilization, the same target
//   Resource cpu / memory, AverageValue     the same, the quantity as a percent of the
//                                           service's instance (cpu_cores, memory_mb MiB)
//   Pods request_rate / queue_depth         that metric per ready instance (AverageValue)
//   Pods, any other name                    the PromQL series NAME{service="<id>", matchLabels...},
//                                           summed, per ready instance (AverageValue)
//   Object, describedObject a Service,      service.<name>.<metric> (a Namespace: tenant.<name>.<metric>),
//     Deployment or StatefulSet              Value or AverageValue
//   External, selector {tenant|service|agent: id}   <scope>.<id>.<metric> (none: the global
//                                           metric), Value or AverageValue
//   minReplicas, maxReplicas                the policy's bounds, within the service's
//   several metrics                         each proposes a count, the largest is followed
// Refused with their path: what opsim cannot honour (ContainerResource metrics, a selector
// on request_rate or queue_depth, matchExpressions) and what Kubernetes' own
// validation refuses. metadata is the object's identity; status, what a cluster observed,
// is set aside with a warning.
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "json/yaml.h"
#include "scenario/loader_internal.h"

namespace opsim::detail {
namespace {

// A resource.Quantity ("500m", "2", "1.5Gi", "1e3"), as a number. False when it is not one.
bool parse_quantity(const Value& v, double& out) {
  if (v.type == Type::number) {
    out = v.number;
    return std::isfinite(out);
  }
  if (v.type != Type::string || v.text.empty()) return false;
  const std::string& s = v.text;
  std::size_t i = s[0] == '+' || s[0] == '-' ? 1 : 0;
  std::size_t digits = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i, ++digits;
  if (digits == 0) return false;
  char* end = nullptr;
  const std::string number = s.substr(0, i);
  const double mantissa = std::strtod(number.c_str(), &end);
  if (!end || *end != 0) return false;
  const std::string suffix = s.substr(i);
  static const std::pair<const char*, double> kSuffixes[] = {
      {"", 1},      {"n", 1e-9},  {"u", 1e-6},  {"m", 1e-3},  {"k", 1e3},           {"M", 1e6},
      {"G", 1e9},   {"T", 1e12},  {"P", 1e15},  {"E", 1e18},  {"Ki", 1024.0},       {"Mi", 1048576.0},
      {"Gi", 1073741824.0},       {"Ti", 1099511627776.0},    {"Pi", 1125899906842624.0},
      {"Ei", 1152921504606846976.0}};
  for (const auto& [name, factor] : kSuffixes)
    if (suffix == name) {
      out = mantissa * factor;
      return std::isfinite(out);
    }
  // A decimal exponent: "1e3", "2E-2".
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::size_t k = 1;
    if (suffix[k] == '+' || suffix[k] == '-') ++k;
    if (k >= suffix.size()) return false;
    for (std::size_t j = k; j < suffix.size(); ++j)
      if (!std::isdigit(static_cast<unsigned char>(suffix[j]))) return false;
    out = mantissa * std::pow(10.0, std::atof(suffix.c_str() + 1));
    return std::isfinite(out);
  }
  return false;
}

constexpr const char* kQuantity = "a quantity such as 2, \"500m\", \"1.5\" or \"512Mi\"";

bool is_metric_name(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  return true;
}

bool is_label_name(const std::string& s) {
  return !s.empty() && s.find(':') == std::string::npos && is_metric_name(s);
}

// A PromQL string literal: double quotes, with backslashes and quotes escaped.
std::string promql_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

}  // namespace

// Reads one manifest document into a target_tracking policy. Its diagnostics go where the
// Reader's do: the scenario's, for an inline manifest; the file's, for a file.
class HpaManifest : public json::Reader {
 public:
  HpaManifest(Loader& loader, std::vector<Diagnostic>& errors, std::vector<Diagnostic>& warnings,
              const ScalingSpec& section, ScalingPolicySpec& sp)
      : json::Reader(errors, &warnings), loader_(loader), section_(section), sp_(sp) {}

  void read(const Value& doc, const std::string& p) {
    if (!object(doc, p, {"apiVersion", "kind", "metadata", "spec", "status"})) return;
    if (const Value* v = member(doc, p, "apiVersion", true, "\"autoscaling/v2\"")) {
      if (v->type != Type::string || v->text != "autoscaling/v2")
        expected(*v, join(p, "apiVersion"),
                 "\"autoscaling/v2\"" + std::string(v->type == Type::string && v->text.rfind("autoscaling/", 0) == 0
                                                        ? " (kubectl get hpa NAME -o yaml prints v2; v1 and v2beta2 differ)"
                                                        : ""));
    }
    if (const Value* v = member(doc, p, "kind", true, "\"HorizontalPodAutoscaler\""))
      if (v->type != Type::string || v->text != "HorizontalPodAutoscaler")
        expected(*v, join(p, "kind"), "\"HorizontalPodAutoscaler\" (one object; a List holds several)");
    if (const Value* m = member(doc, p, "metadata", false, "an object")) {
      // The object's identity: its name goes in the reports, the rest is the cluster's.
      if (m->type != Type::object) expected(*m, join(p, "metadata"), "an object");
      else if (const Value* n = m->find("name"); n && n->type == Type::string) sp_.manifest_name = n->text;
    }
    if (const Value* st = doc.find("status"))
      warn(st, join(p, "status"),
           "status is what a cluster observed, not a setting: the simulation starts from the service's instances.initial");
    if (const Value* spec = member(doc, p, "spec", true, "an object")) read_spec(*spec, join(p, "spec"));
  }

 private:
  Loader& loader_;
  const ScalingSpec& section_;
  ScalingPolicySpec& sp_;

  const ServiceSpec* service() const {
    return section_.service_index >= 0 ? &loader_.s_.services[static_cast<std::size_t>(section_.service_index)] : nullptr;
  }

  void read_spec(const Value& v, const std::string& p) {
    if (!object(v, p, {"scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior"})) return;
    if (const Value* t = member(v, p, "scaleTargetRef", true, "an object: {kind, name, apiVersion}"))
      scale_target(*t, join(p, "scaleTargetRef"));
    sp_.min_instances = 1;
    read_int(v, p, "minReplicas", sp_.min_instances, 1, ScenarioLimits::kMaxInstancesPerService);
    if (read_int(v, p, "maxReplicas", sp_.max_instances, 1, ScenarioLimits::kMaxInstancesPerService, true) &&
        sp_.max_instances < sp_.min_instances)
      expected(*v.find("maxReplicas"), join(p, "maxReplicas"),
               "a count not below minReplicas (" + std::to_string(sp_.min_instances) + ")");
    if (const ServiceSpec* s = service(); s && sp_.max_instances >= sp_.min_instances && sp_.max_instances > 0 &&
                                          (sp_.max_instances < s->instances_min || sp_.min_instances > s->instances_max))
      warn(v.find("maxReplicas"), join(p, "maxReplicas"),
           "replicas " + std::to_string(sp_.min_instances) + " to " + std::to_string(sp_.max_instances) +
               " do not overlap the service's instances (" + std::to_string(s->instances_min) + " to " +
               std::to_string(s->instances_max) + "): the service's bound holds the fleet where the HPA cannot follow");
    // Kubernetes' default when no metric is given: cpu at 80 % utilization.
    std::vector<ScalingPolicySpec::TrackedMetric> metrics;
    read_array(v, p, "metrics", false, 0, 10, "kMaxManifestMetrics", [&](const Value& mv, const std::string& mp) {
      ScalingPolicySpec::TrackedMetric t;
      metric(mv, mp, t);
      metrics.push_back(t);
    });
    if (metrics.empty()) metrics.push_back({"cpu_utilization", 80, ScalingPolicySpec::TargetType::utilization});
    sp_.metric = metrics[0].metric;
    sp_.target = metrics[0].target;
    sp_.target_type = metrics[0].target_type;
    sp_.series = metrics[0].series;
    sp_.more_metrics.assign(metrics.begin() + 1, metrics.end());
    if (const Value* b = member(v, p, "behavior", false, "an object: {scaleUp, scaleDown}")) {
      const std::string bp = join(p, "behavior");
      if (object(*b, bp, {"scaleUp", "scaleDown"})) {
        if (const Value* u = b->find("scaleUp")) rules(*u, join(bp, "scaleUp"), sp_.scale_up);
        if (const Value* d = b->find("scaleDown")) rules(*d, join(bp, "scaleDown"), sp_.scale_down);
      }
    }
  }

  // The workload it scales: the scaling section's service. A name that is another service
  // of the scenario is a mistake worth stopping for; any other is the cluster's own name.
  void scale_target(const Value& t, const std::string& p) {
    if (!object(t, p, {"apiVersion", "kind", "name"})) return;
    std::string api, kind, name;
    read_string(t, p, "kind", kind, true);
    read_string(t, p, "apiVersion", api, false);
    if (!read_string(t, p, "name", name, true) || section_.service_index < 0) return;
    const std::string& own = section_.service;
    for (const std::string& id : loader_.service_ids_)
      if (id == name && id != own)
        error(t.find("name"), join(p, "name"),
              "expected the service this scaling section scales (" + json::quote(own) + "), found " + json::quote(name) +
                  ", another service of the scenario: move the policy to that service's scaling section");
  }

  void target(const Value& m, const std::string& p, bool utilization_allowed, bool value_allowed, double& out,
              std::string& type) {
    const Value* t = member(m, p, "target", true, "an object: {type, averageUtilization | averageValue | value}");
    if (!t) return;
    const std::string tp = join(p, "target");
    if (!object(*t, tp, {"type", "averageUtilization", "averageValue", "value"})) return;
    std::vector<std::string_view> types;
    if (utilization_allowed) types.push_back("Utilization");
    types.push_back("AverageValue");
    if (value_allowed) types.push_back("Value");
    int which = 0;
    if (!read_enum(*t, tp, "type", which, types, true)) return;
    type = std::string(types[static_cast<std::size_t>(which)]);
    const char* field = type == "Utilization" ? "averageUtilization" : type == "AverageValue" ? "averageValue" : "value";
    for (const char* other : {"averageUtilization", "averageValue", "value"})
      if (std::string_view(other) != field && t->find(other))
        expected(*t->find(other), join(tp, other), std::string("no ") + other + " with type " + type + " (it takes " + field + ")");
    if (type == "Utilization") {
      int percent = 0;
      if (read_int(*t, tp, "averageUtilization", percent, 1, 2147483647, true)) out = percent;
      return;
    }
    const Value* q = member(*t, tp, field, true, kQuantity);
    if (!q) return;
    if (!parse_quantity(*q, out)) {
      expected(*q, join(tp, field), kQuantity);
    } else if (!(out > 0)) {
      expected(*q, join(tp, field), "a quantity above 0");
    }
  }

  void metric(const Value& m, const std::string& p, ScalingPolicySpec::TrackedMetric& out) {
    if (m.type != Type::object) {
      expected(m, p, "an object: {type, resource | pods | object | external}");
      return;
    }
    int type = 0;
    if (!read_enum(m, p, "type", type, {"Resource", "Pods", "Object", "External", "ContainerResource"}, true)) return;
    static const char* kMembers[] = {"resource", "pods", "object", "external", "containerResource"};
    const char* own = kMembers[type];
    if (type == 4) {
      error(m.find("type"), join(p, "type"),
            "expected Resource, Pods, Object or External, found \"ContainerResource\": an opsim instance is one "
            "container, so its Resource metric says the same");
      return;
    }
    if (!object(m, p, {"type", own})) return;
    const Value* src = member(m, p, own, true, "an object");
    if (!src) return;
    const std::string sp = join(p, own);
    std::string target_kind;
    if (type == 0) {
      if (!object(*src, sp, {"name", "target"})) return;
      int resource = 0;
      if (!read_enum(*src, sp, "name", resource, {"cpu", "memory"}, true)) return;
      out.metric = resource == 0 ? "cpu_utilization" : "memory_utilization";
      out.target_type = ScalingPolicySpec::TargetType::utilization;
      double goal = 0;
      target(*src, sp, true, false, goal, target_kind);
      if (target_kind == "Utilization") {
        out.target = goal;
      } else if (target_kind == "AverageValue" && goal > 0 && service()) {
        // Usage per instance against the instance's size: the same ratio as a utilization.
        const double size = resource == 0 ? service()->cpu_cores : service()->memory_mb * 1048576.0;
        out.target = 100.0 * goal / size;
      }
      return;
    }
    if (type == 1) {
      if (!object(*src, sp, {"metric", "target"})) return;
      const Value* mv = member(*src, sp, "metric", true, "an object: {name}");
      if (!mv) return;
      const std::string mp = join(sp, "metric");
      if (!object(*mv, mp, {"name", "selector"})) return;
      out.target_type = ScalingPolicySpec::TargetType::average_value;
      target(*src, sp, false, false, out.target, target_kind);
      std::string name;
      if (!read_string(*mv, mp, "name", name, true)) return;
      if (name == "request_rate" || name == "queue_depth") {
        // opsim's own figures per instance.
        out.metric = name;
        if (const Value* sel = mv->find("selector"))
          expected(*sel, join(mp, "selector"), "no selector for " + name + ": it is the pool's own figure, with no labels");
        return;
      }
      // Any other name is a PromQL series (a recording rule's, or opsim's own), the
      // service's: NAME{service="<id>"} and the selector's labels.
      if (!is_metric_name(name)) {
        expected(*mv->find("name"), join(mp, "name"),
                 "request_rate, queue_depth or a Prometheus series name (letters, digits, '_' and ':'), found " +
                     json::quote(name));
        return;
      }
      std::string matchers = "service=" + promql_string(section_.service);
      if (const Value* sel = mv->find("selector")) {
        const std::string selp = join(mp, "selector");
        if (!object(*sel, selp, {"matchLabels", "matchExpressions"})) return;
        if (const Value* e = sel->find("matchExpressions"))
          expected(*e, join(selp, "matchExpressions"), "no matchExpressions: a series is selected by matchLabels");
        if (const Value* ml = member(*sel, selp, "matchLabels", false, "an object of label names to values")) {
          const std::string mlp = join(selp, "matchLabels");
          if (ml->type != Type::object) return (void)expected(*ml, mlp, "an object of label names to values");
          for (const auto& [label, value] : ml->members) {
            if (label == "service" || !is_label_name(label) || value.type != Type::string) {
              expected(value, join(mlp, label),
                       label == "service" ? "no service label: the series is the scaling section's service's"
                                          : "a label name (letters, digits and '_') and a string value");
              continue;
            }
            matchers += "," + label + "=" + promql_string(value.text);
          }
        }
      }
      out.series = name + "{" + matchers + "}";
      out.metric = out.series;
      return;
    }
    // Object and External: a metric of the scenario, scoped by the object or the selector.
    if (!object(*src, sp, type == 2 ? json::KeyList{"describedObject", "metric", "target"} : json::KeyList{"metric", "target"})) return;
    std::string scope;  // "service.workers." and the like
    if (type == 2) {
      if (const Value* d = member(*src, sp, "describedObject", true, "an object: {kind, name, apiVersion}"))
        scope = described_object(*d, join(sp, "describedObject"));
    }
    const Value* mv = member(*src, sp, "metric", true, "an object: {name, selector}");
    if (!mv) return;
    const std::string mp = join(sp, "metric");
    if (!object(*mv, mp, {"name", "selector"})) return;
    if (const Value* sel = mv->find("selector")) {
      const std::string selp = join(mp, "selector");
      if (type == 2) expected(*sel, selp, "no selector: describedObject says which object's metric it is");
      else scope = selector(*sel, selp);
    }
    std::string name;
    if (!read_string(*mv, mp, "name", name, true)) return;
    if (!scope.empty() && name.find('.') != std::string::npos) {
      expected(*mv->find("name"), join(mp, "name"),
               "a metric name without a scope (the " + std::string(type == 2 ? "describedObject" : "selector") +
                   " gives it: " + scope + "<name>), found " + json::quote(name));
      return;
    }
    out.metric = scope + name;
    loader_.check_metric(*mv, mp, "name", out.metric, this);
    target(*src, sp, false, true, out.target, target_kind);
    out.target_type = target_kind == "AverageValue" ? ScalingPolicySpec::TargetType::average_value
                                                    : ScalingPolicySpec::TargetType::value;
  }

  // The scope an Object metric's describedObject names: a Service, Deployment or
  // StatefulSet is an opsim service; a Namespace, a tenant.
  std::string described_object(const Value& d, const std::string& p) {
    if (!object(d, p, {"apiVersion", "kind", "name"})) return {};
    std::string api, kind, name;
    read_string(d, p, "apiVersion", api, false);
    int k = 0;
    if (!read_enum(d, p, "kind", k, {"Service", "Deployment", "StatefulSet", "Namespace"}, true)) return {};
    if (!read_string(d, p, "name", name, true)) return {};
    const bool tenant = k == 3;
    if (resolve(d, p, "name", name, tenant ? loader_.tenant_ids_ : loader_.service_ids_,
                        tenant ? "tenant (a Namespace is one)" : "service") < 0)
      return {};
    return std::string(tenant ? "tenant." : "service.") + name + ".";
  }

  // An External metric's selector: matchLabels with one of tenant, service or agent.
  std::string selector(const Value& s, const std::string& p) {
    if (!object(s, p, {"matchLabels", "matchExpressions"})) return {};
    if (const Value* e = s.find("matchExpressions"))
      expected(*e, join(p, "matchExpressions"), "no matchExpressions: opsim selects one scope with matchLabels");
    const Value* ml = member(s, p, "matchLabels", false, "an object");
    if (!ml) return {};
    const std::string mp = join(p, "matchLabels");
    if (!object(*ml, mp, {"tenant", "service", "agent"})) return {};
    if (ml->members.size() > 1) {
      expected(*ml, mp, "one label of tenant, service or agent (a metric has one scope)");
      return {};
    }
    if (ml->members.empty()) return {};
    const std::string& label = ml->members[0].first;
    std::string id;
    if (!read_string(*ml, mp, label, id, true)) return {};
    const std::vector<std::string>& ids =
        label == "tenant" ? loader_.tenant_ids_ : label == "service" ? loader_.service_ids_ : loader_.agent_ids_;
    if (resolve(*ml, mp, label, id, ids, label.c_str()) < 0) return {};
    return label + "." + id + ".";
  }

  // behavior.scaleUp / scaleDown: what is given replaces Kubernetes' default, the rest stays.
  void rules(const Value& v, const std::string& p, BehaviorRulesSpec& b) {
    if (!object(v, p, {"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"})) return;
    int seconds = 0;
    if (read_int(v, p, "stabilizationWindowSeconds", seconds, 0, 3600))
      b.stabilization_window = seconds * kMicrosPerSecond;
    read_enum(v, p, "selectPolicy", b.select, {"Max", "Min", "Disabled"});
    if (const Value* t = v.find("tolerance")) {
      double tolerance = 0;
      if (!parse_quantity(*t, tolerance) || tolerance < 0 || tolerance > 1)
        expected(*t, join(p, "tolerance"), "a quantity from 0 to 1, such as \"0.05\" or \"50m\"");
      else
        b.tolerance = tolerance;
    }
    if (v.find("policies")) b.policies.clear();
    read_array(v, p, "policies", false, 1, 10, "kMaxBehaviorPolicies", [&](const Value& pv, const std::string& pp) {
      BehaviorPolicySpec bp;
      if (!object(pv, pp, {"type", "value", "periodSeconds"})) return;
      int type = 0;
      read_enum(pv, pp, "type", type, {"Percent", "Pods"}, true);
      bp.type = type == 0 ? BehaviorPolicySpec::Type::percent : BehaviorPolicySpec::Type::instances;
      int value = 0, period = 0;
      if (read_int(pv, pp, "value", value, 1, 2147483647, true)) bp.value = value;
      if (read_int(pv, pp, "periodSeconds", period, 1, 1800, true)) bp.period = period * kMicrosPerSecond;
      b.policies.push_back(bp);
    });
  }
};

void Loader::kubernetes_policy(const Value& v, const std::string& p, const ScalingSpec& sc, ScalingPolicySpec& sp) {
  sp.kind = ScalingPolicySpec::Kind::target_tracking;
  if (!object(v, p, {"id", "kind", "manifest"})) return;
  read_id(v, p, "id", sp.id);
  const Value* m = member(v, p, "manifest", true,
                          "an autoscaling/v2 HorizontalPodAutoscaler: a file's path (YAML or JSON), or the object");
  if (!m) return;
  const std::string mp = join(p, "manifest");
  if (m->type == Type::object) {
    sp.manifest = "inline";
    HpaManifest(*this, r_.errors, r_.warnings, sc, sp).read(*m, mp);
    return;
  }
  if (m->type != Type::string) {
    expected(*m, mp, "an autoscaling/v2 HorizontalPodAutoscaler: a file's path (YAML or JSON), or the object");
    return;
  }
  NamedFile file;
  if (!read_named_file(v, p, "manifest", file)) return;
  sp.manifest = m->text;
  json::Value doc;
  std::vector<Diagnostic> errors, warnings;
  if (yaml::parse_json_or_yaml(file.text, doc, errors)) HpaManifest(*this, errors, warnings, sc, sp).read(doc, "$");
  file_diagnostics(file, mp, errors);
  file_diagnostics(file, mp, warnings, true);
}

}  // namespace opsim::detail
