// eval_cpu of Reduce and ArgReduce.
//
// Reductions run on one of two dense layouts: reduced axes innermost (each
// output reduces one contiguous row) or reduced axes just before a block of
// kept axes (outputs accumulate whole rows, a vector loop). Other layouts are
// first copied into the first one.
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <type_traits>
#include <vector>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/lanes.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace cpu {
namespace {

// Signed integers accumulate in their unsigned type: overflow wraps, as
// NumPy's does, without the undefined behaviour of signed overflow.
template <typename A>
constexpr bool wraps_unsigned = std::is_integral_v<A> && std::is_signed_v<A>;

struct SumOp {
  template <typename A>
  A operator()(A a, A b) const {
    if constexpr (wraps_unsigned<A>) {
      using U = std::make_unsigned_t<std::common_type_t<A, int>>; // no promotion back to int
      return A(U(a) + U(b));
    } else {
      return a + b;
    }
  }
  template <typename A>
  static A init() {
    return A(0);
  }
};
struct ProdOp {
  template <typename A>
  A operator()(A a, A b) const {
    if constexpr (wraps_unsigned<A>) {
      using U = std::make_unsigned_t<std::common_type_t<A, int>>;
      return A(U(a) * U(b));
    } else {
      return a * b;
    }
  }
  template <typename A>
  static A init() {
    return A(1);
  }
};
// A complex value is NaN when either part is (NumPy): max and min of complex
// values propagate it, as they do a real NaN.
inline bool complex_nan(complex64_t v) { return v.real() != v.real() || v.imag() != v.imag(); }

struct MaxOp {
  template <typename A>
  A operator()(A a, A b) const {
    if constexpr (std::is_same_v<A, complex64_t>) {
      if (complex_nan(a) || complex_nan(b)) {
        return complex_nan(a) ? a : b;
      }
      return (a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag())) ? a : b;
    } else {
      return (a > b || a != a) ? a : b;
    }
  }
  template <typename A>
  static A init() {
    if constexpr (std::is_same_v<A, complex64_t>) {
      return A(-std::numeric_limits<float>::infinity(), 0);
    } else if constexpr (std::numeric_limits<A>::has_infinity) {
      return -std::numeric_limits<A>::infinity();
    } else {
      return std::numeric_limits<A>::lowest();
    }
  }
};
struct MinOp {
  template <typename A>
  A operator()(A a, A b) const {
    if constexpr (std::is_same_v<A, complex64_t>) {
      if (complex_nan(a) || complex_nan(b)) {
        return complex_nan(a) ? a : b;
      }
      return (a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag())) ? a : b;
    } else {
      return (a < b || a != a) ? a : b;
    }
  }
  template <typename A>
  static A init() {
    if constexpr (std::is_same_v<A, complex64_t>) {
      return A(std::numeric_limits<float>::infinity(), 0);
    } else if constexpr (std::numeric_limits<A>::has_infinity) {
      return std::numeric_limits<A>::infinity();
    } else {
      return std::numeric_limits<A>::max();
    }
  }
};
struct AndOp {
  bool operator()(bool a, bool b) const { return a && b; }
  template <typename A>
  static A init() {
    return true;
  }
};
struct OrOp {
  bool operator()(bool a, bool b) const { return a || b; }
  template <typename A>
  static A init() {
    return false;
  }
};

// Reduces n contiguous values (lanes.h: four vectors of accumulators on
// long rows, one on short ones; more lanes also bound the rounding error).
template <typename A, typename T, typename Op>
A reduce_row(const T* x, size_t n, Op op) {
  return cpu::simd(MLX_SIMD_LAMBDA {
    return reduce_lanes<A>(n, Op::template init<A>(), op, [&](size_t i) { return static_cast<A>(x[i]); });
  });
}

