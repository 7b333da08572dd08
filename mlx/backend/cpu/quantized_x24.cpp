// The fixed-point path of quantized products with few rows of x (decoding,
// short prompts), 4- and 8-bit affine codes, on CPUs with AVX-512 VNNI.
//
// The float path (fast_rows16) converts every code to float and does one
// FMA per code: about 35 operations per 128 codes, which on the Xeon (AMX)
// host is 2/3 of memory's speed. Here x is written once per product as
// 24-bit fixed point per weight group, X = round(x * 2^e), in three signed
// 8-bit digits, X = D2 * 2^16 + D1 * 2^8 + D0, and a code's product with x is
// three byte products: vpdpbusd multiplies 64 codes (unsigned bytes) by 64
// digits and adds each four into a 32-bit lane. One block of 128 codes is
// six of them, two shifts, and a conversion and an FMA to apply the
// group's scale: about 16 operations. (8-bit codes: three per block of 64
// codes, D2's sum kept apart; see x24_rows.)
//
// Accuracy: e is the largest with max|x_group| * 2^e < 2^23 - 2^16, so the
// group's largest elements keep 23 bits (22 when their mantissa is within
// 1/128 of the next power of two) and every element's rounding is at most
// half of 2^-e. The error of a product is then within
// sum_g |s_g| * 2^-(e_g + 1) * sum_k q_k, the same order as float32's own
// rounding of the float path's sums; the 32-bit sums of the digits are
// exact. Groups with non-finite x, or whose largest element is nonzero but
// below 2^-100 (2^-e would leave float32's normal range), make the caller
// take the float path.
//
// Layout of x (one row of x, blocks of 16 words: 128 4-bit codes): per
// block, six 64-byte vectors, digits D2, D1, D0 each as (even codes, odd
// codes); byte j of the even vector belongs to code 2j, which is where
// vpdpbusd meets it: word l's bytes 4l..4l+3 hold codes 8l..8l+7, low
// nibbles the even ones. (8-bit codes: 64 a block, three vectors in the
// codes' order.) Per block also 16 floats, lane l the step 2^-e of word l's
// group. A row's last block may be half (8 words): zeros past K.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "mlx/backend/cpu/quantized_kernels.h"
#include "mlx/backend/cpu/simd.h"

#if defined(__x86_64__)
#include "mlx/backend/cpu/quantized_avx512.h"
#endif

