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

namespace {
constexpr float kRoundMagic = 12582912.0f; // 1.5 * 2^23
} // namespace

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
        // Rounding to nearest even as std::nearbyint, but inline (adding
        // and taking away 1.5 * 2^23 leaves no fraction bits; GCC calls
        // nearbyintf without SSE4.1: 4096 values took 10 us).
        float r = std::min(127.0f, std::max(-127.0f, v[i] * id));
        out[i] = static_cast<int8_t>((r + kRoundMagic) - kRoundMagic);
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

// The bias terms of one row and one row of x: sum over groups of
// b * xs + o * s * (8 bits: xs; 4 bits: xe). 8 bits: codes offset by -128,
// so the bias gains 128 s. 4 bits: unsigned codes; offsetting them by -8
// adds 8 s (xs - d sum xq).
template <int B, int P>
__attribute__((target("avx2,fma,f16c"))) inline float bias_terms(const void* sr, const void* br, int64_t p0,
                                                                 const float* sm, const float* em,
                                                                 int groups) {
  constexpr float o = B == 8 ? 128.0f : 8.0f;
  const float* sv = B == 8 ? sm : em;
  __m256 t = _mm256_setzero_ps();
  int g = 0;
  for (; g + 8 <= groups; g += 8) {
    __m256 b = _mm256_mul_ps(params<P>(br, p0 + g, 8), _mm256_loadu_ps(sm + g));
    t = _mm256_add_ps(t, _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(o), params<P>(sr, p0 + g, 8)),
                                         _mm256_loadu_ps(sv + g), b));
  }
  float tail = 0;
  for (; g < groups; ++g) {
    tail += param1<P>(br, p0 + g) * sm[g] + o * param1<P>(sr, p0 + g) * sv[g];
  }
  return hsum(t) + tail;
}

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
      y[int64_t(m) * N + r] = hsum(acc[m]) + bias_terms<B, P>(sr, br, p0, xs + int64_t(m) * groups,
                                                              xe + int64_t(m) * groups, groups);
    }
  }
}

// ---- One row of x (decoding): each row of w read in chunks of 8 groups.
// The integer dot products of a chunk's steps are summed per group, so a
// chunk costs one conversion and a few FMAs with its 8 groups' parameters
// instead of a scale broadcast per step (4096x4096 4-bit g64 in cache, 2
// threads: 349 -> 249 us). Long rows are read four at a time, as four
// streams (int8_rows_x1).

// How far ahead in its stream the decoding kernel prefetches w (with
// prefetch_stream's hint, as kPrefetchBytes; 4096x4096 4-bit from memory,
// 2 threads, Zen 2: 29.9 GB/s at 1024 bytes, 29.2 at 512 and 2048, 25.5 at
// 4096, 23.6 without, 27.2 with the T0 hint).
constexpr int64_t kStreamAhead = 1024;

// Rows of at least this many bytes are read four at a time.
constexpr int64_t kFourStreamRowBytes = 1024;

// The int32 dot products of one step (32 bytes of w): lane l sums codes
// [l * step / 8, (l + 1) * step / 8) of the step (4 bits: x reordered per 64
// codes, the even ones first).
template <int B>
__attribute__((target("avx2,fma,f16c"))) inline __m256i step_dots(const uint8_t* w, const int8_t* x) {
  __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
  __m256i p;
  if constexpr (B == 4) {
    const __m256i nib = _mm256_set1_epi8(0x0F);
    __m256i lo = _mm256_and_si256(v, nib), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
    p = _mm256_add_epi16(
        _mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x))),
        _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 32))));
  } else {
    v = _mm256_xor_si256(v, _mm256_set1_epi8(static_cast<char>(0x80))); // code - 128
    __m256i xa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
    p = _mm256_maddubs_epi16(_mm256_abs_epi8(v), _mm256_sign_epi8(xa, v));
  }
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

// The int32 sums of the SPG steps from w, lane by lane.
template <int B, int SPG>
__attribute__((target("avx2,fma,f16c"))) inline __m256i group_dots(const uint8_t* w, const int8_t* x) {
  __m256i t = step_dots<B>(w, x);
  for (int j = 1; j < SPG; ++j) {
    t = _mm256_add_epi32(t, step_dots<B>(w + j * 32, x + j * (256 / B)));
  }
  return t;
}

// The partial sums of two vectors, interleaved: lanes 2k and 2k + 1 get
// a's and b's lanes 2k + 2k+1 (blends and one in-lane shuffle: vphaddd and
// unpacks take the few shuffle pipes, which Zen 2 has one or two of).
__attribute__((target("avx2,fma,f16c"))) inline __m256i pair_sums(__m256i a, __m256i b) {
  return _mm256_add_epi32(_mm256_blend_epi32(a, b, 0xAA),
                          _mm256_shuffle_epi32(_mm256_blend_epi32(b, a, 0xAA), 0xB1));
}

