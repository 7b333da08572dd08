// Kernels of quantized products: decoding groups of packed codes, and the
// fused decode-and-dot matrix-vector product (quantized_kernels.cpp).
#pragma once

#include <cstdint>

#include "mlx/backend/cpu/simd.h"

namespace mlx::core::cpu::qk {

// Weights are read once per decoding step: the kernels prefetch them
// kPrefetchBytes ahead. The hardware prefetchers alone ramp up too slowly on
// a decoding step's short per-thread streams. (576x576 4-bit, cold, one
// thread: 37.5 -> 32.8 us; SmolLM2 Q4_1 decode 10.2 -> 9.1 ms per token.)
// On AMD the prefetches take the non-temporal hint, which keeps the weights
// out of the outer caches, where they would push out the rest of the step's
// data (the graph's nodes, activations, the KV cache); on Intel that hint
// halves the rate at which a core reads (Xeon with AMX, 2 threads,
// 4096x4096 4-bit: float path 978 -> 537 us, integer path 1017 -> 228 us
// with T0; T1 and T2 as T0), so there lines go to every level.
// The parameters (short streams per row) are prefetched kPrefetchRows rows
// ahead.
constexpr int64_t kPrefetchBytes = 2048;
constexpr int kPrefetchRows = 8;

inline const bool kPrefetchNta = cpu_is_amd();

// Prefetches the cache line of p, a streamed weight (kernels pass nta, read
// once before their loops, so that the flag is not loaded again per line).
inline void prefetch_stream(const void* p, bool nta = kPrefetchNta) {
  if (nta) {
    __builtin_prefetch(p, 0, 0);
  } else {
    __builtin_prefetch(p, 0, 3);
  }
}

// Prefetches n bytes from p, one cache line at a time.
inline void prefetch_ahead(const void* p, int64_t n) {
  for (int64_t i = 0; i < n; i += 64) {
    prefetch_stream(static_cast<const char*>(p) + i);
  }
}

// The rows of one quantized matrix: row r's words at w + r * row_words, its
// groups' parameters at index (r - row0) * row_groups + g (affine: float
// scales and biases, which may hold only the rows from row0 on; fp modes:
// uint8 scale codes, indexed from row 0).
struct Rows {
  const uint32_t* w;
  int64_t row_words;
  const float* scales;
  const float* biases;
  const uint8_t* codes;
  int64_t row_groups;
  int64_t row0 = 0;
  // fast_qmv only: 16-bit parameters read as stored (ptype 1 float16, 2
  // bfloat16; indexed from row 0) instead of widened scales and biases.
  int ptype = 0;
  const uint16_t* pscales = nullptr;
  const uint16_t* pbiases = nullptr;
};

// n float16 (or, with bf16, bfloat16) values widened to float32.
void widen16(const uint16_t* in, bool bf16, int64_t n, float* out);

// out[i] = scale * q_i + bias for the n codes of `bits` bits packed in words,
// the first at bit `shift` of words[0] (groups of 16 3-bit codes start
// mid-word).
void decode_affine(const uint32_t* words, int bits, int n, float scale, float bias, float* out,
                   int shift = 0);

// out[i] = scale * fp4(code_i) (e2m1), 8 codes per word, low nibble first.
void decode_fp4(const uint32_t* words, int n, float scale, float* out);

// out[i] = scale * table[byte_i], 4 bytes per word, low byte first.
void decode_lut8(const uint32_t* words, const float* table, int n, float scale, float* out);

// y[m * N + r] = sum_k x[m * K + k] * w_hat[r, k] for rows r in [r0, r1)
// and m < M. kind: 0 affine (xsums: per (m, group) sums of x), 1 e8m0
// scales, 2 e4m3 scales; scale_table maps scale codes to values, fp8 the
// fp8 codes (bits 8) to values.
void qmv(int kind, int bits, int group_size, const Rows& rows, const float* x, const float* xsums, int M,
         int K, int N, int64_t r0, int64_t r1, float* y, const float* scale_table, const float* fp8);

// The SIMD matrix-vector path (rows of packed words read `lanes` words at a
// time, lane l holding word l's codes; lanes 8 with AVX2, 16 with AVX-512):
// whether it covers the case, and x reordered for it (xp[m * Kp + blk + j *
// lanes + l] = x[m][blk + l * per + j], per = 32 / bits codes per word,
// blocks of lanes * per elements; Kp = fast_qmv_row_length, K rounded up to
// whole blocks, x taken as 0 past K).
// For affine codes (kind 0) x is also scaled by 2^(-j bits), but for the
// last j (exact for normal x; the kernel then reads code j as code *
// 2^(j bits), a mask and no shift): fast_qmv_reorder says whether it did,
// fast_qmv takes it.
bool fast_qmv_supported(int kind, int bits, int group_size, int K);
int64_t fast_qmv_row_length(int bits, int K);
bool fast_qmv_reorder(int kind, int bits, const float* x, int M, int K, float* xp);
void fast_qmv(int kind, int bits, int group_size, const Rows& rows, const float* xp, bool scaled,
              const float* xsums, int M, int K, int N, int64_t r0, int64_t r1, float* y,
              const float* scale_table);
// The AVX-512 kernel fast_qmv runs on AVX-512 hosts (rows of xp at stride
// Kp; quantized_kernels_avx512.cpp).
void fast_qmv16(int kind, int bits, int group_size, const Rows& rows, const float* xp, bool scaled,
                const float* xsums, int M, int K, int64_t Kp, int N, int64_t r0, int64_t r1, float* y,
                const float* scale_table);

// ---- Codes of 2, 3, 5 or 6 bits read as a byte stream (quantized_bytes.cpp,
// AVX2; groups of 16 or more, a multiple of 16: GGUF's Q2_K, Q3_K, Q5_K,
// Q6_K).
bool byte_qmv_supported(int bits, int group_size, int K);
// As qmv for affine codes (x in its natural order).
void byte_qmv(int bits, int group_size, const Rows& rows, const float* x, const float* xsums, int M, int K,
              int N, int64_t r0, int64_t r1, float* y);
// out[(g - g0) * group_size + i] = scales[g - g0] * code + biases[g - g0]
// for the groups [g0, g1) of one row of row_words words.
void byte_decode(int bits, const uint32_t* row, int64_t row_words, int group_size, int64_t g0, int64_t g1,
                 const float* scales, const float* biases, float* out);

} // namespace mlx::core::cpu::qk

