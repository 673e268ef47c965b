// The engine: the clock, the pending events and the loop that runs them, as SimGrid's and
// ns-3's engines are (schedule, run_until, step, now). It knows nothing of requests or
// fleets: components register with it, schedule their own events (a component id, one of
// the component's own kinds, and an integer target such as a request slot), and each event
// is handed back to the component that scheduled it.
//
// Ties at the same microsecond run in the order they were scheduled (time, sequence), so a
// run is the same on every platform and every time.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/event_queue.h"
#include "engine/sim_time.h"

namespace opsim {

class Component {
 public:
  virtual ~Component() = default;
  // One of this component's events is due; the engine's clock is at its time.
  virtual void on_event(std::uint16_t kind, std::uint32_t target) = 0;
};

class Engine {
 public:
  // Events after `end` are never run (the run's length).
  explicit Engine(SimTime end) : end_(end) {}
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Registers a component; the id goes into each event it schedules.
  std::uint16_t add(Component* c);
  void schedule(SimTime t, std::uint16_t component, std::uint16_t kind, std::uint32_t target) {
    queue_.push(t, component, kind, target);
  }

  SimTime now() const { return now_; }
  SimTime end() const { return end_; }
  bool finished() const { return now_ >= end_; }
  std::uint64_t events_processed() const { return events_processed_; }
  // The earliest pending event's time, or end() + 1 when nothing is pending.
  SimTime next_time() const { return queue_.empty() ? end_ + 1 : queue_.top().t; }

  // Runs every event up to and including time t (capped at the end), then sets the clock to t.
  void run_until(SimTime t);
  // Runs one event; false when nothing is left before the end.
  bool step() { return (this->*run_batch_)(end_, 1) == 1; }

 private:
  friend struct InvariantTestAccess;  // tests schedule an event in the past on purpose
  std::size_t run_batch(SimTime t, std::size_t max_events);
  std::size_t (Engine::*run_batch_)(SimTime, std::size_t) = &Engine::run_batch;

  EventQueue queue_;
  std::vector<Component*> components_;
  SimTime now_ = 0;
  SimTime end_;
  std::uint64_t events_processed_ = 0;
};

}  // namespace opsim
