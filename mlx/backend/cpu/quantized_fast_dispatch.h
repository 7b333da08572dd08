// The template arguments of the float path's matrix-vector kernels (AVX2
// fast_rows in quantized_kernels.cpp, AVX-512 fast_rows16 in
// quantized_kernels_avx512.cpp) from run-time values, so that each kernel
// keeps its accumulators in registers and its code width unrolled.
#pragma once

#include <algorithm>
#include <type_traits>

namespace mlx::core::cpu::qk {

// Calls f(m0, B, FP4, Mc, P, S) for the rows of x in chunks of up to 4 (m0
// the first row of the chunk), the last five as std::integral_constant: B
// the code bits, FP4 fp4 codes (kind != 0), Mc the chunk's rows, P the
// parameters' storage (0 float32, 1 float16, 2 bfloat16; fp4 codes: 0) and
// S whether x was scaled per code position (affine codes only).
template <typename F>
void dispatch_fast_rows(int kind, int bits, int M, int ptype, bool scaled, F&& f) {
  using std::integral_constant;
  for (int m0 = 0; m0 < M; m0 += 4) {
    const int mc = std::min(4, M - m0);
    auto with_p = [&](auto b, auto fp4, auto m) {
      if constexpr (decltype(fp4)::value) {
        f(m0, b, fp4, m, integral_constant<int, 0>(), std::false_type());
      } else {
        auto with_s = [&](auto p) {
          if (scaled) {
            f(m0, b, fp4, m, p, std::true_type());
          } else {
            f(m0, b, fp4, m, p, std::false_type());
          }
        };
        if (ptype == 1) {
          with_s(integral_constant<int, 1>());
        } else if (ptype == 2) {
          with_s(integral_constant<int, 2>());
        } else {
          with_s(integral_constant<int, 0>());
        }
      }
    };
    auto with_m = [&](auto b, auto fp4) {
      switch (mc) {
        case 1:
          return with_p(b, fp4, integral_constant<int, 1>());
        case 2:
          return with_p(b, fp4, integral_constant<int, 2>());
        case 3:
          return with_p(b, fp4, integral_constant<int, 3>());
        default:
          return with_p(b, fp4, integral_constant<int, 4>());
      }
    };
    if (kind != 0) {
      with_m(integral_constant<int, 4>(), std::true_type());
    } else if (bits == 2) {
      with_m(integral_constant<int, 2>(), std::false_type());
    } else if (bits == 4) {
      with_m(integral_constant<int, 4>(), std::false_type());
    } else {
      with_m(integral_constant<int, 8>(), std::false_type());
    }
  }
}

} // namespace mlx::core::cpu::qk
