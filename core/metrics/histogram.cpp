#include "metrics/histogram.h"

#include <algorithm>
#include <cmath>

namespace opsim {

void LatencyHistogram::allocate() {
  counts_.assign(kBuckets, 0);
  used_.assign(kWords, 0);
}

template <typename Fn>
void LatencyHistogram::for_each_used(Fn&& fn) const {
  for (std::size_t w = 0; w < used_.size(); ++w) {
    std::uint64_t bits = used_[w];
    while (bits) {
      const int bit = __builtin_ctzll(bits);
      fn(static_cast<int>(w) * 64 + bit);
      bits &= bits - 1;
    }
  }
}

double LatencyHistogram::bucket_midpoint_us(int bucket) {
  if (bucket < kSubBuckets) return bucket;
  const int row = bucket / kSubBuckets;
  const int sub = bucket % kSubBuckets;
  const int e = row + kSubBits - 1;
  const double width = std::ldexp(1.0, e - kSubBits);
  const double low = std::ldexp(1.0, e) + sub * width;
  return low + width / 2;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;  // nothing recorded since its last clear: no bucket in use
  if (counts_.empty()) allocate();
  other.for_each_used([&](int b) { counts_[static_cast<std::size_t>(b)] += other.counts_[static_cast<std::size_t>(b)]; });
  for (int w = 0; w < kWords; ++w) used_[static_cast<std::size_t>(w)] |= other.used_[static_cast<std::size_t>(w)];
  count_ += other.count_;
  max_us_ = std::max(max_us_, other.max_us_);
}

void LatencyHistogram::drain_into(LatencyHistogram& total) {
  if (count_ == 0) return;  // nothing in use (clear() would only zero what is already zero)
  if (total.counts_.empty()) total.allocate();
  for_each_used([&](int b) {
    total.counts_[static_cast<std::size_t>(b)] += counts_[static_cast<std::size_t>(b)];
    counts_[static_cast<std::size_t>(b)] = 0;
  });
  for (int w = 0; w < kWords; ++w) {
    total.used_[static_cast<std::size_t>(w)] |= used_[static_cast<std::size_t>(w)];
    used_[static_cast<std::size_t>(w)] = 0;
  }
  total.count_ += count_;
  total.max_us_ = std::max(total.max_us_, max_us_);
  count_ = 0;
  max_us_ = 0;
}

void LatencyHistogram::clear() {
  for_each_used([&](int b) { counts_[static_cast<std::size_t>(b)] = 0; });
  std::fill(used_.begin(), used_.end(), 0);
  count_ = 0;
  max_us_ = 0;
}

void LatencyHistogram::release() {
  counts_ = {};
  used_ = {};
  count_ = 0;
  max_us_ = 0;
}

double LatencyHistogram::quantile_us(double q) const {
  double out = 0;
  quantiles_us(*this, nullptr, &q, 1, &out);
  return out;
}

double LatencyHistogram::quantile_us(const LatencyHistogram& a, const LatencyHistogram& b, double q) {
  double out = 0;
  quantiles_us(a, &b, &q, 1, &out);
  return out;
}

void LatencyHistogram::quantiles_us(const LatencyHistogram& a, const LatencyHistogram* b, const double* qs, int n,
                                    double* out) {
  const std::uint64_t total = a.count_ + (b ? b->count_ : 0);
  if (total == 0) {
    for (int i = 0; i < n; ++i) out[i] = 0;
    return;
  }
  const double max_us = static_cast<double>(b ? std::max(a.max_us_, b->max_us_) : a.max_us_);
  auto rank_of = [&](double q) {
    q = std::min(1.0, std::max(0.0, q));
    const std::uint64_t rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
    return rank < 1 ? std::uint64_t{1} : rank;
  };
  auto used = [&](int w) { return a.used_word(w) | (b ? b->used_word(w) : 0); };
  auto count = [&](int bucket) { return a.count_at(bucket) + (b ? b->count_at(bucket) : 0); };
  // A midpoint can lie above every sample in the top bucket; the largest sample bounds it.
  auto value = [&](int bucket) { return std::min(bucket_midpoint_us(bucket), max_us); };
  // The q-quantile is the first bucket, ascending, whose cumulative count reaches the rank
  // r. The ranks in the lower half are found walking up from the lowest bucket in use; the
  // others walking down from the highest, where the same bucket is the first whose count
  // from the top exceeds total - r (a tail quantile visits a few buckets, not all of them).
  int up = 0;  // qs[0, up) walk up
  while (up < n && rank_of(qs[up]) <= total / 2) ++up;
  int next = 0;
  std::uint64_t seen = 0;
  std::uint64_t rank = next < up ? rank_of(qs[next]) : 0;
  for (int w = 0; w < kWords && next < up; ++w) {
    std::uint64_t bits = used(w);
    while (bits && next < up) {
      const int bucket = w * 64 + __builtin_ctzll(bits);
      bits &= bits - 1;
      seen += count(bucket);
      while (next < up && seen >= rank) {
        out[next] = value(bucket);
        if (++next < up) rank = rank_of(qs[next]);
      }
    }
  }
  for (; next < up; ++next) out[next] = max_us;
  next = n - 1;
  seen = 0;
  std::uint64_t above = next >= up ? total - rank_of(qs[next]) : 0;  // what lies above the quantile's bucket
  for (int w = kWords - 1; w >= 0 && next >= up; --w) {
    std::uint64_t bits = used(w);
    while (bits && next >= up) {
      const int bit = 63 - __builtin_clzll(bits);
      bits &= ~(std::uint64_t{1} << bit);
      const int bucket = w * 64 + bit;
      seen += count(bucket);
      while (next >= up && seen > above) {
        out[next] = value(bucket);
        if (--next >= up) above = total - rank_of(qs[next]);
      }
    }
  }
  for (; next >= up; --next) out[next] = max_us;
}

}  // namespace opsim
