// The pending-event set: a binary min-heap on (time, sequence). The sequence number is the
// order in which events were scheduled, so two events at the same microsecond always run
// in the order they were scheduled, on every platform and every run.
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
  std::uint64_t token = 0;  // e.g. a generation counter that lets stale timers be skipped
};

class EventQueue {
 public:
  void push(SimTime t, std::uint32_t kind, std::uint32_t target, std::uint64_t token = 0);
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.front(); }
  Event pop();
  std::uint64_t scheduled_total() const { return next_seq_; }

 private:
  static bool before(const Event& a, const Event& b) {
    return a.t < b.t || (a.t == b.t && a.seq < b.seq);
  }
  std::vector<Event> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace opsim
