// opsim_bench SCENARIO [REPEATS] [--duration D] [--rules FILE]...: runs a built-in scenario (or a file) to its
// end REPEATS times and prints one line per run: simulated requests, events, wall seconds,
// simulated requests per wall second, and the heap allocations made while it ran (counted
// by the operator new below, per simulated request: the request path must make none).
// --duration replaces the scenario's duration (the memory check runs the full pipeline for
// 1 day and for 30 days); --rules adds a Prometheus rule file (the 50-rule bench). The last
// line gives the process's peak resident memory.
// bench/run.sh compares native, WebAssembly and SimPy.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#if !defined(__EMSCRIPTEN__)
#include <sys/resource.h>
#endif

#include "builtin.h"
#include "scenario/loader.h"
#include "sim/simulation.h"

// Every allocation of the process goes through these; the count is read before and after a
// run. Relaxed: the benchmark has one thread, and the counter must cost next to nothing.
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

// Peak resident set size of the process in KiB (0 where the platform does not say).
long peak_rss_kib() {
#if !defined(__EMSCRIPTEN__)
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) == 0) return u.ru_maxrss;
#endif
  return 0;
}

}  // namespace

// The run alone, out of line so that callgrind can count it without the set-up before it
// (the scenario's and a rule file's parsing): valgrind --toggle-collect=opsim_bench_run.
extern "C" [[gnu::noinline]] void opsim_bench_run(opsim::Simulation& sim) { sim.run(); }

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: opsim_bench SCENARIO [REPEATS] [--duration D]\n");
    return 2;
  }
  int repeats = 3;
  opsim::SimDuration duration_us = 0;  // 0: the scenario's own
  std::vector<opsim::RuleFileText> rule_files;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
      opsim::RuleFileText f;
      f.name = argv[++i];
      std::ifstream in(f.name, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      f.text = ss.str();
      rule_files.push_back(std::move(f));
    } else if (std::strcmp(argv[i], "--duration") == 0 && i + 1 < argc) {
      if (!opsim::parse_duration(argv[++i], duration_us) || duration_us <= 0) {
        std::fprintf(stderr, "--duration expects a duration such as \"30d\", found \"%s\"\n", argv[i]);
        return 2;
      }
    } else {
      repeats = std::atoi(argv[i]);
    }
  }
  std::string text;
  if (const opsim::BuiltinScenario* b = opsim::find_builtin_scenario(argv[1])) {
    text = b->text;
  } else {
    std::ifstream in(argv[1], std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  opsim::LoadResult r = opsim::load_scenario(text);
  if (!r.ok) {
    for (const auto& d : r.errors) std::fprintf(stderr, "%s\n", opsim::format_diagnostic(d, argv[1], "error").c_str());
    return 2;
  }
  if (duration_us > 0) r.scenario.duration = duration_us;
  if (!rule_files.empty()) {
    std::vector<opsim::RuleFileError> errors;
    if (!opsim::attach_rule_files(r.scenario, rule_files, errors)) {
      for (const auto& e : errors) std::fprintf(stderr, "%s\n", opsim::format_diagnostic(e.diagnostic, e.file, "error").c_str());
      return 2;
    }
  }
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    opsim::Simulation sim(r.scenario, r.scenario.seed);
    // Set-up allocates (pools, histograms, rings); the run's own allocations are counted.
    const std::uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
    opsim_bench_run(sim);
    const std::uint64_t allocations = g_allocations.load(std::memory_order_relaxed) - allocations_before;
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto values = sim.summary_values();
    const double requests = values[static_cast<std::size_t>(sim.metrics().find("requests_total"))];
    // Calls: every attempt a service served, less the requests users sent.
    double attempts = 0;
    for (const opsim::ServiceSpec& sv : r.scenario.services)
      attempts += values[static_cast<std::size_t>(sim.metrics().find("service." + sv.id + ".requests_total"))];
    const double calls = attempts - requests;
    std::printf("run %d: %.0f requests, %llu events, %.3f s, %.0f requests/s, %llu allocations (%.4f per request)", i + 1,
                requests, static_cast<unsigned long long>(sim.events_processed()), wall_s, requests / wall_s,
                static_cast<unsigned long long>(allocations),
                requests > 0 ? static_cast<double>(allocations) / requests : 0.0);
    if (r.scenario.has_calls())
      std::printf(", %.0f calls, %.0f calls/s, %.0f attempts/s", calls, calls / wall_s, attempts / wall_s);
    if (const opsim::PromRules* rules = sim.prometheus_rules())
      std::printf(", %llu rule evaluations", static_cast<unsigned long long>(rules->evaluations()));
    std::printf("\n");
  }
  std::printf("peak resident memory: %ld KiB\n", peak_rss_kib());
  return 0;
}
