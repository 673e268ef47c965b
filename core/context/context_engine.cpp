#include "context/context_engine.h"

#include <algorithm>

namespace opsim {

using context::Principal;
using context::Resolution;

ContextEngine::ContextEngine(const Scenario& s, std::uint64_t seed)
    : spec_(s.context), calendar_(s.calendar), enabled_(s.context.given) {
  const std::size_t n = spec_.providers.size();
  // Consultation order: priority, highest first; ties keep file order.
  for (std::size_t i = 0; i < n; ++i) order_.push_back(static_cast<int>(i));
  std::stable_sort(order_.begin(), order_.end(), [&](int a, int b) {
    return spec_.providers[static_cast<std::size_t>(a)].priority > spec_.providers[static_cast<std::size_t>(b)].priority;
  });
  // Keys: as listed (each once), or every key some provider answers, in file order.
  auto add_key = [&](const std::string& k) {
    if (std::find(keys_.begin(), keys_.end(), k) == keys_.end()) keys_.push_back(k);
  };
  if (!spec_.keys.empty()) {
    for (const auto& k : spec_.keys) add_key(k);
  } else {
    for (const auto& p : spec_.providers) {
      if (p.kind == ProviderSpec::Kind::policy || p.kind == ProviderSpec::Kind::operational) add_key(p.key);
      else
        for (const auto& e : p.entries) add_key(e.key);
    }
  }
  route_.resize(keys_.size());
  candidates_.assign(n, std::vector<std::vector<int>>(keys_.size()));
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    for (int p : order_)
      if (context::answers(spec_.providers[static_cast<std::size_t>(p)], keys_[k])) route_[k].push_back(p);
    for (std::size_t p = 0; p < n; ++p) {
      const ProviderSpec& ps = spec_.providers[p];
      for (std::size_t e = 0; e < ps.entries.size(); ++e)
        if (ps.entries[e].key == keys_[k]) candidates_[p][k].push_back(static_cast<int>(e));
    }
  }
  // Principals: a user's id and roles (roles sorted, as their order does not matter).
  principals_.push_back(Principal{});
  std::map<std::pair<std::string, std::vector<std::string>>, int> interned;
  for (const TenantSpec& t : s.tenants) {
    principal_of_.emplace_back();
    user_ids_.emplace_back();
    partition_.push_back(t.isolation == Isolation::physical ? static_cast<int>(partition_.size()) + 1 : 0);
    for (const UserSpec& u : t.users) {
      std::vector<std::string> roles = u.roles;
      std::sort(roles.begin(), roles.end());
      roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
      auto it = interned.find({u.id, roles});
      if (it == interned.end()) {
        it = interned.emplace(std::make_pair(u.id, roles), static_cast<int>(principals_.size())).first;
        principals_.push_back(Principal{false, u.id, roles});
      }
      principal_of_.back().push_back(it->second);
      user_ids_.back().push_back(u.id);
    }
  }
  for (const ProviderSpec& p : spec_.providers) state_.push_back(ProviderState{Rng::stream(seed, "context/" + p.id), false, {}});
  provider_stats_.resize(n);
  tenant_counters_.resize(s.tenants.size());
  scratch_consulted_.resize(n);
  scratch_failed_.resize(n);
}

void ContextEngine::set_outage(int provider, bool down) {
  if (provider >= 0 && provider < static_cast<int>(state_.size())) state_[static_cast<std::size_t>(provider)].down = down;
}

bool ContextEngine::in_outage(int provider) const {
  return provider >= 0 && provider < static_cast<int>(state_.size()) && state_[static_cast<std::size_t>(provider)].down;
}

std::vector<ContextDenial> ContextEngine::take_new_denials() {
  std::vector<ContextDenial> out;
  out.swap(new_denials_);
  return out;
}

const ContextEngine::Counters& ContextEngine::counters(int tenant) const {
  if (tenant >= 0 && tenant < static_cast<int>(tenant_counters_.size()))
    return tenant_counters_[static_cast<std::size_t>(tenant)];
  return total_;
}

double ContextEngine::cache_hit_percent(int tenant) const {
  const Counters& c = counters(tenant);
  return c.lookups ? 100.0 * static_cast<double>(c.cache_hits) / static_cast<double>(c.lookups) : 0.0;
}

std::size_t ContextEngine::cached_answers() const {
  std::size_t n = 0;
  for (const auto& s : state_) n += s.cache.size();
  return n;
}

ContextEngine::Who ContextEngine::who(int tenant, int user) const {
  Who w{-1, -1, 0, 0};
  if (tenant < 0 || tenant >= static_cast<int>(principal_of_.size())) return w;
  w.tenant = tenant;
  w.partition = partition_[static_cast<std::size_t>(tenant)];
  const auto& users = principal_of_[static_cast<std::size_t>(tenant)];
  if (user >= 0 && user < static_cast<int>(users.size())) {
    w.user = user;
    w.principal = users[static_cast<std::size_t>(user)];
  }
  return w;
}

const ContextEngine::CacheEntry* ContextEngine::cached(int provider, const CacheKey& k, SimTime now) const {
  const ProviderSpec& p = spec_.providers[static_cast<std::size_t>(provider)];
  if (p.cache_ttl <= 0) return nullptr;
  const auto& cache = state_[static_cast<std::size_t>(provider)].cache;
  const auto it = cache.find(k);
  if (it == cache.end() || now >= it->second.valid_until || now < it->second.filled) return nullptr;
  return &it->second;
}

