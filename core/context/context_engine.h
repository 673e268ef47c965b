// The context orchestrator (seed 000 part 1, EnterpriseContextOrchestrator): assembles the
// context of one request from the scenario's providers, once per request, in simulated time.
//
// For each key of `context.keys` (default: every key some provider answers), the providers
// that answer the key are consulted one after the other, highest `priority` first (ties: file
// order), at `context.scope`, for the request's user. Each provider has a cache with its
// `cache_ttl` (0: none), keyed like the seed's "scope:key:user" (the user being its id and
// roles); a tenant whose isolation is `physical` has its own partition of every cache, the
// others share one. A hit costs nothing. A miss costs the provider's `latency` and fails with
// probability `failure_percent` (Rng stream "context/<provider id>"); while the provider is
// down (provider_outage) a miss fails and costs its `timeout`, and cached answers are served
// until they expire. The request's context latency is the sum of these costs. A failure
// never removes other providers' answers.
//
// Entries the user may not see (scope narrower than the request's, or access control naming
// neither the user nor one of its roles) are never returned; each time one is withheld it is
// counted, and the first denial of each (tenant, user, provider, key) is reported once through
// take_new_denials(). Entries outside [created_at, expires) are not returned (no denial), and
// a cached answer never outlives the entries it holds.
//
// Deterministic: no wall clock, no global state, ordered containers only. Memory is bounded by
// the scenario: caches hold at most one answer per (partition, principal) pair that a
// tenant's user maps to, key and provider.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "context/context_prompt.h"
#include "context/context_providers.h"
#include "engine/random.h"
#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim {

// What assembling one request's context cost and found.
struct ContextOutcome {
  SimDuration latency = 0;  // sum of the costs of the consulted providers' misses
  int consulted = 0;  // distinct providers consulted
  int failed = 0;  // distinct providers with at least one failed look-up
  int failed_lookups = 0;  // look-ups that failed (what failures() counts)
  int cache_hits = 0, cache_misses = 0;  // look-ups (provider x key)
  int denied = 0;  // entries withheld from the user
  bool any_context = true;  // false only when look-ups were made and every one failed
  double tokens = 0;  // the prompt tokens of what the user receives (a model call's input adds them)
};

struct ContextDenial {
  SimTime t = 0;
  int tenant = -1, user = -1;  // user: index in the tenant's users, -1 = no user
  std::string provider, key, reason;
};

class ContextEngine {
 public:
  ContextEngine(const Scenario& s, std::uint64_t seed);

  bool enabled() const { return enabled_; }  // the scenario has a context section

  // Assembles the context of one request of `tenant` by `user` (index in the tenant's users,
  // -1 = no user) at `now`; `ops` is the simulation's last scrape.
  ContextOutcome assemble(SimTime now, int tenant, int user, const OperationalSnapshot& ops);

  void set_outage(int provider, bool down);  // the provider_outage fault
  bool in_outage(int provider) const;

  // Denials to log as `context_denied` events since the last call: the first for each
  // (tenant, user, provider, key). Every denial is counted in denials().
  std::vector<ContextDenial> take_new_denials();
  bool has_new_denials() const { return !new_denials_.empty(); }

  struct ProviderStats {
    std::uint64_t lookups = 0, cache_hits = 0, failures = 0;
    double latency_sum_s = 0;  // cost charged by this provider
  };
  const std::vector<ProviderStats>& provider_stats() const { return provider_stats_; }

  // Cumulative counters of one tenant, or of all tenants with tenant = -1.
  std::uint64_t lookups(int tenant = -1) const { return counters(tenant).lookups; }
  std::uint64_t cache_hits(int tenant = -1) const { return counters(tenant).cache_hits; }
  std::uint64_t failures(int tenant = -1) const { return counters(tenant).failures; }  // failed look-ups
  std::uint64_t denials(int tenant = -1) const { return counters(tenant).denials; }
  double cache_hit_percent(int tenant = -1) const;  // hits / look-ups x 100; 0 without look-ups

  // Providers in consultation order (indices into context.providers), and the keys assembled.
  const std::vector<int>& consultation_order() const { return order_; }
  const std::vector<std::string>& keys() const { return keys_; }
  std::size_t cached_answers() const;  // entries held in all caches (memory is bounded by the scenario)

  // For the UI's context inspector: what a request would receive now. No state changes and no
  // random draws: a miss is shown as a successful look-up unless the provider is down.
  struct Inspection {
    std::vector<std::string> consulted_in_order, failed;  // provider ids
    std::vector<std::pair<std::string, std::string>> entries;  // "provider/key" -> answer as JSON
    std::vector<std::string> denied;  // "provider/key: reason"
    std::string prompt;  // base_prompt with the context joined by context.strategy
  };
  Inspection inspect(SimTime now, int tenant, int user, const OperationalSnapshot& ops,
                     const std::string& base_prompt) const;

