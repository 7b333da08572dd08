// The butterflies of the Stockham kernels (fft_stockham.cpp, their only
// user): radix 2, 3, 4, 5 and 7 over planes of lines side by side, and one
// stage of a transform, run through cpu::simd.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"

// The vector types below only ever live inside always-inlined helpers (no
// AVX value crosses a call boundary).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mlx::core::cpu::fft {

namespace {

using cd = std::complex<double>;

// exp(sign 2 pi i t / n), the angle reduced exactly.
cd unit(size_t t, size_t n, double sign) {
  double a = sign * 2.0 * M_PI * double(t % n) / double(n);
  return cd(std::cos(a), std::sin(a));
}

// The radices of n (4s first, one 2, then 3, 5, 7), or none if another
// prime divides it.
bool radices(size_t n, std::vector<int>& out) {
  out.clear();
  if (n == 0) {
    return false;
  }
  while (n % 4 == 0) {
    out.push_back(4);
    n /= 4;
  }
  if (n % 2 == 0) {
    out.push_back(2);
    n /= 2;
  }
  for (int p : {3, 5, 7}) {
    while (n % p == 0) {
      out.push_back(p);
      n /= p;
    }
  }
  return n == 1;
}

// ---- butterflies: b_k = sum_r a_r w_p^(r k), w_p = exp(sign 2 pi i / p) --
// T is float or a vector of floats (GCC vector extensions, which every
// clone lowers to its own instructions); `c` and `sn` hold cos(2 pi t / p)
// and sign sin(2 pi t / p) for t < p.

typedef float v8f __attribute__((vector_size(32)));

template <typename T>
[[gnu::always_inline]] inline T load(const float* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
[[gnu::always_inline]] inline void store(float* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

template <int P>
struct Butterfly;

template <>
struct Butterfly<2> {
  template <typename T>
  [[gnu::always_inline]] static void run(const T* ar, const T* ai, T* br, T* bi, const float*, const float*) {
    br[0] = ar[0] + ar[1];
    bi[0] = ai[0] + ai[1];
    br[1] = ar[0] - ar[1];
    bi[1] = ai[0] - ai[1];
  }
};

template <>
struct Butterfly<4> {
  template <typename T>
  [[gnu::always_inline]] static void run(const T* ar, const T* ai, T* br, T* bi, const float*,
                                         const float* sn) {
    T t0r = ar[0] + ar[2], t0i = ai[0] + ai[2];
    T t1r = ar[0] - ar[2], t1i = ai[0] - ai[2];
    T t2r = ar[1] + ar[3], t2i = ai[1] + ai[3];
    T t3r = ar[1] - ar[3], t3i = ai[1] - ai[3];
    br[0] = t0r + t2r;
    bi[0] = t0i + t2i;
    br[2] = t0r - t2r;
    bi[2] = t0i - t2i;
    // w_4 t3 = sign i t3, sn[1] = sign.
    T s = T{} + sn[1];
    br[1] = t1r - s * t3i;
    bi[1] = t1i + s * t3r;
    br[3] = t1r + s * t3i;
    bi[3] = t1i - s * t3r;
  }
};

// Odd p: b_k = a_0 + sum_{r <= h} cos(2 pi r k / p) (a_r + a_{p-r})
//            + sign i sin(2 pi r k / p) (a_r - a_{p-r}), and b_{p-k} the
// same with the sine terms negated.
template <int P>
struct Butterfly {
  static constexpr int H = (P - 1) / 2;
  template <typename T>
  [[gnu::always_inline]] static void run(const T* ar, const T* ai, T* br, T* bi, const float* c,
                                         const float* sn) {
    T tr[H + 1], ti[H + 1], dr[H + 1], di[H + 1];
    br[0] = ar[0];
    bi[0] = ai[0];
#pragma GCC unroll 8
    for (int r = 1; r <= H; ++r) {
      tr[r] = ar[r] + ar[P - r];
      ti[r] = ai[r] + ai[P - r];
      dr[r] = ar[r] - ar[P - r];
      di[r] = ai[r] - ai[P - r];
      br[0] += tr[r];
      bi[0] += ti[r];
    }
#pragma GCC unroll 8
    for (int k = 1; k <= H; ++k) {
      T cr = ar[0], ci = ai[0], sr = T{}, si = T{};
#pragma GCC unroll 8
      for (int r = 1; r <= H; ++r) {
        int t = (r * k) % P;
        cr += c[t] * tr[r];
        ci += c[t] * ti[r];
        sr += sn[t] * dr[r];
        si += sn[t] * di[r];
      }
      // sign i sin (a_r - a_{p-r}): real part -si, imaginary +sr.
      br[k] = cr - si;
      bi[k] = ci + sr;
      br[P - k] = cr + si;
      bi[P - k] = ci - sr;
    }
  }
};

// Lanes q .. q + |T| - 1 of one run of a stage.
template <int P, typename T>
[[gnu::always_inline]] inline void lanes(const float* xr0, const float* xi0, float* yr0, float* yi0, size_t q,
                                         size_t ms, size_t s, const float* twr, const float* twi,
                                         const float* c, const float* sn) {
  T ar[P], ai[P], br[P], bi[P];
#pragma GCC unroll 8
  for (int r = 0; r < P; ++r) {
    ar[r] = load<T>(xr0 + r * ms + q);
    ai[r] = load<T>(xi0 + r * ms + q);
  }
  Butterfly<P>::run(ar, ai, br, bi, c, sn);
  store<T>(yr0 + q, br[0]);
  store<T>(yi0 + q, bi[0]);
#pragma GCC unroll 8
  for (int k = 1; k < P; ++k) {
    store<T>(yr0 + k * s + q, br[k] * twr[k] - bi[k] * twi[k]);
    store<T>(yi0 + k * s + q, br[k] * twi[k] + bi[k] * twr[k]);
  }
}

// One stage over planes x -> y (see the top of the file); w holds the
// twiddles w_L^(j k) for k = 1 .. p - 1 at [j (p - 1) + k - 1].
template <int P>
[[gnu::always_inline]] inline void stage_body(const float* __restrict xr, const float* __restrict xi,
                                              float* __restrict yr, float* __restrict yi, size_t m, size_t s,
                                              const float* wr, const float* wi, float sign) {
  float c[P], sn[P];
  for (int t = 0; t < P; ++t) {
    c[t] = float(std::cos(2.0 * M_PI * t / P));
    sn[t] = sign * float(std::sin(2.0 * M_PI * t / P));
  }
  sn[0] = 0;
  if (P == 4) {
    c[1] = 0;
    sn[1] = sign;
  }
  const size_t ms = m * s;
  for (size_t j = 0; j < m; ++j) {
    float twr[P], twi[P];
    for (int k = 1; k < P; ++k) {
      twr[k] = wr[j * (P - 1) + k - 1];
      twi[k] = wi[j * (P - 1) + k - 1];
    }
    const float* xr0 = xr + j * s;
    const float* xi0 = xi + j * s;
    float* yr0 = yr + P * j * s;
    float* yi0 = yi + P * j * s;
    size_t q = 0;
    for (; q + 8 <= s; q += 8) {
      lanes<P, v8f>(xr0, xi0, yr0, yi0, q, ms, s, twr, twi, c, sn);
    }
    for (; q < s; ++q) {
      lanes<P, float>(xr0, xi0, yr0, yi0, q, ms, s, twr, twi, c, sn);
    }
  }
}

template <int P>
void stage(const float* __restrict xr, const float* __restrict xi, float* __restrict yr, float* __restrict yi,
           size_t m, size_t s, const float* wr, const float* wi, float sign) {
  simd(MLX_SIMD_LAMBDA { stage_body<P>(xr, xi, yr, yi, m, s, wr, wi, sign); });
}

} // namespace

} // namespace mlx::core::cpu::fft
