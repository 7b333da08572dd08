// eval_cpu of Sort, ArgSort, Partition, ArgPartition and SearchSorted.
// Each works on rows along the axis of a row-contiguous (outer, n, inner)
// layout; rows are threaded. NaNs order after every number. Sort and
// ArgSort give what a stable sort gives (MLX's): equal values keep their
// input order, down to the bits of -0.0/0.0 and of NaNs. Where isa() >=
// avx2, 32-bit and narrower types sort with sort_scan_vector.cpp's
// kernels; the radix and comparison sorts here are the scalar reference.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <vector>

#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/math.h"
#include "mlx/backend/cpu/indexing.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/sort_scan_vector.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace {

// Strict weak order with NaNs last (complex: by real, then imaginary part).
template <typename T>
struct SortLess {
  bool operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, complex64_t>) {
      return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
    } else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, float16_t> ||
                         std::is_same_v<T, bfloat16_t>) {
      using C = cpu::compute_t<T>;
      C x = static_cast<C>(a), y = static_cast<C>(b);
      if (std::isnan(y)) {
        return !std::isnan(x);
      }
      return x < y;
    } else {
      return a < b;
    }
  }
};

struct RowLayout {
  size_t outer, n, inner;
};

RowLayout row_layout(const array& a, int axis) {
  RowLayout l{1, size_t(a.shape(axis)), 1};
  for (int i = 0; i < axis; ++i) {
    l.outer *= a.shape(i);
  }
  for (int i = axis + 1; i < a.ndim(); ++i) {
    l.inner *= a.shape(i);
  }
  return l;
}

// Calls f(row_ptr_offset, stride) for every row, threaded.
template <typename F>
void for_rows(const RowLayout& l, F&& f) {
  size_t rows = l.outer * l.inner;
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(l.n * 8, 1));
  cpu::parallel_for(rows, grain, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) {
      size_t o = r / l.inner, i = r % l.inner;
      f(o * l.n * l.inner + i, l.inner);
    }
  });
}

// Rows at least this long, of 32-bit types, sort by radix.
constexpr size_t kRadixMin = 64;

template <typename T>
constexpr bool kRadixType =
    std::is_same_v<T, float> || std::is_same_v<T, int32_t> || std::is_same_v<T, uint32_t>;

// An unsigned key whose order is SortLess's: floats by sign-folded bits
// (-0 as +0, every NaN last), signed ints with the sign bit flipped.
template <typename T>
uint32_t radix_key(T v) {
  if constexpr (std::is_same_v<T, float>) {
    if (v != v) {
      return 0xFFFFFFFFu;
    }
    if (v == 0.0f) {
      v = 0.0f;
    }
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return static_cast<uint32_t>(v) ^ 0x80000000u;
  } else {
    return v;
  }
}

// The value whose radix_key (without the -0 and NaN folding) is k.
template <typename T>
T from_radix_key(uint32_t k) {
  if constexpr (std::is_same_v<T, float>) {
    uint32_t b = (k & 0x80000000u) ? (k & 0x7FFFFFFFu) : ~k;
    float v;
    std::memcpy(&v, &b, 4);
    return v;
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return static_cast<int32_t>(k ^ 0x80000000u);
  } else {
    return k;
  }
}

// Types narrower than 32 bits sort as int32 keys (the same kernels).
template <typename T>
constexpr bool kNarrowType =
    std::is_same_v<T, bool> || std::is_same_v<T, int8_t> || std::is_same_v<T, int16_t> ||
    std::is_same_v<T, uint8_t> || std::is_same_v<T, uint16_t> || std::is_same_v<T, float16_t> ||
    std::is_same_v<T, bfloat16_t>;

template <typename T>
constexpr bool kHalfType = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

