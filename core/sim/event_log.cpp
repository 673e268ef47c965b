#include "sim/event_log.h"

namespace opsim {

void EventLog::add_observer(SimObserver* observer) {
  observers_.push_back(observer);
  for (const LogEvent& e : recent_) observer->on_log(e);
}

void EventLog::log(EventKind kind, EventFields fields) {
  LogEvent e;
  e.t = engine_.now();
  e.kind = kind;
  e.fields = fields.take();
  // Kept for the UI: no spare capacity from the builder's growth.
  e.fields.shrink_to_fit();
  for (SimObserver* o : observers_) o->on_log(e);
  recent_.push_back(std::move(e));
  if (recent_.size() > kRecentEvents) recent_.pop_front();
}

}  // namespace opsim
