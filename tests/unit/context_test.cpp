// Tests of the context subsystem (core/context/): providers, caches with TTL, failures and
// outages, the order of consultation, access control and denials, role overrides, expiry,
// latency, determinism, prompt strategies, and the loader's typed provider data.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "context/context_engine.h"
#include "json/json.h"
#include "test_support.h"

namespace opsim {
namespace {

using test::must_load;

const SimDuration kS = kMicrosPerSecond, kMs = kMicrosPerMilli;

// A scenario with the given context section and tenants (one agent, one service).
std::string doc(const std::string& context, const std::string& tenants = R"([{"id": "t1", "load": [{"agent": "ag", "rate": 1}]}])") {
  return R"({"schema": "opsim/1", "name": "ctx", "duration": "1d", "services": [{"id": "svc"}],
             "agents": [{"id": "ag", "service": "svc", "work": {"dist": "constant", "value": "1s"}}],
             "tenants": )" +
         tenants + R"(, "context": )" + context + "}";
}

ContextEngine engine(const std::string& context, const std::string& tenants = R"([{"id": "t1", "load": [{"agent": "ag", "rate": 1}]}])",
                     std::uint64_t seed = 7) {
  return ContextEngine(must_load(doc(context, tenants)), seed);
}

const std::string* entry(const ContextEngine::Inspection& in, const std::string& name) {
  for (const auto& e : in.entries)
    if (e.first == name) return &e.second;
  return nullptr;
}

const OperationalSnapshot kOps{};

}  // namespace

TEST_CASE("the cache hit rate follows the TTL", "[context]") {
  for (const auto& c : std::vector<std::pair<std::string, double>>{{"10s", 90.0}, {"4s", 75.0}, {"0s", 0.0}}) {
    ContextEngine e = engine(R"({"providers": [{"id": "b", "kind": "business", "cache_ttl": ")" + c.first +
                             R"(", "latency": "5ms", "data": {"entries": [{"key": "k", "value": {"x": 1}}]}}], "keys": ["k"]})");
    REQUIRE(e.enabled());
    for (int i = 0; i < 1000; ++i) e.assemble(i * kS, 0, -1, kOps);  // one look-up every second
    INFO("ttl " << c.first);
    CHECK(e.lookups(0) == 1000);
    CHECK(e.cache_hit_percent(0) == Approx(c.second).margin(0.5));
    CHECK(e.cache_hit_percent() == e.cache_hit_percent(0));
    CHECK(e.provider_stats()[0].cache_hits == e.cache_hits(0));
    // Each miss cost the latency; hits cost nothing.
    CHECK(e.provider_stats()[0].latency_sum_s == Approx(0.005 * static_cast<double>(1000 - e.cache_hits(0))));
  }
}

TEST_CASE("a disabled engine does nothing", "[context]") {
  const Scenario s = must_load(R"({"schema": "opsim/1", "name": "n", "duration": "1h", "services": [{"id": "svc"}],
      "agents": [{"id": "ag", "service": "svc", "work": {"dist": "constant", "value": "1s"}}],
      "tenants": [{"id": "t1", "load": [{"agent": "ag", "rate": 1}]}]})");
  ContextEngine e(s, 1);
  CHECK_FALSE(e.enabled());
  const ContextOutcome o = e.assemble(0, 0, -1, kOps);
  CHECK(o.latency == 0);
  CHECK(o.consulted == 0);
  CHECK(o.any_context);
  CHECK(e.inspect(0, 0, -1, kOps, "hello").prompt == "hello");
}

TEST_CASE("a failed provider leaves the others' entries intact and is recorded as failed", "[context]") {
  const std::string ctx = R"({"providers": [
      {"id": "flaky", "kind": "business", "priority": 9, "latency": "10ms", "failure_percent": 100,
       "data": {"entries": [{"key": "k", "value": {"from": "flaky"}}]}},
      {"id": "solid", "kind": "custom", "priority": 5, "latency": "3ms",
       "data": {"entries": [{"key": "k", "value": {"from": "solid"}}, {"key": "k2", "value": 2}]}}],
    "keys": ["k", "k2"]})";
  ContextEngine e = engine(ctx);
  const ContextOutcome o = e.assemble(0, 0, -1, kOps);
  CHECK(o.consulted == 2);
  CHECK(o.failed == 1);
  CHECK(o.cache_misses == 3);
  CHECK(o.any_context);
  CHECK(o.latency == 10 * kMs + 3 * kMs + 3 * kMs);
  CHECK(e.failures(0) == 1);
  CHECK(e.provider_stats()[0].failures == 1);
  CHECK(e.provider_stats()[1].failures == 0);

  // The inspector shows the same with the provider down: the other's answers are all there.
  e.set_outage(0, true);
  const auto in = e.inspect(0, 0, -1, kOps, "p");
  CHECK(in.consulted_in_order == std::vector<std::string>{"flaky", "solid"});
  CHECK(in.failed == std::vector<std::string>{"flaky"});
  REQUIRE(entry(in, "solid/k"));
  CHECK(*entry(in, "solid/k") == R"({"from": "solid"})");
  CHECK(*entry(in, "solid/k2") == "2");
  CHECK_FALSE(entry(in, "flaky/k"));

  // When every consulted provider fails, the request has no context.
  ContextEngine all = engine(R"({"providers": [{"id": "a", "kind": "business", "failure_percent": 100,
      "data": {"entries": [{"key": "k", "value": 1}]}}]})");
  const ContextOutcome none = all.assemble(0, 0, -1, kOps);
  CHECK(none.failed == 1);
  CHECK_FALSE(none.any_context);
}

