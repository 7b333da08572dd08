// Branch-free float32 transcendentals that the compiler vectorizes inside
// MLX_SIMD_CLONES loops. Double and complex inputs use the C library.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

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

// exp(x) for float32, max error about 1.5 ulp over the whole range (inf,
// nan and subnormal results included). Cody-Waite reduction x = n ln2 + r,
// |r| <= ln2/2, then the degree-7 Taylor polynomial of e^r (truncation
// error r^8/8! < 6e-9 relative), scaled by 2^n in two steps so that results
// down to the subnormal range stay exact.
inline float exp(float x) {
  float xc = x < -104.0f ? -104.0f : x;
  xc = xc > 89.0f ? 89.0f : xc;
  // Round to nearest by adding and subtracting 1.5 * 2^23.
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693145751953125f;
  r = r - n * 1.428606765330187e-06f;
  float p = 1.98412698e-4f;
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni / 2;
  const int32_t n2 = ni - n1;
  const float s1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  float out = p * s1 * s2;
  out = x > 88.7228394f ? INFINITY : out;
  out = x < -103.972084f ? 0.0f : out;
  return x != x ? x : out;
}

// exp(x) for x <= 0 (or NaN), as softmax and logsumexp need after taking
// the maximum out: about half the work of exp(). The same reduction and
// polynomial; 2^n is added to the exponent bits directly (n >= -126, so
// the result is normal), and results below 2^-126 (x < -87.33) are 0.
inline float exp_nonpositive(float x) {
  const float xc = x < -87.33f ? -87.33f : x; // a NaN stays
  // The low bits of t hold n = round(x / ln2) (t = n + 1.5 * 2^23).
  const float t = xc * 1.44269504088896341f + 12582912.0f;
  const float n = t - 12582912.0f;
  float r = xc - n * 0.693145751953125f;
  r = r - n * 1.428606765330187e-06f;
  float p = 1.98412698e-4f;
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // Shifting t's bits left by 23 leaves exactly n << 23 (the bits of 1.5 *
  // 2^23 shift out), and for a NaN leaves 0, so the NaN passes through.
  const float out = bits_to_float(float_to_bits(p) + (float_to_bits(t) << 23));
  return x < -87.33f ? 0.0f : out;
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

// erf(x) for float32, within about 1e-7 relative. |x| < 0.84375: the odd
// Taylor series to x^19 (truncation below 1e-8 relative); beyond, 1 - erfc
// with erfc from the Chebyshev fit t exp(-x^2 + P(t)), t = 1 / (1 + |x|/2)
// (fractional error below 1.2e-7, Numerical Recipes 6.2), which the 1 - erfc
// form shrinks further since erfc < 0.24 there.
inline float erf(float x) {
  const float a = x < 0 ? -x : x;
  const float z = x * x;
  float p = -1.0f / 6894720.0f;
  p = p * z + 1.0f / 685440.0f;
  p = p * z - 1.0f / 75600.0f;
  p = p * z + 1.0f / 9360.0f;
  p = p * z - 1.0f / 1320.0f;
  p = p * z + 1.0f / 216.0f;
  p = p * z - 1.0f / 42.0f;
  p = p * z + 1.0f / 10.0f;
  p = p * z - 1.0f / 3.0f;
  p = p * z + 1.0f;
  const float small = 1.12837916709551257f * x * p;
  const float t = 1.0f / (1.0f + 0.5f * a);
  float q = 0.17087277f;
  q = q * t - 0.82215223f;
  q = q * t + 1.48851587f;
  q = q * t - 1.13520398f;
  q = q * t + 0.27886807f;
  q = q * t - 0.18628806f;
  q = q * t + 0.09678418f;
  q = q * t + 0.37409196f;
  q = q * t + 1.00002368f;
  q = q * t - 1.26551223f;
  const float erfc = t * exp(q - z);
  const float large = x < 0 ? erfc - 1.0f : 1.0f - erfc;
  return a < 0.84375f ? small : (x != x ? x : large);
}

// log(x) for float32, max error about 1 ulp. x = m 2^e with m in
// [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172,
// by its odd series to s^11 (truncation error < 3e-10).
inline float log(float x) {
  const bool tiny = x < 1.17549435e-38f;
  const float xs = tiny ? x * 8388608.0f : x; // 2^23 lifts subnormals
  uint32_t u = float_to_bits(xs);
  int32_t e = static_cast<int32_t>((u >> 23) & 0xff) - 127;
  float m = bits_to_float((u & 0x007fffffu) | 0x3f800000u);
  const bool big = m > 1.41421356f;
  m = big ? m * 0.5f : m;
  e = big ? e + 1 : e;
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = s * s;
  float p = 0.0909090909f;
  p = p * s2 + 0.111111111f;
  p = p * s2 + 0.142857143f;
  p = p * s2 + 0.2f;
  p = p * s2 + 0.333333333f;
  p = p * s2 + 1.0f;
  const float ef = static_cast<float>(e) - (tiny ? 23.0f : 0.0f);
  float out = ef * 0.693147182f + 2.0f * s * p;
  out = x == 0.0f ? -INFINITY : out;
  out = x < 0.0f ? NAN : out;
  out = x == INFINITY ? INFINITY : out;
  return x != x ? x : out;
}

} // namespace mlx::core::cpu::fast
