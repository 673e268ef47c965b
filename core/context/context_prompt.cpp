#include "context/context_prompt.h"

#include "context/context_providers.h"
#include "json/json.h"

namespace opsim {
namespace context {

namespace {

std::string scalar_text(const json::Value& v) {
  switch (v.type) {
    case json::Type::null: return "null";
    case json::Type::boolean: return v.boolean ? "true" : "false";
    case json::Type::number: return v.text.empty() ? json::number(v.number) : v.text;
    case json::Type::string: return v.text;
    case json::Type::array: return std::to_string(v.items.size()) + " items";
    case json::Type::object: return std::to_string(v.members.size()) + " items";
  }
  return "";
}

std::string summary(const std::string& answer_json) {
  json::Value v;
  json::ParseError e;
  if (!json::parse(answer_json, v, e)) return answer_json;
  if (v.type != json::Type::object) return scalar_text(v);
  if (v.members.empty()) return "no data available";
  std::string s;
  const std::size_t n = v.members.size();
  for (std::size_t i = 0; i < n && i < static_cast<std::size_t>(kSummaryItems); ++i)
    s += (i ? ", " : "") + v.members[i].first + ": " + scalar_text(v.members[i].second);
  if (n > static_cast<std::size_t>(kSummaryItems))
    s += " (+" + std::to_string(n - static_cast<std::size_t>(kSummaryItems)) + " more)";
  return s;
}

}  // namespace

std::string format_block(const std::vector<KeyContext>& keys, ContextScope scope) {
  std::string s = std::string("--- Context (scope ") + scope_name(scope) + ") ---\n";
  for (const KeyContext& k : keys) {
    s += k.key + ":\n";
    if (k.answers.empty()) s += "  (no context available)\n";
    for (const auto& a : k.answers) s += "  - " + a.first + ": " + summary(a.second) + "\n";
  }
  return s;
}

std::string apply_strategy(ContextSpec::Strategy strategy, const std::string& template_text,
                           const std::string& base_prompt, const std::string& block) {
  static const std::string kContext = "{context}", kPrompt = "{prompt}";
  auto fill = [](const std::string& text, const std::string& prompt, const std::string& ctx, bool with_prompt) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
      if (text.compare(i, kContext.size(), kContext) == 0) {
        out += ctx;
        i += kContext.size();
      } else if (with_prompt && text.compare(i, kPrompt.size(), kPrompt) == 0) {
        out += prompt;
        i += kPrompt.size();
      } else {
        out += text[i++];
      }
    }
    return out;
  };
  switch (strategy) {
    case ContextSpec::Strategy::append: return base_prompt + "\n\n" + block;
    case ContextSpec::Strategy::inject:
      if (base_prompt.find(kContext) == std::string::npos) return block + "\n" + base_prompt;
      return fill(base_prompt, "", block, false);
    case ContextSpec::Strategy::template_: return fill(template_text, base_prompt, block, true);
  }
  return base_prompt;
}

}  // namespace context
}  // namespace opsim
