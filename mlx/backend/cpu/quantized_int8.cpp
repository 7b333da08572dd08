// Integer-dot quantized matrix-vector products (affine codes of 4 or 8
// bits), as llama.cpp computes them: each row of x is quantized once to int8
// per weight group (d = max|x| / 127), then a group's sum_i q_i * x_i is an
// integer dot product (AVX2 vpmaddubsw + vpmaddwd) scaled by s * d; the
// bias term b * sum_i x_i uses the float sums of x. Codes count from the
// middle of their range (q - 2^(bits-1), the bias gaining 2^(bits-1) s), so
// x's rounding to 8 bits (error ~ 1/254 of each group's largest |x|) is
// weighted by small codes.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "mlx/backend/cpu/quantized_kernels.h"
#include "mlx/backend/cpu/simd.h"
#if defined(__x86_64__)
#include "mlx/backend/cpu/quantized_params_avx2.h"
#include "mlx/backend/cpu/simd_avx2.h"
#endif

namespace mlx::core::cpu::qk {

int int8_dot_level() {
#if defined(__x86_64__)
  return isa() >= Isa::avx2 ? 1 : 0;
#else
  return 0;
#endif
}

int int8_qmv_mode() {
  const char* v = std::getenv("MLX_QMM_INT8");
  if (!v || !*v || std::strcmp(v, "0") == 0) {
    return 0;
  }
  return std::strcmp(v, "reference") == 0 ? 2 : 1;
}

// (The shapes, not the CPU: without AVX2 the reference loops run, so that
// MLX_QMM_INT8 gives the same rounding on every ISA path.)
bool int8_qmv_supported(int bits, int group_size, int K) {
  if (bits != 4 && bits != 8) {
    return false;
  }
  int step = 256 / bits; // codes in 32 bytes
  return group_size >= 16 && (group_size & (group_size - 1)) == 0 &&
         (group_size % step == 0 || step % group_size == 0) && K % step == 0 && K % group_size == 0;
}

void int8_quantize_x(int bits, const float* x, int M, int K, int group_size, int8_t* xq, float* xd, float* xs,
                     float* xe) {
  int groups = K / group_size;
  for (int m = 0; m < M; ++m) {
    const float* xr = x + int64_t(m) * K;
    int8_t* qr = xq + int64_t(m) * K;
    for (int g = 0; g < groups; ++g) {
      const float* v = xr + g * group_size;
      float amax = 0, sum = 0;
      for (int i = 0; i < group_size; ++i) {
        amax = std::max(amax, std::abs(v[i]));
        sum += v[i];
      }
      float d = amax / 127.0f;
      float id = d > 0 ? 1.0f / d : 0.0f;
      xd[int64_t(m) * groups + g] = d;
      xs[int64_t(m) * groups + g] = sum;
      int8_t* out = qr + g * group_size;
      int qsum = 0;
      for (int i = 0; i < group_size; ++i) {
        out[i] = static_cast<int8_t>(std::nearbyint(std::min(127.0f, std::max(-127.0f, v[i] * id))));
        qsum += out[i];
      }
      xe[int64_t(m) * groups + g] = sum - d * float(qsum);
    }
    if (bits == 4) {
      // Byte j of 32 holds codes 2j (low nibble) and 2j + 1: per 64 codes,
      // the even ones first, then the odd ones.
      int8_t tmp[64];
      for (int b = 0; b < K / 64; ++b) {
        int8_t* p = qr + b * 64;
        for (int j = 0; j < 32; ++j) {
          tmp[j] = p[2 * j];
          tmp[32 + j] = p[2 * j + 1];
        }
        std::memcpy(p, tmp, 64);
      }
    }
  }
}

// The plain reference of the kernels below, on the same quantized x.
void int8_qmv_reference(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd,
                        const float* xs, const float*, int M, int K, int N, int64_t r0, int64_t r1,
                        float* y) {
  int groups = K / group_size;
  int offset = 1 << (bits - 1);
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* wb = reinterpret_cast<const uint8_t*>(rows.w + r * rows.row_words);
    const float* sr = rows.scales + (r - rows.row0) * rows.row_groups;
    const float* br = rows.biases + (r - rows.row0) * rows.row_groups;
    for (int m = 0; m < M; ++m) {
      const int8_t* qr = xq + int64_t(m) * K;
      double acc = 0;
      for (int g = 0; g < groups; ++g) {
        int64_t dot = 0;
        for (int i = g * group_size; i < (g + 1) * group_size; ++i) {
          int code, xi;
          if (bits == 4) {
            code = (wb[i / 2] >> (4 * (i % 2))) & 15;
            xi = qr[(i / 64) * 64 + (i % 2) * 32 + (i % 64) / 2];
          } else {
            code = wb[i];
            xi = qr[i];
          }
          dot += int64_t(code - offset) * xi;
        }
        acc += double(sr[g]) * xd[int64_t(m) * groups + g] * double(dot) +
               (double(br[g]) + offset * double(sr[g])) * xs[int64_t(m) * groups + g];
      }
      y[int64_t(m) * N + r] = static_cast<float>(acc);
    }
  }
}

} // namespace mlx::core::cpu::qk

