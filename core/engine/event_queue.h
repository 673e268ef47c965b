// The pending-event set, ordered by (time, sequence). The sequence number is the order in
// which events were scheduled, so two events at the same microsecond always run in the
// order they were scheduled, on every platform and every run. Keys are unique (sequences
// are), so the order of pops is the order of keys whatever the structure holding them.
//
// Two pops per simulated request make this the busiest structure of a run, so most events
// skip the heap: a calendar ring of kRingBuckets buckets of 2^kBucketBits us (about 4 ms;
// 16.8 s in all, the bucket heads in 16 KiB) holds the events due within its span of the
// last event popped, each bucket a list sorted by key, with an occupancy bitmap to find the
// next non-empty bucket; events further ahead (and any scheduled before the clock) wait in
// a 4-ary min-heap. A pop takes the smaller of the ring's first event and the heap's.
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/sim_time.h"

namespace opsim {

struct Event {
  SimTime t = 0;
  std::uint64_t seq = 0;
  std::uint16_t component = 0;  // the component that scheduled it, and handles it
  std::uint16_t kind = 0;  // meaning is the component's (its own event kinds)
  std::uint32_t target = 0;  // e.g. a request slot or a stream index
};

// (time, sequence) as one 128-bit comparison where the compiler has one.
inline bool event_before(const Event& a, const Event& b) {
#if defined(__SIZEOF_INT128__)
  // Flipping the sign bit orders signed times as unsigned numbers.
  using u128 = unsigned __int128;
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  const u128 ka = static_cast<u128>(static_cast<std::uint64_t>(a.t) ^ kSign) << 64 | a.seq;
  const u128 kb = static_cast<u128>(static_cast<std::uint64_t>(b.t) ^ kSign) << 64 | b.seq;
  return ka < kb;
#else
  return (a.t < b.t) | ((a.t == b.t) & (a.seq < b.seq));
#endif
}

// A 4-ary min-heap of events. Four slots past the last event always hold a sentinel later
// than any event, so that every node compares four children without a bounds check, in a
// tournament of three comparisons.
class EventHeap {
 public:
  EventHeap() : heap_(kPadding, kSentinel) {}
  void push(const Event& e);
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  const Event& top() const { return heap_.front(); }
  Event pop();

 private:
  static constexpr std::size_t kPadding = 4;
  static constexpr Event kSentinel{std::numeric_limits<SimTime>::max(), std::numeric_limits<std::uint64_t>::max(), 0, 0, 0};
  std::vector<Event> heap_;  // [0, size_): the heap; [size_, size_ + kPadding): kSentinel
  std::size_t size_ = 0;
};

class EventQueue {
 public:
  EventQueue();
  void push(SimTime t, std::uint16_t component, std::uint16_t kind, std::uint32_t target);
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  const Event& top() const { return ring_leads() ? node(ring_first_) : far_.top(); }
  Event pop();
  std::uint64_t scheduled_total() const { return next_seq_; }
  // What one pending event takes (a ring node; a heap entry is smaller).
  static constexpr std::size_t bytes_per_event() { return sizeof(Node); }

 private:
  static constexpr int kBucketBits = 12;  // 4,096 us a bucket
  static constexpr std::int64_t kRingBuckets = 1 << 12;
  static constexpr std::uint32_t kNil = 0xffffffffu;
  struct Node {
    Event e;
    std::uint32_t next;  // the next node of its bucket, kNil at the end
  };
  const Event& node(std::uint32_t i) const { return nodes_[i].e; }
  // Whether the next event is the ring's (else the heap's).
  bool ring_leads() const {
    return ring_first_ != kNil && (far_.empty() || event_before(node(ring_first_), far_.top()));
  }
  static std::int64_t bucket_of(SimTime t) { return t >> kBucketBits; }
  std::uint32_t first_in_ring() const;  // the ring's earliest node, scanning from base_

  std::vector<std::uint32_t> head_;  // [bucket % kRingBuckets]: its first node
  std::vector<std::uint64_t> occupied_;  // one bit per bucket with a node
  std::vector<Node> nodes_;
  std::uint32_t free_ = kNil;  // free nodes, linked by next
  std::uint32_t ring_first_ = kNil;  // the ring's earliest node
  std::size_t ring_size_ = 0;
  std::int64_t base_ = 0;  // the ring holds buckets [base_, base_ + kRingBuckets)
  EventHeap far_;
  std::size_t size_ = 0;
  std::uint64_t next_seq_ = 0;
};

// The ring's operations are inline: they run twice per simulated request, and WebAssembly
// builds have no link-time inlining across files.

inline EventQueue::EventQueue() : head_(kRingBuckets, kNil), occupied_(kRingBuckets / 64, 0) {}

inline void EventQueue::push(SimTime t, std::uint16_t component, std::uint16_t kind, std::uint32_t target) {
  const Event e{t, next_seq_++, component, kind, target};
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

inline std::uint32_t EventQueue::first_in_ring() const {
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

inline Event EventQueue::pop() {
  --size_;
  Event e;
  if (ring_leads()) {
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
