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

#include "mlx/backend/cpu/quantized_fast_dispatch.h"
#include "mlx/backend/cpu/quantized_kernels.h"
#include "mlx/backend/cpu/quantized_params_avx2.h"
#include "mlx/backend/cpu/simd_avx2.h"

// GCC 12 warns of the deliberately undefined vectors inside its AVX-512
// intrinsics (_mm512_undefined_*) once they are inlined here; and the
// block lambda takes a vector by value, inlined, never across a real call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wpsabi"

#define MLX_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))

namespace mlx::core::cpu::qk {

namespace {

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

// As fast_rows (quantized_kernels.cpp) with 16 lanes: B bits, FP4 codes,
// M rows of x (at stride Kp, the padded length), parameters P, x scaled S.
template <int B, bool FP4, int M, int P, bool S>
MLX_TARGET_AVX512 void fast_rows16(int group_size, const Rows& rows, const float* xp, const float* xsums,
                                   int K, int64_t Kp, int N, int64_t r0, int64_t r1, float* y,
                                   const float* scale_table) {
  constexpr int per = 32 / B;
  constexpr int blk = 16 * per;
  const int wpg = group_size * B / 32;
  const int wpg_shift = __builtin_ctz(wpg);
  const int groups = K / group_size;
  const int nfull = K / blk;
  const bool half_block = K % blk != 0; // then K % blk == blk / 2
  const __m512i mask = _mm512_set1_epi32((1 << B) - 1);
  // fp4 (e2m1) values of the 16 codes, the sign bit included.
  const __m512 lut = _mm512_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, -0.0f, -0.5f, -1.0f,
                                    -1.5f, -2.0f, -3.0f, -4.0f, -6.0f);
  const bool nta = kPrefetchNta;
  float gscale[64];
  __m256 pending[8];
  // Code j's mask where it lies (S), built once.
  __m512i in_place[per];
  for (int j = 0; j < per; ++j) {
    in_place[j] = _mm512_set1_epi32(int(((1u << B) - 1) << (j * B)));
  }
  for (int64_t r = r0; r < r1; ++r) {
    const uint32_t* wr = rows.w + r * rows.row_words;
    const void* sr;
    int64_t s0 = 0;
    if constexpr (FP4) {
      sr = gscale; // scale codes decoded once per row, 64 groups at a time
    } else if constexpr (P == 0) {
      sr = rows.scales;
      s0 = (r - rows.row0) * rows.row_groups;
    } else {
      sr = rows.pscales;
      s0 = r * rows.row_groups;
    }
    if constexpr (!FP4) {
      const int64_t psize = P == 0 ? 4 : 2, ahead = (s0 + kPrefetchRows * rows.row_groups) * psize;
      const void* br = P == 0 ? static_cast<const void*>(rows.biases) : rows.pbiases;
      prefetch_ahead(static_cast<const char*>(sr) + ahead, rows.row_groups * psize);
      prefetch_ahead(static_cast<const char*>(br) + ahead, rows.row_groups * psize);
    }
    __m512 acc[M];
    for (int m = 0; m < M; ++m) {
      acc[m] = _mm512_setzero_ps();
    }
    // Scales: one group per block or more (broadcast), or 2 to 8 groups
    // per block, read 16 at a time (masked: never past the row's last) and
    // spread over the lanes by a permute whose indices step on by a
    // block's groups.
    const int gpb = 16 >> std::min(wpg_shift, 4); // groups per block (1: broadcast)
    const __m512i first_idx = _mm512_srli_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), unsigned(wpg_shift));
    __m512 svec = _mm512_setzero_ps();
    __m512i sidx = first_idx;
    int g_base = 0; // FP4: the first group whose scale is in gscale
    // One block: v holds words word0 .. word0 + 15 (or 8 and zeros).
    auto block = [&](__m512i v, int b) MLX_TARGET_AVX512 __attribute__((always_inline)) {
      const int g = int((int64_t(b) * 16) >> wpg_shift); // the block's first group
      __m512 s;
      if (gpb == 1) {
        s = _mm512_set1_ps(FP4 ? scale_table[rows.codes[r * rows.row_groups + g]] : param1<P>(sr, s0 + g));
      } else if (g % 16 == 0) {
        int64_t at = s0 + g;
        if constexpr (FP4) {
          if (g == 0 || g - g_base >= 64) {
            g_base = g;
            int n = std::min(64, groups - g_base);
            for (int i = 0; i < n; ++i) {
              gscale[i] = scale_table[rows.codes[r * rows.row_groups + g_base + i]];
            }
          }
          at = g - g_base;
        }
        svec = params16<FP4 ? 0 : P>(sr, at, std::min(16, groups - g));
        sidx = first_idx;
        s = _mm512_permutexvar_ps(sidx, svec);
      } else {
        sidx = _mm512_add_epi32(sidx, _mm512_set1_epi32(gpb));
        s = _mm512_permutexvar_ps(sidx, svec);
      }
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
    store_row<M, FP4, P>(t, rows, s0, xsums, groups, N, r0, r, y, pending);
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
