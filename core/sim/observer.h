// How a simulation reports to whoever records it (the runner's files, the UI's plots). The
// model never prints: it hands each time-series row and each logged decision to observers.
#pragma once
#include <string>
#include <vector>

#include "engine/sim_time.h"

namespace opsim {

struct LogEvent {
  SimTime t = 0;
  std::string kind;  // "queue_full_started", "fault_started", "scale_out", ...
  std::string json;  // the whole events.jsonl line, without the newline
};

class SimObserver {
 public:
  virtual ~SimObserver() = default;
  virtual void on_sample(SimTime /*t*/, const std::vector<double>& /*row*/) {}
  virtual void on_log(const LogEvent& /*event*/) {}
};

}  // namespace opsim
