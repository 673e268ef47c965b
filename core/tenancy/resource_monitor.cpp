#include "tenancy/resource_monitor.h"

#include <cassert>

namespace opsim {

const char* quota_limit_name(int index) {
  static const char* names[kQuotaLimitCount] = {"concurrent_agents", "memory", "cpu", "request_rate"};
  return names[index];
}

unsigned ResourceMonitor::try_admit(SimTime now, const AgentSpec& agent) {
  // The sliding window: forget admissions 60 s old or older.
  while (!admissions_.empty() && admissions_.front() <= now - kMicrosPerMinute) admissions_.pop_front();
  usage_.requests_in_window = static_cast<int>(admissions_.size());

  unsigned exceeded = 0;
  if (usage_.concurrent_agents + 1 > quota_.max_concurrent_agents) exceeded |= kLimitConcurrentAgents;
  if (usage_.memory_mb + agent.memory_estimate_mb > quota_.max_memory_mb) exceeded |= kLimitMemory;
  if (usage_.cpu_cores + agent.cpu_estimate_cores > quota_.max_cpu_cores + 1e-9) exceeded |= kLimitCpu;
  if (usage_.requests_in_window + 1 > quota_.max_requests_per_minute) exceeded |= kLimitRequestRate;
  if (exceeded) return exceeded;

  ++usage_.concurrent_agents;
  usage_.memory_mb += agent.memory_estimate_mb;
  usage_.cpu_cores += agent.cpu_estimate_cores;
  admissions_.push_back(now);
  ++usage_.requests_in_window;
  assert(within_quota());
  return 0;
}

void ResourceMonitor::release(const AgentSpec& agent) {
  --usage_.concurrent_agents;
  usage_.memory_mb -= agent.memory_estimate_mb;
  usage_.cpu_cores -= agent.cpu_estimate_cores;
  // Sums of the same estimates added and removed in another order can leave a residue of
  // rounding; an idle tenant holds exactly nothing.
  if (usage_.concurrent_agents == 0) {
    usage_.memory_mb = 0;
    usage_.cpu_cores = 0;
  }
  assert(within_quota());
}

bool ResourceMonitor::within_quota() const {
  return usage_.concurrent_agents >= 0 && usage_.concurrent_agents <= quota_.max_concurrent_agents &&
         usage_.memory_mb >= -1e-9 && usage_.memory_mb <= quota_.max_memory_mb + 1e-9 && usage_.cpu_cores >= -1e-9 &&
         usage_.cpu_cores <= quota_.max_cpu_cores + 1e-9 && usage_.requests_in_window >= 0 &&
         usage_.requests_in_window <= quota_.max_requests_per_minute;
}

}  // namespace opsim
