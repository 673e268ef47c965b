// opsim's own random generator and distributions. The standard library's distributions are
// implemented differently by libstdc++ (native) and libc++ (Emscripten), so opsim draws
// every variate itself from xoshiro256** and the portable math in portable_math.h: the same
// seed gives the same numbers in both builds.
#pragma once
#include <cstdint>
#include <string_view>

namespace opsim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1);
  // An independent stream for one purpose: the scenario seed mixed with a stream name, so
  // that adding a new consumer of randomness does not shift the numbers the others draw.
  static Rng stream(std::uint64_t seed, std::string_view name, std::uint64_t index = 0);

  // xoshiro256**. Inline with uniform_open: several draws per simulated request, and
  // WebAssembly builds have no link-time inlining across files.
  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in (0, 1): never exactly 0 or 1, so log(u) and log(1-u) are always finite.
  double uniform_open() {
    // 52 random bits, centred in their cell: (k + 0.5) / 2^52 lies strictly inside (0, 1).
    // Converted as a signed integer (exact below 2^52): WebAssembly has no fast unsigned
    // 64-bit to double conversion on x86, and this draw is on every request's path.
    const auto k = static_cast<std::int64_t>(next_u64() >> 12);
    return (static_cast<double>(k) + 0.5) * (1.0 / 4503599627370496.0);
  }
  bool bernoulli(double p) { return uniform_open() < p; }
  // Uniform integer in [0, n), without modulo bias.
  std::uint64_t below(std::uint64_t n);

  double exponential(double mean);
  double standard_normal();
  double gamma(double shape, double scale);

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// 64-bit FNV-1a, used to turn names into stream indices.
std::uint64_t hash_name(std::string_view name);

// A positive continuous distribution, parameterised as scenario files describe it.
struct Distribution {
  enum class Kind { constant, exponential, lognormal, gamma };
  Kind kind = Kind::constant;
  double a = 0;  // constant: value; exponential: mean; lognormal: mu; gamma: shape
  double b = 0;  // lognormal: sigma; gamma: scale

  static Distribution constant(double value);
  static Distribution exponential(double mean);
  // Lognormal given its median and its 99th percentile (p99 > median > 0).
  static Distribution lognormal_median_p99(double median, double p99);
  // Gamma given its mean and coefficient of variation (cv > 0).
  static Distribution gamma_mean_cv(double mean, double cv);

  double sample(Rng& rng) const;
  double mean() const;
  double quantile(double p) const;  // exact for constant, exponential, lognormal
};

}  // namespace opsim