// A key in [0, 65536] in SortLess's order: integers less their type's
// least value, 16-bit floats by sign-folded bits with -0 as +0, offset
// by 32768, every NaN 65536. (Few key bits: few radix passes.)
template <typename T>
int32_t narrow_key(T v) {
  if constexpr (kHalfType<T>) {
    constexpr uint16_t inf = std::is_same_v<T, float16_t> ? 0x7C00 : 0x7F80;
    uint16_t b;
    std::memcpy(&b, &v, 2);
    if ((b & 0x7FFF) > inf) {
      return 65536;
    }
    int16_t s = int16_t(b);
    int32_t k = s ^ ((s >> 15) & 0x7FFF);
    return (k == -1 ? 0 : k) + 32768;
  } else {
    return int32_t(v) - int32_t(std::numeric_limits<T>::lowest());
  }
}

// The value of a narrow_key that is not a NaN's.
template <typename T>
T from_narrow_key(int32_t k) {
  if constexpr (kHalfType<T>) {
    int16_t s = int16_t(k - 32768);
    uint16_t b = uint16_t(s ^ ((s >> 15) & 0x7FFF));
    T v;
    std::memcpy(&v, &b, 2);
    return v;
  } else {
    return T(k + int32_t(std::numeric_limits<T>::lowest()));
  }
}

// Whether the bits of a 16-bit float are a NaN's or -0.0's.
template <typename T>
bool half_special(T v, bool& negative_zero) {
  uint16_t b;
  std::memcpy(&b, &v, 2);
  negative_zero = b == 0x8000;
  return negative_zero || (b & 0x7FFF) > (std::is_same_v<T, float16_t> ? 0x7C00 : 0x7F80);
}

// A scratch vector of n items: kept per thread for short rows.
template <typename K, int tag>
K* scratch(std::vector<K>& own, size_t n) {
  if (n > 4096) {
    own.resize(n);
    return own.data();
  }
  thread_local std::vector<K> kept;
  kept.resize(std::max<size_t>(n, 1));
  return kept.data();
}

// Rows from this long sort their radix passes over the pool.
constexpr size_t kRadixThreaded = size_t(1) << 16;

// How many pieces a row of n keys splits into for the radix passes.
size_t radix_pieces(size_t n) {
  return n >= kRadixThreaded ? std::min<size_t>(std::max(cpu::num_threads(), 1), 16) : 1;
}

// Runs f(piece, begin, end) over `pieces` equal pieces of [0, n), on the
// pool when there are several.
template <typename F>
void over_pieces(size_t pieces, size_t n, F f) {
  if (pieces == 1) {
    f(size_t(0), size_t(0), n);
    return;
  }
  cpu::parallel_tasks(pieces, [&](size_t c) { f(c, c * n / pieces, (c + 1) * n / pieces); });
}

// Stable LSD radix sort of the n keys at src (with their indices isrc when
// given) on their low `bits` bits, in passes of at most 10 bits; the
// result goes to dst (idst), src is scratch. Passes whose digit is the
// same for every key are skipped.
void lsd_bucket(uint32_t* src, uint32_t* dst, uint32_t* isrc, uint32_t* idst, size_t n, int bits) {
  int passes = (bits + 9) / 10;
  if (n < 2 || passes == 0) {
    std::memcpy(dst, src, n * sizeof(uint32_t));
    if (isrc != nullptr) {
      std::memcpy(idst, isrc, n * sizeof(uint32_t));
    }
    return;
  }
  int width = (bits + passes - 1) / passes;
  uint32_t mask = (1u << width) - 1;
  // At most 3 passes of 10 bits or 4 of 8: 3072 counters, on the stack (a
  // bucket of a few keys must not pay for an allocation).
  uint32_t count_store[3 << 10];
  std::fill(count_store, count_store + (size_t(passes) << width), 0u);
  uint32_t* count_data = count_store;
  for (size_t i = 0; i < n; ++i) {
    for (int p = 0; p < passes; ++p) {
      ++count_data[(size_t(p) << width) + ((src[i] >> (p * width)) & mask)];
    }
  }
  uint32_t *from = src, *to = dst, *ifrom = isrc, *ito = idst;
  for (int p = 0; p < passes; ++p) {
    uint32_t* c = count_data + (size_t(p) << width);
    uint32_t sum = 0;
    bool trivial = false;
    for (uint32_t d = 0; d <= mask; ++d) {
      uint32_t here = c[d];
      trivial = trivial || here == n;
      c[d] = sum;
      sum += here;
    }
    if (trivial) {
      continue;
    }
    int shift = p * width;
    if (ifrom != nullptr) {
      for (size_t i = 0; i < n; ++i) {
        uint32_t d = c[(from[i] >> shift) & mask]++;
        to[d] = from[i];
        ito[d] = ifrom[i];
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        to[c[(from[i] >> shift) & mask]++] = from[i];
      }
    }
    std::swap(from, to);
    std::swap(ifrom, ito);
  }
  if (from != dst) {
    std::memcpy(dst, from, n * sizeof(uint32_t));
    if (isrc != nullptr) {
      std::memcpy(idst, ifrom, n * sizeof(uint32_t));
    }
  }
}