TEST_CASE("an outage fails misses at the timeout's cost; cached answers are served until they expire", "[context]") {
  ContextEngine e = engine(R"({"providers": [
      {"id": "p", "kind": "business", "cache_ttl": "1m", "latency": "10ms", "timeout": "2s",
       "data": {"entries": [{"key": "k", "value": 1}]}}]})");
  ContextOutcome o = e.assemble(0, 0, -1, kOps);
  CHECK(o.latency == 10 * kMs);
  CHECK(o.cache_misses == 1);
  e.set_outage(0, true);
  CHECK(e.in_outage(0));
  o = e.assemble(30 * kS, 0, -1, kOps);  // cached: served although the provider is down
  CHECK(o.cache_hits == 1);
  CHECK(o.failed == 0);
  CHECK(o.latency == 0);
  CHECK(o.any_context);
  o = e.assemble(60 * kS, 0, -1, kOps);  // expired: a miss, which fails after the timeout
  CHECK(o.cache_misses == 1);
  CHECK(o.failed == 1);
  CHECK(o.latency == 2 * kS);
  CHECK_FALSE(o.any_context);
  o = e.assemble(61 * kS, 0, -1, kOps);  // a failure is not cached
  CHECK(o.failed == 1);
  CHECK(o.latency == 2 * kS);
  e.set_outage(0, false);
  o = e.assemble(62 * kS, 0, -1, kOps);
  CHECK(o.failed == 0);
  CHECK(o.latency == 10 * kMs);
  CHECK(e.failures(0) == 2);
  CHECK(e.provider_stats()[0].latency_sum_s == Approx(0.010 + 2 + 2 + 0.010));
}

TEST_CASE("providers are consulted by priority, highest first, ties in file order", "[context]") {
  ContextEngine e = engine(R"({"providers": [
      {"id": "low", "kind": "business", "priority": 1, "data": {"entries": [{"key": "k", "value": 1}]}},
      {"id": "high", "kind": "business", "priority": 9, "data": {"entries": [{"key": "k", "value": 2}]}},
      {"id": "mid", "kind": "custom", "priority": 5, "data": {"entries": [{"key": "k", "value": 3}]}},
      {"id": "high2", "kind": "custom", "priority": 9, "data": {"entries": [{"key": "k", "value": 4}]}},
      {"id": "other", "kind": "custom", "priority": 100, "data": {"entries": [{"key": "unrelated", "value": 5}]}}],
    "keys": ["k"]})");
  CHECK(e.consultation_order() == std::vector<int>{4, 1, 3, 2, 0});
  const auto in = e.inspect(0, 0, -1, kOps, "");
  // "other" answers no requested key, so it is not consulted.
  CHECK(in.consulted_in_order == std::vector<std::string>{"high", "high2", "mid", "low"});
  REQUIRE(in.entries.size() == 4);
  CHECK(in.entries[0].first == "high/k");
  CHECK(in.entries[3].first == "low/k");
  CHECK(e.assemble(0, 0, -1, kOps).consulted == 4);
  // Without "keys", every answered key is assembled.
  ContextEngine all = engine(R"({"providers": [
      {"id": "a", "kind": "business", "data": {"entries": [{"key": "x", "value": 1}, {"key": "y", "value": 2}]}},
      {"id": "p", "kind": "policy", "data": {"base": {"b": {}}}}, {"id": "o", "kind": "operational"}]})");
  CHECK(all.keys() == std::vector<std::string>{"x", "y", "policies", "operational_metrics"});
}

