// Tenant admission: the seed's ResourceMonitor. Each request is checked against its
// tenant's quota (concurrent agents, memory, CPU, requests per minute) before it enters
// the fleet; an admitted request holds a reservation until it finishes, fails or is cut
// off. Reserve and release are one step each, so usage is never negative and never over
// quota. The request rate uses an exact sliding 60 s log of admissions instead of the
// seed's window that resets every minute (which admits up to twice the limit across a
// window edge).
#pragma once
#include <cstdint>

#include "engine/ring_queue.h"
#include "engine/sim_time.h"
#include "scenario/scenario.h"

namespace opsim {

// The limits a request can exceed, as bits of a mask (a request may exceed several).
enum QuotaLimit : unsigned {
  kLimitConcurrentAgents = 1u << 0,
  kLimitMemory = 1u << 1,
  kLimitCpu = 1u << 2,
  kLimitRequestRate = 1u << 3,
};
constexpr int kQuotaLimitCount = 4;
const char* quota_limit_name(int index);  // "concurrent_agents", "memory", "cpu", "request_rate"

struct QuotaUsage {
  int concurrent_agents = 0;
  double memory_mb = 0;
  double cpu_cores = 0;
  int requests_in_window = 0;  // admissions in the last 60 s
};

class ResourceMonitor {
 public:
  explicit ResourceMonitor(const QuotaSpec& quota) : quota_(quota) {}

  // Checks every limit; if none is exceeded, reserves the agent's estimate and records the
  // admission, and returns 0. Otherwise reserves nothing and returns the exceeded limits.
  unsigned try_admit(SimTime now, const AgentSpec& agent);
  // Gives back one admitted execution's reservation.
  void release(const AgentSpec& agent);

  const QuotaUsage& usage() const { return usage_; }
  const QuotaSpec& quota() const { return quota_; }
  // Whether usage is within [0, quota]: the invariant tests and debug builds check.
  bool within_quota() const;

 private:
  QuotaSpec quota_;
  QuotaUsage usage_;
  RingQueue<SimTime> admissions_;  // times of admissions in the last 60 s, oldest first
};

}  // namespace opsim