// Stable radix sort of the n keys in a (b: scratch of n), carrying
// indices (ia: the identity is assumed and written, ib: scratch) when ia
// is given; the result ends in a (ia). One most-significant pass on the
// top 11 of the bits that differ between keys (the others are equal),
// counted and scattered by pieces over the pool (piece c's keys of a digit
// after piece c - 1's: stable); then each bucket, now small enough for
// the cache, sorts on its remaining low bits (lsd_bucket), the buckets
// spread over the pool.
constexpr int kMsdBits = 11;
// Rows up to this long sort by LSD passes alone.
constexpr size_t kLsdOnly = size_t(1) << 14;

void radix_keys(uint32_t* a, uint32_t* b, uint32_t* ia, uint32_t* ib, size_t n) {
  size_t pieces = radix_pieces(n);
  std::vector<uint32_t> lo_hi(2 * pieces);
  over_pieces(pieces, n, [&](size_t c, size_t lo, size_t hi) {
    uint32_t mn = 0xFFFFFFFFu, mx = 0;
    for (size_t i = lo; i < hi; ++i) {
      mn = std::min(mn, a[i]);
      mx = std::max(mx, a[i]);
    }
    lo_hi[2 * c] = mn;
    lo_hi[2 * c + 1] = mx;
  });
  uint32_t mn = 0xFFFFFFFFu, mx = 0;
  for (size_t c = 0; c < pieces; ++c) {
    mn = std::min(mn, lo_hi[2 * c]);
    mx = std::max(mx, lo_hi[2 * c + 1]);
  }
  int top = 0; // bits up to `top` differ
  while (top < 32 && ((mn ^ mx) >> top) != 0) {
    ++top;
  }
  if (top == 0) {
    if (ia != nullptr) {
      std::iota(ia, ia + n, 0u);
    }
    return;
  }
  if (pieces == 1 && n <= kLsdOnly) {
    // A row this short is in the cache: LSD passes over the bits that
    // differ, without the most-significant split and its buckets.
    if (ia != nullptr) {
      std::iota(ia, ia + n, 0u);
    }
    lsd_bucket(a, b, ia, ib, n, top);
    std::memcpy(a, b, n * sizeof(uint32_t));
    if (ia != nullptr) {
      std::memcpy(ia, ib, n * sizeof(uint32_t));
    }
    return;
  }
  int low = std::max(top - kMsdBits, 0);
  uint32_t mask = (1u << (top - low)) - 1;
  size_t digits = size_t(mask) + 1;
  std::vector<size_t> count(pieces * digits);
  over_pieces(pieces, n, [&](size_t c, size_t lo, size_t hi) {
    size_t* h = count.data() + c * digits;
    std::fill(h, h + digits, size_t(0));
    for (size_t i = lo; i < hi; ++i) {
      ++h[(a[i] >> low) & mask];
    }
  });
  std::vector<size_t> bucket(digits + 1);
  size_t sum = 0;
  for (size_t d = 0; d < digits; ++d) {
    bucket[d] = sum;
    for (size_t c = 0; c < pieces; ++c) {
      size_t here = count[c * digits + d];
      count[c * digits + d] = sum;
      sum += here;
    }
  }
  bucket[digits] = n;
  over_pieces(pieces, n, [&](size_t c, size_t lo, size_t hi) {
    size_t* h = count.data() + c * digits;
    if (ia != nullptr) {
      for (size_t i = lo; i < hi; ++i) {
        size_t d = h[(a[i] >> low) & mask]++;
        b[d] = a[i];
        ib[d] = uint32_t(i);
      }
    } else {
      for (size_t i = lo; i < hi; ++i) {
        b[h[(a[i] >> low) & mask]++] = a[i];
      }
    }
  });
  auto sort_bucket = [&](size_t d) {
    size_t s0 = bucket[d], len = bucket[d + 1] - s0;
    lsd_bucket(b + s0, a + s0, ib ? ib + s0 : nullptr, ia ? ia + s0 : nullptr, len, low);
  };
  if (pieces > 1) {
    cpu::parallel_tasks(digits, sort_bucket);
  } else {
    for (size_t d = 0; d < digits; ++d) {
      sort_bucket(d);
    }
  }
}

