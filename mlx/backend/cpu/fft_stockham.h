// The fast FFT kernels: float32 mixed-radix (2, 3, 4, 5, 7) Stockham
// transforms with twiddles computed in double precision, run on blocks of
// lines at once (the lines side by side, so that every butterfly loop runs
// over contiguous lanes), and the four-step algorithm for long lines.
// Lengths with another prime factor are left to the double-precision
// reference kernels of fft.cpp (which return false here).
#pragma once

#include "mlx/array.h"

namespace mlx::core::cpu::fft {

// The lines along `axis` of row-contiguous arrays whose shapes differ only
// there: how many, the distance between a line's elements, and where line
// l starts when the axis has `len` elements.
struct Lines {
  size_t count = 1, inner = 1;
  Lines(const Shape& shape, int axis) {
    for (size_t d = 0; d < shape.size(); ++d) {
      if (int(d) != axis) {
        count *= shape[d];
      }
      if (int(d) > axis) {
        inner *= shape[d];
      }
    }
  }
  size_t start(size_t l, size_t len) const { return (l / inner) * inner * len + l % inner; }
  // The starts of lines l0 .. l0 + count - 1.
  void starts(size_t l0, size_t count, size_t len, size_t* st) const {
    size_t outer = l0 / inner, in = l0 % inner;
    for (size_t b = 0; b < count; ++b) {
      st[b] = outer * inner * len + in;
      if (++in == inner) {
        in = 0;
        ++outer;
      }
    }
  }
};

// Whether the fast kernels take lengths of n (2, 3, 5, 7-smooth) and are
// not switched off by MLX_CPU_REFERENCE_KERNELS=1 in the environment.
bool fast_length(size_t n);

// Unnormalized complex DFT along `axis` of row-contiguous arrays of shape
// `shape`: from `in` to `out` (which may be the same buffer).
void complex_pass(const complex64_t* in, complex64_t* out, const Shape& shape, int axis, bool inverse);

// Real forward DFT of length n = shape[axis] (even), keeping n / 2 + 1
// values per line in `out` (shape[axis] replaced by n / 2 + 1).
void real_forward(const float* x, complex64_t* out, const Shape& shape, int axis);

// Real inverse of length n (even) from the n / 2 + 1 values per line of
// `in` (shape `shape`), unnormalized, to `y`.
void real_inverse(const complex64_t* in, float* y, const Shape& shape, int axis, size_t n);

} // namespace mlx::core::cpu::fft
