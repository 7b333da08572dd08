// Branch-free float32 transcendentals that the compiler vectorizes inside
// loops run through cpu::simd (simd.h). Double and complex inputs use the C library.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace mlx::core::cpu::fast {

inline float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint32_t float_to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// c ? a : b as bit operations, for clamps and special values. Written as ?:,
// GCC may turn such a select back into a branch (threading a clamped
// constant through the computation, or sinking the computation into the
// one side that needs it), which the AVX2 and SSE2 code cannot vectorize.
inline float select(bool c, float a, float b) {
  const uint32_t m = 0u - static_cast<uint32_t>(c);
  return bits_to_float((float_to_bits(a) & m) | (float_to_bits(b) & ~m));
}

// The integer n holds (a whole number within int32's range), or 0 for a
// NaN, whose conversion is undefined: the NaN still reaches the result
// through the polynomial, and the exponent arithmetic cannot overflow.
inline int32_t whole_to_int(float n) { return static_cast<int32_t>(select(n == n, n, 0.0f)); }

// |mag| with the sign bit of sgn.
inline float copy_sign(float mag, float sgn) {
  return bits_to_float((float_to_bits(mag) & 0x7fffffffu) | (float_to_bits(sgn) & 0x80000000u));
}

// e^r for x = n ln2 + r (Cody-Waite, ln2 in two parts; |r| <= ln2/2): the
// degree-7 Taylor polynomial (truncation error r^8/8! < 6e-9 relative).
inline float exp_reduced(float x, float n) {
  float r = x - n * 0.693145751953125f;
  r = r - n * 1.428606765330187e-06f;
  float p = 1.98412698e-4f;
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  return p * r + 1.0f;
}

// exp(x) for float32, max error about 1.5 ulp over the whole range (inf,
// nan and subnormal results included). Cody-Waite reduction x = n ln2 + r,
// |r| <= ln2/2, then the degree-7 Taylor polynomial of e^r (truncation
// error r^8/8! < 6e-9 relative), scaled by 2^n in two steps so that results
// down to the subnormal range stay exact.
inline float exp(float x) {
  float xc = select(x < -104.0f, -104.0f, x);
  xc = select(xc > 89.0f, 89.0f, xc);
  // Round to nearest by adding and subtracting 1.5 * 2^23.
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float p = exp_reduced(xc, n);
  const int32_t ni = whole_to_int(n);
  const int32_t n1 = ni / 2;
  const int32_t n2 = ni - n1;
  const float s1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  float out = p * s1 * s2;
  out = select(x > 88.7228394f, INFINITY, out);
  out = select(x < -103.972084f, 0.0f, out);
  return select(x != x, x, out);
}

// exp(x) for x <= 0 (or NaN), as softmax and logsumexp need after taking
// the maximum out: about half the work of exp(). The same reduction and
// polynomial; 2^n is added to the exponent bits directly (n >= -126, so
// the result is normal), and results below 2^-126 (x < -87.33) are 0.
inline float exp_nonpositive(float x) {
  const float xc = select(x < -87.33f, -87.33f, x); // a NaN stays
  // The low bits of t hold n = round(x / ln2) (t = n + 1.5 * 2^23).
  const float t = xc * 1.44269504088896341f + 12582912.0f;
  const float n = t - 12582912.0f;
  const float p = exp_reduced(xc, n);
  // Shifting t's bits left by 23 leaves exactly n << 23 (the bits of 1.5 *
  // 2^23 shift out), and for a NaN leaves 0, so the NaN passes through.
  const float out = bits_to_float(float_to_bits(p) + (float_to_bits(t) << 23));
  return select(x < -87.33f, 0.0f, out);
}

// exp(x) for x <= 0 in float (exp_nonpositive) or double (the C library).
template <typename A>
inline A exp_le0(A x) {
  if constexpr (std::is_same_v<A, float>) {
    return exp_nonpositive(x);
  } else {
    return std::exp(x);
  }
}

