#include "context/context_providers.h"

#include <algorithm>

namespace opsim {
namespace context {

const char* scope_name(ContextScope s) {
  static const char* names[] = {"global", "division", "department", "project", "user", "session"};
  return names[static_cast<int>(s)];
}

const char* metric_name(OperationalMetric m) {
  static const char* names[] = {"cpu_utilization", "memory_utilization", "latency_p95_ms", "error_rate_percent",
                                "request_rate",    "instances",          "cost_usd"};
  return names[static_cast<int>(m)];
}

double metric_value(const OperationalSnapshot& ops, OperationalMetric m) {
  switch (m) {
    case OperationalMetric::cpu_utilization: return ops.cpu_utilization;
    case OperationalMetric::memory_utilization: return ops.memory_utilization;
    case OperationalMetric::latency_p95_ms: return ops.latency_p95_ms;
    case OperationalMetric::error_rate_percent: return ops.error_rate_percent;
    case OperationalMetric::request_rate: return ops.request_rate;
    case OperationalMetric::instances: return ops.instances;
    case OperationalMetric::cost_usd: return ops.cost_usd;
  }
  return 0;
}

namespace {

std::string list_text(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

bool holds(const std::vector<std::string>& roles, const std::string& role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

}  // namespace

std::string denial_reason(const ContextMetadata& m, ContextScope request_scope, const Principal& who) {
  if (static_cast<int>(m.scope) > static_cast<int>(request_scope))
    return std::string("scope \"") + scope_name(m.scope) + "\" is narrower than the request's scope \"" +
           scope_name(request_scope) + "\"";
  const ContextAccess& a = m.access;
  if (!a.restricted()) return {};
  if (!who.anonymous) {
    if (holds(a.users, who.user_id)) return {};
    for (const auto& r : who.roles)
      if (holds(a.roles, r)) return {};
  }
  std::string allowed;
  if (!a.roles.empty()) allowed += "roles [" + list_text(a.roles) + "]";
  if (!a.users.empty()) allowed += std::string(allowed.empty() ? "" : " and ") + "users [" + list_text(a.users) + "]";
  if (who.anonymous) return "restricted to " + allowed + ", and the request has no user";
  return "restricted to " + allowed + "; user \"" + who.user_id + "\" has roles [" + list_text(who.roles) + "]";
}

bool answers(const ProviderSpec& p, const std::string& key) {
  if (p.kind == ProviderSpec::Kind::policy || p.kind == ProviderSpec::Kind::operational) return p.key == key;
  for (const auto& e : p.entries)
    if (e.key == key) return true;
  return false;
}

Resolution resolve(const ProviderSpec& p, const std::vector<int>& candidates, ContextScope scope, const Principal& who,
                   SimTime now) {
  Resolution r;
  using Layer = ContextEntrySpec::Layer;
  switch (p.kind) {
    case ProviderSpec::Kind::operational: {
      r.has_data = !p.metrics.empty();
      // Its answer's JSON: "name": value per metric, a value taking about 8 characters.
      std::size_t characters = 2;
      for (OperationalMetric m : p.metrics) characters += std::char_traits<char>::length(metric_name(m)) + 12;
      r.tokens = r.has_data ? context_tokens_estimate_of_text(characters) : 0;
      return r;
    }
    case ProviderSpec::Kind::policy: {
      // Base, then role overrides (data order), then scope policies from broad to narrow.
      for (int i : candidates) {
        const ContextEntrySpec& e = p.entries[static_cast<std::size_t>(i)];
        if (!alive(e.meta, now)) continue;
        if (e.layer == Layer::base) r.used.push_back(i);
        // A role override is another version of a policy, not an entry of its own: a user
        // without the role keeps the base policy, which is no denial.
        if (e.layer == Layer::role && !who.anonymous && holds(who.roles, e.role)) r.used.push_back(i);
      }
      for (int s = 0; s <= static_cast<int>(ContextScope::session); ++s)
        for (int i : candidates) {
          const ContextEntrySpec& e = p.entries[static_cast<std::size_t>(i)];
          if (e.layer != Layer::scope || static_cast<int>(e.meta.scope) != s || !alive(e.meta, now)) continue;
          if (denial_reason(e.meta, scope, who).empty()) r.used.push_back(i);
          else r.denied.push_back(i);
        }
      break;
    }
    case ProviderSpec::Kind::business:
    case ProviderSpec::Kind::custom: {
      int best = -1;
      for (int i : candidates) {
        const ContextEntrySpec& e = p.entries[static_cast<std::size_t>(i)];
        if (!alive(e.meta, now)) continue;
        if (!denial_reason(e.meta, scope, who).empty()) {
          r.denied.push_back(i);
          continue;
        }
        if (best < 0) {
          best = i;
          continue;
        }
        const ContextMetadata& b = p.entries[static_cast<std::size_t>(best)].meta;
        if (e.meta.priority > b.priority || (e.meta.priority == b.priority && e.meta.scope > b.scope)) best = i;
      }
      if (best >= 0) r.used.push_back(best);
      break;
    }
  }
  // A cached answer must not outlive an entry it holds, nor hide one that appears later.
  for (int i : r.used) {
    const SimTime x = p.entries[static_cast<std::size_t>(i)].meta.expires_at;
    if (x >= 0) r.valid_until = std::min(r.valid_until, x);
  }
  for (int i : candidates) {
    const SimTime c = p.entries[static_cast<std::size_t>(i)].meta.created_at;
    if (c > now) r.valid_until = std::min(r.valid_until, c);
  }
  for (int i : r.used) r.tokens += p.entries[static_cast<std::size_t>(i)].tokens;
  r.has_data = !r.used.empty();
  return r;
}


std::string render_answer(const ProviderSpec& p, const Resolution& r, const OperationalSnapshot& ops, SimTime as_of,
                          const Calendar& calendar) {
  switch (p.kind) {
    case ProviderSpec::Kind::operational: {
      json::ObjectWriter w;
      for (OperationalMetric m : p.metrics) w.field(metric_name(m), metric_value(ops, m));
      w.field("as_of", calendar.iso8601(as_of));
      return w.str();
    }
    case ProviderSpec::Kind::policy: {
      // Later layers replace a policy of the same name in place; new names extend the set.
      std::vector<std::pair<std::string, const json::Value*>> policies;
      SimTime updated = 0;
      for (int i : r.used) {
        const ContextEntrySpec& e = p.entries[static_cast<std::size_t>(i)];
        updated = std::max(updated, e.meta.created_at);
        auto it = std::find_if(policies.begin(), policies.end(), [&](const auto& x) { return x.first == e.name; });
        if (it != policies.end()) it->second = &e.value;
        else policies.emplace_back(e.name, &e.value);
      }
      std::string body = "{";
      for (std::size_t i = 0; i < policies.size(); ++i)
        body += (i ? ", " : "") + json::quote(policies[i].first) + ": " + json::write(*policies[i].second);
      body += "}";
      json::ObjectWriter w;
      w.raw("policies", body);
      if (!p.enforcement_level.empty()) w.field("enforcement_level", p.enforcement_level);
      if (!p.policy_version.empty()) w.field("policy_version", p.policy_version);
      if (!p.compliance_frameworks.empty()) {
        std::string f = "[";
        for (std::size_t i = 0; i < p.compliance_frameworks.size(); ++i)
          f += (i ? ", " : "") + json::quote(p.compliance_frameworks[i]);
        w.raw("compliance_frameworks", f + "]");
      }
      w.field("last_updated", calendar.iso8601(updated));
      return w.str();
    }
    case ProviderSpec::Kind::business:
    case ProviderSpec::Kind::custom:
      if (r.used.empty()) return "null";
      return json::write(p.entries[static_cast<std::size_t>(r.used.front())].value);
  }
  return "null";
}

}  // namespace context
}  // namespace opsim
