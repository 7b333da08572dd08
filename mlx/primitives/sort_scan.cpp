// Transformation rules and equivalence of the sort, partition, search and
// scan primitives.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/common.h"
#include <limits>

namespace mlx::core {

using namespace detail;

// ----------------------------------------------------------- Sort and friends

namespace {

std::pair<array, int> batch_to_front(const array& x, int ax, int axis, StreamOrDevice s) {
  if (ax < 0) {
    return {x, axis};
  }
  return {moveaxis(x, ax, 0, s), axis + 1};
}

} // namespace

bool Sort::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const Sort*>(&o);
  return p && p->axis_ == axis_;
}
bool ArgSort::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const ArgSort*>(&o);
  return p && p->axis_ == axis_;
}
bool Partition::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const Partition*>(&o);
  return p && p->axis_ == axis_ && p->kth_ == kth_;
}
bool ArgPartition::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const ArgPartition*>(&o);
  return p && p->axis_ == axis_ && p->kth_ == kth_;
}
bool Scan::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const Scan*>(&o);
  return p && p->type_ == type_ && p->axis_ == axis_ && p->reverse_ == reverse_ &&
         p->inclusive_ == inclusive_;
}
bool SearchSorted::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const SearchSorted*>(&o);
  return p && p->right_ == right_;
}

std::vector<array> Sort::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto idx = stop_gradient(argsort(primals[0], axis_, stream()), stream());
  return {take_along_axis(tangents[0], idx, axis_, stream())};
}
std::vector<array> Sort::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  auto idx = stop_gradient(argsort(primals[0], axis_, stream()), stream());
  return {
      scatter_add_along_axis(primals[0].shape(), cotangents[0].dtype(), idx, cotangents[0], axis_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Sort::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  return {{sort(x, ax, stream())}, {axes[0] < 0 ? -1 : 0}};
}

std::vector<array> Partition::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  auto idx = stop_gradient(argpartition(primals[0], kth_, axis_, stream()), stream());
  return {take_along_axis(tangents[0], idx, axis_, stream())};
}
std::vector<array> Partition::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  auto idx = stop_gradient(argpartition(primals[0], kth_, axis_, stream()), stream());
  return {
      scatter_add_along_axis(primals[0].shape(), cotangents[0].dtype(), idx, cotangents[0], axis_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Partition::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  return {{partition(x, kth_, ax, stream())}, {axes[0] < 0 ? -1 : 0}};
}

// Integer-valued outputs: zero derivatives.
#define MLX_ZERO_GRADS(Prim)                                                                 \
  std::vector<array> Prim::jvp(const std::vector<array>& primals, const std::vector<array>&, \
                               const std::vector<int>&) {                                    \
    return {zeros(output_shapes(primals)[0], uint32, stream())};                             \
  }                                                                                          \
  std::vector<array> Prim::vjp(const std::vector<array>& primals, const std::vector<array>&, \
                               const std::vector<int>& argnums, const std::vector<array>&) { \
    std::vector<array> out;                                                                  \
    for (int i : argnums) {                                                                  \
      out.push_back(zeros_like(primals[i], stream()));                                       \
    }                                                                                        \
    return out;                                                                              \
  }
MLX_ZERO_GRADS(ArgSort)
MLX_ZERO_GRADS(ArgPartition)
MLX_ZERO_GRADS(SearchSorted)
#undef MLX_ZERO_GRADS

std::pair<std::vector<array>, std::vector<int>> ArgSort::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  return {{argsort(x, ax, stream())}, {axes[0] < 0 ? -1 : 0}};
}
std::pair<std::vector<array>, std::vector<int>> ArgPartition::vmap(const std::vector<array>& inputs,
                                                                   const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  return {{argpartition(x, kth_, ax, stream())}, {axes[0] < 0 ? -1 : 0}};
}
std::pair<std::vector<array>, std::vector<int>> SearchSorted::vmap(const std::vector<array>& inputs,
                                                                   const std::vector<int>& axes) {
  if (axes[0] >= 0) {
    throw std::invalid_argument(
        "[searchsorted] Cannot vmap over the sorted sequence, only over the values being searched for.");
  }
  return {{searchsorted(inputs[0], inputs[1], right_, stream())}, {axes[1]}};
}

