#include "context/context_engine.h"

#include <algorithm>
#include <map>

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
  for (const ProviderSpec& p : spec_.providers) state_.push_back(ProviderState{Rng::stream(seed, "context/" + p.id), false});
  provider_stats_.resize(n);
  tenant_counters_.resize(s.tenants.size());
  failed_stamp_.assign(n, 0);
  std::vector<char> on_route(n, 0);
  for (const auto& r : route_)
    for (int p : r) on_route[static_cast<std::size_t>(p)] = 1;
  for (char c : on_route) consulted_per_request_ += c;
  // Cache slots: one per (partition, principal) pair some request can have.
  std::map<std::pair<int, int>, int> slots;
  auto slot = [&](int partition, int principal) {
    return slots.emplace(std::make_pair(partition, principal), static_cast<int>(slots.size())).first->second;
  };
  anonymous_slot_ = slot(0, 0);
  int tenant_users = 0;
  for (std::size_t t = 0; t < principal_of_.size(); ++t) {
    tenant_user_base_.push_back(tenant_users);
    tenant_users += 1 + static_cast<int>(principal_of_[t].size());
    slot_of_.emplace_back();
    slot_of_.back().push_back(slot(partition_[t], 0));
    for (int principal : principal_of_[t]) slot_of_.back().push_back(slot(partition_[t], principal));
  }
  block_of_slot_.assign(slots.size(), -1);
  lookups_per_provider_.assign(n, 0);
  for (std::size_t k = 0; k < keys_.size(); ++k)
    for (int p : route_[k]) {
      ++lookups_per_provider_[static_cast<std::size_t>(p)];
      lookups_.push_back({static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(p),
                          static_cast<std::uint32_t>(k * n + static_cast<std::size_t>(p)),
                          spec_.providers[static_cast<std::size_t>(p)].cache_ttl > 0});
    }
}

const ContextEngine::CacheEntry* ContextEngine::entry(int slot, std::size_t key, std::size_t provider) const {
  const std::int32_t block = block_of_slot_[static_cast<std::size_t>(slot)];
  if (block < 0) return nullptr;
  return &entries_[static_cast<std::size_t>(block) * lookups_per_block() + key * state_.size() + provider];
}

std::size_t ContextEngine::block_of(int slot) {
  std::int32_t& block = block_of_slot_[static_cast<std::size_t>(slot)];
  if (block < 0) {
    block = static_cast<std::int32_t>(summaries_.size());
    entries_.resize(entries_.size() + lookups_per_block());
    summaries_.emplace_back();
  }
  return static_cast<std::size_t>(block);
}