// sin(x) and cos(x) for float32 with |x| <= 8192, within about 2 ulp:
// x = j pi/2 + r with pi/2 in three parts (the first two products exact for
// |j| < 2^13), |r| <= pi/4, then Cephes' minimax polynomials for sin and
// cos of r, swapped and negated by the quadrant j mod 4. Branch free, so
// it vectorizes; larger |x| needs a longer reduction (the C library's).
inline void sincos_small(float x, float& s, float& c) {
  // The low bits of t hold j = round(x 2/pi) (t = j + 1.5 * 2^23).
  const float t = x * 0.636619772367581343f + 12582912.0f;
  const float j = t - 12582912.0f;
  const uint32_t quadrant = float_to_bits(t) & 3u;
  float r = x - j * 1.5703125f;
  r = r - j * 4.837512969970703125e-4f;
  r = r - j * 7.54978995489188216e-8f;
  const float r2 = r * r;
  float ps = -1.9515295891e-4f;
  ps = ps * r2 + 8.3321608736e-3f;
  ps = ps * r2 - 1.6666654611e-1f;
  const float sin_r = r + r * r2 * ps;
  float pc = 2.443315711809948e-5f;
  pc = pc * r2 - 1.388731625493765e-3f;
  pc = pc * r2 + 4.166664568298827e-2f;
  const float cos_r = 1.0f - 0.5f * r2 + r2 * r2 * pc;
  const float sv = (quadrant & 1u) ? cos_r : sin_r;
  const float cv = (quadrant & 1u) ? sin_r : cos_r;
  s = (quadrant & 2u) ? -sv : sv;
  c = ((quadrant + 1u) & 2u) ? -cv : cv;
}

// floor and ceil of float32, exact, in integer conversions and selects:
// GCC vectorizes std::floor only without -ftrapping-math (a scalar call per
// element took 48 us for 512x512, six times a copy). Below 2^23 the value
// truncated through int32, moved by one where it passed x; larger
// magnitudes (and inf, NaN) are whole already. The sign of x is put back,
// which keeps floor(-0.0) = -0.0 and ceil(-0.5) = -0.0.
inline float floor_or_ceil(float x, float step) {
  const bool small = std::fabs(x) < 8388608.0f; // false for NaN
  const float xs = select(small, x, 0.0f);
  const float t = static_cast<float>(static_cast<int32_t>(xs));
  const bool passed = step < 0.0f ? t > xs : t < xs;
  return select(small, copy_sign(select(passed, t + step, t), x), x);
}
inline float floor(float x) { return floor_or_ceil(x, -1.0f); }
inline float ceil(float x) { return floor_or_ceil(x, 1.0f); }

// erf(x) for float32, within 2.5 ulp (tests/test_unary_accuracy.py). Two
// fits, both computed and one selected (branch free, so it vectorizes):
// |x| < 1: x P(x^2), P of degree 6 (relative error 1.2e-9);
// 1 <= |x| < 3.925: 1 - erfc, erfc = N(t) / D(t) with t = |x| - 1, degrees
// 5 and 6 (absolute error 2.6e-8, under half an ulp of the result near 1).
// Beyond 3.925 erf rounds to +-1. Coefficients: weighted least-squares
// fits iterated toward minimax (Lawson) against math.erf, rounded to float.
inline float erf(float x) {
  const float a = bits_to_float(float_to_bits(x) & 0x7fffffffu);
  const float s = x * x;
  float p = 7.8539305832237e-05f;
  p = p * s - 0.0008010213496163487f;
  p = p * s + 0.005188329610973597f;
  p = p * s - 0.026853812858462334f;
  p = p * s + 0.1128358542919159f;
  p = p * s - 0.3761262595653534f;
  p = p * s + 1.1283791065216064f;
  const float small = x * p;
  const float t = select(a > 4.0f, 4.0f, a) - 1.0f; // a NaN stays
  float num = -0.0011316998861730099f;
  num = num * t + 0.014867556281387806f;
  num = num * t - 0.07883511483669281f;
  num = num * t + 0.2112092524766922f;
  num = num * t - 0.28630533814430237f;
  num = num * t + 0.15729917585849762f;
  float den = 0.08579090237617493f;
  den = den * t + 0.08011513948440552f;
  den = den * t + 0.31273677945137024f;
  den = den * t + 0.4937138557434082f;
  den = den * t + 0.8652836680412292f;
  den = den * t + 0.8188084959983826f;
  den = den * t + 1.0f;
  const float large = select(a > 3.925f, 1.0f, 1.0f - num / den);
  return select(a < 1.0f, small, copy_sign(large, x));
}

