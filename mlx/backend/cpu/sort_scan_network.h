// Bitonic sorting networks over AVX2 registers (sort_scan_vector.cpp), for
// signed 32-bit keys (8 lanes) and signed 64-bit keys (4 lanes). N
// registers hold N * lanes keys in lane order, then register order. Each
// register is sorted first, odd ones descending; each stage then merges
// neighbouring blocks (one ascending, one descending: a bitonic sequence)
// into blocks of twice the size, alternately ascending and descending, by
// compare-exchanges at halving distances: between registers, then between
// lanes. No lane order is reversed inside a stage. Only included where
// MLX_SORT_AVX2 is defined; every function is compiled for AVX2 by target
// attributes and inlined, so the keys stay in registers.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MLX_SORT_AVX2 1

#define AVX2_FN __attribute__((target("avx2,bmi,bmi2,popcnt")))
#define AVX2_INLINE AVX2_FN __attribute__((always_inline)) inline

namespace mlx::core::cpu::network {

using V = __m256i;

// v[0..8) as the rows of an 8x8 matrix of 32-bit lanes, transposed.
AVX2_INLINE void transpose8(V* v) {
  V t[8], u[8];
#pragma GCC unroll 4
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(v[i], v[i + 1]);
    t[i + 1] = _mm256_unpackhi_epi32(v[i], v[i + 1]);
  }
#pragma GCC unroll 2
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
    u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
    u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
    u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
    v[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
  }
}

// Signed 32-bit keys, 8 per register.
struct Lanes32 {
  static constexpr int kLanes = 8;
  static AVX2_INLINE V min(V a, V b) { return _mm256_min_epi32(a, b); }
  static AVX2_INLINE V max(V a, V b) { return _mm256_max_epi32(a, b); }
  static AVX2_INLINE V reverse(V a) {
    // (Not vpermd: slower on some AMD cores.)
    V r = _mm256_shuffle_epi32(a, 0x1B);
    return _mm256_permute2x128_si256(r, r, 1);
  }
  // a keeps the smaller key of each lane (the larger if !asc).
  template <bool asc = true>
  static AVX2_INLINE void exchange(V& a, V& b) {
    V lo = min(a, b), hi = max(a, b);
    a = asc ? lo : hi;
    b = asc ? hi : lo;
  }
  // Lane i against lane i ^ J (mirror: i ^ (2J - 1)), J = 1, 2, 4; the
  // lower lane keeps the smaller key (the larger if !asc).
  template <int J, bool mirror, bool asc = true>
  static AVX2_INLINE V lanes(V a) {
    V b;
    if constexpr (J == 1) {
      b = _mm256_shuffle_epi32(a, 0xB1);
    } else if constexpr (J == 2) {
      b = mirror ? _mm256_shuffle_epi32(a, 0x1B) : _mm256_shuffle_epi32(a, 0x4E);
    } else {
      b = mirror ? reverse(a) : _mm256_permute2x128_si256(a, a, 1);
    }
    constexpr int hi = J == 1 ? 0xAA : J == 2 ? 0xCC : 0xF0;
    return asc ? _mm256_blend_epi32(min(a, b), max(a, b), hi) : _mm256_blend_epi32(max(a, b), min(a, b), hi);
  }
  // The half-cleaners inside each register (distances 4, 2, 1).
  template <bool asc>
  static AVX2_INLINE V clean(V a) {
    return lanes<1, false, asc>(lanes<2, false, asc>(lanes<4, false, asc>(a)));
  }
  // Sorts each of the registers v[0..N) ascending.
  template <int N>
  static AVX2_INLINE void sort_each(V* v) {
    if constexpr (N >= 8) {
      // Batcher's odd-even merge network of 19 comparators sorts each lane
      // column of 8 registers; the transpose turns columns into registers.
#pragma GCC unroll 4
      for (int g = 0; g < N; g += 8) {
        V* w = v + g;
        exchange(w[0], w[1]), exchange(w[2], w[3]), exchange(w[4], w[5]), exchange(w[6], w[7]);
        exchange(w[0], w[2]), exchange(w[1], w[3]), exchange(w[4], w[6]), exchange(w[5], w[7]);
        exchange(w[1], w[2]), exchange(w[5], w[6]);
        exchange(w[0], w[4]), exchange(w[1], w[5]), exchange(w[2], w[6]), exchange(w[3], w[7]);
        exchange(w[2], w[4]), exchange(w[3], w[5]);
        exchange(w[1], w[2]), exchange(w[3], w[4]), exchange(w[5], w[6]);
        transpose8(w);
      }
    } else {
#pragma GCC unroll 32
      for (int r = 0; r < N; ++r) {
        V x = lanes<1, true>(v[r]);
        x = lanes<1, false>(lanes<2, true>(x));
        v[r] = clean<true>(lanes<4, true>(x));
      }
    }
  }
};