TEST_CASE("access control: denied entries are never returned, always counted, logged once", "[context]") {
  // Entries, each under its own key so that what is returned can be read off.
  const std::string providers = R"("providers": [{"id": "b", "kind": "business", "data": {"entries": [
      {"key": "open", "value": "o"},
      {"key": "dept", "value": "d", "scope": "department"},
      {"key": "analysts", "value": "a", "access": {"roles": ["analyst"]}},
      {"key": "carol_only", "value": "c", "scope": "project", "access": {"users": ["carol"]}},
      {"key": "admin_or_alice", "value": "x", "access": {"roles": ["admin"], "users": ["alice"]}},
      {"key": "mine", "value": "m", "scope": "user"},
      {"key": "now", "value": "n", "scope": "session", "access": {"roles": ["analyst", "admin"]}}]}}])";
  const std::string tenants = R"([{"id": "t1", "users": [{"id": "alice", "roles": ["analyst"]}, {"id": "bob", "roles": ["admin"]},
      {"id": "carol"}], "load": [{"agent": "ag", "rate": 1}]}])";
  const std::vector<std::string> keys = {"open", "dept", "analysts", "carol_only", "admin_or_alice", "mine", "now"};
  const std::map<std::string, int> scope_of = {{"open", 0}, {"dept", 2}, {"analysts", 0}, {"carol_only", 3},
                                               {"admin_or_alice", 0}, {"mine", 4}, {"now", 5}};
  // Who may see each key by access control alone (user index; -1 = no user).
  const std::map<std::string, std::set<int>> access = {{"open", {-1, 0, 1, 2}}, {"dept", {-1, 0, 1, 2}},
                                                        {"analysts", {0}},        {"carol_only", {2}},
                                                        {"admin_or_alice", {0, 1}}, {"mine", {-1, 0, 1, 2}},
                                                        {"now", {0, 1}}};
  const std::vector<std::string> scopes = {"global", "division", "department", "project", "user", "session"};
  int combinations = 0;
  for (int scope = 0; scope < 6; ++scope) {
    ContextEngine e = engine(R"({)" + providers + R"(, "scope": ")" + scopes[static_cast<std::size_t>(scope)] + R"("})", tenants);
    std::uint64_t expected_total = 0;
    for (int user = -1; user < 3; ++user) {
      std::set<std::string> allowed;
      int denied = 0;
      for (const auto& k : keys) {
        if (scope_of.at(k) <= scope && access.at(k).count(user)) allowed.insert(k);
        else ++denied;
      }
      const auto in = e.inspect(0, 0, user, kOps, "");
      std::set<std::string> returned;
      for (const auto& x : in.entries) returned.insert(x.first.substr(2));
      INFO("scope " << scopes[static_cast<std::size_t>(scope)] << ", user " << user);
      CHECK(returned == allowed);
      CHECK(static_cast<int>(in.denied.size()) == denied);
      for (int rep = 0; rep < 3; ++rep) {
        const ContextOutcome o = e.assemble(rep * kS, 0, user, kOps);
        CHECK(o.denied == denied);
        expected_total += static_cast<std::uint64_t>(denied);
      }
      // One logged denial per (tenant, user, provider, key), however often it recurs.
      const std::vector<ContextDenial> log = e.take_new_denials();
      CHECK(static_cast<int>(log.size()) == denied);
      for (const auto& d : log) {
        CHECK(d.tenant == 0);
        CHECK(d.user == user);
        CHECK(d.provider == "b");
        CHECK_FALSE(allowed.count(d.key));
        CHECK_FALSE(d.reason.empty());
      }
      ++combinations;
    }
    CHECK(e.denials(0) == expected_total);
    CHECK(e.denials() == expected_total);
    CHECK(e.take_new_denials().empty());
  }
  CHECK(combinations == 24);
}

TEST_CASE("denial reasons say why", "[context]") {
  ContextEngine e = engine(R"({"providers": [{"id": "b", "kind": "business", "data": {"entries": [
      {"key": "k", "value": 1, "access": {"roles": ["admin"]}}, {"key": "s", "value": 2, "scope": "session"}]}}]})",
                           R"([{"id": "t1", "users": [{"id": "u", "roles": ["dev"]}], "load": [{"agent": "ag", "rate": 1}]}])");
  e.assemble(0, 0, 0, kOps);
  e.assemble(0, 0, -1, kOps);
  const auto log = e.take_new_denials();
  REQUIRE(log.size() == 4);
  CHECK(log[0].key == "k");
  CHECK(log[0].reason == "restricted to roles [admin]; user \"u\" has roles [dev]");
  CHECK(log[1].key == "s");
  CHECK(log[1].reason == "scope \"session\" is narrower than the request's scope \"project\"");
  CHECK(log[2].reason == "restricted to roles [admin], and the request has no user");
}

