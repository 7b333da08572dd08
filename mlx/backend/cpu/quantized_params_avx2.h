// Reading quantization parameters (scales, biases) as they are stored, in
// AVX2 registers: the matrix-vector kernels widen 16-bit ones as they go
// instead of copying them to float32 first (quantized_kernels.cpp,
// quantized_int8.cpp). x86-64 only.
#pragma once

#include <cstdint>
#include <cstring>

#include <immintrin.h>

namespace mlx::core::cpu::qk {

// Group parameters as stored: P = 0 float32, 1 float16, 2 bfloat16 (read
// and widened in registers, not copied to float32 first).
template <int P>
__attribute__((target("avx2,fma,f16c"))) inline float param1(const void* p, int64_t i) {
  if constexpr (P == 0) {
    return static_cast<const float*>(p)[i];
  } else {
    __m128i h = _mm_cvtsi32_si128(static_cast<const uint16_t*>(p)[i]);
    return _mm_cvtss_f32(P == 1 ? _mm_cvtph_ps(h) : _mm_castsi128_ps(_mm_slli_epi32(h, 16)));
  }
}

// n (2, 4 or 8) parameters from index i, in the low lanes (the others 0).
template <int P>
__attribute__((target("avx2,fma,f16c"))) inline __m256 params(const void* p, int64_t i, int n) {
  if constexpr (P == 0) {
    const float* f = static_cast<const float*>(p) + i;
    if (n == 8) {
      return _mm256_loadu_ps(f);
    }
    __m128 v;
    if (n == 2) {
      int64_t two; // (a memcpy, not a double load: GCC's aliasing rules)
      std::memcpy(&two, f, 8);
      v = _mm_castsi128_ps(_mm_cvtsi64_si128(two));
    } else {
      v = _mm_loadu_ps(f);
    }
    return _mm256_zextps128_ps256(v);
  } else {
    const uint16_t* h = static_cast<const uint16_t*>(p) + i;
    __m128i v;
    if (n == 8) {
      v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));
    } else if (n == 4) {
      v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(h));
    } else {
      uint32_t two;
      std::memcpy(&two, h, 4);
      v = _mm_cvtsi32_si128(int(two));
    }
    if constexpr (P == 1) {
      return _mm256_cvtph_ps(v);
    } else {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16));
    }
  }
}

} // namespace mlx::core::cpu::qk
