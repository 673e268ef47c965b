// The request path's model providers and server-side protection (request_path.h):
//
//   dispatch -> admit_model_call (a model provider: tokens drawn, the tenant's token quota
//     and the provider's limits checked; over one: throttled at once) -> the queue:
//     admit_to_queue (a shedding queue refuses by the tenant's priority past a length)
//   start_work -> model_work_time (time to first token, prefill, output at its speed)
//   on_work_done -> count_tokens (tokens and their cost, for the served call's scopes and
//     the chain's tenant)
//   the queue's discipline: next_in / take_head serve a flow's oldest or newest request.
//
// Throttling and shedding are logged per episode: the first refusal starts one, with the
// figures behind it; the first scrape interval without a refusal ends it.
#include <algorithm>
#include <string>

#include "scaling/decision.h"
#include "sim/request_path.h"

namespace opsim {

bool RequestPath::admit_model_call(std::uint32_t id) {
  const Request& r = requests_[id];
  if (!model_service_[static_cast<std::size_t>(r.service)]) return true;
  const AgentSpec& agent = scenario_.agents[static_cast<std::size_t>(r.agent)];
  ModelTokens& t = tokens_[id];
  t = draw_tokens(agent, t.context, token_rng_[static_cast<std::size_t>(r.agent)]);
  const std::int64_t tokens = static_cast<std::int64_t>(t.input) + t.output;
  const SimTime now = engine_.now();
  // The platform's gateway checks the tenant's quota before the call leaves; the provider
  // then checks its own limits.
  MinuteLimit& quota = tenant_token_limits_[static_cast<std::size_t>(r.tenant)];
  if (quota.limited()) {
    if (quota.admit(now, tokens) != TokenLimit::none) {
      throttled(id, TokenLimit::tenant_tokens, quota);
      return false;
    }
  }
  MinuteLimit& provider = provider_limits_[static_cast<std::size_t>(r.service)];
  if (provider.limited()) {
    if (const TokenLimit over = provider.admit(now, tokens); over != TokenLimit::none) {
      throttled(id, over, provider);
      return false;
    }
  }
  return true;
}

void RequestPath::throttled(std::uint32_t id, TokenLimit limit, const MinuteLimit& window) {
  const Request& r = requests_[id];
  const bool tenant_quota = limit == TokenLimit::tenant_tokens;
  ThrottleEpisode& ep = tenant_quota ? tenant_throttling_[static_cast<std::size_t>(r.tenant)]
                                     : provider_throttling_[static_cast<std::size_t>(r.service)];
  ++ep.refused;
  ++ep.refused_in_interval;
  if (!ep.on) {
    ep.on = true;
    const ServiceSpec& sv = scenario_.services[static_cast<std::size_t>(r.service)];
    const TenantSpec& tenant = scenario_.tenants[static_cast<std::size_t>(r.tenant)];
    const ModelTokens& t = tokens_[id];
    const double cap = tenant_quota ? tenant.quota.max_tokens_per_minute
                       : limit == TokenLimit::requests ? sv.model.rate_limit_rpm
                                                       : sv.model.rate_limit_tpm;
    const std::string used =
        limit == TokenLimit::requests
            ? std::to_string(window.requests()) + " requests in the last 60 s, at its limit of " +
                  scaling::format_number(cap) + " a minute"
            : std::to_string(window.tokens()) + " tokens in the last 60 s, and this call's " +
                  std::to_string(static_cast<std::int64_t>(t.input) + t.output) + " (" + std::to_string(t.input) +
                  " in, " + std::to_string(t.context) + " of them context, " + std::to_string(t.output) +
                  " out) would pass its limit of " + scaling::format_number(cap) + " a minute";
    EventFields f;
    f.add("service", sv.id);
    if (tenant_quota) f.add("tenant", tenant.id);
    f.add("limit", token_limit_field(limit))
        .add("requests_last_minute", window.requests())
        .add("tokens_last_minute", window.tokens())
        .add("reason", (tenant_quota ? "tenant " + tenant.id + "'s token quota saw " : sv.id + " saw ") + used +
                           "; model calls are refused at once (429)" +
                           (!tenant_quota && sv.model.retry_after >= 0
                                ? ", with Retry-After " + format_duration(sv.model.retry_after)
                                : std::string()));
    log_.log(EventKind::throttling_started, std::move(f));
  }
  outcome(id, Failure::throttled);
}

SimDuration RequestPath::model_work_time(std::uint32_t id) {
  const Request& r = requests_[id];
  return model_work(scenario_.services[static_cast<std::size_t>(r.service)].model, tokens_[id],
                    work_rng_[static_cast<std::size_t>(r.agent)]);
}

void RequestPath::count_tokens(std::uint32_t id) {
  const Request& r = requests_[id];
  const ModelTokens& t = tokens_[id];
  const double cost = token_cost_usd(scenario_.services[static_cast<std::size_t>(r.service)].model, t);
  for (ScopeStats* st : {&registry_.service(r.service), &registry_.agent(r.agent), &registry_.tenant(r.tenant)}) {
    st->window.tokens_in += t.input;
    st->window.tokens_out += t.output;
    st->window.token_cost_usd += cost;
  }
  // The provider's bill is part of what the fleet costs (service and global cost_usd).
  registry_.service(r.service).window.cost_usd += cost;
}

bool RequestPath::admit_to_queue(std::uint32_t id) {
  const Request& r = requests_[id];
  PoolQueue& q = queues_[static_cast<std::size_t>(r.pool)];
  const ServiceSpec& spec = *q.spec;
  // Sheddable requests go first: where only "default" is given, they go at its length too.
  int at = -1;
  switch (scenario_.tenants[static_cast<std::size_t>(r.tenant)].priority) {
    case Priority::critical: return true;
    case Priority::default_: at = spec.shed_default_at; break;
    case Priority::sheddable: at = spec.shed_sheddable_at >= 0 ? spec.shed_sheddable_at : spec.shed_default_at; break;
  }
  if (at < 0 || q.queued < static_cast<std::size_t>(at)) return true;
  ThrottleEpisode& ep = q.shedding;
  ++ep.refused;
  ++ep.refused_in_interval;
  if (!ep.on) {
    ep.on = true;
    const TenantSpec& tenant = scenario_.tenants[static_cast<std::size_t>(r.tenant)];
    const char* priority = tenant.priority == Priority::sheddable ? "sheddable" : "default";
    EventFields f;
    f.add("service", spec.id);
    const int owner = fleet_.owner_of(r.pool);
    if (owner >= 0) f.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(owner)].id);
    f.add("queue_length", static_cast<std::int64_t>(q.queued))
        .add("priority", priority)
        .add("threshold", at)
        .add("reason", std::to_string(q.queued) + " requests wait at " + spec.id + ", at or past " +
                           std::to_string(at) + ": requests of " + priority + " tenants (first " + tenant.id +
                           "'s) are refused at once so that critical ones keep their place");
    log_.log(EventKind::shedding_started, std::move(f));
  }
  outcome(id, Failure::shed);
  return false;
}

