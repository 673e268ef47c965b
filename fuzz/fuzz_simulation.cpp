// libFuzzer target: fuzz input bytes -> a valid-but-odd scenario (scenario_generator.h) ->
// the loader -> a whole simulation run, with the sanitizers watching and invariants checked
// along the way: the core's own (sim/invariants.h), which the simulation checks at every
// scrape and throws on, and those below, which read only the public API and hold at any
// moment. (The core's checker is not called between scrapes: some of its figures are those
// of the last scrape.) A scenario the loader refuses ends the input: whether such text is
// refused cleanly is fuzz_loader's concern.
//
// Each input is kept near 100 ms under the sanitizers: the generator keeps runs short and
// the time series small, and the run stops after kMaxEvents events (huge rates reach that
// long before the end; every other run goes to its end).
//
// Environment, for reproducing a crash by hand (fuzz_simulation CRASH_FILE):
//   OPSIM_FUZZ_PRINT=1   print the generated scenario (the text to save as a regression
//                        test) and the loader's verdict on stderr.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "scenario/loader.h"
#include "scenario_generator.h"
#include "sim/invariants.h"
#include "sim/simulation.h"

namespace {

constexpr std::uint64_t kMaxEvents = 60000;
// Invariants are checked this many times during the run, and once at its end.
constexpr int kChecksPerRun = 8;

bool print_enabled() {
  static const bool enabled = std::getenv("OPSIM_FUZZ_PRINT") != nullptr;
  return enabled;
}

[[noreturn]] void invariant_broken(const opsim::Simulation& sim, const std::string& what) {
  std::fprintf(stderr, "fuzz_simulation: invariant broken at t = %lld us (%llu events): %s\n",
               static_cast<long long>(sim.now()), static_cast<unsigned long long>(sim.events_processed()),
               what.c_str());
  std::abort();
}

// Metrics that may be negative by definition: an error budget overspent goes below 0.
bool may_be_negative(opsim::MetricId m) { return m == opsim::MetricId::budget_remaining_percent; }

bool is_percent_of_requests(opsim::MetricId m) {
  return m == opsim::MetricId::availability_percent || m == opsim::MetricId::error_rate_percent ||
         m == opsim::MetricId::rejection_rate_percent;
}

// What must hold at any moment of any run, read through the public API only.
void check_invariants(const opsim::Simulation& sim) {
  using opsim::MetricId;
  if (sim.now() < 0 || sim.now() > sim.end_time()) invariant_broken(sim, "the clock is outside [0, end]");

  // Every metric is a finite number, counters and gauges are never negative, request
  // percentages stay within 0..100.
  const std::vector<double> values = sim.summary_values();
  const std::vector<opsim::Column>& columns = sim.metrics().columns();
  if (values.size() != columns.size()) invariant_broken(sim, "summary_values() and columns() differ in size");
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    const opsim::Column& c = columns[i];
    if (!std::isfinite(v)) invariant_broken(sim, c.name + " is not finite (" + std::to_string(v) + ")");
    if (v < 0 && !may_be_negative(c.metric)) invariant_broken(sim, c.name + " is negative (" + std::to_string(v) + ")");
    if (is_percent_of_requests(c.metric) && v > 100.0 + 1e-9)
      invariant_broken(sim, c.name + " is above 100 (" + std::to_string(v) + ")");
  }

