// Decoding of packed codes and the fused quantized matrix-vector product.
// Loops are portable C++ compiled for AVX-512, AVX2 and baseline x86 by
// simd() (simd.h picks the instruction set at run time).
#include "mlx/backend/cpu/quantized_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "mlx/backend/cpu/simd.h"

namespace mlx::core::cpu::qk {

namespace {

constexpr float kFp4[16] = {0.0f,  0.5f,  1.0f,  1.5f,  2.0f,  3.0f,  4.0f,  6.0f,
                            -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f};

// The n codes (as floats) of a power-of-two width B packed in words.
template <int B>
inline void codes_pow2(const uint32_t* words, int n, float* out) {
  constexpr int per = 32 / B;
  constexpr uint32_t mask = (1u << B) - 1;
  for (int i = 0; i < n / per; ++i) {
    uint32_t v = words[i];
    for (int j = 0; j < per; ++j) {
      out[i * per + j] = static_cast<float>((v >> (j * B)) & mask);
    }
  }
}

// The same for any width: code i in bits [shift + i*bits, ...) of the stream.
inline void codes_any(const uint32_t* words, int bits, int n, float* out, int shift = 0) {
  uint32_t mask = (1u << bits) - 1;
  for (int i = 0; i < n; ++i) {
    int p = shift + i * bits;
    uint64_t lo = words[p / 32];
    uint64_t hi = (p % 32 + bits > 32) ? uint64_t(words[p / 32 + 1]) << 32 : 0;
    out[i] = static_cast<float>(((lo | hi) >> (p % 32)) & mask);
  }
}

// The same for B = 3, 5 or 6 from a byte-aligned start: 8 codes fill B
// bytes, read as one little-endian integer (n a multiple of 8).
template <int B>
inline void codes_bytes(const uint8_t* bytes, int n, float* out) {
  constexpr uint64_t mask = (1u << B) - 1;
  for (int j = 0; j < n / 8; ++j) {
    // Loads of 2 or 4 bytes and one of the rest combined in registers (a
    // B-byte memcpy into a uint64 stalls store forwarding).
    const uint8_t* b = bytes + j * B;
    uint64_t v;
    if constexpr (B == 3) {
      uint16_t lo;
      std::memcpy(&lo, b, 2);
      v = lo | (uint64_t(b[2]) << 16);
    } else {
      uint32_t lo;
      std::memcpy(&lo, b, 4);
      uint64_t hi = b[4];
      if constexpr (B == 6) {
        hi |= uint64_t(b[5]) << 8;
      }
      v = lo | (hi << 32);
    }
    for (int t = 0; t < 8; ++t) {
      out[8 * j + t] = static_cast<float>((v >> (t * B)) & mask);
    }
  }
}

inline void codes(const uint32_t* words, int bits, int n, float* out) {
  switch (bits) {
    case 2:
      codes_pow2<2>(words, n, out);
      break;
    case 4:
      codes_pow2<4>(words, n, out);
      break;
    case 8:
      codes_pow2<8>(words, n, out);
      break;
    default:
      codes_any(words, bits, n, out);
  }
}

// One output row r for every m: groups decoded to raw values, dotted with
// x, then scaled (affine: plus bias times the group's x sum).
template <int B>
void qmv_rows(int kind, int bits, int group_size, const Rows& rows, const float* x, const float* xsums, int M,
              int K, int N, int64_t r0, int64_t r1, float* y, const float* scale_table, const float* fp8) {
  simd(MLX_SIMD_LAMBDA {
    float buf[128];
    // 8 lanes per row of x, summed once per output (no horizontal sum per
    // group); group sizes are multiples of 8.
    float acc[8][8], bacc[8];
    int groups = K / group_size;
    int group_bits = group_size * bits;
    for (int64_t r = r0; r < r1; ++r) {
      for (int m0 = 0; m0 < M; m0 += 8) {
        int mc = std::min(8, M - m0);
        for (int m = 0; m < 8; ++m) {
          std::fill(acc[m], acc[m] + 8, 0.0f);
          bacc[m] = 0.0f;
        }
        const uint32_t* wr = rows.w + r * rows.row_words;
        for (int g = 0; g < groups; ++g) {
          const uint32_t* words = wr + g * group_bits / 32;
          int64_t gi = r * rows.row_groups + g;
          float scale;
          if (kind == 0) {
            if constexpr (B == 2 || B == 4 || B == 8) {
              codes_pow2<B>(words, group_size, buf);
            } else if constexpr (B > 0) {
              codes_bytes<B>(reinterpret_cast<const uint8_t*>(wr) + g * group_bits / 8, group_size, buf);
            } else {
              codes_any(words, bits, group_size, buf, g * group_bits % 32);
            }
            scale = rows.scales[gi - rows.row0 * rows.row_groups];
          } else {
            if (bits == 4) {
              for (int i = 0; i < group_size; ++i) {
                buf[i] = kFp4[(words[i / 8] >> (4 * (i % 8))) & 15];
              }
            } else {
              for (int i = 0; i < group_size; ++i) {
                buf[i] = fp8[(words[i / 4] >> (8 * (i % 4))) & 255];
              }
            }
            scale = scale_table[rows.codes[gi]];
          }
          for (int m = 0; m < mc; ++m) {
            const float* xm = x + int64_t(m0 + m) * K + g * group_size;
            float p[8] = {};
            for (int i = 0; i < group_size; i += 8) {
              for (int l = 0; l < 8; ++l) {
                p[l] += buf[i + l] * xm[i + l];
              }
            }
            for (int l = 0; l < 8; ++l) {
              acc[m][l] += scale * p[l];
            }
            if (kind == 0) {
              bacc[m] += rows.biases[gi - rows.row0 * rows.row_groups] * xsums[int64_t(m0 + m) * groups + g];
            }
          }
        }
        for (int m = 0; m < mc; ++m) {
          float t = bacc[m];
          for (int l = 0; l < 8; ++l) {
            t += acc[m][l];
          }
          y[int64_t(m0 + m) * N + r] = t;
        }
      }
    }
  });
}

} // namespace

#if defined(__x86_64__)
bool widen16_f16c(const uint16_t* in, int64_t n, float* out);
#endif

void widen16(const uint16_t* in, bool bf16, int64_t n, float* out) {
  if (bf16) {
    for (int64_t i = 0; i < n; ++i) {
      uint32_t b = uint32_t(in[i]) << 16;
      std::memcpy(out + i, &b, 4);
    }
    return;
  }
#if defined(__x86_64__)
  if (widen16_f16c(in, n, out)) {
    return;
  }
#endif
  for (int64_t i = 0; i < n; ++i) {
    // IEEE half: sign, 5-bit exponent, 10-bit mantissa.
    uint32_t h = in[i], sign = (h & 0x8000u) << 16, e = (h >> 10) & 31, m = h & 1023;
    float v = e == 0    ? std::ldexp(float(m), -24)
              : e == 31 ? (m ? NAN : INFINITY)
                        : std::ldexp(float(m | 1024), int(e) - 25);
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    bits |= sign;
    std::memcpy(out + i, &bits, 4);
  }
}

#if defined(__x86_64__)
bool decode_avx2(const uint32_t* words, int bits, int n, float scale, float bias, float* out);
#endif

void decode_affine(const uint32_t* words, int bits, int n, float scale, float bias, float* out, int shift) {
#if defined(__x86_64__)
  if (shift == 0 && decode_avx2(words, bits, n, scale, bias, out)) {
    return;
  }
#endif
  if (shift != 0) {
    codes_any(words, bits, n, out, shift);
  } else {
    codes(words, bits, n, out);
  }
  for (int i = 0; i < n; ++i) {
    out[i] = scale * out[i] + bias;
  }
}

void decode_fp4(const uint32_t* words, int n, float scale, float* out) {
  for (int i = 0; i < n; ++i) {
    out[i] = scale * kFp4[(words[i / 8] >> (4 * (i % 8))) & 15];
  }
}

void decode_lut8(const uint32_t* words, const float* table, int n, float scale, float* out) {
  for (int i = 0; i < n; ++i) {
    out[i] = scale * table[(words[i / 4] >> (8 * (i % 4))) & 255];
  }
}

void qmv(int kind, int bits, int group_size, const Rows& rows, const float* x, const float* xsums, int M,
         int K, int N, int64_t r0, int64_t r1, float* y, const float* scale_table, const float* fp8) {
  if (kind == 0 && bits == 4) {
    qmv_rows<4>(kind, bits, group_size, rows, x, xsums, M, K, N, r0, r1, y, scale_table, fp8);
  } else if (kind == 0 && bits == 8) {
    qmv_rows<8>(kind, bits, group_size, rows, x, xsums, M, K, N, r0, r1, y, scale_table, fp8);
  } else if (kind == 0 && bits == 2) {
    qmv_rows<2>(kind, bits, group_size, rows, x, xsums, M, K, N, r0, r1, y, scale_table, fp8);
  } else if (kind == 0 && group_size % 8 == 0 && (bits == 3 || bits == 5 || bits == 6)) {
    auto f = bits == 3 ? qmv_rows<3> : bits == 5 ? qmv_rows<5> : qmv_rows<6>;
    f(kind, bits, group_size, rows, x, xsums, M, K, N, r0, r1, y, scale_table, fp8);
  } else {
    qmv_rows<0>(kind, bits, group_size, rows, x, xsums, M, K, N, r0, r1, y, scale_table, fp8);
  }
}

} // namespace mlx::core::cpu::qk

