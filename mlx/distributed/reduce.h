// Element-wise reductions of raw buffers, shared by the backends that
// reduce on the CPU themselves (ring, and the mpi operations MPI lacks:
// half floats, complex max/min, bool).
#pragma once

#include <complex>
#include <cstddef>
#include <type_traits>

#include "mlx/array.h"
#include "mlx/distributed/group.h"

namespace mlx::core::distributed::detail {

// Complex numbers compare by real part, then imaginary part.
template <typename T>
bool less(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  } else {
    return a < b;
  }
}

// op(a, b) for one pair of elements.
template <typename T>
T combine(T a, T b, ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
      if constexpr (std::is_same_v<T, bool>) {
        return a || b;
      } else if constexpr (std::is_integral_v<T>) {
        // Wraps as NumPy does, without signed overflow.
        using U = std::make_unsigned_t<T>;
        return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
      } else if constexpr (std::is_same_v<T, bfloat16_t>) {
        return bfloat16_t(float(a) + float(b));
      } else {
        return a + b;
      }
    case ReduceOp::Max:
      return less(a, b) ? b : a;
    case ReduceOp::Min:
      return less(b, a) ? b : a;
  }
  return a;
}

// The loops of reduce_into, one per way its buffers may coincide: with
// restrict-qualified pointers the compiler vectorizes each without a
// run-time overlap check (which sends an in-place loop down its scalar
// path).
template <typename T, ReduceOp Op>
void combine_apart(T* __restrict dst, const T* __restrict a, const T* __restrict src, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    dst[i] = combine(a[i], src[i], Op);
  }
}
template <typename T, ReduceOp Op>
void combine_into_src(T* __restrict dst_src, const T* __restrict a, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    dst_src[i] = combine(a[i], dst_src[i], Op);
  }
}
template <typename T, ReduceOp Op>
void combine_into_a(T* __restrict dst_a, const T* __restrict src, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    dst_a[i] = combine(dst_a[i], src[i], Op);
  }
}

template <typename T, ReduceOp Op>
void reduce_into_op(T* dst, const T* a, const T* src, size_t n) {
  if (a == src) {
    // op(x, x): only the mpi backend's self-reduction could ask.
    for (size_t i = 0; i < n; ++i) {
      dst[i] = combine(a[i], a[i], Op);
    }
  } else if (dst == src) {
    combine_into_src<T, Op>(dst, a, n);
  } else if (dst == a) {
    combine_into_a<T, Op>(dst, src, n);
  } else {
    combine_apart<T, Op>(dst, a, src, n);
  }
}

// dst = op(a, src), element-wise; dst may be a or src (but not overlap
// either at an offset).
template <typename T>
void reduce_into(T* dst, const T* a, const T* src, size_t n, ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
      return reduce_into_op<T, ReduceOp::Sum>(dst, a, src, n);
    case ReduceOp::Max:
      return reduce_into_op<T, ReduceOp::Max>(dst, a, src, n);
    case ReduceOp::Min:
      return reduce_into_op<T, ReduceOp::Min>(dst, a, src, n);
  }
}

// dst[0:nbytes] = op(a, src) for elements of `dtype`.
inline void reduce_bytes(char* dst, const char* a, const char* src, size_t nbytes, Dtype dtype, ReduceOp op) {
  dispatch_dtype(dtype, [&](auto type) {
    using T = decltype(type);
    reduce_into(reinterpret_cast<T*>(dst), reinterpret_cast<const T*>(a), reinterpret_cast<const T*>(src),
                nbytes / sizeof(T), op);
  });
}

} // namespace mlx::core::distributed::detail
