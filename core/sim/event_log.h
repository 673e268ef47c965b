// Where components report: each logged decision (a typed event) and each time-series row
// go to the observers (the runner's files, the UI, tests); the latest events are kept for
// the UI. Models never print.
#pragma once
#include <deque>
#include <vector>

#include "engine/engine.h"
#include "engine/log_event.h"
#include "sim/observer.h"

namespace opsim {

class EventLog {
 public:
  explicit EventLog(const Engine& engine) : engine_(engine) {}

  // The observer first receives the events logged so far (those still kept).
  void add_observer(SimObserver* observer);
  // Logs an event at the engine's clock.
  void log(EventKind kind, EventFields fields);
  void sample(SimTime t, const std::vector<double>& row) {
    for (SimObserver* o : observers_) o->on_sample(t, row);
  }

  // The most recent events (at most kRecentEvents), oldest first.
  const std::deque<LogEvent>& recent() const { return recent_; }
  static constexpr std::size_t kRecentEvents = 5000;

 private:
  const Engine& engine_;
  std::vector<SimObserver*> observers_;
  std::deque<LogEvent> recent_;
};

}  // namespace opsim
