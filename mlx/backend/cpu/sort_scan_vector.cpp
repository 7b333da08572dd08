// The AVX2 sort of 32-bit rows (sort_scan_vector.h). Values become signed
// 32-bit keys whose integer order is the sort order (floats: sign-folded
// bits, -0.0 as 0.0, every NaN as INT32_MAX; uint32: the sign bit
// flipped), sorted with min/max on __m256i:
// - up to 128 keys: a bitonic sorting network over 1 to 16 registers,
//   padded with INT32_MAX (each stage first compares key i with its mirror
//   in the block, then halves the distance down to neighbouring lanes);
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

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MLX_SORT_AVX2 1
#endif

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

#define AVX2_FN __attribute__((target("avx2,bmi,bmi2,popcnt")))
#define AVX2_INLINE AVX2_FN __attribute__((always_inline)) inline

using V = __m256i;

// Longest row a network sorts (16 registers).
constexpr size_t kNetworkMax = 128;
// Longest range quicksort leaves to a network.
constexpr size_t kLeafMax = 256;
// Rows from this long split over the pool.
constexpr size_t kThreadedMin = size_t(1) << 17;

AVX2_INLINE V vmin(V a, V b) { return _mm256_min_epi32(a, b); }
AVX2_INLINE V vmax(V a, V b) { return _mm256_max_epi32(a, b); }
AVX2_INLINE V reverse8(V a) { return _mm256_permutevar8x32_epi32(a, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0)); }

// Lanes i and i ^ J (J = 1, 2, 4) compared; the lower lane keeps the min.
template <int J>
AVX2_INLINE V clean_lanes(V a) {
  V b;
  if constexpr (J == 1) {
    b = _mm256_shuffle_epi32(a, 0xB1);
  } else if constexpr (J == 2) {
    b = _mm256_shuffle_epi32(a, 0x4E);
  } else {
    b = _mm256_permute4x64_epi64(a, 0x4E);
  }
  constexpr int hi = J == 1 ? 0xAA : J == 2 ? 0xCC : 0xF0;
  return _mm256_blend_epi32(vmin(a, b), vmax(a, b), hi);
}

// Lane i against its mirror i ^ (2K - 1) in groups of 2K lanes (K = 1, 2, 4).
template <int K>
AVX2_INLINE V flip_lanes(V a) {
  V b;
  if constexpr (K == 1) {
    b = _mm256_shuffle_epi32(a, 0xB1);
  } else if constexpr (K == 2) {
    b = _mm256_shuffle_epi32(a, 0x1B);
  } else {
    b = reverse8(a);
  }
  constexpr int hi = K == 1 ? 0xAA : K == 2 ? 0xCC : 0xF0;
  return _mm256_blend_epi32(vmin(a, b), vmax(a, b), hi);
}

AVX2_INLINE void exchange(V& a, V& b) {
  V lo = vmin(a, b);
  b = vmax(a, b);
  a = lo;
}

// Registers r and r + J compared for every r with bit J clear, then the
// same at half the distance, down to neighbours.
template <int N, int J>
AVX2_INLINE void half_cleaners(V* v) {
  if constexpr (J >= 1) {
#pragma GCC unroll 32
    for (int r = 0; r < N; ++r) {
      if ((r & J) == 0) {
        exchange(v[r], v[r + J]);
      }
    }
    half_cleaners<N, J / 2>(v);
  }
}

// The stage that makes sorted blocks of K registers out of sorted blocks of
// K / 2 (K = 2, 4, ..., N).
template <int N, int K>
AVX2_INLINE void merge_stage(V* v) {
#pragma GCC unroll 32
  for (int base = 0; base < N; base += K) {
#pragma GCC unroll 32
    for (int r = 0; r < K / 2; ++r) {
      V a = v[base + r], b = reverse8(v[base + K - 1 - r]);
      v[base + r] = vmin(a, b);
      v[base + K - 1 - r] = reverse8(vmax(a, b));
    }
  }
  half_cleaners<N, K / 4>(v);
#pragma GCC unroll 32
  for (int r = 0; r < N; ++r) {
    v[r] = clean_lanes<1>(clean_lanes<2>(clean_lanes<4>(v[r])));
  }
}