TEST_CASE("role overrides change the policies a user receives", "[context]") {
  const std::string ctx = R"({"providers": [{"id": "pol", "kind": "policy", "cache_ttl": "30m", "data": {
      "base": {"ai_governance": {"model_approval_required": true}, "security": {"audit_logging_required": true}},
      "roles": {"data_scientist": {"ai_governance": {"model_experimentation_allowed": true}},
                "admin": {"security": {"elevated_permissions": true}, "admin_tools": {"user_management_access": true}}},
      "scopes": {"department": {"data_sharing": {"internal_only": true}}, "session": {"ephemeral": {"keep": false}}},
      "version": "2025.1", "enforcement_level": "strict", "compliance_frameworks": ["GDPR", "SOX"],
      "created_at": "2h"}}]})";
  const std::string tenants = R"([{"id": "t1", "users": [{"id": "ds", "roles": ["data_scientist"]}, {"id": "adm", "roles": ["admin"]},
      {"id": "plain", "roles": ["user"]}, {"id": "both", "roles": ["admin", "data_scientist"]}], "load": [{"agent": "ag", "rate": 1}]}])";
  ContextEngine e = engine(ctx, tenants);
  auto policies_of = [&](int user) {
    const auto in = e.inspect(3 * kMicrosPerHour, 0, user, kOps, "");
    const std::string* text = entry(in, "pol/policies");
    REQUIRE(text);
    return test::must_parse(*text);
  };
  auto member_names = [](const json::Value& v) {
    std::vector<std::string> names;
    for (const auto& m : v.members) names.push_back(m.first);
    return names;
  };
  const json::Value plain = policies_of(2);
  const json::Value* pp = plain.find("policies");
  REQUIRE(pp);
  CHECK(member_names(*pp) == std::vector<std::string>{"ai_governance", "security", "data_sharing"});
  CHECK(pp->find("ai_governance")->find("model_approval_required"));
  CHECK(plain.find("policy_version")->text == "2025.1");
  CHECK(plain.find("enforcement_level")->text == "strict");
  CHECK(plain.find("compliance_frameworks")->items.size() == 2);
  CHECK(plain.find("last_updated")->text == "2026-01-05T02:00:00Z");

  const json::Value ds = policies_of(0);
  const json::Value* dp = ds.find("policies");
  CHECK(dp->find("ai_governance")->find("model_experimentation_allowed"));
  CHECK_FALSE(dp->find("ai_governance")->find("model_approval_required"));  // replaced, as the seed's update()
  CHECK(dp->find("security")->find("audit_logging_required"));

  const json::Value adm = policies_of(1);
  const json::Value* ap = adm.find("policies");
  CHECK(ap->find("security")->find("elevated_permissions"));
  CHECK(ap->find("admin_tools"));  // extends the base set
  CHECK(ap->find("ai_governance")->find("model_approval_required"));

  const json::Value both = policies_of(3);
  CHECK(both.find("policies")->find("ai_governance")->find("model_experimentation_allowed"));
  CHECK(both.find("policies")->find("security")->find("elevated_permissions"));
  // The session-scope policy is narrower than the request's scope: denied to everyone.
  CHECK_FALSE(both.find("policies")->find("ephemeral"));
  CHECK(e.assemble(3 * kMicrosPerHour, 0, 3, kOps).denied == 1);
  // Before created_at the provider has nothing to say.
  CHECK_FALSE(entry(e.inspect(kMicrosPerHour, 0, 0, kOps, ""), "pol/policies"));
  // Users with the same roles are different cache entries (keyed by user, as the seed).
  e.assemble(3 * kMicrosPerHour, 0, 0, kOps);
  e.assemble(3 * kMicrosPerHour, 0, 1, kOps);
  CHECK(e.cache_hits(0) == 0);
  e.assemble(3 * kMicrosPerHour + kS, 0, 1, kOps);
  CHECK(e.cache_hits(0) == 1);
}

