// The AVX2 sort of 32-bit rows (sort_scan_vector.h). Values become signed
// 32-bit keys whose integer order is the sort order (floats: sign-folded
// bits, -0.0 as 0.0, every NaN as INT32_MAX; uint32: the sign bit
// flipped), sorted with min/max on __m256i:
// - up to 256 keys: a bitonic sorting network over 1 to 32 registers,
//   padded with INT32_MAX (sort_scan_network.h); from 16 registers the
//   two halves sort apart and then merge (fewer keys live at once), and a
//   half that is mostly padding sorts as fewer registers;
// - longer: quicksort, each pass partitioning 8 keys at a time with a
//   permutation from a table and two unaligned stores (the free space at
//   both ends of the range is kept at 8 or more by reading from the side
//   with less), pivots the median of 16 or 64 sorted samples; a range of
//   keys all equal stops, a pivot equal to the maximum splits the keys
//   equal to it off; after 2 log2(n) levels std::sort finishes the range.
// Compiled with target attributes and entered only where isa() >= avx2.
#include "mlx/backend/cpu/sort_scan_vector.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <vector>

#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"

#include "mlx/backend/cpu/sort_scan_network.h"

namespace mlx::core::cpu {

bool vector_sort_enabled() {
#ifdef MLX_SORT_AVX2
  return isa() >= Isa::avx2;
#else
  return false;
#endif
}

#ifdef MLX_SORT_AVX2

namespace {

using namespace network;
using V = __m256i;
using L32 = Lanes32;

// Longest row or quicksort range a network sorts (32 registers).
constexpr size_t kNetworkMax = 256;
// Longest row argsort sorts with a network (of 64-bit pairs).
constexpr size_t kArgNetworkMax = 256;
// Rows from this long split over the pool.
constexpr size_t kThreadedMin = size_t(1) << 17;

// How values of a row become keys and back (in registers and one at a time).
struct KeyCodec {
  static AVX2_INLINE V map(V x) { return x; }
  static AVX2_INLINE V unmap(V k) { return k; }
};

struct UintCodec {
  static AVX2_INLINE V map(V x) { return _mm256_xor_si256(x, _mm256_set1_epi32(INT_MIN)); }
  static AVX2_INLINE V unmap(V k) { return map(k); }
};

// Float bits b: b ^ 0x7FFFFFFF for negative numbers, b otherwise; -0.0
// (key -1) as 0.0, NaNs as INT32_MAX.
struct FloatCodec {
  static AVX2_INLINE V map(V b) {
    V k = _mm256_xor_si256(b, _mm256_and_si256(_mm256_srai_epi32(b, 31), _mm256_set1_epi32(INT_MAX)));
    k = _mm256_sub_epi32(k, _mm256_cmpeq_epi32(k, _mm256_set1_epi32(-1)));
    V nan =
        _mm256_cmpgt_epi32(_mm256_and_si256(b, _mm256_set1_epi32(INT_MAX)), _mm256_set1_epi32(0x7F800000));
    return _mm256_blendv_epi8(k, _mm256_set1_epi32(INT_MAX), nan);
  }
  static AVX2_INLINE V unmap(V k) {
    return _mm256_xor_si256(k, _mm256_and_si256(_mm256_srai_epi32(k, 31), _mm256_set1_epi32(INT_MAX)));
  }
};

// Lanes [0, rem) set.
AVX2_INLINE V head_mask(size_t rem) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(rem)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Sorts the n <= 8N values at a (as keys of codec C) with one network.
// Registers the second half of an N-register network sorts: as few as
// hold the keys past the first half (n > 4N), from 8 registers up.
template <int N>
AVX2_INLINE int half_registers(size_t n) {
  if constexpr (N < 16) {
    return N / 2;
  } else {
    size_t rest = (n - 4 * N + 7) / 8;
    return rest <= N / 8 ? N / 8 : rest <= N / 4 ? N / 4 : N / 2;
  }
}

// Sorts the n <= 8N values at a into dst (as keys of codec C) with one
// network. From 16 registers the halves sort apart (fewer keys live at
// once), the second descending in its last M registers, with padding
// (INT32_MAX) before it; then one stage merges them.
template <int N, typename C>
AVX2_INLINE void network_sort(const int32_t* a, int32_t* dst, size_t n) {
  V v[N];
  size_t full = n / 8, rem = n % 8;
  const V pad = _mm256_set1_epi32(INT_MAX);
  constexpr bool halves = N >= 16;
  const int m = half_registers<N>(n);
  const int shift = halves ? N / 2 - m : 0; // register r holds chunk r - shift
#pragma GCC unroll 32
  for (int r = 0; r < N; ++r) {
    int c = r < N / 2 ? r : r - shift;
    if (r >= N / 2 && r < N / 2 + shift) {
      v[r] = pad;
    } else if (size_t(c) < full) {
      v[r] = C::map(_mm256_loadu_si256(reinterpret_cast<const V*>(a + 8 * c)));
    } else if (size_t(c) == full && rem != 0) {
      V mask = head_mask(rem);
      v[r] = _mm256_blendv_epi8(pad, C::map(_mm256_maskload_epi32(a + 8 * c, mask)), mask);
    } else {
      v[r] = pad;
    }
  }
  if constexpr (halves) {
    network::sort<L32, N / 2>(v);
    if (m == N / 8) {
      network::sort<L32, N / 8, true>(v + N - N / 8);
    } else if (m == N / 4) {
      network::sort<L32, N / 4, true>(v + N - N / 4);
    } else {
      network::sort<L32, N / 2, true>(v + N / 2);
    }
    network::merge_stage<L32, N, N>(v);
  } else {
    network::sort<L32, N>(v);
  }
#pragma GCC unroll 32
  for (int r = 0; r < N; ++r) {
    if (size_t(r) < full) {
      _mm256_storeu_si256(reinterpret_cast<V*>(dst + 8 * r), C::unmap(v[r]));
    } else if (size_t(r) == full && rem != 0) {
      _mm256_maskstore_epi32(dst + 8 * r, head_mask(rem), C::unmap(v[r]));
    }
  }
}

template <typename C>
AVX2_FN void small_sort(const int32_t* a, int32_t* dst, size_t n) {
  if (n <= 8) {
    network_sort<1, C>(a, dst, n);
  } else if (n <= 16) {
    network_sort<2, C>(a, dst, n);
  } else if (n <= 32) {
    network_sort<4, C>(a, dst, n);
  } else if (n <= 64) {
    network_sort<8, C>(a, dst, n);
  } else if (n <= 128) {
    network_sort<16, C>(a, dst, n);
  } else {
    network_sort<32, C>(a, dst, n);
  }
}

template <int N, typename C>
AVX2_INLINE void arg_network_sort(const int32_t* a, size_t n, uint32_t* out) {
  static_assert(N % 2 == 0);
  V v[N];
  const V iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
#pragma GCC unroll 32
  for (int r = 0; r < N; r += 2) {
    size_t base = 4 * size_t(r);
    V valid = head_mask(base >= n ? 0 : n - base);
    V k = C::map(_mm256_maskload_epi32(a + base, valid));
    k = _mm256_blendv_epi8(_mm256_set1_epi32(INT_MAX), k, valid);
    V idx = _mm256_or_si256(_mm256_add_epi32(_mm256_set1_epi32(int(base)), iota),
                            _mm256_andnot_si256(valid, _mm256_set1_epi32(-1)));
    v[r] = _mm256_unpacklo_epi32(idx, k);
    v[r + 1] = _mm256_unpackhi_epi32(idx, k);
  }
  if constexpr (N >= 32) {
    // Halves apart, then one merge: fewer keys live at once.
    network::sort<network::Lanes64, N / 2>(v);
    network::sort<network::Lanes64, N / 2, true>(v + N / 2);
    network::merge_stage<network::Lanes64, N, N>(v);
  } else {
    network::sort<network::Lanes64, N>(v);
  }
#pragma GCC unroll 32
  for (int r = 0; r < N; r += 2) {
    size_t base = 4 * size_t(r);
    if (base >= n) {
      break;
    }
    V lo = _mm256_castps_si256(
        _mm256_shuffle_ps(_mm256_castsi256_ps(v[r]), _mm256_castsi256_ps(v[r + 1]), 0x88));
    lo = _mm256_permute4x64_epi64(lo, 0xD8);
    _mm256_maskstore_epi32(reinterpret_cast<int*>(out + base), head_mask(n - base), lo);
  }
}

template <typename C>
AVX2_FN bool arg_small_sort(const int32_t* a, size_t n, uint32_t* out) {
  if (n <= 8) {
    arg_network_sort<2, C>(a, n, out);
  } else if (n <= 16) {
    arg_network_sort<4, C>(a, n, out);
  } else if (n <= 32) {
    arg_network_sort<8, C>(a, n, out);
  } else if (n <= 64) {
    arg_network_sort<16, C>(a, n, out);
  } else if (n <= 128) {
    arg_network_sort<32, C>(a, n, out);
  } else if (n <= kArgNetworkMax) {
    arg_network_sort<64, C>(a, n, out);
  } else {
    return false;
  }
  return true;
}

// For each mask of lanes above the pivot: the lanes below first, then the
// lanes above (a permutation for _mm256_permutevar8x32_epi32).
struct alignas(32) LanePerm {
  int32_t lane[8];
};
const std::array<LanePerm, 256> kPartitionPerm = [] {
  std::array<LanePerm, 256> t{};
  for (int m = 0; m < 256; ++m) {
    int pos = 0;
    for (int high = 0; high < 2; ++high) {
      for (int lane = 0; lane < 8; ++lane) {
        if (((m >> lane) & 1) == high) {
          t[m].lane[pos++] = lane;
        }
      }
    }
  }
  return t;
}();

// Partitions the 8 keys x around p: stores them at a + wl (the keys not
// above p first) and at a + wr - 8 (the keys above p last), then moves wl
// up and wr down by the counts. With two stores the caller keeps 8 free
// slots at both places; `single` stores once, into exactly 8 free slots.
template <bool single>
AVX2_INLINE void partition8(V x, V p, int32_t* a, size_t& wl, size_t& wr) {
  int m = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, p)));
  V perm = _mm256_load_si256(reinterpret_cast<const V*>(kPartitionPerm[m].lane));
  V y = _mm256_permutevar8x32_epi32(x, perm);
  int above = _mm_popcnt_u32(unsigned(m));
  _mm256_storeu_si256(reinterpret_cast<V*>(a + wl), y);
  if constexpr (!single) {
    _mm256_storeu_si256(reinterpret_cast<V*>(a + wr - 8), y);
  }
  wl += 8 - above;
  wr -= above;
}