// ---------------------------------------------------------------------------
// Logarithms, expm1, and the trigonometric and hyperbolic functions in the
// same style: every case is computed and the result selected, so loops over
// them vectorize. Errors are against the correctly rounded result over the
// whole float range; tools/check_fast_math.cpp measures them at each ISA
// level. Polynomials are near-minimax fits (Lawson's iteration on a
// Chebyshev grid against mpmath), with coefficients rounded to float.

namespace detail {

// pi/2, pi/4 and pi as float hi + lo (hi correctly rounded).
constexpr float kPio2Hi = 1.57079637050628662f;
constexpr float kPio2Lo = -4.37113882867379300e-08f;
constexpr float kPio4Hi = 0.785398185253143311f;
constexpr float kPio4Lo = -2.18556941433689650e-08f;
constexpr float kPiHi = 3.14159274101257324f;
constexpr float kPiLo = -8.74227765734758600e-08f;
// ln 2 = kLn2Hi + kLn2Lo with kLn2Hi = 0x1.62e4p-1 (15 bits, so n kLn2Hi is
// exact for |n| < 2^9), as fast::exp uses.
constexpr float kLn2Hi = 0.693145751953125f;
constexpr float kLn2Lo = 1.428606765330187e-06f;

// For a positive normal float x (other inputs give garbage for the caller to
// replace): x = 2^e m with m in [sqrt(1/2), sqrt(2)); returns log(m), within
// about 1 ulp, and e as a float. With f = m - 1 (exact), log(1 + f) =
// f - f^2/2 + f^3 P(f), degree-8 minimax P (relative error 3.5e-9).
inline float log_reduced(float x, float& e) {
  const uint32_t u = float_to_bits(x);
  const int32_t ei = static_cast<int32_t>((u >> 23) & 0xff) - 127;
  const float m1 = bits_to_float((u & 0x007fffffu) | 0x3f800000u);
  const bool big = m1 > 1.41421356f;
  const float m = select(big, m1 * 0.5f, m1);
  const float f = m - 1.0f;
  float p = 6.74664080e-2f;
  p = p * f - 1.16760634e-1f;
  p = p * f + 1.18883826e-1f;
  p = p * f - 1.24055423e-1f;
  p = p * f + 1.42195195e-1f;
  p = p * f - 1.66679963e-1f;
  p = p * f + 2.00021207e-1f;
  p = p * f - 2.50000089e-1f;
  p = p * f + 3.33333135e-1f;
  e = static_cast<float>(ei + static_cast<int32_t>(big));
  return f + (f * f) * (f * p - 0.5f);
}

// The special values of a logarithm: -inf at zero, NaN below zero, inf at
// inf, and NaN passed through.
inline float log_specials(float x, float out) {
  out = select(x == 0.0f, -INFINITY, out);
  out = select(x < 0.0f, NAN, out);
  out = select(x == INFINITY, INFINITY, out);
  return select(x != x, x, out);
}

// For log2 and log10: x = 2^e m (subnormals lifted by 2^23); returns log(m)
// and sets e.
inline float log_any(float x, float& e) {
  const bool tiny = x < 1.17549435e-38f;
  const float lm = log_reduced(select(tiny, x * 8388608.0f, x), e);
  e = e - select(tiny, 23.0f, 0.0f);
  return lm;
}

// expm1(x) for x in [-30, 89] (or NaN; no special cases): x = n ln2 + r,
// |r| <= ln2/2, expm1(r) = r + r^2 P(r) (degree-5 minimax P, relative error
// 2.2e-9), then expm1(x) = 2^n expm1(r) + (2^n - 1), where 2^n - 1 is exact
// for n <= 24 and 2^n expm1(r) is exact scaling. For n > 24 the -1 is at
// most half an ulp: (2^(n-1) expm1(r) + 2^(n-1)) 2, whose last doubling
// overflows to inf where it should (n = 128).
inline float expm1_core(float x) {
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = 1.98458787e-4f;
  p = p * r + 1.39406277e-3f;
  p = p * r + 8.33338965e-3f;
  p = p * r + 4.16663624e-2f;
  p = p * r + 1.66666657e-1f;
  p = p * r + 0.5f;
  const float em = r + r * r * p;
  const int32_t ni = whole_to_int(n);
  const float s = bits_to_float(static_cast<uint32_t>(ni + 127) << 23);
  const float h = bits_to_float(static_cast<uint32_t>(ni + 126) << 23);
  const float small = s * em + (s - 1.0f);
  const float big = (h * em + h) * 2.0f;
  return select(ni > 24, big, small);
}

// e^x / 2 for x >= 0 (or NaN), within about 1.5 ulp: fast::exp with the
// scale 2^(n-1), so it stays finite up to x = 89.4159851 (where e^x / 2
// reaches FLT_MAX) and is inf beyond.
inline float exp_half(float x) {
  const float xc = select(x > 90.0f, 90.0f, x);
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = 1.98412698e-4f;
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t ni = whole_to_int(n) - 1;
  const int32_t n1 = ni / 2;
  const int32_t n2 = ni - n1;
  const float s1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  return select(x > 89.4159851f, INFINITY, p * s1 * s2);
}

// Argument reduction for sin, cos and tan of |x| <= 2^24: x = j pi/2 + r,
// |r| <= pi/4; returns r and sets the quadrant j mod 4. Done in double:
// pi/2 = P1 + P2 with P1 holding 29 bits, so j P1 (|j| < 2^24) and x - j P1
// are exact, and the error of P1 + P2 (2^-82 relative) and the rounding of
// j P2 stay near 2^-57 absolute, far below the smallest |r| of a float
// argument in that range: r keeps float relative accuracy also next to the
// zeros and poles of the functions.
inline float reduce_pio2(float x, uint32_t& quadrant) {
  const double xd = x;
  // Round to nearest by adding and subtracting 1.5 * 2^52.
  // j from x with a NaN taken as 0 (converting a NaN to int is undefined);
  // r still comes from x, so a NaN reaches the result.
  const double xq = select(x == x, x, 0.0f);
  const double j = (xq * 0.63661977236758134 + 6755399441055744.0) - 6755399441055744.0;
  quadrant = static_cast<uint32_t>(static_cast<int32_t>(j)) & 3u;
  double r = xd - j * 1.570796325802803040; // 0x1.921fb54p+0
  r = r - j * 9.920935796805404e-10;
  return static_cast<float>(r);
}

// sin(r) and cos(r) for |r| <= pi/4 (z = r^2): minimax polynomials,
// relative error below 4e-9 and 2e-10.
inline float sin_poly(float r, float z) {
  float p = 2.71812132e-6f;
  p = p * z - 1.98393129e-4f;
  p = p * z + 8.33332911e-3f;
  p = p * z - 1.66666672e-1f;
  return r + r * z * p;
}
inline float cos_poly(float z) {
  float p = 2.44331550e-5f;
  p = p * z - 1.38873165e-3f;
  p = p * z + 4.16666456e-2f;
  return 1.0f - 0.5f * z + z * z * p;
}

// asin(t) for |t| <= 0.5 (z = t^2): t + t z P(z), degree-5 minimax P,
// relative error 1.1e-9.
inline float asin_poly(float t, float z) {
  float p = 3.75165381e-2f;
  p = p * z + 1.44385453e-2f;
  p = p * z + 3.18077318e-2f;
  p = p * z + 4.45169546e-2f;
  p = p * z + 7.50050396e-2f;
  p = p * z + 1.66666597e-1f;
  return t + t * z * p;
}

} // namespace detail

