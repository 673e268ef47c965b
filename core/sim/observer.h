// How a simulation reports to whoever records it (the runner's files, the UI's plots). The
// model never prints: it hands each time-series row and each logged decision to observers.
#pragma once
#include <string>
#include <vector>

#include "engine/log_event.h"
#include "engine/sim_time.h"

namespace opsim {


class SimObserver {
 public:
  virtual ~SimObserver() = default;
  virtual void on_sample(SimTime /*t*/, const std::vector<double>& /*row*/) {}
  virtual void on_log(const LogEvent& /*event*/) {}
};

}  // namespace opsim