// Reduces four rows of n contiguous values (ld apart) into out[0..3]: four
// streams of reads in flight instead of one, with one vector of lanes per
// row (as many accumulators as reduce_row's four vectors).
template <typename A, typename T, typename Op>
void reduce_rows4(const T* x, size_t ld, size_t n, Op op, A* out) {
  cpu::simd(MLX_SIMD_LAMBDA {
    constexpr size_t V = 64 / sizeof(A) > 0 ? 64 / sizeof(A) : 1;
    A lanes[4][V];
    for (auto& row : lanes) {
      std::fill_n(row, V, Op::template init<A>());
    }
    size_t i = 0;
    for (; i + V <= n; i += V) {
      for (size_t r = 0; r < 4; ++r) {
        for (size_t l = 0; l < V; ++l) {
          lanes[r][l] = op(lanes[r][l], static_cast<A>(x[r * ld + i + l]));
        }
      }
    }
    for (size_t r = 0; r < 4; ++r) {
      A v = Op::template init<A>();
      for (size_t j = i; j < n; ++j) {
        v = op(v, static_cast<A>(x[r * ld + j]));
      }
      for (size_t l = 0; l < V; ++l) {
        v = op(v, lanes[r][l]);
      }
      out[r] = v;
    }
  });
}

// acc[c] = op(acc[c], x[r * ld + c]) over r in [0, rows), c in [0, cols).
// Four rows at a time: the accumulators are loaded and stored once per four
// rows, and four streams of reads are in flight.
template <typename A, typename T, typename Op>
void reduce_cols(const T* x, size_t rows, size_t cols, size_t ld, A* acc, Op op) {
  cpu::simd(MLX_SIMD_LAMBDA {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
      const T* r0 = x + r * ld;
      const T *r1 = r0 + ld, *r2 = r1 + ld, *r3 = r2 + ld;
      for (size_t c = 0; c < cols; ++c) {
        A a = op(static_cast<A>(r0[c]), static_cast<A>(r1[c]));
        A b = op(static_cast<A>(r2[c]), static_cast<A>(r3[c]));
        acc[c] = op(acc[c], op(a, b));
      }
    }
    for (; r < rows; ++r) {
      const T* row = x + r * ld;
      for (size_t c = 0; c < cols; ++c) {
        acc[c] = op(acc[c], static_cast<A>(row[c]));
      }
    }
  });
}

template <typename T>
using acc_t = std::conditional_t<std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>, float, T>;