// log(x) for float32, within about 1.5 ulp: e ln2 + log(m) (x = 2^e m, m
// in [sqrt(1/2), sqrt(2)), subnormals lifted by 2^23; ln2 in two parts, so
// e ln2 is exact). Written with select() so that it vectorizes at every
// ISA level: an earlier form with ?: selects stayed a scalar loop in the
// AVX2 code (0.07-0.26 Gelem/s on one core of the Xeon host).
inline float log(float x) {
  float e;
  const float lm = detail::log_any(x, e);
  return detail::log_specials(x, e * detail::kLn2Hi + (e * detail::kLn2Lo + lm));
}

// log2(x) for float32, within about 2 ulp: e + log(m) / ln2, so powers of
// two give their exponent exactly.
inline float log2(float x) {
  float e;
  const float lm = detail::log_any(x, e);
  return detail::log_specials(x, e + lm * 1.44269504088896341f);
}

// log10(x) for float32, within about 2 ulp: e log10(2) + log(m) / ln10, with
// log10(2) = 0x1.344p-2 + 4.60503907e-6 so that e times its leading part is
// exact.
inline float log10(float x) {
  float e;
  const float lm = detail::log_any(x, e);
  const float out = e * 0.301025390625f + (e * 4.60503907e-6f + lm * 0.434294481903251828f);
  return detail::log_specials(x, out);
}

