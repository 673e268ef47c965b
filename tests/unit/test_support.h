// Helpers shared by the core tests.
#pragma once
#include <fstream>
#include <map>
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

// The files of a folder of the source tree, as `opsim run FOLDER/X.json` reads beside it.
inline FileReader files_in(const std::string& folder) {
  return [folder](const std::string& path, NamedFile& out, std::string& why) {
    std::ifstream in(source_path(folder + path), std::ios::binary);
    if (!in) {
      why = "no such file";
      return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    out = {folder + path, ss.str()};
    return true;
  };
}

// Files by name, as the page holds the files given with a scenario.
inline FileReader named_files(std::map<std::string, std::string> texts) {
  return [texts](const std::string& path, NamedFile& out, std::string& why) {
    const auto it = texts.find(path);
    if (it == texts.end()) {
      why = "no such file";
      return false;
    }
    out = {path, it->second};
    return true;
  };
}

// Reads the files a test scenario names: beside the scenarios of tests/scenarios/valid/,
// else beside the built-in ones (scenarios/).
inline FileReader scenario_files() {
  return [](const std::string& path, NamedFile& out, std::string& why) {
    return files_in("tests/scenarios/valid/")(path, out, why) || files_in("scenarios/")(path, out, why);
  };
}

// Loads a scenario that must be valid; fails the test with the loader's errors otherwise.
inline Scenario must_load(const std::string& text) {
  LoadResult r = load_scenario(text, scenario_files());
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
