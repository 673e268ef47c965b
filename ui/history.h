// The UI's memory of a whole run, for plots: every time-series column at a resolution that
// coarsens as the run grows, so that a 30-day run costs the same memory and drawing time as
// a 1-hour one. Each point keeps the minimum, maximum and mean of the samples it covers, so
// a coarse plot still shows the spikes.
#pragma once
#include <cstddef>
#include <vector>

#include "engine/sim_time.h"
#include "sim/observer.h"

namespace opsim::ui {

class History : public SimObserver {
 public:
  static constexpr std::size_t kMaxPoints = 2048;  // per column; halves resolution when full

  void reset(std::size_t columns);
  void on_sample(SimTime t, const std::vector<double>& row) override;

  std::size_t size() const { return times_.size(); }
  std::size_t columns() const { return columns_; }
  SimTime time(std::size_t i) const { return times_[i]; }  // end of the point's span
  double mean(std::size_t i, std::size_t col) const { return mean_[i * columns_ + col]; }
  double min(std::size_t i, std::size_t col) const { return min_[i * columns_ + col]; }
  double max(std::size_t i, std::size_t col) const { return max_[i * columns_ + col]; }
  std::size_t samples_per_point() const { return samples_per_point_; }
  // The last two samples as they came, not coarsened, so that a panel can read the last
  // scrape interval's change of a cumulative counter (call.*.attempts) at any plot
  // resolution. Before the first sample both are zeros at time 0, which is what every
  // counter was at the start; before the second, previous_sample is that start.
  const std::vector<double>& last_sample() const { return last_; }
  SimTime last_sample_time() const { return last_t_; }
  const std::vector<double>& previous_sample() const { return previous_; }
  SimTime previous_sample_time() const { return previous_t_; }

 private:
  void halve();
  std::size_t columns_ = 0;
  std::size_t samples_per_point_ = 1;
  std::size_t pending_count_ = 0;  // samples folded into the open point
  std::vector<SimTime> times_;
  std::vector<double> mean_, min_, max_;
  std::vector<double> open_sum_, open_min_, open_max_;
  std::vector<double> last_, previous_;
  SimTime last_t_ = 0, previous_t_ = 0;
};

}  // namespace opsim::ui