// log1p(x) for float32, within about 1.5 ulp: u = 1 + x rounded, with the
// rounding error c = x - (u - 1) (exact), and log1p(x) = log(u) + c / u
// (the next term, -(c/u)^2 / 2, is below 2^-49). Tiny x gives x.
inline float log1p(float x) {
  const float u = 1.0f + x; // never subnormal: 0 or >= 2^-24 for x >= -1
  const float c = (x - (u - 1.0f)) / u;
  float e;
  const float lm = detail::log_reduced(u, e);
  float out = e * detail::kLn2Hi + ((lm + c) + e * detail::kLn2Lo);
  out = select(x == -1.0f, -INFINITY, out);
  out = select(x < -1.0f, NAN, out);
  out = select(x == INFINITY, INFINITY, out);
  out = select(x == 0.0f, x, out); // keeps -0
  return select(x != x, x, out);
}

// expm1(x) = e^x - 1 for float32, within about 1.5 ulp: detail::expm1_core,
// which gives x itself for tiny x (no cancellation), -1 below x = -17.33,
// and inf above 88.7228317.
inline float expm1(float x) {
  float xc = select(x < -30.0f, -30.0f, x);
  xc = select(xc > 89.0f, 89.0f, xc);
  float out = detail::expm1_core(xc);
  out = select(x > 88.7228317f, INFINITY, out);
  out = select(x == 0.0f, x, out); // keeps -0
  return select(x != x, x, out);
}

// sin(x) for float32 with |x| <= 2^24, within about 1.6 ulp (relative, also
// next to the zeros); larger |x| need the C library (see ops::Sin).
inline float sin(float x) {
  uint32_t q;
  const float r = detail::reduce_pio2(x, q);
  const float z = r * r;
  const float s = detail::sin_poly(r, z);
  const float c = detail::cos_poly(z);
  const float v = select(q & 1u, c, s);
  const float out = select(q & 2u, -v, v);
  return select(x == 0.0f, x, out); // keeps -0
}

// cos(x) for float32 with |x| <= 2^24, within about 1.6 ulp; see sin.
inline float cos(float x) {
  uint32_t q;
  const float r = detail::reduce_pio2(x, q);
  const float z = r * r;
  const float s = detail::sin_poly(r, z);
  const float c = detail::cos_poly(z);
  const float v = select(q & 1u, s, c);
  return select((q + 1u) & 2u, -v, v);
}

// tan(x) for float32 with |x| <= 2^24, within about 2.5 ulp (also next to
// the poles, as the reduction keeps r accurate): tan(r) = r + r^3 T(r^2)
// for |r| <= pi/4 (degree-6 minimax T, relative error 3.4e-9), and
// -1/tan(r) in odd quadrants.
inline float tan(float x) {
  uint32_t q;
  const float r = detail::reduce_pio2(x, q);
  const float z = r * r;
  float p = 4.37631505e-3f;
  p = p * z + 8.94454279e-5f;
  p = p * z + 1.08358925e-2f;
  p = p * z + 2.12821532e-2f;
  p = p * z + 5.40599227e-2f;
  p = p * z + 1.33326635e-1f;
  p = p * z + 3.33333492e-1f;
  const float t = r + r * z * p;
  return select(q & 1u, -1.0f / t, t);
}

// tanh(x) for float32, within about 1.5 ulp: for |x| < 0.625 the odd
// polynomial x + x^3 P(x^2) (degree-5 minimax P, relative error 2.7e-9),
// beyond tanh(|x|) = e / (e + 2) with e = expm1(2|x|) (no cancellation);
// |x| is capped at 10, past which tanh rounds to 1.
inline float tanh(float x) {
  const float a = std::fabs(x);
  const float z = a * a;
  float p = 2.14295951e-3f;
  p = p * z - 8.17739591e-3f;
  p = p * z + 2.17007026e-2f;
  p = p * z - 5.39467633e-2f;
  p = p * z + 1.33332059e-1f;
  p = p * z - 3.33333313e-1f;
  const float small = a + a * z * p;
  const float e = detail::expm1_core(2.0f * select(a > 10.0f, 10.0f, a));
  return copy_sign(select(a < 0.625f, small, e / (e + 2.0f)), x);
}