// A buffer of n keys: up to kKeptKeys a per-thread one kept between calls
// (a fresh allocation this large comes from the OS, and faulting its
// pages in costs as much as a radix pass), beyond that its own.
constexpr size_t kKeptKeys = size_t(1) << 23;

class KeyBuffer {
 public:
  explicit KeyBuffer(size_t n) {
    if (n > kKeptKeys) {
      own_.reset(new uint32_t[n]);
      p_ = own_.get();
      return;
    }
    thread_local std::unique_ptr<uint32_t[]> kept;
    thread_local size_t size = 0;
    if (size < n) {
      kept.reset(new uint32_t[n]);
      size = n;
    }
    p_ = kept.get();
  }
  uint32_t* get() const { return p_; }

 private:
  std::unique_ptr<uint32_t[]> own_;
  uint32_t* p_;
};

// The keys of a float row: radix_key without the -0 folding (which only
// orders equal values), every NaN last.
inline uint32_t float_value_key(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  return v != v ? 0xFFFFFFFFu : ((bits & 0x80000000u) ? ~bits : (bits | 0x80000000u));
}

// Sorts a row of values in place by LSD radix on their keys alone (no
// permutation to carry). Every NaN is written back as the row's canonical
// quiet NaN (NaNs sort last).
template <typename T>
void radix_sort_values(T* row, size_t n) {
  KeyBuffer buf(2 * n);
  uint32_t *a = buf.get(), *b = a + n;
  size_t pieces = radix_pieces(n);
  over_pieces(pieces, n, [&](size_t, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      if constexpr (std::is_same_v<T, float>) {
        a[i] = float_value_key(row[i]);
      } else {
        a[i] = radix_key(row[i]);
      }
    }
  });
  radix_keys(a, b, nullptr, nullptr, n);
  over_pieces(pieces, n, [&](size_t, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      if constexpr (std::is_same_v<T, float>) {
        row[i] = a[i] == 0xFFFFFFFFu ? std::numeric_limits<float>::quiet_NaN() : from_radix_key<T>(a[i]);
      } else {
        row[i] = from_radix_key<T>(a[i]);
      }
    }
  });
}

// Stable LSD radix sort of a row by radix_key: writes the sorting
// permutation to `order`.
template <typename T>
void radix_argsort(const T* row, size_t n, uint32_t* order) {
  KeyBuffer buf(3 * n);
  uint32_t *a = buf.get(), *b = a + n, *ib = b + n;
  over_pieces(radix_pieces(n), n, [&](size_t, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) {
      a[i] = radix_key(row[i]);
    }
  });
  radix_keys(a, b, order, ib, n);
}

// Whether a float row holds a -0.0 or a NaN: values a stable sort orders
// by position among equals, which the radix keys and std::sort do not.
template <typename T>
bool has_zero_sign_or_nan(const T* row, size_t n) {
  if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, float16_t> ||
                std::is_same_v<T, bfloat16_t>) {
    for (size_t i = 0; i < n; ++i) {
      auto v = static_cast<cpu::compute_t<T>>(row[i]);
      if (v != v || (v == 0 && std::signbit(v))) {
        return true;
      }
    }
  }
  return false;
}

