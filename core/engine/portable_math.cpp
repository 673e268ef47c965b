#include "engine/portable_math.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace opsim::pmath {
namespace {

std::uint64_t bits_of(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
double from_bits(std::uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// log by table: m in [1, 2) is split by its top 7 mantissa bits into 128 cells; each cell
// stores 1/c for a point c inside it and -log(1/c), so log(m) = -log(1/c) + log1p(m/c - 1)
// with |m/c - 1| < 1/256, where seven terms of the log1p series are exact to 1e-19. The
// table is computed at compile time from a long atanh series, with IEEE arithmetic that
// g++ and clang carry out alike.
constexpr double atanh_series_log(double m) {
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double term = s, sum = 0;
  for (int k = 0; k < 60; ++k) {
    sum += term / (2 * k + 1);
    term *= s2;
  }
  return 2.0 * sum;
}

struct LogTable {
  double inv_c[128];
  double neg_log_inv_c[128];
};

constexpr LogTable make_log_table() {
  LogTable t{};
  for (int i = 0; i < 128; ++i) {
    const double c = 1.0 + (i + 0.5) / 128.0;
    t.inv_c[i] = 1.0 / c;
    t.neg_log_inv_c[i] = -atanh_series_log(t.inv_c[i]);
  }
  return t;
}

constexpr LogTable kLogTable = make_log_table();

}  // namespace

double log(double x) {
  if (!(x > 0)) return x == 0 ? -std::numeric_limits<double>::infinity()
                              : std::numeric_limits<double>::quiet_NaN();
  if (x == std::numeric_limits<double>::infinity()) return x;
  std::uint64_t b = bits_of(x);
  int e = static_cast<int>((b >> 52) & 0x7ff);
  if (e == 0) {  // subnormal: scale into the normal range first
    x *= 18014398509481984.0;  // 2^54
    b = bits_of(x);
    e = static_cast<int>((b >> 52) & 0x7ff) - 54;
  }
  e -= 1023;
  const std::uint64_t mantissa = b & 0x000fffffffffffffULL;
  const int cell = static_cast<int>(mantissa >> 45);  // top 7 bits
  const double m = from_bits(mantissa | 0x3ff0000000000000ULL);  // in [1, 2)
  const double r = m * kLogTable.inv_c[cell] - 1.0;
  // log1p(r) = r - r^2/2 + r^3/3 - ... to r^7/7, grouped for a short dependency chain.
  const double r2 = r * r, r4 = r2 * r2;
  const double p = (r - r2 * 0.5) + r2 * (r * (1.0 / 3) - r2 * 0.25) + r4 * ((r * 0.2 - r2 * (1.0 / 6)) + r2 * r * (1.0 / 7));
  return (e * kLn2 + kLogTable.neg_log_inv_c[cell]) + p;
}

double exp(double x) {
  if (x != x) return x;
  if (x > 709.78) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0.0;
  // x = k ln2 + r, |r| <= ln2/2; ln2 split in two parts so that k*ln2_hi is exact.
  const double ln2_hi = 6.93147180369123816490e-01;
  const double ln2_lo = 1.90821492927058770002e-10;
  const double kd = std::floor(x / kLn2 + 0.5);
  const int k = static_cast<int>(kd);
  const double r = (x - kd * ln2_hi) - kd * ln2_lo;
  // Taylor series of e^r to r^15/15!: |r| < 0.35, error below 1e-18; Estrin's scheme as in
  // log above.
  constexpr double f2 = 1.0 / 2, f3 = f2 / 3, f4 = f3 / 4, f5 = f4 / 5, f6 = f5 / 6, f7 = f6 / 7, f8 = f7 / 8,
                   f9 = f8 / 9, f10 = f9 / 10, f11 = f10 / 11, f12 = f11 / 12, f13 = f12 / 13, f14 = f13 / 14,
                   f15 = f14 / 15;
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double q0 = (1.0 + r) + (f2 + f3 * r) * r2;
  const double q1 = (f4 + f5 * r) + (f6 + f7 * r) * r2;
  const double q2 = (f8 + f9 * r) + (f10 + f11 * r) * r2;
  const double q3 = (f12 + f13 * r) + (f14 + f15 * r) * r2;
  const double sum = (q0 + q1 * r4) + (q2 + q3 * r4) * r8;
  // Multiply by 2^k in two steps so that results near the subnormal range stay exact.
  const int k1 = k / 2, k2 = k - k1;
  return sum * from_bits(static_cast<std::uint64_t>(k1 + 1023) << 52) *
         from_bits(static_cast<std::uint64_t>(k2 + 1023) << 52);
}

namespace {

// cos(r) for 0 <= r <= pi/2: the Taylor series to r^20 (the first term left out is below
// 2e-17) as a polynomial in z = r^2, summed by Estrin's scheme: pairs of terms, then pairs
// of pairs, so that the multiplications overlap instead of waiting for each other as in
// Horner's rule. A diurnal load evaluates it for every candidate arrival.
double cos_first_quadrant(double r) {
  constexpr double c0 = 1.0, c1 = -1.0 / 2, c2 = 1.0 / 24, c3 = -1.0 / 720, c4 = 1.0 / 40320,
                   c5 = -1.0 / 3628800, c6 = 1.0 / 479001600, c7 = -1.0 / 87178291200.0,
                   c8 = 1.0 / 20922789888000.0, c9 = -1.0 / 6402373705728000.0,
                   c10 = 1.0 / 2432902008176640000.0;
  const double z = r * r, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
  const double low = (c0 + c1 * z) + (c2 + c3 * z) * z2;
  const double mid = (c4 + c5 * z) + (c6 + c7 * z) * z2;
  const double high = (c8 + c9 * z) + c10 * z2;
  return (low + mid * z4) + high * z8;
}

}  // namespace

double cos(double x) {
  // Reduce to [-pi, pi] around a multiple of 2 pi, then to [0, pi/2] by symmetry.
  const double two_pi = 2.0 * kPi;
  double r = x - two_pi * std::floor(x / two_pi + 0.5);
  if (r < 0) r = -r;
  if (r > kPi / 2) return -cos_first_quadrant(kPi - r);
  return cos_first_quadrant(r);
}

double cos_turns(double turns) {
  // turns - round(turns) is exact (the integer is within the number's own precision), so
  // the only rounding before the polynomial is the final scaling by 2 pi; and there is no
  // division, which the reduction in cos above needs.
  double u = turns - std::floor(turns + 0.5);  // in [-0.5, 0.5]
  if (u < 0) u = -u;
  if (u > 0.25) return -cos_first_quadrant((0.5 - u) * (2.0 * kPi));
  return cos_first_quadrant(u * (2.0 * kPi));
}

double pow(double base, double exponent) { return exp(exponent * log(base)); }

double normal_quantile(double p) {
  // Acklam's rational approximation: relative error below 1.15e-9, far finer than any
  // latency distribution opsim draws from needs.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double p_low = 0.02425;
  double x;
  if (p < p_low) {
    const double q = std::sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - p_low) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

}  // namespace opsim::pmath
