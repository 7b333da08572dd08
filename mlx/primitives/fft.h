// The discrete Fourier transform primitive of mx.fft.
#pragma once

#include <vector>

#include "mlx/primitives.h"

namespace mlx::core {

// The unnormalized DFT over `axes` (sign -1 forward, +1 when `inverse`;
// the ops apply any 1/n scaling). Complex: complex64 in and out, same
// shape. Real forward: float32 in, the last of `axes` shortened to n/2 + 1
// (the non-negative frequencies). Real inverse: complex in, float32 out,
// the last axis Hermitian-extended to the output's length there (the
// imaginary parts of the DC and Nyquist terms ignored).
// `last_n` is the transform's length along the last of `axes` (the
// output's there for a real inverse).
class FFT : public Primitive {
 public:
  FFT(Stream s, std::vector<int> axes, bool inverse, bool real, int last_n)
      : Primitive(s), axes_(std::move(axes)), inverse_(inverse), real_(real), last_n_(last_n) {}
  MLX_PRIMITIVE_BODY(FFT)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const FFT*>(&other);
    return o && o->axes_ == axes_ && o->inverse_ == inverse_ && o->real_ == real_ && o->last_n_ == last_n_;
  }

 private:
  std::vector<int> axes_;
  bool inverse_, real_;
  int last_n_;
};

// The FFT node over x (already cast and sized for it).
array fft_node(const array& x, const std::vector<int>& axes, bool inverse, bool real, int last_n, Stream s);

} // namespace mlx::core