// Of two pair_sums results p (of vectors 0, 1) and q (2, 3): per 128-bit
// half, lane i the total of vector i's four lanes in that half.
__attribute__((target("avx2,fma,f16c"))) inline __m256i quad_sums(__m256i p, __m256i q) {
  return _mm256_add_epi32(_mm256_blend_epi32(p, q, 0xCC),
                          _mm256_shuffle_epi32(_mm256_blend_epi32(q, p, 0xCC), 0x4E));
}

// A chunk's 8 group sums, in group order; groups from n on (the last,
// partial chunk of a row) count 0 and are not read. GPS: groups per step (2
// or 4: lanes in runs of 8 / GPS per group), or 1: a group spans SPG steps.
template <int B, int GPS, int SPG>
__attribute__((target("avx2,fma,f16c"))) inline __m256i chunk_dots(const uint8_t* w, const int8_t* x,
                                                                   int n = 8) {
  constexpr int xs = 256 / B; // x bytes (codes) per step
  const __m256i zero = _mm256_setzero_si256();
  if constexpr (GPS == 1) {
    constexpr int wg = SPG * 32, xg = SPG * xs; // bytes per group
    __m256i v[8];
    for (int i = 0; i < 8; ++i) {
      v[i] = i < n ? group_dots<B, SPG>(w + i * wg, x + i * xg) : zero;
    }
    __m256i a = quad_sums(pair_sums(v[0], v[1]), pair_sums(v[2], v[3]));
    __m256i b = quad_sums(pair_sums(v[4], v[5]), pair_sums(v[6], v[7]));
    // a: groups 0-3 over lanes 0-3 | the same over lanes 4-7; b: groups 4-7.
    return _mm256_add_epi32(_mm256_blend_epi32(a, b, 0xF0), _mm256_permute2x128_si256(a, b, 0x21));
  } else if constexpr (GPS == 2) {
    __m256i v[4];
    for (int i = 0; i < 4; ++i) {
      v[i] = 2 * i < n ? step_dots<B>(w + i * 32, x + i * xs) : zero;
    }
    // Lanes hold groups 0, 2, 4, 6, 1, 3, 5, 7.
    __m256i h = quad_sums(pair_sums(v[0], v[1]), pair_sums(v[2], v[3]));
    return _mm256_permutevar8x32_epi32(h, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  } else {
    __m256i v0 = step_dots<B>(w, x), v1 = n > 4 ? step_dots<B>(w + 32, x + xs) : zero;
    // Lanes hold groups 0, 4, 1, 5, 2, 6, 3, 7.
    return _mm256_permutevar8x32_epi32(pair_sums(v0, v1), _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
  }
}

// Rows [r0, r1) for one row of x, R rows at a time: the range is cut into R
// parts read side by side (row j of each), so that the prefetchers see R
// long sequential streams (4096x4096 4-bit from memory, 2 threads: rows
// r..r+3 together 22 GB/s, quarters 29 GB/s). A row's result is the sum
// over groups of s * (d * dot + o * sv) + b * xs (sv: xs for 8 bits, xe for
// 4; see bias_terms), 8 groups a vector. P as for int8_rows; GPS and SPG as
// for chunk_dots.
template <int B, int P, int GPS, int SPG, int R>
__attribute__((target("avx2,fma,f16c"))) void int8_rows_x1(int group_size, const Rows& rows, const int8_t* xq,
                                                           const float* xd, const float* xs, const float* xe,
                                                           int K, int64_t r0, int64_t r1, float* y) {
  constexpr int step = 256 / B;
  constexpr int chunk_bytes = step * SPG / GPS * B; // 8 groups of group_size * B / 8 bytes
  const int groups = K / group_size;
  const int full = groups / 8, rem = groups % 8; // full chunks, groups after them
  const void* sr = P == 0 ? static_cast<const void*>(rows.scales) : rows.pscales;
  const void* br = P == 0 ? static_cast<const void*>(rows.biases) : rows.pbiases;
  const int64_t psize = P == 0 ? 4 : 2;
  const float* sv = B == 8 ? xs : xe;
  const __m256 o = _mm256_set1_ps(B == 8 ? 128.0f : 8.0f);
  // x's terms of the partial chunk, padded with zeros.
  alignas(32) float d_tail[8] = {}, osv_tail[8] = {}, xs_tail[8] = {};
  for (int g = 0; g < rem; ++g) {
    d_tail[g] = xd[full * 8 + g];
    osv_tail[g] = (B == 8 ? 128.0f : 8.0f) * sv[full * 8 + g];
    xs_tail[g] = xs[full * 8 + g];
  }
  const bool nta = kPrefetchNta;
  const int64_t part = (r1 - r0) / R;
  for (int64_t j = 0; j < part; ++j) {
    const uint8_t* wb[R];
    int64_t row[R], p0[R];
    __m256 acc[R];
    for (int i = 0; i < R; ++i) {
      row[i] = r0 + i * part + j;
      wb[i] = reinterpret_cast<const uint8_t*>(rows.w + row[i] * rows.row_words);
      p0[i] = (P == 0 ? row[i] - rows.row0 : row[i]) * rows.row_groups;
      acc[i] = _mm256_setzero_ps();
      // The parameters' short per-row streams, kPrefetchRows rows ahead.
      const int64_t pahead = (p0[i] + kPrefetchRows * rows.row_groups) * psize;
      prefetch_ahead(static_cast<const char*>(sr) + pahead, rows.row_groups * psize);
      prefetch_ahead(static_cast<const char*>(br) + pahead, rows.row_groups * psize);
    }
    for (int c = 0; c < full; ++c) {
      const int g = c * 8;
      const __m256 d = _mm256_loadu_ps(xd + g), osv = _mm256_mul_ps(o, _mm256_loadu_ps(sv + g));
      const __m256 x_sums = _mm256_loadu_ps(xs + g);
      const int8_t* xc = xq + int64_t(g) * group_size;
#pragma GCC unroll 4
      for (int i = 0; i < R; ++i) {
        const uint8_t* wc = wb[i] + int64_t(c) * chunk_bytes;
#pragma GCC unroll 16
        for (int l = 0; l < chunk_bytes; l += 64) {
          prefetch_stream(wc + kStreamAhead + l, nta);
        }
        __m256 t = _mm256_fmadd_ps(_mm256_cvtepi32_ps(chunk_dots<B, GPS, SPG>(wc, xc)), d, osv);
        acc[i] = _mm256_fmadd_ps(params<P>(sr, p0[i] + g, 8), t,
                                 _mm256_fmadd_ps(params<P>(br, p0[i] + g, 8), x_sums, acc[i]));
      }
    }
    for (int i = 0; i < R; ++i) {
      if (rem > 0) {
        alignas(32) float s_tail[8] = {}, b_tail[8] = {};
        for (int g = 0; g < rem; ++g) {
          s_tail[g] = param1<P>(sr, p0[i] + full * 8 + g);
          b_tail[g] = param1<P>(br, p0[i] + full * 8 + g);
        }
        __m256i dots = chunk_dots<B, GPS, SPG>(wb[i] + int64_t(full) * chunk_bytes,
                                               xq + int64_t(full) * 8 * group_size, rem);
        __m256 t =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_load_ps(d_tail), _mm256_load_ps(osv_tail));
        acc[i] = _mm256_fmadd_ps(_mm256_load_ps(s_tail), t,
                                 _mm256_fmadd_ps(_mm256_load_ps(b_tail), _mm256_load_ps(xs_tail), acc[i]));
      }
      y[row[i]] = hsum(acc[i]);
    }
  }
  if constexpr (R > 1) {
    if (r0 + R * part < r1) {
      int8_rows_x1<B, P, GPS, SPG, 1>(group_size, rows, xq, xd, xs, xe, K, r0 + R * part, r1, y);
    }
  }
}

} // namespace