// in: row contiguous, viewed as (outer, reduced, inner).
template <typename T, typename O, typename Op>
void reduce_dense(const T* in, O* out, size_t outer, size_t reduced, size_t inner, Op op) {
  using A = acc_t<O>;
  if (inner == 1) {
    if (outer == 1) {
      // One long row: threads reduce parts, then combine.
      int parts = std::max(1, std::min<int>(num_threads(), int(reduced / kParallelGrain)));
      std::unique_ptr<A[]> partial(new A[parts]);
      std::fill_n(partial.get(), parts, Op::template init<A>());
      size_t per = (reduced + parts - 1) / parts;
      parallel_for(parts, 1, [&](size_t b, size_t e) {
        for (size_t p = b; p < e; ++p) {
          size_t s = p * per, t = std::min(reduced, s + per);
          if (s < t) {
            // As four rows, for four streams of reads.
            size_t quarter = (t - s) / 4;
            A r = Op::template init<A>();
            if (quarter >= 256) {
              A four[4];
              reduce_rows4<A>(in + s, quarter, quarter, op, four);
              r = op(op(four[0], four[1]), op(four[2], four[3]));
              s += 4 * quarter;
            }
            partial[p] = op(r, reduce_row<A>(in + s, t - s, op));
          }
        }
      });
      A r = Op::template init<A>();
      for (int p = 0; p < parts; ++p) {
        r = op(r, partial[p]);
      }
      *out = scalar_cast<O>(r);
      return;
    }
    parallel_for(outer, std::max<size_t>(1, kParallelGrain / std::max<size_t>(reduced, 1)),
                 [&](size_t b, size_t e) {
                   size_t o = b;
                   if (reduced >= 256) { // (rows of a few vectors gain nothing)
                     for (; o + 4 <= e; o += 4) {
                       A four[4];
                       reduce_rows4<A>(in + o * reduced, reduced, reduced, op, four);
                       for (size_t r = 0; r < 4; ++r) {
                         out[o + r] = scalar_cast<O>(four[r]);
                       }
                     }
                   }
                   for (; o < e; ++o) {
                     out[o] = scalar_cast<O>(reduce_row<A>(in + o * reduced, reduced, op));
                   }
                 });
    return;
  }
  if (outer == 1 && inner <= (size_t(1) << 14) && reduced >= 64 && reduced * inner >= 2 * kParallelGrain) {
    // Few outputs over many rows (a bias gradient): each part sums a band
    // of whole rows (sequential reads), then the parts are combined.
    size_t parts = std::min<size_t>(size_t(num_threads()) * 2, reduced / 32);
    size_t per = (reduced + parts - 1) / parts;
    std::unique_ptr<A[]> partial(new A[parts * inner]);
    std::fill_n(partial.get(), parts * inner, Op::template init<A>());
    parallel_for(parts, 1, [&](size_t b, size_t e) {
      for (size_t p = b; p < e; ++p) {
        size_t r0 = p * per, r1 = std::min(reduced, r0 + per);
        if (r0 < r1) {
          reduce_cols<A>(in + r0 * inner, r1 - r0, inner, inner, partial.get() + p * inner, op);
        }
      }
    });
    for (size_t c = 0; c < inner; ++c) {
      A r = partial[c];
      for (size_t p = 1; p < parts; ++p) {
        r = op(r, partial[p * inner + c]);
      }
      out[c] = scalar_cast<O>(r);
    }
    return;
  }
  size_t work = outer * inner;
  parallel_for(work, std::max<size_t>(1, kParallelGrain / std::max<size_t>(reduced, 1)),
               [&](size_t b, size_t e) {
                 // Split the (outer, inner) plane into row pieces.
                 std::unique_ptr<A[]> acc(new A[std::min(inner, e - b)]);
                 size_t i = b;
                 while (i < e) {
                   size_t o = i / inner, c0 = i % inner;
                   size_t c1 = std::min(inner, c0 + (e - i));
                   std::fill_n(acc.get(), c1 - c0, Op::template init<A>());
                   const T* base = in + o * reduced * inner + c0;
                   // Row r of this piece starts at base + r * inner.
                   reduce_cols<A>(base, reduced, c1 - c0, inner, acc.get(), op);
                   for (size_t c = c0; c < c1; ++c) {
                     out[o * inner + c] = scalar_cast<O>(acc[c - c0]);
                   }
                   i += c1 - c0;
                 }
               });
}

// The dense layout to reduce, as (outer, reduced, inner) of a row-contiguous
// array: returns false if the reduced axes are not one block.
bool as_block(const Shape& shape, const std::vector<int>& axes, size_t& outer, size_t& reduced,
              size_t& inner) {
  for (size_t i = 1; i < axes.size(); ++i) {
    if (axes[i] != axes[i - 1] + 1) {
      return false;
    }
  }
  outer = reduced = inner = 1;
  for (int d = 0; d < int(shape.size()); ++d) {
    if (d < axes.front()) {
      outer *= shape[d];
    } else if (d <= axes.back()) {
      reduced *= shape[d];
    } else {
      inner *= shape[d];
    }
  }
  return true;
}

