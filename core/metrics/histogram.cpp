#include "metrics/histogram.h"

#include <algorithm>
#include <cmath>

namespace opsim {
namespace {

int highest_bit(std::uint64_t v) { return 63 - __builtin_clzll(v); }  // v > 0

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0), used_(kWords, 0) {}

template <typename Fn>
void LatencyHistogram::for_each_used(Fn&& fn) const {
  for (int w = 0; w < kWords; ++w) {
    std::uint64_t bits = used_[static_cast<std::size_t>(w)];
    while (bits) {
      const int bit = __builtin_ctzll(bits);
      fn(w * 64 + bit);
      bits &= bits - 1;
    }
  }
}

int LatencyHistogram::bucket_of(std::int64_t value_us) {
  if (value_us < 0) value_us = 0;
  const std::uint64_t v = static_cast<std::uint64_t>(value_us);
  if (v < static_cast<std::uint64_t>(kSubBuckets)) return static_cast<int>(v);
  int e = highest_bit(v);
  if (e > kMaxExponent) return kBuckets - 1;
  // Row r = e - kSubBits + 1 holds [2^e, 2^(e+1)) in kSubBuckets steps of 2^(e - kSubBits).
  const int row = e - kSubBits + 1;
  const int sub = static_cast<int>((v >> (e - kSubBits)) - kSubBuckets);
  return row * kSubBuckets + sub;
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

void LatencyHistogram::record(std::int64_t value_us) {
  const int b = bucket_of(value_us);
  if (counts_[static_cast<std::size_t>(b)]++ == 0) used_[static_cast<std::size_t>(b >> 6)] |= std::uint64_t{1} << (b & 63);
  ++count_;
  if (value_us > max_us_) max_us_ = value_us;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  other.for_each_used([&](int b) { counts_[static_cast<std::size_t>(b)] += other.counts_[static_cast<std::size_t>(b)]; });
  for (int w = 0; w < kWords; ++w) used_[static_cast<std::size_t>(w)] |= other.used_[static_cast<std::size_t>(w)];
  count_ += other.count_;
  max_us_ = std::max(max_us_, other.max_us_);
}

void LatencyHistogram::clear() {
  for_each_used([&](int b) { counts_[static_cast<std::size_t>(b)] = 0; });
  std::fill(used_.begin(), used_.end(), 0);
  count_ = 0;
  max_us_ = 0;
}

double LatencyHistogram::quantile_us(double q) const { return quantile_of(*this, nullptr, q); }

double LatencyHistogram::quantile_us(const LatencyHistogram& a, const LatencyHistogram& b, double q) {
  return quantile_of(a, &b, q);
}

double LatencyHistogram::quantile_of(const LatencyHistogram& a, const LatencyHistogram* b, double q) {
  const std::uint64_t total = a.count_ + (b ? b->count_ : 0);
  if (total == 0) return 0;
  const double max_us = static_cast<double>(b ? std::max(a.max_us_, b->max_us_) : a.max_us_);
  q = std::min(1.0, std::max(0.0, q));
  std::uint64_t rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  if (rank < 1) rank = 1;
  // Walk the buckets in use of either histogram, in ascending order.
  std::uint64_t seen = 0;
  for (int w = 0; w < kWords; ++w) {
    std::uint64_t bits = a.used_[static_cast<std::size_t>(w)] | (b ? b->used_[static_cast<std::size_t>(w)] : 0);
    while (bits) {
      const int bucket = w * 64 + __builtin_ctzll(bits);
      bits &= bits - 1;
      seen += a.counts_[static_cast<std::size_t>(bucket)] + (b ? b->counts_[static_cast<std::size_t>(bucket)] : 0);
      // A midpoint can lie above every sample in the top bucket; the largest sample bounds it.
      if (seen >= rank) return std::min(bucket_midpoint_us(bucket), max_us);
    }
  }
  return max_us;
}

}  // namespace opsim