  // SCENARIO_FORMAT.md: requests_total = succeeded + failed + rejected + in flight, in every
  // scope that counts requests.
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].metric != MetricId::requests_total) continue;
    const std::string& name = columns[i].name;
    const std::string prefix = name.substr(0, name.size() - std::string("requests_total").size());
    auto value_of = [&](const char* metric) {
      const int col = sim.metrics().find(prefix + metric);
      if (col < 0) invariant_broken(sim, "no column " + prefix + metric + " beside " + name);
      return values[static_cast<std::size_t>(col)];
    };
    const double parts = value_of("requests_succeeded") + value_of("requests_failed") + value_of("requests_rejected") +
                         value_of("requests_in_flight");
    if (values[i] != parts)
      invariant_broken(sim, name + " = " + std::to_string(values[i]) +
                                " but succeeded + failed + rejected + in flight = " + std::to_string(parts));
  }

  // The fleet: a pool's counts agree with its instances and none is negative.
  for (std::size_t p = 0; p < sim.pool_count(); ++p) {
    const opsim::Simulation::PoolView v = sim.pool_view(static_cast<int>(p));
    const std::string where = "pool " + std::to_string(p) + ": ";
    if (v.instances < 0 || v.ready_instances < 0 || v.starting_instances < 0 || v.draining_instances < 0 ||
        v.busy_slots < 0 || v.total_slots < 0)
      invariant_broken(sim, where + "a negative count");
    if (v.ready_instances + v.starting_instances > v.instances)
      invariant_broken(sim, where + "more ready and starting instances than live ones");
    if (!std::isfinite(v.cost_usd_per_hour) || v.cost_usd_per_hour < 0)
      invariant_broken(sim, where + "a cost rate that is not a finite non-negative number");
    // (An instance may be busier than its slots: a capacity_loss fault or a smaller size
    // takes slots away while the work on them finishes.)
    int busy = 0, live = 0;
    for (const opsim::Simulation::InstanceView& in : sim.pool_instances(static_cast<int>(p))) {
      if (in.busy_slots < 0 || in.slots < 0) invariant_broken(sim, where + "an instance with a negative slot count");
      busy += in.busy_slots;
      ++live;
    }
    if (busy != v.busy_slots) invariant_broken(sim, where + "busy slots of the instances do not add up to the pool's");
    if (live != v.instances) invariant_broken(sim, where + "live instances listed differ from the pool's count");
  }

  // Tenancy: reservations never go negative or over quota (SPEC.md, tenancy).
  for (std::size_t t = 0; t < sim.scenario().tenants.size(); ++t)
    if (!sim.tenant_within_quota(static_cast<int>(t)))
      invariant_broken(sim, "tenant " + sim.scenario().tenants[t].id + " holds more than its quota");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  opsim::fuzz::ChoiceReader choices(data, size);
  const std::string text = opsim::fuzz::generate_scenario(choices);
  const opsim::LoadResult loaded = opsim::load_scenario(text);
  if (print_enabled()) {
    std::fprintf(stderr, "%s\n", text.c_str());
    for (const opsim::Diagnostic& d : loaded.errors)
      std::fprintf(stderr, "%s\n", opsim::format_diagnostic(d, "generated.json", "error").c_str());
  }
  if (!loaded.ok) return 0;

  opsim::Simulation sim(loaded.scenario, loaded.scenario.seed);
  sim.set_invariant_checks(true);  // the default; said here because this target relies on it
  const opsim::SimTime end = sim.end_time();
  try {
    // step() processes one event at a time, so the budget holds whatever the rates.
    for (int check = 1; check <= kChecksPerRun; ++check) {
      const std::uint64_t budget = kMaxEvents * static_cast<std::uint64_t>(check) / kChecksPerRun;
      bool more = true;
      while (sim.events_processed() < budget && (more = sim.step())) {
      }
      check_invariants(sim);
      if (!more) break;
    }
    if (sim.events_processed() < kMaxEvents) {
      // Nothing is left before the end: bring the clock there, as the runner does.
      sim.run_until(end);
      if (!sim.finished()) invariant_broken(sim, "run_until(end) left the run unfinished");
      check_invariants(sim);
    }
  } catch (const opsim::InvariantViolation& e) {
    invariant_broken(sim, e.what());
  }
  if (print_enabled())
    std::fprintf(stderr, "ran to t = %lld us of %lld us, %llu events\n", static_cast<long long>(sim.now()),
                 static_cast<long long>(end), static_cast<unsigned long long>(sim.events_processed()));
  return 0;
}