namespace mlx::core::cpu::qk {

namespace {

// A block is 16 words: 64 * H codes, H = 8 / bits codes per byte (4 bits:
// 2, 8 bits: 1), and its x is 3 digits * H vectors of 64 bytes. Code k of
// a block: byte k / H of the vectors of position k % H.
int codes_per_byte(int bits) { return 8 / bits; }
int64_t block_codes(int bits) { return 64 * codes_per_byte(bits); }
int64_t block_bytes(int bits) { return 3 * 64 * codes_per_byte(bits); }
int64_t blocks_per_row(int bits, int K) { return (K + block_codes(bits) - 1) / block_codes(bits); }

// Where digit d (0: D2, 1: D1, 2: D0) of a block's code k is.
int64_t digit_at(int bits, int d, int64_t k) {
  const int h = codes_per_byte(bits);
  return (d * h + k % h) * 64 + k / h;
}

// The balanced base-256 digits of the nb blocks' codes of X, each in
// [-128, 127] as |X| < 2^23 - 2^16 (the shifts divide multiples of 256
// exactly), in the layout above.
template <int H>
__attribute__((always_inline)) inline void write_digits(const int32_t* X, int64_t nb, int8_t* out) {
  for (int64_t b = 0; b < nb; ++b) {
    int8_t* o = out + b * 3 * 64 * H;
    const int32_t* Xb = X + b * 64 * H;
    for (int h = 0; h < H; ++h) {
      for (int j = 0; j < 64; ++j) {
        const int32_t v = Xb[H * j + h];
        const int32_t d0 = ((v + 128) & 255) - 128;
        const int32_t x1 = (v - d0) >> 8;
        const int32_t d1 = ((x1 + 128) & 255) - 128;
        o[h * 64 + j] = int8_t((x1 - d1) >> 8);
        o[(H + h) * 64 + j] = int8_t(d1);
        o[(2 * H + h) * 64 + j] = int8_t(d0);
      }
    }
  }
}

float power_of_two(int e) {
  const uint32_t bits = uint32_t(e + 127) << 23;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

bool x24_available() {
#if defined(__x86_64__)
  return isa() >= Isa::avx512 && cpu_has_avx512_vnni();
#else
  return false;
#endif
}

} // namespace

int x24_qmv_mode() {
  const char* v = std::getenv("MLX_QMM_X24");
  if (v && std::strcmp(v, "0") == 0) {
    return 0;
  }
  if (v && std::strcmp(v, "reference") == 0) {
    return 2;
  }
  return x24_available() ? 1 : 0;
}

bool x24_qmv_supported(int bits, int group_size, int K) {
  // (Rows of whole blocks or of half a block more: 8 words.)
  return (bits == 4 || bits == 8) && (group_size == 32 || group_size == 64 || group_size == 128) &&
         K % (256 / bits) == 0 && K > 0;
}

int64_t x24_bytes_per_row(int bits, int K) { return blocks_per_row(bits, K) * block_bytes(bits); }

int64_t x24_steps_per_row(int bits, int K) { return blocks_per_row(bits, K) * 16; }

bool x24_quantize_x(int bits, const float* x, int M, int K, int group_size, int8_t* xq, float* xd) {
  const int groups = K / group_size;
  const int64_t nb = blocks_per_row(bits, K);
  thread_local std::vector<int32_t> fixed;
  thread_local std::vector<float> steps;
  // Every group's values are written below; only the padding past K (to
  // whole blocks) needs zeros.
  fixed.resize(size_t(nb * block_codes(bits)));
  std::fill(fixed.begin() + K, fixed.end(), 0);
  steps.resize(size_t(groups));
  for (int m = 0; m < M; ++m) {
    const float* xr = x + int64_t(m) * K;
    int32_t* X = fixed.data();
    for (int g = 0; g < groups; ++g) {
      const float* xg = xr + int64_t(g) * group_size;
      // max |x| on the bits (nonnegative floats order as their bits; NaN
      // and inf are at or past 0x7f800000): an integer max vectorizes.
      uint32_t top = 0;
      // (Loop bounds and pointers copied to locals inside the lambdas: read
      // through the captured references, GCC assumes the stores may change
      // them and leaves the loops scalar.)
      simd(MLX_SIMD_LAMBDA {
        const int n = group_size;
        const float* src = xg;
        uint32_t t = 0;
        for (int i = 0; i < n; ++i) {
          uint32_t u;
          std::memcpy(&u, src + i, 4);
          t = std::max(t, u & 0x7fffffffu);
        }
        top = t;
      });
      if (top >= 0x7f800000u) {
        return false;
      }
      int32_t* Xg = X + int64_t(g) * group_size;
      if (top == 0) {
        steps[g] = 0.0f;
        std::fill(Xg, Xg + group_size, 0);
        continue;
      }
      if (top < 0x0d800000u) { // 2^-100
        return false;
      }
      // max|x| = 1.f * 2^E; e = 22 - E, or 21 - E once 1.f >= 2 - 2^-6 (then
      // max|x| * 2^(22 - E) would reach 2^23 - 2^16). 2^e and 2^-e are
      // normal floats (E in [-100, 127]), and x * 2^e is exact (or, far
      // below 1/2, rounds to the integer 0 all the same).
      const int E = int(top >> 23) - 127;
      const int e = ((top & 0x7fffffu) < 0x7e0000u ? 22 : 21) - E;
      const float up = power_of_two(e);
      steps[g] = power_of_two(-e);
      simd(MLX_SIMD_LAMBDA {
        const int n = group_size;
        const float* src = xg;
        int32_t* dst = Xg;
        for (int i = 0; i < n; ++i) {
          dst[i] = int32_t(std::nearbyint(src[i] * up));
        }
      });
    }
    int8_t* out = xq + int64_t(m) * nb * block_bytes(bits);
    float* step = xd + int64_t(m) * nb * 16;
    simd(MLX_SIMD_LAMBDA {
      if (bits == 4) {
        write_digits<2>(X, nb, out);
      } else {
        write_digits<1>(X, nb, out);
      }
    });
    // Word i's group: i >> shift; words past K: step 0.
    const int shift = __builtin_ctz(group_size * bits / 32);
    const int64_t words = int64_t(K) * bits / 32;
    for (int64_t i = 0; i < nb * 16; ++i) {
      step[i] = i < words ? steps[i >> shift] : 0.0f;
    }
  }
  return true;
}

void x24_qmv_reference(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd,
                       const float* xsums, int M, int K, int N, int64_t r0, int64_t r1, float* y) {
  const int groups = K / group_size;
  const int64_t nb = blocks_per_row(bits, K);
  const int64_t bc = block_codes(bits), bb = block_bytes(bits);
  const int per = 32 / bits;
  for (int64_t r = r0; r < r1; ++r) {
    const uint32_t* wr = rows.w + r * rows.row_words;
    const int64_t s0 = (r - rows.row0) * rows.row_groups;
    for (int m = 0; m < M; ++m) {
      const int8_t* xm = xq + int64_t(m) * nb * bb;
      double acc = 0;
      for (int g = 0; g < groups; ++g) {
        int64_t dot = 0;
        for (int64_t k = int64_t(g) * group_size; k < int64_t(g + 1) * group_size; ++k) {
          const int8_t* xb = xm + (k / bc) * bb;
          const int64_t X = int64_t(xb[digit_at(bits, 0, k % bc)]) * 65536 +
                            int64_t(xb[digit_at(bits, 1, k % bc)]) * 256 + xb[digit_at(bits, 2, k % bc)];
          dot += int64_t((wr[k / per] >> (bits * (k % per))) & ((1u << bits) - 1)) * X;
        }
        const int64_t word = int64_t(g) * group_size / per;
        const double step = xd[int64_t(m) * nb * 16 + word];
        acc += double(rows.scales[s0 + g]) * step * double(dot) +
               double(rows.biases[s0 + g]) * double(xsums[int64_t(m) * groups + g]);
      }
      y[int64_t(m) * N + r] = float(acc);
    }
  }
}

#if defined(__x86_64__)

#define MLX_TARGET_X24 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx2,fma,f16c")))

namespace {

// Rows [r0, r1) for M rows of x (at xq, xd; groups' sums of x at xsums),
// B-bit codes, parameters stored as P.
template <int B, int M, int P>
MLX_TARGET_X24 void x24_rows(int group_size, const Rows& rows, const int8_t* xq, const float* xd,
                             const float* xsums, int K, int N, int64_t r0, int64_t r1, float* y) {
  constexpr int64_t bc = 512 / B, bb = 3 * 64 * (8 / B); // block_codes, block_bytes
  const int64_t nb = blocks_per_row(B, K);
  const int nfull = int(K / bc);
  const bool half_block = K % bc != 0;
  const int groups = K / group_size;
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512 radix16 = _mm512_set1_ps(65536.0f);
  const bool nta = kPrefetchNta;
  __m256 pending[8];
  BlockScales16<P, false> scales(rows, B, group_size, K, nullptr);
  for (int64_t r = r0; r < r1; ++r) {
    const uint32_t* wr = rows.w + r * rows.row_words;
    scales.start_row(r);
    __m512 acc[M];
    for (int m = 0; m < M; ++m) {
      acc[m] = _mm512_setzero_ps();
    }
    auto block = [&](__m512i v, int b) MLX_TARGET_X24 __attribute__((always_inline)) {
      const __m512 s = scales.at(b);
      __m512i even = v, odd = v;
      if constexpr (B == 4) {
        even = _mm512_and_si512(v, low4);
        odd = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
      }
      for (int m = 0; m < M; ++m) {
        const int8_t* xb = xq + (int64_t(m) * nb + b) * bb;
        auto digit = [&](int i) MLX_TARGET_X24
            __attribute__((always_inline)) { return _mm512_loadu_si512(xb + i * 64); };
        __m512 sum;
        if constexpr (B == 4) {
          // Each dpbusd adds at most 4 * 15 * 128 to a lane: the chain
          // D2 * 2^16 + D1 * 2^8 + D0 stays below 2^30.
          __m512i t = _mm512_dpbusd_epi32(_mm512_setzero_si512(), even, digit(0));
          t = _mm512_dpbusd_epi32(t, odd, digit(1));
          t = _mm512_dpbusd_epi32(_mm512_slli_epi32(t, 8), even, digit(2));
          t = _mm512_dpbusd_epi32(t, odd, digit(3));
          t = _mm512_dpbusd_epi32(_mm512_slli_epi32(t, 8), even, digit(4));
          t = _mm512_dpbusd_epi32(t, odd, digit(5));
          sum = _mm512_cvtepi32_ps(t);
        } else {
          // 8-bit codes: up to 4 * 255 * 128 a lane, so the whole chain
          // would pass 2^31; D2 apart, D1 * 2^8 + D0 below 2^25.
          const __m512i hi = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v, digit(0));
          __m512i lo = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v, digit(1));
          lo = _mm512_dpbusd_epi32(_mm512_slli_epi32(lo, 8), v, digit(2));
          sum = _mm512_fmadd_ps(_mm512_cvtepi32_ps(hi), radix16, _mm512_cvtepi32_ps(lo));
        }
        const __m512 step = _mm512_loadu_ps(xd + (int64_t(m) * nb + b) * 16);
        acc[m] = _mm512_fmadd_ps(sum, _mm512_mul_ps(s, step), acc[m]);
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
    store_row<M, false, P>(t, rows, scales.s0, xsums, groups, N, r0, r, y, pending);
  }
  finish_rows<M>(r0, r1, y, pending);
}

template <int B, int P>
void x24_chunk(int mc, int group_size, const Rows& rows, const int8_t* xq, const float* xd,
               const float* xsums, int K, int N, int64_t r0, int64_t r1, float* y) {
  switch (mc) {
    case 1:
      return x24_rows<B, 1, P>(group_size, rows, xq, xd, xsums, K, N, r0, r1, y);
    case 2:
      return x24_rows<B, 2, P>(group_size, rows, xq, xd, xsums, K, N, r0, r1, y);
    case 3:
      return x24_rows<B, 3, P>(group_size, rows, xq, xd, xsums, K, N, r0, r1, y);
    default:
      return x24_rows<B, 4, P>(group_size, rows, xq, xd, xsums, K, N, r0, r1, y);
  }
}

template <int B>
void x24_chunk_p(int mc, int group_size, const Rows& rows, const int8_t* xq, const float* xd,
                 const float* xsums, int K, int N, int64_t r0, int64_t r1, float* y) {
  if (rows.ptype == 1) {
    x24_chunk<B, 1>(mc, group_size, rows, xq, xd, xsums, K, N, r0, r1, y);
  } else if (rows.ptype == 2) {
    x24_chunk<B, 2>(mc, group_size, rows, xq, xd, xsums, K, N, r0, r1, y);
  } else {
    x24_chunk<B, 0>(mc, group_size, rows, xq, xd, xsums, K, N, r0, r1, y);
  }
}

} // namespace

void x24_qmv(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd,
             const float* xsums, int M, int K, int N, int64_t r0, int64_t r1, float* y) {
  const int groups = K / group_size;
  for (int m0 = 0; m0 < M; m0 += 4) {
    const int mc = std::min(4, M - m0);
    const int8_t* xqm = xq + int64_t(m0) * x24_bytes_per_row(bits, K);
    const float* xdm = xd + int64_t(m0) * x24_steps_per_row(bits, K);
    const float* xs = xsums + int64_t(m0) * groups;
    float* ym = y + int64_t(m0) * N;
    if (bits == 4) {
      x24_chunk_p<4>(mc, group_size, rows, xqm, xdm, xs, K, N, r0, r1, ym);
    } else {
      x24_chunk_p<8>(mc, group_size, rows, xqm, xdm, xs, K, N, r0, r1, ym);
    }
  }
}

#else

void x24_qmv(int, int, const Rows&, const int8_t*, const float*, const float*, int, int, int, int64_t,
             int64_t, float*) {}

#endif

} // namespace mlx::core::cpu::qk
