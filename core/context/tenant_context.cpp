#include "context/tenant_context.h"

#include "context/context_providers.h"
#include "json/json.h"

namespace opsim {
std::string tenant_context_json(const TenantSpec& t, SimTime now, const Calendar& calendar) {
  std::string compliance = "[";
  for (std::size_t i = 0; i < t.compliance.size(); ++i) compliance += (i ? "," : "") + json::quote(t.compliance[i]);
  compliance += "]";
  const QuotaSpec& q = t.quota;
  const std::string limits = json::ObjectWriter()
                                 .field("max_concurrent_agents", q.max_concurrent_agents)
                                 .field("max_memory_mb", q.max_memory_mb)
                                 .field("max_cpu_cores", q.max_cpu_cores)
                                 .field("max_requests_per_minute", q.max_requests_per_minute)
                                 .field("max_execution_time_s", to_seconds(q.max_execution_time))
                                 .str();
  const std::string stamp = calendar.iso8601(now);
  const std::string environment = json::ObjectWriter()
                                      .raw("resource_limits", limits)
                                      .field("execution_timestamp", stamp)
                                      .field("execution_id", t.id + "_" + stamp)
                                      .str();
  return json::ObjectWriter()
      .field("tenant_id", t.id)
      .field("tenant_name", t.name)
      .field("isolation_level", isolation_name(t.isolation))
      .raw("security_policies", t.security_policies.type == json::Type::object ? json::write(t.security_policies) : "{}")
      .raw("compliance_requirements", compliance)
      .raw("execution_environment", environment)
      .str();
}

}  // namespace opsim