// Keys read per step of the partition loop (kUnroll vectors).
constexpr int kUnroll = 8;
constexpr size_t kBlock = 8 * kUnroll;
// The least range partition() takes.
constexpr size_t kPartitionMin = 2 * kBlock;
static_assert(kPartitionMin <= kNetworkMax + 1, "quicksort partitions ranges longer than kNetworkMax");

// Moves the keys of a[0, n) not above `pivot` to the front and returns
// their count; mn and mx get the least and greatest key. The first and
// last kBlock keys wait in registers, so that kBlock slots are free at
// both ends; each step reads kBlock keys from the end with fewer free.
AVX2_FN size_t partition(int32_t* a, size_t n, int32_t pivot, int32_t& mn, int32_t& mx) {
  const V p = _mm256_set1_epi32(pivot);
  V lo_acc = _mm256_set1_epi32(INT_MAX), hi_acc = _mm256_set1_epi32(INT_MIN);
  V held[2 * kUnroll];
  for (int u = 0; u < kUnroll; ++u) {
    held[u] = _mm256_loadu_si256(reinterpret_cast<const V*>(a + 8 * u));
    held[kUnroll + u] = _mm256_loadu_si256(reinterpret_cast<const V*>(a + n - kBlock + 8 * u));
  }
  size_t l = kBlock, r = n - kBlock, wl = 0, wr = n;
  while (r - l >= kBlock) {
    const int32_t* src;
    if (l - wl <= wr - r) {
      src = a + l;
      l += kBlock;
    } else {
      r -= kBlock;
      src = a + r;
    }
    V x[kUnroll];
#pragma GCC unroll 8
    for (int u = 0; u < kUnroll; ++u) {
      x[u] = _mm256_loadu_si256(reinterpret_cast<const V*>(src + 8 * u));
      lo_acc = L32::min(lo_acc, x[u]);
      hi_acc = L32::max(hi_acc, x[u]);
    }
#pragma GCC unroll 8
    for (int u = 0; u < kUnroll; ++u) {
      partition8<false>(x[u], p, a, wl, wr);
    }
  }
  // What is left, the unread middle (through a buffer: the stores below
  // may cover it) and the held keys, fills the free [wl, wr), of the same
  // size: the odd keys one at a time, then whole vectors, the last into
  // its 8 slots with one store.
  alignas(32) int32_t rest[kBlock];
  size_t m = r - l;
  for (size_t i = 0; i < m; i += 8) { // (a memcpy of a few dozen keys costs more)
    V mask = head_mask(std::min<size_t>(m - i, 8));
    _mm256_storeu_si256(reinterpret_cast<V*>(rest + i), _mm256_maskload_epi32(a + l + i, mask));
  }
  size_t odd = m % 8;
  int32_t smin = INT_MAX, smax = INT_MIN;
  for (size_t i = 0; i < odd; ++i) {
    int32_t k = rest[i];
    smin = std::min(smin, k);
    smax = std::max(smax, k);
    if (k > pivot) {
      a[--wr] = k;
    } else {
      a[wl++] = k;
    }
  }
  for (size_t i = odd; i < m; i += 8) {
    V x = _mm256_loadu_si256(reinterpret_cast<const V*>(rest + i));
    lo_acc = L32::min(lo_acc, x);
    hi_acc = L32::max(hi_acc, x);
    partition8<false>(x, p, a, wl, wr);
  }
#pragma GCC unroll 16
  for (int u = 0; u < 2 * kUnroll; ++u) {
    lo_acc = L32::min(lo_acc, held[u]);
    hi_acc = L32::max(hi_acc, held[u]);
    if (u + 1 < 2 * kUnroll) {
      partition8<false>(held[u], p, a, wl, wr);
    } else {
      partition8<true>(held[u], p, a, wl, wr);
    }
  }
  alignas(32) int32_t lanes[16];
  _mm256_store_si256(reinterpret_cast<V*>(lanes), lo_acc);
  _mm256_store_si256(reinterpret_cast<V*>(lanes + 8), hi_acc);
  mn = std::min(smin, *std::min_element(lanes, lanes + 8));
  mx = std::max(smax, *std::max_element(lanes + 8, lanes + 16));
  return wl;
}

