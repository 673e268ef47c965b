#include "engine/engine.h"

#include <algorithm>

namespace opsim {

std::uint16_t Engine::add(Component* c) {
  components_.push_back(c);
  return static_cast<std::uint16_t>(components_.size() - 1);
}

void Engine::run_until(SimTime t) {
  t = std::min(t, end_);
  if (t < now_) return;
  // Browsers and node run WebAssembly first in a baseline compiler and switch a function to
  // optimised code only when it is entered again (there is no on-stack replacement), so
  // one call that loops over a whole run would stay in baseline code. The loop therefore
  // runs in batches, each a fresh call of run_batch. The call goes through a pointer
  // because the WebAssembly optimiser (Binaryen) inlines a function that has one caller,
  // whatever the C++ says.
  constexpr std::size_t kBatchEvents = 1024;
  while ((this->*run_batch_)(t, kBatchEvents) == kBatchEvents) {
  }
  now_ = t;
}

std::size_t Engine::run_batch(SimTime t, std::size_t max_events) {
  std::size_t n = 0;
  while (n < max_events && !queue_.empty() && queue_.top().t <= t) {
    const Event e = queue_.pop();
    now_ = e.t;
    ++events_processed_;
    components_[e.component]->on_event(e.kind, e.target);
    ++n;
  }
  return n;
}

}  // namespace opsim
