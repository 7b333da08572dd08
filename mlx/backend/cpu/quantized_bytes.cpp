// AVX2 kernels for affine codes of 2, 3, 5 and 6 bits (GGUF's Q2_K, Q3_K,
// Q5_K and Q6_K shapes: groups of 16 or 32), read as a byte stream: 8 codes
// fill B bytes, and one pshufb puts the (one or two) bytes of each code in
// its own 32-bit lane, a variable shift and a mask finish it. x is read in
// its natural order. The generic loops of quantized_kernels.cpp stay the
// reference (and the path of CPUs without AVX2).
#include <algorithm>

#include "mlx/backend/cpu/quantized_kernels.h"
#include "mlx/backend/cpu/simd.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include "mlx/backend/cpu/simd_avx2.h"

namespace mlx::core::cpu::qk {

namespace {

// pshufb control and shifts decoding the 8 codes of B bits that start at
// byte `at` of a 16-byte load (at = 0: loads starting at the codes; at = 16
// - B: loads ending with them, for the last bytes of a row, so that no load
// passes the row's end).
struct Ctl {
  __m256i shuf, shift, mask;
};

__attribute__((target("avx2,fma"))) Ctl make_ctl(int B, int at) {
  alignas(32) int8_t sh[32];
  alignas(32) int32_t s[8];
  for (int t = 0; t < 8; ++t) {
    int bit = t * B;
    int8_t* c = sh + (t / 4) * 16 + (t % 4) * 4;
    c[0] = int8_t(at + bit / 8);
    // A second byte only where the code reaches into it (so the index stays
    // inside the 16 bytes).
    c[1] = bit % 8 + B > 8 ? int8_t(at + bit / 8 + 1) : int8_t(-128);
    c[2] = c[3] = int8_t(-128);
    s[t] = bit % 8;
  }
  return {_mm256_load_si256(reinterpret_cast<const __m256i*>(sh)),
          _mm256_load_si256(reinterpret_cast<const __m256i*>(s)), _mm256_set1_epi32((1 << B) - 1)};
}

__attribute__((target("avx2,fma"))) inline __m256 decode8(const uint8_t* p, const Ctl& c) {
  __m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  v = _mm256_srlv_epi32(_mm256_shuffle_epi8(v, c.shuf), c.shift);
  return _mm256_cvtepi32_ps(_mm256_and_si256(v, c.mask));
}

// The 8 codes of chunk c (8 codes, B bytes) of a row of row_bytes bytes.
template <int B>
__attribute__((target("avx2,fma"))) inline __m256 chunk(const uint8_t* row, int64_t row_bytes, int64_t c,
                                                        const Ctl& fwd, const Ctl& bwd) {
  int64_t o = c * B;
  return o + 16 <= row_bytes ? decode8(row + o, fwd) : decode8(row + o + B - 16, bwd);
}

// Rows [r0, r1) for M (1 to 4) rows of x: each chunk's codes times the
// group's scale, dotted with x in two chains (even and odd chunks); the
// bias term is biases . xsums.
template <int B, int M>
__attribute__((target("avx2,fma"))) void byte_rows(int group_size, const Rows& rows, const float* x,
                                                   const float* xsums, int K, int N, int64_t r0, int64_t r1,
                                                   float* y) {
  const Ctl fwd = make_ctl(B, 0), bwd = make_ctl(B, 16 - B);
  const int groups = K / group_size, cpg = group_size / 8;
  const int64_t row_bytes = rows.row_words * 4;
  for (int64_t r = r0; r < r1; ++r) {
    const auto* wr = reinterpret_cast<const uint8_t*>(rows.w + r * rows.row_words);
    prefetch_ahead(wr + kPrefetchBytes, row_bytes);
    const float* sr = rows.scales + (r - rows.row0) * rows.row_groups;
    const float* br = rows.biases + (r - rows.row0) * rows.row_groups;
    __m256 acc[2][M];
    for (int m = 0; m < M; ++m) {
      acc[0][m] = acc[1][m] = _mm256_setzero_ps();
    }
    for (int g = 0; g < groups; ++g) {
      const __m256 s = _mm256_broadcast_ss(sr + g);
      for (int j = 0; j < cpg; j += 2) {
        int64_t c = int64_t(g) * cpg + j;
        __m256 q0 = _mm256_mul_ps(s, chunk<B>(wr, row_bytes, c, fwd, bwd));
        __m256 q1 = _mm256_mul_ps(s, chunk<B>(wr, row_bytes, c + 1, fwd, bwd));
        for (int m = 0; m < M; ++m) {
          const float* xm = x + int64_t(m) * K + c * 8;
          acc[0][m] = _mm256_fmadd_ps(q0, _mm256_loadu_ps(xm), acc[0][m]);
          acc[1][m] = _mm256_fmadd_ps(q1, _mm256_loadu_ps(xm + 8), acc[1][m]);
        }
      }
    }
    for (int m = 0; m < M; ++m) {
      const float* xs = xsums + int64_t(m) * groups;
      __m256 b = _mm256_setzero_ps();
      int g = 0;
      for (; g + 8 <= groups; g += 8) {
        b = _mm256_fmadd_ps(_mm256_loadu_ps(br + g), _mm256_loadu_ps(xs + g), b);
      }
      float t = hsum(_mm256_add_ps(_mm256_add_ps(acc[0][m], acc[1][m]), b));
      for (; g < groups; ++g) {
        t += br[g] * xs[g];
      }
      y[int64_t(m) * N + r] = t;
    }
  }
}

template <int B>
void byte_qmv_bits(int group_size, const Rows& rows, const float* x, const float* xsums, int M, int K, int N,
                   int64_t r0, int64_t r1, float* y) {
  int groups = K / group_size;
  for (int m0 = 0; m0 < M; m0 += 4) {
    const float* xm = x + int64_t(m0) * K;
    const float* xs = xsums + int64_t(m0) * groups;
    float* ym = y + int64_t(m0) * N;
    switch (std::min(4, M - m0)) {
      case 1:
        byte_rows<B, 1>(group_size, rows, xm, xs, K, N, r0, r1, ym);
        break;
      case 2:
        byte_rows<B, 2>(group_size, rows, xm, xs, K, N, r0, r1, ym);
        break;
      case 3:
        byte_rows<B, 3>(group_size, rows, xm, xs, K, N, r0, r1, ym);
        break;
      default:
        byte_rows<B, 4>(group_size, rows, xm, xs, K, N, r0, r1, ym);
    }
  }
}

template <int B>
__attribute__((target("avx2,fma"))) void byte_decode_bits(const uint8_t* row, int64_t row_bytes,
                                                          int group_size, int64_t g0, int64_t g1,
                                                          const float* scales, const float* biases,
                                                          float* out) {
  const Ctl fwd = make_ctl(B, 0), bwd = make_ctl(B, 16 - B);
  const int cpg = group_size / 8;
  for (int64_t g = g0; g < g1; ++g) {
    const __m256 s = _mm256_broadcast_ss(scales + (g - g0)), b = _mm256_broadcast_ss(biases + (g - g0));
    float* o = out + (g - g0) * group_size;
    for (int j = 0; j < cpg; ++j) {
      _mm256_storeu_ps(o + j * 8, _mm256_fmadd_ps(chunk<B>(row, row_bytes, g * cpg + j, fwd, bwd), s, b));
    }
  }
}

} // namespace

bool byte_qmv_supported(int bits, int group_size, int K) {
  const bool avx2 = isa() >= Isa::avx2;
  return avx2 && (bits == 2 || bits == 3 || bits == 5 || bits == 6) && group_size % 16 == 0 &&
         int64_t(K) * bits / 8 >= 16;
}

void byte_qmv(int bits, int group_size, const Rows& rows, const float* x, const float* xsums, int M, int K,
              int N, int64_t r0, int64_t r1, float* y) {
  auto f = bits == 2   ? byte_qmv_bits<2>
           : bits == 3 ? byte_qmv_bits<3>
           : bits == 5 ? byte_qmv_bits<5>
                       : byte_qmv_bits<6>;
  f(group_size, rows, x, xsums, M, K, N, r0, r1, y);
}

void byte_decode(int bits, const uint32_t* row, int64_t row_words, int group_size, int64_t g0, int64_t g1,
                 const float* scales, const float* biases, float* out) {
  auto f = bits == 2   ? byte_decode_bits<2>
           : bits == 3 ? byte_decode_bits<3>
           : bits == 5 ? byte_decode_bits<5>
                       : byte_decode_bits<6>;
  f(reinterpret_cast<const uint8_t*>(row), row_words * 4, group_size, g0, g1, scales, biases, out);
}

} // namespace mlx::core::cpu::qk

#else

namespace mlx::core::cpu::qk {
bool byte_qmv_supported(int, int, int) { return false; }
void byte_qmv(int, int, const Rows&, const float*, const float*, int, int, int, int64_t, int64_t, float*) {}
void byte_decode(int, const uint32_t*, int64_t, int, int64_t, int64_t, const float*, const float*, float*) {}
} // namespace mlx::core::cpu::qk

#endif
