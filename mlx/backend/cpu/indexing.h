// Helpers shared by the concatenate, gather, scatter, slice-update and sort
// kernels: same-dtype strided copies and index materialization.
#pragma once

#include <cstring>
#include <vector>

#include "mlx/array.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/strided.h"

namespace mlx::core::cpu {

// Calls f(U{}) with U an unsigned integer type of the given byte size (for
// kernels that only move elements around).
template <typename F>
void dispatch_bytes(size_t size, F&& f) {
  switch (size) {
    case 1:
      return f(uint8_t{});
    case 2:
      return f(uint16_t{});
    case 4:
      return f(uint32_t{});
    default:
      return f(uint64_t{});
  }
}

// Copies the elements of `src` (any strides) to `dst` laid out with
// `dst_strides` (in elements), same dtype. Threads over rows when large;
// must not be called from inside another parallel_for.
inline void copy_into(const array& src, void* dst, const Strides& dst_strides, bool threaded = true) {
  if (src.size() == 0) {
    return;
  }
  auto [shape, strides] = collapse_dims<2>(src.shape(), {src.strides(), dst_strides});
  dispatch_bytes(src.itemsize(), [&](auto t) {
    using T = decltype(t);
    const T* s = src.data<T>();
    T* d = static_cast<T*>(dst);
    if (shape.empty()) {
      *d = *s;
      return;
    }
    size_t inner = shape.back();
    int64_t ss = strides[0].back(), ds = strides[1].back();
    size_t rows = num_rows(shape);
    auto body = [&](size_t rb, size_t re) {
      for_each_row<2>(shape, strides, rb, re, [&](const std::array<int64_t, 2>& off) {
        const T* sp = s + off[0];
        T* dp = d + off[1];
        if (ss == 1 && ds == 1) {
          std::memcpy(dp, sp, inner * sizeof(T));
        } else {
          for (size_t i = 0; i < inner; ++i) {
            dp[i * ds] = sp[i * ss];
          }
        }
      });
    };
    if (threaded) {
      parallel_for(rows, std::max<size_t>(1, kParallelGrain / std::max<size_t>(inner, 1)), body);
    } else {
      body(0, rows);
    }
  });
}

// The values of an integer index array (any strides) as int64, row-major.
inline std::vector<int64_t> index_values(const array& idx) {
  std::vector<int64_t> out(idx.size());
  if (idx.size() == 0) {
    return out;
  }
  array tmp(idx.shape(), int64, nullptr, {});
  copy(idx, tmp, false);
  std::memcpy(out.data(), tmp.data<int64_t>(), out.size() * sizeof(int64_t));
  return out;
}

// base[i] += clamp_index(v[i], n, len) * stride for every i, threaded.
inline void add_index_offsets(std::vector<int64_t>& base, const std::vector<int64_t>& v, int64_t n,
                              int64_t len, int64_t stride);

// Wraps a negative index and clamps it so that a slice of `len` starting at
// it fits in a dim of size n (n >= len).
inline int64_t clamp_index(int64_t v, int64_t n, int64_t len) {
  if (v < 0) {
    v += n;
  }
  int64_t hi = n - len;
  return v < 0 ? 0 : (v > hi ? hi : v);
}

inline void add_index_offsets(std::vector<int64_t>& base, const std::vector<int64_t>& v, int64_t n,
                              int64_t len, int64_t stride) {
  parallel_for(base.size(), kParallelGrain, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      base[i] += clamp_index(v[i], n, len) * stride;
    }
  });
}

} // namespace mlx::core::cpu
