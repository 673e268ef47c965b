#include "sim/model_providers.h"

#include <algorithm>
#include <cmath>

namespace opsim {

const char* token_limit_field(TokenLimit l) {
  switch (l) {
    case TokenLimit::requests: return "rate_limit_rpm";
    case TokenLimit::tokens: return "rate_limit_tpm";
    case TokenLimit::tenant_tokens: return "max_tokens_per_minute";
    case TokenLimit::none: break;
  }
  return "";
}

MinuteLimit::MinuteLimit(double requests_per_minute, double tokens_per_minute)
    : rpm_(requests_per_minute), tpm_(tokens_per_minute) {}

TokenLimit MinuteLimit::admit(SimTime now, std::int64_t tokens) {
  window_.slide(now);
  TokenLimit over = TokenLimit::none;
  if (rpm_ > 0 && static_cast<double>(window_.first() + 1) > rpm_) over = TokenLimit::requests;
  else if (tpm_ > 0 && static_cast<double>(window_.second() + tokens) > tpm_) over = TokenLimit::tokens;
  if (over == TokenLimit::none) window_.add(now, 1, tokens);
  return over;
}

namespace {

std::uint32_t whole_tokens(double x) {
  return static_cast<std::uint32_t>(std::clamp(std::llround(x), 1LL, static_cast<long long>(UINT32_MAX / 4)));
}

}  // namespace

ModelTokens draw_tokens(const AgentSpec& agent, std::uint32_t context_tokens, Rng& rng) {
  ModelTokens t;
  t.context = context_tokens;
  t.input = whole_tokens(agent.input_tokens.sample(rng)) + context_tokens;
  t.output = whole_tokens(agent.output_tokens.sample(rng));
  return t;
}

SimDuration model_work(const ModelProviderSpec& m, const ModelTokens& t, Rng& rng) {
  double seconds = m.time_to_first_token.sample(rng) + static_cast<double>(t.output) / m.output_tokens_per_second;
  if (m.input_tokens_per_second > 0) seconds += static_cast<double>(t.input) / m.input_tokens_per_second;
  return std::max<SimDuration>(1, from_seconds(seconds));
}

double token_cost_usd(const ModelProviderSpec& m, const ModelTokens& t) {
  return (static_cast<double>(t.input) * m.cost_per_1k_input_tokens +
          static_cast<double>(t.output) * m.cost_per_1k_output_tokens) /
         1000.0;
}

}  // namespace opsim