// ---- AVX2: 8 words per load; lane l decodes word l's codes one shift at a
// time, so x is read in the matching order (fast_qmv_reorder).

#if defined(__x86_64__)
#include <immintrin.h>

#include "mlx/backend/cpu/quantized_fast_dispatch.h"
#include "mlx/backend/cpu/quantized_params_avx2.h"
#include "mlx/backend/cpu/simd_avx2.h"

namespace mlx::core::cpu::qk {

namespace {

// The scale of each lane's word: one group per block (broadcast), or 2 or
// 4 groups (words_per_group 4 or 2), spread over the lanes by a permute;
// s0 the index of the row's first scale.
template <int P>
__attribute__((target("avx2,fma,f16c"))) inline __m256 lane_scales(const void* s, int64_t s0, int64_t word0,
                                                                   int wpg_shift) {
  int64_t i = s0 + (word0 >> wpg_shift);
  if (wpg_shift >= 3) {
    return _mm256_set1_ps(param1<P>(s, i));
  }
  __m256 few = params<P>(s, i, wpg_shift == 2 ? 2 : 4);
  __m256i idx = _mm256_srli_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), wpg_shift);
  return _mm256_permutevar8x32_ps(few, idx);
}

// kind 0: affine codes of B bits; kind 1/2: fp4 codes (B = 4) with scale
// codes looked up in scale_table.
// M (rows of x, 1 to 4) is a template argument so that the accumulators
// stay in registers.
// S: x was pre-scaled (fast_qmv_reorder), code j of each word is read as
// code * 2^(j B) (a mask, no shift; the last one a shift, no mask).
template <int B, bool FP4, int M, int P, bool S>
__attribute__((target("avx2,fma,f16c"))) void fast_rows(int group_size, const Rows& rows, const float* xp,
                                                        const float* xsums, int K, int N, int64_t r0,
                                                        int64_t r1, float* y, const float* scale_table) {
  constexpr int per = 32 / B;
  constexpr int blk = 8 * per;
  const int wpg = group_size * B / 32;
  const int wpg_shift = __builtin_ctz(wpg);
  const int groups = K / group_size;
  const int nblk = K / blk;
  const __m256i mask = _mm256_set1_epi32((1 << B) - 1);
  const __m256 lut = _mm256_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f);
  const bool nta = kPrefetchNta;
  float gscale[64];
  __m256 pending[8];
  // Code j's mask where it lies (S), built once: GCC otherwise rebuilds
  // each from an immediate in every block (three instructions apiece).
  __m256i in_place[per];
  for (int j = 0; j < per; ++j) {
    in_place[j] = _mm256_set1_epi32(((1 << B) - 1) << (j * B));
  }
  for (int64_t r = r0; r < r1; ++r) {
    const uint32_t* wr = rows.w + r * rows.row_words;
    // Parameters: widened float32 rows (from row0), or as stored (P > 0).
    const void* sr;
    int64_t s0 = 0;
    if constexpr (FP4) {
      // Scale codes decoded once per row (at most 64 per stack chunk).
      sr = gscale;
    } else if constexpr (P == 0) {
      sr = rows.scales;
      s0 = (r - rows.row0) * rows.row_groups;
    } else {
      sr = rows.pscales;
      s0 = r * rows.row_groups;
    }
    if constexpr (!FP4) {
      // The parameter streams are short per row: a row's fetched a few
      // rows ahead.
      const int64_t psize = P == 0 ? 4 : 2, ahead = (s0 + kPrefetchRows * rows.row_groups) * psize;
      const void* br = P == 0 ? static_cast<const void*>(rows.biases) : rows.pbiases;
      prefetch_ahead(static_cast<const char*>(sr) + ahead, rows.row_groups * psize);
      prefetch_ahead(static_cast<const char*>(br) + ahead, rows.row_groups * psize);
    }
    __m256 acc[M];
    for (int m = 0; m < M; ++m) {
      acc[m] = _mm256_setzero_ps();
    }
    int g_base = 0;
    for (int b = 0; b < nblk; ++b) {
      if constexpr (FP4) {
        int g = (b * 8) >> wpg_shift;
        if (b == 0 || g + 8 > g_base + 64) {
          g_base = g;
          int n = std::min(64, groups - g_base);
          for (int i = 0; i < n; ++i) {
            gscale[i] = scale_table[rows.codes[r * rows.row_groups + g_base + i]];
          }
        }
      }
      int64_t word0 = int64_t(b) * 8;
      __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wr + word0));
      if ((b & 1) == 0) {
        prefetch_stream(reinterpret_cast<const char*>(wr + word0) + kPrefetchBytes, nta);
      }
      __m256 s = lane_scales<FP4 ? 0 : P>(sr, s0, word0 - (int64_t(g_base) << wpg_shift), wpg_shift);
      __m256 q[per];
      for (int j = 0; j < per; ++j) {
        if constexpr (S) {
          __m256i c = j == per - 1 ? _mm256_srli_epi32(v, j * B) : _mm256_and_si256(v, in_place[j]);
          q[j] = _mm256_cvtepi32_ps(c);
          continue;
        }
        __m256i c = _mm256_and_si256(_mm256_srli_epi32(v, j * B), mask);
        if constexpr (FP4) {
          __m256 mag = _mm256_permutevar8x32_ps(lut, c);
          __m256i sign = _mm256_slli_epi32(_mm256_srli_epi32(c, 3), 31);
          q[j] = _mm256_xor_ps(mag, _mm256_castsi256_ps(sign));
        } else {
          q[j] = _mm256_cvtepi32_ps(c);
        }
      }
      for (int m = 0; m < M; ++m) {
        const float* xb = xp + int64_t(m) * K + int64_t(b) * blk;
        // Four independent chains (one would wait on each FMA's latency).
        __m256 part[4];
        for (int j = 0; j < 4; ++j) {
          part[j] = _mm256_mul_ps(q[j], _mm256_loadu_ps(xb + j * 8));
        }
        for (int j = 4; j < per; ++j) {
          part[j % 4] = _mm256_fmadd_ps(q[j], _mm256_loadu_ps(xb + j * 8), part[j % 4]);
        }
        __m256 sum = _mm256_add_ps(_mm256_add_ps(part[0], part[1]), _mm256_add_ps(part[2], part[3]));
        acc[m] = _mm256_fmadd_ps(s, sum, acc[m]);
      }
    }
    store_row<M, FP4, P>(acc, rows, s0, xsums, groups, N, r0, r, y, pending);
  }
  finish_rows<M>(r0, r1, y, pending);
}

} // namespace

