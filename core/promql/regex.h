// Compiling a regular expression without letting std::regex's exception escape. Only this
// file (and yaml-cpp's and the templates') is built with exceptions in WebAssembly
// (core/CMakeLists.txt): the evaluator's hot code stays free of their cost.
#pragma once
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace opsim {
namespace promql {

// A pattern in RE2's syntax (what Prometheus and Go use) rewritten for C++'s ECMAScript
// engine, which agrees on the common subset: a leading (?i) becomes the icase flag, \A and
// \z the anchors ^ and $, a ] first in a class a literal one, and (?P<name>...) a plain
// group whose name is kept by its number (for $name in a replacement).
struct Re2Translation {
  std::string pattern;
  std::regex::flag_type flags = std::regex::ECMAScript;
  std::vector<std::string> group_names;  // by group number, from 1; "" for unnamed groups
};
Re2Translation translate_re2(const std::string& re2);

// Null, with std::regex's reason in `why`, when `pattern` does not compile.
std::shared_ptr<const std::regex> compile_regex(const std::string& pattern, std::regex::flag_type flags,
                                                std::string& why);

}  // namespace promql
}  // namespace opsim
