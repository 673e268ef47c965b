#include "promql/regex.h"

namespace opsim {
namespace promql {

std::shared_ptr<const std::regex> compile_regex(const std::string& pattern, std::regex::flag_type flags,
                                                std::string& why) {
  try {
    return std::make_shared<const std::regex>(pattern, flags);
  } catch (const std::regex_error& e) {
    why = e.what();
    return nullptr;
  }
}

}  // namespace promql
}  // namespace opsim
