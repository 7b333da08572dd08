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

// dst = op(a, b), element-wise (dst may be a).
template <typename T>
void reduce_into(T* dst, const T* a, const T* src, size_t n, ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
      if constexpr (std::is_same_v<T, bool>) {
        for (size_t i = 0; i < n; ++i) {
          dst[i] = a[i] || src[i];
        }
      } else if constexpr (std::is_integral_v<T>) {
        // Wraps as NumPy does, without signed overflow.
        using U = std::make_unsigned_t<T>;
        for (size_t i = 0; i < n; ++i) {
          dst[i] = static_cast<T>(static_cast<U>(a[i]) + static_cast<U>(src[i]));
        }
      } else if constexpr (std::is_same_v<T, bfloat16_t>) {
        for (size_t i = 0; i < n; ++i) {
          dst[i] = bfloat16_t(float(a[i]) + float(src[i]));
        }
      } else {
        for (size_t i = 0; i < n; ++i) {
          dst[i] = a[i] + src[i];
        }
      }
      break;
    case ReduceOp::Max:
      for (size_t i = 0; i < n; ++i) {
        dst[i] = less(a[i], src[i]) ? src[i] : a[i];
      }
      break;
    case ReduceOp::Min:
      for (size_t i = 0; i < n; ++i) {
        dst[i] = less(src[i], a[i]) ? src[i] : a[i];
      }
      break;
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