TEST_CASE("expired entries are not returned, not denied, and not served from the cache", "[context]") {
  ContextEngine e = engine(R"({"providers": [{"id": "b", "kind": "business", "cache_ttl": "2h", "data": {"entries": [
      {"key": "k", "value": "old", "priority": 9, "expires": "1h"},
      {"key": "k", "value": "new", "priority": 3, "created_at": "10m"},
      {"key": "later", "value": 1, "created_at": "2026-01-05T05:00:00Z"}]}}]})");
  CHECK(*entry(e.inspect(0, 0, -1, kOps, ""), "b/k") == R"("old")");
  e.assemble(30 * kMicrosPerMinute, 0, -1, kOps);  // caches "old" (priority 9 wins over "new")
  CHECK(*entry(e.inspect(59 * kMicrosPerMinute, 0, -1, kOps, ""), "b/k") == R"("old")");
  // At expiry the cached answer ends too; "new" takes over.
  const auto in = e.inspect(kMicrosPerHour, 0, -1, kOps, "");
  CHECK(*entry(in, "b/k") == R"("new")");
  CHECK(in.denied.empty());
  const ContextOutcome o = e.assemble(kMicrosPerHour, 0, -1, kOps);
  CHECK(o.cache_misses == 1);  // "k" expired; the (empty) answer for "later" is still cached
  CHECK(o.cache_hits == 1);
  CHECK(o.denied == 0);
  // An entry appears at its created_at, even when an empty answer was cached before.
  e.assemble(4 * kMicrosPerHour, 0, -1, kOps);
  CHECK_FALSE(entry(e.inspect(4 * kMicrosPerHour + kS, 0, -1, kOps, ""), "b/later"));
  CHECK(entry(e.inspect(5 * kMicrosPerHour, 0, -1, kOps, ""), "b/later"));
  CHECK(e.assemble(5 * kMicrosPerHour, 0, -1, kOps).cache_misses == 1);
}

TEST_CASE("latency is the sum of the consulted providers' misses, 0 on full cache hits", "[context]") {
  ContextEngine e = engine(R"({"providers": [
      {"id": "p", "kind": "policy", "priority": 9, "cache_ttl": "1m", "latency": "4ms", "data": {"base": {"x": {}}}},
      {"id": "b", "kind": "business", "priority": 5, "cache_ttl": "1m", "latency": "20ms", "data": {"entries": [{"key": "m", "value": 1}]}},
      {"id": "o", "kind": "operational", "priority": 7, "cache_ttl": "10s", "latency": "7ms"}]})");
  ContextOutcome o = e.assemble(0, 0, -1, kOps);
  CHECK(o.latency == 31 * kMs);
  CHECK(o.cache_misses == 3);
  o = e.assemble(kS, 0, -1, kOps);
  CHECK(o.latency == 0);
  CHECK(o.cache_hits == 3);
  o = e.assemble(10 * kS, 0, -1, kOps);  // only the operational provider's answer expired
  CHECK(o.latency == 7 * kMs);
  CHECK(o.cache_hits == 2);
}

TEST_CASE("the operational provider returns the simulation's live values", "[context]") {
  ContextEngine e = engine(R"({"providers": [{"id": "ops", "kind": "operational", "cache_ttl": "30s",
      "data": {"metrics": ["cpu_utilization", "latency_p95_ms", "instances"]}}]})");
  OperationalSnapshot a;
  a.cpu_utilization = 47.5;
  a.latency_p95_ms = 812.25;
  a.instances = 6;
  a.cost_usd = 3;
  json::Value v = test::must_parse(*entry(e.inspect(0, 0, -1, a, ""), "ops/operational_metrics"));
  CHECK(v.find("cpu_utilization")->number == 47.5);
  CHECK(v.find("latency_p95_ms")->number == 812.25);
  CHECK(v.find("instances")->number == 6);
  CHECK_FALSE(v.find("cost_usd"));
  CHECK(v.find("as_of")->text == "2026-01-05T00:00:00Z");
  // Cached values are as stale as the cache: the values of the fill until the TTL ends.
  e.assemble(0, 0, -1, a);
  OperationalSnapshot b = a;
  b.cpu_utilization = 90;
  v = test::must_parse(*entry(e.inspect(20 * kS, 0, -1, b, ""), "ops/operational_metrics"));
  CHECK(v.find("cpu_utilization")->number == 47.5);
  v = test::must_parse(*entry(e.inspect(30 * kS, 0, -1, b, ""), "ops/operational_metrics"));
  CHECK(v.find("cpu_utilization")->number == 90);
  CHECK(v.find("as_of")->text == "2026-01-05T00:00:30Z");
}

TEST_CASE("a physical tenant has its own caches; the others share the provider's", "[context]") {
  const std::string ctx = R"({"providers": [{"id": "b", "kind": "business", "cache_ttl": "1m", "latency": "5ms",
      "data": {"entries": [{"key": "k", "value": 1}]}}]})";
  for (const std::string isolation : {"namespace", "physical"}) {
    ContextEngine e = engine(ctx, R"([{"id": "t1", "load": [{"agent": "ag", "rate": 1}]},
        {"id": "t2", "isolation": ")" + isolation + R"(", "load": [{"agent": "ag", "rate": 1}]}])");
    e.assemble(0, 0, -1, kOps);
    const ContextOutcome o = e.assemble(kS, 1, -1, kOps);
    INFO(isolation);
    CHECK(o.cache_hits == (isolation == "physical" ? 0 : 1));
    CHECK(e.lookups(1) == 1);
    CHECK(e.lookups() == 2);
  }
}

