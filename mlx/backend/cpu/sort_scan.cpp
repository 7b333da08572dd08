// eval_cpu of Sort, ArgSort, Partition, ArgPartition and SearchSorted.
// Each works on rows along the axis of a row-contiguous (outer, n, inner)
// layout; rows are threaded. NaNs order after every number.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/indexing.h"
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
constexpr size_t kRadixMin = 2048;

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

// Starting offsets of each digit value ((key >> shift) & mask) in the
// output of one stable counting pass.
inline void digit_offsets(const uint32_t* keys, size_t n, int shift, uint32_t mask, size_t* count) {
  std::fill(count, count + 2048, size_t(0));
  for (size_t i = 0; i < n; ++i) {
    ++count[(keys[i] >> shift) & mask];
  }
  size_t sum = 0;
  for (size_t d = 0; d < 2048; ++d) {
    size_t here = count[d];
    count[d] = sum;
    sum += here;
  }
}

// Sorts a row of values in place by LSD radix on their keys alone (three
// passes of 11, 11 and 10 bits; no permutation to carry). Keys keep -0
// apart from +0 here, which only orders equal values, and every NaN is
// written back as the row's canonical quiet NaN (NaNs sort last).
template <typename T>
void radix_sort_values(T* row, size_t n) {
  std::vector<uint32_t> a(n), b(n);
  for (size_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, float>) {
      uint32_t bits;
      std::memcpy(&bits, &row[i], 4);
      a[i] = row[i] != row[i] ? 0xFFFFFFFFu : ((bits & 0x80000000u) ? ~bits : (bits | 0x80000000u));
    } else {
      a[i] = radix_key(row[i]);
    }
  }
  uint32_t* src = a.data();
  uint32_t* dst = b.data();
  for (int shift : {0, 11, 22}) {
    uint32_t mask = shift == 22 ? 0x3FFu : 0x7FFu;
    size_t count[2048];
    digit_offsets(src, n, shift, mask, count);
    for (size_t i = 0; i < n; ++i) {
      dst[count[(src[i] >> shift) & mask]++] = src[i];
    }
    std::swap(src, dst);
  }
  for (size_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, float>) {
      row[i] = src[i] == 0xFFFFFFFFu ? std::numeric_limits<float>::quiet_NaN() : from_radix_key<T>(src[i]);
    } else {
      row[i] = from_radix_key<T>(src[i]);
    }
  }
}

// Stable LSD radix sort of a row by radix_key: writes the sorting
// permutation to `order` (three passes of 11, 11 and 10 bits).
template <typename T>
void radix_argsort(const T* row, size_t n, uint32_t* order) {
  std::vector<uint32_t> keys(n), keys2(n), idx2(n);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = radix_key(row[i]);
    order[i] = uint32_t(i);
  }
  uint32_t* ka = keys.data();
  uint32_t* kb = keys2.data();
  uint32_t* ia = order;
  uint32_t* ib = idx2.data();
  for (int shift : {0, 11, 22}) {
    uint32_t mask = shift == 22 ? 0x3FFu : 0x7FFu;
    size_t count[2048];
    digit_offsets(ka, n, shift, mask, count);
    for (size_t i = 0; i < n; ++i) {
      size_t d = count[(ka[i] >> shift) & mask]++;
      kb[d] = ka[i];
      ib[d] = ia[i];
    }
    std::swap(ka, kb);
    std::swap(ia, ib);
  }
  // Three passes: the result is in the second buffer.
  std::memcpy(order, ia, n * sizeof(uint32_t));
}

template <typename T>
void sort_values(T* data, const RowLayout& l, bool partial, int kth) {
  SortLess<T> less;
  for_rows(l, [&](size_t off, size_t stride) {
    T* row = data + off;
    if constexpr (kRadixType<T>) {
      if (!partial && stride == 1 && l.n >= kRadixMin) {
        radix_sort_values(row, l.n);
        return;
      }
    }
    if (stride == 1) {
      partial ? std::nth_element(row, row + kth, row + l.n, less) : std::sort(row, row + l.n, less);
      return;
    }
    std::vector<T> tmp(l.n);
    for (size_t j = 0; j < l.n; ++j) {
      tmp[j] = row[j * stride];
    }
    partial ? std::nth_element(tmp.begin(), tmp.begin() + kth, tmp.end(), less)
            : std::sort(tmp.begin(), tmp.end(), less);
    for (size_t j = 0; j < l.n; ++j) {
      row[j * stride] = tmp[j];
    }
  });
}

template <typename T>
void sort_indices(const T* data, uint32_t* out, const RowLayout& l, bool partial, int kth) {
  SortLess<T> less;
  for_rows(l, [&](size_t off, size_t stride) {
    const T* row = data + off;
    std::vector<uint32_t> idx(l.n);
    if constexpr (kRadixType<T>) {
      if (!partial && stride == 1 && l.n >= kRadixMin) {
        radix_argsort(row, l.n, idx.data());
        std::memcpy(out + off, idx.data(), l.n * sizeof(uint32_t));
        return;
      }
    }
    std::iota(idx.begin(), idx.end(), 0u);
    auto cmp = [&](uint32_t a, uint32_t b) { return less(row[a * stride], row[b * stride]); };
    partial ? std::nth_element(idx.begin(), idx.begin() + kth, idx.end(), cmp)
            : std::stable_sort(idx.begin(), idx.end(), cmp);
    for (size_t j = 0; j < l.n; ++j) {
      out[off + j * stride] = idx[j];
    }
  });
}

void eval_values(const array& in, array& out, int axis, bool partial, int kth) {
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
          return a + b;
        case Scan::Prod:
          return a * b;
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
          return a + b;
        case Scan::Prod:
          return a * b;
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
