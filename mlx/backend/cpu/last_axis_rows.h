// Row passes of a softmax over contiguous float or double values, shared
// by the softmax and attention kernels: the row's max and the exponentials
// with their sum, in 16 lanes so that the loops vectorize without
// reassociating one running value. (Internal linkage: each kernel file gets
// its own copies; callers run them inside cpu::simd, simd.h.)
#pragma once

#include <algorithm>
#include <limits>

#include "mlx/backend/cpu/lanes.h"
#include "mlx/backend/cpu/math.h"
#include "mlx/backend/cpu/simd.h"

namespace mlx::core::cpu {
namespace {

// The largest of n scores (NaN ignored: a comparison with NaN is false;
// -inf when all are), in lanes (lanes.h).
template <typename A>
inline A row_max(const A* s, int n) {
  return reduce_lanes<A>(
      size_t(std::max(n, 0)), -std::numeric_limits<A>::infinity(), [](A m, A v) { return v > m ? v : m; },
      [&](size_t j) { return s[j]; });
}

// The sum of exp(x[j] - m) (every x[j] <= m), each also stored in y[j]
// unless y is null (y may be x). `ahead` (optional, n values) is
// prefetched meanwhile: the next row, so that its reads from memory overlap
// this row's arithmetic.
template <typename A>
inline A exp_row_sum(const A* x, A* y, int n, A m, const A* ahead = nullptr, A* ahead_out = nullptr) {
  constexpr int L = 16;
  A lanes[L] = {};
  int j = 0;
  for (; j + L <= n; j += L) {
    if (ahead) {
      __builtin_prefetch(ahead + j);
      if constexpr (sizeof(A) == 8) {
        __builtin_prefetch(ahead + j + 8);
      }
    }
    if (ahead_out) {
      __builtin_prefetch(ahead_out + j, 1);
      if constexpr (sizeof(A) == 8) {
        __builtin_prefetch(ahead_out + j + 8, 1);
      }
    }
    for (int l = 0; l < L; ++l) {
      A e = fast::exp_le0(x[j + l] - m);
      if (y) {
        y[j + l] = e;
      }
      lanes[l] += e;
    }
  }
  A total = 0;
  for (; j < n; ++j) {
    A e = fast::exp_le0(x[j] - m);
    if (y) {
      y[j] = e;
    }
    total += e;
  }
  for (int l = 0; l < L; ++l) {
    total += lanes[l];
  }
  return total;
}

} // namespace
} // namespace mlx::core::cpu