bool RequestPath::serve_newest(const PoolQueue& q) const {
  switch (q.spec->discipline) {
    case QueueDiscipline::fifo: return false;
    case QueueDiscipline::lifo: return true;
    case QueueDiscipline::adaptive_lifo: return q.queued > static_cast<std::size_t>(q.spec->lifo_threshold);
  }
  return false;
}

const std::uint32_t& RequestPath::next_in(const PoolQueue& q, std::size_t flow) const {
  return serve_newest(q) ? q.flows[flow].back() : q.flows[flow].front();
}

void RequestPath::log_episode_ends() {
  auto end = [&](ThrottleEpisode& ep, EventKind kind, EventFields f) {
    if (ep.on && ep.refused_in_interval == 0) {
      log_.log(kind, std::move(f.add("refused", ep.refused)));
      ep = ThrottleEpisode{};
    }
    ep.refused_in_interval = 0;
  };
  for (std::size_t v = 0; v < provider_throttling_.size(); ++v)
    end(provider_throttling_[v], EventKind::throttling_ended, EventFields().add("service", scenario_.services[v].id));
  for (std::size_t t = 0; t < tenant_throttling_.size(); ++t)
    end(tenant_throttling_[t], EventKind::throttling_ended, EventFields().add("tenant", scenario_.tenants[t].id));
  for (std::size_t pi = 0; pi < queues_.size(); ++pi)
    if (queues_[pi].spec->sheds())
      end(queues_[pi].shedding, EventKind::shedding_ended, EventFields().add("service", queues_[pi].spec->id));
}

}  // namespace opsim
