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
  std::uint32_t kind = 0;  // meaning is the owner's (the simulation's event kinds)
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
  static constexpr Event kSentinel{std::numeric_limits<SimTime>::max(), std::numeric_limits<std::uint64_t>::max(), 0, 0};
  std::vector<Event> heap_;  // [0, size_): the heap; [size_, size_ + kPadding): kSentinel
  std::size_t size_ = 0;
};

class EventQueue {
 public:
  EventQueue();
  void push(SimTime t, std::uint32_t kind, std::uint32_t target);
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  const Event& top() const { return ring_first_ != kNil && (far_.empty() || event_before(node(ring_first_), far_.top())) ? node(ring_first_) : far_.top(); }
  Event pop();
  std::uint64_t scheduled_total() const { return next_seq_; }

 private:
  static constexpr int kBucketBits = 12;  // 4,096 us a bucket
  static constexpr std::int64_t kRingBuckets = 1 << 12;
  static constexpr std::uint32_t kNil = 0xffffffffu;
  struct Node {
    Event e;
    std::uint32_t next;  // the next node of its bucket, kNil at the end
  };
  const Event& node(std::uint32_t i) const { return nodes_[i].e; }
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

}  // namespace opsim
