// Transformation rules of the reduction primitives.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/common.h"

namespace mlx::core {

std::vector<Shape> Reduce::output_shapes(const std::vector<array>& inputs) {
  Shape out = inputs[0].shape();
  for (int a : axes_) {
    out[a] = 1;
  }
  return {out};
}

using namespace detail;

namespace {

// x with the reduced axes moved last and merged into one; also the shape
// before merging and the permutation (kept dims keep their order).
struct Merged {
  array x;
  Shape shape;
  std::vector<int> perm;
};
Merged merge_reduced(const array& x, const std::vector<int>& axes, const Stream& s) {
  std::vector<int> perm;
  for (int d = 0; d < x.ndim(); ++d) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) {
      perm.push_back(d);
    }
  }
  int kept = int(perm.size());
  perm.insert(perm.end(), axes.begin(), axes.end());
  auto xt = transpose(x, perm, s);
  Shape flat(xt.shape().begin(), xt.shape().begin() + kept);
  ShapeElem k = 1;
  for (int a : axes) {
    k *= x.shape(a);
  }
  flat.push_back(k);
  return {reshape(xt, flat, s), xt.shape(), perm};
}

// d prod(x, axes) / d x: the product of the other reduced elements, as
// exclusive products from both sides (exact where x has zeros).
array prod_others(const array& x, const std::vector<int>& axes, const Stream& s) {
  if (x.size() == 0) {
    return zeros_like(x, s);
  }
  auto m = merge_reduced(x, axes, s);
  int last = m.x.ndim() - 1;
  auto o = multiply(cumprod(m.x, last, false, false, s), cumprod(m.x, last, true, false, s), s);
  std::vector<int> inverse(m.perm.size());
  for (size_t i = 0; i < m.perm.size(); ++i) {
    inverse[m.perm[i]] = int(i);
  }
  return transpose(reshape(o, m.shape, s), inverse, s);
}

} // namespace

// ---- Reduce (outputs keep the reduced dims with size 1).
std::vector<array> Reduce::jvp(const std::vector<array>& p, const std::vector<array>& t,
                               const std::vector<int>&) {
  auto s = stream();
  switch (type_) {
    case Sum:
      return {sum(t[0], axes_, true, s)};
    case Prod:
      return {sum(multiply(t[0], prod_others(p[0], axes_, s), s), axes_, true, s)};
    case Min:
    case Max: {
      // The tangent of the first extremum (row-major over the reduced axes), as MLX.
      Shape kept = p[0].shape();
      for (int a : axes_) {
        kept[a] = 1;
      }
      if (p[0].size() == 0) {
        return {zeros(kept, t[0].dtype(), s)};
      }
      auto x = merge_reduced(p[0], axes_, s).x;
      auto tx = merge_reduced(t[0], axes_, s).x;
      int last = x.ndim() - 1;
      auto idx = stop_gradient(type_ == Min ? argmin(x, last, true, s) : argmax(x, last, true, s), s);
      return {reshape(take_along_axis(tx, idx, last, s), kept, s)};
    }
    default: {
      // all/any: zero tangents in the tangent's dtype (as MLX).
      Shape kept = p[0].shape();
      for (int a : axes_) {
        kept[a] = 1;
      }
      return {zeros(kept, t[0].dtype(), s)};
    }
  }
}
std::vector<array> Reduce::vjp(const std::vector<array>& p, const std::vector<array>& c,
                               const std::vector<int>&, const std::vector<array>& outputs) {
  auto s = stream();
  const auto& shape = p[0].shape();
  // (broadcast_against: under a shapeless compile trace the gradient
  // follows the input's shape at later calls.)
  auto cot = detail::broadcast_against(c[0], shape, {p[0]}, s);
  switch (type_) {
    case Sum:
      return {astype(cot, p[0].dtype(), s)};
    case Prod: {
      auto others = prod_others(p[0], axes_, s);
      return {multiply(cot, is_complex(others.dtype()) ? conjugate(others, s) : others, s)};
    }
    case Min:
    case Max: {
      auto mask =
          astype(equal(p[0], detail::broadcast_against(outputs[0], shape, {p[0]}, s), s), p[0].dtype(), s);
      auto count = detail::broadcast_against(sum(mask, axes_, true, s), shape, {p[0]}, s);
      return {divide(multiply(cot, mask, s), count, s)};
    }
    default:
      return {zeros_like(p[0], s)};
  }
}
Rules Reduce::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  std::vector<int> ax;
  for (int a : axes_) {
    ax.push_back(a + 1);
  }
  auto s = stream();
  array out = [&] {
    switch (type_) {
      case And:
        return all(x, ax, true, s);
      case Or:
        return any(x, ax, true, s);
      case Sum:
        return sum(x, ax, true, s);
      case Prod:
        return prod(x, ax, true, s);
      case Min:
        return min(x, ax, true, s);
      default:
        return max(x, ax, true, s);
    }
  }();
  return {{out}, {0}};
}

// ---- ArgReduce: integer output, zero derivatives (as MLX: a uint32 tangent).
std::vector<array> ArgReduce::jvp(const std::vector<array>& p, const std::vector<array>&,
                                  const std::vector<int>&) {
  Shape kept = p[0].shape();
  if (!kept.empty()) {
    kept[axis_] = 1;
  }
  return {zeros(kept, uint32, stream())};
}
std::vector<array> ArgReduce::vjp(const std::vector<array>& p, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(p[0], stream())};
}
Rules ArgReduce::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  auto out = type_ == ArgMax ? argmax(x, axis_ + 1, true, stream()) : argmin(x, axis_ + 1, true, stream());
  return {{out}, {0}};
}

} // namespace mlx::core
