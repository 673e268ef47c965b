#include "sim/faults.h"

#include <algorithm>

namespace opsim {

Scenario with_traffic_spikes(const Scenario& scenario) {
  Scenario s = scenario;
  for (const FaultSpec& f : s.faults) {
    if (f.type != FaultType::traffic_spike || f.tenant_index < 0) continue;
    PatternSpec spike;
    spike.type = PatternSpec::Type::spike;
    spike.at = f.at;
    spike.duration = f.duration >= 0 ? f.duration : std::max<SimDuration>(0, s.duration - f.at);
    spike.multiplier = f.multiplier;
    for (LoadSpec& load : s.tenants[static_cast<std::size_t>(f.tenant_index)].load) load.patterns.push_back(spike);
  }
  return s;
}

Faults::Faults(Engine& engine, Scenario& scenario, Fleet& fleet, RequestPath& requests, ContextEngine& context,
               IncidentSignals& incidents, EventLog& log)
    : engine_(engine),
      id_(engine.add(this)),
      scenario_(scenario),
      fleet_(fleet),
      requests_(requests),
      context_(context),
      incidents_(incidents),
      log_(log) {
  crashed_.assign(scenario_.faults.size(), 0);
  active_.assign(scenario_.faults.size(), false);
}

void Faults::start() {
  for (std::size_t i = 0; i < scenario_.faults.size(); ++i) {
    const FaultSpec& f = scenario_.faults[i];
    if ((f.type == FaultType::data_loss || f.type == FaultType::security) && !incidents_.enabled()) continue;
    engine_.schedule(f.at, id_, kStart, static_cast<std::uint32_t>(i));
    if (f.duration >= 0) engine_.schedule(f.at + f.duration, id_, kEnd, static_cast<std::uint32_t>(i));
  }
}

void Faults::on_event(std::uint16_t kind, std::uint32_t target) { on_fault(target, kind == kStart); }

bool Faults::crash_active(int service) const {
  for (std::size_t f = 0; f < scenario_.faults.size(); ++f)
    if (active_[f] && scenario_.faults[f].type == FaultType::instance_crash && scenario_.faults[f].service_index == service)
      return true;
  return false;
}

void Faults::on_fault(std::uint32_t index, bool start) {
  // A fault ended early (a chaos rollback) ignores its scheduled end.
  if (active_[index] == start) return;
  active_[index] = start;
  const FaultSpec f = scenario_.faults[index];  // a copy: a chaos experiment may add faults meanwhile
  EventFields w;
  switch (f.type) {
    case FaultType::provider_outage:
      context_.set_outage(f.provider_index, start);
      w.add("type", "provider_outage").add("provider", f.provider);
      break;
    case FaultType::instance_crash:
      w.add("type", "instance_crash").add("service", f.service);
      if (start) {
        crashed_[index] = fleet_.crash(f.service_index, f.count, f.fraction);
        w.add("instances_crashed", crashed_[index]);
      } else {
        // The crashed instances restart and serve again after the service's startup.
        w.add("instances_restarted", fleet_.restart(f.service_index, crashed_[index]));
      }
      break;
    case FaultType::latency:
    case FaultType::errors: {
      // On every agent of the service, or on the one agent; overlapping faults add up.
      const double sign = start ? 1.0 : -1.0;
      for (std::size_t a = 0; a < scenario_.agents.size(); ++a) {
        const bool hit = f.agent_index >= 0 ? static_cast<int>(a) == f.agent_index
                                            : scenario_.agents[a].service_index == f.service_index;
        if (!hit) continue;
        if (f.type == FaultType::errors) requests_.add_agent_error_percent(static_cast<int>(a), sign * f.error_percent);
        else requests_.add_agent_latency(static_cast<int>(a), start ? f.add : -f.add);
      }
      w.add("type", f.type == FaultType::errors ? "errors" : "latency");
      if (f.agent_index >= 0) w.add("agent", f.agent);
      else w.add("service", f.service);
      if (f.type == FaultType::errors) w.add("error_percent", f.error_percent);
      else w.add("add_s", to_seconds(f.add));
      break;
    }
    case FaultType::traffic_spike:
      w.add("type", "traffic_spike").add("tenant", f.tenant).add("multiplier", f.multiplier);
      // The spike is a load pattern; one ended early (a chaos rollback) is cut short there.
      if (!start && f.tenant_index >= 0) requests_.end_spike_early(f.tenant_index, f.at, f.multiplier);
      break;
    case FaultType::capacity_loss:
      w.add("type", "capacity_loss")
          .add("service", f.service)
          .add("slots_per_instance",
               fleet_.set_capacity_percent(f.service_index, start ? 100.0 - f.concurrency_percent : 100.0));
      break;
    case FaultType::data_loss:
    case FaultType::security:
      // Nothing breaks in the request path; incident classification reads the flag.
      w.add("type", f.type == FaultType::data_loss ? "data_loss" : "security");
      if (!f.service.empty()) w.add("service", f.service);
      if (!f.tenant.empty()) w.add("tenant", f.tenant);
      break;
  }
  if (start && f.duration >= 0) w.add("duration_s", to_seconds(f.duration));
  log_.log(start ? EventKind::fault_started : EventKind::fault_ended, std::move(w));
  incidents_.on_fault(f, start);
}

int Faults::add(const FaultSpec& f) {
  FaultSpec g = f;
  g.at = engine_.now();
  scenario_.faults.push_back(g);
  crashed_.push_back(0);
  active_.push_back(false);
  const int index = static_cast<int>(scenario_.faults.size() - 1);
  if (g.type == FaultType::traffic_spike && g.tenant_index >= 0) {
    // Like the scenario's spikes: the tenant's load patterns carry it (an early end cuts it short).
    PatternSpec spike;
    spike.type = PatternSpec::Type::spike;
    spike.at = g.at;
    spike.duration = g.duration >= 0 ? g.duration : std::max<SimDuration>(0, engine_.end() - g.at);
    spike.multiplier = g.multiplier;
    requests_.add_spike(g.tenant_index, spike);
  }
  on_fault(static_cast<std::uint32_t>(index), true);
  if (g.duration >= 0 && g.at + g.duration <= engine_.end())
    engine_.schedule(g.at + g.duration, id_, kEnd, static_cast<std::uint32_t>(index));
  return index;
}

}  // namespace opsim