template <int N, int K>
AVX2_INLINE void merge_stages(V* v) {
  if constexpr (K <= N) {
    merge_stage<N, K>(v);
    merge_stages<N, 2 * K>(v);
  }
}

// v[0..8) as the rows of an 8x8 matrix, transposed.
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

// Sorts each register of v[0..8): Batcher's odd-even merge network of 19
// comparators across the registers sorts each lane's column, and the
// transpose turns columns into registers.
AVX2_INLINE void sort_rows8(V* v) {
  exchange(v[0], v[1]), exchange(v[2], v[3]), exchange(v[4], v[5]), exchange(v[6], v[7]);
  exchange(v[0], v[2]), exchange(v[1], v[3]), exchange(v[4], v[6]), exchange(v[5], v[7]);
  exchange(v[1], v[2]), exchange(v[5], v[6]);
  exchange(v[0], v[4]), exchange(v[1], v[5]), exchange(v[2], v[6]), exchange(v[3], v[7]);
  exchange(v[2], v[4]), exchange(v[3], v[5]);
  exchange(v[1], v[2]), exchange(v[3], v[4]), exchange(v[5], v[6]);
  transpose8(v);
}

// Sorts the 8N keys of v[0..N) (lane order, then register order).
template <int N>
AVX2_INLINE void network(V* v) {
  if constexpr (N >= 8) {
#pragma GCC unroll 4
    for (int g = 0; g < N; g += 8) {
      sort_rows8(v + g);
    }
  } else {
#pragma GCC unroll 32
    for (int r = 0; r < N; ++r) {
      V x = flip_lanes<1>(v[r]);
      x = clean_lanes<1>(flip_lanes<2>(x));
      v[r] = clean_lanes<1>(clean_lanes<2>(flip_lanes<4>(x)));
    }
  }
  merge_stages<N, 2>(v);
}

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
    V nan = _mm256_cmpgt_epi32(_mm256_and_si256(b, _mm256_set1_epi32(INT_MAX)), _mm256_set1_epi32(0x7F800000));
    return _mm256_or_si256(k, _mm256_and_si256(nan, _mm256_set1_epi32(INT_MAX)));
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
template <int N, typename C>
AVX2_INLINE void network_sort(int32_t* a, size_t n) {
  V v[N];
  size_t full = n / 8, rem = n % 8;
  const V pad = _mm256_set1_epi32(INT_MAX);
#pragma GCC unroll 32
  for (int r = 0; r < N; ++r) {
    if (size_t(r) < full) {
      v[r] = C::map(_mm256_loadu_si256(reinterpret_cast<const V*>(a + 8 * r)));
    } else if (size_t(r) == full && rem != 0) {
      V m = head_mask(rem);
      v[r] = _mm256_blendv_epi8(pad, C::map(_mm256_maskload_epi32(a + 8 * r, m)), m);
    } else {
      v[r] = pad;
    }
  }
  network<N>(v);
#pragma GCC unroll 32
  for (int r = 0; r < N; ++r) {
    if (size_t(r) < full) {
      _mm256_storeu_si256(reinterpret_cast<V*>(a + 8 * r), C::unmap(v[r]));
    } else if (size_t(r) == full && rem != 0) {
      _mm256_maskstore_epi32(a + 8 * r, head_mask(rem), C::unmap(v[r]));
    }
  }
}

template <typename C>
AVX2_FN void small_sort(int32_t* a, size_t n) {
  if (n <= 8) {
    network_sort<1, C>(a, n);
  } else if (n <= 16) {
    network_sort<2, C>(a, n);
  } else if (n <= 32) {
    network_sort<4, C>(a, n);
  } else if (n <= 64) {
    network_sort<8, C>(a, n);
  } else if (n <= 128) {
    network_sort<16, C>(a, n);
  } else {
    network_sort<32, C>(a, n);
  }
}

