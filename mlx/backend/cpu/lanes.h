// Row reductions in independent lanes, so that the loops vectorize without
// reassociating one running value: four vectors of lanes while at least
// that many values remain (independent accumulators hide the latency of
// each add when the row is in cache), then one vector's worth, then one
// value at a time. Short rows thus cost one vector of lanes, not four.
#pragma once

#include <cstddef>

namespace mlx::core::cpu {

// op(... op(op(init, term(0)), term(1)) ..., term(n - 1)) up to the order
// of the lanes. Always inlined, so that the loops take the instruction set
// that the caller runs under cpu::simd (simd.h).
template <typename A, typename Op, typename Term>
[[gnu::always_inline]] inline A reduce_lanes(size_t n, A init, Op op, Term term) {
  constexpr size_t V = 64 / sizeof(A) > 0 ? 64 / sizeof(A) : 1;
  constexpr size_t W = 4 * V;
  A lanes[V];
  for (size_t l = 0; l < V; ++l) {
    lanes[l] = init;
  }
  size_t i = 0;
  if (n >= W) {
    A wide[W];
    for (size_t l = 0; l < W; ++l) {
      wide[l] = init;
    }
    for (; i + W <= n; i += W) {
      for (size_t l = 0; l < W; ++l) {
        wide[l] = op(wide[l], term(i + l));
      }
    }
    for (size_t l = 0; l < V; ++l) {
      lanes[l] = op(op(wide[l], wide[l + V]), op(wide[l + 2 * V], wide[l + 3 * V]));
    }
  }
  for (; i + V <= n; i += V) {
    for (size_t l = 0; l < V; ++l) {
      lanes[l] = op(lanes[l], term(i + l));
    }
  }
  A r = init;
  for (; i < n; ++i) {
    r = op(r, term(i));
  }
  for (size_t l = 0; l < V; ++l) {
    r = op(r, lanes[l]);
  }
  return r;
}

} // namespace mlx::core::cpu