// sinh(x) for float32, within about 2 ulp: for |x| < 2 the odd polynomial
// x + x^3 P(x^2) (degree-4 minimax P, relative error 1.5e-9), beyond
// h - 1/(4h) with h = e^|x| / 2 (cancellation there at most 4%), which
// overflows to inf exactly where sinh does.
inline float sinh(float x) {
  const float a = std::fabs(x);
  const float z = a * a;
  float p = 2.69665268e-8f;
  p = p * z + 2.74748550e-6f;
  p = p * z + 1.98428606e-4f;
  p = p * z + 8.33331980e-3f;
  p = p * z + 1.66666672e-1f;
  const float small = a + a * z * p;
  const float h = detail::exp_half(a);
  const float big = h - 0.25f / h;
  return copy_sign(select(a < 2.0f, small, big), x);
}

// cosh(x) for float32, within about 2 ulp: h + 1/(4h) with h = e^|x| / 2
// (two positive terms), inf exactly where cosh overflows.
inline float cosh(float x) {
  const float h = detail::exp_half(std::fabs(x));
  return h + 0.25f / h;
}

// atan(x) for float32, within about 2 ulp: |x| is reduced to
// |t| <= tan(pi/8) by atan(a) = pi/4 + atan((a-1)/(a+1)) or
// pi/2 + atan(-1/a), then atan(t) = t + t^3 P(t^2) (degree-4 minimax P,
// relative error 3.1e-9); pi/4 and pi/2 carry an extra low part.
inline float atan(float x) {
  const float a = std::fabs(x);
  const bool big = a > 2.41421356f;  // tan(3pi/8)
  const bool mid = a > 0.414213562f; // tan(pi/8)
  const float num = select(big, -1.0f, select(mid, a - 1.0f, a));
  const float den = select(big, a, select(mid, a + 1.0f, 1.0f));
  const float t = num / den;
  const float hi = select(big, detail::kPio2Hi, select(mid, detail::kPio4Hi, 0.0f));
  const float lo = select(big, detail::kPio2Lo, select(mid, detail::kPio4Lo, 0.0f));
  const float z = t * t;
  float p = -6.07775450e-2f;
  p = p * z + 1.05936378e-1f;
  p = p * z - 1.42435104e-1f;
  p = p * z + 1.99984699e-1f;
  p = p * z - 3.33333164e-1f;
  return copy_sign(hi + (t + (t * z * p + lo)), x);
}

// asin(x) for float32, within about 2.5 ulp: for |x| <= 1/2
// detail::asin_poly, beyond asin(a) = pi/2 - 2 asin(sqrt((1-a)/2)) (1 - a
// exact). NaN outside [-1, 1].
inline float asin(float x) {
  const float a = std::fabs(x);
  const bool big = a > 0.5f;
  const float z = select(big, 0.5f * (1.0f - a), a * a);
  const float t = select(big, std::sqrt(z), a);
  const float p = detail::asin_poly(t, z);
  const float out = select(big, detail::kPio2Hi - (2.0f * p - detail::kPio2Lo), p);
  return copy_sign(out, x);
}

// acos(x) for float32, within about 1.1 ulp: pi/2 - asin(x) for |x| <= 1/2,
// 2 asin(sqrt((1-x)/2)) above, pi - 2 asin(sqrt((1+x)/2)) below. NaN
// outside [-1, 1].
inline float acos(float x) {
  const float a = std::fabs(x);
  const bool big = a > 0.5f;
  const float z = select(big, 0.5f * (1.0f - a), x * x);
  const float t = select(big, std::sqrt(z), x);
  const float p = detail::asin_poly(t, z);
  const float small = detail::kPio2Hi - (p - detail::kPio2Lo);
  const float pos = 2.0f * p;
  const float neg = detail::kPiHi - (2.0f * p - detail::kPiLo);
  return select(big, select(x > 0.0f, pos, neg), small);
}