#if defined(__x86_64__)
#include <immintrin.h>

namespace mlx::core::cpu::qk {

namespace {

// Rows [r0, r1) for up to 4 rows of x. A step is 32 bytes of one row of w
// (64 4-bit or 32 8-bit codes); each of its 8 int32 lanes sums an eighth of
// the step's codes, which lie in one group (groups have 16 codes or more).
// M is a template argument so that the accumulators stay in registers.
// P: the parameters' storage (quantized_params_avx2.h): 0 float32 rows
// from row0, 1 float16 or 2 bfloat16 as stored (indexed from row 0).
template <int B, int M, int P>
__attribute__((target("avx2,fma,f16c"))) void int8_rows(int group_size, const Rows& rows, const int8_t* xq,
                                                        const float* xd, const float* xs, const float* xe,
                                                        int K, int N, int64_t r0, int64_t r1, float* y) {
  constexpr int step = 256 / B;
  const int groups = K / group_size;
  const int steps = K / step;
  // Groups per step (1 when a group spans steps), and the lane shift that
  // maps a lane to its group within the step.
  const int gps = std::max(1, step / group_size);
  const int g_shift = __builtin_ctz(group_size); // group sizes are powers of two
  const int lane_shift = gps == 1 ? 3 : (gps == 2 ? 2 : 1);
  const __m256i lane_idx = _mm256_srli_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), lane_shift);
  const __m256i nib = _mm256_set1_epi8(0x0F);
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* wb = reinterpret_cast<const uint8_t*>(rows.w + r * rows.row_words);
    prefetch_ahead(wb + kPrefetchBytes, rows.row_words * 4);
    const void* sr = P == 0 ? static_cast<const void*>(rows.scales) : rows.pscales;
    const void* br = P == 0 ? static_cast<const void*>(rows.biases) : rows.pbiases;
    const int64_t p0 = (P == 0 ? r - rows.row0 : r) * rows.row_groups;
    // The parameters' short per-row streams, kPrefetchRows rows ahead.
    const int64_t psize = P == 0 ? 4 : 2, pahead = (p0 + kPrefetchRows * rows.row_groups) * psize;
    prefetch_ahead(static_cast<const char*>(sr) + pahead, rows.row_groups * psize);
    prefetch_ahead(static_cast<const char*>(br) + pahead, rows.row_groups * psize);
    __m256 acc[M];
    for (int m = 0; m < M; ++m) {
      acc[m] = _mm256_setzero_ps();
    }
    for (int st = 0; st < steps; ++st) {
      __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + st * 32));
      __m256i lo, hi, mag;
      if constexpr (B == 4) {
        lo = _mm256_and_si256(v, nib);
        hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
      } else {
        // code - 128 as int8: |.| (128 fits as unsigned) times x with its sign.
        v = _mm256_xor_si256(v, flip);
        mag = _mm256_abs_epi8(v);
      }
      int g0 = (st * step) >> g_shift;
      for (int m = 0; m < M; ++m) {
        const int8_t* xp = xq + int64_t(m) * K + st * step;
        __m256i p;
        if constexpr (B == 4) {
          __m256i xa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xp));
          __m256i xb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xp + 32));
          p = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xa), _mm256_maddubs_epi16(hi, xb));
        } else {
          __m256i xa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xp));
          p = _mm256_maddubs_epi16(mag, _mm256_sign_epi8(xa, v));
        }
        __m256 f = _mm256_cvtepi32_ps(_mm256_madd_epi16(p, ones));
        const float* dm = xd + int64_t(m) * groups + g0;
        __m256 sc;
        if (gps == 1) {
          sc = _mm256_set1_ps(param1<P>(sr, p0 + g0) * dm[0]);
        } else {
          __m128 s4 = _mm256_castps256_ps128(params<P>(sr, p0 + g0, gps)), d4;
          if (gps == 2) {
            d4 = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(dm)));
          } else {
            d4 = _mm_loadu_ps(dm);
          }
          sc = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_mul_ps(s4, d4)), lane_idx);
        }
        acc[m] = _mm256_fmadd_ps(f, sc, acc[m]);
      }
    }
    for (int m = 0; m < M; ++m) {
      // 8 bits: codes offset by -128, so the bias gains 128 s. 4 bits:
      // unsigned codes; offsetting them by -8 adds 8 s (xs - d sum xq).
      const float* sm = xs + int64_t(m) * groups;
      const float* em = xe + int64_t(m) * groups;
      const __m256 o = _mm256_set1_ps(B == 8 ? 128.0f : 8.0f);
      const float* sv = B == 8 ? sm : em;
      __m256 t = acc[m];
      int g = 0;
      for (; g + 8 <= groups; g += 8) {
        __m256 b = _mm256_mul_ps(params<P>(br, p0 + g, 8), _mm256_loadu_ps(sm + g));
        t = _mm256_add_ps(
            t, _mm256_fmadd_ps(_mm256_mul_ps(o, params<P>(sr, p0 + g, 8)), _mm256_loadu_ps(sv + g), b));
      }
      float tail = 0;
      for (; g < groups; ++g) {
        tail += param1<P>(br, p0 + g) * sm[g] + (B == 8 ? 128.0f : 8.0f) * param1<P>(sr, p0 + g) * sv[g];
      }
      y[int64_t(m) * N + r] = hsum(t) + tail;
    }
  }
}

} // namespace

