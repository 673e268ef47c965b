#include "engine/random.h"

#include <cmath>

#include "engine/portable_math.h"

namespace opsim {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// z such that P(Z <= z) = 0.99 for a standard normal Z.
constexpr double kZ99 = 2.3263478740408408;

}  // namespace

std::uint64_t hash_name(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

Rng::Rng(std::uint64_t seed) {
  std::uint64_t x = seed;
  for (auto& word : s_) word = splitmix64(x);
}

Rng Rng::stream(std::uint64_t seed, std::string_view name, std::uint64_t index) {
  std::uint64_t mix = seed ^ hash_name(name);
  std::uint64_t x = mix + 0x632be59bd9b4e019ULL * (index + 1);
  return Rng(splitmix64(x) ^ mix);
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Rejection of the short last cell: threshold = 2^64 mod n.
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t r = next_u64();
    if (r >= threshold) return r % n;
  }
}

double Rng::exponential(double mean) { return -mean * pmath::log(uniform_open()); }

double Rng::standard_normal() { return pmath::normal_quantile(uniform_open()); }

double Rng::gamma(double shape, double scale) {
  // Marsaglia and Tsang's squeeze method; for shape < 1 draw with shape + 1 and multiply by
  // U^(1/shape).
  if (shape < 1.0) {
    const double boost = pmath::pow(uniform_open(), 1.0 / shape);
    return gamma(shape + 1.0, scale) * boost;
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = standard_normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform_open();
    if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return d * v * scale;
    if (pmath::log(u) < 0.5 * x * x + d * (1.0 - v + pmath::log(v))) return d * v * scale;
  }
}

Distribution Distribution::constant(double value) { return {Kind::constant, value, 0}; }
Distribution Distribution::exponential(double mean) { return {Kind::exponential, mean, 0}; }
Distribution Distribution::lognormal_median_p99(double median, double p99) {
  return {Kind::lognormal, pmath::log(median), (pmath::log(p99) - pmath::log(median)) / kZ99};
}
Distribution Distribution::gamma_mean_cv(double mean, double cv) {
  const double shape = 1.0 / (cv * cv);
  return {Kind::gamma, shape, mean / shape};
}

double Distribution::sample(Rng& rng) const {
  switch (kind) {
    case Kind::constant: return a;
    case Kind::exponential: return rng.exponential(a);
    case Kind::lognormal: return pmath::exp(a + b * rng.standard_normal());
    case Kind::gamma: return rng.gamma(a, b);
  }
  return a;
}

double Distribution::mean() const {
  switch (kind) {
    case Kind::constant: return a;
    case Kind::exponential: return a;
    case Kind::lognormal: return pmath::exp(a + 0.5 * b * b);
    case Kind::gamma: return a * b;
  }
  return a;
}

double Distribution::quantile(double p) const {
  switch (kind) {
    case Kind::constant: return a;
    case Kind::exponential: return -a * pmath::log(1.0 - p);
    case Kind::lognormal: return pmath::exp(a + b * pmath::normal_quantile(p));
    case Kind::gamma: {
      // Wilson-Hilferty approximation; used only for display and tests, never for sampling.
      const double z = pmath::normal_quantile(p);
      const double t = 1.0 - 1.0 / (9.0 * a) + z / std::sqrt(9.0 * a);
      return a * b * t * t * t;
    }
  }
  return a;
}

}  // namespace opsim