// ---------------------------------------------------------------------- Scan

namespace {

// Shifts x by one step along `axis` in scan order (towards later positions;
// `reverse` scans run from the end), filling the vacated slot with zeros:
// an exclusive scan's output i is the inclusive scan's output i - 1.
array shift_in_scan_order(const array& x, int axis, bool reverse, bool forward, StreamOrDevice s) {
  int n = x.shape(axis);
  if (n == 0) {
    return x;
  }
  Shape start(x.ndim(), 0), stop = x.shape();
  // Moving forward in scan order drops the last element (in scan order).
  bool drop_end = forward != reverse;
  if (drop_end) {
    stop[axis] = n - 1;
  } else {
    start[axis] = 1;
  }
  auto part = slice(x, start, stop, s);
  return pad(part, {axis}, {drop_end ? 1 : 0}, {drop_end ? 0 : 1}, array(0, x.dtype()), "constant", s);
}

// For an inclusive cummax/cummin y of x: the position along `axis` whose
// value each output holds (the latest one in scan order on ties).
array scan_extremum_arg(const array& x, const array& y, int axis, bool reverse, StreamOrDevice s) {
  int n = x.shape(axis);
  Shape r(x.ndim(), 1);
  r[axis] = n;
  auto pos = reshape(arange(0, n, int32), r, s);
  if (reverse) {
    pos = subtract(array(n - 1), pos, s);
  }
  auto hit = where(equal(x, y, s), broadcast_to(pos, x.shape(), s), array(-1), s);
  auto arg = cummax(hit, axis, reverse, true, s);
  // Indices carry no derivative (higher orders must not ask for one).
  return stop_gradient(reverse ? subtract(array(n - 1), arg, s) : arg, s);
}

// The product of the other elements along `axis`: exact with zeros too.
array others_product(const array& x, int axis, StreamOrDevice s) {
  return multiply(cumprod(x, axis, false, false, s), cumprod(x, axis, true, false, s), s);
}

} // namespace

std::vector<array> Scan::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto s = stream();
  const auto& x = primals[0];
  const auto& t = tangents[0];
  switch (type_) {
    case Sum:
      return {cumsum(t, axis_, reverse_, inclusive_, s)};
    case Prod: {
      // Where an output's factors hold no zero: y * cumsum(t / x). Where
      // they do, only the first zero's tangent survives: t_z * (the product
      // with that zero replaced by one).
      auto zero = equal(x, array(0, x.dtype()), s);
      auto count = cumsum(astype(zero, int32, s), axis_, reverse_, true, s);
      auto first = logical_and(zero, equal(count, array(1), s), s);
      auto covered = greater(cumsum(astype(zero, int32, s), axis_, reverse_, inclusive_, s), array(0), s);
      auto x_safe = where(zero, array(1, x.dtype()), x, s);
      auto y = cumprod(x, axis_, reverse_, inclusive_, s);
      auto smooth = multiply(y, cumsum(divide(t, x_safe, s), axis_, reverse_, inclusive_, s), s);
      auto t_first = sum(where(first, t, zeros_like(t, s), s), axis_, true, s);
      auto y_first = cumprod(where(first, array(1, x.dtype()), x, s), axis_, reverse_, inclusive_, s);
      return {where(covered, multiply(t_first, y_first, s), smooth, s)};
    }
    case LogAddExp: {
      // dy_i = sum_{j covered by i} t_j exp(x_j - y_i), summed in log space
      // (positive and negative tangents apart) so large |x| cannot overflow.
      auto y = logcumsumexp(x, axis_, reverse_, inclusive_, s);
      auto part = [&](const array& tp) {
        auto l = logcumsumexp(add(x, log(tp, s), s), axis_, reverse_, inclusive_, s);
        return where(isneginf(y, s), zeros_like(y, s), exp(subtract(l, y, s), s), s);
      };
      auto zero = zeros_like(t, s);
      return {subtract(part(maximum(t, zero, s)), part(maximum(negative(t, s), zero, s)), s)};
    }
    default: {
      // Each output carries the tangent of the element it holds.
      auto y = type_ == Max ? cummax(x, axis_, reverse_, true, s) : cummin(x, axis_, reverse_, true, s);
      auto ty = take_along_axis(t, scan_extremum_arg(x, y, axis_, reverse_, s), axis_, s);
      return {inclusive_ ? ty : shift_in_scan_order(ty, axis_, reverse_, true, s)};
    }
  }
}

