// Helpers shared by the core tests.
#pragma once
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "scenario/loader.h"

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

}  // namespace opsim::test
