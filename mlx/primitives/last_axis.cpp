// Transformation rules of the row primitives: softmax, logsumexp, Hadamard.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/common.h"
#include "mlx/primitives/last_axis.h"

namespace mlx::core {

using namespace detail;

// ---- Softmax
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

// ---- LogSumExp
// With y = logsumexp(x) over the last axis: dy = sum(dx * softmax(x)).
// (softmax directly: exp(x - y) loses digits where y rounds, as at 1020.)
std::vector<array> LogSumExp::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  array p = softmax(primals[0], -1, /* precise */ true, stream());
  return {sum(multiply(tangents[0], p, stream()), -1, false, stream())};
}

std::vector<array> LogSumExp::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  array p = softmax(primals[0], -1, /* precise */ true, stream());
  return {multiply(expand_dims(cotangents[0], -1, stream()), p, stream())};
}

std::pair<std::vector<array>, std::vector<int>> LogSumExp::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  int ax = axes[0];
  array x = detail::batch_axis_off_last(inputs[0], ax, stream());
  return {{apply_last_axis(x)}, {ax}};
}

array LogSumExp::apply_last_axis(const array& x) {
  Shape shape = x.shape();
  shape.pop_back();
  return detail::make_node<LogSumExp>(shape, x.dtype(), {x}, stream());
}

// ---- Hadamard
// The butterfly matrix is symmetric: its vjp and jvp apply it again.
std::vector<array> Hadamard::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                 const std::vector<int>&) {
  auto& t = tangents[0];
  return {detail::make_node<Hadamard>(t.shape(), t.dtype(), {t}, stream(), scale_)};
}

std::vector<array> Hadamard::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                 const std::vector<int>&, const std::vector<array>&) {
  auto& c = cotangents[0];
  return {detail::make_node<Hadamard>(c.shape(), c.dtype(), {c}, stream(), scale_)};
}

std::pair<std::vector<array>, std::vector<int>> Hadamard::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  int ax = axes[0];
  array x = detail::batch_axis_off_last(inputs[0], ax, stream());
  return {{detail::make_node<Hadamard>(x.shape(), x.dtype(), {x}, stream(), scale_)}, {ax}};
}

} // namespace mlx::core
