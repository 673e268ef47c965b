// The pending-event set: a 4-ary min-heap on (time, sequence). The sequence number is the
// order in which events were scheduled, so two events at the same microsecond always run
// in the order they were scheduled, on every platform and every run. Four children per
// node halve the heap's depth, and its sift-down compares siblings that share a cache line.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/sim_time.h"

namespace opsim {

struct Event {
  SimTime t = 0;
  std::uint64_t seq = 0;
  std::uint32_t kind = 0;  // meaning is the owner's (the simulation's event kinds)
  std::uint32_t target = 0;  // e.g. a request slot or a stream index
};

class EventQueue {
 public:
  void push(SimTime t, std::uint32_t kind, std::uint32_t target);
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.front(); }
  Event pop();
  std::uint64_t scheduled_total() const { return next_seq_; }

 private:
  // Written with & and | rather than && and || so that it compiles without branches.
  static bool before(const Event& a, const Event& b) {
    return (a.t < b.t) | ((a.t == b.t) & (a.seq < b.seq));
  }
  std::vector<Event> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace opsim