namespace mlx::core::cpu::qk {

// ---- Integer-dot products (quantized_int8.cpp): x quantized to int8 per
// weight group, affine codes of 4 or 8 bits dotted in integers.

// The integer-dot instruction set the CPU has: 0 none, 1 AVX2. The one place
// that asks the CPU (a switch of code paths can route it).
int int8_dot_level();

// What MLX_QMM_INT8 asks for, read at every product: 0 (unset, empty or
// "0") the float path, which keeps MLX's results (the default); 2
// ("reference") the integer path's plain loops; 1 (anything else) its SIMD
// kernels.
int int8_qmv_mode();

// Whether the integer-dot path covers bits, group_size and K.
bool int8_qmv_supported(int bits, int group_size, int K);

// x (M, K) quantized per group: xq (M, K) int8 (4 bits: reordered per 64
// codes, the even-indexed first), and per (m, group): xd the scale, xs the
// float sum of x, xe = xs - xd * sum(xq) (the rounding's sum).
void int8_quantize_x(int bits, const float* x, int M, int K, int group_size, int8_t* xq, float* xd, float* xs,
                     float* xe);

// y[m * N + r] for rows r in [r0, r1): sum over groups of
// s * xd * ((codes - o) . xq) + (b + o * s) * xs, o = 2^(bits - 1).
// int8_qmv runs the SIMD kernel, int8_qmv_reference the plain loops it is
// checked against.
void int8_qmv(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd, const float* xs,
              const float* xe, int M, int K, int N, int64_t r0, int64_t r1, float* y);
void int8_qmv_reference(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd,
                        const float* xs, const float* xe, int M, int K, int N, int64_t r0, int64_t r1,
                        float* y);

} // namespace mlx::core::cpu::qk

namespace mlx::core::cpu::qk {

// ---- The fixed-point path (quantized_x24.cpp): x per weight group as
// 24-bit fixed point in three int8 digits, 4- or 8-bit affine codes dotted
// with AVX-512 VNNI; within float32's rounding of the float path's result.

// What MLX_QMM_X24 and the CPU allow, read at every product: 0 ("0", or a
// CPU without AVX-512 VNNI or MLX_CPU_ISA below avx512) the float path; 1
// (unset or anything else, with the CPU) the kernel; 2 ("reference") the
// plain loops the kernel is checked against, on any CPU.
int x24_qmv_mode();

// Whether the path covers bits, group_size and K (the CPU aside).
bool x24_qmv_supported(int bits, int group_size, int K);

// Sizes per row of x of x24_quantize_x's outputs: digit bytes, steps.
int64_t x24_bytes_per_row(int bits, int K);
int64_t x24_steps_per_row(int bits, int K);

// x (M, K) as digits xq and per-word steps xd (layout in
// quantized_x24.cpp); false, with nothing usable written, if a group has a
// non-finite element or a nonzero largest magnitude below 2^-100.
bool x24_quantize_x(int bits, const float* x, int M, int K, int group_size, int8_t* xq, float* xd);

// y[m * N + r] for rows r in [r0, r1): sum over groups of s * step * (codes
// . X) + b * xsums. x24_qmv runs the AVX-512 VNNI kernel (16-bit
// parameters as stored), x24_qmv_reference the plain loops (float32
// parameters).
void x24_qmv(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd,
             const float* xsums, int M, int K, int N, int64_t r0, int64_t r1, float* y);
void x24_qmv_reference(int bits, int group_size, const Rows& rows, const int8_t* xq, const float* xd,
                       const float* xsums, int M, int K, int N, int64_t r0, int64_t r1, float* y);

} // namespace mlx::core::cpu::qk