TEST_CASE("same seed, same outcomes", "[context]") {
  const std::string ctx = R"({"providers": [
      {"id": "a", "kind": "business", "cache_ttl": "3s", "latency": "15ms", "failure_percent": 30,
       "data": {"entries": [{"key": "k", "value": 1, "access": {"roles": ["r"]}}, {"key": "k", "value": 2}]}},
      {"id": "c", "kind": "custom", "latency": "2ms", "failure_percent": 10, "data": {"entries": [{"key": "k", "value": 3}]}}]})";
  const std::string tenants = R"([{"id": "t1", "users": [{"id": "u1", "roles": ["r"]}, {"id": "u2"}],
      "load": [{"agent": "ag", "rate": 1}]}])";
  auto run = [&](std::uint64_t seed) {
    ContextEngine e = engine(ctx, tenants, seed);
    std::vector<std::int64_t> trace;
    for (int i = 0; i < 2000; ++i) {
      const ContextOutcome o = e.assemble(i * 700 * kMs, 0, i % 3 - 1, kOps);
      trace.insert(trace.end(), {o.latency, o.failed, o.cache_hits, o.denied, o.any_context ? 1 : 0});
    }
    trace.push_back(static_cast<std::int64_t>(e.failures()));
    return trace;
  };
  const auto a = run(11), b = run(11), c = run(12);
  CHECK(a == b);
  CHECK(a != c);
  // About 30 % and 10 % of the misses fail.
  ContextEngine e = engine(ctx, tenants, 11);
  for (int i = 0; i < 20000; ++i) e.assemble(i * 5 * kS, 0, 0, kOps);  // every look-up misses
  CHECK(static_cast<double>(e.provider_stats()[0].failures) / 20000 == Approx(0.30).margin(0.015));
  CHECK(static_cast<double>(e.provider_stats()[1].failures) / 20000 == Approx(0.10).margin(0.01));
}

TEST_CASE("memory stays bounded by the scenario", "[context]") {
  ContextEngine e = engine(R"({"providers": [{"id": "b", "kind": "business", "cache_ttl": "1h",
      "data": {"entries": [{"key": "k", "value": 1, "access": {"users": ["nobody"]}}, {"key": "j", "value": 2}]}}]})",
                           R"([{"id": "t1", "users": [{"id": "u1"}, {"id": "u2"}, {"id": "u3"}], "load": [{"agent": "ag", "rate": 1}]}])");
  for (int i = 0; i < 100000; ++i) e.assemble(i * 10 * kS, 0, i % 4 - 1, kOps);
  CHECK(e.cached_answers() <= 4 * 2);  // principals (3 users + no user) x keys
  CHECK(e.take_new_denials().size() == 4);  // one per user and key
  CHECK(e.denials(0) == 100000);
}

TEST_CASE("the three prompt strategies", "[context]") {
  const std::string providers = R"("providers": [
      {"id": "pol", "kind": "policy", "priority": 9, "data": {"base": {"security": {"a": 1, "b": 2}}, "enforcement_level": "strict"}},
      {"id": "biz", "kind": "business", "data": {"entries": [{"key": "market_conditions",
        "value": {"sentiment": "cautious", "gdp_growth": 2.3, "indicators": [1, 2], "extra": true}}]}}],
    "keys": ["policies", "market_conditions", "missing"])";
  const std::string block =
      "--- Context (scope project) ---\n"
      "policies:\n"
      "  - pol: policies: 1 items, enforcement_level: strict, last_updated: 2026-01-05T00:00:00Z\n"
      "market_conditions:\n"
      "  - biz: sentiment: cautious, gdp_growth: 2.3, indicators: 2 items (+1 more)\n"
      "missing:\n"
      "  (no context available)\n";
  {
    ContextEngine e = engine("{" + providers + R"(, "strategy": "append"})");
    CHECK(e.inspect(0, 0, -1, kOps, "Summarise the report.").prompt == "Summarise the report.\n\n" + block);
  }
  {
    ContextEngine e = engine("{" + providers + R"(, "strategy": "inject"})");
    CHECK(e.inspect(0, 0, -1, kOps, "Rules:\n{context}\nNow answer.").prompt == "Rules:\n" + block + "\nNow answer.");
    CHECK(e.inspect(0, 0, -1, kOps, "Answer.").prompt == block + "\nAnswer.");
  }
  {
    ContextEngine e = engine("{" + providers + R"(, "strategy": "template", "template": "<ctx>{context}</ctx> <task>{prompt}</task>"})");
    // Text filled in is not scanned again: a "{context}" inside the prompt stays as written.
    CHECK(e.inspect(0, 0, -1, kOps, "Do {context}").prompt == "<ctx>" + block + "</ctx> <task>Do {context}</task>");
  }
}

