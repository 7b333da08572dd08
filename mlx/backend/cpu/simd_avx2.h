// AVX2 helpers shared by the hand-written AVX2 kernels (quantized matvec,
// attention's decoding case): horizontal sums of float vectors. x86-64 only.
#pragma once

#include <immintrin.h>

namespace mlx::core::cpu {

// The sum of v's eight lanes.
__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// The lane sums of eight vectors, in order: pairwise horizontal adds for
// all eight at once instead of eight separate reductions.
__attribute__((target("avx2,fma"))) inline __m256 sum8(const __m256* v) {
  __m256 a = _mm256_hadd_ps(v[0], v[1]), b = _mm256_hadd_ps(v[2], v[3]);
  __m256 c = _mm256_hadd_ps(v[4], v[5]), d = _mm256_hadd_ps(v[6], v[7]);
  __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);
  return _mm256_add_ps(_mm256_permute2f128_ps(ab, cd, 0x20), _mm256_permute2f128_ps(ab, cd, 0x31));
}

} // namespace mlx::core::cpu