// asinh(x) for float32, within about 2 ulp: for |x| < 1/2 the odd
// polynomial x + x^3 P(x^2) (degree-4 minimax P, relative error 2e-9); up to
// 2^12 log1p(a + a^2 / (1 + sqrt(1 + a^2))) (no cancellation), with
// log1p as in fast::log1p; beyond, log(a) + ln2.
inline float asinh(float x) {
  const float a = std::fabs(x);
  const float z = a * a;
  float p = -1.32375099e-2f;
  p = p * z + 2.81691141e-2f;
  p = p * z - 4.43845168e-2f;
  p = p * z + 7.49865249e-2f;
  p = p * z - 1.66666433e-1f;
  const float small = a + a * z * p;
  const bool huge = a > 4096.0f;
  const float w = a + z / (1.0f + std::sqrt(1.0f + z));
  const float u1 = 1.0f + w;
  const float c1 = (w - (u1 - 1.0f)) / u1;
  const float u = select(huge, a, u1);
  const float c = select(huge, 0.693147182f, c1);
  float e;
  const float lm = detail::log_reduced(u, e);
  const float big = e * detail::kLn2Hi + ((lm + c) + e * detail::kLn2Lo);
  float out = select(a < 0.5f, small, big);
  out = select(a == INFINITY, INFINITY, out);
  out = select(x != x, x, out);
  return copy_sign(out, x);
}

// acosh(x) for float32: log(u) + c, with u and c by range. Below 2, u = 1 +
// w with w = t + sqrt(t (t + 2)), t = x - 1 (exact), and c the rounding of
// 1 + w carried to first order (as asinh); from 2 on, u = x + sqrt(x^2 - 1),
// c = 0; beyond 4096, u = x and c = ln 2 (acosh(x) - log(2x) < 1.5e-8).
// NaN below 1, inf at inf.
inline float acosh(float x) {
  const float t = x - 1.0f;
  const bool near = t < 1.0f;
  const bool huge = x > 4096.0f;
  const float w = t + std::sqrt(t * t + 2.0f * t);
  const float u1 = 1.0f + w;
  const float c1 = (w - (u1 - 1.0f)) / u1;
  const float xm = select(huge, 2.0f, x); // (keeps x * x finite)
  const float u2 = xm + std::sqrt(xm * xm - 1.0f);
  const float u = select(near, u1, select(huge, x, u2));
  const float c = select(near, c1, select(huge, 0.693147182f, 0.0f));
  float e;
  const float lm = detail::log_reduced(u, e);
  float out = e * detail::kLn2Hi + ((lm + c) + e * detail::kLn2Lo);
  out = select(x < 1.0f, NAN, out);
  out = select(x == INFINITY, INFINITY, out);
  return select(x != x, x, out);
}

// atanh(x) for float32, within about 1.5 ulp: for |x| < 1/2 the odd
// polynomial x + x^3 P(x^2) (degree-5 minimax P, relative error 4.8e-9),
// beyond log((1+a)/(1-a)) / 2 (1 - a exact). +-inf at +-1, NaN beyond.
inline float atanh(float x) {
  const float a = std::fabs(x);
  const float z = a * a;
  float p = 1.76691473e-1f;
  p = p * z + 5.13580479e-2f;
  p = p * z + 1.18237346e-1f;
  p = p * z + 1.42227620e-1f;
  p = p * z + 2.00025186e-1f;
  p = p * z + 3.33333015e-1f;
  const float small = a + a * z * p;
  float e;
  const float lm = detail::log_reduced((1.0f + a) / (1.0f - a), e);
  const float big = 0.5f * (e * detail::kLn2Hi + (lm + e * detail::kLn2Lo));
  float out = select(a < 0.5f, small, big);
  out = select(a == 1.0f, INFINITY, out);
  out = select(a > 1.0f, NAN, out);
  out = select(x != x, x, out);
  return copy_sign(out, x);
}

} // namespace mlx::core::cpu::fast

namespace mlx::core::cpu {

// Integer arithmetic that wraps as NumPy's does: computed in the unsigned
// type of T's promotion, then converted back (signed overflow is undefined
// in C++, and so is the int product two 16-bit values promote to).
template <typename T>
inline constexpr bool kWrapsInUnsigned = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <typename T>
using wrap_unsigned_t = std::make_unsigned_t<std::common_type_t<T, int>>;

} // namespace mlx::core::cpu
