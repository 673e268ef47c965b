// Compiling a regular expression without letting std::regex's exception escape. Only this
// file (and yaml-cpp's and the templates') is built with exceptions in WebAssembly
// (core/CMakeLists.txt): the evaluator's hot code stays free of their cost.
#pragma once
#include <memory>
#include <regex>
#include <string>

namespace opsim {
namespace promql {

// Null, with std::regex's reason in `why`, when `pattern` does not compile.
std::shared_ptr<const std::regex> compile_regex(const std::string& pattern, std::regex::flag_type flags,
                                                std::string& why);

}  // namespace promql
}  // namespace opsim
