// Layout helpers shared by the CPU kernels: flags from strides, collapsing
// of contiguous dims, and row-wise iteration over strided operands.
#pragma once

#include <array>
#include <vector>

#include "mlx/array.h"

namespace mlx::core::cpu {

// The layout flags of an array view with these shape and strides.
array::Flags compute_flags(const Shape& shape, const Strides& strides);

// Makes `out` a view of x's buffer broadcast to out's shape (the Broadcast
// kernel; ops call it directly for an operand that is already computed).
void broadcast_view(const array& x, array& out);

// Merges adjacent dims that are contiguous in every operand and drops
// size-1 dims. Returns the new shape and each operand's strides.
template <size_t N>
std::pair<Shape, std::array<Strides, N>> collapse_dims(const Shape& shape,
                                                       const std::array<Strides, N>& strides) {
  Shape out_shape;
  std::array<Strides, N> out_strides;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) {
      continue;
    }
    bool merge = !out_shape.empty();
    for (size_t k = 0; merge && k < N; ++k) {
      merge = out_strides[k].back() == strides[k][d] * shape[d];
    }
    if (merge) {
      out_shape.back() *= shape[d];
      for (size_t k = 0; k < N; ++k) {
        out_strides[k].back() = strides[k][d];
      }
    } else {
      out_shape.push_back(shape[d]);
      for (size_t k = 0; k < N; ++k) {
        out_strides[k].push_back(strides[k][d]);
      }
    }
  }
  return {out_shape, out_strides};
}

// Calls body(offsets) for rows [row_begin, row_end) of an n-d iteration,
// where a row is the last dim and offsets are each operand's element offset
// of the row's first element.
template <size_t N, typename Body>
void for_each_row(const Shape& shape, const std::array<Strides, N>& strides, size_t row_begin, size_t row_end,
                  Body&& body) {
  int outer = static_cast<int>(shape.size()) - 1;
  std::array<int64_t, N> off{};
  if (outer <= 0) {
    for (size_t r = row_begin; r < row_end; ++r) {
      body(off);
    }
    return;
  }
  std::vector<int64_t> idx(outer);
  size_t rem = row_begin;
  for (int d = outer - 1; d >= 0; --d) {
    idx[d] = rem % shape[d];
    rem /= shape[d];
    for (size_t k = 0; k < N; ++k) {
      off[k] += idx[d] * strides[k][d];
    }
  }
  for (size_t r = row_begin; r < row_end; ++r) {
    body(off);
    for (int d = outer - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        for (size_t k = 0; k < N; ++k) {
          off[k] += strides[k][d];
        }
        break;
      }
      idx[d] = 0;
      for (size_t k = 0; k < N; ++k) {
        off[k] -= (shape[d] - 1) * strides[k][d];
      }
    }
  }
}

// Number of rows (product of all dims but the last) of a shape.
inline size_t num_rows(const Shape& shape) {
  size_t n = 1;
  for (size_t d = 0; d + 1 < shape.size(); ++d) {
    n *= shape[d];
  }
  return n;
}

// Float compute type for 16-bit floats; T itself otherwise.
template <typename T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<float16_t> {
  using type = float;
};
template <>
struct ComputeType<bfloat16_t> {
  using type = float;
};
template <typename T>
using compute_t = typename ComputeType<T>::type;

} // namespace mlx::core::cpu
