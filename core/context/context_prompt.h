// Prompt integration (seed 000 part 1, steps 27-29): the assembled context as a readable block,
// and the three strategies that join it to an agent's prompt.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "scenario/scenario.h"

namespace opsim {
namespace context {

// One key's answers: (provider id, answer as JSON text), in consultation order.
struct KeyContext {
  std::string key;
  std::vector<std::pair<std::string, std::string>> answers;
};

// The context block: a heading with the scope, then one section per key with one line per
// provider that answered; each line summarises at most kSummaryItems members of the answer
// (scalars by value, containers by their size), as the seed's _format_context_data does.
constexpr int kSummaryItems = 3;
std::string format_block(const std::vector<KeyContext>& keys, ContextScope scope);

// append: the prompt, a blank line, the block. inject: the block in place of every "{context}"
// of the prompt, or before the prompt when it has none. template: the template with every
// "{prompt}" and "{context}" filled in (in one pass: text substituted is not scanned again).
std::string apply_strategy(ContextSpec::Strategy strategy, const std::string& template_text,
                           const std::string& base_prompt, const std::string& block);

}  // namespace context
}  // namespace opsim