// 8 codes in order per step: 4 bits, one word shifted per lane; 8 bits,
// 8 bytes widened.
__attribute__((target("avx2,fma"))) static void decode_avx2_impl(const uint32_t* words, int bits, int n,
                                                                 float scale, float bias, float* out) {
  const __m256 vs = _mm256_set1_ps(scale), vb = _mm256_set1_ps(bias);
  if (bits == 4) {
    const __m256i shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const __m256i mask = _mm256_set1_epi32(15);
    for (int i = 0; i < n / 8; ++i) {
      __m256i c = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(int(words[i])), shifts), mask);
      _mm256_storeu_ps(out + 8 * i, _mm256_fmadd_ps(_mm256_cvtepi32_ps(c), vs, vb));
    }
    return;
  }
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(words);
  for (int i = 0; i < n / 8; ++i) {
    __m128i b8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes + 8 * i));
    __m256i c = _mm256_cvtepu8_epi32(b8);
    _mm256_storeu_ps(out + 8 * i, _mm256_fmadd_ps(_mm256_cvtepi32_ps(c), vs, vb));
  }
}

__attribute__((target("avx2,f16c"))) static void widen16_impl(const uint16_t* in, int64_t n, float* out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  }
  for (; i < n; ++i) {
    _mm_store_ss(out + i, _mm_cvtph_ps(_mm_cvtsi32_si128(in[i])));
  }
}