// Signed 64-bit keys, 4 per register.
struct Lanes64 {
  static constexpr int kLanes = 4;
  static AVX2_INLINE V min(V a, V b) { return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(a, b)); }
  static AVX2_INLINE V max(V a, V b) { return _mm256_blendv_epi8(b, a, _mm256_cmpgt_epi64(a, b)); }
  static AVX2_INLINE V reverse(V a) {
    V r = _mm256_shuffle_epi32(a, 0x4E);
    return _mm256_permute2x128_si256(r, r, 1);
  }
  template <bool asc = true>
  static AVX2_INLINE void exchange(V& a, V& b) {
    V gt = _mm256_cmpgt_epi64(a, b);
    V lo = _mm256_blendv_epi8(a, b, gt), hi = _mm256_blendv_epi8(b, a, gt);
    a = asc ? lo : hi;
    b = asc ? hi : lo;
  }
  // Lane i against lane i ^ J (mirror: i ^ (2J - 1)), J = 1, 2.
  template <int J, bool mirror, bool asc = true>
  static AVX2_INLINE V lanes(V a) {
    V b;
    if constexpr (J == 1) {
      b = _mm256_shuffle_epi32(a, 0x4E);
    } else {
      b = mirror ? reverse(a) : _mm256_permute2x128_si256(a, a, 1);
    }
    constexpr int hi = J == 1 ? 0xCC : 0xF0;
    return asc ? _mm256_blend_epi32(min(a, b), max(a, b), hi) : _mm256_blend_epi32(max(a, b), min(a, b), hi);
  }
  template <bool asc>
  static AVX2_INLINE V clean(V a) {
    return lanes<1, false, asc>(lanes<2, false, asc>(a));
  }
  // Sorts each of the registers v[0..N) ascending.
  template <int N>
  static AVX2_INLINE void sort_each(V* v) {
#pragma GCC unroll 32
    for (int r = 0; r < N; ++r) {
      v[r] = clean<true>(lanes<2, true>(lanes<1, true>(v[r])));
    }
  }
};

// Compare-exchanges of registers r and r + J for every r with bit J clear,
// the way block K runs (ascending where (r & K) == 0, unless desc), then
// the same at half the distance, down to neighbours.
template <typename L, int N, int K, int J, bool desc>
AVX2_INLINE void half_cleaners(V* v) {
  if constexpr (J >= 1) {
#pragma GCC unroll 32
    for (int r = 0; r < N; ++r) {
      if ((r & J) == 0) {
        if (((r & K) == 0) != desc) {
          L::template exchange<true>(v[r], v[r + J]);
        } else {
          L::template exchange<false>(v[r], v[r + J]);
        }
      }
    }
    half_cleaners<L, N, K, J / 2, desc>(v);
  }
}

// The stage that makes sorted blocks of K registers (ascending where
// (r & K) == 0, else descending; the other way round if desc) out of
// sorted blocks of K / 2 running alternate ways.
template <typename L, int N, int K, bool desc = false>
AVX2_INLINE void merge_stage(V* v) {
  half_cleaners<L, N, K, K / 2, desc>(v);
#pragma GCC unroll 32
  for (int r = 0; r < N; ++r) {
    v[r] = ((r & K) == 0) != desc ? L::template clean<true>(v[r]) : L::template clean<false>(v[r]);
  }
}

template <typename L, int N, int K, bool desc>
AVX2_INLINE void merge_stages(V* v) {
  if constexpr (K <= N) {
    merge_stage<L, N, K, desc>(v);
    merge_stages<L, N, 2 * K, desc>(v);
  }
}

// Sorts the N * L::kLanes keys of v[0..N), ascending (descending if desc).
template <typename L, int N, bool desc = false>
AVX2_INLINE void sort(V* v) {
  L::template sort_each<N>(v);
  // Odd registers run descending (even ones, if desc), as blocks of one
  // register enter the first stage.
#pragma GCC unroll 32
  for (int r = 0; r < N; ++r) {
    if (((r & 1) == 0) == desc) {
      v[r] = L::reverse(v[r]);
    }
  }
  merge_stages<L, N, 2, desc>(v);
}

} // namespace mlx::core::cpu::network

#endif