// The median of 16 (n < 4096) or 64 keys spread over a[0, n).
AVX2_FN int32_t choose_pivot(const int32_t* a, size_t n) {
  alignas(32) int32_t s[64];
  if (n < 4096) {
    size_t step = n / 16;
    for (int i = 0; i < 16; ++i) {
      s[i] = a[i * step + step / 2];
    }
    network_sort<2, KeyCodec>(s, s, 16);
    return s[7];
  }
  size_t step = n / 64;
  for (int i = 0; i < 64; ++i) {
    s[i] = a[i * step + step / 2];
  }
  network_sort<8, KeyCodec>(s, s, 64);
  return s[31];
}

struct Range {
  int32_t* a;
  size_t n;
  int depth; // partition levels left before std::sort takes over
};

// One quicksort step on r (r.n > kNetworkMax): the two ranges still to
// sort, either of which may be empty.
AVX2_FN void split(const Range& r, Range& left, Range& right) {
  int32_t mn, mx;
  int32_t pivot = choose_pivot(r.a, r.n);
  size_t k = partition(r.a, r.n, pivot, mn, mx);
  left = {r.a, 0, r.depth - 1};
  right = {r.a, 0, r.depth - 1};
  if (mn == mx) {
    return; // all equal
  }
  if (k == r.n) {
    // The pivot is the greatest key: the keys equal to it go last, done.
    k = partition(r.a, r.n, pivot - 1, mn, mx);
    left.n = k;
    return;
  }
  left.n = k;
  right = {r.a + k, r.n - k, r.depth - 1};
}

