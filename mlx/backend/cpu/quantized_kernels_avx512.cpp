// The AVX-512 matrix-vector kernel of the float path: as the AVX2 one
// (quantized_kernels.cpp), lane l decodes word l's codes one position at a
// time, but 16 words per load, so that a block is one cache line and each
// instruction does twice the work. On the Xeon (AMX) host the AVX2 kernel
// is bound by its conversions and FMAs, not by memory; 512-bit operations
// issue on two ports where 256-bit ones have three, so the gain is a fifth,
// not double (4096x4096 4-bit g64, 2 threads: 575 -> 485 us; one thread,
// 1024x2048 in L2: 137 -> 124 us). x comes reordered for
// 16 lanes (fast_qmv_reorder); rows whose length is an odd number of 8-word
// halves end with a half block, loaded masked, whose x is padded with zeros.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

#include "mlx/backend/cpu/quantized_avx512.h"
#include "mlx/backend/cpu/quantized_fast_dispatch.h"
#include "mlx/backend/cpu/quantized_kernels.h"
#include "mlx/backend/cpu/quantized_params_avx2.h"
#include "mlx/backend/cpu/simd_avx2.h"

namespace mlx::core::cpu::qk {

namespace {

// As fast_rows (quantized_kernels.cpp) with 16 lanes: B bits, FP4 codes,
// M rows of x (at stride Kp, the padded length), parameters P, x scaled S.
template <int B, bool FP4, int M, int P, bool S>
MLX_TARGET_AVX512 void fast_rows16(int group_size, const Rows& rows, const float* xp, const float* xsums,
                                   int K, int64_t Kp, int N, int64_t r0, int64_t r1, float* y,
                                   const float* scale_table) {
  constexpr int per = 32 / B;
  constexpr int blk = 16 * per;
  const int groups = K / group_size;
  const int nfull = K / blk;
  const bool half_block = K % blk != 0; // then K % blk == blk / 2
  const __m512i mask = _mm512_set1_epi32((1 << B) - 1);
  // fp4 (e2m1) values of the 16 codes, the sign bit included.
  const __m512 lut = _mm512_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, -0.0f, -0.5f, -1.0f,
                                    -1.5f, -2.0f, -3.0f, -4.0f, -6.0f);
  const bool nta = kPrefetchNta;
  __m256 pending[8];
  // Code j's mask where it lies (S), built once.
  __m512i in_place[per];
  for (int j = 0; j < per; ++j) {
    in_place[j] = _mm512_set1_epi32(int(((1u << B) - 1) << (j * B)));
  }
  BlockScales16<P, FP4> scales(rows, B, group_size, K, scale_table);
  for (int64_t r = r0; r < r1; ++r) {
    const uint32_t* wr = rows.w + r * rows.row_words;
    scales.start_row(r);
    __m512 acc[M];
    for (int m = 0; m < M; ++m) {
      acc[m] = _mm512_setzero_ps();
    }
    // One block: v holds words word0 .. word0 + 15 (or 8 and zeros).
    auto block = [&](__m512i v, int b) MLX_TARGET_AVX512 __attribute__((always_inline)) {
      const __m512 s = scales.at(b);
      __m512 q[per];
      for (int j = 0; j < per; ++j) {
        if constexpr (S) {
          __m512i c = j == per - 1 ? _mm512_srli_epi32(v, j * B) : _mm512_and_si512(v, in_place[j]);
          q[j] = _mm512_cvtepi32_ps(c);
          continue;
        }
        __m512i c = _mm512_and_si512(_mm512_srli_epi32(v, j * B), mask);
        if constexpr (FP4) {
          q[j] = _mm512_permutexvar_ps(c, lut);
        } else {
          q[j] = _mm512_cvtepi32_ps(c);
        }
      }
      for (int m = 0; m < M; ++m) {
        const float* xb = xp + int64_t(m) * Kp + int64_t(b) * blk;
        // Four independent chains (one would wait on each FMA's latency).
        __m512 part[4];
        for (int j = 0; j < 4; ++j) {
          part[j] = _mm512_mul_ps(q[j], _mm512_loadu_ps(xb + j * 16));
        }
        for (int j = 4; j < per; ++j) {
          part[j % 4] = _mm512_fmadd_ps(q[j], _mm512_loadu_ps(xb + j * 16), part[j % 4]);
        }
        __m512 sum = _mm512_add_ps(_mm512_add_ps(part[0], part[1]), _mm512_add_ps(part[2], part[3]));
        acc[m] = _mm512_fmadd_ps(s, sum, acc[m]);
      }
    };
    for (int b = 0; b < nfull; ++b) {
      const uint32_t* wb = wr + int64_t(b) * 16;
      prefetch_stream(reinterpret_cast<const char*>(wb) + kPrefetchBytes, nta);
      block(_mm512_loadu_si512(wb), b);
    }
    if (half_block) {
      block(_mm512_maskz_loadu_epi32(__mmask16(0x00FF), wr + int64_t(nfull) * 16), nfull);
    }
    __m256 t[M];
    for (int m = 0; m < M; ++m) {
      t[m] = halves(acc[m]);
    }
    store_row<M, FP4, P>(t, rows, scales.s0, xsums, groups, N, r0, r, y, pending);
  }
  finish_rows<M>(r0, r1, y, pending);
}

} // namespace

void fast_qmv16(int kind, int bits, int group_size, const Rows& rows, const float* xp, bool scaled,
                const float* xsums, int M, int K, int64_t Kp, int N, int64_t r0, int64_t r1, float* y,
                const float* scale_table) {
  dispatch_fast_rows(kind, bits, M, rows.ptype, scaled,
                     [&](int m0, auto b, auto fp4, auto mc, auto p, auto sc) {
                       constexpr int B = decltype(b)::value, Mc = decltype(mc)::value, P = decltype(p)::value;
                       constexpr bool F = decltype(fp4)::value, S = decltype(sc)::value;
                       const float* xs = kind != 0 ? nullptr : xsums + int64_t(m0) * (K / group_size);
                       fast_rows16<B, F, Mc, P, S>(group_size, rows, xp + int64_t(m0) * Kp, xs, K, Kp, N, r0,
                                                   r1, y + int64_t(m0) * N, scale_table);
                     });
}

} // namespace mlx::core::cpu::qk

#endif