template <typename Op>
void reduce_dispatch(const array& in_arr, array& out, const std::vector<int>& axes, Op op, const char* name) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  array in = in_arr;
  std::vector<int> ax = axes;
  size_t outer, reduced, inner;
  if (!in.flags().row_contiguous || ax.empty() || !as_block(in.shape(), ax, outer, reduced, inner)) {
    // Move the reduced axes last, then copy to a dense layout.
    std::vector<int> perm;
    for (int d = 0; d < in.ndim(); ++d) {
      if (!std::binary_search(ax.begin(), ax.end(), d)) {
        perm.push_back(d);
      }
    }
    perm.insert(perm.end(), ax.begin(), ax.end());
    Shape shape;
    Strides strides;
    for (int d : perm) {
      shape.push_back(in.shape(d));
      strides.push_back(in.strides(d));
    }
    array view(shape, in.dtype(), nullptr, {});
    view.copy_shared_buffer(in, strides, compute_flags(shape, strides), in.data_size());
    in = ensure_row_contiguous(view);
    size_t kept = in.ndim() - ax.size();
    ax.resize(axes.size());
    std::iota(ax.begin(), ax.end(), int(kept));
    if (ax.empty()) {
      outer = in.size();
      reduced = 1;
      inner = 1;
    } else {
      as_block(in.shape(), ax, outer, reduced, inner);
    }
  }
  dispatch(AllTypes{}, in.dtype(), name, [&](auto t) {
    using T = decltype(t);
    dispatch(AllTypes{}, out.dtype(), name, [&](auto o) {
      using O = decltype(o);
      if constexpr (std::is_same_v<Op, AndOp> || std::is_same_v<Op, OrOp>) {
        if constexpr (std::is_same_v<T, bool> && std::is_same_v<O, bool>) {
          reduce_dense(in.data<T>(), out.data<O>(), outer, reduced, inner, op);
        }
      } else if constexpr (std::is_same_v<T, O> || (std::is_integral_v<T> && std::is_integral_v<O>)) {
        reduce_dense(in.data<T>(), out.data<O>(), outer, reduced, inner, op);
      }
    });
  });
}

// The index of the extreme value of a contiguous float row (the first on
// ties; the first NaN if any), in three passes that vectorize: the extreme
// ignoring NaN (the read from memory), then, over the row now in cache, a
// NaN check and the search for the first match. The last two compare bit
// patterns: float comparisons feeding a flag keep GCC from vectorizing.
// With `next` (the row to do after this one), the first pass also
// prefetches it: two streams of reads in flight instead of one.
template <typename T, bool IsMax>
uint32_t arg_extreme_contiguous(const T* p, size_t n, const T* next) {
  return cpu::simd(MLX_SIMD_LAMBDA {
    using U = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
    constexpr U kAbs = ~U(0) >> 1;
    constexpr U kInf = sizeof(T) == 8 ? U(0x7ff0000000000000ull) : U(0x7f800000u);
    constexpr int L = 16;
    T lanes[L];
    for (int l = 0; l < L; ++l) {
      lanes[l] = p[0];
    }
    size_t i = 0;
    for (; i + L <= n; i += L) {
      if (next != nullptr) {
        __builtin_prefetch(next + i);
        if constexpr (sizeof(T) * L > 64) {
          __builtin_prefetch(next + i + 64 / sizeof(T));
        }
      }
      for (int l = 0; l < L; ++l) {
        T v = p[i + l];
        lanes[l] = IsMax ? (v > lanes[l] ? v : lanes[l]) : (v < lanes[l] ? v : lanes[l]);
      }
    }
    T best = lanes[0];
    for (int l = 1; l < L; ++l) {
      best = IsMax ? (lanes[l] > best ? lanes[l] : best) : (lanes[l] < best ? lanes[l] : best);
    }
    for (; i < n; ++i) {
      best = IsMax ? (p[i] > best ? p[i] : best) : (p[i] < best ? p[i] : best);
    }
    auto bits = [](T v) {
      U u;
      std::memcpy(&u, &v, sizeof(T));
      return u;
    };
    U any_nan = 0;
    for (size_t j = 0; j < n; ++j) {
      any_nan |= (bits(p[j]) & kAbs) > kInf;
    }
    // p[0] may be a NaN that the extreme skipped (it started the lanes).
    bool nan = any_nan != 0 || best != best;
    U target = bits(best);
    bool by_bits = nan || best != T(0); // (+0 and -0 compare equal)
    size_t j = 0;
    if (by_bits) {
      for (; j + L <= n; j += L) {
        U hit = 0;
        for (int l = 0; l < L; ++l) {
          U u = bits(p[j + l]);
          hit |= nan ? (u & kAbs) > kInf : u == target;
        }
        if (hit) {
          break;
        }
      }
    }
    for (; j < n; ++j) {
      if (nan ? p[j] != p[j] : p[j] == best) {
        return uint32_t(j);
      }
    }
    return uint32_t(0);
  });
}