TEST_CASE("the loader reads typed provider data and names the JSON path of mistakes", "[context][loader]") {
  const Scenario s = must_load(doc(R"({"providers": [
      {"id": "p", "kind": "policy", "timeout": "3s", "data": {"base": {"a": {"x": 1}}, "roles": {"admin": {"b": {}}},
       "scopes": {"project": {"c": {}}}, "created_by": "gov", "expires": "2d", "tags": ["t"]}},
      {"id": "b", "kind": "business", "data": {"entries": [{"key": "m", "value": [1, 2], "scope": "division",
       "priority": 8, "created_at": "1h", "expires": "2h", "tags": ["q"], "access": {"roles": ["r"], "users": ["u"]}}]}},
      {"id": "o", "kind": "operational", "data": {"key": "live", "metrics": ["cost_usd", "instances"]}},
      {"id": "c", "kind": "custom"}]})",
                                   R"([{"id": "t1", "users": [{"id": "u"}], "load": [{"agent": "ag", "rate": 1}]}])"));
  const auto& ps = s.context.providers;
  REQUIRE(ps.size() == 4);
  CHECK(ps[0].timeout == 3 * kS);
  CHECK(ps[1].timeout == kS);  // default
  CHECK(ps[0].key == "policies");
  REQUIRE(ps[0].entries.size() == 3);
  CHECK(ps[0].entries[0].layer == ContextEntrySpec::Layer::base);
  CHECK(ps[0].entries[1].layer == ContextEntrySpec::Layer::role);
  CHECK(ps[0].entries[1].role == "admin");
  CHECK(ps[0].entries[1].meta.access.roles == std::vector<std::string>{"admin"});
  CHECK(ps[0].entries[2].meta.scope == ContextScope::project);
  CHECK(ps[0].entries[2].meta.created_by == "gov");
  CHECK(ps[0].entries[2].meta.expires_at == 2 * kMicrosPerDay);
  const ContextEntrySpec& m = ps[1].entries.at(0);
  CHECK(m.key == "m");
  CHECK(m.value.items.size() == 2);
  CHECK(m.meta.scope == ContextScope::division);
  CHECK(m.meta.priority == 8);
  CHECK(m.meta.created_at == kMicrosPerHour);
  CHECK(m.meta.created_by == "b");  // default: the provider's id
  CHECK(m.meta.access.users == std::vector<std::string>{"u"});
  CHECK(ps[2].key == "live");
  CHECK(ps[2].metrics == std::vector<OperationalMetric>{OperationalMetric::cost_usd, OperationalMetric::instances});
  CHECK(ps[3].entries.empty());

  struct Bad {
    std::string context, path, message;
  };
  const std::vector<Bad> bad = {
      {R"({"providers": [{"id": "b", "kind": "business", "data": {"entries": [{"key": "k", "value": 1, "priority": 11}]}}]})",
       "$.context.providers[0].data.entries[0].priority", "expected an integer from 1 to 10, found 11"},
      {R"({"providers": [{"id": "b", "kind": "business", "data": {"entries": [{"key": "k"}]}}]})",
       "$.context.providers[0].data.entries[0].value", "found nothing (the field is required)"},
      {R"({"providers": [{"id": "b", "kind": "business", "data": {"entries": {}}}]})",
       "$.context.providers[0].data.entries", "expected an array, found an empty object"},
      {R"({"providers": [{"id": "p", "kind": "policy", "data": {"base": {"security": true}}}]})",
       "$.context.providers[0].data.base.security", "expected a policy object (its settings), found true"},
      {R"({"providers": [{"id": "p", "kind": "policy", "data": {"roles": {"admin": {"s": 3}}}}]})",
       "$.context.providers[0].data.roles.admin.s", "expected a policy object (its settings), found 3"},
      {R"({"providers": [{"id": "p", "kind": "policy", "data": {"scopes": {"team": {}}}}]})",
       "$.context.providers[0].data.scopes.team", "unknown field \"team\" (expected one of: global, division"},
      {R"({"providers": [{"id": "p", "kind": "policy", "data": {"entries": []}}]})",
       "$.context.providers[0].data.entries", "unknown field \"entries\""},
      {R"({"providers": [{"id": "b", "kind": "custom", "data": {"entries": [{"key": "k", "value": 1, "created_at": "2h", "expires": "1h"}]}}]})",
       "$.context.providers[0].data.entries[0].expires", "expected a time after created_at (2026-01-05T02:00:00Z), found \"1h\""},
      {R"({"providers": [{"id": "b", "kind": "custom", "data": {"entries": [{"key": "k", "value": 1, "access": {"groups": []}}]}}]})",
       "$.context.providers[0].data.entries[0].access.groups", "unknown field \"groups\" (expected one of: roles, users)"},
      {R"({"providers": [{"id": "b", "kind": "custom", "data": {"entries": [{"key": "k", "value": 1, "scope": "team"}]}}]})",
       "$.context.providers[0].data.entries[0].scope", "expected one of \"global\", \"division\""},
      {R"({"providers": [{"id": "o", "kind": "operational", "data": {"metrics": ["cpu"]}}]})",
       "$.context.providers[0].data.metrics[0]", "expected one of \"cpu_utilization\""},
      {R"({"providers": [{"id": "o", "kind": "operational", "timeout": "2 s"}]})",
       "$.context.providers[0].timeout", "expected a duration"},
      {R"({"providers": [{"id": "o", "kind": "operational", "data": []}]})",
       "$.context.providers[0].data", "expected an object, found an empty array"},
  };
  for (const Bad& b : bad) {
    const LoadResult r = load_scenario(doc(b.context));
    std::string got;
    bool found = false;
    for (const auto& d : r.errors) {
      got += d.path + ": " + d.message + "\n";
      found = found || (d.path == b.path && d.message.find(b.message) != std::string::npos && d.line > 0);
    }
    INFO("expected " << b.path << ": " << b.message << "\ngot:\n" << got);
    CHECK_FALSE(r.ok);
    CHECK(found);
  }
  // SCENARIO_FORMAT.md's short form: a member of a business provider's data is an entry of
  // that key, with default metadata.
  const LoadResult short_form = load_scenario(doc(R"({"providers": [{"id": "b", "kind": "business",
      "data": {"market_conditions": {"sentiment": "cautious"}}}]})"));
  REQUIRE(short_form.ok);
  REQUIRE(short_form.scenario.context.providers[0].entries.size() == 1);
  CHECK(short_form.scenario.context.providers[0].entries[0].key == "market_conditions");
  CHECK(short_form.scenario.context.providers[0].entries[0].value.find("sentiment"));
  // An access list naming a user no tenant has is a warning: the entry is then denied to all.
  const LoadResult w = load_scenario(doc(R"({"providers": [{"id": "b", "kind": "custom", "data": {"entries": [
      {"key": "k", "value": 1, "access": {"users": ["ghost"]}}]}}]})"));
  CHECK(w.ok);
  bool warned = false;
  for (const auto& d : w.warnings)
    warned = warned || (d.path == "$.context.providers[0].data.entries[0].access.users[0]" &&
                        d.message.find("\"ghost\" is not a user of any tenant") != std::string::npos);
  CHECK(warned);
}