// For each mask of lanes above the pivot: the lanes below first, then the
// lanes above, as 4-bit lane numbers.
const std::array<uint32_t, 256> kPartitionPerm = [] {
  std::array<uint32_t, 256> t{};
  for (int m = 0; m < 256; ++m) {
    uint32_t e = 0;
    int pos = 0;
    for (int high = 0; high < 2; ++high) {
      for (int lane = 0; lane < 8; ++lane) {
        if (((m >> lane) & 1) == high) {
          e |= uint32_t(lane) << (4 * pos++);
        }
      }
    }
    t[m] = e;
  }
  return t;
}();

// Partitions the 8 keys x around p: stores them at a + wl (the keys not
// above p first) and at a + wr - 8 (the keys above p last), then moves wl
// up and wr down by the counts. With two stores the caller keeps 8 free
// slots at both places; `single` stores once, into exactly 8 free slots.
template <bool single>
AVX2_INLINE void partition8(V x, V p, int32_t* a, size_t& wl, size_t& wr) {
  const V shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
  int m = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, p)));
  V perm = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(int(kPartitionPerm[m])), shifts),
                            _mm256_set1_epi32(7));
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
constexpr int kUnroll = 4;
constexpr size_t kBlock = 8 * kUnroll;
// The least range partition() takes.
constexpr size_t kPartitionMin = 2 * kBlock;

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
      lo_acc = vmin(lo_acc, x[u]);
      hi_acc = vmax(hi_acc, x[u]);
    }
#pragma GCC unroll 8
    for (int u = 0; u < kUnroll; ++u) {
      partition8<false>(x[u], p, a, wl, wr);
    }
  }
  // What is left (the unread middle, then the held keys) goes through a
  // buffer into the free [wl, wr), of the same size: the odd keys one at
  // a time, then whole vectors, the last into its 8 slots with one store.
  alignas(32) int32_t rest[3 * kBlock];
  size_t m = r - l;
  std::memcpy(rest, a + l, m * sizeof(int32_t));
  for (int u = 0; u < 2 * kUnroll; ++u) {
    _mm256_storeu_si256(reinterpret_cast<V*>(rest + m + 8 * u), held[u]);
  }
  size_t odd = m % 8, total = m + 2 * kBlock;
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
  for (size_t i = odd; i < total; i += 8) {
    V x = _mm256_loadu_si256(reinterpret_cast<const V*>(rest + i));
    lo_acc = vmin(lo_acc, x);
    hi_acc = vmax(hi_acc, x);
    if (i + 8 < total) {
      partition8<false>(x, p, a, wl, wr);
    } else {
      partition8<true>(x, p, a, wl, wr);
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
    network_sort<2, KeyCodec>(s, 16);
    return s[7];
  }
  size_t step = n / 64;
  for (int i = 0; i < 64; ++i) {
    s[i] = a[i * step + step / 2];
  }
  network_sort<8, KeyCodec>(s, 64);
  return s[31];
}

struct Range {
  int32_t* a;
  size_t n;
  int depth; // partition levels left before std::sort takes over
};

// One quicksort step on r (r.n > kLeafMax): the two ranges still to
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
  while (r.n > kLeafMax) {
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
  small_sort<KeyCodec>(r.a, r.n);
}

int depth_limit(size_t n) {
  int d = 0;
  while ((size_t(1) << d) < n) {
    ++d;
  }
  return 2 * d + 4;
}

