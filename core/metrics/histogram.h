// Latency histogram with log-linear buckets over integer microseconds, in the manner of
// HdrHistogram: values in [2^k, 2^(k+1)) fall into 128 equal sub-buckets, so a reported
// quantile (the midpoint of its bucket) is within 1/256 = 0.39 % of the true sample value
// (values below 128 us are exact). Histograms with this layout merge by adding counts, so
// per-tenant and per-service histograms combine into global ones without keeping samples.
// The buckets (37 KiB) are allocated at the first value recorded or merged in: a histogram
// that never sees one (a deployment without a canary, an idle scope) costs a few words.
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

  LatencyHistogram() = default;
  void record(std::int64_t value_us) { record_in(bucket_of(value_us), value_us); }
  // record() with the value's bucket already known (one value into several histograms).
  void record_in(int b, std::int64_t value_us) {
    if (counts_.empty()) allocate();
    // No branch on the value: whether its bucket was in use is data (and mispredicted).
    ++counts_[static_cast<std::size_t>(b)];
    used_[static_cast<std::size_t>(b >> 6)] |= std::uint64_t{1} << (b & 63);
    ++count_;
    max_us_ = value_us > max_us_ ? value_us : max_us_;
  }
  void merge(const LatencyHistogram& other);
  // merge(*this) into `total`, then clear(): one walk over the buckets in use, not two.
  void drain_into(LatencyHistogram& total);
  void clear();  // cost proportional to the buckets used since the last clear
  void release();  // clear() and give the buckets' memory back

  std::uint64_t count() const { return count_; }
  std::int64_t max_us() const { return max_us_; }
  // The q-quantile (0 <= q <= 1) in microseconds: the smallest bucket whose cumulative count
  // reaches ceil(q * count), reported at the bucket's midpoint; 0 for an empty histogram.
  double quantile_us(double q) const;
  // The quantile of the union of two histograms, without building it.
  static double quantile_us(const LatencyHistogram& a, const LatencyHistogram& b, double q);
  // Several quantiles (qs ascending) of a, or of the union of a and *b, in one walk over the
  // buckets: out[i] is exactly what quantile_us(qs[i]) gives.
  static void quantiles_us(const LatencyHistogram& a, const LatencyHistogram* b, const double* qs, int n, double* out);

  static int bucket_of(std::int64_t value_us) {
    if (value_us < 0) value_us = 0;
    const std::uint64_t v = static_cast<std::uint64_t>(value_us);
    if (v < static_cast<std::uint64_t>(kSubBuckets)) return static_cast<int>(v);
    const int e = 63 - __builtin_clzll(v);
    if (e > kMaxExponent) return kBuckets - 1;
    // Row r = e - kSubBits + 1 holds [2^e, 2^(e+1)) in kSubBuckets steps of 2^(e - kSubBits).
    const int row = e - kSubBits + 1;
    const int sub = static_cast<int>((v >> (e - kSubBits)) - kSubBuckets);
    return row * kSubBuckets + sub;
  }
  static double bucket_midpoint_us(int bucket);

 private:
  static constexpr int kWords = (kBuckets + 63) / 64;
  void allocate();
  std::uint64_t used_word(int w) const { return used_.empty() ? 0 : used_[static_cast<std::size_t>(w)]; }
  std::uint64_t count_at(int bucket) const { return counts_.empty() ? 0 : counts_[static_cast<std::size_t>(bucket)]; }
  // Calls fn(bucket) for every bucket in use, in ascending order.
  template <typename Fn>
  void for_each_used(Fn&& fn) const;
  std::vector<std::uint64_t> counts_;  // kBuckets once allocated, empty before
  // One bit per bucket in use: walking the set bits visits used buckets in order, so
  // quantiles, merges and clears cost the buckets in use, not all of them, and need no sort.
  std::vector<std::uint64_t> used_;  // kWords once allocated
  std::uint64_t count_ = 0;
  std::int64_t max_us_ = 0;
};

}  // namespace opsim
