// Performance analysis (seed 004 part 1, PerformanceOptimizationEngine): bottlenecks for
// CPU, memory, latency and queue depth with severities, an optimisation plan by urgency,
// and a 0-100 performance score.
//
// The seed's thresholds are kept as its defaults:
//   bottleneck   medium above   high above   score penalty above the "knee"
//   cpu %        80             90           (cpu - 80) x 0.5
//   memory %     85             95           (memory - 85) x 0.6
//   latency ms   2000           5000         min(30, (latency - 1000) / 100)
//   queue depth  100            500          min(20, (queue - 50) / 10)
// score = max(0, 100 - penalties), rounded to 0.1 as in the seed.
//
// Where the seed's plan is a fixed list, this one is drawn from what the simulation knows
// of each service (its scaling section, its instance bounds, whether a predictive engine
// or a vertical policy is configured): an action is proposed only when it applies. The
// estimated improvement is the score the inputs would get with each bottleneck's value
// brought down to its medium threshold, minus the score now.
#pragma once
#include <string>
#include <vector>

namespace opsim::performance {

struct Inputs {
  double cpu_utilization = 0;     // percent
  double memory_utilization = 0;  // percent
  double latency_avg_ms = 0;
  double queue_depth = 0;  // requests waiting, time-averaged
};

double score(const Inputs& in);

enum class Kind { cpu, memory, latency, queue };
enum class Severity { medium, high };
const char* kind_name(Kind k);          // "cpu_bottleneck", ...
const char* severity_name(Severity s);  // "medium", "high"

// What the plan may propose for one service.
struct ServiceFacts {
  std::string id;
  bool has_scaling = false;     // a scaling section evaluates it
  bool has_predictive = false;  // with the predictive engine enabled
  bool has_vertical = false;    // with a vertical (instance size) policy
  bool uses_context = false;    // its requests assemble context from providers
  int instances = 0, instances_max = 0;
  Inputs inputs;
};

struct Bottleneck {
  std::string service;  // the service it was found on
  Kind kind = Kind::cpu;
  Severity severity = Severity::medium;
  double value = 0, threshold = 0;  // the figure and the medium threshold it passed
  std::string description;
};

struct Plan {
  std::vector<std::string> immediate, short_term, long_term;
  double estimated_improvement = 0;  // score points
};

struct Analysis {
  std::vector<Bottleneck> bottlenecks;
  Plan plan;
  double score = 100;  // of the overall inputs
};

// `overall` scores the platform; `services` are analysed one by one for bottlenecks.
Analysis analyze(const Inputs& overall, const std::vector<ServiceFacts>& services);

}  // namespace opsim::performance