std::vector<array> Scan::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>& outputs) {
  auto s = stream();
  const auto& x = primals[0];
  const auto& ct = cotangents[0];
  const auto& y = outputs[0];
  switch (type_) {
    case Sum:
      return {cumsum(ct, axis_, !reverse_, inclusive_, s)};
    case Prod: {
      // d x_j = sum_{i covers j} ct_i * y_i / x_j before the first zero of
      // the lane; at that zero, the same sum of the products with the zero
      // replaced by one; after it, zero (every product holds the zero).
      auto zero = equal(x, array(0, x.dtype()), s);
      auto count = cumsum(astype(zero, int32, s), axis_, reverse_, true, s);
      auto before = equal(count, array(0), s);
      auto first = logical_and(zero, equal(count, array(1), s), s);
      // (Complex: the partials y_i / x_j enter conjugated, as elsewhere.)
      bool cplx = is_complex(x.dtype());
      auto cj = [&](const array& v) { return cplx ? conjugate(v, s) : v; };
      auto back = [&](const array& v) {
        return cumsum(multiply(ct, cj(v), s), axis_, !reverse_, inclusive_, s);
      };
      auto g_before = divide(back(y), cj(where(before, x, array(1, x.dtype()), s)), s);
      auto g_first = back(cumprod(where(first, array(1, x.dtype()), x, s), axis_, reverse_, inclusive_, s));
      return {where(before, g_before, where(first, g_first, zeros_like(x, s), s), s)};
    }
    case LogAddExp: {
      // d x_j = sum_{i covers j} ct_i * exp(x_j - y_i), summed in log space
      // (positive and negative cotangents apart) so large |x| cannot
      // overflow. Outputs at -inf (empty or all -inf prefixes) only reach
      // inputs at -inf, whose gradient is zero.
      auto neg_inf = array(-std::numeric_limits<float>::infinity(), x.dtype());
      auto part = [&](const array& cp) {
        auto v = where(isneginf(y, s), neg_inf, subtract(log(cp, s), y, s), s);
        return exp(add(x, logcumsumexp(v, axis_, !reverse_, inclusive_, s), s), s);
      };
      auto zero = zeros_like(ct, s);
      return {subtract(part(maximum(ct, zero, s)), part(maximum(negative(ct, s), zero, s)), s)};
    }
    default: {
      // Each output's cotangent goes to the position that attained it: the
      // latest position (in scan order) where x equals the running value.
      // An exclusive scan's output i is the inclusive one's output i - 1.
      auto yi = y;
      auto cti = ct;
      if (!inclusive_) {
        yi = type_ == Max ? cummax(x, axis_, reverse_, true, s) : cummin(x, axis_, reverse_, true, s);
        cti = shift_in_scan_order(ct, axis_, reverse_, false, s);
      }
      auto arg = scan_extremum_arg(x, yi, axis_, reverse_, s);
      return {scatter_add_along_axis(x.shape(), ct.dtype(), arg, cti, axis_, s)};
    }
  }
}

std::pair<std::vector<array>, std::vector<int>> Scan::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  auto s = stream();
  array out = x;
  switch (type_) {
    case Sum:
      out = cumsum(x, ax, reverse_, inclusive_, s);
      break;
    case Prod:
      out = cumprod(x, ax, reverse_, inclusive_, s);
      break;
    case Max:
      out = cummax(x, ax, reverse_, inclusive_, s);
      break;
    case Min:
      out = cummin(x, ax, reverse_, inclusive_, s);
      break;
    case LogAddExp:
      out = logcumsumexp(x, ax, reverse_, inclusive_, s);
      break;
  }
  return {{out}, {axes[0] < 0 ? -1 : 0}};
}

} // namespace mlx::core
