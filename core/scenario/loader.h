// Turns scenario text into a validated Scenario, or into a list of diagnostics that each name
// the JSON path, what was expected, what was found and the line where it stands.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "json/reader.h"  // Diagnostic, format_diagnostic
#include "scenario/scenario.h"

namespace opsim {

// What the loader refuses so that one scenario cannot exhaust the machine. Each error names
// the limit it hit. Documented in the README.
struct ScenarioLimits {
  static constexpr std::size_t kMaxFileBytes = 16u << 20;  // 16 MiB
  static constexpr int kMaxServices = 200;
  static constexpr int kMaxAgents = 1000;
  static constexpr int kMaxTenants = 2000;
  static constexpr int kMaxLoadsPerTenant = 100;
  static constexpr int kMaxUsersPerTenant = 10000;
  static constexpr int kMaxPatternsPerLoad = 50;
  static constexpr int kMaxTracePoints = 100000;
  static constexpr int kMaxInstancesPerService = 10000;
  static constexpr int kMaxConcurrency = 10000;
  static constexpr int kMaxQueueCapacity = 1000000;
  // An agent's calls (agents[].calls): steps per agent, calls in one parallel step, repeats
  // of one call (count) and attempts of one call (retry.max_attempts).
  static constexpr int kMaxCallSteps = 100;
  static constexpr int kMaxParallelCalls = 100;
  static constexpr int kMaxCallCount = 1000;
  static constexpr int kMaxCallAttempts = 100;
  // Tokens of one model call's input or output, and of one context entry.
  static constexpr double kMaxTokensPerCall = 1e7;
  static constexpr SimDuration kMaxDuration = 400 * kMicrosPerDay;
  static constexpr SimDuration kMinScrapeInterval = kMicrosPerSecond;
  // Samples kept in memory: (retention / scrape_interval) x time-series columns.
  static constexpr double kMaxRetainedValues = 5e7;
  static constexpr double kMaxSloBuckets = 4e6;  // 24 bytes each: about 96 MB
  // Expected arrivals over the whole run, from each load's peak rate: beyond this a run
  // would take hours, so it is refused rather than left to run. An arrival counts with the
  // calls it makes, each call with all its attempts (count x max_attempts, down the graph).
  static constexpr double kMaxExpectedRequests = 2e10;
  // Slots (instances x concurrency) summed over services.
  static constexpr double kMaxTotalSlots = 2e6;
  // What the simulation would hold at its largest (estimated_memory_bytes): within a
  // 32-bit WebAssembly page's reach, and a laptop's.
  static constexpr double kMaxEstimatedMemoryMb = 1024;
};

// The simulation's memory at its largest, estimated from the scenario by each component
// from the sizes of its own records (sim/memory_estimate.cpp): every scope's counters and
// latency histograms, the retained samples, SLO buckets, canary windows, per-user interval
// counts, instances, and requests in flight with their events (bounded by slots and queue
// capacities). Bytes.
double estimated_memory_bytes(const Scenario& s);

struct LoadResult {
  bool ok = false;
  Scenario scenario;
  std::vector<Diagnostic> errors;
  // Sections that are valid but whose behaviour this version does not simulate yet.
  std::vector<Diagnostic> warnings;
};

// A file a scenario names (an HPA manifest, a trace, an SLO spec), as the platform read it.
struct NamedFile {
  std::string name;  // how messages name it: the path opened, or the name it was given as
  std::string text;
};
// Reads the file a scenario names by `path`, as written in the scenario: the runner reads it
// from disk relative to the scenario's file; the page takes it from the files given with the
// scenario. False when it cannot, with `why` ("no such file").
using FileReader = std::function<bool(const std::string& path, NamedFile& out, std::string& why)>;

// `files` reads the files the scenario names; without one, a scenario that names a file is
// refused at the name.
LoadResult load_scenario(std::string_view text, const FileReader& files = {});

}  // namespace opsim
