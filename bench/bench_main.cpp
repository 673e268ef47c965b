// opsim_bench SCENARIO [REPEATS]: runs a built-in scenario (or a file) to its end REPEATS
// times and prints one line per run: simulated requests, events, wall seconds, and
// simulated requests per wall second. bench/run.sh compares native, WebAssembly and SimPy.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "builtin.h"
#include "scenario/loader.h"
#include "sim/simulation.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: opsim_bench SCENARIO [REPEATS]\n");
    return 2;
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
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    opsim::Simulation sim(r.scenario, r.scenario.seed);
    sim.run();
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto values = sim.summary_values();
    const double requests = values[static_cast<std::size_t>(sim.metrics().find("requests_total"))];
    std::printf("run %d: %.0f requests, %llu events, %.3f s, %.0f requests/s\n", i + 1, requests,
                static_cast<unsigned long long>(sim.events_processed()), wall_s, requests / wall_s);
  }
  return 0;
}
