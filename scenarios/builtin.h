// The scenario files of scenarios/, compiled in (see cmake/embed_files.cmake).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace opsim {

struct BuiltinScenario {
  std::string name;  // path below scenarios/ without ".json": "default", "exercises/p95"
  std::string text;
};

const std::vector<BuiltinScenario>& builtin_scenarios();
const BuiltinScenario* find_builtin_scenario(std::string_view name);

}  // namespace opsim
