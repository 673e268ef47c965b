// Latency histogram with log-linear buckets over integer microseconds, in the manner of
// HdrHistogram: values in [2^k, 2^(k+1)) fall into 128 equal sub-buckets, so a reported
// quantile (the midpoint of its bucket) is within 1/256 = 0.39 % of the true sample value
// (values below 128 us are exact). Histograms with this layout merge by adding counts, so
// per-tenant and per-service histograms combine into global ones without keeping samples.
#pragma once
#include <cstdint>
#include <vector>

namespace opsim {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int kSubBuckets = 1 << kSubBits;  // 128
  static constexpr int kMaxExponent = 42;  // values up to 2^42 us (about 51 days)
  static constexpr int kBuckets = (kMaxExponent - kSubBits + 2) * kSubBuckets;
  static constexpr double kRelativeError = 1.0 / (2 * kSubBuckets);

  LatencyHistogram();
  void record(std::int64_t value_us);
  void merge(const LatencyHistogram& other);
  void clear();  // cost proportional to the buckets used since the last clear

  std::uint64_t count() const { return count_; }
  std::int64_t max_us() const { return max_us_; }
  // The q-quantile (0 <= q <= 1) in microseconds: the smallest bucket whose cumulative count
  // reaches ceil(q * count), reported at the bucket's midpoint; 0 for an empty histogram.
  double quantile_us(double q) const;
  // The quantile of the union of two histograms, without building it.
  static double quantile_us(const LatencyHistogram& a, const LatencyHistogram& b, double q);

  static int bucket_of(std::int64_t value_us);
  static double bucket_midpoint_us(int bucket);

 private:
  static double quantile_of(const LatencyHistogram& a, const LatencyHistogram* b, double q);
  static constexpr int kWords = (kBuckets + 63) / 64;
  // Calls fn(bucket) for every bucket in use, in ascending order.
  template <typename Fn>
  void for_each_used(Fn&& fn) const;
  std::vector<std::uint64_t> counts_;
  // One bit per bucket in use: walking the set bits visits used buckets in order, so
  // quantiles, merges and clears cost the buckets in use, not all of them, and need no sort.
  std::vector<std::uint64_t> used_;
  std::uint64_t count_ = 0;
  std::int64_t max_us_ = 0;
};

}  // namespace opsim
