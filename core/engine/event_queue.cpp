#include "engine/event_queue.h"

namespace opsim {

// [SECTION] EventHeap

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

// [SECTION] EventQueue

EventQueue::EventQueue() : head_(kRingBuckets, kNil), occupied_(kRingBuckets / 64, 0) {}

void EventQueue::push(SimTime t, std::uint32_t kind, std::uint32_t target) {
  const Event e{t, next_seq_++, kind, target};
  ++size_;
  const std::int64_t b = bucket_of(t);
  if (t < 0 || b < base_ || b >= base_ + kRingBuckets) {
    far_.push(e);
    return;
  }
  std::uint32_t i;
  if (free_ != kNil) {
    i = free_;
    free_ = nodes_[i].next;
  } else {
    i = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back({});
  }
  nodes_[i].e = e;
  // Sorted insert: after every node with a smaller key (the new sequence is the largest,
  // so after every node of the same time too).
  const std::size_t slot = static_cast<std::size_t>(b & (kRingBuckets - 1));
  std::uint32_t* link = &head_[slot];
  while (*link != kNil && !event_before(e, nodes_[*link].e)) link = &nodes_[*link].next;
  nodes_[i].next = *link;
  *link = i;
  occupied_[slot >> 6] |= std::uint64_t{1} << (slot & 63);
  ++ring_size_;
  if (ring_first_ == kNil || event_before(e, nodes_[ring_first_].e)) ring_first_ = i;
}

std::uint32_t EventQueue::first_in_ring() const {
  if (ring_size_ == 0) return kNil;
  // The first occupied bucket at or after base_, going round the ring once.
  const std::size_t start = static_cast<std::size_t>(base_ & (kRingBuckets - 1));
  const std::size_t words = occupied_.size();
  std::size_t w = start >> 6;
  std::uint64_t bits = occupied_[w] & (~std::uint64_t{0} << (start & 63));
  for (std::size_t scanned = 0; bits == 0 && scanned <= words; ++scanned) {
    w = w + 1 == words ? 0 : w + 1;
    bits = occupied_[w];
  }
  return head_[(w << 6) + static_cast<std::size_t>(__builtin_ctzll(bits))];
}

Event EventQueue::pop() {
  --size_;
  Event e;
  if (ring_first_ != kNil && (far_.empty() || event_before(nodes_[ring_first_].e, far_.top()))) {
    const std::uint32_t i = ring_first_;
    e = nodes_[i].e;
    // The earliest node heads its bucket.
    const std::size_t slot = static_cast<std::size_t>(bucket_of(e.t) & (kRingBuckets - 1));
    head_[slot] = nodes_[i].next;
    if (head_[slot] == kNil) occupied_[slot >> 6] &= ~(std::uint64_t{1} << (slot & 63));
    nodes_[i].next = free_;
    free_ = i;
    --ring_size_;
    base_ = bucket_of(e.t);
    ring_first_ = first_in_ring();
  } else {
    e = far_.pop();
    // Every event left is at or after this one, so the ring may start at its bucket.
    if (e.t >= 0 && bucket_of(e.t) > base_) base_ = bucket_of(e.t);
  }
  return e;
}

}  // namespace opsim
