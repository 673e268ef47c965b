#include "engine/event_queue.h"

namespace opsim {

void EventHeap::push(const Event& e) {
  std::size_t i = size_++;
  if (heap_.size() < size_ + kPadding) heap_.push_back(kSentinel);
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!event_before(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

Event EventHeap::pop() {
  const Event result = heap_[0];
  const std::size_t n = --size_;
  const Event last = heap_[n];
  heap_[n] = kSentinel;
  if (n == 0) return result;
  // Floyd's variant: walk the hole at the root down to a leaf along the earliest children,
  // then sift the former last element up from there. It belongs near the bottom, so this
  // saves comparing it with every child on the way down. A node's children past the end
  // are sentinels, which never win.
  std::size_t hole = 0;
  for (;;) {
    const std::size_t c = 4 * hole + 1;
    if (c >= n) break;
    const Event* k = &heap_[c];
    const std::size_t low = event_before(k[1], k[0]) ? 1 : 0;
    const std::size_t high = event_before(k[3], k[2]) ? 3 : 2;
    const std::size_t best = c + (event_before(k[high], k[low]) ? high : low);
    heap_[hole] = heap_[best];
    hole = best;
  }
  while (hole > 0) {
    const std::size_t parent = (hole - 1) / 4;
    if (!event_before(last, heap_[parent])) break;
    heap_[hole] = heap_[parent];
    hole = parent;
  }
  heap_[hole] = last;
  return result;
}

}  // namespace opsim