void int8_qmv(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd, const float* xs,
              const float* xe, int M, int K, int N, int64_t r0, int64_t r1, float* y) {
  // (Groups per step, steps per group.)
  const int gps = std::max(1, (256 / bits) / group_size), spg = std::max(1, group_size / (256 / bits));
  if (M == 1 && spg <= 4) {
    auto run = [&](auto b, auto g, auto sp) {
      constexpr int B = decltype(b)::value, G = decltype(g)::value, S = decltype(sp)::value;
      // Four streams for long rows; short ones (SmolLM2's 576 codes) read
      // as one stream (49152x576 4-bit: 938 us as four, 699 as one).
      auto run_r = [&](auto r) {
        constexpr int R = decltype(r)::value;
        auto kernel = rows.ptype == 1   ? int8_rows_x1<B, 1, G, S, R>
                      : rows.ptype == 2 ? int8_rows_x1<B, 2, G, S, R>
                                        : int8_rows_x1<B, 0, G, S, R>;
        kernel(group_size, rows, xq, xd, xs, xe, K, r0, r1, y);
      };
      if (int64_t(K) * B / 8 >= kFourStreamRowBytes) {
        run_r(std::integral_constant<int, 4>());
      } else {
        run_r(std::integral_constant<int, 1>());
      }
    };
    using One = std::integral_constant<int, 1>;
    using Two = std::integral_constant<int, 2>;
    using Four = std::integral_constant<int, 4>;
    auto with_g = [&](auto b) {
      if (gps == 4) {
        run(b, Four(), One());
      } else if (gps == 2) {
        run(b, Two(), One());
      } else if (spg == 1) {
        run(b, One(), One());
      } else if (spg == 2) {
        run(b, One(), Two());
      } else {
        run(b, One(), Four());
      }
    };
    if (bits == 4) {
      with_g(std::integral_constant<int, 4>());
    } else {
      with_g(std::integral_constant<int, 8>());
    }
    return;
  }
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