AVX2_FN void quicksort(Range r) {
  while (r.n > kNetworkMax) {
    if (r.depth <= 0) {
      std::sort(r.a, r.a + r.n);
      return;
    }
    Range left, right;
    split(r, left, right);
    if (left.n < right.n) {
      std::swap(left, right);
    }
    quicksort(right);
    r = left;
  }
  small_sort<KeyCodec>(r.a, r.a, r.n);
}

int depth_limit(size_t n) {
  int d = 0;
  while ((size_t(1) << d) < n) {
    ++d;
  }
  return 2 * d + 4;
}

// Sorts keys, spreading a long row over the pool: each round splits every
// range at once (as tasks) until there are a few per thread, then the
// ranges are sorted as tasks, largest first.
void sort_keys(int32_t* a, size_t n, bool threaded) {
  size_t threads = size_t(num_threads());
  if (!threaded || threads <= 1 || n < kThreadedMin) {
    quicksort({a, n, depth_limit(n)});
    return;
  }
  std::vector<Range> ranges{{a, n, depth_limit(n)}};
  size_t least = std::max(kNetworkMax + 1, n / (16 * threads));
  while (ranges.size() < 4 * threads) {
    std::vector<Range> next(2 * ranges.size());
    parallel_tasks(ranges.size(), [&](size_t i) {
      const Range& r = ranges[i];
      if (r.n >= least && r.depth > 0) {
        split(r, next[2 * i], next[2 * i + 1]);
      } else {
        next[2 * i] = r;
        next[2 * i + 1] = {r.a, 0, r.depth};
      }
    });
    size_t before = ranges.size();
    ranges.clear();
    for (const Range& r : next) {
      if (r.n > 0) {
        ranges.push_back(r);
      }
    }
    if (ranges.size() == before) {
      break;
    }
  }
  std::sort(ranges.begin(), ranges.end(), [](auto& x, auto& y) { return x.n > y.n; });
  parallel_tasks(ranges.size(), [&](size_t i) { quicksort(ranges[i]); });
}

