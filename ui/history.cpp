#include "history.h"

#include <algorithm>
#include <limits>

namespace opsim::ui {

void History::reset(std::size_t columns) {
  columns_ = columns;
  samples_per_point_ = 1;
  pending_count_ = 0;
  times_.clear();
  mean_.clear();
  min_.clear();
  max_.clear();
  open_sum_.assign(columns, 0.0);
  open_min_.assign(columns, std::numeric_limits<double>::infinity());
  open_max_.assign(columns, -std::numeric_limits<double>::infinity());
  last_.assign(columns, 0.0);
  previous_.assign(columns, 0.0);
  last_t_ = previous_t_ = 0;
}

void History::on_sample(SimTime t, const std::vector<double>& row) {
  previous_.swap(last_);
  previous_t_ = last_t_;
  last_.assign(row.begin(), row.end());  // within the capacity reset() gave: no allocation
  last_t_ = t;
  for (std::size_t c = 0; c < columns_; ++c) {
    open_sum_[c] += row[c];
    open_min_[c] = std::min(open_min_[c], row[c]);
    open_max_[c] = std::max(open_max_[c], row[c]);
  }
  if (++pending_count_ < samples_per_point_) return;
  times_.push_back(t);
  for (std::size_t c = 0; c < columns_; ++c) {
    mean_.push_back(open_sum_[c] / static_cast<double>(pending_count_));
    min_.push_back(open_min_[c]);
    max_.push_back(open_max_[c]);
    open_sum_[c] = 0;
    open_min_[c] = std::numeric_limits<double>::infinity();
    open_max_[c] = -std::numeric_limits<double>::infinity();
  }
  pending_count_ = 0;
  if (times_.size() >= kMaxPoints) halve();
}

void History::halve() {
  // Merge neighbours pairwise; an odd last point stays as it is.
  const std::size_t n = times_.size(), half = n / 2;
  for (std::size_t i = 0; i < half; ++i) {
    const std::size_t a = 2 * i, b = 2 * i + 1;
    times_[i] = times_[b];
    for (std::size_t c = 0; c < columns_; ++c) {
      mean_[i * columns_ + c] = (mean_[a * columns_ + c] + mean_[b * columns_ + c]) / 2;
      min_[i * columns_ + c] = std::min(min_[a * columns_ + c], min_[b * columns_ + c]);
      max_[i * columns_ + c] = std::max(max_[a * columns_ + c], max_[b * columns_ + c]);
    }
  }
  std::size_t kept = half;
  if (n % 2) {
    times_[kept] = times_[n - 1];
    for (std::size_t c = 0; c < columns_; ++c) {
      mean_[kept * columns_ + c] = mean_[(n - 1) * columns_ + c];
      min_[kept * columns_ + c] = min_[(n - 1) * columns_ + c];
      max_[kept * columns_ + c] = max_[(n - 1) * columns_ + c];
    }
    ++kept;
  }
  times_.resize(kept);
  mean_.resize(kept * columns_);
  min_.resize(kept * columns_);
  max_.resize(kept * columns_);
  samples_per_point_ *= 2;
}

}  // namespace opsim::ui
