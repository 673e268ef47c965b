// estimated_memory_bytes (scenario/loader.h): the loader's memory limit, summed from the
// components that know their own records' sizes.
#include "fleet/fleet.h"
#include "metrics/prometheus_series.h"
#include "metrics/registry.h"
#include "scenario/loader.h"
#include "sim/request_path.h"
#include "sre/incident_signals.h"
#include "sre/rollouts.h"
#include "sre/slo_accounting.h"

namespace opsim {

double estimated_memory_bytes(const Scenario& s) {
  return MetricRegistry::estimated_bytes(s) + PrometheusSeries::estimated_bytes(s) + SloAccounting::estimated_bytes(s) + Rollouts::estimated_bytes(s) +
         IncidentSignals::estimated_bytes(s) + Fleet::estimated_bytes(s) + RequestPath::estimated_bytes(s);
}

}  // namespace opsim