 private:
  struct Counters {
    std::uint64_t lookups = 0, cache_hits = 0, failures = 0, denials = 0;
  };
  // One provider's answer to one key for one cache slot. The cache is looked up on every
  // request, so it is a flat array (slot x key x provider) rather than a tree: a slot is a
  // (partition, principal) pair that some tenant's user maps to, numbered at construction,
  // and its entries are allocated the first time the slot assembles a context.
  struct CacheEntry {
    SimTime filled = 0, valid_until = 0;  // valid_until 0: never filled (no time is before it)
    bool held = false;  // filled at least once (cached_answers)
    // The (tenant, user) whose denials of this provider and key were last found already
    // logged: saves the set look-up in count_denials when the same user asks again.
    int logged_for = -1;
    context::Resolution answer;
    OperationalSnapshot ops;  // operational providers: the values read at `filled`
  };
  // What a block's look-ups amount to while every one of them is a cache hit: most requests
  // find their whole context cached, and then assemble() adds these up instead of walking
  // the routes (the same counts, the same outcome). Rebuilt after every walk.
  struct BlockSummary {
    SimTime all_hit_from = 0, all_hit_until = 0;  // every look-up hits in [from, until); empty: never
    int denied = 0;  // entries withheld, summed over the look-ups' answers
    double tokens = 0;  // the answers' prompt tokens, summed
    int logged_for = -2;  // the tenant_user every answer with denials has logged them for (-2: none in common)
  };
  struct ProviderState {
    Rng rng;
    bool down = false;
  };
  struct Who {
    int tenant, user, principal, partition, slot;
    int tenant_user;  // index of (tenant, user) among every tenant's users, -1 without a tenant
  };

  const Counters& counters(int tenant) const;
  Who who(int tenant, int user) const;
  // The slot's entry for (key, provider); null when the slot has not assembled a context yet.
  const CacheEntry* entry(int slot, std::size_t key, std::size_t provider) const;
  // The number of the slot's block of keys x providers entries (and of its summary),
  // allocated at its first request.
  std::size_t block_of(int slot);
  void summarise(const CacheEntry* block, BlockSummary& summary) const;
  std::size_t lookups_per_block() const { return keys_.size() * state_.size(); }
  const CacheEntry* cached(int provider, const CacheEntry* e, SimTime now) const;
  // One look-up of assemble(): every key's route, flattened in consultation order.
  struct Lookup {
    std::uint32_t key, provider, entry;  // entry: key x providers + provider, within a block
    bool cached;  // the provider has a cache (cache_ttl > 0)
  };
  void count_denials(SimTime now, const Who& w, int provider, int key, const std::vector<int>& denied,
                     int& logged_for, ContextOutcome& out);
  std::string denial_text(int provider, int entry, int principal) const;

  ContextSpec spec_;
  Calendar calendar_;
  bool enabled_ = false;
  std::vector<int> order_;
  std::vector<std::string> keys_;
  std::vector<std::vector<int>> route_;  // [key]: providers answering it, in consultation order
  std::vector<std::vector<std::vector<int>>> candidates_;  // [provider][key]: entries answering it
  std::vector<Lookup> lookups_;
  int consulted_per_request_ = 0;  // distinct providers on some key's route: each is consulted every time
  std::vector<context::Principal> principals_;  // [0]: anonymous
  std::vector<std::vector<int>> principal_of_;  // [tenant][user]
  std::vector<std::vector<std::string>> user_ids_;  // [tenant][user]
  std::vector<int> partition_;  // [tenant]: 0 shared, tenant + 1 physical
  std::vector<std::vector<int>> slot_of_;  // [tenant][user + 1]: cache slot (index 0: no user)
  std::vector<int> tenant_user_base_;  // [tenant]: Who::tenant_user of its "no user"
  int anonymous_slot_ = 0;  // a request without a tenant
  std::vector<std::int32_t> block_of_slot_;  // [slot]: its block's number, -1 before its first request
  std::vector<CacheEntry> entries_;  // blocks of keys x providers entries
  std::vector<BlockSummary> summaries_;  // [block number]
  std::vector<std::uint32_t> lookups_per_provider_;  // [provider]: look-ups per request
  std::size_t cached_answers_ = 0;
  std::vector<ProviderState> state_;
  std::vector<ProviderStats> provider_stats_;
  std::vector<Counters> tenant_counters_;
  Counters total_;
  std::set<std::tuple<int, int, int, int>> denial_logged_;  // (tenant, user, provider, key)
  std::vector<ContextDenial> new_denials_;
  // assemble(): which providers failed in this request, as the request's stamp (no clearing).
  std::vector<std::uint64_t> failed_stamp_;
  std::uint64_t stamp_ = 0;
};

}  // namespace opsim