// Sorts a row of a type narrower than 32 bits as int32 keys with the AVX2
// kernels. A 16-bit float row's zeros (when one is -0.0) and NaNs keep
// their bits in input order, as MLX's stable sort leaves them: found
// before the sort, written back after it.
template <typename T>
void sort_narrow(T* row, size_t n) {
  std::vector<int32_t> own;
  int32_t* keys = scratch<int32_t, 0>(own, n);
  bool special = false, signed_zero = false;
  for (size_t i = 0; i < n; ++i) {
    keys[i] = narrow_key(row[i]);
    if constexpr (kHalfType<T>) {
      bool z;
      bool here = half_special(row[i], z);
      special = special || here;
      signed_zero = signed_zero || z;
    }
  }
  std::vector<T> zeros, nans;
  if (special) {
    for (size_t i = 0; i < n; ++i) {
      if (keys[i] == 65536) {
        nans.push_back(row[i]);
      } else if (signed_zero && keys[i] == 32768) {
        zeros.push_back(row[i]);
      }
    }
  }
  cpu::vector_sort_keys(keys, n, true);
  for (size_t i = 0; i < n; ++i) {
    row[i] = from_narrow_key<T>(keys[i]);
  }
  if (special) {
    std::copy(nans.begin(), nans.end(), row + n - nans.size());
    std::copy(zeros.begin(), zeros.end(), row + (std::lower_bound(keys, keys + n, 32768) - keys));
  }
}

// Sorts a contiguous row of values: the AVX2 kernels where they run, the
// radix for long 32-bit rows, else a comparison sort (stable where equal
// values can differ in bits, as MLX's sort leaves them in input order).
template <typename T>
void sort_row(T* row, size_t n, bool vector) {
  if constexpr (kRadixType<T>) {
    if (vector && cpu::vector_sort_row(row, row, n, true)) {
      return;
    }
    if (n >= kRadixMin && !has_zero_sign_or_nan(row, n)) {
      radix_sort_values(row, n);
      return;
    }
  }
  if constexpr (kNarrowType<T>) {
    if (vector) {
      sort_narrow(row, n);
      return;
    }
  }
  if (has_zero_sign_or_nan(row, n)) {
    std::stable_sort(row, row + n, SortLess<T>{});
  } else {
    std::sort(row, row + n, SortLess<T>{});
  }
}

template <typename T>
void sort_values(T* data, const RowLayout& l, bool partial, int kth) {
  SortLess<T> less;
  bool vector = cpu::vector_sort_enabled();
  for_rows(l, [&](size_t off, size_t stride) {
    T* row = data + off;
    if (stride == 1) {
      partial ? std::nth_element(row, row + kth, row + l.n, less) : sort_row(row, l.n, vector);
      return;
    }
    std::unique_ptr<T[]> tmp(new T[l.n]);
    for (size_t j = 0; j < l.n; ++j) {
      tmp[j] = row[j * stride];
    }
    partial ? std::nth_element(tmp.get(), tmp.get() + kth, tmp.get() + l.n, less)
            : sort_row(tmp.get(), l.n, vector);
    for (size_t j = 0; j < l.n; ++j) {
      row[j * stride] = tmp[j];
    }
  });
}

// Stable argsort of a contiguous row of 32-bit values: the AVX2 network
// for short rows, the radix from kRadixMin values, else std::stable_sort.
template <typename T>
void argsort_contiguous(const T* row, size_t n, uint32_t* order, bool vector) {
  if (vector && cpu::vector_argsort_row(row, n, order)) {
    return;
  }
  if (n >= kRadixMin) {
    radix_argsort(row, n, order);
    return;
  }
  std::iota(order, order + n, 0u);
  std::stable_sort(order, order + n, [&](uint32_t a, uint32_t b) { return SortLess<T>{}(row[a], row[b]); });
}

