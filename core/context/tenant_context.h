// The tenant part of an agent's context (the seed's _prepare_tenant_context): who the tenant
// is, its isolation, security policies and compliance requirements, and the execution
// environment's limits. Execution ids come from simulated time, not the wall clock.
#pragma once
#include <string>

#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim {

std::string tenant_context_json(const TenantSpec& tenant, SimTime now, const Calendar& calendar);

}  // namespace opsim
