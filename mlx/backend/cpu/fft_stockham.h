// The fast FFT kernels: float32 mixed-radix (2, 3, 4, 5, 7) Stockham
// transforms with twiddles computed in double precision, run on blocks of
// lines at once (the lines side by side, so that every butterfly loop runs
// over contiguous lanes), and the four-step algorithm for long lines.
// Lengths with another prime factor are left to the double-precision
// reference kernels of fft.cpp (which return false here).
#pragma once

#include "mlx/array.h"

namespace mlx::core::cpu::fft {

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
