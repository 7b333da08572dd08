// The FFT node and its transformation rules.
#include "mlx/fft.h"

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/fft.h"

namespace mlx::core {

array fft_node(const array& x, const std::vector<int>& axes, bool inverse, bool real, int last_n, Stream s) {
  Shape shape = x.shape();
  Dtype type = complex64;
  if (real) {
    shape[axes.back()] = inverse ? last_n : last_n / 2 + 1;
    type = inverse ? float32 : complex64;
  }
  return detail::make_node<FFT>(shape, type, {x}, s, axes, inverse, real, last_n);
}

// The primitive is linear. With the project's convention (vjp gives the
// conjugate transpose applied to the cotangent) the vjp of a complex DFT is
// the DFT of the other sign; of a real forward one, the real part of the
// inverse DFT of the cotangent zero-padded to full length; of a real
// inverse one, the real forward DFT of the cotangent, doubled at the
// frequencies whose mirror images the inverse filled in.
std::vector<array> FFT::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                            const std::vector<int>&, const std::vector<array>&) {
  auto s = stream();
  const array& x = primals[0];
  const array& cot = cotangents[0];
  int last = axes_.back();
  if (!real_) {
    return {fft_node(astype(cot, complex64, s), axes_, !inverse_, false, last_n_, s)};
  }
  if (!inverse_) {
    int n = x.shape(last), m = cot.shape(last);
    auto padded = pad(astype(cot, complex64, s), {last}, {0}, {n - m}, array(0, complex64), "constant", s);
    return {real(fft_node(padded, axes_, true, false, n, s), s)};
  }
  int n = last_n_, m = x.shape(last);
  auto g = fft_node(astype(cot, float32, s), axes_, false, true, n, s);
  // Weight 2 for 1 <= k <= n - m (the values the inverse mirrored), 1 else.
  auto k = arange(0, m, int32, s);
  auto twice = logical_and(greater_equal(k, array(1), s), less_equal(k, array(n - m), s), s);
  Shape wshape(x.ndim(), 1);
  wshape[last] = m;
  return {multiply(g, reshape(where(twice, array(2.0f), array(1.0f), s), wshape, s), s)};
}

std::vector<array> FFT::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                            const std::vector<int>&) {
  // Linear: the same transform of the tangent.
  return {
      fft_node(astype(tangents[0], primals[0].dtype(), stream()), axes_, inverse_, real_, last_n_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> FFT::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes) {
  // The mapped axis goes first; the transformed axes move up by one.
  auto x = moveaxis(inputs[0], axes[0], 0, stream());
  std::vector<int> shifted;
  for (int ax : axes_) {
    shifted.push_back(ax + 1);
  }
  return {{fft_node(x, shifted, inverse_, real_, last_n_, stream())}, {0}};
}

} // namespace mlx::core
