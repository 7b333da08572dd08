// What the 16-lane (AVX-512) matrix-vector kernels share: the float path's
// fast_rows16 (quantized_kernels_avx512.cpp) and the fixed-point path's
// x24_rows (quantized_x24.cpp). Both read a row of packed words 16 at a
// time, lane l holding word l, so lane l needs the scale of word l's group.
// x86-64 only; callers are compiled for at least MLX_TARGET_AVX512.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "mlx/backend/cpu/quantized_kernels.h"
#include "mlx/backend/cpu/quantized_params_avx2.h"

// GCC 12 warns of the deliberately undefined vectors inside its AVX-512
// intrinsics (_mm512_undefined_*) once they are inlined into these kernels;
// and their block lambdas take vectors by value, inlined, never across a
// real call. (Only the two kernel files include this header.)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wpsabi"

#define MLX_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))

namespace mlx::core::cpu::qk {

// Parameters [i, i + n) (n <= 16) in the low lanes, the others 0; masked
// loads, so nothing past index i + n is read.
template <int P>
MLX_TARGET_AVX512 inline __m512 params16(const void* p, int64_t i, int n) {
  const __mmask16 k = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
  if constexpr (P == 0) {
    return _mm512_maskz_loadu_ps(k, static_cast<const float*>(p) + i);
  } else {
    __m256i h = _mm256_maskz_loadu_epi16(k, static_cast<const uint16_t*>(p) + i);
    if constexpr (P == 1) {
      return _mm512_cvtph_ps(h);
    } else {
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
  }
}

// The 8-lane sum of a 16-lane vector (halves added).
MLX_TARGET_AVX512 inline __m256 halves(__m512 v) {
  return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
}

// The scales of one row's blocks of 16 words: lane l of block b gets the
// scale of word b * 16 + l's group. P: parameters' storage (0 float32, 1
// float16, 2 bfloat16); FP4: scale codes through scale_table instead.
// start_row(r) once per row (it also prefetches the parameters of the row
// kPrefetchRows ahead), then at(b) for b = 0, 1, ... in order.
template <int P, bool FP4>
struct BlockScales16 {
  const Rows& rows;
  const float* scale_table;
  int groups;
  int wpg_shift; // log2 of words per group
  int gpb;       // groups per block, or 1 where a group spans one block or more (broadcast)
  __m512i first_idx;
  // Row state: the parameters (sr from index s0; FP4: gscale from
  // g_base), and the 16 scales a permute by sidx spreads over the lanes.
  int64_t r = 0;
  const void* sr = nullptr;
  int64_t s0 = 0;
  int g_base = 0;
  __m512 svec;
  __m512i sidx;
  float gscale[64];

  MLX_TARGET_AVX512 __attribute__((always_inline)) BlockScales16(const Rows& rows, int bits, int group_size,
                                                                 int K, const float* scale_table)
      : rows(rows), scale_table(scale_table), groups(K / group_size) {
    wpg_shift = __builtin_ctz(group_size * bits / 32);
    gpb = 16 >> std::min(wpg_shift, 4);
    first_idx = _mm512_srli_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                  unsigned(wpg_shift));
    svec = _mm512_setzero_ps();
    sidx = first_idx;
  }

  MLX_TARGET_AVX512 __attribute__((always_inline)) void start_row(int64_t row) {
    r = row;
    if constexpr (FP4) {
      sr = gscale; // scale codes decoded once per row, 64 groups at a time
      s0 = 0;
    } else {
      if constexpr (P == 0) {
        sr = rows.scales;
        s0 = (r - rows.row0) * rows.row_groups;
      } else {
        sr = rows.pscales;
        s0 = r * rows.row_groups;
      }
      const int64_t psize = P == 0 ? 4 : 2, ahead = (s0 + kPrefetchRows * rows.row_groups) * psize;
      const void* br = P == 0 ? static_cast<const void*>(rows.biases) : rows.pbiases;
      prefetch_ahead(static_cast<const char*>(sr) + ahead, rows.row_groups * psize);
      prefetch_ahead(static_cast<const char*>(br) + ahead, rows.row_groups * psize);
    }
    g_base = 0;
    svec = _mm512_setzero_ps();
    sidx = first_idx;
  }

  // One group per block or more: broadcast. 2 to 16 groups per block: read
  // 16 at a time (masked: never past the row's last) and spread over the
  // lanes by a permute whose indices step on by a block's groups.
  MLX_TARGET_AVX512 __attribute__((always_inline)) __m512 at(int b) {
    const int g = int((int64_t(b) * 16) >> wpg_shift); // the block's first group
    if (gpb == 1) {
      return _mm512_set1_ps(FP4 ? scale_table[rows.codes[r * rows.row_groups + g]] : param1<P>(sr, s0 + g));
    }
    if (g % 16 == 0) {
      int64_t i = s0 + g;
      if constexpr (FP4) {
        if (g == 0 || g - g_base >= 64) {
          g_base = g;
          int n = std::min(64, groups - g_base);
          for (int j = 0; j < n; ++j) {
            gscale[j] = scale_table[rows.codes[r * rows.row_groups + g_base + j]];
          }
        }
        i = g - g_base;
      }
      svec = params16<FP4 ? 0 : P>(sr, i, std::min(16, groups - g));
      sidx = first_idx;
    } else {
      sidx = _mm512_add_epi32(sidx, _mm512_set1_epi32(gpb));
    }
    return _mm512_permutexvar_ps(sidx, svec);
  }
};

} // namespace mlx::core::cpu::qk