// Stable argsort of a row of 32-bit or narrower values (narrower ones by
// their int32 keys) at any stride; writes out[j * stride].
template <typename T>
void argsort_row(const T* row, size_t n, size_t stride, uint32_t* out, bool vector) {
  using K = std::conditional_t<kRadixType<T>, T, int32_t>;
  std::vector<K> own_keys;
  std::vector<uint32_t> own_order;
  const K* keys;
  if constexpr (kRadixType<T>) {
    keys = row;
  }
  if (!kRadixType<T> || stride != 1) {
    K* k = scratch<K, 1>(own_keys, n);
    for (size_t j = 0; j < n; ++j) {
      if constexpr (kRadixType<T>) {
        k[j] = row[j * stride];
      } else {
        k[j] = narrow_key(row[j * stride]);
      }
    }
    keys = k;
  }
  uint32_t* order = stride == 1 ? out : scratch<uint32_t, 2>(own_order, n);
  argsort_contiguous(keys, n, order, vector);
  if (stride != 1) {
    for (size_t j = 0; j < n; ++j) {
      out[j * stride] = order[j];
    }
  }
}

template <typename T>
void sort_indices(const T* data, uint32_t* out, const RowLayout& l, bool partial, int kth) {
  SortLess<T> less;
  bool vector = cpu::vector_sort_enabled();
  for_rows(l, [&](size_t off, size_t stride) {
    const T* row = data + off;
    if constexpr (kRadixType<T> || kNarrowType<T>) {
      if (!partial) {
        argsort_row(row, l.n, stride, out + off, vector);
        return;
      }
    }
    std::vector<uint32_t> idx(l.n);
    std::iota(idx.begin(), idx.end(), 0u);
    auto cmp = [&](uint32_t a, uint32_t b) { return less(row[a * stride], row[b * stride]); };
    partial ? std::nth_element(idx.begin(), idx.begin() + kth, idx.end(), cmp)
            : std::stable_sort(idx.begin(), idx.end(), cmp);
    for (size_t j = 0; j < l.n; ++j) {
      out[off + j * stride] = idx[j];
    }
  });
}

// Sorts the contiguous rows of `in` straight into out (no copy first)
// where the AVX2 kernels take every row; false where they do not.
bool sort_rows_into(const array& in, array& out, int axis) {
  if (axis != in.ndim() - 1 || !in.flags().row_contiguous || !cpu::vector_sort_enabled() || in.size() == 0) {
    return false;
  }
  bool done = false;
  cpu::dispatch(cpu::AllTypes{}, in.dtype(), "Sort", [&](auto t) {
    using T = decltype(t);
    if constexpr (kRadixType<T>) {
      out.set_data(allocator::malloc(out.nbytes()));
      size_t n = in.shape(axis), rows = in.size() / n;
      const T* src = in.data<T>();
      T* dst = out.data<T>();
      size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(n * 8, 1));
      cpu::parallel_for(rows, grain, [&](size_t b, size_t e) {
        for (size_t r = b; r < e; ++r) {
          if (!cpu::vector_sort_row(src + r * n, dst + r * n, n, true)) {
            std::copy(src + r * n, src + (r + 1) * n, dst + r * n);
            std::stable_sort(dst + r * n, dst + (r + 1) * n, SortLess<T>{});
          }
        }
      });
      done = true;
    }
  });
  return done;
}

void eval_values(const array& in, array& out, int axis, bool partial, int kth) {
  if (!partial && sort_rows_into(in, out, axis)) {
    return;
  }
  cpu::copy(in, out, /* keep_layout */ false);
  if (out.size() == 0) {
    return;
  }
  auto l = row_layout(out, axis);
  cpu::dispatch(cpu::AllTypes{}, out.dtype(), partial ? "Partition" : "Sort", [&](auto t) {
    using T = decltype(t);
    sort_values<T>(out.data<T>(), l, partial, kth);
  });
}

void eval_indices(const array& in_raw, array& out, int axis, bool partial, int kth) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  auto in = cpu::ensure_row_contiguous(in_raw);
  auto l = row_layout(in, axis);
  cpu::dispatch(cpu::AllTypes{}, in.dtype(), partial ? "ArgPartition" : "ArgSort", [&](auto t) {
    using T = decltype(t);
    sort_indices<T>(in.data<T>(), out.data<uint32_t>(), l, partial, kth);
  });
}

} // namespace

