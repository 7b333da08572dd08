// Scalar types behind the 16-bit and complex dtypes.
//
// float16 uses the compiler's _Float16 (IEEE binary16 storage; arithmetic is
// promoted to float). bfloat16 is a 16-bit struct converting to and from
// float with round-to-nearest-even. complex64 is std::complex<float>.
#pragma once

#include <complex>
#include <cstdint>
#include <cstring>

namespace mlx::core {

using float16_t = _Float16;
using complex64_t = std::complex<float>;

struct bfloat16_t {
  uint16_t bits;

  bfloat16_t() = default;
  bfloat16_t(float f) : bits(from_float(f)) {}
  operator float() const {
    uint32_t u = uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }

  static uint16_t from_float(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      return uint16_t((u >> 16) | 0x40); // quiet NaN
    }
    // Round to nearest, ties to even.
    u += 0x7fffu + ((u >> 16) & 1u);
    return uint16_t(u >> 16);
  }
};

} // namespace mlx::core