// Index of the max (or min) along `axis`; the first one on ties, and the
// first NaN if any.
template <typename T, bool IsMax>
void arg_reduce_typed(const array& in, array& out, int axis) {
  out.set_data(allocator::malloc(out.nbytes()));
  Shape shape = in.shape();
  Strides strides = in.strides();
  size_t n = shape[axis];
  int64_t st = strides[axis];
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  const T* src = in.data<T>();
  uint32_t* dst = out.data<uint32_t>();
  auto better = [](compute_t<T> a, compute_t<T> b) {
    if constexpr (std::is_same_v<T, complex64_t>) {
      // The first NaN wins (NumPy).
      if (complex_nan(b) || complex_nan(a)) {
        return !complex_nan(b);
      }
      return IsMax ? (a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag()))
                   : (a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag()));
    } else {
      if (b != b) {
        return false;
      }
      return (a != a) || (IsMax ? a > b : a < b);
    }
  };
  size_t count = shape_size(shape);
  // Rows one after another in memory: each is prefetched while the one
  // before it is read.
  bool rows_follow = in.flags().row_contiguous && axis == in.ndim() - 1;
  Shape s = shape;
  s.push_back(1);
  Strides ss = strides;
  ss.push_back(0);
  parallel_for(count, std::max<size_t>(1, kParallelGrain / std::max<size_t>(n, 1)),
               [&](size_t r0, size_t r1) {
                 uint32_t* d = dst + r0;
                 for_each_row<1>(s, {ss}, r0, r1, [&](const std::array<int64_t, 1>& off) {
                   const T* p = src + off[0];
                   if constexpr (std::is_floating_point_v<compute_t<T>> && std::is_same_v<T, compute_t<T>>) {
                     if (st == 1) {
                       const T* next = rows_follow && d + 1 < dst + r1 ? p + n : nullptr;
                       *d++ = arg_extreme_contiguous<T, IsMax>(p, n, next);
                       return;
                     }
                   }
                   uint32_t best = 0;
                   compute_t<T> bv = static_cast<compute_t<T>>(p[0]);
                   for (size_t i = 1; i < n; ++i) {
                     compute_t<T> v = static_cast<compute_t<T>>(p[i * st]);
                     if (better(v, bv)) {
                       bv = v;
                       best = uint32_t(i);
                     }
                   }
                   *d++ = best;
                 });
               });
}

} // namespace
} // namespace cpu

void Reduce::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  switch (type_) {
    case And:
      return cpu::reduce_dispatch(in[0], out[0], axes_, cpu::AndOp{}, "Reduce");
    case Or:
      return cpu::reduce_dispatch(in[0], out[0], axes_, cpu::OrOp{}, "Reduce");
    case Sum:
      return cpu::reduce_dispatch(in[0], out[0], axes_, cpu::SumOp{}, "Reduce");
    case Prod:
      return cpu::reduce_dispatch(in[0], out[0], axes_, cpu::ProdOp{}, "Reduce");
    case Min:
      return cpu::reduce_dispatch(in[0], out[0], axes_, cpu::MinOp{}, "Reduce");
    case Max:
      return cpu::reduce_dispatch(in[0], out[0], axes_, cpu::MaxOp{}, "Reduce");
  }
}

void ArgReduce::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::dispatch(cpu::AllTypes{}, in[0].dtype(), "ArgReduce", [&](auto t) {
    using T = decltype(t);
    if (type_ == ArgMax) {
      cpu::arg_reduce_typed<T, true>(in[0], out[0], axis_);
    } else {
      cpu::arg_reduce_typed<T, false>(in[0], out[0], axis_);
    }
  });
}

} // namespace mlx::core
