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

  std::uint64_t next_u64();
  // Uniform in (0, 1): never exactly 0 or 1, so log(u) and log(1-u) are always finite.
  double uniform_open();
  bool bernoulli(double p) { return uniform_open() < p; }
  // Uniform integer in [0, n), without modulo bias.
  std::uint64_t below(std::uint64_t n);

  double exponential(double mean);
  double standard_normal();
  double gamma(double shape, double scale);

 private:
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