void Sort::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  eval_values(inputs[0], outputs[0], axis_, false, 0);
}

void ArgSort::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  eval_indices(inputs[0], outputs[0], axis_, false, 0);
}

void Partition::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  eval_values(inputs[0], outputs[0], axis_, true, kth_);
}

void ArgPartition::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  eval_indices(inputs[0], outputs[0], axis_, true, kth_);
}

void SearchSorted::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto a = cpu::ensure_row_contiguous(inputs[0]);
  auto v = cpu::ensure_row_contiguous(inputs[1]);
  auto& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  cpu::dispatch(cpu::AllTypes{}, a.dtype(), "SearchSorted", [&](auto t) {
    using T = decltype(t);
    const T* s = a.data<T>();
    const T* x = v.data<T>();
    uint32_t* o = out.data<uint32_t>();
    size_t n = a.size();
    SortLess<T> less;
    cpu::parallel_for(v.size(), 4096, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        const T* p = right_ ? std::upper_bound(s, s + n, x[i], less) : std::lower_bound(s, s + n, x[i], less);
        o[i] = uint32_t(p - s);
      }
    });
  });
}

// ---------------------------------------------------------------------- scans
//
// eval_cpu of Scan (cumsum, cumprod, cummax, cummin, logcumsumexp) on a
// row-contiguous (outer, n, inner) layout. inner == 1 scans contiguous rows;
// otherwise whole inner rows are combined at a time (a vector loop).
// 16-bit floats accumulate in float32.

