#include "builtin.h"

namespace opsim {

const BuiltinScenario* find_builtin_scenario(std::string_view name) {
  for (const BuiltinScenario& s : builtin_scenarios())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace opsim