bool widen16_f16c(const uint16_t* in, int64_t n, float* out) {
  const bool f16c = isa() >= Isa::avx2;
  if (!f16c) {
    return false;
  }
  widen16_impl(in, n, out);
  return true;
}

bool decode_avx2(const uint32_t* words, int bits, int n, float scale, float bias, float* out) {
  const bool avx2 = isa() >= Isa::avx2;
  if (!avx2 || (bits != 4 && bits != 8) || n % 8 != 0) {
    return false;
  }
  decode_avx2_impl(words, bits, n, scale, bias, out);
  return true;
}

namespace {
// The lanes (words per load) of the kernel fast_qmv runs: 16 on AVX-512
// hosts (fast_rows16), else 8 (fast_rows).
int fast_lanes() { return isa() >= Isa::avx512 ? 16 : 8; }
} // namespace

bool fast_qmv_supported(int kind, int bits, int group_size, int K) {
  const bool avx2 = isa() >= Isa::avx2;
  if (!avx2 || group_size * bits / 32 < 2) {
    return false;
  }
  if (kind == 0) {
    return (bits == 2 || bits == 4 || bits == 8) && K % (8 * 32 / bits) == 0;
  }
  return bits == 4 && K % 64 == 0;
}

int64_t fast_qmv_row_length(int bits, int K) {
  const int64_t blk = int64_t(fast_lanes()) * (32 / bits);
  return (K + blk - 1) / blk * blk;
}

