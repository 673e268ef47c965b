#include "promql/regex.h"

namespace opsim {
namespace promql {

Re2Translation translate_re2(const std::string& re2) {
  Re2Translation out;
  std::string p = re2;
  if (p.compare(0, 4, "(?i)") == 0) {
    out.flags |= std::regex::icase;
    p.erase(0, 4);
  }
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char n = p[i + 1];
      if (!in_class && n == 'A') out.pattern += "^";
      else if (!in_class && n == 'z') out.pattern += "$";
      else out.pattern += p.substr(i, 2);
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out.pattern += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out.pattern += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out.pattern += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') {  // a ] first is a literal in RE2
        out.pattern += "\\]";
        ++i;
      }
      continue;
    }
    if (c == '(') {
      if (p.compare(i, 4, "(?P<") == 0) {
        const std::size_t close = p.find('>', i);
        if (close != std::string::npos) {
          out.group_names.push_back(p.substr(i + 4, close - i - 4));
          out.pattern += '(';
          i = close;
          continue;
        }
      } else if (i + 1 >= p.size() || p[i + 1] != '?') {
        out.group_names.emplace_back();
      }
    }
    out.pattern += c;
  }
  return out;
}

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
