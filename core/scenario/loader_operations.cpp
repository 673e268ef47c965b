// The scenario loader's operations sections: context (providers and their entries),
// monitoring (scraping, alert rules, channels, routing) and scaling (policies, vertical
// sizes, behaviour rules, predictive scaling).
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "metrics/metric_catalog.h"
#include "scenario/loader_internal.h"

namespace opsim::detail {

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
      if (json::is_extension_key(m.first)) continue;
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
                if (json::is_extension_key(m.first)) continue;
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
                if (json::is_extension_key(m.first)) continue;
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
            if (m.first == "entries" || json::is_extension_key(m.first)) continue;
            ContextEntrySpec e;
            e.key = m.first;
            e.value = m.second;
            pr.entries.push_back(std::move(e));
          }
          read_array(*d, dp, "entries", false, 0, 10000, "kMaxContextEntries", [&](const Value& ev, const std::string& ep) {
            ContextEntrySpec e;
            if (!object(ev, ep, {"key", "value", "scope", "priority", "created_at", "created_by", "expires", "tags", "access",
                                 "tokens"}))
              return;
            read_number(ev, ep, "tokens", e.tokens, 1, ScenarioLimits::kMaxTokensPerCall);
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
    for (ContextEntrySpec& e : pr.entries) {
      if (e.meta.created_by.empty()) e.meta.created_by = pr.id;
      if (e.tokens == 0) e.tokens = context_tokens_estimate(e.value);
    }
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

void Loader::rule_metric(const Value& rv, const std::string& rp, const RuleSpec& r) {
  // A rule with a tenant reads its metric in that tenant's scope, else with a service in
  // that service's (monitoring/alerting.cpp): the metric is named without a scope, and must
  // be measured per tenant or per service. Otherwise the rule would read no column and
  // never fire.
  const char* scope = !r.tenant.empty() ? "tenant" : !r.service.empty() ? "service" : nullptr;
  if (!scope) {
    check_metric(rv, rp, "metric", r.metric);
    return;
  }
  const std::string& id = !r.tenant.empty() ? r.tenant : r.service;
  const std::vector<std::string>& ids = !r.tenant.empty() ? tenant_ids_ : service_ids_;
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) return;  // reported where the id stands
  if (r.metric.find('.') != std::string::npos) {
    error(rv.find("metric"), join(rp, "metric"),
          std::string("expected a metric name without a scope, found ") + json::quote(r.metric) + ": the rule's \"" +
              scope + "\" scopes it (it reads " + scope + "." + id + ".<metric>)");
    return;
  }
  const std::string scoped = std::string(scope) + "." + id + "." + r.metric;
  const bool known = std::any_of(metric_catalog().begin(), metric_catalog().end(),
                                 [&](const MetricInfo& m) { return r.metric == m.name; });
  MetricRef ref;
  std::string why;
  if (!known) {
    check_metric(rv, rp, "metric", r.metric);  // an unknown name, reported as one
    return;
  }
  if (!parse_metric_name(scoped, ref, why)) {
    error(rv.find("metric"), join(rp, "metric"),
          std::string("expected a metric measured per ") + scope + ", found " + json::quote(r.metric) +
              ", which is not: the rule would read " + scoped + ", which does not exist (remove the rule's " + scope +
              ", or choose another metric)");
    return;
  }
  check_metric(rv, rp, "metric", scoped);
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
  if (!object(*v, p, {"scrape_interval", "retention", "rules", "rule_files", "channels", "routing"})) return;
  // Prometheus rule files: read and parsed by the platform (monitoring/prom_rules.h's
  // attach_rule_files), which has the files; here only their names.
  read_string_list(*v, p, "rule_files", m.rule_files);
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
    if (!r.metric.empty()) rule_metric(rv, rp, r);
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
      expected(f, fp, "a factor above the previous one (" + json::number(sp.size_factors.back()) + "): factors ascend");
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
    int kind = 0;
    if (!read_enum(pv, pp, "kind", kind, {"threshold", "target_tracking", "kubernetes"}, true)) return;
    if (kind == 2) {
      kubernetes_policy(pv, pp, sc, sp);
      sc.policies.push_back(sp);
      return;
    }
    sp.kind = static_cast<ScalingPolicySpec::Kind>(kind);
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
                   "a number below threshold_up (" + json::number(sp.threshold_up) + ")");
      }
      read_duration(pv, pp, "cooldown", sp.cooldown, 0, kMicrosPerDay);
      read_int(pv, pp, "evaluation_periods", sp.evaluation_periods, 1, 1000);
      read_int(pv, pp, "scale_increment", sp.scale_increment, 1, ScenarioLimits::kMaxInstancesPerService);
    } else {
      if (!object(pv, pp, {"id", "kind", "metric", "series", "target", "target_type", "tolerance", "behavior"})) return;
      read_id(pv, pp, "id", sp.id);
      if (const Value* series = pv.find("series")) {
        // A Pods metric on a PromQL series: the pool's total per ready instance.
        if (pv.find("metric")) error(pv.find("metric"), join(pp, "metric"), "expected metric or series, not both");
        if (read_string(pv, pp, "series", sp.series, true)) check_series(*this, *series, join(pp, "series"));
        sp.metric = sp.series;
        sp.target_type = ScalingPolicySpec::TargetType::average_value;
        if (const Value* tv = pv.find("target_type"))
          expected(*tv, join(pp, "target_type"), "no target_type for a series (its target is always average_value)");
      } else if (read_string(pv, pp, "metric", sp.metric, true)) {
        check_metric(pv, pp, "metric", sp.metric);
        sp.target_type = default_target_type(sp.metric);
      }
      if (const Value* tv = pv.find("target_type"); tv && sp.series.empty()) {
        const std::string tp = join(pp, "target_type");
        if (sp.target_type != ScalingPolicySpec::TargetType::value) {
          expected(*tv, tp, "no target_type for " + json::quote(sp.metric) +
                                " (its target is always " + target_type_name(sp.target_type) +
                                "; target_type says how an Object metric meets its target)");
        } else if (read_enum(pv, pp, "target_type", sp.target_type, {"utilization", "average_value", "value"}) &&
                   sp.target_type == ScalingPolicySpec::TargetType::utilization) {
          expected(*tv, tp, "\"value\" or \"average_value\" (a utilization is cpu_utilization's or memory_utilization's)");
        }
      }
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

}  // namespace opsim::detail