bool fast_qmv_reorder(int kind, int bits, const float* x, int M, int K, float* xp) {
  const int per = 32 / bits, lanes = fast_lanes(), blk = lanes * per;
  const int64_t Kp = fast_qmv_row_length(bits, K);
  // Affine codes: x[j] times 2^(-j bits) but for the last j (read with a
  // shift), exact unless it leaves the normal range (|x| < 2^-96 or not
  // finite: then x is kept as it is).
  // (2 bits: 16 masks per word cost more registers than the shifts save.)
  bool scaled = kind == 0 && bits != 2;
  if (scaled) {
    int out_of_range = 0; // no early exit: the loop vectorizes
    for (int64_t i = 0; i < int64_t(M) * K; ++i) {
      float a = std::abs(x[i]);
      out_of_range |= int(a != 0.0f) & (int(a < 0x1p-96f) | int(!(a <= 3.0e38f)));
    }
    scaled = out_of_range == 0;
  }
  float factor[16];
  for (int j = 0; j < per; ++j) {
    factor[j] = scaled && j < per - 1 ? std::ldexp(1.0f, -j * bits) : 1.0f;
  }
  for (int m = 0; m < M; ++m) {
    const float* xr = x + int64_t(m) * K;
    float* out = xp + int64_t(m) * Kp;
    for (int64_t b = 0; b < Kp / blk; ++b) {
      const float* in = xr + b * blk;
      float* o = out + b * blk;
      // Words in this block: all, or half (a row's last, on 16 lanes), the
      // missing lanes' x then 0.
      const int words = int(std::min<int64_t>(lanes, (K - b * blk) / per));
      for (int j = 0; j < per; ++j) {
        for (int l = 0; l < lanes; ++l) {
          o[j * lanes + l] = l < words ? in[l * per + j] * factor[j] : 0.0f;
        }
      }
    }
  }
  return scaled;
}

void fast_qmv(int kind, int bits, int group_size, const Rows& rows, const float* xp, bool scaled,
              const float* xsums, int M, int K, int N, int64_t r0, int64_t r1, float* y,
              const float* scale_table) {
  if (fast_lanes() == 16) {
    fast_qmv16(kind, bits, group_size, rows, xp, scaled, xsums, M, K, fast_qmv_row_length(bits, K), N, r0, r1,
               y, scale_table);
    return;
  }
  dispatch_fast_rows(kind, bits, M, rows.ptype, scaled,
                     [&](int m0, auto b, auto fp4, auto mc, auto p, auto sc) {
                       constexpr int B = decltype(b)::value, Mc = decltype(mc)::value, P = decltype(p)::value;
                       constexpr bool F = decltype(fp4)::value, S = decltype(sc)::value;
                       const float* xs = kind != 0 ? nullptr : xsums + int64_t(m0) * (K / group_size);
                       fast_rows<B, F, Mc, P, S>(group_size, rows, xp + int64_t(m0) * K, xs, K, N, r0, r1,
                                                 y + int64_t(m0) * N, scale_table);
                     });
}

} // namespace mlx::core::cpu::qk

#else

namespace mlx::core::cpu::qk {
bool fast_qmv_supported(int, int, int, int) { return false; }
int64_t fast_qmv_row_length(int, int K) { return K; }
bool fast_qmv_reorder(int, int, const float*, int, int, float*) { return false; }
void fast_qmv(int, int, int, const Rows&, const float*, bool, const float*, int, int, int, int64_t, int64_t,
              float*, const float*) {}
} // namespace mlx::core::cpu::qk

#endif
