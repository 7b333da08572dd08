// softmax: the op and the transformation rules of its fused primitive.
#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"
#include "mlx/ops_more.h"
#include "mlx/primitives/last_axis.h"

namespace mlx::core {

using detail::fail;

array softmax(const array& a, const std::vector<int>& axes_in, bool precise, StreamOrDevice s) {
  if (a.ndim() == 0 && !axes_in.empty()) {
    fail("softmax", "Received non-empty axes for array with 0 dimensions.");
  }
  auto axes = detail::normalize_axes(axes_in, a.ndim(), "softmax");
  bool last_axis = axes.size() == 1 && axes[0] == a.ndim() - 1;
  if (last_axis && a.dtype() != complex64) {
    // The fused kernel; integers and bool become float32 first.
    Dtype t = detail::at_least_float(a.dtype());
    array x = astype(a, t, s);
    if (x.size() == 0) {
      return x;
    }
    return detail::make_node<Softmax>(x.shape(), t, {x}, to_stream(s), precise);
  }
  if (a.size() == 0) {
    return a;
  }
  // Other axes: MLX composes reductions and keeps the input's dtype, so
  // integer results truncate. The maximum carries no gradient (the result
  // does not depend on it).
  // precise: half types are computed in float32 (and rounded back).
  bool widen = a.dtype() == bool_ || (precise && (a.dtype() == float16 || a.dtype() == bfloat16));
  array x = widen ? astype(a, float32, s) : a;
  array m = stop_gradient(max(x, axes, true, s), s);
  array e = exp(subtract(x, m, s), s);
  array out = divide(e, sum(e, axes, true, s), s);
  return astype(out, a.dtype(), s);
}

array softmax(const array& a, int axis, bool precise, StreamOrDevice s) {
  return softmax(a, std::vector<int>{axis}, precise, s);
}

array softmax(const array& a, bool precise, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) {
    axes[i] = i;
  }
  return softmax(a, axes, precise, s);
}

// With y = softmax(x): dy = y * (dx - sum(dx * y)) along the last axis; the
// Jacobian is symmetric, so the vjp has the same form.
namespace {
array softmax_linear(const array& y, const array& t, const Stream& s) {
  array ty = multiply(t, y, s);
  return multiply(y, subtract(t, sum(ty, -1, true, s), s), s);
}
} // namespace

std::vector<array> Softmax::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>&) {
  // The output is not passed to jvp, so it is computed again.
  array y = softmax(primals[0], primals[0].ndim() - 1, precise_, stream());
  return {softmax_linear(y, tangents[0], stream())};
}

std::vector<array> Softmax::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>& outputs) {
  return {softmax_linear(outputs[0], cotangents[0], stream())};
}

std::pair<std::vector<array>, std::vector<int>> Softmax::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  int ax = axes[0];
  array x = detail::batch_axis_off_last(inputs[0], ax, stream());
  return {{softmax(x, x.ndim() - 1, precise_, stream())}, {ax}};
}

} // namespace mlx::core