// Maps (C::map) or unmaps a row in place, over the pool when threaded.
template <typename C, bool Map>
void convert(const int32_t* a, int32_t* dst, size_t n, bool threaded) {
  auto body = [a, dst](size_t b, size_t e) AVX2_FN {
    size_t i = b;
    for (; i + 8 <= e; i += 8) {
      V x = _mm256_loadu_si256(reinterpret_cast<const V*>(a + i));
      _mm256_storeu_si256(reinterpret_cast<V*>(dst + i), Map ? C::map(x) : C::unmap(x));
    }
    if (i < e) {
      V m = head_mask(e - i);
      V x = _mm256_maskload_epi32(a + i, m);
      _mm256_maskstore_epi32(dst + i, m, Map ? C::map(x) : C::unmap(x));
    }
  };
  if (threaded) {
    parallel_for(n, kParallelGrain, body);
  } else {
    body(0, n);
  }
}

// Whether float bits b hold a -0.0 or a NaN.
AVX2_FN bool has_zero_sign_or_nan(const int32_t* b, size_t n) {
  V acc = _mm256_setzero_si256();
  const V neg0 = _mm256_set1_epi32(INT_MIN), inf = _mm256_set1_epi32(0x7F800000),
          abs = _mm256_set1_epi32(INT_MAX);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    V x = _mm256_loadu_si256(reinterpret_cast<const V*>(b + i));
    acc = _mm256_or_si256(acc, _mm256_cmpeq_epi32(x, neg0));
    acc = _mm256_or_si256(acc, _mm256_cmpgt_epi32(_mm256_and_si256(x, abs), inf));
  }
  bool any = !_mm256_testz_si256(acc, acc);
  for (; i < n; ++i) {
    any = any || b[i] == INT_MIN || (b[i] & INT_MAX) > 0x7F800000;
  }
  return any;
}

// Sorts the n values at src into dst (src may be dst).
// Copies the bits of the zeros and of the NaNs among float bits b[0, n)
// to zeros and nans (in input order; each with room for n + 8) and
// returns whether one of the zeros is -0.0.
AVX2_FN bool collect_zeros_and_nans(const int32_t* b, size_t n, int32_t* zeros, size_t& zero_count,
                                    int32_t* nans, size_t& nan_count) {
  const V abs = _mm256_set1_epi32(INT_MAX), inf = _mm256_set1_epi32(0x7F800000),
          zero = _mm256_setzero_si256();
  V negative_zero = zero;
  for (size_t i = 0; i < n; i += 8) {
    V valid = head_mask(std::min<size_t>(n - i, 8));
    V x = _mm256_maskload_epi32(b + i, valid);
    V magnitude = _mm256_and_si256(x, abs);
    V is_nan = _mm256_and_si256(_mm256_cmpgt_epi32(magnitude, inf), valid);
    V is_zero = _mm256_and_si256(_mm256_cmpeq_epi32(magnitude, zero), valid);
    negative_zero = _mm256_or_si256(
        negative_zero, _mm256_and_si256(is_zero, _mm256_cmpeq_epi32(x, _mm256_set1_epi32(INT_MIN))));
    // The permutation that puts the lanes of a mask first is the
    // partition's for the lanes outside it.
    int m = _mm256_movemask_ps(_mm256_castsi256_ps(is_nan));
    if (m != 0) {
      V perm = _mm256_load_si256(reinterpret_cast<const V*>(kPartitionPerm[~m & 0xFF].lane));
      _mm256_storeu_si256(reinterpret_cast<V*>(nans + nan_count), _mm256_permutevar8x32_epi32(x, perm));
      nan_count += _mm_popcnt_u32(unsigned(m));
    }
    m = _mm256_movemask_ps(_mm256_castsi256_ps(is_zero));
    if (m != 0) {
      V perm = _mm256_load_si256(reinterpret_cast<const V*>(kPartitionPerm[~m & 0xFF].lane));
      _mm256_storeu_si256(reinterpret_cast<V*>(zeros + zero_count), _mm256_permutevar8x32_epi32(x, perm));
      zero_count += _mm_popcnt_u32(unsigned(m));
    }
  }
  return !_mm256_testz_si256(negative_zero, negative_zero);
}

