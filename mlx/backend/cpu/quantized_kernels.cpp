// Decoding of packed codes and the fused quantized matrix-vector product.
// Loops are portable C++ compiled for AVX-512, AVX2 and baseline x86 by
// MLX_SIMD_CLONES (the loader picks the best the CPU has).
#include "mlx/backend/cpu/quantized_kernels.h"

#include <algorithm>

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

// The same for any width: code i in bits [i*bits, (i+1)*bits) of the stream.
inline void codes_any(const uint32_t* words, int bits, int n, float* out) {
  uint32_t mask = (1u << bits) - 1;
  for (int i = 0; i < n; ++i) {
    int p = i * bits;
    uint64_t lo = words[p / 32];
    uint64_t hi = (p % 32 + bits > 32) ? uint64_t(words[p / 32 + 1]) << 32 : 0;
    out[i] = static_cast<float>(((lo | hi) >> (p % 32)) & mask);
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

inline float dot(const float* a, const float* b, int n) {
  float lanes[16] = {};
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int l = 0; l < 16; ++l) {
      lanes[l] += a[i + l] * b[i + l];
    }
  }
  float t = 0;
  for (; i < n; ++i) {
    t += a[i] * b[i];
  }
  for (float l : lanes) {
    t += l;
  }
  return t;
}

// One output row r for every m: groups decoded to raw values, dotted with
// x, then scaled (affine: plus bias times the group's x sum).
template <int B>
MLX_SIMD_CLONES void qmv_rows(int kind, int bits, int group_size, const Rows& rows, const float* x,
                              const float* xsums, int M, int K, int N, int64_t r0, int64_t r1, float* y,
                              const float* scale_table, const float* fp8) {
  float buf[128];
  float acc[8];
  int groups = K / group_size;
  int words_per_group = group_size * bits / 32;
  for (int64_t r = r0; r < r1; ++r) {
    for (int m0 = 0; m0 < M; m0 += 8) {
      int mc = std::min(8, M - m0);
      std::fill(acc, acc + 8, 0.0f);
      const uint32_t* wr = rows.w + r * rows.row_words;
      for (int g = 0; g < groups; ++g) {
        const uint32_t* words = wr + g * words_per_group;
        int64_t gi = r * rows.row_groups + g;
        float scale;
        if (kind == 0) {
          if constexpr (B > 0) {
            codes_pow2<B>(words, group_size, buf);
          } else {
            codes_any(words, bits, group_size, buf);
          }
          scale = rows.scales[gi];
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
          float d = dot(buf, x + int64_t(m0 + m) * K + g * group_size, group_size);
          acc[m] += scale * d;
          if (kind == 0) {
            acc[m] += rows.biases[gi] * xsums[int64_t(m0 + m) * groups + g];
          }
        }
      }
      for (int m = 0; m < mc; ++m) {
        y[int64_t(m0 + m) * N + r] = acc[m];
      }
    }
  }
}

} // namespace

void decode_affine(const uint32_t* words, int bits, int n, float scale, float bias, float* out) {
  codes(words, bits, n, out);
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
  } else {
    qmv_rows<0>(kind, bits, group_size, rows, x, xsums, M, K, N, r0, r1, y, scale_table, fp8);
  }
}

} // namespace mlx::core::cpu::qk
