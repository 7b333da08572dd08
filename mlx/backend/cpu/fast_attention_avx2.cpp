// The decoding case of attention (a few query rows against a KV cache) in
// AVX2 registers, float32, head sizes a multiple of 8: scores of eight keys
// at a time reduced together, and the value rows accumulated in registers.
// The portable loops in fast_attention.cpp keep their partial sums in
// memory (GCC does not hold a local array in registers there), at a quarter
// of this speed.
#include "mlx/backend/cpu/fast_attention_avx2.h"

#include <algorithm>
#include <cstddef>

#include "mlx/backend/cpu/simd.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include "mlx/backend/cpu/simd_avx2.h"

namespace mlx::core::cpu {

namespace {

__attribute__((target("avx2,fma"))) void scores(int rows, int kb, int D, float alpha, const float* Q,
                                                const float* K, float* s) {
  const __m256 va = _mm256_set1_ps(alpha);
  for (int r = 0; r < rows; ++r) {
    const float* q = Q + size_t(r) * D;
    float* out = s + size_t(r) * kb;
    int j = 0;
    for (; j + 8 <= kb; j += 8) {
      const float* k = K + size_t(j) * D;
      __m256 acc[8];
      for (int t = 0; t < 8; ++t) {
        acc[t] = _mm256_setzero_ps();
      }
      for (int d = 0; d < D; d += 8) {
        __m256 qd = _mm256_loadu_ps(q + d);
        for (int t = 0; t < 8; ++t) {
          acc[t] = _mm256_fmadd_ps(qd, _mm256_loadu_ps(k + size_t(t) * D + d), acc[t]);
        }
      }
      _mm256_storeu_ps(out + j, _mm256_mul_ps(va, sum8(acc)));
    }
    for (; j < kb; ++j) {
      const float* k = K + size_t(j) * D;
      __m256 acc = _mm256_setzero_ps();
      for (int d = 0; d < D; d += 8) {
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(k + d), acc);
      }
      out[j] = alpha * hsum(acc);
    }
  }
}

// o += s v: 64 output columns at a time in eight registers (constant trip
// counts, so that GCC keeps them there), then 8 at a time.
__attribute__((target("avx2,fma"))) void values(int rows, int kb, int Dv, const float* s, const float* V,
                                                float* o) {
  for (int r = 0; r < rows; ++r) {
    const float* w = s + size_t(r) * kb;
    float* orow = o + size_t(r) * Dv;
    int c0 = 0;
    for (; c0 + 64 <= Dv; c0 += 64) {
      __m256 a0 = _mm256_loadu_ps(orow + c0), a1 = _mm256_loadu_ps(orow + c0 + 8);
      __m256 a2 = _mm256_loadu_ps(orow + c0 + 16), a3 = _mm256_loadu_ps(orow + c0 + 24);
      __m256 a4 = _mm256_loadu_ps(orow + c0 + 32), a5 = _mm256_loadu_ps(orow + c0 + 40);
      __m256 a6 = _mm256_loadu_ps(orow + c0 + 48), a7 = _mm256_loadu_ps(orow + c0 + 56);
      for (int j = 0; j < kb; ++j) {
        __m256 wj = _mm256_broadcast_ss(w + j);
        const float* v = V + size_t(j) * Dv + c0;
        a0 = _mm256_fmadd_ps(wj, _mm256_loadu_ps(v), a0);
        a1 = _mm256_fmadd_ps(wj, _mm256_loadu_ps(v + 8), a1);
        a2 = _mm256_fmadd_ps(wj, _mm256_loadu_ps(v + 16), a2);
        a3 = _mm256_fmadd_ps(wj, _mm256_loadu_ps(v + 24), a3);
        a4 = _mm256_fmadd_ps(wj, _mm256_loadu_ps(v + 32), a4);
        a5 = _mm256_fmadd_ps(wj, _mm256_loadu_ps(v + 40), a5);
        a6 = _mm256_fmadd_ps(wj, _mm256_loadu_ps(v + 48), a6);
        a7 = _mm256_fmadd_ps(wj, _mm256_loadu_ps(v + 56), a7);
      }
      _mm256_storeu_ps(orow + c0, a0);
      _mm256_storeu_ps(orow + c0 + 8, a1);
      _mm256_storeu_ps(orow + c0 + 16, a2);
      _mm256_storeu_ps(orow + c0 + 24, a3);
      _mm256_storeu_ps(orow + c0 + 32, a4);
      _mm256_storeu_ps(orow + c0 + 40, a5);
      _mm256_storeu_ps(orow + c0 + 48, a6);
      _mm256_storeu_ps(orow + c0 + 56, a7);
    }
    for (; c0 < Dv; c0 += 8) {
      __m256 a = _mm256_loadu_ps(orow + c0);
      for (int j = 0; j < kb; ++j) {
        a = _mm256_fmadd_ps(_mm256_broadcast_ss(w + j), _mm256_loadu_ps(V + size_t(j) * Dv + c0), a);
      }
      _mm256_storeu_ps(orow + c0, a);
    }
  }
}

} // namespace

bool few_rows_scores_avx2(int rows, int kb, int D, float alpha, const float* Q, const float* K, float* s) {
  if (isa() < Isa::avx2 || D % 8 != 0) {
    return false;
  }
  scores(rows, kb, D, alpha, Q, K, s);
  return true;
}

bool few_rows_values_avx2(int rows, int kb, int Dv, const float* s, const float* V, float* o) {
  if (isa() < Isa::avx2 || Dv % 8 != 0) {
    return false;
  }
  values(rows, kb, Dv, s, V, o);
  return true;
}

} // namespace mlx::core::cpu

#else

namespace mlx::core::cpu {
bool few_rows_scores_avx2(int, int, int, float, const float*, const float*, float*) { return false; }
bool few_rows_values_avx2(int, int, int, const float*, const float*, float*) { return false; }
} // namespace mlx::core::cpu

#endif