namespace {

template <typename A>
struct ScanOp {
  Scan::ReduceType type;
  A init() const {
    switch (type) {
      case Scan::Sum:
        return A(0);
      case Scan::Prod:
        return A(1);
      case Scan::Max:
        if constexpr (std::is_same_v<A, complex64_t>) {
          return A(-std::numeric_limits<float>::infinity(), 0);
        } else if constexpr (std::numeric_limits<A>::has_infinity) {
          return -std::numeric_limits<A>::infinity();
        } else {
          return std::numeric_limits<A>::lowest();
        }
      case Scan::Min:
        if constexpr (std::is_same_v<A, complex64_t>) {
          return A(std::numeric_limits<float>::infinity(), 0);
        } else if constexpr (std::numeric_limits<A>::has_infinity) {
          return std::numeric_limits<A>::infinity();
        } else {
          return std::numeric_limits<A>::max();
        }
      default:
        if constexpr (std::is_same_v<A, complex64_t>) {
          return A(-std::numeric_limits<float>::infinity(), 0);
        } else if constexpr (std::numeric_limits<A>::has_infinity) {
          return -std::numeric_limits<A>::infinity();
        } else {
          return A(0);
        }
    }
  }
  A operator()(A a, A b) const {
    if constexpr (std::is_same_v<A, bool>) {
      switch (type) {
        case Scan::Prod:
        case Scan::Min:
          return a && b;
        default:
          return a || b;
      }
    } else if constexpr (std::is_same_v<A, complex64_t>) {
      switch (type) {
        case Scan::Sum:
          if constexpr (cpu::kWrapsInUnsigned<A>) { // wraps as NumPy's (signed overflow is undefined)
            return A(cpu::wrap_unsigned_t<A>(a) + cpu::wrap_unsigned_t<A>(b));
          } else {
            return a + b;
          }
        case Scan::Prod:
          if constexpr (cpu::kWrapsInUnsigned<A>) {
            return A(cpu::wrap_unsigned_t<A>(a) * cpu::wrap_unsigned_t<A>(b));
          } else {
            return a * b;
          }
        case Scan::Max:
          return (b.real() > a.real() || (b.real() == a.real() && b.imag() > a.imag())) ? b : a;
        case Scan::Min:
          return (b.real() < a.real() || (b.real() == a.real() && b.imag() < a.imag())) ? b : a;
        default: {
          // log(exp(a) + exp(b)), scaled by the larger real part; a term
          // with real part -inf adds nothing.
          constexpr float ninf = -std::numeric_limits<float>::infinity();
          if (a.real() == ninf) {
            return b;
          }
          if (b.real() == ninf) {
            return a;
          }
          float m = std::max(a.real(), b.real());
          return std::log(std::exp(a - m) + std::exp(b - m)) + m;
        }
      }
    } else {
      switch (type) {
        case Scan::Sum:
          if constexpr (cpu::kWrapsInUnsigned<A>) { // wraps as NumPy's (signed overflow is undefined)
            return A(cpu::wrap_unsigned_t<A>(a) + cpu::wrap_unsigned_t<A>(b));
          } else {
            return a + b;
          }
        case Scan::Prod:
          if constexpr (cpu::kWrapsInUnsigned<A>) {
            return A(cpu::wrap_unsigned_t<A>(a) * cpu::wrap_unsigned_t<A>(b));
          } else {
            return a * b;
          }
        case Scan::Max:
          return (b > a || b != b) ? b : a;
        case Scan::Min:
          return (b < a || b != b) ? b : a;
        default:
          if constexpr (std::is_floating_point_v<A>) {
            A m = a > b ? a : b;
            if (a == b) {
              return m + A(0.6931471805599453);
            }
            if (m == -std::numeric_limits<A>::infinity() || std::isnan(m)) {
              return (a != a || b != b) ? std::numeric_limits<A>::quiet_NaN() : m;
            }
            return m + std::log1p(std::exp(-(std::abs(a - b))));
          } else {
            return a + b;
          }
      }
    }
  }
};

template <typename T>
void scan_typed(const T* in, T* out, size_t outer, size_t n, size_t inner, Scan::ReduceType type,
                bool reverse, bool inclusive) {
  using A = cpu::compute_t<T>;
  ScanOp<A> op{type};
  int64_t step = reverse ? -1 : 1;
  if (inner == 1) {
    size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(n, 1));
    cpu::parallel_for(outer, grain, [&](size_t b, size_t e) {
      for (size_t o = b; o < e; ++o) {
        const T* x = in + o * n;
        T* y = out + o * n;
        A acc = op.init();
        int64_t j = reverse ? int64_t(n) - 1 : 0;
        for (size_t c = 0; c < n; ++c, j += step) {
          A v = static_cast<A>(x[j]);
          if (inclusive) {
            acc = op(acc, v);
            y[j] = static_cast<T>(acc);
          } else {
            y[j] = static_cast<T>(acc);
            acc = op(acc, v);
          }
        }
      }
    });
    return;
  }
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(n * inner, 1));
  cpu::parallel_for(outer, grain, [&](size_t b, size_t e) {
    std::vector<A> acc(inner);
    for (size_t o = b; o < e; ++o) {
      std::fill(acc.begin(), acc.end(), op.init());
      int64_t j = reverse ? int64_t(n) - 1 : 0;
      for (size_t c = 0; c < n; ++c, j += step) {
        const T* x = in + (o * n + j) * inner;
        T* y = out + (o * n + j) * inner;
        for (size_t k = 0; k < inner; ++k) {
          A v = static_cast<A>(x[k]);
          if (inclusive) {
            acc[k] = op(acc[k], v);
            y[k] = static_cast<T>(acc[k]);
          } else {
            y[k] = static_cast<T>(acc[k]);
            acc[k] = op(acc[k], v);
          }
        }
      }
    }
  });
}

} // namespace

void Scan::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto in = cpu::ensure_row_contiguous(inputs[0]);
  auto& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  size_t outer = 1, n = out.shape(axis_), inner = 1;
  for (int i = 0; i < axis_; ++i) {
    outer *= out.shape(i);
  }
  for (int i = axis_ + 1; i < out.ndim(); ++i) {
    inner *= out.shape(i);
  }
  cpu::dispatch(cpu::AllTypes{}, out.dtype(), "Scan", [&](auto t) {
    using T = decltype(t);
    scan_typed<T>(in.data<T>(), out.data<T>(), outer, n, inner, type_, reverse_, inclusive_);
  });
}

} // namespace mlx::core