void int8_qmv(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd, const float* xs,
              const float* xe, int M, int K, int N, int64_t r0, int64_t r1, float* y) {
  for (int m0 = 0; m0 < M; m0 += 4) {
    int mc = std::min(4, M - m0);
    int groups = K / group_size;
    const int8_t* q = xq + int64_t(m0) * K;
    const float* d = xd + int64_t(m0) * groups;
    const float* s = xs + int64_t(m0) * groups;
    const float* e = xe + int64_t(m0) * groups;
    float* ym = y + int64_t(m0) * N;
    auto run = [&](auto b, auto m) {
      constexpr int B = decltype(b)::value, Mc = decltype(m)::value;
      auto kernel = rows.ptype == 1   ? int8_rows<B, Mc, 1>
                    : rows.ptype == 2 ? int8_rows<B, Mc, 2>
                                      : int8_rows<B, Mc, 0>;
      kernel(group_size, rows, q, d, s, e, K, N, r0, r1, ym);
    };
    auto with_m = [&](auto b) {
      switch (mc) {
        case 1:
          return run(b, std::integral_constant<int, 1>());
        case 2:
          return run(b, std::integral_constant<int, 2>());
        case 3:
          return run(b, std::integral_constant<int, 3>());
        default:
          return run(b, std::integral_constant<int, 4>());
      }
    };
    if (bits == 4) {
      with_m(std::integral_constant<int, 4>());
    } else {
      with_m(std::integral_constant<int, 8>());
    }
  }
}

} // namespace mlx::core::cpu::qk

#else

namespace mlx::core::cpu::qk {
void int8_qmv(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd, const float* xs,
              const float* xe, int M, int K, int N, int64_t r0, int64_t r1, float* y) {
  int8_qmv_reference(bits, group_size, rows, xq, xd, xs, xe, M, K, N, r0, r1, y);
}
} // namespace mlx::core::cpu::qk

#endif
