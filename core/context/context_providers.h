// Context providers (seed 000 part 1): what one provider answers for one context key, for one
// user, at one simulated time. Pure functions of the scenario's typed provider data
// (scenario.h) and of the simulation's live metrics; caching, failures, latency and the order
// of consultation belong to the orchestrator (context_engine.h).
//
//   policy       base policies, then the role overrides of the roles the user holds (data
//                order), then the scope policies from the broadest scope to the request's
//                scope; a later layer replaces a policy of the same name, a new name extends.
//   business,    the entries answering the key that the user may see; the one with the
//   custom       highest priority wins (then the narrowest scope, then file order).
//   operational  the live values of the last scrape (OperationalSnapshot).
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim {

// The simulation's last scrape, as the operational provider exposes it.
struct OperationalSnapshot {
  double cpu_utilization = 0, memory_utilization = 0, latency_p95_ms = 0, error_rate_percent = 0, request_rate = 0,
         instances = 0, cost_usd = 0;
};

namespace context {

constexpr SimTime kNever = std::numeric_limits<SimTime>::max();

const char* scope_name(ContextScope s);
const char* metric_name(OperationalMetric m);
double metric_value(const OperationalSnapshot& ops, OperationalMetric m);

// Who a look-up is made for: a tenant's user (id and roles) or nobody (anonymous).
struct Principal {
  bool anonymous = true;
  std::string user_id;
  std::vector<std::string> roles;
};

// Why `who` may not see an entry with metadata `m` in a request at `request_scope`: its scope
// is narrower than the request's, or its access control names neither the user nor one of
// the user's roles. Empty when the entry may be seen.
std::string denial_reason(const ContextMetadata& m, ContextScope request_scope, const Principal& who);

// Whether the entry exists at `now` (created, not expired). Expired entries are not denials.
inline bool alive(const ContextMetadata& m, SimTime now) {
  return m.created_at <= now && (m.expires_at < 0 || now < m.expires_at);
}

// What one provider answers for one key.
struct Resolution {
  bool has_data = false;
  std::vector<int> used;  // indices into ProviderSpec::entries, in the order they apply
  std::vector<int> denied;  // indices withheld by scope or access control
  SimTime valid_until = kNever;  // the earliest expiry among the entries used, or creation of a candidate
  double tokens = 0;  // the prompt tokens of the entries used (ContextEntrySpec::tokens)
};

// `candidates`: the indices of the provider's entries that answer the key (every entry for a
// policy provider, none for an operational one).
Resolution resolve(const ProviderSpec& p, const std::vector<int>& candidates, ContextScope scope, const Principal& who,
                   SimTime now);

// The answer as JSON text. `as_of`: when the operational values were read (cache fill time).
std::string render_answer(const ProviderSpec& p, const Resolution& r, const OperationalSnapshot& ops, SimTime as_of,
                          const Calendar& calendar);

// Whether the provider answers `key` at all (the orchestrator consults only those).
bool answers(const ProviderSpec& p, const std::string& key);


}  // namespace context
}  // namespace opsim