// Sorts keys, spreading a long row over the pool: the largest range is
// split until there are a few per thread, then the ranges are sorted as
// tasks, largest first.
void sort_keys(int32_t* a, size_t n, bool threaded) {
  int threads = num_threads();
  if (!threaded || threads <= 1 || n < kThreadedMin) {
    quicksort({a, n, depth_limit(n)});
    return;
  }
  std::vector<Range> ranges{{a, n, depth_limit(n)}};
  size_t target = n / (4 * size_t(threads));
  for (int step = 0; step < 16 * threads; ++step) {
    auto big = std::max_element(ranges.begin(), ranges.end(), [](auto& x, auto& y) { return x.n < y.n; });
    if (big->n <= target || big->depth <= 0) {
      break;
    }
    Range left, right;
    split(*big, left, right);
    *big = left;
    if (right.n > 0) {
      ranges.push_back(right);
    }
  }
  std::sort(ranges.begin(), ranges.end(), [](auto& x, auto& y) { return x.n > y.n; });
  parallel_tasks(ranges.size(), [&](size_t i) { quicksort(ranges[i]); });
}

// Maps (C::map) or unmaps a row in place, over the pool when threaded.
template <typename C, bool Map>
void convert(int32_t* a, size_t n, bool threaded) {
  auto body = [a](size_t b, size_t e) AVX2_FN {
    size_t i = b;
    for (; i + 8 <= e; i += 8) {
      V x = _mm256_loadu_si256(reinterpret_cast<const V*>(a + i));
      _mm256_storeu_si256(reinterpret_cast<V*>(a + i), Map ? C::map(x) : C::unmap(x));
    }
    if (i < e) {
      V m = head_mask(e - i);
      V x = _mm256_maskload_epi32(a + i, m);
      _mm256_maskstore_epi32(a + i, m, Map ? C::map(x) : C::unmap(x));
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
  const V neg0 = _mm256_set1_epi32(INT_MIN), inf = _mm256_set1_epi32(0x7F800000), abs = _mm256_set1_epi32(INT_MAX);
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

template <typename C>
void sort_row(int32_t* a, size_t n, bool threaded) {
  if (n <= kNetworkMax) {
    small_sort<C>(a, n);
    return;
  }
  convert<C, true>(a, n, threaded);
  sort_keys(a, n, threaded);
  convert<C, false>(a, n, threaded);
}

} // namespace

void vector_sort_keys(int32_t* keys, size_t n, bool threaded) { sort_keys(keys, n, threaded); }

bool vector_sort_row(float* row, size_t n, bool threaded) {
  int32_t* b = reinterpret_cast<int32_t*>(row);
  if (!has_zero_sign_or_nan(b, n)) {
    sort_row<FloatCodec>(b, n, threaded);
    return true;
  }
  if (n <= kNetworkMax) {
    return false;
  }
  // The zeros (when a -0.0 is among them) and the NaNs keep their bit
  // patterns in input order, as a stable sort leaves them.
  std::vector<int32_t> zeros, nans;
  bool signed_zero = false;
  for (size_t i = 0; i < n; ++i) {
    signed_zero = signed_zero || b[i] == INT_MIN;
  }
  for (size_t i = 0; i < n; ++i) {
    if ((b[i] & INT_MAX) > 0x7F800000) {
      nans.push_back(b[i]);
    } else if (signed_zero && (b[i] & INT_MAX) == 0) {
      zeros.push_back(b[i]);
    }
  }
  sort_row<FloatCodec>(b, n, threaded);
  std::memcpy(b + n - nans.size(), nans.data(), nans.size() * sizeof(int32_t));
  if (!zeros.empty()) {
    float* z = std::lower_bound(row, row + n - nans.size(), 0.0f);
    std::memcpy(z, zeros.data(), zeros.size() * sizeof(int32_t));
  }
  return true;
}

bool vector_sort_row(int32_t* row, size_t n, bool threaded) {
  sort_row<KeyCodec>(row, n, threaded);
  return true;
}

bool vector_sort_row(uint32_t* row, size_t n, bool threaded) {
  sort_row<UintCodec>(reinterpret_cast<int32_t*>(row), n, threaded);
  return true;
}

#else

void vector_sort_keys(int32_t*, size_t, bool) {}
bool vector_sort_row(float*, size_t, bool) { return false; }
bool vector_sort_row(int32_t*, size_t, bool) { return false; }
bool vector_sort_row(uint32_t*, size_t, bool) { return false; }

#endif

} // namespace mlx::core::cpu
