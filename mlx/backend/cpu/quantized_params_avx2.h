// Reading quantization parameters (scales, biases) as they are stored, in
// AVX2 registers: the matrix-vector kernels widen 16-bit ones as they go
// instead of copying them to float32 first (quantized_kernels.cpp,
// quantized_kernels_avx512.cpp, quantized_int8.cpp); and the end of a row
// of the float path's kernels, biases included. x86-64 only.
#pragma once

#include <cstdint>
#include <cstring>

#include <immintrin.h>

#include "mlx/backend/cpu/quantized_kernels.h"
#include "mlx/backend/cpu/simd_avx2.h"

namespace mlx::core::cpu::qk {

// Group parameters as stored: P = 0 float32, 1 float16, 2 bfloat16 (read
// and widened in registers, not copied to float32 first).
template <int P>
__attribute__((target("avx2,fma,f16c"))) inline float param1(const void* p, int64_t i) {
  if constexpr (P == 0) {
    return static_cast<const float*>(p)[i];
  } else {
    __m128i h = _mm_cvtsi32_si128(static_cast<const uint16_t*>(p)[i]);
    return _mm_cvtss_f32(P == 1 ? _mm_cvtph_ps(h) : _mm_castsi128_ps(_mm_slli_epi32(h, 16)));
  }
}

// n (2, 4 or 8) parameters from index i, in the low lanes (the others 0).
template <int P>
__attribute__((target("avx2,fma,f16c"))) inline __m256 params(const void* p, int64_t i, int n) {
  if constexpr (P == 0) {
    const float* f = static_cast<const float*>(p) + i;
    if (n == 8) {
      return _mm256_loadu_ps(f);
    }
    __m128 v;
    if (n == 2) {
      int64_t two; // (a memcpy, not a double load: GCC's aliasing rules)
      std::memcpy(&two, f, 8);
      v = _mm_castsi128_ps(_mm_cvtsi64_si128(two));
    } else {
      v = _mm_loadu_ps(f);
    }
    return _mm256_zextps128_ps256(v);
  } else {
    const uint16_t* h = static_cast<const uint16_t*>(p) + i;
    __m128i v;
    if (n == 8) {
      v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));
    } else if (n == 4) {
      v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(h));
    } else {
      uint32_t two;
      std::memcpy(&two, h, 4);
      v = _mm_cvtsi32_si128(int(two));
    }
    if constexpr (P == 1) {
      return _mm256_cvtph_ps(v);
    } else {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16));
    }
  }
}

// sum_i a[i] * b[i] spread over 8 lanes, a the parameters from index a0;
// the rest past the multiples of 8 in steps of 4 and 2 (groups per row are
// often 8k + 2: 576 / 32 = 18), then one.
template <int P>
__attribute__((target("avx2,fma,f16c"))) inline __m256 dot8(const void* a, int64_t a0, const float* b,
                                                            int n) {
  __m256 acc = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    acc = _mm256_fmadd_ps(params<P>(a, a0 + i, 8), _mm256_loadu_ps(b + i), acc);
  }
  if (i + 4 <= n) {
    acc = _mm256_fmadd_ps(params<P>(a, a0 + i, 4), _mm256_zextps128_ps256(_mm_loadu_ps(b + i)), acc);
    i += 4;
  }
  if (i + 2 <= n) {
    int64_t two;
    std::memcpy(&two, b + i, 8);
    __m256 bv = _mm256_zextps128_ps256(_mm_castsi128_ps(_mm_cvtsi64_si128(two)));
    acc = _mm256_fmadd_ps(params<P>(a, a0 + i, 2), bv, acc);
    i += 2;
  }
  float tail = 0;
  for (; i < n; ++i) {
    tail += param1<P>(a, a0 + i) * b[i];
  }
  return _mm256_add_ps(acc, _mm256_setr_ps(tail, 0, 0, 0, 0, 0, 0, 0));
}

// The end of a row of the float path's kernels (fast_rows, fast_rows16):
// t[m], the 8-lane sums for row r and each of the M rows of x, plus the
// bias terms (affine codes: the biases from index s0 dotted with x's group
// sums), stored to y. With one row of x, eight rows' lanes are reduced
// together (sum8) into one vector store; finish_rows stores what is left.
template <int M, bool FP4, int P>
__attribute__((target("avx2,fma,f16c"))) inline void store_row(__m256* t, const Rows& rows, int64_t s0,
                                                               const float* xsums, int groups, int N,
                                                               int64_t r0, int64_t r, float* y,
                                                               __m256* pending) {
  for (int m = 0; m < M; ++m) {
    if constexpr (!FP4) {
      const void* br = P == 0 ? static_cast<const void*>(rows.biases) : rows.pbiases;
      t[m] = _mm256_add_ps(t[m], dot8<P>(br, s0, xsums + int64_t(m) * groups, groups));
    }
    if constexpr (M == 1) {
      pending[(r - r0) & 7] = t[m];
      if (((r - r0) & 7) == 7) {
        _mm256_storeu_ps(y + r - 7, sum8(pending));
      }
    } else {
      y[int64_t(m) * N + r] = hsum(t[m]);
    }
  }
}

template <int M>
__attribute__((target("avx2,fma,f16c"))) inline void finish_rows(int64_t r0, int64_t r1, float* y,
                                                                 const __m256* pending) {
  if constexpr (M == 1) {
    for (int64_t r = r0 + (r1 - r0) / 8 * 8; r < r1; ++r) {
      y[r] = hsum(pending[(r - r0) & 7]);
    }
  }
}

} // namespace mlx::core::cpu::qk