void ContextEngine::summarise(const CacheEntry* block, BlockSummary& summary) const {
  summary = BlockSummary{};
  SimTime from = 0, until = context::kNever;
  bool common = true;
  int logged_for = -2;
  for (const Lookup& l : lookups_) {
    const CacheEntry& e = block[l.entry];
    if (!l.cached) {
      until = 0;  // a provider without a cache is a miss every time
      break;
    }
    from = std::max(from, e.filled);
    until = std::min(until, e.valid_until);
    summary.denied += static_cast<int>(e.answer.denied.size());
    summary.tokens += e.answer.tokens;
    if (e.answer.denied.empty()) continue;
    if (logged_for == -2) logged_for = e.logged_for;
    common = common && e.logged_for == logged_for;
  }
  if (until <= from) return;
  summary.all_hit_from = from;
  summary.all_hit_until = until;
  summary.logged_for = common ? logged_for : -2;
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

std::size_t ContextEngine::cached_answers() const { return cached_answers_; }

ContextEngine::Who ContextEngine::who(int tenant, int user) const {
  Who w{-1, -1, 0, 0, anonymous_slot_, -1};
  if (tenant < 0 || tenant >= static_cast<int>(principal_of_.size())) return w;
  w.tenant = tenant;
  w.partition = partition_[static_cast<std::size_t>(tenant)];
  const auto& users = principal_of_[static_cast<std::size_t>(tenant)];
  if (user >= 0 && user < static_cast<int>(users.size())) {
    w.user = user;
    w.principal = users[static_cast<std::size_t>(user)];
  }
  w.slot = slot_of_[static_cast<std::size_t>(tenant)][static_cast<std::size_t>(w.user + 1)];
  w.tenant_user = tenant_user_base_[static_cast<std::size_t>(tenant)] + w.user + 1;
  return w;
}

const ContextEngine::CacheEntry* ContextEngine::cached(int provider, const CacheEntry* e, SimTime now) const {
  const ProviderSpec& p = spec_.providers[static_cast<std::size_t>(provider)];
  if (p.cache_ttl <= 0 || !e) return nullptr;
  if (now >= e->valid_until || now < e->filled) return nullptr;
  return e;
}

std::string ContextEngine::denial_text(int provider, int entry, int principal) const {
  const ContextEntrySpec& e = spec_.providers[static_cast<std::size_t>(provider)].entries[static_cast<std::size_t>(entry)];
  std::string s = e.name.empty() ? "" : "policy \"" + e.name + "\": ";
  return s + context::denial_reason(e.meta, spec_.scope, principals_[static_cast<std::size_t>(principal)]);
}

void ContextEngine::count_denials(SimTime now, const Who& w, int provider, int key, const std::vector<int>& denied,
                                  int& logged_for, ContextOutcome& out) {
  if (denied.empty()) return;
  const auto n = static_cast<std::uint64_t>(denied.size());
  out.denied += static_cast<int>(denied.size());
  total_.denials += n;
  if (w.tenant < 0) return;
  tenant_counters_[static_cast<std::size_t>(w.tenant)].denials += n;
  // The set only grows: once (tenant, user, provider, key) is in it, it stays there.
  if (logged_for == w.tenant_user) return;
  logged_for = w.tenant_user;
  if (!denial_logged_.insert(std::make_tuple(w.tenant, w.user, provider, key)).second) return;
  new_denials_.push_back(ContextDenial{now, w.tenant, w.user, spec_.providers[static_cast<std::size_t>(provider)].id,
                                       keys_[static_cast<std::size_t>(key)],
                                       denial_text(provider, denied.front(), w.principal)});
}

ContextOutcome ContextEngine::assemble(SimTime now, int tenant, int user, const OperationalSnapshot& ops) {
  // On every request: one pass over the flattened routes, counters added once at the end.
  ContextOutcome out;
  if (!enabled_) return out;
  const Who w = who(tenant, user);
  const std::size_t block_number = block_of(w.slot);
  CacheEntry* const block = entries_.data() + block_number * lookups_per_block();
  BlockSummary& summary = summaries_[block_number];
  const auto lookups = static_cast<std::uint64_t>(lookups_.size());
  // Bitwise: each part is data-dependent, and the whole is nearly always true.
  if ((now >= summary.all_hit_from) & (now < summary.all_hit_until) &
      ((w.tenant < 0) | (summary.denied == 0) | (summary.logged_for == w.tenant_user))) {
    // Every look-up hits its cache and every denial is already logged: the walk below
    // would only count.
    for (std::size_t p = 0; p < provider_stats_.size(); ++p) {
      provider_stats_[p].lookups += lookups_per_provider_[p];
      provider_stats_[p].cache_hits += lookups_per_provider_[p];
    }
    out.cache_hits = static_cast<int>(lookups);
    out.denied = summary.denied;
    out.tokens = summary.tokens;
    const auto denied = static_cast<std::uint64_t>(summary.denied);
    total_.lookups += lookups;
    total_.cache_hits += lookups;
    total_.denials += denied;
    if (w.tenant >= 0) {
      Counters& tc = tenant_counters_[static_cast<std::size_t>(w.tenant)];
      tc.lookups += lookups;
      tc.cache_hits += lookups;
      tc.denials += denied;
    }
    out.consulted = consulted_per_request_;
    out.any_context = true;
    return out;
  }
  ++stamp_;
  int succeeded = 0;
  for (const Lookup& l : lookups_) {
    const std::size_t pi = l.provider;
    CacheEntry& e = block[l.entry];
    ProviderStats& ps = provider_stats_[pi];
    ++ps.lookups;
    if (l.cached && now < e.valid_until && now >= e.filled) {
      ++out.cache_hits;
      ++ps.cache_hits;
      ++succeeded;
      out.tokens += e.answer.tokens;
      if (!e.answer.denied.empty())
        count_denials(now, w, static_cast<int>(pi), static_cast<int>(l.key), e.answer.denied, e.logged_for, out);
      continue;
    }
    const ProviderSpec& spec = spec_.providers[pi];
    ProviderState& st = state_[pi];
    ++out.cache_misses;
    const SimDuration cost = st.down ? spec.timeout : spec.latency;
    out.latency += cost;
    ps.latency_sum_s += to_seconds(cost);
    const bool fails = st.down || (spec.failure_percent > 0 && st.rng.bernoulli(spec.failure_percent / 100.0));
    if (fails) {
      if (failed_stamp_[pi] != stamp_) {
        failed_stamp_[pi] = stamp_;
        ++out.failed;
      }
      ++out.failed_lookups;
      ++ps.failures;
      continue;
    }
    ++succeeded;
    Resolution r = context::resolve(spec, candidates_[pi][l.key], spec_.scope, principals_[static_cast<std::size_t>(w.principal)], now);
    count_denials(now, w, static_cast<int>(pi), static_cast<int>(l.key), r.denied, e.logged_for, out);
    out.tokens += r.tokens;
    if (l.cached) {
      if (!e.held) ++cached_answers_;
      e.held = true;
      e.filled = now;
      e.valid_until = std::min(now + spec.cache_ttl, r.valid_until);
      e.answer = std::move(r);
      e.ops = ops;
    }
  }
  summarise(block, summary);
  total_.lookups += lookups;
  total_.cache_hits += static_cast<std::uint64_t>(out.cache_hits);
  total_.failures += static_cast<std::uint64_t>(out.failed_lookups);
  if (w.tenant >= 0) {
    Counters& tc = tenant_counters_[static_cast<std::size_t>(w.tenant)];
    tc.lookups += lookups;
    tc.cache_hits += static_cast<std::uint64_t>(out.cache_hits);
    tc.failures += static_cast<std::uint64_t>(out.failed_lookups);
  }
  out.consulted = consulted_per_request_;
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
      const CacheEntry* hit = cached(p, entry(w.slot, k, pi), now);
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