TEST_CASE("everything.json's context assembles", "[context]") {
  const Scenario s = must_load(test::read_text("tests/scenarios/valid/everything.json"));
  ContextEngine e(s, s.seed);
  REQUIRE(e.enabled());
  OperationalSnapshot ops;
  ops.cpu_utilization = 55;
  const SimTime t = 7 * kMicrosPerHour;  // every entry exists (the first market entry until 3d)
  const auto in = e.inspect(t, 0, 0, ops, "Summarise.");  // acme's user_123: data_scientist, team_lead
  // Keys in order, each key's providers by priority: "extra" answers "policies" after the
  // policy provider, and "market_conditions" after business.
  CHECK(in.consulted_in_order == std::vector<std::string>{"policy", "extra", "ops", "business"});
  REQUIRE(entry(in, "business/market_conditions"));
  CHECK(test::must_parse(*entry(in, "business/market_conditions")).find("market_sentiment"));
  const json::Value pol = test::must_parse(*entry(in, "policy/policies"));
  CHECK(pol.find("policies")->find("ai_governance"));
  CHECK_FALSE(pol.find("policies")->find("personal"));  // user scope: narrower than project
  CHECK(in.denied.size() == 4);  // the user and session scope policies, and extra's two session entries
  CHECK(in.prompt.rfind("Context:\n--- Context (scope project) ---\n", 0) == 0);
  CHECK(in.prompt.find("\n\nTask:\nSummarise.") != std::string::npos);
  // globex has no users: both market entries (restricted) are denied to its anonymous
  // requests, as well as what the user above is denied.
  const ContextOutcome o = e.assemble(t, 1, -1, ops);
  CHECK(o.denied == 6);
  CHECK(o.latency == 4 * kMs + 20 * kMs + 0);
}

}  // namespace opsim
