// Model providers (services of kind "llm_provider", SCENARIO_FORMAT.md, issue 15): their
// per-minute limits, the tokens of a model call, and the time a call takes.
//
// Limits. A provider limits requests per minute (rate_limit_rpm) and tokens per minute
// (rate_limit_tpm, input + output); a tenant's quota may limit the tokens its requests send
// to every provider (max_tokens_per_minute), checked at each model call as an API
// gateway's token limit is. Each counts the calls it admitted over the last 60 s, in
// one-second buckets: a call that would pass a limit fails at once as `throttled`, as a
// provider answers HTTP 429, and counts against nothing. The tokens counted are those the
// call will use, known when it is sent (a provider counts the prompt and the max_tokens it
// is asked for).
//
// Tokens. A model call's input is its agent's input draw plus the enterprise context the
// chain's first request assembled (ContextOutcome::tokens); its output is its agent's
// output draw.
//
// Time. time_to_first_token (a draw), plus input / input_tokens_per_second when the
// provider gives a prefill speed, plus output / output_tokens_per_second.
#pragma once
#include <cstdint>
#include <string>

#include "engine/random.h"
#include "engine/sim_time.h"
#include "scenario/scenario.h"
#include "sim/calls.h"

namespace opsim {

// The tokens of one model call (kept beside its request record).
struct ModelTokens {
  std::uint32_t context = 0;  // of the chain: what its first request assembled
  std::uint32_t input = 0, output = 0;  // of this call, context included in input
};

// Which limit refused a call, if any.
enum class TokenLimit : std::uint8_t { none, requests, tokens, tenant_tokens };
const char* token_limit_field(TokenLimit l);  // "rate_limit_rpm", "rate_limit_tpm", "max_tokens_per_minute"

// Requests and tokens over the last 60 s against a per-minute limit of each (0: none).
class MinuteLimit {
 public:
  static constexpr int kWindowSeconds = 60;
  MinuteLimit(double requests_per_minute, double tokens_per_minute);
  // A call of `tokens` tokens now: counted and admitted (none), or refused by the limit it
  // would pass.
  TokenLimit admit(SimTime now, std::int64_t tokens);
  std::int64_t requests() const { return window_.first(); }
  std::int64_t tokens() const { return window_.second(); }
  bool limited() const { return rpm_ > 0 || tpm_ > 0; }

 private:
  double rpm_, tpm_;
  SecondBuckets window_{kWindowSeconds};
};

// A throttling episode of one provider or one tenant's token quota: begun by the first
// refusal, ended by the first scrape interval without one.
struct ThrottleEpisode {
  bool on = false;
  std::uint64_t refused = 0;  // in the episode so far
  std::uint64_t refused_in_interval = 0;
};

// Draws a model call's tokens for an agent with tokens (the context added to the input).
ModelTokens draw_tokens(const AgentSpec& agent, std::uint32_t context_tokens, Rng& rng);
// The call's time on the provider.
SimDuration model_work(const ModelProviderSpec& m, const ModelTokens& t, Rng& rng);
// What the call's tokens cost, USD.
double token_cost_usd(const ModelProviderSpec& m, const ModelTokens& t);

}  // namespace opsim
