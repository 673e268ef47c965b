// Elementary functions written with + - * / and sqrt only, so that natively and in
// WebAssembly they return the same bits. The C libraries' log, exp and cos are not required
// to be correctly rounded, and glibc picks FMA variants at run time on some CPUs, so two
// builds could otherwise disagree in the last bit and the simulations would drift apart.
// Accuracy: a few ulp over the ranges opsim uses, checked against <cmath> in the tests.
#pragma once

namespace opsim::pmath {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLn2 = 0.693147180559945309417;

double log(double x);  // x > 0
double exp(double x);  // underflows to 0 below -745, overflows to +inf above 709.7
double cos(double x);  // any finite x; range reduction is exact enough for |x| < 1e6
double cos_turns(double turns);  // cos(2 pi turns), any finite turns: no division
double pow(double base, double exponent);  // base > 0
// Quantile of the standard normal distribution, p in (0, 1).
double normal_quantile(double p);

}  // namespace opsim::pmath
