// Helpers shared by the core tests.
#pragma once
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "json/json.h"
#include "scenario/loader.h"
#include "sim/simulation.h"

namespace opsim::test {

inline std::string source_path(const std::string& relative) { return std::string(OPSIM_SOURCE_DIR) + "/" + relative; }

inline std::string read_text(const std::string& relative) {
  std::ifstream in(source_path(relative), std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Loads a scenario that must be valid; fails the test with the loader's errors otherwise.
inline Scenario must_load(const std::string& text) {
  LoadResult r = load_scenario(text);
  std::string errors;
  for (const auto& d : r.errors) errors += format_diagnostic(d, "scenario", "error") + "\n";
  INFO(errors);
  REQUIRE(r.ok);
  return r.scenario;
}

// Parses a JSON document that must be well formed; fails the test otherwise.
inline json::Value must_parse(const std::string& text) {
  json::Value v;
  json::ParseError e;
  const bool ok = json::parse(text, v, e);
  INFO(text << "\n" << e.message);
  REQUIRE(ok);
  return v;
}

// A metric's value over the run so far, by name; fails the test for an unknown name.
inline double metric(const Simulation& sim, const std::string& name) {
  const std::vector<double> values = sim.summary_values();
  const int col = sim.metrics().find(name);
  INFO(name);
  REQUIRE(col >= 0);
  return values[static_cast<std::size_t>(col)];
}

// Keeps every logged event (Simulation::recent_events holds only the latest 5,000).
struct EventRecorder : SimObserver {
  std::vector<LogEvent> events;
  void on_log(const LogEvent& e) override { events.push_back(e); }
  void on_sample(SimTime, const std::vector<double>&) override {}
  const LogEvent* first(EventKind kind) const {
    for (const LogEvent& e : events)
      if (e.kind == kind) return &e;
    return nullptr;
  }
  int count(EventKind kind) const {
    int n = 0;
    for (const LogEvent& e : events) n += e.kind == kind;
    return n;
  }
};

// A simulation of a scenario on a seed, its events recorded from the start (the library's
// story tests).
struct RecordedRun {
  RecordedRun(const Scenario& s, std::uint64_t seed) : sim(s, seed) { sim.add_observer(&events); }
  Simulation sim;
  EventRecorder events;
};

}  // namespace opsim::test