std::string ContextEngine::denial_text(int provider, int entry, int principal) const {
  const ContextEntrySpec& e = spec_.providers[static_cast<std::size_t>(provider)].entries[static_cast<std::size_t>(entry)];
  std::string s = e.name.empty() ? "" : "policy \"" + e.name + "\": ";
  return s + context::denial_reason(e.meta, spec_.scope, principals_[static_cast<std::size_t>(principal)]);
}

void ContextEngine::count_denials(SimTime now, const Who& w, int provider, int key, const std::vector<int>& denied,
                                  ContextOutcome& out) {
  if (denied.empty()) return;
  const auto n = static_cast<std::uint64_t>(denied.size());
  out.denied += static_cast<int>(denied.size());
  total_.denials += n;
  if (w.tenant < 0) return;
  tenant_counters_[static_cast<std::size_t>(w.tenant)].denials += n;
  if (!denial_logged_.insert(std::make_tuple(w.tenant, w.user, provider, key)).second) return;
  new_denials_.push_back(ContextDenial{now, w.tenant, w.user, spec_.providers[static_cast<std::size_t>(provider)].id,
                                       keys_[static_cast<std::size_t>(key)],
                                       denial_text(provider, denied.front(), w.principal)});
}

ContextOutcome ContextEngine::assemble(SimTime now, int tenant, int user, const OperationalSnapshot& ops) {
  ContextOutcome out;
  if (!enabled_) return out;
  const Who w = who(tenant, user);
  Counters* tc = w.tenant >= 0 ? &tenant_counters_[static_cast<std::size_t>(w.tenant)] : nullptr;
  std::fill(scratch_consulted_.begin(), scratch_consulted_.end(), 0);
  std::fill(scratch_failed_.begin(), scratch_failed_.end(), 0);
  int lookups = 0, succeeded = 0;
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    for (int p : route_[k]) {
      const std::size_t pi = static_cast<std::size_t>(p);
      const ProviderSpec& spec = spec_.providers[pi];
      ProviderState& st = state_[pi];
      ProviderStats& ps = provider_stats_[pi];
      ++lookups;
      scratch_consulted_[pi] = 1;
      ++ps.lookups;
      ++total_.lookups;
      if (tc) ++tc->lookups;
      const CacheKey ck{w.partition, w.principal, static_cast<int>(k), static_cast<int>(spec_.scope)};
      if (const CacheEntry* hit = cached(p, ck, now)) {
        ++out.cache_hits;
        ++ps.cache_hits;
        ++total_.cache_hits;
        if (tc) ++tc->cache_hits;
        ++succeeded;
        count_denials(now, w, p, static_cast<int>(k), hit->answer.denied, out);
        continue;
      }
      ++out.cache_misses;
      const SimDuration cost = st.down ? spec.timeout : spec.latency;
      out.latency += cost;
      ps.latency_sum_s += to_seconds(cost);
      const bool fails = st.down || (spec.failure_percent > 0 && st.rng.bernoulli(spec.failure_percent / 100.0));
      if (fails) {
        scratch_failed_[pi] = 1;
        ++ps.failures;
        ++total_.failures;
        if (tc) ++tc->failures;
        continue;
      }
      ++succeeded;
      Resolution r = context::resolve(spec, candidates_[pi][k], spec_.scope, principals_[static_cast<std::size_t>(w.principal)], now);
      count_denials(now, w, p, static_cast<int>(k), r.denied, out);
      if (spec.cache_ttl > 0) {
        CacheEntry& e = st.cache[ck];
        e.filled = now;
        e.valid_until = std::min(now + spec.cache_ttl, r.valid_until);
        e.answer = std::move(r);
        e.ops = ops;
      }
    }
  }
  for (std::size_t i = 0; i < scratch_consulted_.size(); ++i) {
    out.consulted += scratch_consulted_[i];
    out.failed += scratch_failed_[i];
  }
  out.any_context = lookups == 0 || succeeded > 0;
  return out;
}

ContextEngine::Inspection ContextEngine::inspect(SimTime now, int tenant, int user, const OperationalSnapshot& ops,
                                                 const std::string& base_prompt) const {
  Inspection in;
  if (!enabled_) {
    in.prompt = base_prompt;
    return in;
  }
  const Who w = who(tenant, user);
  const Principal& principal = principals_[static_cast<std::size_t>(w.principal)];
  auto add_once = [](std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  std::vector<context::KeyContext> block;
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    block.push_back({keys_[k], {}});
    for (int p : route_[k]) {
      const std::size_t pi = static_cast<std::size_t>(p);
      const ProviderSpec& spec = spec_.providers[pi];
      add_once(in.consulted_in_order, spec.id);
      const CacheKey ck{w.partition, w.principal, static_cast<int>(k), static_cast<int>(spec_.scope)};
      const CacheEntry* hit = cached(p, ck, now);
      Resolution fresh;
      const Resolution* r = nullptr;
      if (hit) {
        r = &hit->answer;
      } else if (state_[pi].down) {
        add_once(in.failed, spec.id);
        continue;
      } else {
        fresh = context::resolve(spec, candidates_[pi][k], spec_.scope, principal, now);
        r = &fresh;
      }
      for (int e : r->denied) in.denied.push_back(spec.id + "/" + keys_[k] + ": " + denial_text(p, e, w.principal));
      if (!r->has_data) continue;
      const std::string answer = context::render_answer(spec, *r, hit ? hit->ops : ops, hit ? hit->filled : now, calendar_);
      in.entries.emplace_back(spec.id + "/" + keys_[k], answer);
      block.back().answers.emplace_back(spec.id, answer);
    }
  }
  in.prompt = context::apply_strategy(spec_.strategy, spec_.template_text, base_prompt,
                                      context::format_block(block, spec_.scope));
  return in;
}

}  // namespace opsim