template <typename C>
void sort_row(const int32_t* src, int32_t* dst, size_t n, bool threaded) {
  if (n <= kNetworkMax) {
    small_sort<C>(src, dst, n);
    return;
  }
  convert<C, true>(src, dst, n, threaded);
  sort_keys(dst, n, threaded);
  convert<C, false>(dst, dst, n, threaded);
}

} // namespace

void vector_sort_keys(int32_t* keys, size_t n, bool threaded) { sort_keys(keys, n, threaded); }

bool vector_sort_row(const float* src, float* dst, size_t n, bool threaded) {
  const int32_t* b = reinterpret_cast<const int32_t*>(src);
  int32_t* d = reinterpret_cast<int32_t*>(dst);
  if (!has_zero_sign_or_nan(b, n)) {
    sort_row<FloatCodec>(b, d, n, threaded);
    return true;
  }
  // The zeros (when a -0.0 is among them) and the NaNs keep their bit
  // patterns in input order, as a stable sort leaves them.
  int32_t zero_store[kNetworkMax + 8], nan_store[kNetworkMax + 8];
  std::vector<int32_t> zero_own, nan_own;
  int32_t* zeros = zero_store;
  int32_t* nans = nan_store;
  if (n > kNetworkMax) {
    zero_own.resize(n + 8);
    nan_own.resize(n + 8);
    zeros = zero_own.data();
    nans = nan_own.data();
  }
  size_t zero_count = 0, nan_count = 0;
  bool signed_zero = collect_zeros_and_nans(b, n, zeros, zero_count, nans, nan_count);
  if (!signed_zero) {
    zero_count = 0;
  }
  sort_row<FloatCodec>(b, d, n, threaded);
  std::memcpy(d + n - nan_count, nans, nan_count * sizeof(int32_t));
  if (zero_count > 0) {
    float* z = std::lower_bound(dst, dst + n - nan_count, 0.0f);
    std::memcpy(z, zeros, zero_count * sizeof(int32_t));
  }
  return true;
}

bool vector_sort_row(const int32_t* src, int32_t* dst, size_t n, bool threaded) {
  sort_row<KeyCodec>(src, dst, n, threaded);
  return true;
}

bool vector_sort_row(const uint32_t* src, uint32_t* dst, size_t n, bool threaded) {
  sort_row<UintCodec>(reinterpret_cast<const int32_t*>(src), reinterpret_cast<int32_t*>(dst), n, threaded);
  return true;
}

bool vector_argsort_row(const float* row, size_t n, uint32_t* out) {
  return arg_small_sort<FloatCodec>(reinterpret_cast<const int32_t*>(row), n, out);
}

bool vector_argsort_row(const int32_t* row, size_t n, uint32_t* out) {
  return arg_small_sort<KeyCodec>(row, n, out);
}

bool vector_argsort_row(const uint32_t* row, size_t n, uint32_t* out) {
  return arg_small_sort<UintCodec>(reinterpret_cast<const int32_t*>(row), n, out);
}

#else

bool vector_argsort_row(const float*, size_t, uint32_t*) { return false; }
bool vector_argsort_row(const int32_t*, size_t, uint32_t*) { return false; }
bool vector_argsort_row(const uint32_t*, size_t, uint32_t*) { return false; }
void vector_sort_keys(int32_t*, size_t, bool) {}
bool vector_sort_row(const float*, float*, size_t, bool) { return false; }
bool vector_sort_row(const int32_t*, int32_t*, size_t, bool) { return false; }
bool vector_sort_row(const uint32_t*, uint32_t*, size_t, bool) { return false; }

#endif

} // namespace mlx::core::cpu
